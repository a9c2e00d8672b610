"""What the documents of the other apps should post, read set-based, as entries to store.

- An issued invoice: debit receivable (the total), credit tax payable (the tax) and revenue by the kind of
  each line (time, fixed fee, progress, retainer, re-billed expenses, other) and project; a credit note the
  same with the signs turned. Issued documents never change, so each posts once.
- A payment: debit bank (what arrived) and bank charges, credit receivable (what it settles: its
  allocations at their invoices' rates, the rest at the payment's), and the difference to realised FX gain
  or loss. Allocations change and payments may be deleted, so a payment posts the difference between what
  it should have posted by now and what it has posted: an adjusting entry, or a full reversal once deleted.
- An approved expense claim: debit the expense account of each line's category, credit what the company
  owes the person; its reimbursement: debit that debt, credit bank.

Entries are dated on their document's date, or on the first open day when that is in a closed period (a
correction lands in the first open period, the closed one stays as it was closed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from margin.accounts.models import Company
from margin.billing.models import Invoice, InvoiceLine, InvoiceStatus
from margin.books.models import ExpenseCategoryAccount, JournalEntry, JournalLine
from margin.books.queries import role_accounts
from margin.books.rules import REVENUE_ROLE_OF_LINE, EntrySpec, LineSpec, Role, Source, convert_minor, convert_parts
from margin.core.errors import Invalid
from margin.expenses.models import ClaimStatus, ExpenseClaim, ExpenseLine
from margin.rates.queries import exchange_rate_find
from margin.receivables.models import Payment, PaymentAllocation


@dataclass
class Pending:
    """The entries a sync would post, and what it cannot post yet (with why)."""

    entries: list[EntrySpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Chart:
    """A company's accounts by role, and each expense category's account."""

    def __init__(self, company: Company) -> None:
        self.by_role = {role: account.pk for role, account in role_accounts(company.pk).items()}
        self.by_category = dict(
            ExpenseCategoryAccount.objects.filter(company_id=company.pk).values_list("category_id", "account_id")
        )

    def role(self, role: str) -> int:
        if role not in self.by_role:
            raise Invalid(f"No account has the role “{role}”: map one in the chart of accounts.", code="no_account")
        return self.by_role[role]

    def category(self, category_id: int) -> int:
        return self.by_category.get(category_id) or self.role(Role.EXPENSES)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    assert isinstance(value, date)
    return value


def _open_day(day: date, first_open: date | None) -> date:
    return day if first_open is None or day >= first_open else first_open


def _first_open(company: Company) -> date | None:
    through = company.locked_through
    return through + timedelta(days=1) if through is not None else None


# --- invoices and credit notes ------------------------------------------------------------------------------


def _invoice_rows(company: Company, up_to: date) -> Iterator[tuple[Any, ...]]:
    """Per unposted issued document, its revenue by line kind and project: one grouped read. A document without
    lines (one imported with its totals only) is one row with no kind: its net is other revenue."""
    invoice, line, entry = Invoice._meta.db_table, InvoiceLine._meta.db_table, JournalEntry._meta.db_table
    sql = f"""
        SELECT i.id, i.kind, i.issue_date, i.number, i.currency, i.exchange_rate, i.client_id, i.contract_id,
               i.total_minor, i.tax_minor, i.net_minor, l.kind, l.project_id, SUM(l.amount_minor)
        FROM {invoice} i LEFT JOIN {line} l ON l.invoice_id = i.id
        WHERE i.company_id = %s AND i.status = %s AND i.issue_date <= %s
          AND NOT EXISTS (SELECT 1 FROM {entry} e WHERE e.source_kind = i.kind AND e.source_id = i.id)
        GROUP BY i.id, i.kind, i.issue_date, i.number, i.currency, i.exchange_rate, i.client_id, i.contract_id,
                 i.total_minor, i.tax_minor, i.net_minor, l.kind, l.project_id
        ORDER BY i.issue_date, i.id, l.kind, l.project_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [company.pk, InvoiceStatus.ISSUED, up_to])
        while rows := cursor.fetchmany(5000):
            yield from rows


