"""Writes on time entries: log, edit, submit, approve (valuing them), reject, bulk import."""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.periods import MINUTES_PER_DAY
from margin.core.text import clean_text
from margin.projects.models import Project, ProjectMember, ProjectStatus, Task
from margin.projects.queries import in_scope, is_member
from margin.rates.queries import bill_rates_by_project, billing_increments_by_project, cost_rates_by_person
from margin.rates.rules import EXACT
from margin.rates.rules import billable_minutes as round_to_increment
from margin.timesheets import rules
from margin.timesheets.models import ApprovalDelegate, EntryStatus, PeriodLock, TimeEntry, Timer
from margin.timesheets.notices import notify_rejected
from margin.timesheets.queries import day_minutes, locked_through, locks_by_company, projects_approved_by
from margin.timesheets.signals import period_closing

ENTRY_FIELDS = [
    "project",
    "task",
    "person",
    "work_date",
    "minutes",
    "billable",
    "category",
    "billable_minutes",
    "note",
    "status",
]
EDITABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)
VALUATION_FIELDS = ["role", "bill_rate", "bill_amount_minor", "cost_rate", "cost_amount_minor"]


def _today() -> date:
    return timezone.localdate()


def _max_future_days(company: Company | None = None) -> int:
    """How far ahead a date may be: the company's policy, else the installation's default."""
    if company is not None and company.max_future_days is not None:
        return int(company.max_future_days)
    default: Any = settings.MARGIN["MAX_FUTURE_DAYS"]
    return int(default)


def effective_max_future_days(company: Company) -> int:
    return _max_future_days(company)


def _policy(person: Person) -> Company:
    """The time policy that applies to a person: their employer's."""
    return Company.objects.get(pk=person.company_id)


def may_log_for(viewer: Viewer, person: Person) -> bool:
    """Logging, changing and submitting someone else's time: administrators, and members given the
    permission (Membership.can_log_for_others) for the people of their companies."""
    if person.pk == viewer.person_id:
        return True
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        return False
    return viewer.is_admin or viewer.can_log_for_others


def may_log_for_ids(viewer: Viewer, person_ids: set[int]) -> set[int]:
    """Of these people, those the viewer may log time for (`may_log_for`, for many at once)."""
    own = {viewer.person_id} & person_ids if viewer.person_id is not None else set()
    if not (viewer.is_admin or viewer.can_log_for_others):
        return own
    others = Person.objects.filter(
        id__in=person_ids, organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
    ).values_list("id", flat=True)
    return own | set(others)


def _resolve_person(viewer: Viewer, person: Person | None) -> Person:
    if person is None:
        if viewer.person_id is None:
            raise Invalid("You have no person record to log time as.", field="person")
        return Person.objects.get(pk=viewer.person_id)
    if person.pk == viewer.person_id:
        return person
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    if not may_log_for(viewer, person):
        raise Forbidden(
            "You may not log time for someone else: that needs an administrator or the permission "
            "to log time for others."
        )
    return person


def check_period_open(company_id: int, *days: date) -> None:
    """The one check that a company's closed period is not touched: every write on time calls it
    (create, change, delete, the week grid, submit, approve, reject, import)."""
    through = locked_through(company_id)
    if through is None or not days:
        return
    name = Company.objects.values_list("name", flat=True).get(pk=company_id)
    rules.check_period_open(min(days), locked_through=through, company_name=name)


def _check_policy(*, project: Project, person: Person, work_date: date, note: str, company: Company) -> None:
    """The company's and project's rules for one entry (besides minutes, day total and the lock)."""
    rules.check_work_date(work_date, today=_today(), max_future_days=_max_future_days(company))
    rules.check_start_date(work_date, start_date=person.start_date, person_name=person.name)
    rules.check_note(note, required=project.notes_required, project_code=project.code)


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


