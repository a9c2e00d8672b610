"""Reviewing a draft before it is issued: write a line up or down with a reason, hold time for a later
invoice, add manual lines and discounts, and decide on time over a cap.

A line keeps its standard amount (what the rates said) beside the amount billed, so realisation
(billed ÷ standard) is known for every line, project and person. Every change recalculates the draft's
tax summary and totals from its lines, so they can never disagree. Only drafts change: an issued
document is corrected by a credit note.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum

from margin.accounts.queries import Viewer
from margin.billing.access import require_finance
from margin.billing.drafting import apply_tax
from margin.billing.models import (
    BilledTime,
    HoldReason,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTaxRow,
    LineKind,
    TimeHold,
)
from margin.contracts import taxes
from margin.contracts.models import TaxCode
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound
from margin.rates.rules import convert_minor, value_of_minutes
from margin.timesheets.models import EntryStatus, TimeEntry

LINE_FIELDS = ["kind", "description", "amount_minor", "standard_minor", "adjustment_reason", "minutes", "tax_minor"]
MAX_MINOR = 10**15


def _draft_of(viewer: Viewer, invoice_id: int) -> Invoice:
    """The draft, locked, after checking who may change it."""
    require_finance(viewer)
    invoice = (
        Invoice.objects.select_for_update()
        .filter(id=invoice_id, organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
        .first()
    )
    if invoice is None:
        raise NotFound("No such invoice.")
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice {invoice.number} is issued: correct it with a credit note.")
    return invoice


def recalculate(invoice: Invoice) -> None:
    """The draft's tax summary and totals, from its lines."""
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("position", "id"))
    rows = apply_tax(invoice, lines)
    InvoiceLine.objects.bulk_update(lines, ["tax_minor"])
    InvoiceTaxRow.objects.filter(invoice=invoice).delete()
    InvoiceTaxRow.objects.bulk_create(rows)
    invoice.save(update_fields=["net_minor", "tax_minor", "total_minor", "total_minutes"])


def _line_of(invoice: Invoice, line_id: int) -> InvoiceLine:
    line = InvoiceLine.objects.filter(invoice=invoice, id=line_id).first()
    if line is None:
        raise NotFound("No such line on this invoice.")
    return line


def _record(viewer: Viewer, action: str, invoice: Invoice, before: dict[str, object], after: dict[str, object]) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=invoice,
        before=before,
        after=after,
    )


@transaction.atomic
def invoice_line_adjust(
    *, viewer: Viewer, invoice_id: int, line_id: int, amount_minor: int, reason: str
) -> InvoiceLine:
    """Write a line up or down to `amount_minor`, saying why. Its standard amount stays as it was."""
    invoice = _draft_of(viewer, invoice_id)
    line = _line_of(invoice, line_id)
    reason = reason.strip()
    if line.kind == LineKind.DISCOUNT:
        raise Invalid("Change a discount's amount by removing it and adding it again.", field="amount_minor")
    if not 0 <= amount_minor <= MAX_MINOR:
        raise Invalid("A line's amount cannot be negative; add a discount to reduce the invoice.", field="amount_minor")
    if amount_minor != line.standard_minor and not reason:
        raise Invalid("Say why the line is written up or down.", field="reason")
    before = {"line": line.pk, **audit.snapshot(line, LINE_FIELDS)}
    line.amount_minor = amount_minor
    line.adjustment_reason = reason[:400] if amount_minor != line.standard_minor else ""
    line.save(update_fields=["amount_minor", "adjustment_reason"])
    recalculate(invoice)
    line.refresh_from_db()
    _record(viewer, "invoice.line_adjust", invoice, before, {"line": line.pk, **audit.snapshot(line, LINE_FIELDS)})
    return line


def _tax_code(invoice: Invoice, tax_code_id: int | None) -> TaxCode | None:
    if tax_code_id is None:
        return invoice.contract.tax_code if invoice.contract else None
    code = TaxCode.objects.filter(id=tax_code_id, company_id=invoice.company_id, active=True).first()
    if code is None:
        raise Invalid("No such active tax code in this invoice's company.", field="tax_code_id")
    client = invoice.client
    reason = taxes.fits(client.tax_treatment, code.kind, buyer_vat_id=client.tax_id, buyer_name=client.name)
    if reason is not None:
        raise Invalid(reason, field="tax_code_id", code="tax_code_does_not_fit")
    return code