def invoices_pending(company: Company, chart: Chart, up_to: date, into: Pending) -> None:
    base = company.base_currency
    first_open = _first_open(company)
    receivable, tax_payable = chart.role(Role.RECEIVABLE), chart.role(Role.TAX_PAYABLE)
    revenue = {kind: chart.role(role) for kind, role in REVENUE_ROLE_OF_LINE.items()}
    current: list[tuple[Any, ...]] = []

    def flush() -> None:
        if not current:
            return
        first = current[0]
        invoice_id, kind, issued, number, currency, rate, client_id, contract_id, total, tax = first[:10]
        rate = Decimal(str(rate))
        # A credit note's amounts are stored positive; one stored with negative amounts is signed already.
        sign = -1 if kind == Source.CREDIT_NOTE and int(total) >= 0 else 1
        total_c = convert_minor(int(total), rate, currency, base)
        tax_c = convert_minor(int(tax), rate, currency, base)
        parts = [int(row[13]) if row[11] is not None else int(row[10]) for row in current]
        parts_c = convert_parts(parts, rate, currency, base, total_c - tax_c)
        what = "Credit note" if kind == Source.CREDIT_NOTE else "Invoice"
        lines = [LineSpec(receivable, sign * total_c, currency, sign * int(total), f"{what} {number}", client_id)]
        if tax:
            lines.append(LineSpec(tax_payable, -sign * tax_c, currency, -sign * int(tax), "Tax"))
        for row, part, part_c in zip(current, parts, parts_c, strict=True):
            if part or part_c:
                lines.append(
                    LineSpec(
                        revenue[row[11] or "manual"],
                        -sign * part_c,
                        currency,
                        -sign * part,
                        f"{what} {number}",
                        project_id=row[12],
                        contract_id=contract_id,
                    )
                )
        lines = [line for line in lines if line.amount_minor or line.amount_currency_minor]
        if len(lines) >= 2:
            into.entries.append(
                EntrySpec(
                    company_id=company.pk,
                    organisation_id=company.organisation_id,
                    date=_open_day(_day(issued), first_open),
                    description=f"{what} {number}",
                    source_kind=kind,
                    source_id=invoice_id,
                    currency=base,
                    lines=[line for line in lines if line.amount_minor],
                )
            )

    for row in _invoice_rows(company, up_to):
        if current and current[0][0] != row[0]:
            flush()
            current = []
        current.append(row)
    flush()


# --- payments -------------------------------------------------------------------------------------------------


def _posted_by_source(company: Company, source_kind: str) -> dict[int, dict[tuple[int, int | None], list[int]]]:
    """What each source has posted so far: per (account, client), [company amount, document amount]."""
    posted: dict[int, dict[tuple[int, int | None], list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    rows = (
        JournalLine.objects.filter(company_id=company.pk, entry__source_kind=source_kind)
        .values_list("entry__source_id", "account_id", "client_id", "amount_minor", "amount_currency_minor")
        .iterator(chunk_size=5000)
    )
    for source_id, account_id, client_id, amount, amount_currency in rows:
        sums = posted[int(source_id or 0)][(account_id, client_id)]
        sums[0] += amount
        sums[1] += amount_currency
    return posted


def _payment_rate(company: Company, payment: Payment) -> Decimal:
    if payment.currency == company.base_currency:
        return Decimal(1)
    return exchange_rate_find(
        company.organisation_id, payment.currency, company.base_currency, payment.received_on
    ).rate


def _payment_lines(
    company: Company, chart: Chart, payment: Payment, allocations: list[tuple[int, Decimal]]
) -> dict[tuple[int, int | None], list[int]]:
    """What a payment should have posted: per (account, client), [company amount, document amount]."""
    base, currency = company.base_currency, payment.currency
    rate = _payment_rate(company, payment)
    want: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0, 0])
    bank = convert_minor(payment.amount_minor, rate, currency, base)
    charges = convert_minor(payment.bank_charges_minor, rate, currency, base)
    want[(chart.role(Role.BANK), None)] = [bank, payment.amount_minor]
    if payment.bank_charges_minor:
        want[(chart.role(Role.BANK_CHARGES), None)] = [charges, payment.bank_charges_minor]
    settled, settled_c = 0, 0
    for amount, invoice_rate in allocations:
        settled += amount
        settled_c += convert_minor(amount, invoice_rate, currency, base)
    rest = payment.settles_minor - settled
    settled_c += convert_minor(rest, rate, currency, base)
    want[(chart.role(Role.RECEIVABLE), payment.client_id)] = [-settled_c, -payment.settles_minor]
    difference = bank + charges - settled_c  # > 0: the bank got more than the receivable carried
    if difference:
        fx = chart.role(Role.FX_GAIN if difference > 0 else Role.FX_LOSS)
        want[(fx, None)] = [-difference, 0]
    return want


