"""Drafting invoices from contracts: the ready-to-bill queue written as draft invoices, in one transaction.

Each contract's items become one invoice per project or one for the whole contract (the contract says
which), in the contract's currency (converted from the company's with a dated rate no older than the
company allows, kept on the invoice), each line taxed by its billing line's tax code or the contract's,
with a tax summary per rate rounded as the company says. What each line billed is linked to it in tables
whose primary key is the thing billed (an entry, an expense line, an instalment; a retainer period is
unique per part), so nothing is ever billed twice, even by two runs at the same moment: the contracts
are locked in id order first, and the keys are the backstop.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.billing import staging
from margin.billing.models import (
    BilledExpense,
    BilledInstalment,
    BilledPeriod,
    BilledTime,
    HoldReason,
    Invoice,
    InvoiceLine,
    InvoiceTaxRow,
    LineKind,
    TimeHold,
)
from margin.billing.ready import Item, Ready, ready_to_bill
from margin.contracts import taxes
from margin.contracts.models import BillingLine, Contract, InvoiceGrouping, TaxCode
from margin.core import audit
from margin.core.errors import Conflict, Invalid
from margin.rates.queries import exchange_rate_find
from margin.rates.rules import convert_minor
from margin.timesheets.models import EntryStatus, TimeEntry

INVOICE_FIELDS = [
    "status",
    "number",
    "issue_date",
    "due_date",
    "net_minor",
    "tax_minor",
    "total_minor",
    "total_minutes",
]
PRICE = Decimal("0.0001")


@dataclass(frozen=True)
class Conversion:
    """From the currency time is valued in to the invoice's, and from the invoice's to the company's."""

    source: str
    target: str
    rate: Decimal  # 1 source = rate target
    to_company: Decimal  # 1 invoice currency unit = to_company company units
    day: date | None

    def minor(self, amount_minor: int) -> int:
        return amount_minor if self.rate == 1 else convert_minor(amount_minor, self.source, self.target, self.rate)

    def price(self, price: Decimal) -> Decimal:
        return price if self.rate == 1 else (price * self.rate).quantize(PRICE)


def conversion_for(company: Company, source: str, target: str, day: date) -> Conversion:
    """The dated rate for an invoice in `target` of time valued in `source`, refused when the newest
    quote is older than the company allows (a 2019 rate is never used for a 2022 invoice)."""
    if source == target and target == company.base_currency:
        return Conversion(source, target, Decimal(1), Decimal(1), None)
    found = exchange_rate_find(company.organisation_id, source, target, day)
    to_company = exchange_rate_find(company.organisation_id, target, company.base_currency, day)
    for quote in (found, to_company):
        if quote.day is not None and (day - quote.day).days > company.max_exchange_rate_age_days:
            raise Invalid(
                f"The newest {quote.from_currency}→{quote.to_currency} rate on or before {day.isoformat()} is from "
                f"{quote.day.isoformat()}, {(day - quote.day).days} days earlier; {company.name} accepts rates at most "
                f"{company.max_exchange_rate_age_days} days old for invoices. Import the ECB rates or enter a rate "
                "under Exchange rates.",
                field="currency",
                code="exchange_rate_too_old",
            )
    days = [q.day for q in (found, to_company) if q.day is not None]
    return Conversion(source, target, found.rate, to_company.rate, min(days) if days else None)


@dataclass(frozen=True)
class Tax:
    code_id: int | None
    category: str
    rate: Decimal


NO_TAX = Tax(None, "", Decimal(0))


def _tax_of(code: TaxCode | None) -> Tax:
    if code is None:
        return NO_TAX
    return Tax(code.pk, taxes.category_of(code.kind), Decimal(code.rate))


def tax_rows_of(lines: list[InvoiceLine], *, currency: str, method: str) -> taxes.TaxSummary:
    """The tax summary of a document's lines (those with a tax category)."""
    return taxes.tax_summary(
        [
            taxes.TaxableLine(key=n, net_minor=line.amount_minor, category=line.tax_category, rate=line.tax_rate)
            for n, line in enumerate(lines)
            if line.tax_category
        ],
        currency=currency,
        method=method,
    )


