"""Bulk import of time entries (history from another system, the bulk API): all rows or none."""

from __future__ import annotations

import functools
import operator
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, companies_locked_through
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.periods import MINUTES_PER_DAY
from margin.core.text import clean_text
from margin.projects.models import Project, ProjectMember, Task
from margin.timesheets import rules
from margin.timesheets.actions.approval import value_entries
from margin.timesheets.actions.policy import _check_open, _max_future_days, _set_billable_minutes, _today
from margin.timesheets.bulk import bulk_rows
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import may_log_for


@dataclass(frozen=True)
class ImportRow:
    project_id: int
    task_id: int | None
    person_id: int
    work_date: date
    minutes: int
    billable: bool = True
    note: str = ""
    category: str = "work"


@transaction.atomic
def time_entries_import(*, viewer: Viewer, rows: Sequence[ImportRow], approved: bool = False) -> list[int]:
    """Load many entries at once (history from another system, bulk API): all rows or none. Returns
    the new entries' ids in row order.

    Every row is checked by the same rules as a single entry; approved rows are valued exactly as
    approval values them. Anyone may import drafts of their own time, and of the people they may log
    time for (`may_log_for`); importing approved history is for administrators only.
    """
    check_may_import(viewer, approved=approved)
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
    people = {
        p.pk: p
        for p in Person.objects.filter(id__in={r.person_id for r in rows}, organisation_id=viewer.organisation_id).only(
            "id", "name", "company_id", "start_date", "end_date", "organisation_id"
        )
    }
    policies = {c.pk: c for c in Company.objects.filter(id__in={p.company_id for p in people.values()})}
    ahead_of = {company_id: _max_future_days(c) for company_id, c in policies.items()}
    locks = companies_locked_through({p.company_id for p in projects.values()})
    company_names = dict(Company.objects.filter(id__in=list(locks)).values_list("id", "name"))
    members = set(
        ProjectMember.objects.filter(project_id__in=projects, person_id__in=people).values_list(
            "project_id", "person_id"
        )
    )
    today = _today()
    day_totals: dict[tuple[int, date], int] = defaultdict(int)
    entries: list[Any] = []
    new_entry = _entry_maker()
    common: dict[str, Any] = {"status": EntryStatus.APPROVED if approved else EntryStatus.DRAFT}
    if approved:
        now = timezone.now()
        common.update(decided_at=now, decided_by_id=viewer.user_id, submitted_at=now)
    # Rows repeat the same project, task, person, date and note many times over: each check runs once per
    # distinct value it reads (a failure is raised at the first row that has it, as before).
    targets: dict[tuple[int, int | None, int], dict[str, Any]] = {}
    passed: set[tuple[object, ...]] = set()
    notes: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        try:
            target = targets.get((row.project_id, row.task_id, row.person_id))
            if target is None:
                target = _row_target(
                    viewer,
                    row,
                    common,
                    projects=projects,
                    people=people,
                    tasks=tasks,
                    members=members,
                    summaries=summaries,
                )
                targets[(row.project_id, row.task_id, row.person_id)] = target
            note = notes.get(row.note)
            if note is None:
                note = notes[row.note] = clean_text(row.note, field="note", max_length=2000)
            if target["notes_required"]:
                rules.check_note(note, required=True, project_code=target["code"])
            if (row.minutes, row.category) not in passed:
                rules.check_minutes(row.minutes)
                rules.check_category(row.category)
                passed.add((row.minutes, row.category))
            if (row.person_id, target["company_id"], row.work_date) not in passed:
                _check_row_date(
                    row,
                    people[row.person_id],
                    target["company_id"],
                    today=today,
                    ahead=ahead_of,
                    locks=locks,
                    company_names=company_names,
                )
                passed.add((row.person_id, target["company_id"], row.work_date))
        except (Invalid, Conflict, NotFound, Forbidden) as error:
            raise type(error)(f"Row {number}: {error.message}", field=error.field, code=error.code) from None
        day_totals[(row.person_id, row.work_date)] += row.minutes
        entries.append(
            new_entry(
                target["values"],
                task_id=row.task_id,
                work_date=row.work_date,
                minutes=row.minutes,
                billable=rules.billable_in(row.category, row.billable),
                category=row.category,
                note=note,
            )
        )
    _set_billable_minutes(entries)
    _check_import_day_totals(day_totals, {pk: policies[p.company_id].max_day_minutes for pk, p in people.items()})
    if approved:
        value_entries(entries)
    first = _insert_entries(entries)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.import",
        obj=first,
        after={"rows": len(entries), "approved": approved},
    )
    return [entry.id for entry in entries]


