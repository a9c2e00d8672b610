"""A Margin project ↔ MSPDI: the export reads the stored plan, the import rebuilds it through the real actions.

The import runs in one transaction: every task, link and schedule setting goes through
``margin.projects.actions`` (permission checks, validation, audit rows, rescheduling), and the first refusal
undoes everything (all or nothing)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from margin.accounts.queries import Viewer
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.integrations.msproject import mspdi
from margin.projects import actions
from margin.projects.models import Assignment, BaselineTask, CalendarException, Dependency, Project, Scheduling, Task
from margin.projects.planning import (
    DEFAULT_CALENDAR_NAME,
    DEFAULT_WEEK,
    calendar_row_of,
    to_aware,
    to_local,
    wbs_order,
)
from margin.projects.queries import can_manage, members_of

POOL_UID_OFFSET = 1_000_000  # pools and people share MSPDI's resource UIDs


def _local(value: datetime | None) -> datetime | None:
    return to_local(value)


def _calendar_of(project: Project) -> mspdi.MsCalendar:
    row = calendar_row_of(project)
    raw_week = (row.week if row is not None else None) or DEFAULT_WEEK
    week = {int(day): [(int(a), int(b)) for a, b in intervals] for day, intervals in raw_week.items()}
    for day in range(7):
        week.setdefault(day, [])
    exceptions = {}
    if row is not None:
        exceptions = {
            e.date: [(int(a), int(b)) for a, b in (e.intervals or [])]
            for e in CalendarException.objects.filter(calendar=row)
        }
    return mspdi.MsCalendar(row.name if row is not None else DEFAULT_CALENDAR_NAME, week, exceptions)


def project_to_mspdi(project: Project) -> mspdi.MsProject:
    """The stored plan of a project (as last scheduled) as MSPDI data."""
    tasks = list(Task.objects.filter(project=project))
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    links: dict[int, list[mspdi.MsLink]] = defaultdict(list)
    for dep in Dependency.objects.filter(project=project).order_by("id"):
        links[dep.successor_id].append(
            mspdi.MsLink(
                dep.predecessor_id,
                dep.kind,
                0 if dep.lag_percent is not None else dep.lag_minutes,
                dep.lag_percent,
            )
        )
    baselines: dict[int, list[mspdi.MsBaseline]] = defaultdict(list)
    for row in (
        BaselineTask.objects.filter(task__project=project).select_related("baseline").order_by("baseline__index")
    ):
        start, finish = _local(row.start), _local(row.finish)
        assert start is not None and finish is not None
        baselines[row.task_id].append(
            mspdi.MsBaseline(row.baseline.index, start, finish, row.duration_minutes, row.work_minutes, row.cost_minor)
        )
    ms_tasks = []
    for task, code, depth in wbs_order(tasks):
        summary = task.pk in parents
        ms_tasks.append(
            mspdi.MsTask(
                uid=task.pk,
                name=task.name,
                outline_level=depth + 1,
                wbs=code,
                duration_minutes=task.duration_minutes,
                start=_local(task.start),
                finish=_local(task.finish),
                work_minutes=task.estimate_minutes,
                summary=summary,
                milestone=not summary and task.duration_minutes == 0,
                manual=task.scheduling == Scheduling.MANUAL and not summary,
                constraint=task.constraint,
                constraint_date=_local(task.constraint_date),
                percent_complete=task.percent_complete,
                links=tuple(links.get(task.pk, ())),
                baselines=tuple(baselines.get(task.pk, ())),
            )
        )
    resources = [mspdi.MsResource(person.pk, person.name, person.email or "", 100) for person in members_of(project)]
    assignments: list[mspdi.MsAssignment] = []
    pools: dict[int, mspdi.MsResource] = {}
    for a in Assignment.objects.filter(task__project=project).select_related("pool").order_by("id"):
        if a.pool is not None:
            uid = POOL_UID_OFFSET + a.pool.pk
            pools[uid] = mspdi.MsResource(uid, a.pool.name, "", a.pool.max_units, pool=True)
        else:
            assert a.person_id is not None
            uid = a.person_id
        assignments.append(mspdi.MsAssignment(a.task_id, uid, a.units))
    known = {r.uid for r in resources}
    resources.extend(
        mspdi.MsResource(a.resource_uid, f"Person {a.resource_uid}")
        for a in assignments
        if a.resource_uid not in known and a.resource_uid < POOL_UID_OFFSET
    )
    resources.extend(pools.values())
    starts = [t.start for t in ms_tasks if t.start is not None]
    start = (
        min(starts)
        if starts
        else datetime.combine(project.start_date or project.created_at.date(), datetime.min.time())
    )
    return mspdi.MsProject(
        name=f"{project.code} {project.name}",
        start=start,
        tasks=ms_tasks,
        calendar=_calendar_of(project),
        resources=resources,
        assignments=assignments,
    )


def project_export_mspdi(project: Project) -> bytes:
    return mspdi.write(project_to_mspdi(project))


def _again(error: DomainError, where: str) -> DomainError:
    """The action's refusal, of the same kind, prefixed with where in the file it happened."""
    for kind in (Invalid, Conflict, Forbidden, NotFound):
        if isinstance(error, kind):
            return kind(f"{where}: {error.message}", field="file")
    return Invalid(f"{where}: {error.message}", field="file")


