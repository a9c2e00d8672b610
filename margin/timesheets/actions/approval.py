"""Deciding on submitted time: approve (valuing the entries) and reject."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.contracts.pricing import CardRate, rate_applying
from margin.contracts.queries import bill_rates_by_project
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.models import Project
from margin.rates.queries import cost_rates_by_person
from margin.rates.rules import DatedRate, Timeline, latest_on
from margin.timesheets import rules
from margin.timesheets.actions.policy import check_period_open
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.notices import notify_rejected
from margin.timesheets.queries import projects_approved_by


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


# What approval writes on each entry besides clearing the rejection reason.
VALUATION_COLUMNS = (
    "status",
    "decided_at",
    "decided_by_id",
    "role_id",
    "bill_rate",
    "bill_amount_minor",
    "cost_rate",
    "cost_amount_minor",
)


def _write_valuations(entries: Sequence[TimeEntry]) -> None:
    """Write the decision and valuation of every entry in one round trip: on PostgreSQL one UPDATE from
    arrays (one statement, so the running totals' trigger fires once, ADR 0022), on SQLite one executemany."""
    table = TimeEntry._meta.db_table
    columns = VALUATION_COLUMNS
    if connection.vendor == "postgresql":
        types = ("text", "timestamptz", "integer", "bigint", "numeric", "bigint", "numeric", "bigint")
        arrays = ", ".join(f"%s::{kind}[]" for kind in ("bigint", *types))
        assignments = ", ".join(f"{c} = v.{c}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments}, rejection_reason = '' "  # noqa: S608
                f"FROM unnest({arrays}) AS v(id, {', '.join(columns)}) WHERE t.id = v.id",
                [[e.pk for e in entries], *([getattr(e, c) for e in entries] for c in columns)],
            )
        return
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
        cursor.executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)}, rejection_reason = '' "  # noqa: S608
            "WHERE id = %s",
            params,
        )


def value_entries(entries: Sequence[TimeEntry]) -> None:
    """Fill the valuation snapshot of each entry in memory (rates read once for the whole batch).

    Each entry is valued by `rules.value_entry` with the one bill row and the one cost row that apply to
    it, found through a `Timeline` of each rule (the rule evaluated at every date a rate starts, then
    bisected); entries that look alike — same minutes, rates and role — share one valuation. A batch of
    100,000 imported entries is valued in a fraction of a second that way, with the same rule and messages.
    """
    bill_rates = bill_rates_by_project({e.project_id for e in entries})
    cost_rates = cost_rates_by_person({e.person_id for e in entries})
    people = {p.pk: p for p in Person.objects.filter(id__in={e.person_id for e in entries}).select_related("role")}
    codes = dict(Project.objects.filter(id__in={e.project_id for e in entries}).values_list("id", "code"))
    bill_timelines: dict[tuple[int, int, int | None], Timeline[CardRate]] = {}
    cost_timelines: dict[int, Timeline[DatedRate]] = {}
    alike: dict[tuple[object, ...], rules.Valuation] = {}
    for entry in entries:
        person_id = entry.person_id
        person = people[person_id]
        role_id = person.role_id
        key = (entry.project_id, person_id, role_id)
        timeline = bill_timelines.get(key)
        if timeline is None:
            timeline = bill_timelines[key] = _bill_timeline(bill_rates.get(entry.project_id, []), person)
        costs = cost_timelines.get(person_id)
        if costs is None:
            costs = cost_timelines[person_id] = _cost_timeline(cost_rates.get(person_id, []))
        bill = timeline.on(entry.work_date)
        cost = costs.on(entry.work_date)
        # What a valuation reads besides names and dates (which only its messages use).
        same = (
            entry.minutes,
            entry.billable_minutes,
            entry.billable,
            entry.currency,
            role_id,
            bill.rate if bill is not None else None,
            (cost.rate, cost.currency) if cost is not None else None,
        )
        valuation = alike.get(same)
        if valuation is None:
            # Errors (no rate, a rate in another currency) are raised here, naming this entry's day.
            valuation = rules.value_entry(
                minutes=entry.minutes,
                billable_minutes=entry.billable_minutes,
                billable=entry.billable,
                work_date=entry.work_date,
                person_id=person_id,
                person_name=person.name,
                role_id=role_id,
                currency=entry.currency,
                bill_rates=[bill] if bill is not None else [],
                cost_rates=[cost] if cost is not None else [],
                project_code=codes.get(entry.project_id, ""),
                role_name=person.role.name,
            )
            alike[same] = valuation
        entry.role_id = valuation.role_id
        entry.bill_rate = valuation.bill_rate
        entry.bill_amount_minor = valuation.bill_amount_minor
        entry.cost_rate = valuation.cost_rate
        entry.cost_amount_minor = valuation.cost_amount_minor


def _bill_timeline(rates: list[CardRate], person: Person) -> Timeline[CardRate]:
    """The bill rate row that prices an hour of `person` on the project whose card rows are `rates`, by date."""
    return Timeline(
        (r.valid_from for r in rates),
        lambda day: rate_applying(rates, person_id=person.pk, role_id=person.role_id, day=day),
    )


def _cost_timeline(rates: list[DatedRate]) -> Timeline[DatedRate]:
    """The person's cost rate row, by date."""
    return Timeline((r.valid_from for r in rates), lambda day: latest_on(rates, day))


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
