"""Reads of receivables: payments, what is open and how old it is, statements of account, DSO.

Payments and receivables are finance's: finance and administrators see those of their companies; anyone else
gets 404 for a payment (an invisible object) and 403 for the lists and reports (`require_finance`).

The reports are set-based: the ageing is one GROUP BY with a CASE per bucket over the open amounts, computed in
the database (`total − paid − credited`, with what was paid or credited after the day asked about added back);
Python only adds up the grouped rows (one per company, client, currency and exchange rate) and converts them
into the company's currency with the rate each invoice keeps, rounding once per group, half up.

An invoice is receivable when it is issued, an invoice (not a credit note), visible to the viewer
(`billing.queries.invoices_visible`: finance's companies), whether it bills one project or a whole contract. The
ageing's SQL applies the same scope (organisation and the viewer's companies).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.billing.queries import invoices_visible
from margin.core.errors import Forbidden, NotFound
from margin.crm.models import Client
from margin.rates.rules import convert_minor
from margin.receivables import rules
from margin.receivables.models import BankStatement, Payment, PaymentAllocation, StatementLine


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators work with payments and receivables.")


# --- payments -----------------------------------------------------------------------------------------------


def _allocated() -> Coalesce:
    allocated = (
        PaymentAllocation.objects.filter(payment_id=OuterRef("pk"))
        .values("payment_id")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return Coalesce(Subquery(allocated, output_field=IntegerField()), Value(0))


def payments_visible(viewer: Viewer) -> QuerySet[Payment]:
    """The payments of the viewer's companies (finance and administrators; nobody else sees any), each with
    `allocated_minor`."""
    if not viewer.is_finance:
        return Payment.objects.none()
    return (
        Payment.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
        .select_related("client", "company")
        .annotate(allocated_minor=_allocated())
    )


def payment_get(viewer: Viewer, payment_id: int) -> Payment:
    payment = payments_visible(viewer).filter(id=payment_id).first()
    if payment is None:
        raise NotFound("No such payment.")
    return payment


def allocations_of(payment_ids: Iterable[int]) -> dict[int, list[PaymentAllocation]]:
    """The allocations of some payments with their invoices, in one query."""
    rows = (
        PaymentAllocation.objects.filter(payment_id__in=list(payment_ids))
        .select_related("invoice")
        .order_by("payment_id", "invoice__due_date", "invoice_id")
    )
    found: dict[int, list[PaymentAllocation]] = defaultdict(list)
    for row in rows:
        found[row.payment_id].append(row)
    return found


def unallocated_of(payment: Payment) -> int:
    allocated = getattr(payment, "allocated_minor", None)
    if allocated is None:
        allocated = PaymentAllocation.objects.filter(payment=payment).aggregate(t=Sum("amount_minor"))["t"] or 0
    return payment.settles_minor - int(allocated)


def client_credit(viewer: Viewer, client: Client) -> dict[str, int]:
    """What the client paid and is not allocated yet (credit on their account), per currency: two queries."""
    payments = Payment.objects.filter(id__in=payments_visible(viewer).filter(client=client).values("id"))
    paid = dict(
        payments.values_list("currency").annotate(t=Sum(F("amount_minor") + F("bank_charges_minor"))).order_by()
    )
    allocated = dict(
        PaymentAllocation.objects.filter(payment__in=payments)
        .values_list("payment__currency")
        .annotate(t=Sum("amount_minor"))
        .order_by()
    )
    credit = {c: int(paid[c] or 0) - int(allocated.get(c) or 0) for c in sorted(paid)}
    return {c: v for c, v in credit.items() if v}


# --- receivable invoices -----------------------------------------------------------------------------------


def receivable_invoices(viewer: Viewer) -> QuerySet[Invoice]:
    """Invoices finance works on in receivables (drafts and credit notes included; see `open_invoices`): billing's
    access function, for finance and administrators only (a project's manager reads an invoice, but receivables
    are finance's)."""
    if not viewer.is_finance:
        return Invoice.objects.none()
    return invoices_visible(viewer)


def receivable_invoice_get(viewer: Viewer, invoice_id: int) -> Invoice:
    invoice = receivable_invoices(viewer).filter(id=invoice_id).select_related("client", "company").first()
    if invoice is None:
        raise NotFound("No such invoice.")
    return invoice


def open_invoices(viewer: Viewer) -> QuerySet[Invoice]:
    """Issued invoices with something still open (total − paid − credited > 0), each with `open_amount`."""
    return (
        receivable_invoices(viewer)
        .filter(status=InvoiceStatus.ISSUED, kind=DocumentKind.INVOICE)
        .annotate(open_amount=F("total_minor") - F("paid_minor") - F("credited_minor"))
        .filter(open_amount__gt=0)
        .select_related("client", "company")
        .order_by("due_date", "id")
    )


# --- ageing ---------------------------------------------------------------------------------------------------

_AGEING_SQL = """
SELECT o.company_id, o.client_id, o.currency, o.exchange_rate, {sums}, COUNT(*) AS n
FROM (
    SELECT i.company_id, i.client_id, i.currency, i.exchange_rate,
           COALESCE(i.due_date, i.issue_date) AS due,
           i.total_minor - i.paid_minor - i.credited_minor
               + COALESCE(lp.back, 0) + COALESCE(lc.back, 0) AS open_minor
    FROM billing_invoice i
    LEFT JOIN (
        SELECT a.invoice_id, CAST(SUM(a.amount_minor) AS BIGINT) AS back
        FROM receivables_paymentallocation a JOIN receivables_payment p ON p.id = a.payment_id
        WHERE p.organisation_id = %s AND p.company_id IN ({companies}) AND p.received_on > %s
        GROUP BY a.invoice_id
    ) lp ON lp.invoice_id = i.id
    LEFT JOIN (
        SELECT c.credited_invoice_id AS invoice_id, CAST(SUM(c.total_minor) AS BIGINT) AS back
        FROM billing_invoice c
        WHERE c.organisation_id = %s AND c.credited_invoice_id > 0 AND c.kind = 'credit_note' AND c.status = 'issued'
          AND c.issue_date > %s
        GROUP BY c.credited_invoice_id
    ) lc ON lc.invoice_id = i.id
    WHERE i.organisation_id = %s AND i.company_id IN ({companies}) AND i.kind = 'invoice'
      AND i.status = 'issued' AND i.issue_date <= %s
) o
WHERE o.open_minor > 0
GROUP BY o.company_id, o.client_id, o.currency, o.exchange_rate
"""

# The same without the add-backs, when nothing was paid or credited after the day asked about (the usual case:
# today's ageing); it reads only billing_invoice.
_AGEING_NOW_SQL = """
SELECT o.company_id, o.client_id, o.currency, o.exchange_rate, {sums}, COUNT(*) AS n
FROM (
    SELECT i.company_id, i.client_id, i.currency, i.exchange_rate,
           COALESCE(i.due_date, i.issue_date) AS due,
           i.total_minor - i.paid_minor - i.credited_minor AS open_minor
    FROM billing_invoice i
    WHERE i.organisation_id = %s AND i.company_id IN ({companies}) AND i.kind = 'invoice'
      AND i.status = 'issued' AND i.issue_date <= %s
      AND i.total_minor > i.paid_minor + i.credited_minor
) o
GROUP BY o.company_id, o.client_id, o.currency, o.exchange_rate
"""


def _bucket_sums(as_of: date) -> tuple[str, list[date]]:
    """One `SUM(CASE …)` per bucket of `rules.BUCKETS`, by due date, and their parameters."""
    parts, params = [], []
    for i, (earliest, latest) in enumerate(rules.due_windows(as_of)):
        conditions = []
        if earliest is not None:
            conditions.append("o.due >= %s")
            params.append(earliest)
        if latest is not None:
            conditions.append("o.due <= %s")
            params.append(latest)
        parts.append(f"SUM(CASE WHEN {' AND '.join(conditions)} THEN o.open_minor ELSE 0 END) AS b{i}")
    return ", ".join(parts), params


@dataclass(frozen=True)
class AgeingGroup:
    """Open amounts of one client of one company in one currency at one exchange rate, by bucket."""

    company_id: int
    client_id: int
    currency: str
    exchange_rate: Decimal
    buckets: tuple[int, ...]
    invoices: int


def _something_after(organisation_id: int, company_ids: Sequence[int], as_of: date) -> bool:
    paid_later = Payment.objects.filter(
        organisation_id=organisation_id, company_id__in=company_ids, received_on__gt=as_of
    ).exists()
    credited_later = Invoice.objects.filter(
        organisation_id=organisation_id,
        company_id__in=company_ids,
        kind=DocumentKind.CREDIT_NOTE,
        status=InvoiceStatus.ISSUED,
        issue_date__gt=as_of,
    ).exists()
    return paid_later or credited_later


def ageing_groups(*, organisation_id: int, company_ids: Sequence[int], as_of: date) -> list[AgeingGroup]:
    """The open amounts on `as_of` by company, client, currency and exchange rate, in buckets: one query.

    Open on `as_of` = total − paid − credited of every invoice issued on or before it, plus what was allocated
    from payments received after it and what credit notes issued after it took back."""
    ids = sorted({int(c) for c in company_ids})
    if not ids:
        return []
    sums, sum_params = _bucket_sums(as_of)
    placeholders = ", ".join(["%s"] * len(ids))
    params: list[Any]
    if _something_after(organisation_id, ids, as_of):
        sql = _AGEING_SQL.format(sums=sums, companies=placeholders)
        params = [*sum_params, organisation_id, *ids, as_of, organisation_id, as_of, organisation_id, *ids, as_of]
    else:
        sql = _AGEING_NOW_SQL.format(sums=sums, companies=placeholders)
        params = [*sum_params, organisation_id, *ids, as_of]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width = len(rules.BUCKETS)
    return [
        AgeingGroup(
            company_id=int(row[0]),
            client_id=int(row[1]),
            currency=str(row[2]),
            exchange_rate=Decimal(str(row[3])),
            buckets=tuple(int(v or 0) for v in row[4 : 4 + width]),
            invoices=int(row[4 + width]),
        )
        for row in rows
    ]


def _add(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


ZERO = (0,) * len(rules.BUCKETS)


@dataclass(frozen=True)
class AgeingLine:
    """One client's open amounts in one invoice currency, by bucket."""

    client_id: int
    client_name: str
    currency: str
    buckets: tuple[int, ...]
    invoices: int
    converted: tuple[int, ...]  # in the company's currency

    @property
    def total(self) -> int:
        return sum(self.buckets)

    @property
    def converted_total(self) -> int:
        return sum(self.converted)


@dataclass(frozen=True)
class ClientAgeing:
    """One client's open amounts in the company's currency (all invoice currencies converted)."""

    client_id: int
    client_name: str
    buckets: tuple[int, ...]
    invoices: int

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(frozen=True)
class CompanyAgeing:
    company: Company
    as_of: date
    lines: list[AgeingLine]  # per client and invoice currency, by client name
    by_currency: dict[str, tuple[int, ...]]  # the company's totals per invoice currency
    clients: list[ClientAgeing]  # per client in the company's currency, the largest first
    converted: tuple[int, ...]  # the company's total in its own currency

    @property
    def currency(self) -> str:
        return self.company.base_currency

    @property
    def total(self) -> int:
        return sum(self.converted)

    @property
    def past_due(self) -> int:
        """What is open after its due date, in the company's currency."""
        return sum(self.converted[1:])

    @property
    def invoices(self) -> int:
        return sum(line.invoices for line in self.lines)


def _converted(group: AgeingGroup, company_currency: str) -> tuple[int, ...]:
    if group.currency == company_currency:
        return group.buckets
    return tuple(
        convert_minor(amount, group.currency, company_currency, group.exchange_rate) if amount else 0
        for amount in group.buckets
    )


def ageing_of(viewer: Viewer, *, as_of: date, company: Company | None = None) -> list[CompanyAgeing]:
    """Receivables by age on `as_of`, per company the viewer sees (or only `company`): per client and invoice
    currency, per invoice currency, and converted into the company's currency. Two queries and the names."""
    require_finance(viewer)
    companies = {
        c.pk: c
        for c in Company.objects.filter(organisation_id=viewer.organisation_id, id__in=viewer.company_ids).order_by(
            "name", "id"
        )
    }
    if company is not None:
        if company.pk not in companies:
            raise NotFound("No such company.")
        companies = {company.pk: companies[company.pk]}
    groups = ageing_groups(organisation_id=viewer.organisation_id, company_ids=list(companies), as_of=as_of)
    names = dict(Client.objects.filter(id__in={g.client_id for g in groups}).values_list("id", "name"))
    by_company: dict[int, list[AgeingGroup]] = defaultdict(list)
    for group in groups:
        by_company[group.company_id].append(group)
    answer = []
    for company_id, company_obj in companies.items():
        home = company_obj.base_currency
        merged: dict[tuple[int, str], list[Any]] = {}
        by_currency: dict[str, tuple[int, ...]] = {}
        clients: dict[int, list[Any]] = {}
        for group in by_company.get(company_id, []):
            converted = _converted(group, home)
            key = (group.client_id, group.currency)
            line = merged.setdefault(key, [ZERO, 0, ZERO])
            line[0], line[1], line[2] = _add(line[0], group.buckets), line[1] + group.invoices, _add(line[2], converted)
            by_currency[group.currency] = _add(by_currency.get(group.currency, ZERO), group.buckets)
            client = clients.setdefault(group.client_id, [ZERO, 0])
            client[0], client[1] = _add(client[0], converted), client[1] + group.invoices
        lines = sorted(
            (
                AgeingLine(client_id, names.get(client_id, "?"), currency, buckets, n, converted)
                for (client_id, currency), (buckets, n, converted) in merged.items()
            ),
            key=lambda line: (line.client_name.lower(), line.client_id, line.currency),
        )
        client_rows = sorted(
            (ClientAgeing(cid, names.get(cid, "?"), buckets, n) for cid, (buckets, n) in clients.items()),
            key=lambda c: (-c.total, c.client_name.lower(), c.client_id),
        )
        total = ZERO
        for row in client_rows:
            total = _add(total, row.buckets)
        answer.append(
            CompanyAgeing(
                company=company_obj,
                as_of=as_of,
                lines=lines,
                by_currency=dict(sorted(by_currency.items())),
                clients=client_rows,
                converted=total,
            )
        )
    return answer


# --- DSO ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dso:
    company: Company
    as_of: date
    days: int
    receivables_minor: int  # open on as_of, in the company's currency
    credit_sales_minor: int  # invoiced less credited in the `days` days up to as_of, in the company's currency
    dso: Decimal | None

    @property
    def currency(self) -> str:
        return self.company.base_currency

    @property
    def first_day(self) -> date:
        return self.as_of - timedelta(days=self.days - 1)


def dso_of(viewer: Viewer, *, company: Company, as_of: date, days: int = 90) -> Dso:
    """Days sales outstanding of a company on `as_of`: receivables ÷ credit sales of the last `days` days ×
    `days`, both in the company's currency (each invoice converted at its own rate)."""
    require_finance(viewer)
    [ageing] = ageing_of(viewer, as_of=as_of, company=company)
    first = as_of - timedelta(days=days - 1)
    sold = (
        receivable_invoices(viewer)
        .filter(company=company, status=InvoiceStatus.ISSUED, issue_date__range=(first, as_of))
        .values_list("kind", "currency", "exchange_rate")
        .annotate(total=Sum("total_minor"))
        .order_by()
    )
    sales = 0
    for kind, currency, rate, total in sold:
        amount = int(total or 0)
        if currency != company.base_currency:
            amount = convert_minor(amount, currency, company.base_currency, Decimal(rate))
        sales += amount if kind == DocumentKind.INVOICE else -amount
    value = rules.days_sales_outstanding(receivables_minor=ageing.total, credit_sales_minor=sales, days=days)
    return Dso(company, as_of, days, ageing.total, sales, value)


# --- statements of account --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountInCurrency:
    currency: str
    opening_minor: int
    lines: list[rules.AccountLine]

    @property
    def closing_minor(self) -> int:
        return self.lines[-1].balance_minor if self.lines else self.opening_minor

    @property
    def debits(self) -> int:
        return sum(line.entry.debit_minor for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.entry.credit_minor for line in self.lines)


@dataclass(frozen=True)
class StatementOfAccount:
    client: Client
    first: date
    last: date
    accounts: list[AccountInCurrency] = field(default_factory=list)


def statement_of_account(viewer: Viewer, *, client: Client, first: date, last: date) -> StatementOfAccount:
    """A client's invoices, credit notes and payments from `first` to `last` with the running balance (what
    they owe; negative: credit on their account), per currency, after the opening balance of everything
    before `first`. A fixed number of queries."""
    require_finance(viewer)
    documents = receivable_invoices(viewer).filter(client=client, status=InvoiceStatus.ISSUED)
    payments = payments_visible(viewer).filter(client=client)
    opening: dict[str, int] = defaultdict(int)
    for kind, currency, total in (
        documents.filter(issue_date__lt=first).values_list("kind", "currency").annotate(t=Sum("total_minor")).order_by()
    ):
        opening[currency] += int(total or 0) if kind == DocumentKind.INVOICE else -int(total or 0)
    for currency, total in (
        payments.filter(received_on__lt=first)
        .values_list("currency")
        .annotate(t=Sum(F("amount_minor") + F("bank_charges_minor")))
        .order_by()
    ):
        opening[currency] -= int(total or 0)
    entries: dict[str, list[rules.AccountEntry]] = defaultdict(list)
    for doc in (
        documents.filter(issue_date__range=(first, last))
        .select_related(None)
        .only("id", "kind", "number", "issue_date", "due_date", "currency", "total_minor", "credited_invoice_id")
    ):
        is_invoice = doc.kind == DocumentKind.INVOICE
        entries[doc.currency].append(
            rules.AccountEntry(
                day=doc.issue_date or first,
                kind=rules.INVOICE if is_invoice else rules.CREDIT_NOTE,
                object_id=doc.pk,
                reference=doc.number or "",
                currency=doc.currency,
                debit_minor=doc.total_minor if is_invoice else 0,
                credit_minor=0 if is_invoice else doc.total_minor,
                due_date=doc.due_date if is_invoice else None,
            )
        )
    for payment in payments.filter(received_on__range=(first, last)):
        note = payment.reference
        if payment.bank_charges_minor:
            charges = rules.format_minor(payment.bank_charges_minor, payment.currency)
            note = f"{note} (bank charges {charges})".strip()
        entries[payment.currency].append(
            rules.AccountEntry(
                day=payment.received_on,
                kind=rules.PAYMENT,
                object_id=payment.pk,
                reference=payment.get_method_display(),
                currency=payment.currency,
                credit_minor=payment.settles_minor,
                note=note,
            )
        )
    currencies = sorted(set(entries) | {c for c, v in opening.items() if v})
    accounts = [
        AccountInCurrency(c, opening.get(c, 0), rules.running_balance(entries.get(c, []), opening.get(c, 0)))
        for c in currencies
    ]
    return StatementOfAccount(client=client, first=first, last=last, accounts=accounts)


# --- bank statements --------------------------------------------------------------------------------------------


def statements_visible(viewer: Viewer) -> QuerySet[BankStatement]:
    if not viewer.is_finance:
        return BankStatement.objects.none()
    return BankStatement.objects.filter(
        organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
    ).select_related("company")


def statement_get(viewer: Viewer, statement_id: int) -> BankStatement:
    statement = statements_visible(viewer).filter(id=statement_id).first()
    if statement is None:
        raise NotFound("No such bank statement.")
    return statement


def statement_line_get(viewer: Viewer, line_id: int) -> StatementLine:
    line = (
        StatementLine.objects.filter(id=line_id, statement__in=statements_visible(viewer))
        .select_related("statement", "statement__company")
        .first()
    )
    if line is None:
        raise NotFound("No such statement line.")
    return line


@dataclass(frozen=True)
class LineWithSuggestions:
    line: StatementLine
    payment_id: int | None  # the payment it was recorded as
    suggestions: list[rules.Suggestion]


def open_invoice_facts(viewer: Viewer, *, company_id: int, currencies: Iterable[str]) -> list[rules.OpenInvoice]:
    """The open invoices of a company in some currencies, as the matcher reads them: one query."""
    rows = (
        open_invoices(viewer)
        .filter(company_id=company_id, currency__in=list(currencies))
        .values_list(
            "id",
            "number",
            "client_id",
            "client__name",
            "currency",
            F("total_minor") - F("paid_minor") - F("credited_minor"),
            "due_date",
        )
    )
    return [rules.OpenInvoice(i, n or "", c, name, cur, int(o), due) for i, n, c, name, cur, o, due in rows]


def statement_lines_with_suggestions(viewer: Viewer, statement: BankStatement) -> list[LineWithSuggestions]:
    """Every line of a statement, with the payment it became or (money in, not recorded yet) up to five
    suggestions among the company's open invoices. Three queries whatever the number of lines."""
    require_finance(viewer)
    lines = list(
        StatementLine.objects.filter(statement=statement)
        .annotate(payment_ref=F("payment__id"))
        .order_by("line_number", "id")
    )
    waiting = [line for line in lines if getattr(line, "payment_ref", None) is None and line.amount_minor > 0]
    matcher = rules.Matcher(
        open_invoice_facts(viewer, company_id=statement.company_id, currencies={line.currency for line in waiting})
        if waiting
        else []
    )
    answer = []
    for line in lines:
        paid_as = getattr(line, "payment_ref", None)
        suggestions = (
            matcher.suggest(
                amount_minor=line.amount_minor,
                currency=line.currency,
                counterparty=line.counterparty,
                reference=line.reference,
            )
            if paid_as is None
            else []
        )
        answer.append(LineWithSuggestions(line, paid_as, suggestions))
    return answer


# --- overdue reminders --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    invoice_id: int
    organisation_id: int
    company_id: int
    number: str
    client_name: str
    currency: str
    open_minor: int
    due_date: date
    days: int
    stage: int

    @property
    def key(self) -> str:
        return f"receivables.overdue:{self.invoice_id}:{self.stage}"


def overdue_invoices(*, today: date, organisation_id: int | None = None) -> list[Overdue]:
    """Issued invoices with something open at least one day past their due date, with their reminder stage
    (`rules.reminder_stage`): one query (this is a job's read, across organisations, not a viewer's)."""
    rows = Invoice.objects.filter(
        status=InvoiceStatus.ISSUED, kind=DocumentKind.INVOICE, due_date__lte=today - timedelta(days=1)
    ).annotate(open_amount=F("total_minor") - F("paid_minor") - F("credited_minor"))
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    found = []
    for pk, org, company, number, client, currency, open_amount, due in (
        rows.filter(open_amount__gt=0)
        .values_list(
            "id", "organisation_id", "company_id", "number", "client__name", "currency", "open_amount", "due_date"
        )
        .order_by("organisation_id", "due_date", "id")
    ):
        if due is None:
            continue
        days = (today - due).days
        stage = rules.reminder_stage(days)
        if stage is not None:
            found.append(Overdue(pk, org, company, number or "", client, currency, int(open_amount), due, days, stage))
    return found
