"""Writes of receivables: record a payment (allocating it at once or later), allocate and unallocate, delete a
payment, import a bank statement and accept a match, remind finance of overdue invoices.

Each is one transaction with its audit row. `Invoice.paid_minor` is the sum of the invoice's allocations: every
action that changes allocations locks the payment first, then the invoices in id order (`SELECT … FOR UPDATE`,
so two actions can never wait on each other in a circle), reads the open amounts after the locks and writes
`paid_minor` in the same transaction. Two payments allocated to one invoice at the same moment therefore queue
on PostgreSQL, and the second sees what the first took: an invoice is never paid more than its total. (SQLite
serialises writers for the whole database.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from margin.accounts.models import AccessRole, Company, Membership
from margin.accounts.queries import Viewer
from margin.billing.models import Invoice, InvoiceStatus
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound, check_period_open
from margin.core.money import is_currency
from margin.core.notifications import Message, notify
from margin.core.text import clean_text
from margin.crm.models import Client
from margin.receivables import rules
from margin.receivables.models import BankStatement, Payment, PaymentAllocation, PaymentMethod, StatementLine
from margin.receivables.queries import Overdue, overdue_invoices, require_finance

PAYMENT_FIELDS = [
    "company",
    "client",
    "received_on",
    "currency",
    "amount_minor",
    "bank_charges_minor",
    "reference",
    "method",
    "note",
    "statement_line",
]
EARLIEST = date(2000, 1, 1)
MAX_MINOR = 10**15
OVERDUE = "receivables.overdue"


@dataclass(frozen=True)
class AllocationIn:
    """Settle `amount_minor` of an invoice (None: as much as is open on it and left on the payment; nothing when
    the payment's earlier allocations took it all)."""

    invoice: Invoice
    amount_minor: int | None = None


def _check_scope(viewer: Viewer, *, organisation_id: int, company_id: int, what: str) -> None:
    if organisation_id != viewer.organisation_id or company_id not in viewer.company_ids:
        raise NotFound(f"No such {what}.")


def _lock_payment(viewer: Viewer, payment: Payment) -> Payment:
    _check_scope(viewer, organisation_id=payment.organisation_id, company_id=payment.company_id, what="payment")
    require_finance(viewer)
    locked = Payment.objects.select_for_update().filter(pk=payment.pk).first()
    if locked is None:
        raise NotFound("No such payment (it was deleted meanwhile).")
    return locked


def _lock_invoices(ids: Sequence[int]) -> dict[int, Invoice]:
    """Lock invoices in id order (every action does, so none waits on another in a circle) and read them."""
    return {i.pk: i for i in Invoice.objects.select_for_update().filter(id__in=sorted(set(ids))).order_by("id")}


def _allocated(payment: Payment) -> int:
    return int(PaymentAllocation.objects.filter(payment=payment).aggregate(t=Sum("amount_minor"))["t"] or 0)


def _payment_facts(payment: Payment, allocated: int) -> rules.PaymentFacts:
    return rules.PaymentFacts(
        organisation_id=payment.organisation_id,
        company_id=payment.company_id,
        client_id=payment.client_id,
        currency=payment.currency,
        settles_minor=payment.settles_minor,
        allocated_minor=allocated,
    )


def _invoice_facts(invoice: Invoice) -> rules.InvoiceFacts:
    return rules.InvoiceFacts(
        id=invoice.pk,
        label=invoice.number or f"draft #{invoice.pk}",
        organisation_id=invoice.organisation_id,
        company_id=invoice.company_id,
        client_id=invoice.client_id,
        kind=invoice.kind,
        issued=invoice.status == InvoiceStatus.ISSUED,
        currency=invoice.currency,
        total_minor=invoice.total_minor,
        paid_minor=invoice.paid_minor,
        credited_minor=invoice.credited_minor,
    )


def _allocate(viewer: Viewer, payment: Payment, allocations: Sequence[AllocationIn]) -> None:
    """Allocate parts of a locked payment; the invoices are locked here. All or nothing (the caller's
    transaction rolls back on a refusal)."""
    if not allocations:
        return
    ids = [a.invoice.pk for a in allocations]
    if len(set(ids)) != len(ids):
        raise Invalid("An invoice appears twice in the allocations: give each invoice once.", field="allocations")
    invoices = _lock_invoices(ids)
    for wanted in allocations:
        invoice = invoices.get(wanted.invoice.pk)
        if invoice is None or invoice.organisation_id != viewer.organisation_id:
            raise NotFound("No such invoice.", field="invoice_id")
        if invoice.company_id not in viewer.company_ids:
            raise NotFound("No such invoice.", field="invoice_id")
    allocated = _allocated(payment)
    existing = {a.invoice_id: a for a in PaymentAllocation.objects.filter(payment=payment, invoice_id__in=ids)}
    for wanted in allocations:
        invoice = invoices[wanted.invoice.pk]
        facts = _invoice_facts(invoice)
        left = payment.settles_minor - allocated
        amount = wanted.amount_minor
        if amount is None:
            payable = facts.issued and facts.kind == "invoice"
            if payable and facts.open_minor <= 0:
                raise Invalid(
                    f"Nothing is open on invoice {facts.label}: it is paid or credited.",
                    field="invoice_id",
                    code="nothing_open",
                )
            if payable and left <= 0:
                continue  # "as much as is left": nothing is, for this one
            amount = max(min(facts.open_minor, left), 1)  # a refusal below says why, if it is one
        rules.check_allocation(payment=_payment_facts(payment, allocated), invoice=facts, amount_minor=amount)
        row = existing.get(invoice.pk)
        if row is None:
            row = PaymentAllocation.objects.create(
                organisation_id=payment.organisation_id, payment=payment, invoice=invoice, amount_minor=amount
            )
        else:
            row.amount_minor += amount
            row.save(update_fields=["amount_minor"])
        before = invoice.paid_minor
        invoice.paid_minor += amount
        # Only an after-issue column: the frozen-invoice triggers let it change.
        Invoice.objects.filter(pk=invoice.pk).update(paid_minor=invoice.paid_minor)
        allocated += amount
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="payment.allocate",
            obj=payment,
            before={"invoice_id": invoice.pk, "invoice_paid_minor": before},
            after={
                "invoice_id": invoice.pk,
                "number": invoice.number,
                "amount_minor": amount,
                "allocation_minor": row.amount_minor,
                "invoice_paid_minor": invoice.paid_minor,
            },
        )