def _row_target(
    viewer: Viewer,
    row: ImportRow,
    common: dict[str, Any],
    *,
    projects: dict[int, Project],
    people: dict[int, Person],
    tasks: dict[int, Task],
    members: set[tuple[int, int]],
    summaries: set[int],
) -> dict[str, Any]:
    """Check that the row's person may log on the row's project and task (NotFound, Forbidden or Invalid
    otherwise); return what every entry of that (project, task, person) has in common."""
    project = projects.get(row.project_id)
    who = people.get(row.person_id)
    if project is None or who is None:
        raise NotFound("no such project or person.")
    if not may_log_for(viewer, who):
        raise Forbidden(f"you may not log time for {who.name}.")
    if row.task_id is not None and (row.task_id not in tasks or tasks[row.task_id].project_id != project.pk):
        raise NotFound(f"no such task in project {project.code}.")
    if (project.pk, row.person_id) not in members and project.manager_id != row.person_id:
        raise Forbidden(f"person {row.person_id} is not a member of project {project.code}.")
    task = tasks[row.task_id] if row.task_id is not None else None
    _check_open(project, task, summary=row.task_id in summaries)
    values = {
        **common,
        "organisation_id": project.organisation_id,
        "company_id": project.company_id,
        "project_id": project.pk,
        "person_id": row.person_id,
        "currency": project.currency,
    }
    return {
        "values": values,
        "company_id": project.company_id,
        "code": project.code,
        "notes_required": project.notes_required,
    }


def _check_row_date(
    row: ImportRow,
    who: Person,
    company_id: int,
    *,
    today: date,
    ahead: dict[int, int],
    locks: dict[int, date],
    company_names: dict[int, str],
) -> None:
    """The row's date: not too far back or ahead, within the person's employment, not in a closed period."""
    rules.check_work_date(row.work_date, today=today, max_future_days=ahead[who.company_id])
    rules.check_start_date(row.work_date, start_date=who.start_date, end_date=who.end_date, person_name=who.name)
    if company_id in locks:
        rules.check_period_open(row.work_date, locked_through=locks[company_id], company_name=company_names[company_id])


# The columns of a new entry, in the table's order, and their defaults (computed once).
_COLUMNS = list(TimeEntry._meta.concrete_fields)
_ATTNAMES = [f.attname for f in _COLUMNS]


def _entry_maker() -> Callable[..., Any]:
    """A new entry as a plain object holding the values given; every other column reads its default from
    the class. It is what valuation and billing increments read and write, without building a model
    instance per row (2 s for 100,000)."""
    entry_class = type("NewTimeEntry", (), {f.attname: f.get_default() for f in _COLUMNS})

    def make(shared: dict[str, Any], /, **values: Any) -> Any:
        entry = entry_class()
        entry.__dict__ = {**shared, **values}
        return entry

    return make


def check_may_import(viewer: Viewer, *, approved: bool) -> None:
    """Who may load time in bulk: approved history bypasses approval, so administrators only."""
    if approved and not viewer.is_admin:
        raise Forbidden("Only an administrator may import time as approved.")


