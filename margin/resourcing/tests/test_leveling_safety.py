"""Leveling never breaks a link and never moves work that has started, on hand-made plans (the issue's case; the
demo firm's plans are in margin/demo/tests/test_demo.py); what a proposal cannot keep it says per task,
and it is accepted only when the user has acknowledged that."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from margin.core.errors import Conflict, Invalid
from margin.core.jobruns import STALE_AFTER, STALE_MESSAGE
from margin.core.models import JobRun, JobRunStatus
from margin.projects import actions
from margin.projects.models import Project, Task
from margin.projects.planning import network_of
from margin.resourcing.actions import leveling
from margin.resourcing.leveling import leveling_proposal_get, links_broken
from margin.resourcing.models import LevelingProposal, LevelingStatus
from tests.checks import audit_rows, refused, stored
from tests.firm import Firm

MONDAY = date(2026, 1, 5)
DAY = 480


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def _broken(project: Project) -> dict[tuple[int, int, int], int]:
    plan = network_of(project)
    return links_broken(plan, plan.schedule())


@pytest.fixture
def started_successor(firm: Firm) -> Firm:
    """The issue's shape: Design (2 days, started, Tom) and Build (3 days, not started, Tom) both from Monday 5
    January; Build → Review (finish-to-start); Review started Thursday 8 January and is 99 % done.
    Levelling Tom means moving Build after Design, which would break Build → Review."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * DAY)
    review = actions.task_create(viewer=firm.manager, project=firm.project, name="Review")
    actions.task_schedule_update(viewer=firm.manager, task=review, duration_minutes=5 * DAY)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=review)
    for task in (firm.design, firm.build):
        leveling.assignment_create(viewer=firm.manager, task=task, person=firm.member_person, units=100)
    Task.objects.filter(pk=firm.design.pk).update(actual_start=at(5, 9), percent_complete=50)
    Task.objects.filter(pk=review.pk).update(actual_start=at(8, 9), percent_complete=99)
    actions.project_reschedule(viewer=firm.manager, project=firm.project)
    return firm


def _review(firm: Firm) -> Task:
    return Task.objects.get(project=firm.project, name="Review")


def test_the_predecessor_of_a_started_task_is_not_delayed_and_the_proposal_says_why(started_successor: Firm) -> None:
    firm = started_successor
    assert _broken(firm.project) == {}
    proposal = leveling.leveling_run(viewer=firm.manager, project=firm.project)
    assert proposal.result is not None
    delays = {int(k): v["delay_minutes"] for k, v in proposal.result["tasks"].items()}
    assert delays == {firm.design.pk: 0, firm.build.pk: 0, _review(firm).pk: 0}
    warnings = {(v["task_id"], v["kind"]) for v in proposal.result["violations"]}
    assert warnings == {(firm.design.pk, "capacity"), (firm.build.pk, "capacity")}
    build_warning = next(v for v in proposal.result["violations"] if v["task_id"] == firm.build.pk)
    assert "would break a link" in build_warning["message"] and firm.member_person.name in build_warning["message"]
    design_warning = next(v for v in proposal.result["violations"] if v["task_id"] == firm.design.pk)
    assert "started" in design_warning["message"]


def test_a_proposal_with_warnings_is_accepted_only_once_acknowledged(started_successor: Firm) -> None:
    firm = started_successor
    proposal = leveling.leveling_run(viewer=firm.manager, project=firm.project)
    tasks = (firm.design, firm.build, _review(firm))
    with refused(Invalid, proposal, *tasks, match="2 tasks") as info:
        leveling.leveling_accept(viewer=firm.manager, proposal=proposal)
    assert info.value.field == "acknowledge_violations"
    before = stored(*tasks)
    leveling.leveling_accept(viewer=firm.manager, proposal=proposal, acknowledge_violations=True)
    assert stored(*tasks) == before  # nothing had to move, and nothing did
    assert _broken(firm.project) == {}
    proposal.refresh_from_db()
    assert proposal.status == LevelingStatus.ACCEPTED
    assert audit_rows("leveling.accept", proposal)[-1].after["violations_acknowledged"] == 2


def test_a_free_task_still_levels_around_a_started_one(started_successor: Firm) -> None:
    # Without the link into Review, Build is free to wait for Design: it is delayed and nothing is left over.
    firm = started_successor
    link = firm.project.dependencies.get()
    actions.dependency_delete(viewer=firm.manager, dependency=link)
    proposal = leveling.leveling_run(viewer=firm.manager, project=firm.project)
    assert proposal.result is not None and proposal.result["violations"] == []
    assert proposal.result["tasks"][str(firm.build.pk)]["delay_minutes"] == 2 * DAY
    assert proposal.result["tasks"][str(firm.design.pk)]["delay_minutes"] == 0
    leveling.leveling_accept(viewer=firm.manager, proposal=proposal)
    build = Task.objects.get(pk=firm.build.pk)
    assert build.start == at(7, 9)
    assert Task.objects.get(pk=firm.design.pk).start == at(5, 9)