def _check_period_open(company_id: int, received_on: date, *, verbs: str) -> None:
    """A payment received on or before the company's lock date is in the closed books: it cannot be recorded
    or deleted (the triggers of migration 0002 say the same)."""
    company = Company.objects.only("name", "locked_through").get(pk=company_id)
    check_period_open(
        received_on,
        locked_through=company.locked_through,
        company_name=company.name,
        what="a payment",
        verbs=verbs,
        field="received_on",
    )


def _check_amounts(amount_minor: int, bank_charges_minor: int) -> None:
    if not 0 < amount_minor <= MAX_MINOR:
        raise Invalid("The amount received must be more than zero.", field="amount_minor", code="invalid_amount")
    if not 0 <= bank_charges_minor <= MAX_MINOR:
        raise Invalid(
            "Bank charges cannot be negative: they are what the bank kept of the client's payment.",
            field="bank_charges_minor",
            code="invalid_amount",
        )


@transaction.atomic
def payment_record(
    *,
    viewer: Viewer,
    company: Company,
    client: Client,
    received_on: date,
    currency: str,
    amount_minor: int,
    bank_charges_minor: int = 0,
    reference: str = "",
    method: str = PaymentMethod.BANK_TRANSFER,
    note: str = "",
    allocations: Sequence[AllocationIn] = (),
    statement_line: StatementLine | None = None,
) -> Payment:
    """Record money a client paid to a company (what reached the bank, and what the bank kept), and allocate
    it to invoices at once if asked; the rest is credit on the client's account."""
    _check_scope(viewer, organisation_id=company.organisation_id, company_id=company.pk, what="company")
    if client.organisation_id != viewer.organisation_id:
        raise NotFound("No such client.")
    require_finance(viewer)
    currency = (currency or "").strip().upper()
    if not is_currency(currency):
        raise Invalid(f"{currency!r} is not an ISO 4217 currency code.", field="currency")
    _check_amounts(amount_minor, bank_charges_minor)
    today = timezone.localdate()
    if received_on > today:
        raise Invalid("A payment cannot be received in the future.", field="received_on")
    if received_on < EARLIEST:
        raise Invalid("A payment must be dated 2000 or later.", field="received_on")
    if method not in PaymentMethod.values:
        raise Invalid(f"Unknown payment method {method!r}.", field="method")
    _check_period_open(company.pk, received_on, verbs="recorded")
    reference = clean_text(reference, field="reference", max_length=500)
    note = clean_text(note, field="note", max_length=2000)
    if statement_line is not None:
        line = StatementLine.objects.select_for_update().select_related("statement").get(pk=statement_line.pk)
        if line.statement.company_id != company.pk or line.organisation_id != viewer.organisation_id:
            raise Invalid("The statement line is of another company's account.", field="statement_line_id")
        if Payment.objects.filter(statement_line=line).exists():
            raise Conflict("This statement line was recorded as a payment already.", code="line_recorded")
        if line.amount_minor != amount_minor or line.currency != currency:
            raise Invalid("The payment must be the statement line's amount and currency.", field="amount_minor")
    payment = Payment.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        client=client,
        received_on=received_on,
        currency=currency,
        amount_minor=amount_minor,
        bank_charges_minor=bank_charges_minor,
        reference=reference,
        method=method,
        note=note,
        statement_line=statement_line,
        created_by_id=viewer.user_id,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="payment.record",
        obj=payment,
        after=audit.snapshot(payment, PAYMENT_FIELDS),
    )
    _allocate(viewer, Payment.objects.select_for_update().get(pk=payment.pk), allocations)
    return payment


