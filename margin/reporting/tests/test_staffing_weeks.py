"""The Staffing tab flags a week where the plan asks for more than is booked only while the week is still to come:
a week already over is told by the time logged in it, not by bookings nobody makes after the fact."""

from __future__ import annotations

from margin.reporting.staffing import StaffingCell


def test_a_shortfall_is_flagged_this_week_and_later_not_in_weeks_gone() -> None:
    assert StaffingCell(demand=600, hard=240, soft=240, actual=0).short
    assert not StaffingCell(demand=600, hard=240, soft=360, actual=0).short
    assert not StaffingCell(demand=600, hard=0, soft=0, actual=540, past=True).short