def payments_pending(company: Company, chart: Chart, up_to: date, today: date, into: Pending) -> None:
    first_open = _first_open(company)
    posted = _posted_by_source(company, Source.PAYMENT)
    # Every payment of the company: one received after `up_to` is not posted now, but one posted earlier is still
    # there (not deleted) and keeps what it posted.
    payments = {p.pk: p for p in Payment.objects.filter(company_id=company.pk)}
    allocations: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for payment_id, amount, rate in PaymentAllocation.objects.filter(payment_id__in=list(payments)).values_list(
        "payment_id", "amount_minor", "invoice__exchange_rate"
    ):
        allocations[payment_id].append((amount, rate))
    for payment_id in sorted(set(payments) | set(posted)):
        payment = payments.get(payment_id)
        if payment is not None and payment.received_on > up_to and payment_id not in posted:
            continue
        try:
            want = _payment_lines(company, chart, payment, allocations[payment_id]) if payment else {}
        except Invalid as error:
            into.problems.append(f"Payment {payment_id}: {error.message}")
            continue
        had = posted.get(payment_id, {})
        lines = []
        for key in sorted(set(want) | set(had), key=lambda k: (k[0], k[1] or 0)):
            amount = want.get(key, [0, 0])[0] - had.get(key, [0, 0])[0]
            amount_currency = want.get(key, [0, 0])[1] - had.get(key, [0, 0])[1]
            if amount:
                currency = payment.currency if payment else company.base_currency
                lines.append(LineSpec(key[0], amount, currency, amount_currency, client_id=key[1]))
        if not lines:
            continue
        if payment is None:
            day, text = today, f"Payment {payment_id} deleted"
        elif not had:
            day, text = payment.received_on, f"Payment {payment_id} received"
        else:
            day, text = max(payment.received_on, today), f"Payment {payment_id} allocated again"
        into.entries.append(
            EntrySpec(
                company_id=company.pk,
                organisation_id=company.organisation_id,
                date=_open_day(day, first_open),
                description=text,
                source_kind=Source.PAYMENT,
                source_id=payment_id,
                currency=company.base_currency,
                lines=lines,
            )
        )


# --- revaluation of open receivables -------------------------------------------------------------------------


def revaluation(company: Company, chart: Chart, as_of: date) -> EntrySpec | None:
    """The unrealised exchange difference on what clients still owe in other currencies at `as_of`: each open
    foreign invoice's rest, valued at the day's rate instead of the invoice's, per client. None when nothing
    moves. (What a company owes is in its own currency: expense claims are converted when they are made.)"""
    base = company.base_currency
    open_rows = (
        Invoice.objects.filter(company=company, status=InvoiceStatus.ISSUED, issue_date__lte=as_of, kind="invoice")
        .exclude(currency=base)
        .values_list("client_id", "currency", "exchange_rate", "total_minor", "paid_minor", "credited_minor")
    )
    moves: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    rates: dict[str, Decimal] = {}
    for client_id, currency, rate, total, paid, credited in open_rows:
        rest = total - paid - credited
        if rest <= 0:
            continue
        if currency not in rates:
            rates[currency] = exchange_rate_find(company.organisation_id, currency, base, as_of).rate
        carried = convert_minor(rest, Decimal(rate), currency, base)
        now = convert_minor(rest, rates[currency], currency, base)
        moves[(client_id, currency)][0] += now - carried
    receivable, gain, loss = chart.role(Role.RECEIVABLE), chart.role(Role.FX_GAIN), chart.role(Role.FX_LOSS)
    lines = []
    for (client_id, currency), (difference, _) in sorted(moves.items()):
        if difference:
            text = f"Revaluation of {currency} receivables at {rates[currency]}"
            lines.append(LineSpec(receivable, difference, currency, 0, text, client_id=client_id))
            lines.append(LineSpec(gain if difference > 0 else loss, -difference, currency, 0, text))
    if not lines:
        return None
    return EntrySpec(
        company_id=company.pk,
        organisation_id=company.organisation_id,
        date=as_of,
        description=f"Unrealised exchange differences on open receivables at {as_of.isoformat()}",
        source_kind=Source.FX_REVALUATION,
        currency=base,
        lines=lines,
    )