def _check_editable(entry: TimeEntry, *, approved_too: bool = False) -> None:
    """Draft and rejected entries can be changed; an approved one that is not billed can be changed
    (`approved_too`: it then goes back for approval); submitted and billed ones cannot."""
    # Billed time is always approved, so the status check alone would refuse it; the billed check
    # first gives the precise reason.
    if entry.status == EntryStatus.APPROVED and _is_billed(entry):
        raise Conflict("This entry is billed and can no longer be changed.")
    if entry.status in EDITABLE or (approved_too and entry.status == EntryStatus.APPROVED):
        return
    raise Conflict(f"This entry is {entry.get_status_display().lower()} and can no longer be changed.")


def _check_own_or_admin(viewer: Viewer, entry: TimeEntry) -> None:
    if entry.organisation_id != viewer.organisation_id or entry.company_id not in viewer.company_ids:
        raise NotFound("No such time entry.")
    if entry.person_id != viewer.person_id and not may_log_for(viewer, entry.person):
        raise Forbidden(
            "Only the person who logged this entry may change it "
            "(or an administrator, or someone allowed to log time for others)."
        )


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
    category: str = "work",
) -> TimeEntry:
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    rules.check_category(category)
    billable = rules.billable_in(
        category, (task.billable if task is not None else True) if billable is None else billable
    )
    who = _resolve_person(viewer, person)
    _check_target(project, task, who)
    rules.check_minutes(minutes)
    policy = _policy(who)
    note = clean_text(note, field="note", max_length=2000)
    _check_policy(project=project, person=who, work_date=work_date, note=note, company=policy)
    check_period_open(project.company_id, work_date)
    # Lock the person's row so two requests cannot both pass the 24-hour check for the same day.
    Person.objects.select_for_update().filter(pk=who.pk).first()
    rules.check_day_total(
        already_minutes=day_minutes(who.pk, work_date),
        new_minutes=minutes,
        work_date=work_date,
        limit=policy.max_day_minutes,
    )
    entry = TimeEntry.objects.create(
        organisation_id=project.organisation_id,
        company_id=project.company_id,
        project=project,
        task=task,
        person=who,
        work_date=work_date,
        minutes=minutes,
        billable=billable,
        category=category,
        billable_minutes=_billable_minutes_of(project.pk, minutes, billable=billable),
        note=note,
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
    """Change a draft or rejected entry (a rejected one goes back to draft), or an approved one that
    is not billed: that one goes back to `submitted` for approval again, its valuation cleared."""
    entry = (
        TimeEntry.objects.select_for_update(of=("self",)).select_related("project", "task", "person").get(pk=entry.pk)
    )
    _check_own_or_admin(viewer, entry)
    _check_editable(entry, approved_too=True)
    check_period_open(entry.company_id, entry.work_date)
    reapproval = entry.status == EntryStatus.APPROVED
    before = audit.snapshot(entry, ENTRY_FIELDS)
    if reapproval:
        before.update(audit.snapshot(entry, VALUATION_FIELDS))
    allowed = {"task", "work_date", "minutes", "billable", "note", "category"}
    for name, value in changes.items():
        if name not in allowed:
            raise Invalid(f"{name} cannot be changed on a time entry.", field=name)
        if name == "note":
            value = clean_text(str(value or ""), field="note", max_length=2000)
        if name == "category":
            value = rules.check_category(str(value))
        setattr(entry, name, value)
    entry.billable = rules.billable_in(entry.category, bool(entry.billable))
    if reapproval and audit.snapshot(entry, ENTRY_FIELDS) == {k: before[k] for k in ENTRY_FIELDS}:
        return entry  # nothing changed: an approved entry stays approved
    _check_target(entry.project, entry.task, entry.person)
    rules.check_minutes(entry.minutes)
    entry.billable_minutes = _billable_minutes_of(entry.project_id, entry.minutes, billable=entry.billable)
    policy = _policy(entry.person)
    _check_policy(
        project=entry.project, person=entry.person, work_date=entry.work_date, note=entry.note, company=policy
    )
    check_period_open(entry.company_id, entry.work_date)
    Person.objects.select_for_update().filter(pk=entry.person_id).first()
    rules.check_day_total(
        already_minutes=day_minutes(entry.person_id, entry.work_date, exclude_ids=[entry.pk]),
        new_minutes=entry.minutes,
        work_date=entry.work_date,
        limit=policy.max_day_minutes,
    )
    if reapproval:
        # Back for approval: the old valuation no longer describes the entry (approval values it again).
        entry.status = EntryStatus.SUBMITTED
        entry.submitted_at = timezone.now()
        entry.decided_at = entry.decided_by = entry.role = entry.bill_rate = entry.cost_rate = None
        entry.bill_amount_minor = entry.cost_amount_minor = 0
    else:
        entry.status = EntryStatus.DRAFT
    entry.save()
    after = audit.snapshot(entry, ENTRY_FIELDS)
    if reapproval:
        after.update(audit.snapshot(entry, VALUATION_FIELDS))
        after["sent_back_for_approval"] = True
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_entry.update",
        obj=entry,
        before=before,
        after=after,
    )
    return entry


