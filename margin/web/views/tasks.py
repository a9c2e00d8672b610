"""A project's tasks as a table (the Tasks tab, edited inline with htmx) and the page of one task.

The table is one WBS-ordered list built from four queries whatever the size of the project (tasks, the people
assigned to them, links, logged minutes per task) plus the members for the assignee picker. A cell edit POSTs one field
to `task_cell`, which calls the same action as the API (`task_update`, `task_schedule_update`, or
`task_board_move` for status and assignee) and answers the whole table again, so every row the reschedule
moved shows its new dates; a refused edit answers the table as stored with the message in the edited cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.collaboration.activity import task_activity
from margin.core.errors import DomainError, Invalid, NotFound
from margin.core.models import AuditEntry
from margin.core.periods import DurationError, format_minutes, parse_duration
from margin.projects.actions import (
    dependency_create,
    dependency_delete,
    project_reschedule,
    task_board_move,
    task_create,
    task_delete,
    task_indent,
    task_outdent,
    task_predecessors_set,
    task_schedule_update,
    task_update,
)
from margin.projects.models import Dependency, LinkKind, Project, Scheduling, Task, TaskStatus
from margin.projects.planning import calendar_of, deadline_missed, project_zone, task_people, to_aware
from margin.projects.queries import can_manage, is_member, members_of, project_get, task_get
from margin.projects.rules import days_text, lag_text, parse_day, parse_days, parse_lag, parse_predecessors
from margin.resourcing.actions import assignment_create, assignment_delete
from margin.resourcing.models import Assignment, ResourcePool
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import minutes_by_task, time_entries_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page
from margin.web.views.task_rows import Edit, rows_html

EDITABLE = ("name", "duration", "start", "deadline", "percent", "status", "assignee", "estimate", "predecessors")
MAX_OOB_ROWS = 150
TASK_FIELDS = (
    "id", "name", "parent_id", "position", "start", "finish", "duration_minutes", "percent_complete", "critical",
    "total_float_minutes", "scheduling", "constraint", "status", "estimate_minutes",
    "board_position", "deadline",
)  # fmt: skip


def local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(project_zone())


# --- the table ---------------------------------------------------------------------------------


@dataclass
class Row:
    id: int
    number: int
    wbs: str
    depth: int
    name: str
    parent_id: int | None
    summary: bool
    start: datetime | None
    finish: datetime | None
    duration_minutes: int
    percent_complete: int
    status: str
    assignee_id: int | None  # the lead: the person assigned at the most units (ADR 0011)
    assignee_name: str
    estimate_minutes: int
    logged_minutes: int
    float_minutes: int
    critical: bool
    manual: bool
    constraint: str
    board_position: int
    deadline: date | None = None
    predecessors: list[tuple[int, int, str]] = field(default_factory=list)  # (task id, its row number, text)
    people: list[str] = field(default_factory=list)  # everyone assigned, the lead first

    @property
    def people_text(self) -> str:
        return ", ".join(self.people)

    @property
    def deadline_missed(self) -> bool:
        return deadline_missed(self.finish, self.deadline)

    @property
    def milestone(self) -> bool:
        return not self.summary and self.duration_minutes == 0

    @property
    def duration_text(self) -> str:
        return days_text(self.duration_minutes)

    @property
    def float_text(self) -> str:
        return (
            days_text(max(self.float_minutes, 0)) if self.float_minutes >= 0 else "-" + days_text(-self.float_minutes)
        )

    @property
    def status_label(self) -> str:
        return TaskStatus(self.status).label

    @property
    def over_estimate(self) -> bool:
        return self.logged_minutes > self.estimate_minutes > 0

    @property
    def predecessors_text(self) -> str:
        return ", ".join(text for _, _, text in self.predecessors)


def task_rows(project: Project) -> list[Row]:
    """Every task of the project in WBS order with its row number, links and logged minutes: three queries."""
    values = list(Task.objects.filter(project=project).values(*TASK_FIELDS))
    links = list(
        Dependency.objects.filter(project=project)
        .order_by("id")
        .values("predecessor_id", "successor_id", "kind", "lag_minutes", "lag_percent")
    )
    logged = minutes_by_task(project.pk)
    people = task_people(v["id"] for v in values)
    children: dict[int | None, list[dict[str, Any]]] = {}
    for value in values:
        children.setdefault(value["parent_id"], []).append(value)
    for kids in children.values():
        kids.sort(key=lambda v: (v["position"], v["id"]))
    rows: list[Row] = []
    stack = [(v, str(n), 0) for n, v in reversed(list(enumerate(children.get(None, []), 1)))]
    while stack:
        value, code, depth = stack.pop()
        kids = children.get(value["id"], [])
        rows.append(
            Row(
                id=value["id"],
                number=len(rows) + 1,
                wbs=code,
                depth=depth,
                name=value["name"],
                parent_id=value["parent_id"],
                summary=bool(kids),
                start=local(value["start"]),
                finish=local(value["finish"]),
                duration_minutes=value["duration_minutes"],
                percent_complete=value["percent_complete"],
                status=value["status"],
                assignee_id=people[value["id"]][0].id if value["id"] in people else None,
                assignee_name=people[value["id"]][0].name if value["id"] in people else "",
                people=[p.name for p in people.get(value["id"], [])],
                estimate_minutes=value["estimate_minutes"],
                logged_minutes=logged.get(value["id"], 0),
                float_minutes=value["total_float_minutes"],
                critical=value["critical"],
                manual=value["scheduling"] == Scheduling.MANUAL,
                constraint=value["constraint"],
                board_position=value["board_position"],
                deadline=value["deadline"],
            )
        )
        stack.extend((k, f"{code}.{n}", depth + 1) for n, k in reversed(list(enumerate(kids, 1))))
    by_id = {row.id: row for row in rows}
    for link in links:
        pred, succ = by_id.get(link["predecessor_id"]), by_id.get(link["successor_id"])
        if pred is None or succ is None:
            continue
        text = lag_text(link["kind"], link["lag_minutes"], link["lag_percent"])
        succ.predecessors.append((pred.id, pred.number, f"{pred.number}{'' if text == 'FS' else text}"))
    for row in rows:
        if len(row.predecessors) > 1:
            row.predecessors.sort(key=lambda p: p[1])
    # Summary rows show the work and time of everything under them (children come after their parent).
    for row in reversed(rows):
        if row.parent_id is not None:
            parent = by_id[row.parent_id]
            parent.estimate_minutes += row.estimate_minutes
            parent.logged_minutes += row.logged_minutes
    return rows


def _table_context(
    viewer: Viewer, project: Project, edit: Edit | None = None, *, rows_only: bool = False
) -> dict[str, Any]:
    manage = can_manage(viewer, project)
    move = manage or (viewer.person_id is not None and is_member(project, viewer.person_id))
    rows = task_rows(project)
    people = list(members_of(project).values("id", "name")) if move else []
    total_estimate = sum(r.estimate_minutes for r in rows if r.parent_id is None)
    total_logged = sum(r.logged_minutes for r in rows if r.parent_id is None)
    return {
        "project": project,
        "rows": rows,
        "rows_html": ""
        if rows_only
        else rows_html(rows, can_manage=manage, can_move=move, statuses=list(TaskStatus.choices), edit=edit or Edit()),
        "can_manage": manage,
        "can_move": move,
        "people": people,
        "statuses": TaskStatus.choices,
        "total_estimate": total_estimate,
        "total_logged": total_logged,
        "tab": "tasks",
    }


@require_GET
@viewer_view
def project_tasks(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    return page(request, viewer, "web/tasks/tasks.html", _table_context(viewer, project), active="projects")


def _table_answer(
    request: HtmxRequest,
    viewer: Viewer,
    project: Project,
    *,
    message: str = "",
    level: str = "success",
    status: int = 200,
    edit: Edit | None = None,
    **extra: Any,
) -> HttpResponse:
    context = _table_context(viewer, project, edit)
    context.update(message=message, level=level, **extra)
    return render(request, "web/tasks/tasks.html#table", context, status=status)


def _moved_message(moved: list[Any], conflicts: tuple[Any, ...] = ()) -> str:
    text = "Saved."
    if moved:
        text += f" {len(moved)} task{'s' if len(moved) != 1 else ''} moved."
    if conflicts:
        text += f" The plan has {len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''} (see the Plan tab)."
    return text


def _person(project: Project, raw: str) -> Person | None:
    """The assignee typed in a cell: a member's name (or id); empty or a dash for nobody."""
    text = " ".join(raw.split())
    if text in ("", "—", "-"):
        return None
    people = members_of(project)
    found = list(people.filter(pk=int(text))) if text.isdigit() else list(people.filter(name__iexact=text))
    if not found:
        raise Invalid(f"No project member is called {text!r}.", field="assignee")
    if len(found) > 1:
        raise Invalid(f"Several members are called {text!r}; choose by id.", field="assignee")
    return found[0]