@transaction.atomic
def invoice_line_add(
    *,
    viewer: Viewer,
    invoice_id: int,
    kind: str,
    description: str,
    amount_minor: int,
    project_id: int | None = None,
    tax_code_id: int | None = None,
) -> InvoiceLine:
    """Add a manual line or a discount (given as a positive amount, stored negative) to a draft."""
    invoice = _draft_of(viewer, invoice_id)
    if kind not in (LineKind.MANUAL, LineKind.DISCOUNT):
        raise Invalid("Add a manual line or a discount.", field="kind")
    description = description.strip()
    if not description:
        raise Invalid("Describe the line.", field="description")
    if not 0 < amount_minor <= MAX_MINOR:
        raise Invalid("The amount must be more than zero.", field="amount_minor")
    if kind == LineKind.DISCOUNT and amount_minor > invoice.net_minor:
        raise Invalid("A discount cannot be more than the invoice's net amount.", field="amount_minor")
    projects = set(InvoiceLine.objects.filter(invoice=invoice).values_list("project_id", flat=True))
    if project_id is None:
        project_id = invoice.project_id or min((p for p in projects if p is not None), default=None)
    elif project_id not in projects and project_id != invoice.project_id:
        raise Invalid("A line bills one of the invoice's projects.", field="project_id")
    code = _tax_code(invoice, tax_code_id)
    signed = -amount_minor if kind == LineKind.DISCOUNT else amount_minor
    last = InvoiceLine.objects.filter(invoice=invoice).order_by("-position").values_list("position", flat=True).first()
    line = InvoiceLine.objects.create(
        invoice=invoice,
        position=(last or 0) + 1,
        kind=kind,
        project_id=project_id,
        description=description[:400],
        minutes=0,
        quantity=1,
        unit="C62",
        unit_price=0,
        hourly_rate=0,
        amount_minor=signed,
        standard_minor=signed,
        tax_code=code,
        tax_category=taxes.category_of(code.kind) if code else "",
        tax_rate=code.rate if code else 0,
    )
    recalculate(invoice)
    line.refresh_from_db()
    _record(viewer, "invoice.line_add", invoice, {}, {"line": line.pk, **audit.snapshot(line, LINE_FIELDS)})
    return line


@transaction.atomic
def invoice_line_remove(*, viewer: Viewer, invoice_id: int, line_id: int) -> None:
    """Remove a manual line or a discount from a draft (billed work is held, not removed)."""
    invoice = _draft_of(viewer, invoice_id)
    line = _line_of(invoice, line_id)
    if line.kind not in (LineKind.MANUAL, LineKind.DISCOUNT):
        raise Conflict("Only manual lines and discounts are removed; hold time to bill it later.")
    before = {"line": line.pk, **audit.snapshot(line, LINE_FIELDS)}
    line.delete()
    recalculate(invoice)
    _record(viewer, "invoice.line_remove", invoice, before, {})


@transaction.atomic
def invoice_time_hold(*, viewer: Viewer, invoice_id: int, entry_ids: Sequence[int], note: str = "") -> int:
    """Take entries off a draft and hold them for a later invoice. Their lines shrink by the entries'
    minutes, valued at the line's rate again (one rounding per line, as drafting does); a line left with
    no time goes. Returns how many entries were held."""
    invoice = _draft_of(viewer, invoice_id)
    links = list(
        BilledTime.objects.filter(line__invoice=invoice, time_entry_id__in=list(entry_ids)).select_related(
            "time_entry", "line"
        )
    )
    if len(links) != len(set(entry_ids)) or not links:
        raise Invalid("Hold only time that this draft bills.", field="entry_ids")
    lines = {link.line_id: link.line for link in links}
    if any(line.kind != LineKind.TIME for line in lines.values()):
        raise Conflict("A retainer period's time is settled as a whole; it cannot be held entry by entry.")
    BilledTime.objects.filter(pk__in=[link.pk for link in links]).delete()
    TimeHold.objects.bulk_create(
        [
            TimeHold(
                time_entry_id=link.time_entry_id, reason=HoldReason.HELD, note=note[:400], decided_by_id=viewer.user_id
            )
            for link in links
        ]
    )
    left = {
        r["line_id"]: r
        for r in BilledTime.objects.filter(line_id__in=list(lines))
        .values("line_id")
        .annotate(
            minutes=Sum("time_entry__billable_minutes"), value=Sum("time_entry__bill_amount_minor"), n=Count("pk")
        )
        .order_by()
    }
    for line_id, line in lines.items():
        if line_id not in left:
            line.delete()
            continue
        minutes = int(left[line_id]["minutes"])
        source = invoice.company_currency or invoice.currency
        standard = value_of_minutes(minutes, line.hourly_rate, source).to_minor()
        if source != invoice.currency:
            standard = convert_minor(standard, source, invoice.currency, Decimal(1) / invoice.exchange_rate)
        written = line.amount_minor - line.standard_minor
        line.minutes = minutes
        line.quantity = (Decimal(minutes) / 60).quantize(Decimal("0.0001"))
        line.standard_minor = standard
        line.amount_minor = max(standard + written, 0)
        line.time_value_minor = int(left[line_id]["value"])
        line.save(update_fields=["minutes", "quantity", "standard_minor", "amount_minor", "time_value_minor"])
    recalculate(invoice)
    _record(
        viewer,
        "invoice.time_hold",
        invoice,
        {},
        {"entries": sorted(link.time_entry_id for link in links), "note": note[:400]},
    )
    return len(links)


