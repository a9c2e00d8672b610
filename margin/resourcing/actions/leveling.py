"""Writes for resource leveling: assignments, resource pools, leveling proposals (run, fill, accept, discard).

It uses the planning lock and reschedule of :mod:`margin.projects.actions.planning`. A leveling run never changes
the plan: it stores a :class:`LevelingProposal`; only :func:`leveling_accept` applies it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import JobRun
from margin.core.text import clean_text
from margin.projects.actions.planning import Rescheduled, plan_lock, plan_reschedule
from margin.projects.actions.projects import check_scope
from margin.projects.models import Constraint, Project, Scheduling, Task
from margin.projects.planning import network_of
from margin.projects.queries import is_member
from margin.resourcing.leveling import leveling_input_of, leveling_result, links_broken, plan_fingerprint
from margin.resourcing.models import Assignment, LevelingProposal, LevelingStatus, PoolKind, ResourcePool
from margin.scheduling.leveling import LevelingProblem, level_heuristic
from margin.scheduling.leveling.heuristic import DEFAULT_MAX_SCHEDULES

METHODS = ("heuristic", "cpsat")
MAX_UNITS = 100_000  # 1,000 people at 100 %: refuses typos
# The heuristic's effort is a number of activity placements (schedules × activities), not seconds, so a plan
# levels the same way on a busy server: a tenth of a second of one core on average for 60 tasks, at most about
# 0.8 s on the hardest PSPLIB J60 plans (the search stops at the lower bound, and spends less near it). The
# wall cap is only a safety net for an overloaded server.
HEURISTIC_MIN_SCHEDULES = 100
HEURISTIC_SAFETY_S = 10.0
ASSIGNMENT_FIELDS = ["task", "person", "pool", "units"]
POOL_FIELDS = ["name", "kind", "role", "max_units"]


def heuristic_budget(problem: LevelingProblem, schedules: int = DEFAULT_MAX_SCHEDULES) -> int:
    """The heuristic's schedules for this plan: as many activity placements as ``schedules`` for 60 activities
    (the optimiser's warm start passes its own), at most ``schedules`` and at least a hundred."""
    return max(HEURISTIC_MIN_SCHEDULES, min(schedules, schedules * 60 // max(1, len(problem.activities))))


def _check_units(units: object, field: str) -> int:
    if type(units) is not int or not 0 < units <= MAX_UNITS:
        raise Invalid(
            f"Units must be a whole number between 1 and {MAX_UNITS} (100 = one person full time).", field=field
        )
    return units


# --- resource pools and assignments ------------------------------------------------------------


@transaction.atomic
def resource_pool_create(
    *, viewer: Viewer, name: str, max_units: int = 100, kind: str = PoolKind.ROLE, role_id: int | None = None
) -> ResourcePool:
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may create resource pools.")
    clean = clean_text(name, field="name", max_length=200)
    if not clean:
        raise Invalid("A pool needs a name.", field="name")
    _check_units(max_units, "max_units")
    if kind not in PoolKind.values:
        raise Invalid(f"Unknown pool kind {kind!r}; use role, team or equipment.", field="kind")
    if role_id is not None and not Role.objects.filter(pk=role_id, organisation_id=viewer.organisation_id).exists():
        raise Invalid("No such role.", field="role_id")
    if ResourcePool.objects.filter(organisation_id=viewer.organisation_id, name=clean).exists():
        raise Conflict(f"A pool named {clean!r} exists already.", field="name")
    pool = ResourcePool.objects.create(
        organisation_id=viewer.organisation_id, name=clean, kind=kind, role_id=role_id, max_units=max_units
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="resource_pool.create",
        obj=pool,
        after=audit.snapshot(pool, POOL_FIELDS),
    )
    return pool


@transaction.atomic
def assignment_create(
    *, viewer: Viewer, task: Task, person: Person | None = None, pool: ResourcePool | None = None, units: int = 100
) -> Assignment:
    """Assign a person (a member or the manager of the task's project) or a pool to a task, at some units."""
    project = plan_lock(viewer, task.project)
    if (person is None) == (pool is None):
        raise Invalid("Assign either a person or a pool.", field="person_id")
    _check_units(units, "units")
    if person is not None:
        if person.organisation_id != project.organisation_id:
            raise Invalid("No such person.", field="person_id")
        if person.pk != project.manager_id and not is_member(project, person.pk):
            raise Invalid(f"{person.name} is not a member of this project.", field="person_id")
    if pool is not None and pool.organisation_id != project.organisation_id:
        raise Invalid("No such pool.", field="pool_id")
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(task=task, person=person, pool=pool, units=units)
    except IntegrityError:
        raise Conflict("This resource is already assigned to the task.", field="person_id") from None
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="assignment.create",
        obj=assignment,
        after=audit.snapshot(assignment, ASSIGNMENT_FIELDS),
    )
    return assignment


@transaction.atomic
def assignment_delete(*, viewer: Viewer, assignment: Assignment) -> None:
    plan_lock(viewer, assignment.task.project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="assignment.delete",
        obj=assignment,
        before=audit.snapshot(assignment, ASSIGNMENT_FIELDS),
    )
    assignment.delete()


# --- leveling proposals ------------------------------------------------------------------------


def _fill(proposal: LevelingProposal, result: dict[str, Any]) -> None:
    proposal.result = result
    proposal.status = LevelingStatus.PROPOSED
    proposal.save(update_fields=["result", "status"])


@transaction.atomic
def leveling_run(
    *, viewer: Viewer, project: Project, method: str = "heuristic", job_run: JobRun | None = None
) -> LevelingProposal:
    """Level the project's current plan and store the answer as a proposal; the plan itself is unchanged.

    ``heuristic`` runs now (a fixed budget of schedules, seconds at most) and answers a proposed plan. ``cpsat``
    answers a running proposal tied to ``job_run``; the background job fills it (``margin.resourcing.jobs``)."""
    if method not in METHODS:
        raise Invalid(f"Unknown leveling method {method!r}; use heuristic or cpsat.", field="method")
    project = plan_lock(viewer, project)
    if not Task.objects.filter(project=project).exists():
        raise Invalid("This project has no tasks to level: add tasks and assign people first.", field="project")
    data = leveling_input_of(project)  # a cycle or another bad network is refused here (422)
    proposal = LevelingProposal.objects.create(
        project=project, created_by_id=viewer.user_id, method=method, job_run=job_run
    )
    if method == "heuristic":
        leveled = level_heuristic(
            data.problem, max_schedules=heuristic_budget(data.problem), time_limit_s=HEURISTIC_SAFETY_S
        )
        _fill(proposal, leveling_result(data, leveled))
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="leveling.run",
        obj=proposal,
        after={"method": method, "status": proposal.status},
    )
    return proposal


@transaction.atomic
def leveling_fill(*, proposal_id: int, result: dict[str, Any] | None, error: str = "") -> LevelingProposal:
    """Store a background run's answer (``leveling_result`` of the plan the run leveled) or its failure on a
    running proposal; a proposal discarded meanwhile keeps its state."""
    proposal = LevelingProposal.objects.select_for_update().get(pk=proposal_id)
    if proposal.status != LevelingStatus.RUNNING:
        return proposal
    if result is None:
        proposal.status = LevelingStatus.FAILED
        proposal.result = {"error": error}
        proposal.save(update_fields=["status", "result"])
        return proposal
    _fill(proposal, result)
    return proposal


def _proposal_lock(viewer: Viewer, proposal: LevelingProposal) -> tuple[Project, LevelingProposal]:
    project = plan_lock(viewer, proposal.project)
    locked = LevelingProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != LevelingStatus.PROPOSED:
        raise Conflict(f"This leveling is {locked.get_status_display().lower()}, not waiting for a decision.")
    return project, locked


@transaction.atomic
def leveling_accept(*, viewer: Viewer, proposal: LevelingProposal, acknowledge_violations: bool = False) -> Rescheduled:
    """Apply a proposal: each delayed automatic task gets its leveling delay and a "start no earlier than"
    constraint at its leveled start; every other task of the proposal has its leveling delay cleared. Then
    the project is rescheduled.

    Refused, nothing changed:

    - (Conflict) when the plan is no longer the one leveled: its fingerprint
      (``margin.resourcing.leveling.plan_fingerprint``) differs from the one the proposal stored;
    - (Invalid) when the proposal cannot keep a link or remove an over-allocation (its ``violations``) and
      ``acknowledge_violations`` is not set: the user must have seen them;
    - (Conflict) when the rescheduled plan would break a link that holds now (leveling never breaks a link;
      this guards the mapping between the plan and the engine)."""
    project, locked = _proposal_lock(viewer, proposal)
    result = locked.result or {}
    if result.get("fingerprint") != plan_fingerprint(project):
        raise Conflict("The plan changed since this leveling was computed; level again.")
    violations = result.get("violations", [])
    if violations and not acknowledge_violations:
        warned = len({str(v.get("task_id")) for v in violations})
        raise Invalid(
            f"This leveling cannot keep everything for {warned} task{'' if warned == 1 else 's'} (see its warnings); "
            "confirm that you have read them to accept it.",
            field="acknowledge_violations",
        )
    plan = network_of(project)
    broken_before = links_broken(plan, plan.schedule())
    entries: dict[str, dict[str, Any]] = (locked.result or {}).get("tasks", {})
    tasks = Task.objects.select_for_update().filter(project=project, pk__in=[int(k) for k in entries])
    changes: list[audit.Change] = []
    for task in tasks:
        entry = entries[str(task.pk)]
        delay = int(entry["delay_minutes"])
        before = audit.snapshot(task, ["leveling_delay_minutes", "constraint", "constraint_date"])
        if delay > 0 and task.scheduling == Scheduling.AUTO:
            task.leveling_delay_minutes = delay
            task.constraint = Constraint.SNET
            task.constraint_date = datetime.fromisoformat(entry["start"])
        elif task.leveling_delay_minutes:
            task.leveling_delay_minutes = 0
        else:
            continue
        task.save(update_fields=["leveling_delay_minutes", "constraint", "constraint_date"])
        after = audit.snapshot(task, ["leveling_delay_minutes", "constraint", "constraint_date"])
        changes.append(audit.Change(task._meta.label_lower, task.pk, before, after))
    moved = plan_reschedule(project)
    plan = network_of(project)
    for key, short in links_broken(plan, plan.schedule()).items():
        if short > broken_before.get(key, 0):
            names = dict(Task.objects.filter(pk__in=key[1:]).values_list("pk", "name"))
            raise Conflict(
                f"Accepting would break the link from “{names[key[1]]}” to “{names[key[2]]}”; nothing was changed. "
                "Level again."
            )
    locked.status = LevelingStatus.ACCEPTED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit.record_many(
        organisation_id=viewer.organisation_id, actor_id=viewer.user_id, action="task.level", changes=changes
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="leveling.accept",
        obj=locked,
        after={"delayed": [c.object_id for c in changes], "violations_acknowledged": len(violations)},
    )
    return moved


@transaction.atomic
def leveling_discard(*, viewer: Viewer, proposal: LevelingProposal) -> LevelingProposal:
    """Drop a proposal (a running one too: its job's answer is then ignored). The plan is unchanged."""
    check_scope(viewer, proposal.project)
    project = plan_lock(viewer, proposal.project)
    locked = LevelingProposal.objects.select_for_update().get(pk=proposal.pk, project=project)
    if locked.status not in (LevelingStatus.PROPOSED, LevelingStatus.RUNNING):
        raise Conflict(f"This leveling is {locked.get_status_display().lower()} already.")
    locked.status = LevelingStatus.DISCARDED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit.record(organisation_id=viewer.organisation_id, actor_id=viewer.user_id, action="leveling.discard", obj=locked)
    return locked
