"""Resource leveling wired to projects: the problem read from the plan, proposals, accept, discard, CP-SAT job."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import JobRun, JobRunStatus
from margin.projects import actions
from margin.projects.models import Constraint, Dependency, Task
from margin.resourcing.actions import leveling
from margin.resourcing.jobs import leveling_start
from margin.resourcing.leveling import leveling_input_of, overallocations_of, person_resource
from margin.resourcing.models import Assignment, LevelingProposal, LevelingStatus
from tests.checks import audit_rows, refused, stored
from tests.firm import Firm

MONDAY = date(2026, 1, 5)
DAY = 480


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def _task(firm: Firm, name: str, days: int) -> Task:
    task = actions.task_create(viewer=firm.manager, project=firm.project, name=name)
    actions.task_schedule_update(viewer=firm.manager, task=task, duration_minutes=days * DAY)
    task.refresh_from_db()
    return task


@pytest.fixture
def clash(firm: Firm) -> Firm:
    """Design (2 days) and Build (3 days) both start Monday 5 January and both need Tom full time;
    Review (1 day) follows Build."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * DAY)
    review = _task(firm, "Review", 1)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=review)
    for task in (firm.design, firm.build):
        leveling.assignment_create(viewer=firm.manager, task=task, person=firm.member_person, units=100)
    firm.design.refresh_from_db()
    firm.build.refresh_from_db()
    return firm


def _review(firm: Firm) -> Task:
    return Task.objects.get(project=firm.project, name="Review")


def test_problem_has_a_person_resource_of_capacity_100(clash: Firm) -> None:
    data = leveling_input_of(clash.project)
    key = person_resource(clash.member_person.pk)
    assert {(r.id, r.capacity) for r in data.problem.resources} == {(key, 100)}
    assert {(d.activity, d.units) for d in data.problem.demands} == {(clash.design.pk, 100), (clash.build.pk, 100)}
    durations = {a.id: a.duration for a in data.problem.activities}
    assert durations[clash.design.pk] == 2 * DAY and durations[clash.build.pk] == 3 * DAY
    assert [(p.pred, p.succ, p.kind) for p in data.problem.precedences] == [(clash.build.pk, _review(clash).pk, "FS")]


def test_overallocation_reports_the_clash(clash: Firm) -> None:
    [over] = overallocations_of(clash.project)
    assert over.resource == person_resource(clash.member_person.pk)
    assert (over.capacity, over.demand) == (100, 200)
    assert set(over.task_ids) == {clash.design.pk, clash.build.pk}
    assert (over.start, over.finish) == (at(5, 9), at(6, 18))  # the two days both run


def test_heuristic_run_delays_one_task_and_changes_nothing(clash: Firm) -> None:
    before = stored(clash.design, clash.build, _review(clash))
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    assert proposal.status == LevelingStatus.PROPOSED and proposal.result is not None
    tasks = proposal.result["tasks"]
    delays = {int(k): v["delay_minutes"] for k, v in tasks.items()}
    # Delaying Build (the longer chain, Build → Review) would finish later: Design waits for Build.
    assert delays[clash.build.pk] == 0
    assert delays[clash.design.pk] == 3 * DAY
    assert tasks[str(clash.design.pk)]["start"] == at(8, 9).isoformat()
    assert tasks[str(clash.design.pk)]["finish"] == at(9, 18).isoformat()
    assert proposal.result["makespan"] == 5 * DAY  # Build 3 days, then Design 2 days beside Review
    assert stored(clash.design, clash.build, _review(clash)) == before  # a proposal changes no task
    assert audit_rows("leveling.run", proposal)


def test_accept_applies_delays_and_keeps_every_link(clash: Firm) -> None:
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    leveling.leveling_accept(viewer=clash.manager, proposal=proposal)
    design, build, review = (Task.objects.get(pk=t.pk) for t in (clash.design, clash.build, _review(clash)))
    assert design.leveling_delay_minutes == 3 * DAY and build.leveling_delay_minutes == 0
    assert (design.constraint, design.constraint_date) == (Constraint.SNET, at(8, 9))
    assert (design.start, design.finish) == (at(8, 9), at(9, 18))
    for link in Dependency.objects.filter(project=clash.project):
        pred, succ = Task.objects.get(pk=link.predecessor_id), Task.objects.get(pk=link.successor_id)
        assert pred.finish is not None and succ.start is not None and succ.start >= pred.finish
    assert review.start == at(8, 9)
    assert overallocations_of(clash.project) == []
    proposal.refresh_from_db()
    assert proposal.status == LevelingStatus.ACCEPTED and proposal.decided_at is not None
    assert audit_rows("leveling.accept", proposal)
    assert audit_rows("task.level", design)
    with refused(Conflict, proposal, match="accepted"):
        leveling.leveling_accept(viewer=clash.manager, proposal=proposal)


