"""Background entry points for projects: take ids, call one action, report progress."""

from __future__ import annotations

import threading
import time
from datetime import date

from django.conf import settings
from django_tasks import task

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError
from margin.core.jobruns import job_run_finish, job_run_progress, job_run_running, job_run_start
from margin.core.models import JobRun
from margin.projects.models import Project
from margin.resourcing.actions import certifications_remind, heuristic_budget, leveling_fill, leveling_run
from margin.resourcing.actions.staffing import staffing_plan_create, staffing_plan_fill
from margin.resourcing.leveling import leveling_input_of, leveling_result
from margin.resourcing.models import (
    LevelingProposal,
    LevelingStatus,
    RequestStatus,
    StaffingPlan,
    StaffingPlanStatus,
    StaffingRequest,
)
from margin.resourcing.optimiser import ProgressCallback, StaffingAnswer, staff
from margin.resourcing.queries.staffing import BatchProblem, staffing_problem_of
from margin.scheduling.leveling import level_cpsat
from margin.scheduling.leveling.cpsat import DEFAULT_EFFORT, HINT_SCHEDULES

LEVELING_RUN = "leveling_optimise"
DEFAULT_TIME_LIMIT_S = 60.0
PROGRESS_EVERY_S = 0.25


def optimiser_effort() -> float:
    """The optimiser's effort: CP-SAT deterministic time (``MARGIN_LEVELING_EFFORT``) after its warm start; unless
    set, about 10 s in all on two idle cores for the hardest 60-task plans. The same plan levels the same way
    however busy the server is."""
    return float(getattr(settings, "MARGIN_LEVELING_EFFORT", DEFAULT_EFFORT))


