"""Utilisation: both denominators, dated targets weighed by capacity, groups, realisation as money, the forecast
from bookings, and the heatmap's cells — each against figures worked out by hand from the one capacity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.models import InvoiceLine, LineKind
from margin.billing.review import invoice_line_adjust
from margin.core.errors import Invalid
from margin.core.periods import week_start
from margin.reporting.heatmap import heatmap, person_week
from margin.reporting.utilisation import (
    utilisation_forecast,
    utilisation_report,
    utilisation_series,
)
from margin.resourcing.actions import BookingInput, booking_create, utilisation_target_set
from margin.resourcing.capacity import capacity_between, capacity_by_day, days_between
from margin.resourcing.models import BookingKind, BookingUnit
from margin.resourcing.queries import booked_by_day, booked_by_week
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
)
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=14)
SUNDAY = MONDAY + timedelta(days=13)  # two weeks


def _log(firm: Firm, who: str, day: int, minutes: int, billable: bool | None = None) -> int:
    return time_entry_create(
        viewer=getattr(firm, who),
        project=firm.project,
        task=firm.build,
        work_date=MONDAY + timedelta(days=day),
        minutes=minutes,
        billable=billable,
    ).pk


def _time(firm: Firm) -> list[int]:
    """Tom: 480 + 240 billable, 120 not billable, 60 rejected; Lea: a draft 300 billable."""
    ids = [_log(firm, "member", 0, 480), _log(firm, "member", 1, 240), _log(firm, "member", 2, 120, billable=False)]
    rejected = _log(firm, "member", 3, 60)
    _log(firm, "member2", 1, 300)
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=ids)
    time_entries_reject(viewer=firm.manager, entry_ids=[rejected], reason="wrong")
    return ids


def _row(report: object, key: int) -> object:
    return next(r for r in report.rows if r.key == key)  # type: ignore[attr-defined]


def test_both_denominators_count_recorded_time_not_rejected(firm: Firm) -> None:
    _time(firm)
    report = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="person")
    tom = _row(report, firm.member_person.pk).figures  # type: ignore[attr-defined]
    capacity = capacity_between([firm.member_person.pk], MONDAY, SUNDAY)[firm.member_person.pk]
    assert (tom.capacity, tom.recorded, tom.billable) == (capacity, 840, 720)
    assert str(tom.of_recorded) == "85.7"  # 720 of 840
    assert tom.of_capacity == round_pct(720, capacity)
    lea = _row(report, firm.member_person.pk + 1).figures  # type: ignore[attr-defined]
    assert (lea.recorded, lea.billable) == (300, 300)  # a draft counts: it is time recorded


def round_pct(part: int, whole: int) -> object:
    from margin.reporting.utilisation import pct

    return pct(part, whole)


def test_groups_by_role_team_and_company_add_up_to_the_total(firm: Firm) -> None:
    _time(firm)
    from margin.accounts.models import Person

    Person.objects.filter(pk__in=[firm.member_person.pk, firm.member_person.pk + 1]).update(manager=firm.manager_person)
    people = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="person")
    for group in ("role", "team", "company"):
        report = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group=group)
        assert sum(r.figures.billable for r in report.rows) == report.total.billable == people.total.billable
        assert sum(r.figures.capacity for r in report.rows) == people.total.capacity
    team = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="team")
    maya_team = _row(team, firm.manager_person.pk).figures  # type: ignore[attr-defined]
    assert maya_team.people == 2 and maya_team.billable == 1020  # Tom's 720 and Lea's 300
    assert any(r.label == "No line manager" for r in team.rows)
    role = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="role")
    assert _row(role, firm.consultant.pk).figures.billable == 1020  # type: ignore[attr-defined]


def test_a_target_change_inside_the_period_weighs_each_day_by_its_capacity(firm: Firm) -> None:
    utilisation_target_set(viewer=firm.admin, percent=75, valid_from=date(2020, 1, 1))
    utilisation_target_set(viewer=firm.admin, percent=80, valid_from=date(2020, 1, 1), role=firm.consultant)
    change = MONDAY + timedelta(days=7)
    utilisation_target_set(viewer=firm.admin, percent=50, valid_from=change, person=firm.member_person)
    report = utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="person")
    tom = _row(report, firm.member_person.pk).figures  # type: ignore[attr-defined]
    pk = firm.member_person.pk
    days = days_between(MONDAY, SUNDAY)
    cap = capacity_by_day([pk], days)[pk]
    expected = (sum(cap[:7]) * 80 + sum(cap[7:]) * 50) // 100
    assert tom.target == expected
    maya = _row(report, firm.manager_person.pk).figures  # type: ignore[attr-defined]
    assert maya.target_pct == 75  # a senior: the organisation's default
    # A period before any target: none.
    early = utilisation_report(firm.admin, first=date(2019, 1, 7), last=date(2019, 1, 13), group="company")
    assert all(r.figures.target_pct in (None, 0) for r in early.rows)


def test_bad_periods_and_groups_are_refused(firm: Firm) -> None:
    with pytest.raises(Invalid, match="ends on or after"):
        utilisation_report(firm.admin, first=SUNDAY, last=MONDAY)
    with pytest.raises(Invalid, match="two years"):
        utilisation_report(firm.admin, first=date(2020, 1, 1), last=date(2023, 1, 1))
    with pytest.raises(Invalid, match="Group by"):
        utilisation_report(firm.admin, first=MONDAY, last=SUNDAY, group="planet")


def test_a_member_sees_only_their_own_utilisation_and_no_realisation(firm: Firm) -> None:
    _time(firm)
    report = utilisation_report(firm.member, first=MONDAY, last=SUNDAY)
    assert [r.key for r in report.rows] == [firm.member_person.pk]
    assert report.money is False


def test_realisation_is_billed_over_standard_value_for_those_who_see_money(firm: Firm) -> None:
    _time(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    line = InvoiceLine.objects.get(invoice=invoice, kind=LineKind.TIME)
    invoice_line_adjust(
        viewer=firm.finance,
        invoice_id=invoice.pk,
        line_id=line.pk,
        amount_minor=line.standard_minor * 3 // 4,
        reason="goodwill",
    )
    invoice_issue(viewer=firm.finance, invoice=invoice)
    report = utilisation_report(firm.finance, first=MONDAY, last=SUNDAY)
    assert report.money
    tom = _row(report, firm.member_person.pk).figures  # type: ignore[attr-defined]
    assert str(tom.realisation) == "75.0"
    # The project's manager sees it too (their project); a member does not.
    assert utilisation_report(firm.manager, first=MONDAY, last=SUNDAY).money
    assert not utilisation_report(firm.member, first=MONDAY, last=SUNDAY).money


def test_the_report_reads_a_fixed_number_of_queries(firm: Firm) -> None:
    _time(firm)
    utilisation_report(firm.finance, first=MONDAY, last=SUNDAY)
    with CaptureQueriesContext(connection) as few:
        utilisation_report(firm.finance, first=MONDAY, last=SUNDAY)
    assert len(few) <= 14, [q["sql"][:80] for q in few.captured_queries]


def test_the_series_splits_the_period_by_week(firm: Firm) -> None:
    _time(firm)
    series = utilisation_series(
        firm.admin, first=MONDAY, last=SUNDAY, group="person", key=firm.member_person.pk, step="week"
    )
    assert [f.billable for f in series.figures] == [720, 0]
    assert len(series.labels) == 2


def _book(
    firm: Firm,
    first: date,
    last: date,
    *,
    minutes: int | None = 240,
    percent: int | None = None,
    kind: str = BookingKind.HARD,
) -> int:
    data = BookingInput(
        project=firm.project,
        person=firm.member_person,
        role=None,
        first_day=first,
        last_day=last,
        unit=BookingUnit.PERCENT if percent else BookingUnit.HOURS,
        minutes_per_day=None if percent else minutes,
        percent=percent,
        kind=kind,
    )
    return booking_create(viewer=firm.manager, data=data).booking.pk


def test_booked_by_week_equals_booked_by_day_summed(firm: Firm) -> None:
    start = week_start(timezone.localdate())
    _book(firm, start + timedelta(days=2), start + timedelta(days=12))
    _book(firm, start + timedelta(days=5), start + timedelta(days=30), percent=33, kind=BookingKind.SOFT)
    pk = firm.member_person.pk
    weekly = booked_by_week([pk], start, 6)[pk]
    daily = booked_by_day([pk], days_between(start, start + timedelta(days=41)))[pk]
    for w in range(6):
        assert weekly.hard[w] == sum(daily.hard[7 * w : 7 * w + 7])
        assert weekly.soft[w] == sum(daily.soft[7 * w : 7 * w + 7])
        assert weekly.capacity[w] == sum(daily.capacity[7 * w : 7 * w + 7])


def test_forecast_and_heatmap_show_the_same_load(firm: Firm) -> None:
    start = week_start(timezone.localdate())
    _book(firm, start, start + timedelta(days=4), minutes=480)
    _book(firm, start + timedelta(days=7), start + timedelta(days=11), minutes=120, kind=BookingKind.SOFT)
    pk = firm.member_person.pk
    forecast = utilisation_forecast(firm.admin, weeks=2, group="person")
    tom = next(r for r in forecast.rows if r.key == pk)
    found = heatmap(firm.admin, weeks=2)
    row = next(r for r in found.rows if r.id == pk)
    assert [c.minutes for c in row.cells] == [tom.hard[i] + tom.soft[i] for i in range(2)]
    assert [c.capacity for c in row.cells] == tom.capacity
    assert tom.hard_pct(1) == 0 and tom.total_pct(1) is not None
    assert row.cells[0].level in ("full", "over")
    assert tom.bench(1) == tom.capacity[1] - tom.soft[1]
    _member, cell, bookings = person_week(firm.admin, person_id=pk, monday=start)
    assert cell.minutes == row.cells[0].minutes and len(bookings) == 1


def test_the_heatmap_marks_over_allocation_and_bench_and_filters(firm: Firm) -> None:
    start = week_start(timezone.localdate())
    _book(firm, start, start + timedelta(days=4), minutes=480)
    _book(firm, start, start + timedelta(days=4), minutes=240, kind=BookingKind.SOFT)
    found = heatmap(firm.admin, weeks=3)
    tom = next(r for r in found.rows if r.id == firm.member_person.pk)
    assert tom.cells[0].level == "over" or tom.cells[0].capacity == 0
    assert tom.cells[2].level in ("bench", "off")
    only_project = heatmap(firm.admin, weeks=3, project_id=firm.project.pk)
    assert [r.id for r in only_project.rows] == [firm.member_person.pk]
    seniors = heatmap(firm.admin, weeks=3, role_id=firm.senior.pk)
    assert firm.member_person.pk not in [r.id for r in seniors.rows]
    with pytest.raises(Invalid):
        heatmap(firm.admin, weeks=27)


def test_past_weeks_of_the_heatmap_show_time_recorded(firm: Firm) -> None:
    _time(firm)
    found = heatmap(firm.admin, first_monday=MONDAY, weeks=3)
    tom = next(r for r in found.rows if r.id == firm.member_person.pk)
    assert tom.cells[0].past and tom.cells[0].minutes == 840  # recorded, rejected left out
    assert not tom.cells[2].past


def test_the_heatmap_the_forecast_and_utilisation_show_the_one_capacity(firm: Firm) -> None:
    """Every screen that shows capacity shows the same number (ADR 0032): a part-timer's week with time off."""
    from margin.accounts.models import Person
    from margin.resourcing.models import TimeOff, TimeOffStatus

    pk = firm.member_person.pk
    Person.objects.filter(pk=pk).update(weekly_capacity_minutes=24 * 60)
    start = week_start(timezone.localdate())
    TimeOff.objects.create(
        organisation_id=firm.admin.organisation_id,
        person_id=pk,
        first_day=start + timedelta(days=1),
        last_day=start + timedelta(days=1),
        status=TimeOffStatus.APPROVED,
    )
    week = days_between(start, start + timedelta(days=6))
    expected = sum(capacity_by_day([pk], week)[pk])
    assert expected == 24 * 60 * 4 // 5 or expected < 24 * 60  # a day off (or a holiday) comes off
    cell = next(r for r in heatmap(firm.admin, weeks=1).rows if r.id == pk).cells[0]
    forecast = next(r for r in utilisation_forecast(firm.admin, weeks=1).rows if r.key == pk)
    report = utilisation_report(firm.admin, first=week[0], last=week[-1])
    assert cell.capacity == forecast.capacity[0] == _row(report, pk).figures.capacity == expected  # type: ignore[attr-defined]