@transaction.atomic
def time_entry_delete(*, viewer: Viewer, entry: TimeEntry) -> None:
    entry = TimeEntry.objects.select_for_update(of=("self",)).select_related("person").get(pk=entry.pk)
    _check_own_or_admin(viewer, entry)
    _check_editable(entry)
    check_period_open(entry.company_id, entry.work_date)
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
    *,
    viewer: Viewer,
    task: Task,
    work_date: date,
    minutes: int,
    note: str | None = None,
    person: Person | None = None,
) -> TimeEntry | None:
    """Set one cell of a week grid (task × day) to a total: one draft entry holds it; 0 empties the cell.

    The grid is the viewer's own, or `person`'s for those who may log time for others. A cell holding
    submitted or approved time cannot be changed from the grid.
    """
    who = _resolve_person(viewer, person)
    if minutes < 0:
        raise Invalid("Enter a duration above zero.", field="minutes")
    entries = list(TimeEntry.objects.select_for_update().filter(person_id=who.pk, task=task, work_date=work_date))
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
            viewer=viewer,
            project=task.project,
            task=task,
            work_date=work_date,
            minutes=minutes,
            note=note or "",
            person=who,
        )
    first, *others = entries
    for other in others:  # several drafts in one cell (made through the API) merge into one
        time_entry_delete(viewer=viewer, entry=other)
    changes: dict[str, object] = {"minutes": minutes}
    if note is not None:
        changes["note"] = note
    return time_entry_update(viewer=viewer, entry=first, **changes)


