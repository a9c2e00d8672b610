"""MSPDI <Deadline>: exported as the end of that working day, imported as the task's deadline, round trip."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from margin.core.errors import Invalid
from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects import actions
from margin.projects.models import Task
from margin.projects.planning import deadline_missed


def _deadlines(project_id: int) -> dict[str, tuple[date | None, bool]]:
    tasks = Task.objects.filter(project=project_id)
    return {t.name: (t.deadline, deadline_missed(t.finish, t.deadline)) for t in tasks}


def test_deadlines_round_trip_through_mspdi(planned: Planned) -> None:
    m = planned.firm.manager
    actions.task_update(viewer=m, task=planned.design, deadline=date(2026, 3, 2))  # Monday: Design ends Tuesday
    actions.task_update(viewer=m, task=planned.launch, deadline=date(2026, 3, 31))
    actions.task_update(viewer=m, task=planned.phase, deadline=date(2026, 3, 7))  # a Saturday: no working time
    data = project_export_mspdi(planned.firm.project, costs=True)
    text = data.decode()
    assert "<Deadline>2026-03-02T18:00:00</Deadline>" in text  # the end of the working day (09–13, 14–18)
    assert "<Deadline>2026-03-31T18:00:00</Deadline>" in text
    assert "<Deadline>2026-03-07T23:59:00</Deadline>" in text
    assert text.count("<Deadline>") == 3
    parsed = {t.name: t.deadline for t in mspdi.read(data).tasks}
    assert parsed["Design"] == datetime(2026, 3, 2, 18) and parsed["Build"] is None

    project_import_mspdi(viewer=m, project=planned.empty, data=data)
    imported = _deadlines(planned.empty.pk)
    assert imported == _deadlines(planned.firm.project.pk)
    assert imported["Design"] == (date(2026, 3, 2), True)
    assert imported["Launch"] == (date(2026, 3, 31), False)
    assert imported["Phase 1"][0] == date(2026, 3, 7) and imported["Build"] == (None, False)
    # Imported and re-exported: the same deadlines again.
    assert project_export_mspdi(planned.empty, costs=True).decode().count("<Deadline>") == 3


def _file(deadline: str) -> bytes:
    return (
        "<Project><Tasks><Task><UID>1</UID><Name>Pour</Name><OutlineLevel>1</OutlineLevel>"
        f"<Duration>PT16H0M0S</Duration><Deadline>{deadline}</Deadline></Task></Tasks></Project>"
    ).encode()


def test_a_deadline_from_ms_project_is_its_day(planned: Planned) -> None:
    project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=_file("2026-03-12T17:00:00"))
    assert Task.objects.get(project=planned.empty).deadline == date(2026, 3, 12)


@pytest.mark.parametrize(
    ("deadline", "message"),
    [("soon", "<Deadline> on line 1: 'soon' is not a date and time"), ("1999-12-31T17:00:00", "before 2000-01-01")],
)
def test_bad_deadlines_are_refused_and_nothing_is_imported(planned: Planned, deadline: str, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=_file(deadline))
    assert message in refused.value.message
    assert not Task.objects.filter(project=planned.empty).exists()
