"""Task deadlines (MS Project's Deadline): set, cleared, refused, audited; never moving the plan; the missed flag."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.core.errors import Forbidden, Invalid, NotFound
from margin.projects import actions
from margin.projects.models import Task
from margin.projects.planning import deadline_missed, finish_day, gantt_of
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of January 2026 (the test settings' time zone is UTC)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def plan(firm: Firm) -> Firm:
    """Design (2 days, Mon 5–Tue 6 January 2026) → Build (3 days, Wed 7–Fri 9)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    firm.design.refresh_from_db()
    firm.build.refresh_from_db()
    return firm


def _schedule(task: Task) -> tuple[object, ...]:
    task.refresh_from_db()
    return (task.start, task.finish, task.planned_start, task.planned_finish, task.total_float_minutes, task.critical)


def test_task_create_with_a_deadline_is_audited(firm: Firm) -> None:
    task = actions.task_create(viewer=firm.manager, project=firm.project, name="Launch", deadline=date(2026, 3, 31))
    assert Task.objects.get(pk=task.pk).deadline == date(2026, 3, 31)
    assert audit_row("task.create", task).after["deadline"] == "2026-03-31"


def test_set_and_clear_a_deadline_audits_and_never_moves_the_plan(plan: Firm) -> None:
    build = plan.build
    before = _schedule(build), _schedule(plan.design)
    assert build.finish == at(9, 18)
    actions.task_update(viewer=plan.manager, task=build, deadline=date(2026, 1, 8))  # a day before it finishes
    assert Task.objects.get(pk=build.pk).deadline == date(2026, 1, 8)
    row = audit_row("task.update", build)
    assert (row.before["deadline"], row.after["deadline"]) == (None, "2026-01-08")
    # Not a constraint: a reschedule leaves the plan as it was.
    actions.project_reschedule(viewer=plan.manager, project=plan.project)
    assert (_schedule(build), _schedule(plan.design)) == before
    assert Task.objects.get(pk=build.pk).constraint == "ASAP"
    actions.task_update(viewer=plan.manager, task=build, deadline=None)
    assert Task.objects.get(pk=build.pk).deadline is None
    rows = audit_rows("task.update")
    assert (rows[-1].before["deadline"], rows[-1].after["deadline"]) == ("2026-01-08", None)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (date(1999, 12, 31), "before 2000-01-01"),
        (date(2200, 1, 1), "after 2199-12-31"),
        ("2026-03-01", "must be a date"),
        (datetime(2026, 3, 1, 12, tzinfo=UTC), "must be a date"),
        (20260301, "must be a date"),
    ],
)
def test_bad_deadlines_are_refused_and_change_nothing(firm: Firm, value: object, match: str) -> None:
    with refused(Invalid, firm.design, match=match):
        actions.task_update(viewer=firm.manager, task=firm.design, deadline=value)
    with refused(Invalid, match=match):
        actions.task_create(viewer=firm.manager, project=firm.project, name="Bad", deadline=value)  # type: ignore[arg-type]


def test_the_earliest_deadline_is_accepted(firm: Firm) -> None:
    actions.task_update(viewer=firm.manager, task=firm.design, deadline=date(2000, 1, 1))
    assert Task.objects.get(pk=firm.design.pk).deadline == date(2000, 1, 1)


def test_deadline_refusals_by_who(firm: Firm) -> None:
    with refused(Forbidden, firm.design):
        actions.task_update(viewer=firm.member, task=firm.design, deadline=date(2026, 3, 1))
    with refused(NotFound, firm.design):
        actions.task_update(viewer=firm.other_admin, task=firm.design, deadline=date(2026, 3, 1))


def test_missed_is_a_finish_day_after_the_deadline() -> None:
    assert not deadline_missed(at(9, 18), None)
    assert not deadline_missed(None, date(2026, 1, 1))  # not scheduled yet
    assert not deadline_missed(at(9, 18), date(2026, 1, 9))  # finishing on the day is in time
    assert not deadline_missed(at(9, 18), date(2026, 1, 10))
    assert deadline_missed(at(9, 18), date(2026, 1, 8))
    assert deadline_missed(at(9, 0, 1), date(2026, 1, 8))
    # Work that ends at midnight finished the day before.
    assert finish_day(at(10, 0)) == date(2026, 1, 9)
    assert not deadline_missed(at(10, 0), date(2026, 1, 9))


def test_gantt_carries_the_deadline_and_its_flag(plan: Firm) -> None:
    actions.task_update(viewer=plan.manager, task=plan.build, deadline=date(2026, 1, 8))
    actions.task_update(viewer=plan.manager, task=plan.design, deadline=date(2026, 1, 6))
    tasks = {t.id: t for t in gantt_of(plan.project).tasks}
    assert (tasks[plan.build.pk].deadline, tasks[plan.build.pk].deadline_missed) == (date(2026, 1, 8), True)
    assert (tasks[plan.design.pk].deadline, tasks[plan.design.pk].deadline_missed) == (date(2026, 1, 6), False)
    # Shortening Build to 1 day makes it finish Wednesday 7th: in time.
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, duration_minutes=480)
    assert not next(t for t in gantt_of(plan.project).tasks if t.id == plan.build.pk).deadline_missed