def apply_tax(invoice: Invoice, lines: list[InvoiceLine]) -> list[InvoiceTaxRow]:
    """Set each line's tax and the invoice's net, tax and total from its lines; the tax rows to store."""
    summary = tax_rows_of(lines, currency=invoice.currency, method=invoice.tax_rounding)
    for n, line in enumerate(lines):
        line.tax_minor = summary.line_tax_minor.get(n, 0)
    invoice.net_minor = sum(line.amount_minor for line in lines)
    invoice.tax_minor = summary.tax_total_minor
    invoice.total_minor = invoice.net_minor + invoice.tax_minor
    invoice.total_minutes = sum(line.minutes for line in lines)
    return [
        InvoiceTaxRow(
            invoice=invoice,
            category=row.category,
            rate=row.rate,
            taxable_minor=row.basis_minor,
            tax_minor=row.tax_minor,
            exemption_reason=(exemption.reason if (exemption := taxes.exemption_for(row.category)) else ""),
        )
        for row in summary.rows
    ]


@dataclass
class _Draft:
    contract: Contract
    project_id: int | None
    items: list[Item]
    conversion: Conversion
    plain: bool


def _drafts_of(ready: Ready, conversion: Conversion, *, project_id: int | None) -> list[_Draft]:
    items = [i for i in ready.items if project_id is None or i.project_id == project_id]
    if not items:
        return []
    plain = all(not i.entry_ids for i in items if i.kind == LineKind.TIME) and not any(
        i.kind == LineKind.USAGE for i in items
    )
    if ready.contract.invoice_grouping == InvoiceGrouping.PER_CONTRACT and project_id is None:
        projects = {i.project_id for i in items}
        only = next(iter(projects)) if len(projects) == 1 else None
        return [_Draft(ready.contract, only, items, conversion, plain)]
    by_project: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_project[item.project_id].append(item)
    return [_Draft(ready.contract, p, by_project[p], conversion, plain) for p in sorted(by_project)]


_ORDER = {kind: n for n, kind in enumerate(LineKind.values)}


def _in_order(items: list[Item]) -> list[Item]:
    """A draft's items in the order of its lines: by kind, project, description, then rate (two lines of one
    task and role at two rates read in rate order, whatever order the grouping returned them in)."""
    return sorted(items, key=lambda i: (_ORDER[i.kind], i.project_id, i.description, i.unit_price))


def _line_of(invoice: Invoice, item: Item, position: int, tax: Tax, conversion: Conversion) -> InvoiceLine:
    amount = conversion.minor(item.amount_minor)
    return InvoiceLine(
        invoice=invoice,
        position=position,
        kind=item.kind,
        project_id=item.project_id,
        billing_line_id=item.billing_line_id,
        task_id=item.task_id,
        role_id=item.role_id,
        description=item.description[:400],
        minutes=item.minutes,
        quantity=item.quantity,
        unit=item.unit,
        unit_price=conversion.price(item.unit_price),
        # The entries' own rate (the key that links them to the line), in the currency they were valued in.
        hourly_rate=item.unit_price if item.kind == LineKind.TIME else Decimal(0),
        amount_minor=amount,
        standard_minor=amount,
        time_value_minor=item.time_value_minor,
        period_start=item.period_start,
        period_end=item.period_end,
        tax_code_id=tax.code_id,
        tax_category=tax.category,
        tax_rate=tax.rate,
    )