@transaction.atomic
def time_entries_submit(
    *, viewer: Viewer, monday: date | None = None, person: Person | None = None, day: date | None = None
) -> int:
    """Submit every draft or rejected entry of one person's period: the week, or the calendar month
    when their company submits by month, holding `day` (or `monday`, the older name)."""
    who = _resolve_person(viewer, person)
    day = day or monday
    if day is None:
        raise Invalid("Say which period to submit.", field="day")
    period = _policy(who).submit_period
    first, last = rules.submit_period_of(day, period)
    entries = TimeEntry.objects.select_for_update().filter(
        person=who, work_date__range=(first, last), status__in=EDITABLE
    )
    found = list(entries.values_list("id", "status", "company_id", "work_date"))
    if not found:
        raise Invalid(f"There is nothing to submit in this {period}.")
    earliest: dict[int, date] = {}
    for _, _, company_id, work_date in found:
        earliest[company_id] = min(work_date, earliest.get(company_id, work_date))
    for company_id, work_date in earliest.items():
        check_period_open(company_id, work_date)
    states = {pk: state for pk, state, _, _ in found}
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
        .order_by("id")
    )
    if len(entries) != len(set(entry_ids)):
        raise NotFound("Some of these entries do not exist.")
    approved_here = set(
        projects_approved_by(viewer).filter(id__in={e.project_id for e in entries}).values_list("id", flat=True)
    )
    earliest: dict[int, date] = {}
    for entry in entries:
        if entry.project_id not in approved_here:
            if entry.person_id == viewer.person_id or viewer.sees_all_projects or viewer.can_log_for_others:
                # They can see this entry (their own time; finance sees all) but may not decide on it.
                raise Forbidden(
                    "Only the project's manager, their delegate or an administrator may approve or reject time."
                )
            raise NotFound("Some of these entries do not exist.")
        if entry.status != EntryStatus.SUBMITTED:
            raise Conflict(f"Entry {entry.pk} is {entry.get_status_display().lower()}, not submitted.")
        if entry.person_id == viewer.person_id:
            raise Forbidden("You cannot approve or reject your own time.")
        earliest[entry.company_id] = min(entry.work_date, earliest.get(entry.company_id, entry.work_date))
    for company_id, work_date in earliest.items():
        check_period_open(company_id, work_date)
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
            billable_minutes=entry.billable_minutes,
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
    # The person sees why (in the app and by e-mail, sent once this transaction commits).
    notify_rejected(organisation_id=viewer.organisation_id, actor_id=viewer.user_id, entries=entries, reason=reason)
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
            "id", "name", "company_id", "start_date", "organisation_id"
        )
    }
    policies = {c.pk: c for c in Company.objects.filter(id__in={p.company_id for p in people.values()})}
    ahead_of = {company_id: _max_future_days(c) for company_id, c in policies.items()}
    locks = locks_by_company({p.company_id for p in projects.values()})
    company_names = dict(Company.objects.filter(id__in=list(locks)).values_list("id", "name"))
    members = set(
        ProjectMember.objects.filter(project_id__in=projects, person_id__in=people).values_list(
            "project_id", "person_id"
        )
    )
    today = _today()
    day_totals: dict[tuple[int, date], int] = defaultdict(int)
    entries: list[TimeEntry] = []
    new_entry = _entry_maker()
    for number, row in enumerate(rows, start=1):
        project = projects.get(row.project_id)
        if project is None or row.person_id not in people:
            raise NotFound(f"Row {number}: no such project or person.")
        if not may_log_for(viewer, people[row.person_id]):
            raise Forbidden(f"Row {number}: you may not log time for {people[row.person_id].name}.")
        if row.task_id is not None and (row.task_id not in tasks or tasks[row.task_id].project_id != project.pk):
            raise NotFound(f"Row {number}: no such task in project {project.code}.")
        if (project.pk, row.person_id) not in members and project.manager_id != row.person_id:
            raise Forbidden(f"Row {number}: person {row.person_id} is not a member of project {project.code}.")
        try:
            task = tasks[row.task_id] if row.task_id is not None else None
            _check_open(project, task, summary=row.task_id in summaries)
            rules.check_minutes(row.minutes)
            rules.check_category(row.category)
            who = people[row.person_id]
            rules.check_work_date(row.work_date, today=today, max_future_days=ahead_of[who.company_id])
            rules.check_start_date(row.work_date, start_date=who.start_date, person_name=who.name)
            note = clean_text(row.note, field="note", max_length=2000)
            rules.check_note(note, required=project.notes_required, project_code=project.code)
            if project.company_id in locks:
                rules.check_period_open(
                    row.work_date,
                    locked_through=locks[project.company_id],
                    company_name=company_names[project.company_id],
                )
        except (Invalid, Conflict) as error:
            raise type(error)(f"Row {number}: {error.message}", field=error.field, code=error.code) from None
        day_totals[(row.person_id, row.work_date)] += row.minutes
        entries.append(
            new_entry(
                organisation_id=project.organisation_id,
                company_id=project.company_id,
                project_id=project.pk,
                task_id=row.task_id,
                person_id=row.person_id,
                work_date=row.work_date,
                minutes=row.minutes,
                billable=rules.billable_in(row.category, row.billable),
                category=row.category,
                note=note,
                currency=project.currency,
                status=EntryStatus.APPROVED if approved else EntryStatus.DRAFT,
            )
        )
    _set_billable_minutes(entries)
    _check_import_day_totals(day_totals, {pk: policies[p.company_id].max_day_minutes for pk, p in people.items()})
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
    return [entry.pk for entry in entries]