@transaction.atomic
def payment_allocate(*, viewer: Viewer, payment: Payment, allocations: Sequence[AllocationIn]) -> Payment:
    """Allocate (more of) a payment to invoices; all the allocations or none."""
    locked = _lock_payment(viewer, payment)
    if not allocations:
        raise Invalid("Name at least one invoice to allocate the payment to.", field="allocations")
    _allocate(viewer, locked, allocations)
    return locked


def _take_back(viewer: Viewer, payment: Payment, rows: Sequence[PaymentAllocation], amounts: dict[int, int]) -> None:
    """Reduce allocations (by `amounts[invoice_id]`; the whole allocation when it is all of it) and the paid
    amounts of their invoices, locked in id order."""
    invoices = _lock_invoices([r.invoice_id for r in rows])
    for row in sorted(rows, key=lambda r: r.invoice_id):
        amount = amounts[row.invoice_id]
        invoice = invoices[row.invoice_id]
        before = invoice.paid_minor
        invoice.paid_minor -= amount
        Invoice.objects.filter(pk=invoice.pk).update(paid_minor=invoice.paid_minor)
        if amount == row.amount_minor:
            row.delete()
            left = 0
        else:
            row.amount_minor -= amount
            row.save(update_fields=["amount_minor"])
            left = row.amount_minor
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="payment.unallocate",
            obj=payment,
            before={"invoice_id": invoice.pk, "invoice_paid_minor": before, "allocation_minor": left + amount},
            after={
                "invoice_id": invoice.pk,
                "number": invoice.number,
                "amount_minor": amount,
                "allocation_minor": left,
                "invoice_paid_minor": invoice.paid_minor,
            },
        )


@transaction.atomic
def payment_unallocate(
    *, viewer: Viewer, payment: Payment, invoice: Invoice | None = None, amount_minor: int | None = None
) -> Payment:
    """Take back what a payment settles on one invoice (all of it, or `amount_minor` of it), or on every invoice
    (`invoice` None): it becomes credit on the client's account again."""
    locked = _lock_payment(viewer, payment)
    rows = PaymentAllocation.objects.filter(payment=locked)
    if invoice is not None:
        rows = rows.filter(invoice_id=invoice.pk)
    found = list(rows.order_by("invoice_id"))
    if invoice is not None and not found:
        raise Invalid(
            f"Nothing of this payment is allocated to invoice {invoice.number or invoice.pk}.",
            field="invoice_id",
            code="not_allocated",
        )
    if amount_minor is not None:
        if invoice is None:
            raise Invalid("Name the invoice to take part of an allocation back from.", field="invoice_id")
        if not 0 < amount_minor <= found[0].amount_minor:
            raise Invalid(
                f"Take back between 0.01 and the {rules.format_minor(found[0].amount_minor, locked.currency)} "
                "allocated.",
                field="amount_minor",
                code="invalid_amount",
            )
    amounts = {r.invoice_id: (amount_minor if amount_minor is not None else r.amount_minor) for r in found}
    _take_back(viewer, locked, found, amounts)
    return locked


