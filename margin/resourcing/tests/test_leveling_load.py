"""Leveling sees other projects' load on the same people, and refuses to apply a proposal to a changed plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.core.errors import Conflict
from margin.projects import actions
from margin.projects.models import Project, ProjectStatus, Task
from margin.resourcing.actions import leveling
from margin.resourcing.leveling import LOAD_PREFIX, leveling_input_of, overallocations_of, person_resource
from margin.resourcing.models import LevelingStatus
from tests.checks import refused, stored
from tests.firm import Firm

MONDAY = date(2026, 1, 5)
DAY = 480


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def busy(firm: Firm) -> Firm:
    """Design (2 days from Mon 5 Jan) needs Tom full time; Tom also supports another project Mon 5–Wed 7."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    leveling.assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person)
    other = actions.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Globex support",
        start_date=MONDAY,
    )
    actions.project_member_add(viewer=firm.manager, project=other, person=firm.member_person)
    support = actions.task_create(viewer=firm.manager, project=other, name="Support")
    actions.task_schedule_update(viewer=firm.manager, task=support, duration_minutes=3 * DAY)
    leveling.assignment_create(viewer=firm.manager, task=support, person=firm.member_person)
    return firm


def _other(firm: Firm) -> Project:
    return Project.objects.get(code="GLX-2")


def test_other_projects_assignments_are_fixed_load(busy: Firm) -> None:
    data = leveling_input_of(busy.project)
    tom = person_resource(busy.member_person.pk)
    [load] = [a for a in data.problem.activities if str(a.id).startswith(LOAD_PREFIX)]
    assert (load.fixed_start, load.duration) == (0, 3 * DAY)
    assert {(str(d.activity), d.resource, d.units) for d in data.problem.demands} == {
        (str(busy.design.pk), tom, 100),
        (str(load.id), tom, 100),
    }
    assert data.own == {busy.design.pk, busy.build.pk}


def test_overallocation_counts_the_other_project(busy: Firm) -> None:
    [over] = overallocations_of(busy.project)
    assert (over.resource, over.capacity, over.demand) == (person_resource(busy.member_person.pk), 100, 200)
    assert over.task_ids == (busy.design.pk,)  # only this project's tasks are named
    assert (over.start, over.finish) == (at(5, 9), at(6, 18))


def test_leveling_waits_for_the_other_project_and_stores_only_this_plan(busy: Firm) -> None:
    proposal = leveling.leveling_run(viewer=busy.manager, project=busy.project)
    assert proposal.result is not None
    tasks = proposal.result["tasks"]
    assert set(tasks) == {str(busy.design.pk), str(busy.build.pk)}  # no other project's load
    assert tasks[str(busy.design.pk)]["delay_minutes"] == 3 * DAY
    assert tasks[str(busy.design.pk)]["start"] == at(8, 9).isoformat()
    assert proposal.result["makespan"] == 5 * DAY  # this plan's finish, Fri 9 Jan
    leveling.leveling_accept(viewer=busy.manager, proposal=proposal)
    design = Task.objects.get(pk=busy.design.pk)
    assert (design.start, design.finish) == (at(8, 9), at(9, 18))
    assert overallocations_of(busy.project) == []


def test_closed_or_finished_work_elsewhere_is_no_load(busy: Firm) -> None:
    Task.objects.filter(project=_other(busy)).update(percent_complete=100)
    assert overallocations_of(busy.project) == []
    Task.objects.filter(project=_other(busy)).update(percent_complete=0)
    assert len(overallocations_of(busy.project)) == 1
    Project.objects.filter(pk=_other(busy).pk).update(status=ProjectStatus.CLOSED)
    assert overallocations_of(busy.project) == []


def test_load_is_measured_from_the_project_start(busy: Firm) -> None:
    """Work elsewhere that started before this project counts only from this project's start."""
    actions.project_update(viewer=busy.manager, project=busy.project, start_date=date(2026, 1, 6))
    [load] = [a for a in leveling_input_of(busy.project).problem.activities if str(a.id).startswith(LOAD_PREFIX)]
    assert (load.fixed_start, load.duration) == (0, 2 * DAY)


# --- a proposal is applied only to the plan it leveled -------------------------------------------


def _changes(firm: Firm) -> list[tuple[str, object]]:
    def duration() -> None:
        actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=3 * DAY)

    def link() -> None:
        actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=firm.design)

    def assignment() -> None:
        leveling.assignment_create(viewer=firm.manager, task=firm.build, person=firm.member2_person)

    def units() -> None:
        Task.objects.get(pk=firm.design.pk).assignments.update(units=50)

    def new_task() -> None:
        actions.task_create(viewer=firm.manager, project=firm.project, name="Extra")

    return [("duration", duration), ("link", link), ("assignment", assignment), ("units", units), ("task", new_task)]


@pytest.mark.parametrize("change", ["duration", "link", "assignment", "units", "task"])
def test_accept_refuses_a_changed_plan(busy: Firm, change: str) -> None:
    proposal = leveling.leveling_run(viewer=busy.manager, project=busy.project)
    dict(_changes(busy))[change]()  # type: ignore[operator]
    design = Task.objects.get(pk=busy.design.pk)
    with refused(Conflict, design, proposal, match="plan changed since this leveling was computed; level again"):
        leveling.leveling_accept(viewer=busy.manager, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == LevelingStatus.PROPOSED  # still there; discarding it or leveling again is the way


def test_another_projects_change_does_not_make_the_proposal_stale(busy: Firm) -> None:
    proposal = leveling.leveling_run(viewer=busy.manager, project=busy.project)
    support = Task.objects.get(project=_other(busy))
    actions.task_schedule_update(viewer=busy.manager, task=support, duration_minutes=1 * DAY)
    leveling.leveling_accept(viewer=busy.manager, proposal=proposal)
    assert Task.objects.get(pk=busy.design.pk).leveling_delay_minutes == 3 * DAY


def test_a_proposal_without_a_fingerprint_is_refused(busy: Firm) -> None:
    proposal = leveling.leveling_run(viewer=busy.manager, project=busy.project)
    assert proposal.result is not None
    result = dict(proposal.result)
    del result["fingerprint"]
    type(proposal).objects.filter(pk=proposal.pk).update(result=result)
    proposal.refresh_from_db()
    before = stored(busy.design)
    with refused(Conflict, proposal, match="level again"):
        leveling.leveling_accept(viewer=busy.manager, proposal=proposal)
    assert stored(busy.design) == before
