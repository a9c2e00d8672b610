"""The activity feed: what happened on a project (or on all of "my projects"), read from the audit trail and
written as sentences a person reads ("Maya moved *Solution architecture* 3 days later; 4 tasks followed").

A read model, no table of its own. The rows of a project are selected set-based: the audit rows of the project
itself and of the objects that belong to it (tasks, links, team, baselines, assignments, bookings, risks,
comments and, for those who see the project's money, invoices), newest first by (at, id), which the
`core_audit_org_at` index serves. Names come from the current rows, one query per kind of object; an object
deleted since falls back to the name in its audit snapshot.

A sentence is a tuple of `Part`s: plain words and names. Names are data: the template shows them emphasised
and escaped (never marked safe); `Item.text` writes them between asterisks for the API and e-mails. Money is
kept out of the sentences (a member sees the feed, not the money); invoices show only their number and only to
those who may see the project's money.

Rows one person wrote at once with the same bulk action in the same second (a levelling run) read as one sentence
naming the first object and how many others came with it; a reschedule is one row that counts the tasks that
followed (planning writes `followed` into it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.billing.models import Invoice
from margin.collaboration.models import Attachment, Comment, TargetType
from margin.core.errors import Invalid
from margin.core.models import AuditEntry
from margin.notifications.queries import followed_project_ids
from margin.projects.models import Baseline, Dependency, Project, ProjectMember, Task, TaskStatus
from margin.projects.queries import money_visible, projects_of_person, projects_visible
from margin.resourcing.models import Assignment, Booking
from margin.risks.models import ChangeRequest, Decision, Issue, Risk

PAGE = 50
TASK_IDS_READ = 5000  # a task's audit rows read as a list of ids up to this many (task_activity)
MAX_PAGE = 200
DAY_MINUTES = 8 * 60


@dataclass(frozen=True)
class Part:
    """Words of a sentence; `name` True for a name (shown emphasised, always escaped)."""

    text: str
    name: bool = False


@dataclass(frozen=True)
class Item:
    """One sentence of the feed (one audit row, or a group of rows written together)."""

    id: int
    at: datetime
    actor: str
    parts: tuple[Part, ...]
    action: str
    object_type: str
    object_id: int
    project_id: int | None
    rows: int = 1

    @property
    def text(self) -> str:
        """The sentence as plain text, names between asterisks."""
        return self.actor + " " + "".join(f"*{p.text}*" if p.name else p.text for p in self.parts)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str  # empty: no older items
    projects: dict[int, str] = field(default_factory=dict)


# --- which rows belong to a project -----------------------------------------------------------------


def _scope(project_ids: Any, money_ids: Any) -> Q:
    """The audit rows of the projects `project_ids` (a list or a subquery of ids) and of their objects."""
    q = (
        Q(object_type="projects.project", object_id__in=project_ids)
        | Q(object_type="projects.task", object_id__in=Task.objects.filter(project_id__in=project_ids).values("id"))
        # A deleted task is no longer in the plan: its deletion row carries its project.
        | Q(object_type="projects.task", action="task.delete", before__project__in=project_ids)
        | Q(
            object_type="projects.dependency",
            object_id__in=Dependency.objects.filter(project_id__in=project_ids).values("id"),
        )
        | Q(
            object_type="projects.projectmember",
            object_id__in=ProjectMember.objects.filter(project_id__in=project_ids).values("id"),
        )
        | Q(
            object_type="projects.baseline",
            object_id__in=Baseline.objects.filter(project_id__in=project_ids).values("id"),
        )
        | Q(
            object_type="resourcing.assignment",
            object_id__in=Assignment.objects.filter(task__project_id__in=project_ids).values("id"),
        )
        | Q(
            object_type="resourcing.booking",
            object_id__in=Booking.objects.filter(project_id__in=project_ids).values("id"),
        )
    )
    for object_type, model in RAID.items():
        q |= Q(object_type=object_type, object_id__in=model.objects.filter(project_id__in=project_ids).values("id"))
    # Comments and files on an invoice are money: only on the projects whose money the viewer sees.
    talk = Q(project_id__in=project_ids) & ~Q(target_type=TargetType.INVOICE)
    if money_ids:
        talk |= Q(project_id__in=money_ids)
    q |= Q(object_type="collaboration.comment", object_id__in=Comment.objects.filter(talk).values("id"))
    q |= Q(object_type="collaboration.attachment", object_id__in=Attachment.objects.filter(talk).values("id"))
    if money_ids:
        q |= Q(
            object_type="billing.invoice", object_id__in=Invoice.objects.filter(project_id__in=money_ids).values("id")
        )
    return q


RAID: dict[str, type[Risk | Issue | Decision | ChangeRequest]] = {
    "risks.risk": Risk,
    "risks.issue": Issue,
    "risks.decision": Decision,
    "risks.changerequest": ChangeRequest,
}


# --- reading a page ----------------------------------------------------------------------------------


def _cursor(value: str) -> tuple[datetime, int] | None:
    if not value:
        return None
    at_text, _, id_text = value.rpartition("~")
    at = parse_datetime(at_text) if at_text else None
    if at is None or not id_text.isdigit():
        raise Invalid("That page link is not valid; start from the newest.", field="before")
    return at, int(id_text)


def _page(viewer: Viewer, scope: Q, *, before: str, limit: int) -> Page:
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"Ask for 1 to {MAX_PAGE} items.", field="limit")
    rows = AuditEntry.objects.filter(organisation_id=viewer.organisation_id).filter(scope)
    cursor = _cursor(before)
    if cursor is not None:
        at, pk = cursor
        rows = rows.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    fetch = limit * 4
    entries = list(
        rows.order_by("-at", "-id").only(
            "id", "at", "actor_id", "action", "object_type", "object_id", "before", "after"
        )[:fetch]
    )
    groups = _grouped(entries)
    more = len(entries) == fetch
    if more and len(groups) > 1 and len(groups) <= limit:
        groups = groups[:-1]  # the last group may go on beyond this fetch: it opens the next page whole
    more = more or len(groups) > limit
    groups = groups[:limit]
    items, projects = _written(viewer, groups)
    last = groups[-1][-1] if groups else None
    next_cursor = f"{last.at.isoformat()}~{last.pk}" if (more and last is not None) else ""
    return Page(items=items, next_cursor=next_cursor, projects=projects)


# Actions that write many rows at once (`audit.record_many`): their rows of one second read as one sentence. Other
# actions are one row per thing a person did, each its own sentence however quickly they follow each other.
GROUPED = {"task.level", "invoice.draft", "time_entry.approve", "time_entry.submit", "time_entry.import"}


def _second(entry: AuditEntry) -> datetime:
    return entry.at.replace(microsecond=0)


def _grouped(entries: list[AuditEntry]) -> list[list[AuditEntry]]:
    groups: list[list[AuditEntry]] = []
    for entry in entries:
        if groups:
            head = groups[-1][0]
            if (
                entry.action in GROUPED
                and head.actor_id == entry.actor_id
                and head.action == entry.action
                and head.object_type == entry.object_type
                and _second(head) == _second(entry)
            ):
                groups[-1].append(entry)
                continue
        groups.append([entry])
    return groups


def project_activity(viewer: Viewer, project: Project, *, before: str = "", limit: int = PAGE) -> Page:
    """The feed of one project the caller got through `project_get` (so the viewer may see it)."""
    money = [project.pk] if money_visible(viewer, project) else []
    return _page(viewer, _scope([project.pk], money), before=before, limit=limit)


def task_activity(viewer: Viewer, task: Task, *, before: str = "", limit: int = PAGE) -> Page:
    """The feed of one task the caller got through `task_get`: the task itself, its links, its assignments
    (audited as `projects`' before they moved to resourcing, ADR 0032) and its thread."""
    pk = task.pk
    thread = {"target_type": TargetType.TASK, "target_id": pk}
    scope = (
        Q(object_type="projects.task", object_id=pk)
        | Q(object_type="projects.dependency")
        & (Q(after__predecessor=pk) | Q(after__successor=pk) | Q(before__predecessor=pk) | Q(before__successor=pk))
        | Q(object_type__in=["projects.assignment", "resourcing.assignment"]) & (Q(after__task=pk) | Q(before__task=pk))
        | Q(object_type="collaboration.comment", object_id__in=Comment.objects.filter(**thread).values("id"))
        | Q(object_type="collaboration.attachment", object_id__in=Attachment.objects.filter(**thread).values("id"))
    )
    # A task's rows are few among the organisation's: read their ids first, unordered, so each branch goes
    # through the (object_type, object_id) index; ordered by `at` with a LIMIT, the planner walks the whole trail
    # backwards looking for them (76 ms of 200,000 rows on SQLite; 1 ms this way). A task with very many rows
    # keeps the subquery.
    rows = AuditEntry.objects.filter(organisation_id=viewer.organisation_id).filter(scope).order_by()
    ids = list(rows.values_list("id", flat=True)[: TASK_IDS_READ + 1])
    if len(ids) <= TASK_IDS_READ:
        scope = Q(id__in=ids)
    return _page(viewer, scope, before=before, limit=limit)


def my_project_ids(viewer: Viewer) -> list[int]:
    """The projects of "my activity": those the viewer follows or is on the team of, and may see."""
    followed = followed_project_ids(viewer)
    mine = Q(id__in=projects_of_person(viewer.person_id).values("id")) if viewer.person_id is not None else Q(pk=None)
    return list(projects_visible(viewer).filter(mine | Q(id__in=followed)).order_by("id").values_list("id", flat=True))


def my_activity(viewer: Viewer, *, before: str = "", limit: int = PAGE) -> Page:
    """The feed of every project the viewer follows or works on (and may see)."""
    ids = my_project_ids(viewer)
    if not ids:
        return Page(items=[], next_cursor="")
    money = list(Project.objects.filter(id__in=ids).filter(_money_q(viewer)).values_list("id", flat=True))
    return _page(viewer, _scope(ids, money), before=before, limit=limit)


def _money_q(viewer: Viewer) -> Q:
    if viewer.is_finance:
        return Q(company_id__in=viewer.company_ids)
    if viewer.person_id is None:
        return Q(pk=None)
    return Q(manager_id=viewer.person_id, company_id__in=viewer.company_ids)


# --- names -------------------------------------------------------------------------------------------


@dataclass
class Names:
    """Names of the objects a page mentions, read once per kind; `task_project` places tasks in projects."""

    actors: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    tasks: dict[int, str] = field(default_factory=dict)
    task_project: dict[int, int] = field(default_factory=dict)
    projects: dict[int, str] = field(default_factory=dict)
    objects: dict[tuple[str, int], tuple[str, int | None]] = field(default_factory=dict)
    talk: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # comment or file -> its target
    targets: dict[tuple[str, int], str] = field(default_factory=dict)


def _ids(entries: Iterable[AuditEntry], key: str) -> set[int]:
    found: set[int] = set()
    for e in entries:
        for picture in (e.before, e.after):
            if isinstance(picture, dict) and isinstance(picture.get(key), int):
                found.add(picture[key])
    return found


def _names(viewer: Viewer, entries: list[AuditEntry]) -> Names:
    names = Names()
    by_type: dict[str, set[int]] = defaultdict(set)
    for e in entries:
        by_type[e.object_type].add(e.object_id)
    actor_ids = {e.actor_id for e in entries if e.actor_id is not None}
    if actor_ids:
        names.actors = dict(
            Person.objects.filter(organisation_id=viewer.organisation_id, user_id__in=actor_ids).values_list(
                "user_id", "name"
            )
        )
        missing = actor_ids - set(names.actors)
        if missing:
            for pk, username in get_user_model().objects.filter(pk__in=missing).values_list("pk", "username"):
                names.actors[pk] = str(username)
    task_ids = (
        by_type["projects.task"] | _ids(entries, "task") | _ids(entries, "predecessor") | _ids(entries, "successor")
    )
    if task_ids:
        for pk, name, project_id in Task.objects.filter(
            id__in=task_ids, project__organisation_id=viewer.organisation_id
        ).values_list("id", "name", "project_id"):
            names.tasks[pk] = name
            names.task_project[pk] = project_id
    person_ids = _ids(entries, "person")
    if person_ids:
        names.people = dict(
            Person.objects.filter(organisation_id=viewer.organisation_id, id__in=person_ids).values_list("id", "name")
        )
    simple: list[tuple[str, QuerySet[Any], str]] = [
        ("projects.dependency", Dependency.objects.all(), "project_id"),
        ("projects.projectmember", ProjectMember.objects.all(), "project_id"),
        ("projects.baseline", Baseline.objects.all(), "project_id"),
        ("resourcing.assignment", Assignment.objects.all(), "task__project_id"),
        ("resourcing.booking", Booking.objects.all(), "project_id"),
    ]
    for object_type, rows, project_field in simple:
        if by_type[object_type]:
            for pk, project_id in rows.filter(id__in=by_type[object_type]).values_list("id", project_field):
                names.objects[(object_type, pk)] = ("", project_id)
    if by_type["billing.invoice"]:
        for pk, number, project_id in Invoice.objects.filter(
            id__in=by_type["billing.invoice"], organisation_id=viewer.organisation_id
        ).values_list("id", "number", "project_id"):
            names.objects[("billing.invoice", pk)] = (number or "draft", project_id)
    for object_type, model in RAID.items():
        if by_type[object_type]:
            for row in model.objects.filter(id__in=by_type[object_type], organisation_id=viewer.organisation_id).only(
                "id", "number", "title", "project_id"
            ):
                names.objects[(object_type, row.pk)] = (f"{row.reference} {row.title}", row.project_id)
    targets: dict[str, set[int]] = defaultdict(set)
    talk_models: list[tuple[str, type[Comment] | type[Attachment]]] = [
        ("collaboration.comment", Comment),
        ("collaboration.attachment", Attachment),
    ]
    for object_type, model_talk in talk_models:
        if by_type[object_type]:
            for pk, target_type, target_id, project_id in model_talk.objects.filter(
                id__in=by_type[object_type], organisation_id=viewer.organisation_id
            ).values_list("id", "target_type", "target_id", "project_id"):
                names.objects[(object_type, pk)] = ("", project_id)
                names.talk[(object_type, pk)] = (target_type, target_id)
                targets[target_type].add(target_id)
    names.targets = _target_names(viewer, targets, names)
    return names


def _target_names(viewer: Viewer, targets: dict[str, set[int]], names: Names) -> dict[tuple[str, int], str]:
    """Names of what comments and files are on: one query per kind of target."""
    found: dict[tuple[str, int], str] = {}
    org = viewer.organisation_id
    if targets.get(TargetType.TASK):
        for pk, name in Task.objects.filter(id__in=targets[TargetType.TASK], project__organisation_id=org).values_list(
            "id", "name"
        ):
            found[(TargetType.TASK, pk)] = name
    if targets.get(TargetType.PROJECT):
        for pk, name in Project.objects.filter(id__in=targets[TargetType.PROJECT], organisation_id=org).values_list(
            "id", "name"
        ):
            found[(TargetType.PROJECT, pk)] = name
    raid: dict[str, type[Risk | Issue | ChangeRequest]] = {
        TargetType.RISK: Risk,
        TargetType.ISSUE: Issue,
        TargetType.CHANGE_REQUEST: ChangeRequest,
    }
    for target_type, model in raid.items():
        if targets.get(target_type):
            for row in model.objects.filter(id__in=targets[target_type], organisation_id=org).only(
                "id", "number", "title"
            ):
                found[(target_type, row.pk)] = f"{row.reference} {row.title}"
    if targets.get(TargetType.INVOICE):
        for pk, number in Invoice.objects.filter(id__in=targets[TargetType.INVOICE], organisation_id=org).values_list(
            "id", "number"
        ):
            found[(TargetType.INVOICE, pk)] = f"invoice {number}" if number else "a draft invoice"
    return found


def _project_of(e: AuditEntry, names: Names) -> int | None:
    if e.object_type == "projects.project":
        return e.object_id
    if e.object_type == "projects.task":
        return names.task_project.get(e.object_id)
    known = names.objects.get((e.object_type, e.object_id))
    if known is not None:
        return known[1]
    for picture in (e.after, e.before):
        if isinstance(picture, dict) and isinstance(picture.get("project"), int):
            return int(picture["project"])
    return None


def _written(viewer: Viewer, groups: list[list[AuditEntry]]) -> tuple[list[Item], dict[int, str]]:
    entries = [e for g in groups for e in g]
    names = _names(viewer, entries)
    items = []
    for group in groups:
        first = min(group, key=lambda e: e.pk)  # the row written first: what the person did
        parts = sentence(first, names, others=len(group) - 1)
        items.append(
            Item(
                id=group[-1].pk,
                at=group[0].at,
                actor=names.actors.get(first.actor_id, "Margin") if first.actor_id else "Margin",
                parts=parts,
                action=first.action,
                object_type=first.object_type,
                object_id=first.object_id,
                project_id=_project_of(first, names),
                rows=len(group),
            )
        )
    project_ids = {i.project_id for i in items if i.project_id is not None}
    projects = dict(
        Project.objects.filter(organisation_id=viewer.organisation_id, id__in=project_ids).values_list("id", "name")
    )
    return items, projects


# --- sentences ---------------------------------------------------------------------------------------


def _snap(e: AuditEntry, key: str) -> Any:
    for picture in (e.after, e.before):
        if isinstance(picture, dict) and key in picture:
            return picture[key]
    return None


def _task_name(e: AuditEntry, names: Names, task_id: object = None) -> str:
    pk = e.object_id if task_id is None else task_id
    if isinstance(pk, int) and pk in names.tasks:
        return names.tasks[pk]
    if task_id is None:
        snapped = _snap(e, "name")
        if isinstance(snapped, str) and snapped:
            return snapped
    return "a deleted task"


def _person(names: Names, pk: object) -> str:
    return names.people.get(pk, "someone") if isinstance(pk, int) else "someone"


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _others(n: int, word: str) -> tuple[Part, ...]:
    return (Part(f" and {_plural(n, 'other ' + word)}"),) if n else ()


FIELD_WORDS = {
    "name": "name",
    "parent": "place in the plan",
    "planned_start": "planned start",
    "planned_finish": "planned finish",
    "estimate_minutes": "estimate",
    "billable": "billable flag",
    "closed": "closing",
    "deadline": "deadline",
    "budget_minutes": "budget hours",
    "budget_amount_minor": "budget",
    "end_date": "end date",
    "start_date": "start date",
    "manager": "manager",
    "status": "status",
}


def _changed_fields(e: AuditEntry) -> list[str]:
    before, after = e.before or {}, e.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return [FIELD_WORDS.get(k, k.replace("_minor", "").replace("_minutes", "").replace("_", " ")) for k in keys]


def _listed(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _task_schedule(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    task = Part(_task_name(e, names), name=True)
    before, after = e.before or {}, e.after or {}
    followed = after.get("followed") if isinstance(after, dict) else None
    tail: tuple[Part, ...] = ()
    if isinstance(followed, int) and followed > 0:
        tail = (Part(f"; {_plural(followed, 'task')} followed"),)
    tail = _others(others, "task") + tail
    old = _day(before.get("start"))
    new = _day(after.get("constraint_date")) if after.get("constraint_date") != before.get("constraint_date") else None
    if new is None and after.get("start") != before.get("start"):
        new = _day(after.get("start"))
    if old is not None and new is not None and new != old:
        shift = (new - old).days
        way = "later" if shift > 0 else "earlier"
        return (Part("moved "), task, Part(f" {_days(abs(shift))} {way}"), *tail)
    if after.get("actual_finish") and not before.get("actual_finish"):
        return (Part("finished "), task, *tail)
    if after.get("actual_start") and not before.get("actual_start"):
        return (Part("started "), task, *tail)
    if after.get("percent_complete") != before.get("percent_complete") and isinstance(
        after.get("percent_complete"), int
    ):
        return (Part("set "), task, Part(f" to {after['percent_complete']} % complete"), *tail)
    duration = after.get("duration_minutes")
    if duration != before.get("duration_minutes") and isinstance(duration, int):
        days = round(duration / DAY_MINUTES, 1)
        shown = f"{int(days)}" if days == int(days) else f"{days}"
        return (Part("changed the duration of "), task, Part(f" to {shown} day{'s' if days != 1 else ''}"), *tail)
    return (Part("rescheduled "), task, *tail)


def _task_update(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    before, after = e.before or {}, e.after or {}
    old, new = before.get("name"), after.get("name")
    if isinstance(old, str) and isinstance(new, str) and old != new:
        return (Part("renamed "), Part(old, name=True), Part(" to "), Part(new, name=True))
    fields = _changed_fields(e)
    task = Part(_task_name(e, names), name=True)
    if fields == [FIELD_WORDS["closed"]]:
        return (Part("closed task " if after.get("closed") else "reopened task "), task, *_others(others, "task"))
    if fields:
        return (Part(f"changed the {_listed(fields)} of "), task, *_others(others, "task"))
    return (Part("changed "), task, *_others(others, "task"))


def _board_move(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    status = _snap(e, "status")
    label = TaskStatus(status).label if status in TaskStatus.values else "another column"
    return (Part("moved "), Part(_task_name(e, names), name=True), Part(f" to {label}"), *_others(others, "task"))


def _link(e: AuditEntry, names: Names, verb: str) -> tuple[Part, ...]:
    pred, succ = _snap(e, "predecessor"), _snap(e, "successor")
    return (
        Part(verb),
        Part(_task_name(e, names, pred if pred is not None else -1), name=True),
        Part(" to "),
        Part(_task_name(e, names, succ if succ is not None else -1), name=True),
    )


def _assignment(e: AuditEntry, names: Names, verb: str, joiner: str) -> tuple[Part, ...]:
    return (
        Part(verb),
        Part(_person(names, _snap(e, "person")) if _snap(e, "person") is not None else "a pool", name=True),
        Part(joiner),
        Part(_task_name(e, names, _snap(e, "task") if _snap(e, "task") is not None else -1), name=True),
    )


def _booking(e: AuditEntry, names: Names, verb: str) -> tuple[Part, ...]:
    person = _snap(e, "person")
    who = Part(_person(names, person), name=True) if person is not None else Part("a role still to staff")
    first, last = _day(_snap(e, "first_day")), _day(_snap(e, "last_day"))
    when = f" from {first:%-d %b} to {last:%-d %b %Y}" if first is not None and last is not None else ""
    return (Part(verb), who, Part(when))


def _object_name(e: AuditEntry, names: Names, fallback: str) -> str:
    known = names.objects.get((e.object_type, e.object_id))
    if known is not None and known[0]:
        return known[0]
    for key in ("title", "name", "number"):
        snapped = _snap(e, key)
        if isinstance(snapped, str) and snapped:
            return snapped
    return fallback


VERBS = {
    "create": "added",
    "update": "changed",
    "delete": "deleted",
    "save": "saved",
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "issue": "issued",
    "send": "sent",
    "close": "closed",
    "apply": "applied",
    "archive": "archived",
}


def _generic(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    noun, _, verb = e.action.partition(".")
    done = VERBS.get(verb, "changed")
    label = noun.replace("_", " ")
    if e.object_type == "projects.task":
        return (Part(f"{done} task "), Part(_task_name(e, names), name=True), *_others(others, "task"))
    name = _object_name(e, names, "")
    if name:
        return (Part(f"{done} {label} "), Part(name, name=True), *_others(others, label))
    return (Part(f"{done} a {label}"), *_others(others, label))


def _project_update(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    fields = _changed_fields(e)
    return (Part(f"changed the project's {_listed(fields)}" if fields else "changed the project's settings"),)


def _rescheduled(e: AuditEntry) -> tuple[Part, ...]:
    moved = _snap(e, "moved")
    count = len(moved) if isinstance(moved, list) else 0
    return (Part(f"rescheduled the plan; {_plural(count, 'task')} moved" if count else "rescheduled the plan"),)


def _reference(e: AuditEntry, names: Names, prefix: str) -> tuple[Part, ...]:
    """A RAID item as "R-3 *Key developer leaves*": its reference, then its title as a name."""
    known = names.objects.get((e.object_type, e.object_id))
    if known is not None and known[0]:
        ref, _, title = known[0].partition(" ")
        return (Part(f"{ref} "), Part(title, name=True))
    title = _snap(e, "title")
    return (Part(f"{prefix} "), Part(str(title) if title else "(deleted)", name=True))


def _score(e: AuditEntry) -> tuple[Part, ...]:
    score = _snap(e, "score")
    return (Part(f" (score {score})"),) if isinstance(score, int) else ()


def _risk_update(e: AuditEntry, names: Names, others: int) -> tuple[Part, ...]:
    before, after = e.before or {}, e.after or {}
    ref = _reference(e, names, "a risk")
    if after.get("status") != before.get("status") and after.get("status"):
        return (Part("marked risk "), *ref, Part(f" {str(after['status']).replace('_', ' ')}"))
    if after.get("score") != before.get("score") and isinstance(after.get("score"), int):
        return (Part("rescored risk "), *ref, Part(f" from {before.get('score')} to {after['score']}"))
    return (Part("changed risk "), *ref)


def _target(e: AuditEntry, names: Names) -> tuple[Part, ...]:
    talk = names.talk.get((e.object_type, e.object_id))
    if talk is None:
        target_type, target_id = _snap(e, "target_type"), _snap(e, "target_id")
        if not isinstance(target_type, str) or not isinstance(target_id, int):
            return (Part("something since deleted", name=True),)
        talk = (target_type, target_id)
    name = names.targets.get(talk)
    if name is None:
        return (Part(f"a {talk[0].replace('_', ' ')} since deleted"),)
    if talk[0] == TargetType.PROJECT:
        return (Part("the project "), Part(name, name=True))
    return (Part(name, name=True),)


def _attachment(e: AuditEntry, names: Names, verb: str) -> tuple[Part, ...]:
    file_name = _snap(e, "original_name")
    return (
        Part(verb),
        Part(str(file_name or "a file"), name=True),
        Part(" to " if "attached" in verb else " from "),
        *_target(e, names),
    )


Writer = Callable[[AuditEntry, Names, int], tuple[Part, ...]]

SENTENCES: dict[str, Writer] = {
    "project.create": lambda e, n, o: (Part("created the project"),),
    "project.update": _project_update,
    "project.archive": lambda e, n, o: (Part("archived the project"),),
    "project.unarchive": lambda e, n, o: (Part("took the project out of the archive"),),
    "project.reschedule": lambda e, n, o: _rescheduled(e),
    "project.import_mspdi": lambda e, n, o: (Part("imported the plan from Microsoft Project"),),
    "project.member_add": lambda e, n, o: (
        Part("added "),
        Part(_person(n, _snap(e, "person")), name=True),
        Part(" to the team"),
    ),
    "project.member_remove": lambda e, n, o: (
        Part("took "),
        Part(_person(n, _snap(e, "person")), name=True),
        Part(" off the team"),
    ),
    "task.create": lambda e, n, o: (Part("added task "), Part(_task_name(e, n), name=True), *_others(o, "task")),
    "task.update": _task_update,
    "task.schedule": _task_schedule,
    "task.indent": lambda e, n, o: (Part("made "), Part(_task_name(e, n), name=True), Part(" a subtask")),
    "task.outdent": lambda e, n, o: (Part("moved "), Part(_task_name(e, n), name=True), Part(" up a level")),
    "task.delete": lambda e, n, o: (Part("deleted task "), Part(_task_name(e, n), name=True), *_others(o, "task")),
    "task.board_move": _board_move,
    "task.level": lambda e, n, o: (
        Part("levelled the plan: "),
        Part(_task_name(e, n), name=True),
        Part(f" and {_plural(o, 'other task')} moved" if o else " moved"),
    ),
    "dependency.create": lambda e, n, o: _link(e, n, "linked "),
    "dependency.delete": lambda e, n, o: _link(e, n, "removed the link from "),
    "baseline.save": lambda e, n, o: (Part("saved the baseline "), Part(_object_name(e, n, "baseline"), name=True)),
    "assignment.create": lambda e, n, o: _assignment(e, n, "assigned ", " to "),
    "assignment.update": lambda e, n, o: _assignment(e, n, "changed how much of ", " works on "),
    "assignment.delete": lambda e, n, o: _assignment(e, n, "took ", " off "),
    "booking.create": lambda e, n, o: _booking(e, n, "booked "),
    "booking.update": lambda e, n, o: _booking(e, n, "changed the booking of "),
    "booking.delete": lambda e, n, o: _booking(e, n, "cancelled the booking of "),
    "invoice.draft": lambda e, n, o: (Part("drafted an invoice"),),
    "invoice.issue": lambda e, n, o: (Part("issued invoice "), Part(_object_name(e, n, "invoice"), name=True)),
    "invoice.send": lambda e, n, o: (Part("sent invoice "), Part(_object_name(e, n, "invoice"), name=True)),
    "invoice.discard": lambda e, n, o: (Part("discarded a draft invoice"),),
    "risk.create": lambda e, n, o: (Part("logged a risk "), *_reference(e, n, "a risk"), *_score(e)),
    "risk.update": _risk_update,
    "issue.create": lambda e, n, o: (Part("logged an issue "), *_reference(e, n, "an issue")),
    "issue.update": lambda e, n, o: (Part("changed issue "), *_reference(e, n, "an issue")),
    "issue.resolve": lambda e, n, o: (Part("resolved issue "), *_reference(e, n, "an issue")),
    "decision.create": lambda e, n, o: (Part("recorded decision "), *_reference(e, n, "a decision")),
    "decision.update": lambda e, n, o: (Part("changed decision "), *_reference(e, n, "a decision")),
    "change_request.create": lambda e, n, o: (Part("drafted change request "), *_reference(e, n, "a change request")),
    "change_request.update": lambda e, n, o: (Part("changed change request "), *_reference(e, n, "a change request")),
    "change_request.submit": lambda e, n, o: (Part("submitted "), *_reference(e, n, "a change request")),
    "change_request.approve": lambda e, n, o: (Part("approved "), *_reference(e, n, "a change request")),
    "change_request.reject": lambda e, n, o: (Part("rejected "), *_reference(e, n, "a change request")),
    "change_request.apply": lambda e, n, o: (
        Part("applied "),
        *_reference(e, n, "a change request"),
        Part(" to the plan"),
    ),
    "project.change_apply": lambda e, n, o: (
        Part(f"changed the project's budget and plan by {_snap(e, 'reference') or 'a change request'}"),
    ),
    "comment.create": lambda e, n, o: (Part("commented on "), *_target(e, n)),
    "comment.edit": lambda e, n, o: (Part("edited a comment on "), *_target(e, n)),
    "comment.delete": lambda e, n, o: (Part("deleted a comment on "), *_target(e, n)),
    "attachment.create": lambda e, n, o: _attachment(e, n, "attached "),
    "attachment.delete": lambda e, n, o: _attachment(e, n, "removed "),
}


def sentence(e: AuditEntry, names: Names, *, others: int = 0) -> tuple[Part, ...]:
    """The words after the actor's name for one audit row (`others`: how many more rows it stands for)."""
    writer = SENTENCES.get(e.action, _generic)
    return writer(e, names, others)