def test_discard_changes_nothing(clash: Firm) -> None:
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    before = stored(clash.design, clash.build, _review(clash))
    leveling.leveling_discard(viewer=clash.manager, proposal=proposal)
    assert stored(clash.design, clash.build, _review(clash)) == before
    proposal.refresh_from_db()
    assert proposal.status == LevelingStatus.DISCARDED
    with refused(Conflict, proposal):
        leveling.leveling_accept(viewer=clash.manager, proposal=proposal)


def test_member_may_not_level_and_bad_method_is_refused(clash: Firm) -> None:
    with refused(Forbidden, clash.design):
        leveling.leveling_run(viewer=clash.member, project=clash.project)
    with refused(Invalid, clash.design, match="method"):
        leveling.leveling_run(viewer=clash.manager, project=clash.project, method="magic")
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    with refused(Forbidden, proposal):
        leveling.leveling_accept(viewer=clash.member, proposal=proposal)


def test_assignment_rules(clash: Firm) -> None:
    with refused(Conflict):
        leveling.assignment_create(viewer=clash.manager, task=clash.design, person=clash.member_person)
    with refused(Invalid, match="Units"):
        leveling.assignment_create(viewer=clash.manager, task=clash.design, person=clash.member2_person, units=0)
    with refused(Invalid, match="either"):
        leveling.assignment_create(viewer=clash.manager, task=clash.design)
    pool = leveling.resource_pool_create(viewer=clash.admin, name="Designers", max_units=200)
    with refused(Forbidden):
        leveling.resource_pool_create(viewer=clash.manager, name="Builders")
    assignment = leveling.assignment_create(viewer=clash.manager, task=clash.build, pool=pool, units=150)
    data = leveling_input_of(clash.project)
    assert (f"pool:{pool.pk}", 200) in {(r.id, r.capacity) for r in data.problem.resources}
    leveling.assignment_delete(viewer=clash.manager, assignment=assignment)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert audit_rows("assignment.delete")


def test_cpsat_job_completes_with_progress(clash: Firm, settings: pytest.FixtureRequest) -> None:
    settings.MARGIN_LEVELING_EFFORT = 0.5  # type: ignore[attr-defined]
    proposal = leveling_start(viewer=clash.manager, project=clash.project, method="cpsat")
    proposal.refresh_from_db()
    assert proposal.method == "cpsat" and proposal.job_run_id is not None
    run = JobRun.objects.get(pk=proposal.job_run_id)
    assert run.status == JobRunStatus.DONE, run.message
    assert (run.done, run.total) == (100, 100)
    assert run.result is not None and run.result["proposal"] == proposal.pk and run.result["improvements"] >= 1
    assert proposal.status == LevelingStatus.PROPOSED and proposal.result is not None
    assert proposal.result["makespan"] == 5 * DAY  # Build 3 days, then Design 2 days beside Review
    delays = {int(k): v["delay_minutes"] for k, v in proposal.result["tasks"].items()}
    assert delays[clash.design.pk] == 3 * DAY and delays[clash.build.pk] == 0
    leveling.leveling_accept(viewer=clash.manager, proposal=proposal)
    assert LevelingProposal.objects.get(pk=proposal.pk).status == LevelingStatus.ACCEPTED


def test_a_running_proposal_discarded_meanwhile_ignores_the_job_answer(clash: Firm) -> None:
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project, method="cpsat")
    assert proposal.status == LevelingStatus.RUNNING and proposal.result is None
    leveling.leveling_discard(viewer=clash.manager, proposal=proposal)
    filled = leveling.leveling_fill(proposal_id=proposal.pk, result={"tasks": {}, "makespan": 0})
    assert filled.status == LevelingStatus.DISCARDED and filled.result is None


def test_a_failed_run_is_shown_and_cannot_be_accepted(clash: Firm) -> None:
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project, method="cpsat")
    failed = leveling.leveling_fill(proposal_id=proposal.pk, result=None, error="The solver ran out of memory.")
    assert failed.status == LevelingStatus.FAILED and failed.result == {"error": "The solver ran out of memory."}
    with refused(Conflict, failed, clash.design):
        leveling.leveling_accept(viewer=clash.manager, proposal=failed)