def _start_of(project: Project, day: date) -> datetime:
    """A typed start date → the first working moment of that day or after (09:00 on the default calendar)."""
    midnight = datetime.combine(day, time(0, 0))
    try:
        return to_aware(calendar_of(project).next_working_start(midnight))
    except (DomainError, ValueError):
        return to_aware(midnight)


def _apply(viewer: Viewer, task: Task, name: str, value: str) -> str:
    """Save one edited cell through its action; the status message."""
    if name == "name":
        task_update(viewer=viewer, task=task, name=value)
        return "Saved."
    if name == "estimate":
        try:
            minutes = parse_duration(value)
        except DurationError:
            raise Invalid(f"{value!r} is not a number of hours; write 16, 7.5 or 7:30.", field="estimate") from None
        task_update(viewer=viewer, task=task, estimate_minutes=minutes)
        return "Saved."
    if name == "duration":
        moved = task_schedule_update(viewer=viewer, task=task, duration_minutes=parse_days(value, field=name))
        return _moved_message(moved, moved.conflicts)
    if name == "start":
        day = parse_day(value, field="start")
        moved = task_schedule_update(viewer=viewer, task=task, start=_start_of(task.project, day))
        return _moved_message(moved, moved.conflicts)
    if name == "deadline":
        # Never moves the plan: an empty cell clears it; the action refuses a deadline before 2000.
        deadline = parse_day(value, field="deadline") if value.strip() else None
        task_update(viewer=viewer, task=task, deadline=deadline)
        if deadline_missed(task.finish, deadline):
            return f"Saved; {task.name} finishes after its deadline."
        return "Saved."
    if name == "percent":
        raw = value.strip().removesuffix("%").strip()
        if not raw.isdigit():
            raise Invalid("The % complete must be a whole number between 0 and 100.", field="percent")
        moved = task_schedule_update(viewer=viewer, task=task, percent_complete=min(int(raw), 1000))
        return _moved_message(moved, moved.conflicts)
    if name == "status":
        position = Task.objects.filter(project=task.project, status=value).exclude(pk=task.pk).count()
        move = task_board_move(viewer=viewer, task=task, status=value, position=position)
        return move.warning or "Saved."
    if name == "assignee":
        task_board_move(
            viewer=viewer,
            task=task,
            status=task.status,
            position=task.board_position,
            assignee=_person(task.project, value),
        )
        return "Saved."
    if name == "predecessors":
        return _set_predecessors(viewer, task, value)
    raise Invalid(f"{name} cannot be edited here.", field=name)


