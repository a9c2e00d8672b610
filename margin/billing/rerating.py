"""Re-rating: value a contract's approved, unbilled time again at the rates its cards say now.

An approved entry keeps the rate it was valued at (its snapshot), so a rate changed later does not move
it by itself. After a rate change with an effective date, finance previews what the cards now say for
the contract's approved time from that date that no invoice has taken (per entry and in total), then
applies it: those entries are valued again, each change audited. Billed time never changes (the database
refuses it too), and the contract is locked while applying, so an invoice run of the same contract waits
and then prices the new values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from margin.accounts.queries import Viewer
from margin.billing.access import require_finance
from margin.billing.ready import time_unbilled
from margin.contracts.models import Contract
from margin.contracts.pricing import rate_applying
from margin.contracts.queries import bill_rates_by_project
from margin.core import audit
from margin.core.errors import Invalid, NotFound
from margin.rates.rules import value_of_minutes
from margin.timesheets.models import TimeEntry


@dataclass(frozen=True)
class Rerated:
    entry_id: int
    project_id: int
    person_name: str
    work_date: date
    billable_minutes: int
    old_rate: Decimal | None
    new_rate: Decimal | None
    old_minor: int
    new_minor: int

    @property
    def change_minor(self) -> int:
        return self.new_minor - self.old_minor


@dataclass(frozen=True)
class Rerating:
    contract_id: int
    since: date
    currency: str
    rows: list[Rerated]  # only the entries whose value changes

    @property
    def old_minor(self) -> int:
        return sum(r.old_minor for r in self.rows)

    @property
    def new_minor(self) -> int:
        return sum(r.new_minor for r in self.rows)

    @property
    def change_minor(self) -> int:
        return self.new_minor - self.old_minor


def _check(viewer: Viewer, contract: Contract) -> None:
    if contract.organisation_id != viewer.organisation_id or contract.company_id not in viewer.company_ids:
        raise NotFound("No such contract.")


def rerating_preview(*, viewer: Viewer, contract: Contract, since: date) -> Rerating:
    """What re-rating the contract's approved, unbilled time from `since` would change."""
    _check(viewer, contract)
    project_ids = list(contract.covered.values_list("project_id", flat=True))
    entries = list(
        time_unbilled(project_ids, date.max)
        .filter(work_date__gte=since)
        .select_related("person")
        .order_by("work_date", "id")
    )
    rates = bill_rates_by_project(project_ids)
    rows = []
    for entry in entries:
        row = rate_applying(
            rates.get(entry.project_id, []), person_id=entry.person_id, role_id=entry.role_id, day=entry.work_date
        )
        if row is None:
            raise Invalid(
                f"{entry.person.name}'s time on {entry.work_date.isoformat()} would have no bill rate: add one before "
                "re-rating.",
                field="since",
            )
        new_minor = value_of_minutes(entry.billable_minutes, row.rate, entry.currency).to_minor()
        if row.rate != entry.bill_rate or new_minor != entry.bill_amount_minor:
            rows.append(
                Rerated(
                    entry.pk,
                    entry.project_id,
                    entry.person.name,
                    entry.work_date,
                    entry.billable_minutes,
                    entry.bill_rate,
                    row.rate,
                    entry.bill_amount_minor,
                    new_minor,
                )
            )
    return Rerating(contract.pk, since, contract.company.base_currency, rows)


@transaction.atomic
def rerating_apply(*, viewer: Viewer, contract: Contract, since: date) -> Rerating:
    """Re-rate the contract's approved, unbilled time from `since`; returns what changed. Finance's: anyone
    who reads the contract (its projects' managers too) may preview."""
    _check(viewer, contract)
    require_finance(viewer)
    contract = Contract.objects.select_for_update(of=("self",)).select_related("company").get(pk=contract.pk)
    preview = rerating_preview(viewer=viewer, contract=contract, since=since)
    if not preview.rows:
        return preview
    locked = {
        e.pk: e
        for e in TimeEntry.objects.select_for_update().filter(id__in=[r.entry_id for r in preview.rows]).order_by("id")
    }
    for row in preview.rows:
        entry = locked[row.entry_id]
        entry.bill_rate = row.new_rate
        entry.bill_amount_minor = row.new_minor
    TimeEntry.objects.bulk_update(list(locked.values()), ["bill_rate", "bill_amount_minor"], batch_size=1000)
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="time.rerate",
        changes=[
            audit.Change(
                "timesheets.timeentry",
                r.entry_id,
                {"bill_rate": f"{r.old_rate}", "bill_amount_minor": r.old_minor},
                {"bill_rate": f"{r.new_rate}", "bill_amount_minor": r.new_minor, "contract": contract.reference},
            )
            for r in preview.rows
        ],
    )
    return preview
