"""Writes on time entries: log, edit, submit, approve (valuing them), reject, bulk import."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.periods import MINUTES_PER_DAY, week_start
from margin.core.text import clean_text
from margin.projects.models import Project, ProjectMember, ProjectStatus, Task
from margin.projects.queries import can_manage, in_scope, is_member
from margin.rates.queries import bill_rates_by_project, cost_rates_by_person
from margin.timesheets import rules
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import day_minutes

ENTRY_FIELDS = ["project", "task", "person", "work_date", "minutes", "billable", "note", "status"]
EDITABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)


def _today() -> date:
    return timezone.localdate()


def _max_future_days() -> int:
    return int(settings.MARGIN["MAX_FUTURE_DAYS"])


def _resolve_person(viewer: Viewer, person: Person | None) -> Person:
    if person is None:
        if viewer.person_id is None:
            raise Invalid("You have no person record to log time as.", field="person")
        return Person.objects.get(pk=viewer.person_id)
    if person.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if person.pk != viewer.person_id and not viewer.is_admin:
        raise Forbidden("Only an administrator may log time for someone else.")
    return person


def _check_open(project: Project, task: Task | None, *, summary: bool) -> None:
    """Time goes on open projects, on open leaf tasks."""
    if project.status == ProjectStatus.CLOSED:
        raise Invalid(f"Project {project.code} is closed; no more time can be logged on it.", field="project")
    if task is not None and task.closed:
        raise Invalid(f"Task {task.name!r} is closed.", field="task")
    if task is not None and summary:
        raise Invalid(f"{task.name!r} is a summary task; log time on one of its subtasks.", field="task")


def _check_target(project: Project, task: Task | None, person: Person) -> None:
    if task is not None and task.project_id != project.pk:
        raise NotFound("No such task in this project.")
    _check_open(project, task, summary=task is not None and task.children.exists())
    if not is_member(project, person.pk):
        raise Forbidden(f"{person.name} is not a member of project {project.code}.")


def _is_billed(entry: TimeEntry) -> bool:
    return TimeEntry.objects.filter(pk=entry.pk, billing__isnull=False).exists()


def _check_editable(entry: TimeEntry) -> None:
    # Billed time is always approved, so the status check alone would refuse it; the billed check
    # first gives the precise reason.
    if entry.status == EntryStatus.APPROVED and _is_billed(entry):
        raise Conflict("This entry is billed and can no longer be changed.")
    if entry.status not in EDITABLE:
        raise Conflict(f"This entry is {entry.get_status_display().lower()} and can no longer be changed.")


def _check_own_or_admin(viewer: Viewer, entry: TimeEntry) -> None:
    if entry.organisation_id != viewer.organisation_id or entry.company_id not in viewer.company_ids:
        raise NotFound("No such time entry.")
    if entry.person_id != viewer.person_id and not viewer.is_admin:
        raise Forbidden("Only the person who logged this entry may change it.")


@transaction.atomic
def time_entry_create(
    *,
    viewer: Viewer,
    project: Project,
    work_date: date,
    minutes: int,
    task: Task | None = None,
    person: Person | None = None,
    billable: bool | None = None,
    note: str = "",
) -> TimeEntry:
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    who = _resolve_person(viewer, person)
    _check_target(project, task, who)
    rules.check_minutes(minutes)
    rules.check_work_date(work_date, today=_today(), max_future_days=_max_future_days())
    # Lock the person's row so two requests cannot both pass the 24-hour check for the same day.
    Person.objects.select_for_update().filter(pk=who.pk).first()
    rules.check_day_total(already_minutes=day_minutes(who.pk, work_date), new_minutes=minutes, work_date=work_date)
    entry = TimeEntry.objects.create(
        organisation_id=project.organisation_id,
        company_id=project.company_id,
        project=project,
        task=task,
        person=who,
        work_date=work_date,
        minutes=minutes,
        billable=(task.billable if task is not None else True) if billable is None else billable,
        note=clean_text(note, field="note", max_length=2000),
        currency=project.currency,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.create",
        obj=entry,
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    return entry


@transaction.atomic
def time_entry_update(*, viewer: Viewer, entry: TimeEntry, **changes: object) -> TimeEntry:
    """Change a draft or rejected entry (a rejected one goes back to draft)."""
    entry = (
        TimeEntry.objects.select_for_update(of=("self",)).select_related("project", "task", "person").get(pk=entry.pk)
    )
    _check_own_or_admin(viewer, entry)
    _check_editable(entry)
    before = audit.snapshot(entry, ENTRY_FIELDS)
    allowed = {"task", "work_date", "minutes", "billable", "note"}
    for name, value in changes.items():
        if name not in allowed:
            raise Invalid(f"{name} cannot be changed on a time entry.", field=name)
        if name == "note":
            value = clean_text(str(value or ""), field="note", max_length=2000)
        setattr(entry, name, value)
    _check_target(entry.project, entry.task, entry.person)
    rules.check_minutes(entry.minutes)
    rules.check_work_date(entry.work_date, today=_today(), max_future_days=_max_future_days())
    Person.objects.select_for_update().filter(pk=entry.person_id).first()
    rules.check_day_total(
        already_minutes=day_minutes(entry.person_id, entry.work_date, exclude_ids=[entry.pk]),
        new_minutes=entry.minutes,
        work_date=entry.work_date,
    )
    entry.status = EntryStatus.DRAFT
    entry.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.update",
        obj=entry,
        before=before,
        after=audit.snapshot(entry, ENTRY_FIELDS),
    )
    return entry


@transaction.atomic
def time_entry_delete(*, viewer: Viewer, entry: TimeEntry) -> None:
    entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    _check_own_or_admin(viewer, entry)
    _check_editable(entry)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.delete",
        obj=entry,
        before=audit.snapshot(entry, ENTRY_FIELDS),
    )
    entry.delete()


@transaction.atomic
def week_cell_set(
    *, viewer: Viewer, task: Task, work_date: date, minutes: int, note: str | None = None
) -> TimeEntry | None:
    """Set one cell of *my week* (task × day) to a total: one draft entry holds it; 0 empties the cell.

    A cell holding submitted or approved time cannot be changed from the grid.
    """
    if viewer.person_id is None:
        raise Invalid("You have no person record to log time as.")
    if minutes < 0:
        raise Invalid("Enter a duration above zero.", field="minutes")
    entries = list(
        TimeEntry.objects.select_for_update().filter(person_id=viewer.person_id, task=task, work_date=work_date)
    )
    locked = [e for e in entries if e.status not in EDITABLE]  # billed time is approved, so locked too
    if locked:
        raise Conflict(
            f"{work_date:%a %d %b} on {task.name!r} is {locked[0].get_status_display().lower()}; it cannot be changed."
        )
    if minutes == 0:
        for entry in entries:
            time_entry_delete(viewer=viewer, entry=entry)
        return None
    if not entries:
        return time_entry_create(
            viewer=viewer, project=task.project, task=task, work_date=work_date, minutes=minutes, note=note or ""
        )
    first, *others = entries
    for other in others:  # several drafts in one cell (made through the API) merge into one
        time_entry_delete(viewer=viewer, entry=other)
    changes: dict[str, object] = {"minutes": minutes}
    if note is not None:
        changes["note"] = note
    return time_entry_update(viewer=viewer, entry=first, **changes)


@transaction.atomic
def time_entries_submit(*, viewer: Viewer, monday: date, person: Person | None = None) -> int:
    """Submit every draft or rejected entry of one person's week (the week holding `monday`)."""
    who = _resolve_person(viewer, person)
    monday = week_start(monday)
    entries = TimeEntry.objects.select_for_update().filter(
        person=who, work_date__range=(monday, monday + timedelta(days=6)), status__in=EDITABLE
    )
    states = dict(entries.values_list("id", "status"))
    if not states:
        raise Invalid("There is nothing to submit in this week.")
    now = timezone.now()
    TimeEntry.objects.filter(id__in=list(states)).update(
        status=EntryStatus.SUBMITTED, submitted_at=now, rejection_reason=""
    )
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.submit",
        changes=[
            audit.Change("timesheets.timeentry", i, {"status": state}, {"status": "submitted"})
            for i, state in states.items()
        ],
    )
    return len(states)