def draft_invoices(
    viewer: Viewer, contracts: list[Contract], up_to: date, *, project_id: int | None = None
) -> list[Invoice]:
    """Draft the contracts' ready-to-bill items as invoices. Runs inside the caller's transaction."""
    if not contracts:
        return []
    # Lock the contracts in id order (two runs cannot deadlock): a second run waits here, then finds the
    # first one's work billed. The billed-thing keys are the backstop.
    locked = list(
        Contract.objects.select_for_update(of=("self",))
        .filter(id__in=[c.pk for c in contracts])
        .select_related("company", "tax_code", "client")
        .order_by("id")
    )
    # On PostgreSQL the unbilled time is read once, into a stage the linking reads again (billing.staging).
    staged = connection.vendor == "postgresql"
    queue = ready_to_bill(locked, up_to, stage=staged)
    billing_lines = {
        line.pk: line for line in BillingLine.objects.filter(contract__in=locked).select_related("tax_code")
    }
    drafts: list[_Draft] = []
    for contract in locked:
        ready = queue[contract.pk]
        if not ready.items and not ready.over_cap:
            continue
        source = contract.company.base_currency
        conversion = conversion_for(contract.company, source, contract.currency, up_to) if ready.items else None
        if conversion is not None:
            drafts += _drafts_of(ready, conversion, project_id=project_id)
        _hold_over_cap(viewer, ready, project_id)
    if not drafts:
        return []
    # Lines and totals are worked out before anything is written, so each invoice is inserted once,
    # complete (an UPDATE of a hundred totals after the fact cost a tenth of the run).
    invoices: list[Invoice] = []
    lines_of: list[list[InvoiceLine]] = []
    tax_rows: list[InvoiceTaxRow] = []
    for draft in drafts:
        invoice = Invoice(
            organisation_id=draft.contract.organisation_id,
            company_id=draft.contract.company_id,
            client_id=draft.contract.client_id,
            contract=draft.contract,
            project_id=draft.project_id,
            currency=draft.contract.currency,
            company_currency=draft.contract.company.base_currency,
            exchange_rate=draft.conversion.to_company,
            exchange_rate_date=draft.conversion.day,
            tax_rounding=draft.contract.company.tax_rounding,
            buyer_reference=draft.contract.client_reference or draft.contract.reference,
            period_end=up_to,
            created_by_id=viewer.user_id,
        )
        lines = []
        for n, item in enumerate(_in_order(draft.items)):
            line = billing_lines.get(item.billing_line_id or 0)
            code = (line.tax_code if line is not None else None) or draft.contract.tax_code
            lines.append(_line_of(invoice, item, n, _tax_of(code), draft.conversion))
        tax_rows += apply_tax(invoice, lines)
        invoices.append(invoice)
        lines_of.append(lines)
    Invoice.objects.bulk_create(invoices)
    # The invoices have their keys now; the lines and tax rows built against them take them on save.
    InvoiceLine.objects.bulk_create([line for lines in lines_of for line in lines], batch_size=2000)
    InvoiceTaxRow.objects.bulk_create(tax_rows)
    _link(invoices, drafts, lines_of, up_to, staged=staged)
    _audit(viewer, invoices, drafts, up_to)
    return invoices


def _hold_over_cap(viewer: Viewer, ready: Ready, project_id: int | None) -> None:
    """Time over a cap waits for a decision: bill it or write it off."""
    held = [h for h in ready.over_cap if project_id is None or h.project_id == project_id]
    if held:
        TimeHold.objects.bulk_create(
            [
                TimeHold(
                    time_entry_id=h.entry_id,
                    reason=HoldReason.OVER_CAP,
                    billing_line_id=h.billing_line_id,
                    decided_by_id=viewer.user_id,
                )
                for h in held
            ]
        )


def _link(
    invoices: list[Invoice], drafts: list[_Draft], lines_of: list[list[InvoiceLine]], up_to: date, *, staged: bool
) -> None:
    """Tie each line to what it billed. Primary keys make a second billing fail instead of happen."""
    expenses, instalments, periods, times = [], [], [], []
    plain: list[Invoice] = []
    plain_entries = 0
    for invoice, draft, lines in zip(invoices, drafts, lines_of, strict=True):
        for item, line in zip(_in_order(draft.items), lines, strict=True):
            if item.expense_line_id is not None:
                expenses.append(BilledExpense(expense_line_id=item.expense_line_id, line_id=line.pk))
            if item.instalment_id is not None:
                instalments.append(BilledInstalment(instalment_id=item.instalment_id, line_id=line.pk))
            if item.retainer_part and item.billing_line_id and item.period_start:
                periods.append(
                    BilledPeriod(
                        billing_line_id=item.billing_line_id,
                        period_start=item.period_start,
                        part=item.retainer_part,
                        line_id=line.pk,
                    )
                )
            times += [BilledTime(time_entry_id=e, line_id=line.pk) for e in item.entry_ids]
            if item.kind == LineKind.TIME and not item.entry_ids:
                plain_entries += item.entries
        if draft.plain and any(i.kind == LineKind.TIME for i in draft.items):
            plain.append(invoice)
    try:
        with transaction.atomic():
            BilledExpense.objects.bulk_create(expenses, batch_size=2000)
            BilledInstalment.objects.bulk_create(instalments)
            BilledPeriod.objects.bulk_create(periods)
            BilledTime.objects.bulk_create(times, batch_size=2000)
    except IntegrityError:
        raise Conflict("Some of this work was invoiced at the same moment by someone else; try again.") from None
    link = staging.link_staged if staged else _link_plain_time
    taken = link([i.pk for i in plain], up_to) if plain else 0
    if taken != plain_entries:
        # Time changed between our read and our write (it cannot while we hold the contract locks, unless
        # a writer skipped them): refuse rather than bill a different set than we priced.
        raise Conflict("Time on these projects changed while the invoices were drafted; try again.")