def _set_predecessors(viewer: Viewer, task: Task, text: str) -> str:
    """The Predecessors cell: its row numbers become task ids, one action replaces the task's links."""
    numbers = {row.number: row.id for row in task_rows(task.project)}
    moved = task_predecessors_set(viewer=viewer, task=task, links=parse_predecessors(text, numbers))
    return _moved_message(moved, moved.conflicts)


def _summary_locked(task: Task, name: str) -> None:
    if name in ("duration", "start", "percent", "estimate", "status", "assignee") and task.children.exists():
        raise Invalid(f"{task.name} is a summary task: its {name} comes from its subtasks.", field=name)


def _rows_answer(
    request: HtmxRequest,
    viewer: Viewer,
    project: Project,
    before: dict[int, Row],
    edit: Edit,
    *,
    message: str,
    status: int = 200,
) -> HttpResponse:
    """Only what an edit changed: the rows that differ from ``before`` (the edited one always) and the totals, as
    htmx out-of-band swaps; the table itself stays (a 2,000-task table is megabytes, an edit a few rows)."""
    context = _table_context(viewer, project, edit, rows_only=True)
    rows: list[Row] = context["rows"]
    if [r.id for r in rows] != list(before):
        return _table_answer(request, viewer, project, message=message, status=status, edit=edit,
                             level="danger" if edit.error_task else "success")  # fmt: skip
    edited = edit.saved_task or edit.error_task
    changed = [r for r in rows if r.id == edited or before.get(r.id) != r]
    if len(changed) > MAX_OOB_ROWS:  # one swap of the whole table is cheaper for the browser than hundreds
        return _table_answer(request, viewer, project, message=message, status=status, edit=edit,
                             level="danger" if edit.error_task else "success")  # fmt: skip
    context.update(
        message=message,
        level="danger" if edit.error_task else "success",
        changed_html=rows_html(
            changed,
            can_manage=context["can_manage"],
            can_move=context["can_move"],
            statuses=list(TaskStatus.choices),
            edit=edit,
            oob=True,
        ),
    )
    response = render(request, "web/tasks/tasks.html#changed", context, status=status)
    response["HX-Reswap"] = "none"
    return response