def _insert_entries(entries: list[Any]) -> TimeEntry:
    """Insert new entries (objects from `_entry_maker`) and set their ids; returns the first as a saved
    model (its id names the audit row). The first goes through the ORM (which sets created_at and
    updated_at), the rest in one COPY (PostgreSQL) or multi-row INSERTs (SQLite).

    `bulk_create` spends most of a large import preparing values field by field: 100,000 rows took 18 s on
    SQLite and 11 s on PostgreSQL that way. On SQLite one INSERT per row also pays the table's triggers'
    statement journal once per row (6 s for 100,000); an INSERT of a thousand rows pays it once.
    """
    first = TimeEntry(**{name: getattr(entries[0], name) for name in _ATTNAMES if name != "id"})
    first.save(force_insert=True)
    entries[0].id = first.pk
    rest = entries[1:]
    if not rest:
        return first
    for entry, pk in zip(rest, _reserve_ids(first.pk, len(rest)), strict=True):
        entry.id = pk
        entry.created_at = entry.updated_at = first.created_at
    columns = ", ".join(str(f.column) for f in _COLUMNS)
    table = TimeEntry._meta.db_table
    values_of = operator.attrgetter(*_ATTNAMES)
    if connection.vendor == "postgresql":
        # Binary COPY: psycopg writes each value in its binary form (four times faster than the text format
        # for these 26 columns), given the columns' types.
        types = [(field.db_type(connection) or "").split("(")[0] for field in _COLUMNS]
        sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            copy.set_types(types)
            for entry in rest:
                copy.write_row(values_of(entry))
        return first
    # SQLite: every row's values in one flat list, then the date and time columns adapted to the text
    # Django stores, a column at a time (a batch shares its few timestamps and a few hundred dates).
    width = len(_COLUMNS)
    flat = [value for entry in rest for value in values_of(entry)]
    ops = connection.ops
    for i, field in enumerate(_COLUMNS):
        kind = field.get_internal_type()
        if kind in ("DateTimeField", "DateField"):
            adapt = ops.adapt_datetimefield_value if kind == "DateTimeField" else ops.adapt_datefield_value
            flat[i::width] = map(functools.lru_cache(maxsize=None)(adapt), flat[i::width])
    raw = connection.connection  # the sqlite3 connection, inside the transaction Django opened
    per_statement = max(1, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    one = "(" + ", ".join("?" * width) + ")"
    # The per-row period guard and totals stand aside; bulk_rows does their work once at the end (ADR 0027).
    with bulk_rows(rest[0].id, rest[-1].id):
        for start in range(0, len(rest), per_statement):
            params = flat[start * width : (start + per_statement) * width]
            raw.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * (len(params) // width))}",  # noqa: S608
                params,
            )
    return first


def _reserve_ids(first_id: int, count: int) -> list[int]:
    """Ids for `count` entries inserted after the one that got `first_id`, so callers learn every id.

    PostgreSQL: drawn from the table's sequence (concurrent writers get other numbers). SQLite: the
    transaction took the database's write lock with its first insert, so nobody else can insert and
    the next numbers are free (AUTOINCREMENT moves its counter past explicit ids).
    """
    if connection.vendor != "postgresql":
        return list(range(first_id + 1, first_id + 1 + count))
    table = TimeEntry._meta.db_table
    with connection.cursor() as cursor:
        # The sequence's name first: `pg_get_serial_sequence` in the SELECT list ran once per row (a catalog
        # lookup each: 0.27 s of 0.30 s for 100,000 ids).
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return sorted(int(row[0]) for row in cursor.fetchall())


def _check_import_day_totals(day_totals: dict[tuple[int, date], int], limits: dict[int, int] | None = None) -> None:
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
        limit = (limits or {}).get(person_id, MINUTES_PER_DAY)
        if total > limit:
            what = "24 hours" if limit == MINUTES_PER_DAY else f"the daily maximum of {rules.hours_text(limit)} hours"
            raise Invalid(f"Person {person_id} would have more than {what} on {work_date}.")