def _entry_maker() -> Callable[..., TimeEntry]:
    """`TimeEntry(**values)` for a large batch, several times faster: Django's constructor resolves
    every keyword and default per instance (2 s for 100,000 rows); positional values in the model's
    field order take its fast path. Missing fields get their defaults, computed once."""
    attnames = [f.attname for f in TimeEntry._meta.concrete_fields]
    defaults = {f.attname: f.get_default() for f in TimeEntry._meta.concrete_fields}

    def make(**values: Any) -> TimeEntry:
        unknown = values.keys() - defaults.keys()
        if unknown:
            raise TypeError(f"TimeEntry has no field {sorted(unknown)[0]!r}")
        return TimeEntry(*[values[a] if a in values else defaults[a] for a in attnames])

    return make


def check_may_import(viewer: Viewer, *, approved: bool) -> None:
    """Who may load time in bulk: approved history bypasses approval, so administrators only."""
    if approved and not viewer.is_admin:
        raise Forbidden("Only an administrator may import time as approved.")


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
    for entry, pk in zip(rest, _reserve_ids(entries[0].pk, len(rest)), strict=True):
        entry.pk = pk
        entry.created_at, entry.updated_at = entries[0].created_at, entries[0].updated_at
    fields: list[Any] = list(TimeEntry._meta.concrete_fields)
    columns = ", ".join(str(f.column) for f in fields)
    table = TimeEntry._meta.db_table
    ops = connection.ops

    def adapter(field: Any) -> Callable[[Any], Any]:
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            # The batch shares its few timestamps (created, decided...): adapt each distinct one once.
            return functools.lru_cache(maxsize=16)(ops.adapt_datetimefield_value)
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
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
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


# --- Period close and approval delegates (issue 4) -------------------------------------------------

PERIOD_LOCK_FIELDS = ["company", "through", "note", "closed_at", "closed_by", "reopened_at", "reopened_by"]


@transaction.atomic
def period_close(*, viewer: Viewer, company: Company, through: date, note: str = "") -> PeriodLock:
    """Close a company's books for time up to `through`, for everyone at once (finance, admins).

    The lock date only moves forward; the earlier close stays in the history beneath it."""
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may close a period.")
    if connection.vendor == "postgresql":
        # Wait for the time writes in flight to commit and hold new ones until the close commits, so no
        # write that checked the lock date before the close lands inside the closed period (the
        # triggers of migration 0006 then see the lock). SQLite already serialises write transactions.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TimeEntry._meta.db_table} IN SHARE MODE")
    period_closing.send(sender=PeriodLock, company_id=company.pk, through=through)
    # Closes of one company queue behind each other.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    rules.check_lock_date(through, today=_today(), standing=locked_through(company.pk))
    lock = PeriodLock.objects.create(
        organisation_id=company.organisation_id,
        company=company,
        through=through,
        note=clean_text(note, field="note", max_length=1000),
        closed_at=timezone.now(),
        closed_by_id=viewer.user_id,
    )
    open_entries = TimeEntry.objects.filter(
        company_id=company.pk, work_date__lte=through, status__in=[*EDITABLE, EntryStatus.SUBMITTED]
    ).count()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.close",
        obj=lock,
        after={"company": company.pk, "through": str(through), "note": lock.note, "unapproved_entries": open_entries},
    )
    return lock


