"""Planning actions: links, schedule changes, WBS moves, rescheduling and baselines (on the real engine)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects import actions
from margin.projects.models import Baseline, BaselineTask, Dependency, Project, Task, WorkCalendar
from margin.projects.planning import baseline_variance, gantt_of, network_of
from margin.projects.rules import LinkSpec
from margin.scheduling.baselines import MAX_BASELINES
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


def at(day: int, hour: int) -> datetime:
    """A moment of January 2026 (the test settings' time zone is UTC)."""
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def plan(firm: Firm) -> Firm:
    """The firm's project starting Monday 5 January 2026: Design (2 days) → Build (3 days)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    firm.design.refresh_from_db()
    firm.build.refresh_from_db()
    return firm


def _task(firm: Firm, name: str, days: int = 1) -> Task:
    task = actions.task_create(viewer=firm.manager, project=firm.project, name=name)
    actions.task_schedule_update(viewer=firm.manager, task=task, duration_minutes=days * 480)
    task.refresh_from_db()
    return task


def test_reschedule_writes_dates_float_and_critical(plan: Firm) -> None:
    design, build = plan.design, plan.build
    assert (design.start, design.finish) == (at(5, 9), at(6, 18))
    assert (build.start, build.finish) == (at(7, 9), at(9, 18))
    assert design.critical and build.critical
    assert design.total_float_minutes == 0
    # The old date fields follow the schedule, so the rest of the app sees the plan.
    assert (build.planned_start, build.planned_finish) == (date(2026, 1, 7), date(2026, 1, 9))
    # A default calendar was created for the organisation on first use.
    assert WorkCalendar.objects.filter(organisation_id=plan.project.organisation_id, company__isnull=True).count() == 1


def test_dependency_create_writes_link_and_audit(plan: Firm) -> None:
    review = _task(plan, "Review")
    link, moved = actions.dependency_create(
        viewer=plan.manager, predecessor=plan.build, successor=review, kind="FS", lag_minutes=480
    )
    assert Dependency.objects.filter(pk=link.pk, predecessor=plan.build, successor=review, lag_minutes=480).exists()
    review.refresh_from_db()
    # Build finishes Friday 9 January; one day of lag → the review starts Tuesday 13 January.
    assert review.start == at(13, 9)
    assert [m.task for m in moved] == [review.pk]
    assert moved[0].new_start == at(13, 9)
    assert audit_row("dependency.create", link).after["successor"] == review.pk


def test_slip_moves_automatic_successors_and_reports_them(plan: Firm) -> None:
    moved = actions.task_schedule_update(viewer=plan.manager, task=plan.design, duration_minutes=4 * 480)
    by_task = {m.task: m for m in moved}
    assert set(by_task) == {plan.design.pk, plan.build.pk}
    assert (by_task[plan.build.pk].old_start, by_task[plan.build.pk].new_start) == (at(7, 9), at(9, 9))
    plan.build.refresh_from_db()
    assert plan.build.start == at(9, 9)
    assert plan.build.finish == at(13, 18)
    row = audit_rows("task.schedule", plan.design)[-1]
    assert row.before["duration_minutes"] == 960 and row.after["duration_minutes"] == 1920


def test_drag_of_automatic_task_sets_start_no_earlier_than(plan: Firm) -> None:
    moved = actions.task_schedule_update(viewer=plan.manager, task=plan.build, start=at(12, 9))
    plan.build.refresh_from_db()
    assert plan.build.constraint == "SNET" and plan.build.constraint_date == at(12, 9)
    assert plan.build.start == at(12, 9)
    assert [m.task for m in moved] == [plan.build.pk]
    plan.design.refresh_from_db()
    assert plan.design.total_float_minutes == 3 * 480 and not plan.design.critical


def test_manual_task_stays_and_reports_a_conflict(plan: Firm) -> None:
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, scheduling="manual", start=at(7, 9))
    moved = actions.task_schedule_update(viewer=plan.manager, task=plan.design, duration_minutes=4 * 480)
    plan.build.refresh_from_db()
    assert plan.build.start == at(7, 9)  # stays where it was put
    assert plan.build.pk not in [m.task for m in moved]
    assert [c.task for c in moved.conflicts] == [plan.build.pk]
    assert "Build" in moved.conflicts[0].message


def test_cycle_is_refused_naming_the_tasks_and_nothing_is_saved(plan: Firm) -> None:
    with refused(Invalid, plan.design, plan.build, match="cycle") as info:
        actions.dependency_create(viewer=plan.manager, predecessor=plan.build, successor=plan.design)
    assert "Design" in info.value.message and "Build" in info.value.message


def test_link_refusals_change_nothing(plan: Firm) -> None:
    other = Task.objects.create(project=plan.other_project, name="Elsewhere")
    x = _task(plan, "X")
    with refused(NotFound):
        actions.dependency_create(viewer=plan.manager, predecessor=plan.design, successor=other)
    with refused(Forbidden):
        actions.dependency_create(viewer=plan.member, predecessor=plan.build, successor=x)
    with refused(Invalid, match="itself"):
        actions.dependency_create(viewer=plan.manager, predecessor=plan.design, successor=plan.design)
    with refused(Conflict):
        actions.dependency_create(viewer=plan.manager, predecessor=plan.design, successor=plan.build)
    with refused(Invalid, match="link type"):
        actions.dependency_create(viewer=plan.manager, predecessor=plan.build, successor=plan.design, kind="XX")
    with refused(Invalid, match="percent"):
        actions.dependency_create(viewer=plan.manager, predecessor=plan.build, successor=x, lag_percent=5000)
    with refused(NotFound):
        actions.dependency_create(viewer=plan.other_admin, predecessor=plan.design, successor=plan.build)


def test_dependency_delete_lets_the_successor_move_back(plan: Firm) -> None:
    link = Dependency.objects.get(predecessor=plan.design, successor=plan.build)
    link_id = link.pk
    with refused(Forbidden, link):
        actions.dependency_delete(viewer=plan.member, dependency=link)
    moved = actions.dependency_delete(viewer=plan.manager, dependency=link)
    assert not Dependency.objects.filter(pk=link_id).exists()
    assert [(m.task, m.new_start) for m in moved] == [(plan.build.pk, at(5, 9))]
    [row] = audit_rows("dependency.delete")
    assert (row.object_id, row.before["predecessor"]) == (link_id, plan.design.pk)


def test_schedule_update_refusals_change_nothing(plan: Firm) -> None:
    for kwargs, match in [
        ({"duration_minutes": -1}, "duration"),
        ({"percent_complete": 101}, "complete"),
        ({"constraint": "MSO"}, "needs a date"),
        ({"constraint": "SOON"}, "Unknown constraint"),
        ({"scheduling": "later"}, "Unknown scheduling"),
        ({"start": datetime(2026, 1, 7, 9)}, "time zone"),
        ({"start": datetime(1700, 1, 1, tzinfo=UTC)}, None),
    ]:
        with refused(Invalid, plan.design, plan.build, match=match):
            actions.task_schedule_update(viewer=plan.manager, task=plan.design, **kwargs)  # type: ignore[arg-type]
    with refused(Forbidden, plan.design):
        actions.task_schedule_update(viewer=plan.member, task=plan.design, duration_minutes=60)
    with refused(NotFound, plan.design):
        actions.task_schedule_update(viewer=plan.other_admin, task=plan.design, duration_minutes=60)


def test_milestone_and_percent_complete(plan: Firm) -> None:
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, duration_minutes=0, percent_complete=0)
    gantt = gantt_of(plan.project)
    build = next(t for t in gantt.tasks if t.id == plan.build.pk)
    assert build.milestone and build.start == build.finish
    actions.task_schedule_update(viewer=plan.manager, task=plan.design, percent_complete=50)
    plan.design.refresh_from_db()
    assert plan.design.percent_complete == 50


def test_actual_dates_fix_a_started_task_whatever_its_links(plan: Firm) -> None:
    # Build started on Wednesday as its link says; Design then slips by two days, and Build stays where the
    # work really started.
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, actual_start=at(7, 9), percent_complete=40)
    actions.task_schedule_update(viewer=plan.manager, task=plan.design, duration_minutes=4 * 480)
    plan.build.refresh_from_db()
    assert (plan.build.actual_start, plan.build.start, plan.build.finish) == (at(7, 9), at(7, 9), at(9, 18))
    # Finished: complete at its actual finish.
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, actual_finish=at(12, 18), percent_complete=100)
    plan.build.refresh_from_db()
    assert (plan.build.finish, plan.build.percent_complete) == (at(12, 18), 100)
    assert audit_rows("task.schedule", plan.build)[-1].after["actual_finish"] is not None


def test_actual_date_refusals_change_nothing(plan: Firm) -> None:
    for kwargs, match in [
        ({"actual_start": datetime(2026, 1, 7, 9)}, "time zone"),
        ({"actual_finish": at(8, 18)}, "needs an actual start"),
        ({"actual_start": at(8, 9), "actual_finish": at(7, 18)}, "not be before"),
    ]:
        with refused(Invalid, plan.design, plan.build, match=match):
            actions.task_schedule_update(viewer=plan.manager, task=plan.build, **kwargs)  # type: ignore[arg-type]


def test_indent_under_a_linked_task_is_refused(plan: Firm) -> None:
    # Build would go under Design, but Design → Build would then join a summary and its own subtask.
    with refused(Invalid, plan.design, plan.build, match="subtask"):
        actions.task_indent(viewer=plan.manager, task=plan.build)
    with refused(Invalid, match="above"):
        actions.task_indent(viewer=plan.manager, task=plan.design)
    with refused(Forbidden):
        actions.task_indent(viewer=plan.member, task=plan.build)
    with refused(NotFound):
        actions.task_indent(viewer=plan.other_admin, task=plan.build)


def test_a_summary_stores_the_percent_complete_of_its_subtasks(firm: Firm) -> None:
    """MS Project's rule: the subtasks' % complete weighted by their durations (no work assigned here)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    phase = _task(firm, "Phase")
    a, b = _task(firm, "A", 2), _task(firm, "B", 3)
    actions.task_indent(viewer=firm.manager, task=a)
    actions.task_indent(viewer=firm.manager, task=b)
    actions.task_schedule_update(viewer=firm.manager, task=a, percent_complete=50)
    phase.refresh_from_db()
    assert phase.percent_complete == 20  # (2 days × 50 % + 3 days × 0 %) / 5 days
    actions.task_schedule_update(viewer=firm.manager, task=b, percent_complete=100)
    phase.refresh_from_db()
    a.refresh_from_db()
    assert (phase.percent_complete, a.percent_complete) == (80, 50)  # leaves keep what was entered


def test_indent_builds_a_summary_that_rolls_up(firm: Firm) -> None:
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    phase = _task(firm, "Phase")
    a, b = _task(firm, "A", 2), _task(firm, "B", 3)
    actions.dependency_create(viewer=firm.manager, predecessor=a, successor=b)
    actions.task_indent(viewer=firm.manager, task=a)
    actions.task_indent(viewer=firm.manager, task=b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.parent_id == phase.pk and b.parent_id == phase.pk and (a.position, b.position) == (0, 1)
    phase.refresh_from_db()
    assert (phase.start, phase.finish) == (at(5, 9), at(9, 18))
    gantt = gantt_of(firm.project)
    wbs = {t.name: (t.wbs, t.summary) for t in gantt.tasks}
    assert wbs["Phase"] == ("3", True) and wbs["A"] == ("3.1", False) and wbs["B"] == ("3.2", False)
    actions.task_outdent(viewer=firm.manager, task=b)
    b.refresh_from_db()
    assert b.parent_id is None and b.position == phase.position + 1
    assert audit_rows("task.outdent", b)
    with refused(Invalid, match="top level"):
        actions.task_outdent(viewer=firm.manager, task=b)
    with refused(Forbidden):
        actions.task_outdent(viewer=firm.member, task=a)


def test_project_reschedule_is_for_planners(plan: Firm) -> None:
    with refused(Forbidden):
        actions.project_reschedule(viewer=plan.member, project=plan.project)
    with refused(NotFound):
        actions.project_reschedule(viewer=plan.other_admin, project=plan.project)
    assert actions.project_reschedule(viewer=plan.manager, project=plan.project) == []
    Task.objects.filter(pk=plan.build.pk).update(start=None, finish=None)
    moved = actions.project_reschedule(viewer=plan.admin, project=plan.project)
    assert [(m.task, m.old_start, m.new_start) for m in moved] == [(plan.build.pk, None, at(7, 9))]


def test_company_calendar_holiday_moves_the_plan(plan: Firm) -> None:
    from margin.projects.models import CalendarException

    cal = WorkCalendar.objects.create(
        organisation_id=plan.project.organisation_id, company=plan.usd, name="US office", week={}
    )
    CalendarException.objects.create(calendar=cal, date=date(2026, 1, 5), intervals=[], name="Closed")
    moved = actions.project_reschedule(viewer=plan.manager, project=plan.project)
    assert {m.task for m in moved} == {plan.design.pk, plan.build.pk}
    plan.design.refresh_from_db()
    assert plan.design.start == at(6, 9)


def _four_day_week_with_a_holiday(plan: Firm) -> None:
    """The project's company works Monday to Thursday, and Tuesday 13 January 2026 is a holiday."""
    from margin.projects.models import CalendarException
    from margin.projects.planning import DEFAULT_WEEK

    cal = WorkCalendar.objects.create(
        organisation_id=plan.project.organisation_id,
        company=plan.usd,
        name="Four days",
        week={**DEFAULT_WEEK, "4": []},
    )
    CalendarException.objects.create(calendar=cal, date=date(2026, 1, 13), intervals=[], name="Holiday")
    actions.project_reschedule(viewer=plan.manager, project=plan.project)
    plan.build.refresh_from_db()
    assert (plan.build.start, plan.build.finish) == (at(7, 9), at(12, 18))  # Wed, Thu, (Friday off) Mon


def test_finish_sets_the_duration_in_working_time_of_the_calendar(plan: Firm) -> None:
    _four_day_week_with_a_holiday(plan)
    # Build, from Wednesday 7, resized to end on Wednesday 14: Wed, Thu, Mon, Wed (no Friday, Tuesday a holiday)
    # is 4 working days, where 8-hour weekdays would make it 6.
    moved = actions.task_schedule_update(viewer=plan.manager, task=plan.build, finish=date(2026, 1, 14))
    assert plan.build.duration_minutes == 4 * 480
    assert plan.build.finish == at(14, 18)
    assert [m.task for m in moved] == [plan.build.pk]
    row = audit_rows("task.schedule", plan.build)[-1]
    assert row.before is not None and row.after is not None
    assert row.before["duration_minutes"] == 3 * 480 and row.after["duration_minutes"] == 4 * 480
    # Moved and resized at once (the left end dragged): the duration runs from the new start.
    actions.task_schedule_update(viewer=plan.manager, task=plan.build, start=at(8, 0), finish=date(2026, 1, 14))
    assert plan.build.duration_minutes == 3 * 480  # Thu, Mon, Wed
    assert (plan.build.start, plan.build.finish) == (at(8, 9), at(14, 18))
    assert plan.build.constraint == "SNET"
    # A one-day task: the finish on its start day.
    actions.task_schedule_update(viewer=plan.manager, task=plan.design, finish=date(2026, 1, 5))
    assert plan.design.duration_minutes == 480


def test_finish_refusals_change_nothing(plan: Firm) -> None:
    _four_day_week_with_a_holiday(plan)
    for kwargs, match in [
        ({"finish": date(2026, 1, 6)}, "must not be before the start"),
        ({"finish": date(2026, 1, 14), "duration_minutes": 480}, "either a finish or a duration"),
        ({"finish": datetime(2026, 1, 14, 18, tzinfo=UTC)}, "as a day"),
        ({"finish": date(2026, 1, 9), "start": at(9, 0)}, "no working time"),  # a Friday, off
        ({"finish": date(9999, 12, 31)}, None),
    ]:
        with refused(Invalid, plan.design, plan.build, match=match):
            actions.task_schedule_update(viewer=plan.manager, task=plan.build, **kwargs)  # type: ignore[arg-type]
    with refused(Forbidden, plan.build):
        actions.task_schedule_update(viewer=plan.member, task=plan.build, finish=date(2026, 1, 14))


def test_baselines_save_limit_and_variance(plan: Firm) -> None:
    first = actions.baseline_save(viewer=plan.manager, project=plan.project, name="Signed off")
    assert (first.index, first.name) == (0, "Signed off")
    assert BaselineTask.objects.filter(baseline=first).count() == 2
    assert audit_row("baseline.save", first).after["index"] == 0
    row = BaselineTask.objects.get(baseline=first, task=plan.build)
    assert (row.start, row.finish, row.duration_minutes) == (at(7, 9), at(9, 18), 1440)
    # Build slips two days: the variance says so.
    actions.task_schedule_update(viewer=plan.manager, task=plan.design, duration_minutes=4 * 480)
    var = baseline_variance(plan.project, first)
    assert var.tasks[plan.build.pk].start == 2 * 480
    assert var.tasks[plan.build.pk].duration == 0
    assert var.tasks[plan.design.pk].duration == 2 * 480
    assert var.project.finish == 2 * 480
    for _ in range(MAX_BASELINES - 1):
        actions.baseline_save(viewer=plan.manager, project=plan.project)
    assert sorted(Baseline.objects.filter(project=plan.project).values_list("index", flat=True)) == list(range(11))
    with refused(Invalid, match="11 baselines"):
        actions.baseline_save(viewer=plan.manager, project=plan.project)
    with refused(Conflict, match="already saved"):
        actions.baseline_save(viewer=plan.manager, project=plan.project, index=0)
    with refused(Invalid, match="numbered"):
        actions.baseline_save(viewer=plan.manager, project=plan.project, index=11, overwrite=True)
    with refused(Forbidden):
        actions.baseline_save(viewer=plan.member, project=plan.project, index=0, overwrite=True)
    again = actions.baseline_save(viewer=plan.manager, project=plan.project, index=0, overwrite=True)
    assert BaselineTask.objects.get(baseline=again, task=plan.build).start == at(9, 9)
    assert Baseline.objects.filter(project=plan.project).count() == 11


def test_network_of_reads_the_stored_plan(plan: Firm) -> None:
    network = network_of(plan.project).network
    assert [t.id for t in network.tasks] == [plan.design.pk, plan.build.pk]
    assert [(link.pred, link.succ, link.kind) for link in network.links] == [(plan.design.pk, plan.build.pk, "FS")]


def test_gantt_reads_baseline_dates(plan: Firm) -> None:
    actions.baseline_save(viewer=plan.manager, project=plan.project)
    actions.task_schedule_update(viewer=plan.manager, task=plan.design, duration_minutes=4 * 480)
    gantt = gantt_of(plan.project, 0)
    build = next(t for t in gantt.tasks if t.id == plan.build.pk)
    assert (build.baseline_start, build.start) == (at(7, 9), at(9, 9))
    assert gantt.finish == at(13, 18)
    assert isinstance(plan.project, Project)


def test_task_predecessors_set_replaces_the_links_in_one_reschedule(plan: Firm) -> None:
    review = _task(plan, "Review")
    moved = actions.task_predecessors_set(
        viewer=plan.manager, task=review, links={plan.build.pk: LinkSpec("FS", 480), plan.design.pk: LinkSpec("SS")}
    )
    links = {(d.predecessor_id, d.kind, d.lag_minutes) for d in Dependency.objects.filter(successor=review)}
    assert links == {(plan.build.pk, "FS", 480), (plan.design.pk, "SS", 0)}
    assert [m.task for m in moved] == [review.pk]
    assert len(audit_rows("dependency.create")) == 3  # Design → Build (the fixture) and the two new ones
    # Changing one link and dropping the other: one delete for each, one create for the changed one.
    actions.task_predecessors_set(viewer=plan.manager, task=review, links={plan.build.pk: LinkSpec("FS")})
    assert [(d.predecessor_id, d.lag_minutes) for d in Dependency.objects.filter(successor=review)] == [
        (plan.build.pk, 0)
    ]
    assert len(audit_rows("dependency.delete")) == 2


def test_task_predecessors_set_is_all_or_nothing(plan: Firm) -> None:
    review = _task(plan, "Review")
    actions.dependency_create(viewer=plan.manager, predecessor=plan.build, successor=review)
    review.refresh_from_db()
    # Review → Design would close a cycle (Design → Build → Review): the removal of Build → Review is undone too.
    with refused(Invalid, review, match="cycle|loop"):
        actions.task_predecessors_set(viewer=plan.manager, task=plan.design, links={review.pk: LinkSpec("FS")})
    other = actions.task_create(viewer=plan.other_admin, project=plan.other_project, name="Elsewhere")
    with refused(NotFound, review):
        actions.task_predecessors_set(viewer=plan.manager, task=review, links={other.pk: LinkSpec("FS")})
    with refused(Forbidden, review):
        actions.task_predecessors_set(viewer=plan.member, task=review, links={})