def _where(task: mspdi.MsTask) -> str:
    return f"task {task.name!r} (UID {task.uid}, line {task.line})"


@transaction.atomic
def project_import_mspdi(*, viewer: Viewer, project: Project, data: bytes) -> int:
    """Build the plan of an empty project from an MSPDI file; returns the number of tasks created.

    Refused (and nothing kept) for a malformed or unsafe file, a project that already has tasks, or anything
    an action refuses (a cycle, a bad constraint): the error names the element, line or task."""
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may import a plan.")
    try:
        parsed = mspdi.read(data)
    except mspdi.MspdiError as error:
        raise Invalid(str(error), field="file") from None
    if Task.objects.filter(project=project).exists():
        raise Conflict(f"Project {project.code} has tasks already; import into an empty project.", field="file")
    if not parsed.tasks:
        raise Invalid("The file has no tasks.", field="file")
    by_uid: dict[int, Task] = {}
    stack: list[tuple[int, Task]] = []  # (outline level, task) of the open ancestors
    levels = {t.uid: t.outline_level for t in parsed.tasks}
    summaries = {
        parsed.tasks[i].uid
        for i in range(len(parsed.tasks) - 1)
        if parsed.tasks[i + 1].outline_level > parsed.tasks[i].outline_level
    }
    for ms in parsed.tasks:
        while stack and stack[-1][0] >= ms.outline_level:
            stack.pop()
        if ms.outline_level > (stack[-1][0] if stack else 0) + 1:
            raise Invalid(f"The outline level of {_where(ms)} skips a level.", field="file")
        try:
            task = actions.task_create(
                viewer=viewer,
                project=project,
                name=ms.name,
                parent=stack[-1][1] if stack else None,
                estimate_minutes=ms.work_minutes,
            )
        except DomainError as error:
            raise _again(error, _where(ms)) from None
        by_uid[ms.uid] = task
        stack.append((levels[ms.uid], task))
    for ms in parsed.tasks:
        if ms.uid in summaries:
            continue
        manual = ms.manual and ms.start is not None
        try:
            actions.task_schedule_update(
                viewer=viewer,
                task=by_uid[ms.uid],
                duration_minutes=ms.duration_minutes,
                scheduling=Scheduling.MANUAL if manual else Scheduling.AUTO,
                start=to_aware(ms.start) if manual and ms.start is not None else None,
                constraint=ms.constraint,
                constraint_date=to_aware(ms.constraint_date) if ms.constraint_date is not None else None,
                percent_complete=ms.percent_complete,
            )
        except DomainError as error:
            raise _again(error, _where(ms)) from None
    for ms in parsed.tasks:
        for link in ms.links:
            try:
                actions.dependency_create(
                    viewer=viewer,
                    predecessor=by_uid[link.predecessor_uid],
                    successor=by_uid[ms.uid],
                    kind=link.kind,
                    lag_minutes=link.lag_minutes,
                    lag_percent=link.lag_percent,
                )
            except DomainError as error:
                raise _again(error, f"link to {_where(ms)}") from None
    actions.project_reschedule(viewer=viewer, project=project)
    return len(by_uid)