def _decidable(viewer: Viewer, entry_ids: Sequence[int]) -> list[TimeEntry]:
    """Lock the entries; all must be submitted and on projects this viewer approves."""
    if not entry_ids:
        raise Invalid("Choose at least one entry.")
    entries = list(
        TimeEntry.objects.select_for_update()
        .filter(id__in=list(entry_ids), organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
        .select_related("project", "person")
        .order_by("id")
    )
    if len(entries) != len(set(entry_ids)):
        raise NotFound("Some of these entries do not exist.")
    for entry in entries:
        if not can_manage(viewer, entry.project):
            if entry.person_id == viewer.person_id or viewer.sees_all_projects:
                # They can see this entry (their own time; finance sees all) but may not decide on it.
                raise Forbidden("Only the project's manager or an administrator may approve or reject time.")
            raise NotFound("Some of these entries do not exist.")
        if entry.status != EntryStatus.SUBMITTED:
            raise Conflict(f"Entry {entry.pk} is {entry.get_status_display().lower()}, not submitted.")
        if entry.person_id == viewer.person_id and not viewer.is_admin:
            raise Forbidden("You cannot approve or reject your own time.")
    return entries


def _write_valuations(entries: Iterable[TimeEntry]) -> None:
    """One executemany for all valued entries: approval of thousands stays one round trip each batch."""
    table = TimeEntry._meta.db_table
    sql = (
        f"UPDATE {table} SET status = %s, decided_at = %s, decided_by_id = %s, role_id = %s, bill_rate = %s, "  # noqa: S608
        "bill_amount_minor = %s, cost_rate = %s, cost_amount_minor = %s, rejection_reason = '' WHERE id = %s"
    )
    ops = connection.ops
    params = [
        (
            e.status,
            ops.adapt_datetimefield_value(e.decided_at),
            e.decided_by_id,
            e.role_id,
            ops.adapt_decimalfield_value(e.bill_rate, 14, 4),
            e.bill_amount_minor,
            ops.adapt_decimalfield_value(e.cost_rate, 14, 4),
            e.cost_amount_minor,
            e.pk,
        )
        for e in entries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def value_entries(entries: Sequence[TimeEntry]) -> None:
    """Fill the valuation snapshot of each entry in memory (rates read once for the whole batch)."""
    bill_rates = bill_rates_by_project({e.project_id for e in entries})
    cost_rates = cost_rates_by_person({e.person_id for e in entries})
    people = {p.pk: p for p in Person.objects.filter(id__in={e.person_id for e in entries})}
    for entry in entries:
        person = people[entry.person_id]
        valuation = rules.value_entry(
            minutes=entry.minutes,
            billable=entry.billable,
            work_date=entry.work_date,
            person_id=person.pk,
            person_name=person.name,
            role_id=person.role_id,
            currency=entry.currency,
            bill_rates=bill_rates.get(entry.project_id, []),
            cost_rates=cost_rates.get(entry.person_id, []),
        )
        entry.role_id = valuation.role_id
        entry.bill_rate = valuation.bill_rate
        entry.bill_amount_minor = valuation.bill_amount_minor
        entry.cost_rate = valuation.cost_rate
        entry.cost_amount_minor = valuation.cost_amount_minor


@transaction.atomic
def time_entries_approve(*, viewer: Viewer, entry_ids: Sequence[int]) -> int:
    """Approve submitted entries, storing the rates and amounts they are valued at (the snapshot)."""
    entries = _decidable(viewer, entry_ids)
    value_entries(entries)
    now = timezone.now()
    for entry in entries:
        entry.status = EntryStatus.APPROVED
        entry.decided_at = now
        entry.decided_by_id = viewer.user_id
    _write_valuations(entries)
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.approve",
        changes=[
            audit.Change(
                "timesheets.timeentry",
                e.pk,
                {"status": "submitted"},
                {
                    "status": "approved",
                    "bill_rate": str(e.bill_rate),
                    "bill_amount_minor": e.bill_amount_minor,
                    "cost_rate": str(e.cost_rate),
                    "cost_amount_minor": e.cost_amount_minor,
                },
            )
            for e in entries
        ],
    )
    return len(entries)


@transaction.atomic
def time_entries_reject(*, viewer: Viewer, entry_ids: Sequence[int], reason: str) -> int:
    reason = clean_text(reason, field="reason", max_length=1000, required=True)
    entries = _decidable(viewer, entry_ids)
    ids = [e.pk for e in entries]
    TimeEntry.objects.filter(id__in=ids).update(
        status=EntryStatus.REJECTED, rejection_reason=reason, decided_at=timezone.now(), decided_by_id=viewer.user_id
    )
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.reject",
        changes=[
            audit.Change("timesheets.timeentry", i, {"status": "submitted"}, {"status": "rejected", "reason": reason})
            for i in ids
        ],
    )
    return len(ids)