def optimiser_time_limit_s() -> float:
    """A safety cap on the optimiser's wall time (``MARGIN_LEVELING_TIME_LIMIT_S``, 60 s unless set): only an
    overloaded server reaches it, and the proposal is then the best plan found so far."""
    return float(getattr(settings, "MARGIN_LEVELING_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


@task()
def leveling_optimise(*, job_run_id: int, proposal_id: int, time_limit_s: float, effort: float | None = None) -> None:
    """Level a project with CP-SAT under a deterministic effort (wall time capped) and fill its running proposal.

    Progress is the share of the effort used (done of 100); the solver reports each better plan, and
    this thread writes it at most every quarter second (CP-SAT may call back from its own threads, which
    have no business with the database connection)."""
    proposal = LevelingProposal.objects.select_related("project").get(pk=proposal_id)
    if proposal.status != LevelingStatus.RUNNING:
        job_run_finish(job_run_id, result={"proposal": proposal_id, "skipped": proposal.status})
        return
    owner = threading.get_ident()
    improvements = [0]
    last = [0.0]

    def progress(used: float, makespan: int, bound: int) -> None:
        improvements[0] += 1
        now = time.monotonic()
        if threading.get_ident() == owner and now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            job_run_progress(job_run_id, min(99, int(100 * used)), 100)

    try:
        with job_run_running(job_run_id):
            data = leveling_input_of(proposal.project)
            leveled = level_cpsat(
                data.problem,
                effort=optimiser_effort() if effort is None else effort,
                time_limit_s=time_limit_s,
                heuristic_schedules=heuristic_budget(data.problem, HINT_SCHEDULES),
                minimize_delay=True,
                on_progress=progress,
            )
            result = leveling_result(data, leveled)
    except DomainError as error:
        leveling_fill(proposal_id=proposal_id, result=None, error=error.message)
        job_run_finish(job_run_id, error=error.message)
        return
    except Exception:
        leveling_fill(proposal_id=proposal_id, result=None, error="The optimiser failed unexpectedly.")
        job_run_finish(job_run_id, error="The optimiser failed unexpectedly; the plan is unchanged.")
        raise
    leveling_fill(proposal_id=proposal_id, result=result)
    job_run_progress(job_run_id, 100, 100)
    job_run_finish(
        job_run_id,
        result={
            "proposal": proposal_id,
            "makespan": leveled.makespan,
            "lower_bound": leveled.lower_bound,
            "proven_optimal": leveled.proven_optimal,
            "improvements": improvements[0],
        },
    )


def leveling_start(*, viewer: Viewer, project: Project, method: str = "heuristic") -> LevelingProposal:
    """Level a project: the heuristic answers a proposal now; ``cpsat`` answers a running proposal whose
    ``job_run`` shows the background optimiser's progress."""
    if method != "cpsat":
        return leveling_run(viewer=viewer, project=project, method=method)
    run: JobRun = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=LEVELING_RUN)
    try:
        proposal = leveling_run(viewer=viewer, project=project, method=method, job_run=run)
    except DomainError:
        run.delete()
        raise
    leveling_optimise.enqueue(
        job_run_id=run.pk, proposal_id=proposal.pk, time_limit_s=optimiser_time_limit_s(), effort=optimiser_effort()
    )
    return proposal


@task()
def certification_reminders(*, today: str | None = None) -> int:
    """The daily certification expiry reminder as a background task (``manage.py remind_certifications`` from
    cron does the same); returns the notifications written."""
    run = certifications_remind(today=date.fromisoformat(today) if today else None)
    return run.notified


# --- staffing: the optimiser over a batch of open requests ---------------------------------------------------

STAFFING_RUN = "staffing_optimise"
STAFFING_EFFORT = 5.0  # CP-SAT deterministic time; MARGIN_STAFFING_EFFORT overrides


def staffing_effort() -> float:
    return float(getattr(settings, "MARGIN_STAFFING_EFFORT", STAFFING_EFFORT))


def staffing_result(batch: BatchProblem, answer: StaffingAnswer) -> dict[str, object]:
    """The plan's stored answer: who for which request with the fit, the objective, its bound and the gap."""
    pairs = []
    for request_id, person_id in answer.chosen.items():
        request = batch.requests[request_id]
        pairs.append(
            {
                "request_id": request_id,
                "person_id": person_id,
                "person": batch.people.get(person_id, ""),
                "project_id": request.project_id,
                "project": request.project.name,
                "first_day": request.first_day.isoformat(),
                "last_day": request.last_day.isoformat(),
                "minutes_per_day": request.minutes_per_day,
                "priority": int(request.priority),
                "fit": answer.fits.get(request_id, 0),
            }
        )
    return {
        "pairs": pairs,
        "unfilled": sorted(set(batch.requests) - set(answer.chosen)),
        "objective": answer.objective,
        "bound": answer.bound,
        "gap": round(answer.gap, 4),
        "optimal": answer.optimal,
        "status": answer.status,
        "options": answer.options,
        "deterministic_time": answer.deterministic_time,
        "wall_s": answer.wall_s,
    }


def staffing_solve(
    organisation_id: int,
    requests: list[StaffingRequest],
    *,
    effort: float,
    on_progress: ProgressCallback | None = None,
) -> tuple[BatchProblem, StaffingAnswer]:
    """Read the batch's problem and solve it: the job's code path, shared with the benchmark."""
    batch = staffing_problem_of(organisation_id, requests)
    answer = staff(batch.problem, effort=effort, wall_cap_s=optimiser_time_limit_s(), on_progress=on_progress)
    return batch, answer


@task()
def staffing_optimise(*, job_run_id: int, plan_id: int, effort: float | None = None) -> None:
    """Staff a plan's open requests with CP-SAT under a deterministic effort and fill the plan (proposed)."""
    plan = StaffingPlan.objects.get(pk=plan_id)
    if plan.status != StaffingPlanStatus.RUNNING:
        job_run_finish(job_run_id, result={"plan": plan_id, "skipped": plan.status})
        return
    owner = threading.get_ident()
    last = [0.0]

    def progress(used: float, objective: int, bound: int) -> None:
        now = time.monotonic()
        if threading.get_ident() == owner and now - last[0] >= PROGRESS_EVERY_S:
            last[0] = now
            job_run_progress(job_run_id, min(99, int(100 * used)), 100)

    requests = list(
        plan.requests.filter(status=RequestStatus.OPEN).select_related("project").prefetch_related("skills__skill")
    )
    try:
        with job_run_running(job_run_id):
            batch, answer = staffing_solve(
                plan.organisation_id,
                requests,
                effort=staffing_effort() if effort is None else effort,
                on_progress=progress,
            )
            result = staffing_result(batch, answer)
    except Exception:
        staffing_plan_fill(plan_id=plan_id, result=None, error="The optimiser failed unexpectedly.")
        job_run_finish(job_run_id, error="The optimiser failed unexpectedly; nothing was booked.")
        raise
    staffing_plan_fill(plan_id=plan_id, result=result)
    job_run_progress(job_run_id, 100, 100)
    job_run_finish(
        job_run_id,
        result={"plan": plan_id, "objective": answer.objective, "bound": answer.bound, "gap": round(answer.gap, 4)},
    )


def staffing_start(*, viewer: Viewer, requests: list[StaffingRequest]) -> StaffingPlan:
    """Staff a batch of open requests: a running plan whose ``job_run`` shows the optimiser's progress."""
    run: JobRun = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=STAFFING_RUN)
    try:
        plan = staffing_plan_create(viewer=viewer, requests=requests, job_run=run)
    except DomainError:
        run.delete()
        raise
    staffing_optimise.enqueue(job_run_id=run.pk, plan_id=plan.pk, effort=staffing_effort())
    return plan