@require_POST
@viewer_view
def task_cell(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    """One edited cell of the table: save it, answer the rows it changed (or the row as stored and the error)."""
    task = task_get(viewer, task_id)
    name = request.POST.get("field", "")
    value = request.POST.get("value", "")[:500]
    before = {row.id: row for row in task_rows(task.project)}
    try:
        if name not in EDITABLE:
            raise Invalid("This column cannot be edited.", field=name)
        _summary_locked(task, name)
        message = _apply(viewer, task, name, value)
    except NotFound:
        raise
    except DomainError as error:
        edit = Edit(error_task=task.pk, error_field=name, error_message=error.message, typed=value)
        return _rows_answer(request, viewer, task.project, before, edit, message=error.message, status=error.status)
    return _rows_answer(request, viewer, task.project, before, Edit(saved_task=task.pk), message=message)


@require_POST
@viewer_view
def task_shift(request: HtmxRequest, viewer: Viewer, task_id: int, direction: str) -> HttpResponse:
    """The indent / outdent buttons of a row."""
    task = task_get(viewer, task_id)
    try:
        moved = (task_indent if direction == "indent" else task_outdent)(viewer=viewer, task=task)
    except NotFound:
        raise
    except DomainError as error:
        return _table_answer(request, viewer, task.project, message=error.message, level="danger", status=error.status)
    return _table_answer(request, viewer, task.project, message=_moved_message(moved, moved.conflicts))


@require_POST
@viewer_view
def task_add(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    """The new-task row at the bottom of the table: a name and, optionally, the summary task it goes under."""
    project = project_get(viewer, project_id)
    raw_parent = request.POST.get("parent", "")
    name = request.POST.get("name", "")
    try:
        parent = None
        if raw_parent:
            if not raw_parent.isdigit():
                raise Invalid("Choose a parent task.", field="parent")
            parent = task_get(viewer, int(raw_parent))
            if parent.project_id != project.pk:
                raise Invalid("No such parent task in this project.", field="parent")
        task = task_create(viewer=viewer, project=project, name=name, parent=parent)
        project_reschedule(viewer=viewer, project=project)  # the new task gets its dates at once
    except DomainError as error:
        if error.status in (403, 404) and not request.htmx:
            raise
        if not request.htmx:
            context = _table_context(viewer, project)
            context.update(message=error.message, level="danger", add_error={"message": error.message, "name": name})
            return page(request, viewer, "web/tasks/tasks.html", context, active="projects", status=error.status)
        return _table_answer(
            request,
            viewer,
            project,
            message=error.message,
            level="danger",
            status=error.status,
            add_error={"message": error.message, "name": name, "parent": raw_parent},
        )
    if not request.htmx:
        return redirect(reverse("web:project_tasks", args=[project.pk]))
    return _table_answer(request, viewer, project, message=f"Added {task.name}.", edit=Edit(saved_task=task.pk))


# --- the task page -----------------------------------------------------------------------------


_LABELS = {
    "estimate_minutes": "estimate (h)",
    "duration_minutes": "duration",
    "lag_minutes": "lag",
    "lag_percent": "lag %",
    "percent_complete": "% complete",
    "planned_start": "planned start",
    "planned_finish": "planned finish",
    "constraint_date": "constraint date",
}


def _changes(
    entry: AuditEntry, names: dict[str, dict[int, str]], skip: frozenset[str] | set[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """(field, before, after) of the fields an audit row changed (but those in `skip`), ids shown as names."""
    before, after = entry.before or {}, entry.after or {}
    out = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        if key in skip:
            continue
        old, new = before.get(key), after.get(key)
        if (entry.before and entry.after and old == new) or (old in (None, "") and new in (None, "")):
            continue
        label = _LABELS.get(key, key.replace("_", " "))
        out.append((label, _shown(key, old, names), _shown(key, new, names)))
    return out


def _shown(key: str, value: object, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return "—"
    table = {"parent": "task", "predecessor": "task", "successor": "task", "task": "task", "pool": "pool"}.get(key)
    if key in ("assignee", "person"):
        table = "person"
    if table and isinstance(value, int):
        return names[table].get(value, f"#{value}")
    if key.endswith("_minutes") and isinstance(value, int):
        return days_text(value) if key in ("duration_minutes", "lag_minutes") else format_minutes(value) or "0:00"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return timezone.localtime(moment, project_zone()).strftime("%a %d %b %Y %H:%M")
    return str(value)


HISTORY_PAGE = 30  # sentences of the task's history per page
ENTRIES_SHOWN = 20  # the newest time entries listed at first; "Show all" lists up to MAX_ENTRIES_SHOWN
MAX_ENTRIES_SHOWN = 1000


def _history(
    viewer: Viewer, task: Task, names: dict[str, dict[int, str]], before: str
) -> tuple[list[dict[str, Any]], str]:
    """The task's activity as sentences (its links, assignments and thread too), newest first, each with the
    fields its row changed (before → after) for whoever wants the detail; and the cursor of the next page."""
    feed = task_activity(viewer, task, before=before, limit=HISTORY_PAGE)
    rows = {e.pk: e for e in AuditEntry.objects.filter(pk__in=[item.id for item in feed.items])}
    history = [
        {"item": item, "changes": _details(rows[item.id], names) if item.id in rows else []} for item in feed.items
    ]
    return history, feed.next_cursor


# What the sentence already says (who, which task, which thread) is not repeated beneath it.
_NAMED = frozenset({"task", "person", "predecessor", "successor", "project", "target_type", "target_id"})


def _details(entry: AuditEntry, names: dict[str, dict[int, str]]) -> list[tuple[str, str, str]]:
    """The fields beneath a sentence: what a change changed, and a new link's or assignment's terms (kind, lag,
    units); nothing for a new task (its page shows it) or a comment or file (the discussion shows them)."""
    if entry.object_type.startswith("collaboration.") or (
        entry.before is None and entry.object_type == "projects.task"
    ):
        return []
    return _changes(entry, names, skip=_NAMED)


def _history_context(viewer: Viewer, task: Task, names: dict[str, dict[int, str]], before: str) -> dict[str, Any]:
    try:
        history, older = _history(viewer, task, names, before)
        problem = ""
    except Invalid as error:  # a page link mangled by hand: the newest page, and why
        history, older = _history(viewer, task, names, "")
        problem = error.message
    return {"history": history, "history_older": older, "history_paged": bool(before), "history_problem": problem}


def _task_context(viewer: Viewer, task: Task, *, all_entries: bool = False, history_before: str = "") -> dict[str, Any]:
    project = task.project
    rows = task_rows(project)
    row = next(r for r in rows if r.id == task.pk)
    by_id = {r.id: r for r in rows}
    links = list(Dependency.objects.filter(Q(predecessor=task) | Q(successor=task)).order_by("id"))
    predecessors = [
        (d, by_id[d.predecessor_id], lag_text("", d.lag_minutes, d.lag_percent) or "—")
        for d in links
        if d.successor_id == task.pk
    ]
    successors = [
        (d, by_id[d.successor_id], lag_text("", d.lag_minutes, d.lag_percent) or "—")
        for d in links
        if d.predecessor_id == task.pk
    ]
    assignments = list(
        Assignment.objects.filter(task=task).select_related("person", "pool").order_by("person__name", "pool__name")
    )
    visible = time_entries_visible(viewer).filter(task=task)
    entry_count = visible.count()
    shown = MAX_ENTRIES_SHOWN if all_entries else ENTRIES_SHOWN
    entries = list(visible.select_related("person").order_by("-work_date", "-id")[:shown])
    by_person = list(
        visible.exclude(status=EntryStatus.REJECTED)
        .values("person_id", "person__name")
        .annotate(logged=Sum("minutes"), approved=Sum("minutes", filter=Q(status=EntryStatus.APPROVED)))
        .order_by("-logged", "person__name")
    )
    totals = (
        TimeEntry.objects.filter(task=task)
        .exclude(status=EntryStatus.REJECTED)
        .aggregate(logged=Sum("minutes"), approved=Sum("minutes", filter=Q(status=EntryStatus.APPROVED)))
    )
    logged = int(totals["logged"] or 0)
    approved = int(totals["approved"] or 0)
    members = list(members_of(project))
    pools = list(ResourcePool.objects.filter(organisation_id=project.organisation_id).order_by("name"))
    names = {
        "task": {r.id: f"{r.wbs} {r.name}" for r in rows},
        "person": {p.pk: p.name for p in members},
        "pool": {p.pk: p.name for p in pools},
    }
    manage = can_manage(viewer, project)
    estimate = row.estimate_minutes
    return {
        "project": project,
        "task": task,
        "row": row,
        "predecessors": predecessors,
        "successors": successors,
        "assignments": assignments,
        "entries": entries,
        "entry_count": entry_count,
        "entries_cut": entry_count > len(entries),
        "by_person": [{**p, "pct": p["logged"] * 100 // max(logged, 1)} for p in by_person],
        "entries_hidden": entry_count < TimeEntry.objects.filter(task=task).count(),
        "logged": logged,
        "approved": approved,
        "estimate": estimate,
        "remaining": max(estimate - logged, 0),
        "overrun": max(logged - estimate, 0),
        "used_pct": min(100, logged * 100 // estimate) if estimate else (100 if logged else 0),
        "over": logged > estimate > 0,
        **_history_context(viewer, task, names, history_before),
        "can_manage": manage,
        "other_tasks": [r for r in rows if r.id != task.pk],
        "kinds": LinkKind.choices,
        "members": members,
        "pools": pools,
        "constraint_label": task.get_constraint_display(),
        "tab": "tasks",
    }


def _task_page(request: HtmxRequest, viewer: Viewer, task: Task, *, status: int = 200, **errors: Any) -> HttpResponse:
    context = _task_context(
        viewer,
        task,
        all_entries=request.GET.get("entries") == "all",
        history_before=str(request.GET.get("history_before", ""))[:100],
    )
    context.update(errors)
    return page(request, viewer, "web/tasks/task.html", context, active="projects", status=status)


@require_GET
@viewer_view
def task_detail(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    return _task_page(request, viewer, task_get(viewer, task_id))


def _back(task: Task, anchor: str) -> HttpResponse:
    return redirect(reverse("web:task", args=[task.pk]) + f"#{anchor}")


def _refused(request: HtmxRequest, viewer: Viewer, task: Task, error: DomainError, key: str) -> HttpResponse:
    if isinstance(error, NotFound) or error.status == 403:
        raise error
    task.refresh_from_db()
    return _task_page(request, viewer, task, status=error.status, **{key: error.message, "posted": request.POST})


@require_POST
@viewer_view
def task_link_add(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    """Add a predecessor or a successor (another task of the project, a link type and a lag)."""
    task = task_get(viewer, task_id)
    try:
        raw_other = request.POST.get("other", "")
        if not raw_other.isdigit():
            raise Invalid("Choose the other task.", field="other")
        other = Task.objects.filter(pk=int(raw_other), project_id=task.project_id).select_related("project").first()
        if other is None:
            raise Invalid("No such task in this project.", field="other")
        lag_minutes, lag_percent = parse_lag(request.POST.get("lag", ""))
        pred, succ = (other, task) if request.POST.get("direction", "predecessor") == "predecessor" else (task, other)
        dependency_create(
            viewer=viewer,
            predecessor=pred,
            successor=succ,
            kind=request.POST.get("kind", LinkKind.FS),
            lag_minutes=lag_minutes,
            lag_percent=lag_percent,
        )
    except DomainError as error:
        return _refused(request, viewer, task, error, "link_error")
    return _back(task, "links")


@require_POST
@viewer_view
def task_link_delete(request: HtmxRequest, viewer: Viewer, task_id: int, link_id: int) -> HttpResponse:
    task = task_get(viewer, task_id)
    dependency = (
        Dependency.objects.filter(pk=link_id)
        .filter(Q(predecessor=task) | Q(successor=task))
        .select_related("project")
        .first()
    )
    if dependency is None:
        raise NotFound("No such link on this task.")
    try:
        dependency_delete(viewer=viewer, dependency=dependency)
    except DomainError as error:
        return _refused(request, viewer, task, error, "link_error")
    return _back(task, "links")


@require_POST
@viewer_view
def task_assignment_add(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    """Assign a project member (`p<id>`) or a resource pool (`r<id>`) at some units (100 = full time)."""
    task = task_get(viewer, task_id)
    try:
        resource = request.POST.get("resource", "")
        person = pool = None
        if resource[:1] == "p" and resource[1:].isdigit():
            person = Person.objects.filter(pk=int(resource[1:]), organisation_id=viewer.organisation_id).first()
            if person is None:
                raise Invalid("No such person.", field="resource")
        elif resource[:1] == "r" and resource[1:].isdigit():
            pool = ResourcePool.objects.filter(pk=int(resource[1:]), organisation_id=viewer.organisation_id).first()
            if pool is None:
                raise Invalid("No such pool.", field="resource")
        else:
            raise Invalid("Choose a person or a pool.", field="resource")
        raw_units = request.POST.get("units", "100").strip().removesuffix("%").strip() or "100"
        if not raw_units.isdigit():
            raise Invalid("Units must be a whole number (100 = one person full time).", field="units")
        assignment_create(viewer=viewer, task=task, person=person, pool=pool, units=min(int(raw_units), 10**9))
    except DomainError as error:
        return _refused(request, viewer, task, error, "assignment_error")
    return _back(task, "assignments")


@require_POST
@viewer_view
def task_assignment_delete(request: HtmxRequest, viewer: Viewer, task_id: int, assignment_id: int) -> HttpResponse:
    task = task_get(viewer, task_id)
    assignment = Assignment.objects.filter(pk=assignment_id, task=task).select_related("task__project").first()
    if assignment is None:
        raise NotFound("No such assignment on this task.")
    try:
        assignment_delete(viewer=viewer, assignment=assignment)
    except DomainError as error:
        return _refused(request, viewer, task, error, "assignment_error")
    return _back(task, "assignments")


@require_POST
@viewer_view
def task_remove(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    task = task_get(viewer, task_id)
    try:
        task_delete(viewer=viewer, task=task)
    except DomainError as error:
        return _refused(request, viewer, task, error, "delete_error")
    return redirect(reverse("web:project_tasks", args=[task.project_id]))