@dataclass(frozen=True)
class ImportRow:
    project_id: int
    task_id: int | None
    person_id: int
    work_date: date
    minutes: int
    billable: bool = True
    note: str = ""


@transaction.atomic
def time_entries_import(*, viewer: Viewer, rows: Sequence[ImportRow], approved: bool = False) -> int:
    """Load many entries at once (history from another system, bulk API): all rows or none.

    Every row is checked by the same rules as a single entry; approved rows are valued exactly as
    approval values them. Administrators only.
    """
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may import time.")
    if not rows:
        raise Invalid("There are no rows to import.")
    projects = {
        p.pk: p
        for p in Project.objects.filter(
            id__in={r.project_id for r in rows},
            organisation_id=viewer.organisation_id,
            company_id__in=viewer.company_ids,
        )
    }
    tasks = {
        t.pk: t for t in Task.objects.filter(project_id__in=projects, id__in={r.task_id for r in rows if r.task_id})
    }
    summaries = set(Task.objects.filter(parent_id__in=list(tasks)).values_list("parent_id", flat=True))
    people = set(
        Person.objects.filter(id__in={r.person_id for r in rows}, organisation_id=viewer.organisation_id).values_list(
            "id", flat=True
        )
    )
    members = set(
        ProjectMember.objects.filter(project_id__in=projects, person_id__in=people).values_list(
            "project_id", "person_id"
        )
    )
    today, ahead = _today(), _max_future_days()
    day_totals: dict[tuple[int, date], int] = defaultdict(int)
    entries: list[TimeEntry] = []
    for number, row in enumerate(rows, start=1):
        project = projects.get(row.project_id)
        if project is None or row.person_id not in people:
            raise NotFound(f"Row {number}: no such project or person.")
        if row.task_id is not None and (row.task_id not in tasks or tasks[row.task_id].project_id != project.pk):
            raise NotFound(f"Row {number}: no such task in project {project.code}.")
        if (project.pk, row.person_id) not in members and project.manager_id != row.person_id:
            raise Forbidden(f"Row {number}: person {row.person_id} is not a member of project {project.code}.")
        try:
            task = tasks[row.task_id] if row.task_id is not None else None
            _check_open(project, task, summary=row.task_id in summaries)
            rules.check_minutes(row.minutes)
            rules.check_work_date(row.work_date, today=today, max_future_days=ahead)
        except Invalid as error:
            raise Invalid(f"Row {number}: {error.message}", field=error.field) from None
        day_totals[(row.person_id, row.work_date)] += row.minutes
        entries.append(
            TimeEntry(
                organisation_id=project.organisation_id,
                company_id=project.company_id,
                project_id=project.pk,
                task_id=row.task_id,
                person_id=row.person_id,
                work_date=row.work_date,
                minutes=row.minutes,
                billable=row.billable,
                note=clean_text(row.note, field="note", max_length=2000),
                currency=project.currency,
                status=EntryStatus.APPROVED if approved else EntryStatus.DRAFT,
            )
        )
    _check_import_day_totals(day_totals)
    if approved:
        value_entries(entries)
        now = timezone.now()
        for entry in entries:
            entry.decided_at = now
            entry.decided_by_id = viewer.user_id
            entry.submitted_at = now
    _insert_entries(entries)
    first = entries[0]
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.import",
        obj=first,
        after={"rows": len(entries), "approved": approved},
    )
    return len(entries)