# --- expense claims -------------------------------------------------------------------------------------------


def claims_pending(company: Company, chart: Chart, up_to: date, into: Pending) -> None:
    first_open = _first_open(company)
    base = company.base_currency
    done = {
        (kind, source_id)
        for kind, source_id in JournalEntry.objects.filter(
            company_id=company.pk, source_kind__in=[Source.EXPENSE_CLAIM, Source.REIMBURSEMENT]
        ).values_list("source_kind", "source_id")
    }
    claims = ExpenseClaim.objects.filter(
        company_id=company.pk, status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED], decided_at__isnull=False
    ).select_related("person")
    by_category: dict[int, dict[tuple[int, int | None], int]] = defaultdict(lambda: defaultdict(int))
    for claim_id, category_id, project_id, converted in ExpenseLine.objects.filter(
        claim__company_id=company.pk, claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED]
    ).values_list("claim_id", "category_id", "project_id", "converted_minor"):
        by_category[claim_id][(category_id, project_id)] += converted
    payable, bank = chart.role(Role.EMPLOYEE_PAYABLE), chart.role(Role.BANK)
    for claim in claims.order_by("decided_at", "id"):
        total = sum(by_category[claim.pk].values())
        approved = _day(claim.decided_at)
        if total and (Source.EXPENSE_CLAIM, claim.pk) not in done and approved <= up_to:
            lines = [
                LineSpec(chart.category(category_id), amount, base, amount, claim.title, project_id=project_id)
                for (category_id, project_id), amount in sorted(by_category[claim.pk].items(), key=str)
                if amount
            ]
            lines.append(LineSpec(payable, -total, base, -total, claim.title, person_id=claim.person_id))
            into.entries.append(
                EntrySpec(
                    company_id=company.pk,
                    organisation_id=company.organisation_id,
                    date=_open_day(approved, first_open),
                    description=f"Expense claim “{claim.title}” of {claim.person}",
                    source_kind=Source.EXPENSE_CLAIM,
                    source_id=claim.pk,
                    currency=base,
                    lines=lines,
                )
            )
        if claim.reimbursed_at is None or not total or (Source.REIMBURSEMENT, claim.pk) in done:
            continue
        reimbursed = _day(claim.reimbursed_at)
        if reimbursed > up_to:
            continue
        into.entries.append(
            EntrySpec(
                company_id=company.pk,
                organisation_id=company.organisation_id,
                date=_open_day(reimbursed, first_open),
                description=f"Reimbursement of “{claim.title}” to {claim.person}",
                source_kind=Source.REIMBURSEMENT,
                source_id=claim.pk,
                currency=base,
                lines=[
                    LineSpec(payable, total, base, total, claim.title, person_id=claim.person_id),
                    LineSpec(bank, -total, base, -total, claim.title),
                ],
            )
        )


def pending(company: Company, *, up_to: date, today: date) -> Pending:
    """Everything the company's documents should post up to `up_to` and have not."""
    found = Pending()
    chart = Chart(company)
    readers: list[tuple[str, Callable[[], None]]] = [
        ("invoices", lambda: invoices_pending(company, chart, up_to, found)),
        ("payments", lambda: payments_pending(company, chart, up_to, today, found)),
        ("expense claims", lambda: claims_pending(company, chart, up_to, found)),
    ]
    for name, read in readers:
        try:
            read()
        except Invalid as error:
            found.problems.append(f"{name.capitalize()} were not posted: {error.message}")
    found.entries.sort(key=lambda e: (e.date, e.source_kind, e.source_id or 0))
    return found
