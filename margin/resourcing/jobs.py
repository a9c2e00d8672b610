"""Background entry points for projects: take ids, call one action, report progress."""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django_tasks import task

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError
from margin.core.jobruns import job_run_finish, job_run_progress, job_run_running, job_run_start
from margin.core.models import JobRun
from margin.projects.models import Project
from margin.resourcing.actions import heuristic_budget, leveling_fill, leveling_run
from margin.resourcing.leveling import leveling_input_of, leveling_result
from margin.resourcing.models import LevelingProposal, LevelingStatus
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