# SQLite: every unbilled, approved, billable entry of the new invoices' lines' projects up to the date,
# matched to the time line of its project, task, role and rate, unless held or written off (read through
# the covering index, ADR 0024; PostgreSQL links the entries it staged, billing.staging). Plain equalities,
# run once for time on a task and once for time without one. Approved time always has a role (valuation
# sets it), so the role needs no NULL case.
_MATCH_TIME = """
    SELECT e.id, l.id
    FROM {line} l
    JOIN {entry} e ON e.project_id = l.project_id AND {task_match}
        AND e.role_id = l.role_id AND e.bill_rate = l.hourly_rate
    WHERE l.invoice_id IN ({invoice_ids}) AND l.kind = %s
        AND e.status = %s AND e.billable = %s AND e.work_date <= %s
        AND NOT EXISTS (SELECT 1 FROM {billed} b WHERE b.time_entry_id = e.id)
        AND NOT EXISTS (SELECT 1 FROM {hold} h WHERE h.time_entry_id = e.id AND h.reason <> %s)
"""
_ON_A_TASK = "e.task_id = l.task_id"
_WITHOUT_TASK = "e.task_id IS NULL AND l.task_id IS NULL"


def _link_plain_time(invoice_ids: list[int], up_to: date) -> int:
    """SQLite: link the new invoices' time lines to the entries they price (PostgreSQL links its stage)."""
    params: list[int | str | bool | date] = [
        *invoice_ids,
        LineKind.TIME,
        EntryStatus.APPROVED,
        True,
        up_to,
        HoldReason.BILL_OVER_CAP,
    ]
    billed = BilledTime._meta.db_table
    taken = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for task_match in (_ON_A_TASK, _WITHOUT_TASK):
                select = _MATCH_TIME.format(
                    billed=billed,
                    line=InvoiceLine._meta.db_table,
                    entry=TimeEntry._meta.db_table,
                    hold=TimeHold._meta.db_table,
                    task_match=task_match,
                    invoice_ids=", ".join(["%s"] * len(invoice_ids)),
                )
                cursor.execute(f"INSERT INTO {billed} (time_entry_id, line_id) {select}", params)
                taken += int(cursor.rowcount)
    except IntegrityError:
        raise Conflict("Some of this time was invoiced at the same moment by someone else; try again.") from None
    return taken


def _audit(viewer: Viewer, invoices: list[Invoice], drafts: list[_Draft], up_to: date) -> None:
    changes = []
    for invoice, draft in zip(invoices, drafts, strict=True):
        counts: dict[str, int] = defaultdict(int)
        for item in draft.items:
            counts[item.kind] += 1
        entries = sum(i.entries for i in draft.items if i.kind in (LineKind.TIME, LineKind.USAGE))
        expenses = counts.get(LineKind.EXPENSE, 0)
        changes.append(
            audit.Change(
                "billing.invoice",
                invoice.pk,
                None,
                {
                    **audit.snapshot(invoice, INVOICE_FIELDS),
                    "entries": entries,
                    "period_end": up_to.isoformat(),
                    # Only when expenses were billed, so a time-only draft's row is as before.
                    **({"expenses": expenses} if expenses else {}),
                    "contract": draft.contract.reference,
                    "currency": invoice.currency,
                },
            )
        )
    audit.record_many(
        organisation_id=viewer.organisation_id, actor_id=viewer.user_id, action="invoice.draft", changes=changes
    )