@transaction.atomic
def payment_delete(*, viewer: Viewer, payment: Payment) -> None:
    """Delete a payment recorded by mistake: its allocations are taken back from their invoices (which are
    open again) and its statement line, if it came from one, can be matched again."""
    locked = _lock_payment(viewer, payment)
    _check_period_open(locked.company_id, locked.received_on, verbs="deleted")
    rows = list(PaymentAllocation.objects.filter(payment=locked).order_by("invoice_id"))
    before = {
        **audit.snapshot(locked, PAYMENT_FIELDS),
        "allocations": {str(r.invoice_id): r.amount_minor for r in rows},
    }
    _take_back(viewer, locked, rows, {r.invoice_id: r.amount_minor for r in rows})
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="payment.delete",
        obj=locked,
        before=before,
    )
    locked.delete()


# --- bank statements --------------------------------------------------------------------------------------------


def _line_key(
    day: date, amount_minor: int, currency: str, counterparty: str, reference: str
) -> tuple[str, int, str, str, str]:
    return (day.isoformat(), amount_minor, currency, counterparty, reference)


@transaction.atomic
def bank_statement_import(
    *, viewer: Viewer, company: Company, data: bytes, filename: str = "", order: str = "auto"
) -> BankStatement:
    """Import a bank statement CSV of a company's account: every line or none. A file with unreadable lines is
    refused with every problem listed by line and column; lines identical to lines imported before for the
    company (an export that overlaps the last one) are skipped and counted."""
    _check_scope(viewer, organisation_id=company.organisation_id, company_id=company.pk, what="company")
    require_finance(viewer)
    if order not in ("auto", "dmy", "mdy"):
        raise Invalid("The date order is auto, dmy or mdy.", field="date_order")
    parsed = rules.parse_statement(data, default_currency=company.base_currency, order=order)
    if parsed.problems:
        count = len({p.line for p in parsed.problems})
        raise rules.StatementLinesInvalid(
            f"{count} line{'s' if count != 1 else ''} of the file cannot be read, so nothing was imported. "
            f"{parsed.problem_text()}.",
            parsed.problems,
        )
    known = Counter(
        _line_key(*values)
        for values in StatementLine.objects.filter(
            statement__company=company, date__range=(min(r.date for r in parsed.rows), max(r.date for r in parsed.rows))
        ).values_list("date", "amount_minor", "currency", "counterparty", "reference")
    )
    kept = []
    for row in parsed.rows:
        key = _line_key(row.date, row.amount_minor, row.currency, row.counterparty, row.reference)
        if known[key] > 0:
            known[key] -= 1
            continue
        kept.append(row)
    statement = BankStatement.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        filename=clean_text(filename.replace("\x00", ""), field="filename", max_length=10_000)[:200],
        encoding=parsed.encoding,
        line_count=len(kept),
        duplicate_count=len(parsed.rows) - len(kept),
        imported_by_id=viewer.user_id,
    )
    StatementLine.objects.bulk_create(
        [
            StatementLine(
                organisation_id=viewer.organisation_id,
                statement=statement,
                line_number=row.line,
                date=row.date,
                amount_minor=row.amount_minor,
                currency=row.currency,
                counterparty=row.counterparty,
                reference=row.reference,
            )
            for row in kept
        ],
        batch_size=1000,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="bank_statement.import",
        obj=statement,
        after={
            "company": company.pk,
            "filename": statement.filename,
            "lines": statement.line_count,
            "duplicates": statement.duplicate_count,
            "encoding": parsed.encoding,
        },
    )
    return statement