@transaction.atomic
def period_reopen(*, viewer: Viewer, lock: PeriodLock, reason: str) -> PeriodLock:
    """Reopen a close: explicit (with a reason), audited, latest close first (locks stack)."""
    if lock.organisation_id != viewer.organisation_id or lock.company_id not in viewer.company_ids:
        raise NotFound("No such period close.")
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may reopen a period.")
    reason = clean_text(reason, field="reason", max_length=1000, required=True)
    Company.objects.select_for_update().filter(pk=lock.company_id).first()
    lock = PeriodLock.objects.select_for_update().get(pk=lock.pk)
    if lock.reopened_at is not None:
        raise Conflict("This period has been reopened already.")
    standing = locked_through(lock.company_id)
    if standing is not None and standing > lock.through:
        raise Conflict(f"The period up to {standing} is closed after this one; reopen that first.")
    lock.reopened_at = timezone.now()
    lock.reopened_by_id = viewer.user_id
    lock.reopen_reason = reason
    lock.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="period.reopen",
        obj=lock,
        before={"through": str(lock.through), "standing": True},
        after={"through": str(lock.through), "standing": False, "reason": reason},
    )
    return lock


DELEGATE_FIELDS = ["project", "manager", "delegate", "valid_from", "valid_to"]


@transaction.atomic
def approval_delegate_add(
    *,
    viewer: Viewer,
    delegate: Person,
    project: Project | None = None,
    manager: Person | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> ApprovalDelegate:
    """Let `delegate` approve time for one project, or for every project `manager` manages.

    A manager may delegate their own approvals (their projects, or all of them); an administrator
    anyone's. Nobody approves their own time even as a delegate (the approval check refuses it)."""
    if (project is None) == (manager is None):
        raise Invalid("Delegate the approvals of one project or of one manager.", field="project")
    if delegate.organisation_id != viewer.organisation_id or delegate.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    if project is not None:
        if not in_scope(viewer, project):
            raise NotFound("No such project.")
        allowed = viewer.is_admin or project.manager_id == viewer.person_id
        principal_id = project.manager_id
    else:
        assert manager is not None
        if manager.organisation_id != viewer.organisation_id or manager.company_id not in viewer.company_ids:
            raise NotFound("No such person.")
        allowed = viewer.is_admin or manager.pk == viewer.person_id
        principal_id = manager.pk
    if not allowed:
        raise Forbidden("Only the manager or an administrator may delegate these approvals.")
    if delegate.pk == principal_id:
        raise Invalid("The manager approves this time already.", field="delegate")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise Invalid("The delegation must end on or after the day it starts.", field="valid_to")
    row = ApprovalDelegate.objects.create(
        organisation_id=viewer.organisation_id,
        project=project,
        manager=manager,
        delegate=delegate,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="approval_delegate.add",
        obj=row,
        after=audit.snapshot(row, DELEGATE_FIELDS),
    )
    return row


@transaction.atomic
def approval_delegate_remove(*, viewer: Viewer, row: ApprovalDelegate) -> None:
    if row.organisation_id != viewer.organisation_id:
        raise NotFound("No such delegation.")
    principal_id = row.project.manager_id if row.project is not None else row.manager_id
    if not (viewer.is_admin or principal_id == viewer.person_id):
        raise Forbidden("Only the manager or an administrator may remove this delegation.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="approval_delegate.remove",
        obj=row,
        before=audit.snapshot(row, DELEGATE_FIELDS),
    )
    row.delete()


# --- Timer (my week's stopwatch) -------------------------------------------------------------------
# One running timer per person (a unique row per person in the database). Stopping turns it into a
# draft entry of the day it started, through time_entry_create and so through every entry rule.

TIMER_FIELDS = ["person", "project", "task", "note", "started_at"]


def _timer_person(viewer: Viewer) -> Person:
    if viewer.person_id is None:
        raise Invalid("You have no person record to log time as.", field="person")
    # Locking the person's row serialises two tabs starting or stopping at the same moment.
    return Person.objects.select_for_update().get(pk=viewer.person_id)


def _running_text(timer: Timer) -> str:
    where = timer.task.name if timer.task is not None else timer.project.name
    started = timezone.localtime(timer.started_at)
    return f"{where!r} ({timer.project.code}), running since {started:%a %d %b %H:%M}"


def timer_minutes(timer: Timer, now: datetime) -> int:
    """Minutes the timer has run: whole seconds rounded up to the minute (a started minute counts), at least 1."""
    seconds = max(int((now - timer.started_at).total_seconds()), 0)
    return max(1, math.ceil(seconds / 60))


@transaction.atomic
def timer_start(
    *,
    viewer: Viewer,
    project: Project,
    task: Task | None = None,
    note: str = "",
    replace: bool = False,
) -> Timer:
    """Start my timer on a task (or a project). A running timer is refused (409, naming it) unless
    `replace` asks to stop it first, which logs its time like a stop."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    who = _timer_person(viewer)
    _check_target(project, task, who)
    note = clean_text(note, field="note", max_length=2000)
    running = Timer.objects.filter(person=who).select_related("project", "task").first()
    if running is not None:
        if not replace:
            raise Conflict(
                f"Your timer is already running on {_running_text(running)}. Stop it first, or stop and start.",
                code="timer_running",
            )
        _timer_stop_locked(viewer, running)
    timer = Timer.objects.create(
        organisation_id=project.organisation_id,
        person=who,
        project=project,
        task=task,
        note=note,
        started_at=timezone.now(),
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.start",
        obj=timer,
        after=audit.snapshot(timer, TIMER_FIELDS),
    )
    return timer


def _timer_stop_locked(viewer: Viewer, timer: Timer) -> TimeEntry:
    now = timezone.now()
    started_day = timezone.localdate(timer.started_at)
    if now - timer.started_at > timedelta(hours=24):
        raise Invalid(
            f"Your timer on {_running_text(timer)} has run for more than 24 hours. "
            "Discard it and log the time in My week."
        )
    if timezone.localdate(now) != started_day:
        raise Invalid(
            f"Your timer on {_running_text(timer)} ran past midnight, and one entry cannot span two days. "
            "Discard it and log the time of each day in My week."
        )
    entry = time_entry_create(
        viewer=viewer,
        project=timer.project,
        task=timer.task,
        work_date=started_day,
        minutes=timer_minutes(timer, now),
        note=timer.note,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.stop",
        obj=timer,
        before=audit.snapshot(timer, TIMER_FIELDS),
        after={"time_entry": entry.pk, "minutes": entry.minutes},
    )
    timer.delete()
    return entry


@transaction.atomic
def timer_stop(*, viewer: Viewer) -> TimeEntry:
    """Stop my timer: its minutes (rounded up, at least 1) become a draft entry for the day it started."""
    who = _timer_person(viewer)
    timer = Timer.objects.filter(person=who).select_related("project", "task").first()
    if timer is None:
        raise NotFound("No timer is running.")
    return _timer_stop_locked(viewer, timer)


@transaction.atomic
def timer_discard(*, viewer: Viewer) -> None:
    """Throw my running timer away without logging anything."""
    who = _timer_person(viewer)
    timer = Timer.objects.filter(person=who).first()
    if timer is None:
        raise NotFound("No timer is running.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.discard",
        obj=timer,
        before=audit.snapshot(timer, TIMER_FIELDS),
    )
    timer.delete()


# --- billable minutes (helper F): worked minutes rounded to the billing increment -------------------


def _billable_minutes_of(project_id: int, minutes: int, *, billable: bool) -> int:
    increment = billing_increments_by_project([project_id]).get(project_id, EXACT) if billable else EXACT
    return round_to_increment(minutes, increment, billable=billable)


def _set_billable_minutes(entries: Sequence[TimeEntry]) -> None:
    """Each entry's billable minutes from its project's increment (one query for all the projects)."""
    increments = billing_increments_by_project({e.project_id for e in entries if e.billable})
    for entry in entries:
        entry.billable_minutes = round_to_increment(
            entry.minutes, increments.get(entry.project_id, EXACT), billable=entry.billable
        )