@transaction.atomic
def time_release(*, viewer: Viewer, entry_ids: Sequence[int]) -> int:
    """Release held time: it is ready to bill again."""
    require_finance(viewer)
    holds = TimeHold.objects.select_for_update().filter(
        time_entry_id__in=list(entry_ids),
        time_entry__organisation_id=viewer.organisation_id,
        time_entry__company_id__in=viewer.company_ids,
        reason=HoldReason.HELD,
    )
    released = sorted(holds.values_list("time_entry_id", flat=True))
    if len(released) != len(set(entry_ids)):
        raise Invalid("Release only time that is held.", field="entry_ids")
    holds.delete()
    _record_entries(viewer, "time.release", released, {"hold": HoldReason.HELD}, None)
    return len(released)


def _record_entries(
    viewer: Viewer, action: str, entry_ids: Sequence[int], before: dict[str, str] | None, after: dict[str, str] | None
) -> None:
    audit.record_many(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        changes=[audit.Change("timesheets.timeentry", entry_id, before, after) for entry_id in entry_ids],
    )


DECISIONS = {"bill": HoldReason.BILL_OVER_CAP, "write_off": HoldReason.WRITTEN_OFF}


@transaction.atomic
def over_cap_decide(*, viewer: Viewer, entry_ids: Sequence[int], decision: str, note: str = "") -> int:
    """Decide on time held over a cap: bill it (on the next invoice, outside the cap) or write it off."""
    require_finance(viewer)
    if decision not in DECISIONS:
        raise Invalid("Decide to bill the time or to write it off.", field="decision")
    if decision == "write_off" and not note.strip():
        raise Invalid("Say why the time is written off.", field="note")
    holds = TimeHold.objects.select_for_update().filter(
        time_entry_id__in=list(entry_ids),
        time_entry__organisation_id=viewer.organisation_id,
        time_entry__company_id__in=viewer.company_ids,
        time_entry__status=EntryStatus.APPROVED,
        reason=HoldReason.OVER_CAP,
    )
    decided = sorted(holds.values_list("time_entry_id", flat=True))
    if not decided or len(decided) != len(set(entry_ids)):
        raise Invalid("Decide only on time held over a cap.", field="entry_ids")
    holds.update(reason=DECISIONS[decision], note=note.strip()[:400], decided_by_id=viewer.user_id)
    _record_entries(
        viewer,
        f"time.over_cap_{decision}",
        decided,
        {"hold": HoldReason.OVER_CAP},
        {"hold": DECISIONS[decision], "note": note.strip()[:400]},
    )
    return len(decided)


def held_time(viewer: Viewer, contract_id: int) -> list[TimeEntry]:
    """Time of a contract's projects held, over its cap or written off, oldest first."""
    return list(
        TimeEntry.objects.filter(
            project__coverage__contract_id=contract_id,
            organisation_id=viewer.organisation_id,
            company_id__in=viewer.company_ids,
            hold__isnull=False,
        )
        .select_related("hold", "person", "task", "project")
        .order_by("work_date", "id")
    )