@transaction.atomic
def statement_line_accept(
    *,
    viewer: Viewer,
    line: StatementLine,
    invoice: Invoice | None = None,
    client: Client | None = None,
    bank_charges_minor: int = 0,
) -> Payment:
    """Record a statement line (money in) as a payment: of the invoice's client, allocated to the invoice up to
    what is open on it (the rest stays on the client's account); or, with only a client, all on their account."""
    statement = line.statement
    _check_scope(viewer, organisation_id=line.organisation_id, company_id=statement.company_id, what="statement line")
    require_finance(viewer)
    if line.amount_minor <= 0:
        raise Invalid("Only money in (a positive amount) can be recorded as a client's payment.", field="line_id")
    if invoice is None and client is None:
        raise Invalid("Choose the invoice (or the client) the money came for.", field="invoice_id")
    if invoice is not None:
        if client is not None and client.pk != invoice.client_id:
            raise Invalid("The invoice is another client's.", field="invoice_id", code="other_client")
        _check_scope(viewer, organisation_id=invoice.organisation_id, company_id=invoice.company_id, what="invoice")
        client = Client.objects.get(pk=invoice.client_id)
    assert client is not None
    allocations = []
    if invoice is not None:
        facts = _invoice_facts(invoice)
        wanted = min(facts.open_minor, line.amount_minor + bank_charges_minor)
        allocations.append(AllocationIn(invoice, wanted if wanted > 0 else None))
    return payment_record(
        viewer=viewer,
        company=statement.company,
        client=client,
        received_on=line.date,
        currency=line.currency,
        amount_minor=line.amount_minor,
        bank_charges_minor=bank_charges_minor,
        reference=line.reference,
        method=PaymentMethod.BANK_TRANSFER,
        note=f"{line.counterparty} (bank statement {statement.filename or statement.pk}, line {line.line_number})"[
            :2000
        ],
        allocations=allocations,
        statement_line=line,
    )


# --- overdue reminders --------------------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    due: list[Overdue] = field(default_factory=list)
    notified: int = 0  # notifications written now (each with its e-mail)
    invoices: list[int] = field(default_factory=list)  # reminded now (Invoice.reminded_at set)


def _finance_of(organisation_id: int) -> list[tuple[int, str, frozenset[int] | None]]:
    """Finance users and administrators of an organisation with the companies they cover (None: all)."""
    memberships = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            role__in=[AccessRole.ADMIN, AccessRole.FINANCE],
            user__is_active=True,
        )
        .select_related("user")
        .prefetch_related("companies")
        .order_by("user_id")
    )
    return [(m.user_id, m.user.email, frozenset(c.pk for c in m.companies.all()) or None) for m in memberships]


def invoices_remind_overdue(
    *, today: date | None = None, organisation_id: int | None = None, dry_run: bool = False
) -> ReminderRun:
    """Tell finance (in the app and by e-mail) about every invoice 1, 15 and 30 days past due with something
    open, once per invoice and stage (the notification's key), and stamp `reminded_at` on the invoices reminded
    now. Idempotent: run it daily."""
    today = today or timezone.localdate()
    run = ReminderRun(due=overdue_invoices(today=today, organisation_id=organisation_id))
    if dry_run:
        return run
    by_org: dict[int, list[Overdue]] = defaultdict(list)
    for overdue in run.due:
        by_org[overdue.organisation_id].append(overdue)
    now = timezone.now()
    for org_id, items in by_org.items():
        with transaction.atomic():
            people = _finance_of(org_id)
            messages = []
            for item in items:
                amount = rules.format_minor(item.open_minor, item.currency)
                text = (
                    f"Invoice {item.number} of {item.client_name} is {item.days} day{'s' if item.days != 1 else ''} "
                    f"past due ({item.due_date:%-d %b %Y}): {amount} is still open."
                )
                for user_id, email, companies in people:
                    if companies is not None and item.company_id not in companies:
                        continue
                    messages.append(
                        Message(
                            user_id=user_id,
                            kind=OVERDUE,
                            text=text,
                            url=reverse("web:invoice", args=[item.invoice_id]),
                            key=item.key,
                            email=email,
                            subject=f"Margin: invoice {item.number} of {item.client_name} is {item.days} days overdue",
                        )
                    )
            written = notify(organisation_id=org_id, messages=messages)
            reminded = sorted({int(n.key.split(":")[1]) for n in written})
            if reminded:
                Invoice.objects.filter(id__in=reminded).update(reminded_at=now)
                audit.record_many(
                    organisation_id=org_id,
                    actor_id=None,
                    action="invoice.remind_overdue",
                    changes=[
                        audit.Change("billing.invoice", item.invoice_id, None, {"stage": item.stage, "days": item.days})
                        for item in items
                        if item.invoice_id in set(reminded)
                    ],
                )
            run.notified += len(written)
            run.invoices += reminded
    return run
