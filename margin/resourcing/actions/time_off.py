"""Writes of time off: request it, approve or reject it, cancel it. Approved time off lowers capacity at once
(:func:`margin.resourcing.capacity.capacity_by_day` reads it), so the week grid, the inbox, reminders, bookings
and leveling see it on their next read.

Rules, checked on every write (bad input changes nothing):

- who: the person themselves, or someone who may log time for them, requests and cancels
  (:func:`margin.resourcing.queries.time_off.may_request_for`); the line manager, else an administrator,
  decides (:func:`~margin.resourcing.queries.time_off.can_decide`);
- what: the last day on or after the first, at most a year; whole days, or 1 minute to 24 hours a day; inside
  the person's employment; not overlapping another requested or approved time off of theirs;
- **not over approved time**: days on which the person has approved time entries cannot be taken off (the time
  was worked and approved; reject or correct it first). Checked on request and again on approval.

Time entries belong to ``timesheets``, which sits above ``resourcing`` (it reads capacity), so this module may
not import it. It reads the entries through the person's reverse relation ``person.time_entries`` as a values
query — the same arrangement as the plan reaching its assignments through ``task.assignments`` (ADR 0032): every
import arrow keeps pointing down, at the cost of knowing the relation's field names (``work_date``, ``status``
and the status value ``"approved"``), which are stable since the time entry's first migration.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import AccessRole, Membership, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.notifications import Message, notify
from margin.core.text import clean_text
from margin.resourcing.models import TimeOff, TimeOffKind, TimeOffStatus
from margin.resourcing.queries.time_off import OPEN_STATUSES, approver_user_id, can_decide, may_request_for

TIME_OFF_FIELDS = ["person", "kind", "first_day", "last_day", "minutes_per_day", "note", "status", "decision_note"]
MAX_DAYS = 366
TIME_OFF_URL = "/resources/time-off/"
APPROVED_ENTRY = "approved"  # timesheets.models.EntryStatus.APPROVED, read through the relation (see above)


def _span(first: date, last: date) -> str:
    return f"{first:%-d %b %Y}" if first == last else f"{first:%-d %b %Y} to {last:%-d %b %Y}"


def _days_text(days: list[date]) -> str:
    shown = ", ".join(f"{d:%a %-d %b %Y}" for d in days[:5])
    return shown + (f" and {len(days) - 5} more" if len(days) > 5 else "")


def _check_no_approved_time(person: Person, first: date, last: date) -> None:
    days = sorted(
        set(
            person.time_entries.filter(work_date__range=(first, last), status=APPROVED_ENTRY).values_list(
                "work_date", flat=True
            )
        )
    )
    if days:
        raise Conflict(
            f"{person.name} has approved time on {_days_text(days)}; time off cannot cover days with approved "
            "time. Ask for the time to be rejected or corrected first.",
            field="first_day",
        )


def _check_no_overlap(person: Person, first: date, last: date, exclude: int | None = None) -> None:
    others = TimeOff.objects.filter(
        person=person, status__in=OPEN_STATUSES, first_day__lte=last, last_day__gte=first
    ).order_by("first_day")
    if exclude is not None:
        others = others.exclude(pk=exclude)
    other = others.first()
    if other is not None:
        raise Conflict(
            f"{person.name} already has time off {other.get_status_display().lower()} from "
            f"{_span(other.first_day, other.last_day)}; it overlaps {_span(first, last)}.",
            field="first_day",
        )


def _admin_user_ids(organisation_id: int) -> list[int]:
    return list(
        Membership.objects.filter(organisation_id=organisation_id, role=AccessRole.ADMIN, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _snapshot(t: TimeOff) -> dict[str, object]:
    return {
        "person": t.person_id,
        "kind": t.kind,
        "first_day": t.first_day.isoformat(),
        "last_day": t.last_day.isoformat(),
        "minutes_per_day": t.minutes_per_day,
        "status": t.status,
    }


@transaction.atomic
def time_off_request(
    *,
    viewer: Viewer,
    person: Person,
    first_day: date,
    last_day: date,
    kind: str = TimeOffKind.VACATION,
    minutes_per_day: int | None = None,
    note: str = "",
) -> TimeOff:
    """Ask for time off; the approver hears about it in the app."""
    if person.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if not may_request_for(viewer, person):
        raise Forbidden("You may request time off only for yourself, or for people you log time for.")
    if kind not in TimeOffKind.values:
        raise Invalid("Time off is a vacation, sick leave or other.", field="kind")
    if last_day < first_day:
        raise Invalid("The last day of time off is on or after its first day.", field="last_day")
    if (last_day - first_day).days >= MAX_DAYS:
        raise Invalid("Time off is at most a year long; request the rest separately.", field="last_day")
    if minutes_per_day is not None and (type(minutes_per_day) is not int or not 0 < minutes_per_day <= 24 * 60):
        raise Invalid(
            "Hours off per day must be more than 0 and at most 24 (leave empty: whole days).", field="minutes_per_day"
        )
    if person.start_date is not None and first_day < person.start_date:
        raise Invalid(
            f"{person.name} starts on {person.start_date:%-d %b %Y}; time off cannot begin before.", field="first_day"
        )
    if person.end_date is not None and last_day > person.end_date:
        raise Invalid(
            f"{person.name}'s last day is {person.end_date:%-d %b %Y}; time off cannot run past it.", field="last_day"
        )
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one request at a time per person
    _check_no_overlap(person, first_day, last_day)
    _check_no_approved_time(person, first_day, last_day)
    time_off = TimeOff.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        first_day=first_day,
        last_day=last_day,
        minutes_per_day=minutes_per_day,
        note=clean_text(note, field="note", max_length=2000),
        requested_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_off.request",
        obj=time_off,
        after=_snapshot(time_off),
    )
    approver = approver_user_id(person)
    to = [approver] if approver is not None else _admin_user_ids(person.organisation_id)
    text = f"{person.name} asks for time off ({time_off.get_kind_display().lower()}) {_span(first_day, last_day)}."
    notify(
        organisation_id=person.organisation_id,
        messages=[
            Message(user_id=u, kind="time_off.requested", text=text, url=TIME_OFF_URL, key=f"time_off:{time_off.pk}")
            for u in to
            if u != viewer.user_id
        ],
    )
    return time_off


def _locked(time_off: TimeOff) -> TimeOff:
    found = (
        TimeOff.objects.select_for_update(of=("self",))  # PostgreSQL: not the nullable side of the outer joins
        .select_related("person", "person__manager")
        .filter(pk=time_off.pk)
    )
    row = found.first()
    if row is None:
        raise NotFound("No such time off.")
    return row


def _decide(viewer: Viewer, time_off: TimeOff, status: str, note: str) -> TimeOff:
    row = _locked(time_off)
    if row.organisation_id != viewer.organisation_id:
        raise NotFound("No such time off.")
    if not can_decide(viewer, row):
        raise Forbidden("Only the person's line manager, or an administrator, decides their time off.")
    if row.status != TimeOffStatus.REQUESTED:
        raise Conflict(f"This time off is {row.get_status_display().lower()} already.", field="status")
    if status == TimeOffStatus.APPROVED:
        _check_no_approved_time(row.person, row.first_day, row.last_day)
    before = _snapshot(row)
    row.status = status
    row.decided_by_id = viewer.user_id
    row.decided_at = timezone.now()
    row.decision_note = clean_text(note, field="note", max_length=2000)
    row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    verb = "approve" if status == TimeOffStatus.APPROVED else "reject"
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=f"time_off.{verb}",
        obj=row,
        before=before,
        after=_snapshot(row),
    )
    who = Person.objects.filter(pk=viewer.person_id or 0).values_list("name", flat=True).first() or "An administrator"
    done = "approved" if status == TimeOffStatus.APPROVED else "rejected"
    text = f"{who} {done} your time off {_span(row.first_day, row.last_day)}."
    if row.decision_note:
        text += f" “{row.decision_note}”"
    users = {u for u in (row.requested_by_id, row.person.user_id) if u is not None and u != viewer.user_id}
    notify(
        organisation_id=row.organisation_id,
        messages=[
            Message(user_id=u, kind=f"time_off.{done}", text=text, url=TIME_OFF_URL, key=f"time_off:{row.pk}:{verb}")
            for u in sorted(users)
        ],
    )
    return row


@transaction.atomic
def time_off_approve(*, viewer: Viewer, time_off: TimeOff, note: str = "") -> TimeOff:
    """Approve a request: the person's capacity drops on those days at once."""
    return _decide(viewer, time_off, TimeOffStatus.APPROVED, note)


@transaction.atomic
def time_off_reject(*, viewer: Viewer, time_off: TimeOff, note: str = "") -> TimeOff:
    return _decide(viewer, time_off, TimeOffStatus.REJECTED, note)


@transaction.atomic
def time_off_cancel(*, viewer: Viewer, time_off: TimeOff) -> TimeOff:
    """Withdraw a request, or cancel approved time off (which gives the capacity back)."""
    row = _locked(time_off)
    if row.organisation_id != viewer.organisation_id:
        raise NotFound("No such time off.")
    if not may_request_for(viewer, row.person):
        raise Forbidden("Only the person, or whoever logs time for them, cancels their time off.")
    if row.status not in OPEN_STATUSES:
        raise Conflict(f"This time off is {row.get_status_display().lower()} already.", field="status")
    before = _snapshot(row)
    row.status = TimeOffStatus.CANCELLED
    row.save(update_fields=["status"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time_off.cancel",
        obj=row,
        before=before,
        after=_snapshot(row),
    )
    return row