def test_a_link_from_a_summary_task_binds_its_subtasks(started_successor: Firm) -> None:
    # Build moves under a summary "Phase"; the link now runs Phase → Review: still kept.
    firm = started_successor
    link = firm.project.dependencies.get()
    actions.dependency_delete(viewer=firm.manager, dependency=link)
    phase = actions.task_create(viewer=firm.manager, project=firm.project, name="Phase")
    Task.objects.filter(pk=firm.build.pk).update(parent=phase)
    actions.dependency_create(viewer=firm.manager, predecessor=phase, successor=_review(firm))
    actions.project_reschedule(viewer=firm.manager, project=firm.project)
    assert _broken(firm.project) == {}
    proposal = leveling.leveling_run(viewer=firm.manager, project=firm.project)
    assert proposal.result is not None
    assert proposal.result["tasks"][str(firm.build.pk)]["delay_minutes"] == 0
    leveling.leveling_accept(viewer=firm.manager, proposal=proposal, acknowledge_violations=True)
    assert _broken(firm.project) == {}


@pytest.fixture
def clash(firm: Firm) -> Firm:
    """Design (2 days) and Build (3 days) both from Monday 5 January need Tom full time; Build → Review (1 day)."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * DAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * DAY)
    review = actions.task_create(viewer=firm.manager, project=firm.project, name="Review")
    actions.task_schedule_update(viewer=firm.manager, task=review, duration_minutes=DAY)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.build, successor=review)
    for task in (firm.design, firm.build):
        leveling.assignment_create(viewer=firm.manager, task=task, person=firm.member_person, units=100)
    return firm


def test_a_deadline_the_plan_meets_is_kept_when_it_can_be(clash: Firm) -> None:
    # Without a deadline Design waits for Build (the shorter plan); Design due Tuesday 6 makes Build wait.
    actions.task_update(viewer=clash.manager, task=clash.design, deadline=date(2026, 1, 6))
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    assert proposal.result is not None and proposal.result["violations"] == []
    delays = {int(k): v["delay_minutes"] for k, v in proposal.result["tasks"].items()}
    assert (delays[clash.design.pk], delays[clash.build.pk]) == (0, 2 * DAY)


def test_a_deadline_that_cannot_be_kept_is_a_warning_for_that_task(clash: Firm) -> None:
    # Design due Tuesday 6 and Build due Wednesday 7: Tom cannot do both in time; one task is told so.
    actions.task_update(viewer=clash.manager, task=clash.design, deadline=date(2026, 1, 6))
    actions.task_update(viewer=clash.manager, task=clash.build, deadline=date(2026, 1, 7))
    proposal = leveling.leveling_run(viewer=clash.manager, project=clash.project)
    assert proposal.result is not None
    [warning] = proposal.result["violations"]
    assert warning["kind"] == "deadline" and warning["task_id"] in (clash.design.pk, clash.build.pk)
    assert "after its deadline (2026-01-0" in warning["message"]
    with refused(Invalid, proposal, match="1 task"):
        leveling.leveling_accept(viewer=clash.manager, proposal=proposal)


def test_an_accept_that_would_break_a_link_is_refused_and_changes_nothing(started_successor: Firm) -> None:
    # A proposal that delays Build past the started Review (as the did) cannot be applied: the accept
    # reschedules, sees the link it would break, and rolls everything back.
    firm = started_successor
    proposal = leveling.leveling_run(viewer=firm.manager, project=firm.project)
    assert proposal.result is not None
    entry = proposal.result["tasks"][str(firm.build.pk)]
    entry["delay_minutes"], entry["start"] = 2 * DAY, at(7, 9).isoformat()
    proposal.result["violations"] = []
    proposal.save(update_fields=["result"])
    with refused(Conflict, proposal, firm.design, firm.build, _review(firm), match="would break the link"):
        leveling.leveling_accept(viewer=firm.manager, proposal=proposal)
    assert _broken(firm.project) == {}


def test_a_proposal_whose_worker_died_fails_visibly_when_read(firm: Firm) -> None:
    """The optimiser runs in the background worker; if that worker is killed, its run stops beating and the
    proposal must not say "running" for ever: reading it fails both, with the reason."""
    old = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    run = JobRun.objects.create(
        organisation_id=firm.project.organisation_id,
        kind="leveling",
        status=JobRunStatus.RUNNING,
        started_at=old,
        heartbeat_at=old,
    )
    proposal = LevelingProposal.objects.create(project=firm.project, method="cpsat", job_run=run)
    read = leveling_proposal_get(firm.manager, proposal.pk)
    assert read.status == LevelingStatus.FAILED
    assert read.result == {"error": STALE_MESSAGE}
    run.refresh_from_db()
    assert run.status == JobRunStatus.FAILED


def test_a_proposal_whose_worker_beats_keeps_running(firm: Firm) -> None:
    now = timezone.now()
    run = JobRun.objects.create(
        organisation_id=firm.project.organisation_id,
        kind="leveling",
        status=JobRunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
    )
    proposal = LevelingProposal.objects.create(project=firm.project, method="cpsat", job_run=run)
    assert leveling_proposal_get(firm.manager, proposal.pk).status == LevelingStatus.RUNNING
