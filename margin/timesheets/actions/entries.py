"""Writes on single time entries: log, edit, delete, the week grid's cells, submit."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.models import Project, Task
from margin.projects.queries import in_scope
from margin.timesheets import rules
from margin.timesheets.actions.policy import (
    EDITABLE,
    _billable_minutes_of,
    _check_policy,
    _check_target,
    _policy,
    _resolve_person,
    check_period_open,
)
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import day_minutes, may_log_for

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
VALUATION_FIELDS = ["role", "bill_rate", "bill_amount_minor", "cost_rate", "cost_amount_minor"]


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
    # Lock a row that exists (the person): FOR UPDATE on an empty cell locks nothing, so two writes to
    # the same empty cell would each insert an entry. Every write of this person's time queues here.
    Person.objects.select_for_update().filter(pk=who.pk).first()
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
