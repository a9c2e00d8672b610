"""Credit notes: an issued invoice is corrected by a credit note that takes back some or all of it.

A credit note is a document of its own (kind credit_note, type 381), numbered without gaps in its own
sequence when issued, frozen like an invoice, and referencing the invoice it credits. It takes back
lines (in full or partly) or an amount (spread over the invoice's lines in proportion to what is left of
each). It never takes back more than was invoiced and not credited yet. Amounts are stored positive, as
the document shows them; reports subtract credit notes.

When it is issued, the time and expenses of every line it has taken back *in full* (with earlier credit
notes) leave that line: they are unbilled again, or written off, as the credit note says. `CreditedTime`
and `CreditedExpense` keep what was taken back from which line; the database lets the billed link of an
issued invoice go only when such a row exists. So a June hour billed, credited and billed again is billed
once, net — and never twice (odoo#280601).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum

from margin.accounts.queries import Viewer
from margin.billing.access import check_scope, require_finance
from margin.billing.drafting import apply_tax
from margin.billing.models import (
    BilledExpense,
    BilledInstalment,
    BilledPeriod,
    BilledTime,
    CreditedExpense,
    CreditedInstalment,
    CreditedPeriod,
    CreditedTime,
    DocumentKind,
    HoldReason,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTaxRow,
    LineKind,
    TimeHold,
    WrittenOffExpense,
)
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound
from margin.core.money import Money

CREDIT_FIELDS = ["kind", "net_minor", "tax_minor", "total_minor", "reason", "returns_work"]


@dataclass(frozen=True)
class CreditLine:
    """Take back `amount_minor` of an invoice line (None: all that is left of it)."""

    line_id: int
    amount_minor: int | None = None


def credited_by_line(invoice: Invoice, *, issued_only: bool = False) -> dict[int, int]:
    """How much credit notes (issued, and drafts unless `issued_only`) took back of each line."""
    notes = Q(invoice__kind=DocumentKind.CREDIT_NOTE, credited_line__invoice=invoice)
    if issued_only:
        notes &= Q(invoice__status=InvoiceStatus.ISSUED)
    rows = InvoiceLine.objects.filter(notes).values("credited_line_id").annotate(total=Sum("amount_minor")).order_by()
    return {r["credited_line_id"]: int(r["total"] or 0) for r in rows}


def _spread(amount_minor: int, room: dict[int, int], currency: str) -> dict[int, int]:
    """An amount over lines in proportion to what is left of each, adding up exactly."""
    ids = [i for i, left in room.items() if left > 0]
    parts = Money.from_minor(amount_minor, currency).allocate([room[i] for i in ids])
    return {i: part.to_minor() for i, part in zip(ids, parts, strict=True) if part.to_minor()}


@transaction.atomic
def credit_note_create(
    *,
    viewer: Viewer,
    invoice: Invoice,
    reason: str,
    lines: Sequence[CreditLine] | None = None,
    amount_minor: int | None = None,
    returns_work: bool = True,
) -> Invoice:
    """Draft a credit note of an issued invoice: by lines, or by a net amount spread over its lines."""
    check_scope(viewer, invoice)
    require_finance(viewer)
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("contract").get(pk=invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or invoice.status != InvoiceStatus.ISSUED:
        raise Conflict("Only an issued invoice can be credited.")
    reason = reason.strip()
    if not reason:
        raise Invalid("Say why the invoice is credited: the credit note shows it.", field="reason")
    if (lines is None) == (amount_minor is None):
        raise Invalid("Credit some of the invoice's lines, or an amount.", field="lines")
    originals = {line.pk: line for line in InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id")}
    taken = credited_by_line(invoice)
    room = {i: line.amount_minor - taken.get(i, 0) for i, line in originals.items() if line.amount_minor > 0}
    if amount_minor is not None:
        if amount_minor <= 0:
            raise Invalid("The amount to credit must be more than zero.", field="amount_minor")
        if amount_minor > sum(room.values()):
            raise Invalid(
                f"{Money.from_minor(amount_minor, invoice.currency)} is more than is left to credit on "
                f"{invoice.number} ({Money.from_minor(sum(room.values()), invoice.currency)} before tax).",
                field="amount_minor",
                code="credit_exceeds_invoice",
            )
        wanted = _spread(amount_minor, room, invoice.currency)
    else:
        assert lines is not None
        if not lines or len({c.line_id for c in lines}) != len(lines):
            raise Invalid("Name each line to credit once.", field="lines")
        wanted = {}
        for credit in lines:
            if credit.line_id not in originals:
                raise NotFound("No such line on this invoice.")
            left = room.get(credit.line_id, 0)
            amount = left if credit.amount_minor is None else credit.amount_minor
            if amount <= 0 or amount > left:
                raise Invalid(
                    f"Line {originals[credit.line_id].position + 1} has {Money.from_minor(left, invoice.currency)} "
                    "left to credit; a credit is more than zero and no more than that.",
                    field="lines",
                    code="credit_exceeds_invoice",
                )
            wanted[credit.line_id] = amount
    note = Invoice.objects.create(
        organisation_id=invoice.organisation_id,
        company_id=invoice.company_id,
        client_id=invoice.client_id,
        contract_id=invoice.contract_id,
        project_id=invoice.project_id,
        kind=DocumentKind.CREDIT_NOTE,
        credited_invoice=invoice,
        reason=reason[:2000],
        returns_work=returns_work,
        currency=invoice.currency,
        company_currency=invoice.company_currency,
        exchange_rate=invoice.exchange_rate,
        exchange_rate_date=invoice.exchange_rate_date,
        tax_rounding=invoice.tax_rounding,
        buyer_reference=invoice.buyer_reference,
        period_end=invoice.period_end,
        created_by_id=viewer.user_id,
    )
    credit_lines = []
    for n, (line_id, amount) in enumerate(sorted(wanted.items(), key=lambda kv: originals[kv[0]].position)):
        original = originals[line_id]
        whole = amount == original.amount_minor
        credit_lines.append(
            InvoiceLine(
                invoice=note,
                position=n,
                kind=original.kind,
                project_id=original.project_id,
                billing_line_id=original.billing_line_id,
                credited_line=original,
                task_id=original.task_id,
                role_id=original.role_id,
                description=original.description,
                minutes=original.minutes if whole else 0,
                quantity=original.quantity if whole else 1,
                unit=original.unit if whole else "C62",
                unit_price=original.unit_price if whole else Money.from_minor(amount, invoice.currency).amount,
                hourly_rate=original.hourly_rate,
                amount_minor=amount,
                standard_minor=amount,
                # Taken back in full, its time leaves the invoice: its standard value goes with it (WIP again).
                time_value_minor=original.time_value_minor if whole else 0,
                period_start=original.period_start,
                period_end=original.period_end,
                tax_code_id=original.tax_code_id,
                tax_category=original.tax_category,
                tax_rate=original.tax_rate,
            )
        )
    tax_rows = apply_tax(note, credit_lines)
    if note.total_minor > invoice.total_minor - invoice.credited_minor:
        raise Invalid("A credit note cannot take back more than is left of the invoice.", code="credit_exceeds_invoice")
    InvoiceLine.objects.bulk_create(credit_lines)
    InvoiceTaxRow.objects.bulk_create(tax_rows)
    note.save(update_fields=["net_minor", "tax_minor", "total_minor", "total_minutes"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="credit_note.draft",
        obj=note,
        after={**audit.snapshot(note, CREDIT_FIELDS), "invoice": invoice.number, "lines": len(credit_lines)},
    )
    return note


# Lines whose work a credit note that takes them back in full returns (or writes off): time, expenses,
# instalments and retainer periods (a usage line's time too). Progress needs nothing: what it bills next is
# the share due less what was billed net of credit notes (`ready.billed_net`).
RETURNABLE = (LineKind.TIME, LineKind.EXPENSE, LineKind.FIXED, LineKind.RETAINER, LineKind.USAGE)


def credit_note_takes_effect(viewer: Viewer, note: Invoice) -> None:
    """On issue (inside the issuing transaction, the note already saved as issued): the credited invoice
    records the credit, and the work of lines now taken back in full is unbilled again or written off."""
    assert note.credited_invoice_id is not None
    invoice = Invoice.objects.select_for_update().get(pk=note.credited_invoice_id)
    if invoice.credited_minor + note.total_minor > invoice.total_minor:
        raise Conflict(
            f"{invoice.number} has {Money.from_minor(invoice.total_minor - invoice.credited_minor, invoice.currency)} "
            "left to credit; issue a smaller credit note.",
            code="credit_exceeds_invoice",
        )
    Invoice.objects.filter(pk=invoice.pk).update(credited_minor=invoice.credited_minor + note.total_minor)
    taken = credited_by_line(invoice, issued_only=True)
    mine = list(InvoiceLine.objects.filter(invoice=note).select_related("credited_line"))
    whole = [
        line
        for line in mine
        if line.credited_line is not None
        and line.credited_line.kind in RETURNABLE
        and taken.get(line.credited_line_id or 0, 0) >= line.credited_line.amount_minor
    ]
    written_off = not note.returns_work
    for line in whole:
        assert line.credited_line_id is not None  # `whole` holds credit lines of a credited line only
        entries = list(BilledTime.objects.filter(line_id=line.credited_line_id).values_list("time_entry_id", flat=True))
        CreditedTime.objects.bulk_create(
            [
                CreditedTime(
                    time_entry_id=e, original_line_id=line.credited_line_id, credit_line=line, written_off=written_off
                )
                for e in entries
            ]
        )
        BilledTime.objects.filter(line_id=line.credited_line_id).delete()
        if written_off and entries:
            TimeHold.objects.bulk_create(
                [
                    TimeHold(
                        time_entry_id=e,
                        reason=HoldReason.WRITTEN_OFF,
                        note=f"Credited by {note.number}"[:400],
                        decided_by_id=viewer.user_id,
                    )
                    for e in entries
                ]
            )
        spent = list(
            BilledExpense.objects.filter(line_id=line.credited_line_id).values_list("expense_line_id", flat=True)
        )
        CreditedExpense.objects.bulk_create(
            [
                CreditedExpense(
                    expense_line_id=e, original_line_id=line.credited_line_id, credit_line=line, written_off=written_off
                )
                for e in spent
            ]
        )
        BilledExpense.objects.filter(line_id=line.credited_line_id).delete()
        if written_off and spent:
            WrittenOffExpense.objects.bulk_create(
                [
                    WrittenOffExpense(
                        expense_line_id=e, note=f"Credited by {note.number}"[:400], decided_by_id=viewer.user_id
                    )
                    for e in spent
                ]
            )
        _return_instalments_and_periods(line.credited_line_id, line, written_off=written_off)


def _return_instalments_and_periods(original_line_id: int, credit_line: InvoiceLine, *, written_off: bool) -> None:
    """A fixed-fee instalment or a retainer period taken back in full: recorded, and due again unless the
    credit note writes work off (then its billing link stays, so it is never billed again)."""
    instalments = BilledInstalment.objects.filter(line_id=original_line_id)
    CreditedInstalment.objects.bulk_create(
        [
            CreditedInstalment(
                instalment_id=i, original_line_id=original_line_id, credit_line=credit_line, written_off=written_off
            )
            for i in instalments.values_list("instalment_id", flat=True)
        ]
    )
    periods = BilledPeriod.objects.filter(line_id=original_line_id)
    CreditedPeriod.objects.bulk_create(
        [
            CreditedPeriod(
                billing_line_id=billing_line_id,
                period_start=start,
                part=part,
                original_line_id=original_line_id,
                credit_line=credit_line,
                written_off=written_off,
            )
            for billing_line_id, start, part in periods.values_list("billing_line_id", "period_start", "part")
        ]
    )
    if not written_off:
        instalments.delete()
        periods.delete()