def _insert_entries(entries: list[TimeEntry]) -> None:
    """Insert new entries: the first through the ORM (its id names the audit row), the rest in one
    COPY (PostgreSQL) or one executemany (SQLite).

    `bulk_create` spends most of a large import preparing values field by field: 100,000 rows took
    18 s on SQLite and 11 s on PostgreSQL that way, 8 s and 6-10 s this way (bench/run.py). Each
    column's adapter is chosen once here; PostgreSQL's COPY adapts the values itself.
    """
    entries[0].save(force_insert=True)  # sets its created_at and updated_at
    rest = entries[1:]
    if not rest:
        return
    for entry in rest:
        entry.created_at, entry.updated_at = entries[0].created_at, entries[0].updated_at
    fields: list[Any] = [f for f in TimeEntry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(str(f.column) for f in fields)
    table = TimeEntry._meta.db_table
    ops = connection.ops

    def adapter(field: Any) -> Callable[[Any], Any]:
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            return ops.adapt_datetimefield_value
        if kind == "DateField":
            return ops.adapt_datefield_value
        if kind == "DecimalField":
            return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
        return lambda v: v

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = [f.attname for f in fields]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for entry in rest:
                    copy.write_row([getattr(entry, name) for name in names])
        else:
            adapters = [(f.attname, adapter(f)) for f in fields]
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
            cursor.executemany(sql, [tuple(adapt(getattr(e, name)) for name, adapt in adapters) for e in rest])


def _check_import_day_totals(day_totals: dict[tuple[int, date], int]) -> None:
    """Rows plus what is already logged must stay within 24 hours a person-day (one grouped query)."""
    if not day_totals:
        return
    people = {p for p, _ in day_totals}
    dates = [d for _, d in day_totals]
    existing = (
        TimeEntry.objects.filter(person_id__in=people, work_date__range=(min(dates), max(dates)))
        .exclude(status=EntryStatus.REJECTED)
        .values_list("person_id", "work_date")
        .annotate(total=Sum("minutes"))
    )
    for person_id, work_date, total in existing:
        if (person_id, work_date) in day_totals:
            day_totals[(person_id, work_date)] += total
    for (person_id, work_date), total in day_totals.items():
        if total > MINUTES_PER_DAY:
            raise Invalid(f"Person {person_id} would have more than 24 hours on {work_date}.")
