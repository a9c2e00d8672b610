"""The invoice page's review of a draft and its credit notes (finance and administrators).

A draft shows each line's standard amount beside what it bills, with a reason for any difference; a line is written
up or down inline, time is held entry by entry, manual lines and discounts are added with a tax code, and the tax
summary, totals and realisation (billed ÷ standard) follow. An issued invoice shows the state a person reads
(issued, sent, partly paid, paid, overdue, credited), what is paid, credited and open, its credit notes, and makes
a credit note by lines or by amount. Every write is one action of `billing`; a refusal comes back on its form with
the refusal's status, and nothing changes.

The forms answer htmx with the invoice fragment (`web/invoices/detail.html#invoice`) and plain posts with a
redirect, or the page with its errors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from margin.accounts.queries import Viewer
from margin.billing import review
from margin.billing.crediting import CreditLine, credit_note_create, credited_by_line
from margin.billing.models import (
    BilledTime,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTaxRow,
    LineKind,
)
from margin.billing.queries import invoice_get, invoice_lines, worked_minutes_by_line
from margin.billing.rules import STATE_LABELS, invoice_state, open_minor
from margin.contracts.queries import tax_codes_of
from margin.core.errors import DomainError
from margin.timesheets.models import TimeEntry
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms import InvoiceIssueForm
from margin.web.forms_billing import CREDIT_AMOUNT_PREFIX, CreditNoteForm, HoldForm, LineAddForm, LineAdjustForm
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page

STATE_BADGES = {
    "draft": "bg-secondary-lt",
    "issued": "bg-blue-lt",
    "sent": "bg-azure-lt",
    "partly_paid": "bg-yellow-lt",
    "paid": "bg-green-lt",
    "overdue": "bg-red-lt",
    "credited": "bg-purple-lt",
}
LINE_KINDS = {kind.value: str(kind.label) for kind in LineKind}
# EN 16931 VAT categories, as a tax summary names them.
TAX_CATEGORIES = {
    "S": "VAT",
    "Z": "Zero-rated",
    "E": "Exempt",
    "AE": "Reverse charge",
    "G": "Export",
    "O": "Outside the scope of VAT",
    "": "No tax code",
}
PARTIAL = "web/invoices/detail.html#invoice"


def state_of(invoice: Invoice) -> str:
    """The state a person reads (`billing.rules.invoice_state`), as of today."""
    return invoice_state(
        issued=invoice.status == InvoiceStatus.ISSUED,
        sent=invoice.sent_at is not None,
        total_minor=invoice.total_minor,
        paid_minor=invoice.paid_minor,
        credited_minor=invoice.credited_minor,
        due_date=invoice.due_date if invoice.kind == DocumentKind.INVOICE else None,
        today=timezone.localdate(),
    )


# --- what the page shows ----------------------------------------------------------------------------------


@dataclass
class ReviewLine:
    """A line of a draft under review: what it bills against its standard, its time entries, and its forms."""

    line: InvoiceLine
    worked_minutes: int | None
    project_code: str
    entries: list[TimeEntry] = field(default_factory=list)
    adjust_form: StyledForm | None = None
    hold_form: StyledForm | None = None

    @property
    def difference_minor(self) -> int:
        return self.line.amount_minor - self.line.standard_minor

    @property
    def adjustable(self) -> bool:
        return self.line.kind != LineKind.DISCOUNT

    @property
    def removable(self) -> bool:
        return self.line.kind in (LineKind.MANUAL, LineKind.DISCOUNT)

    @property
    def holdable(self) -> bool:
        return self.line.kind == LineKind.TIME and bool(self.entries)

    @property
    def kind_label(self) -> str:
        return LINE_KINDS.get(self.line.kind, self.line.kind)


@dataclass(frozen=True)
class CreditRow:
    """A line of an issued invoice and what is left of it to credit."""

    line: InvoiceLine
    left_minor: int
    checked: bool
    partial: str


@dataclass(frozen=True)
class TaxRow:
    row: InvoiceTaxRow

    @property
    def label(self) -> str:
        name = TAX_CATEGORIES.get(self.row.category, self.row.category)
        return f"{name} {self.row.rate.normalize():f} %" if self.row.category in ("S", "") else name


def _pct(part: int, whole: int) -> Decimal | None:
    return None if whole <= 0 else (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def lines_context(invoice: Invoice) -> dict[str, Any]:
    """The lines of any invoice with the minutes worked behind its time lines (before rounding to the increment)."""
    worked = worked_minutes_by_line(invoice)
    lines = list(invoice_lines(invoice))
    for line in lines:
        line.worked_minutes = worked.get(line.pk)  # type: ignore[attr-defined]
    return {
        "invoice": invoice,
        "lines": lines,
        "worked_total": sum(worked.values()),
        "rounded": any(w != line.minutes for line in lines if (w := worked.get(line.pk)) is not None),
    }


def _entries_by_line(invoice: Invoice) -> dict[int, list[TimeEntry]]:
    """The time entries each time line of a draft bills, oldest first (what "Hold" offers)."""
    out: dict[int, list[TimeEntry]] = defaultdict(list)
    links = (
        BilledTime.objects.filter(line__invoice=invoice, line__kind=LineKind.TIME)
        .select_related("time_entry__person")
        .order_by("time_entry__work_date", "time_entry_id")
    )
    for link in links:
        out[link.line_id].append(link.time_entry)
    return out


def _tax_choices(invoice: Invoice) -> list[tuple[int, str]]:
    return [
        (c.pk, f"{c.code} · {c.name} ({c.rate.normalize():f} %)")
        for c in tax_codes_of(invoice.company_id, active_only=True)
    ]


def _project_choices(lines: list[InvoiceLine]) -> list[tuple[int, str]]:
    codes = {line.project_id: line.project.code for line in lines if line.project is not None}
    return sorted(((pk, code) for pk, code in codes.items() if pk is not None), key=lambda c: c[1])


def add_form(invoice: Invoice, kind: str, data: Any = None, lines: list[InvoiceLine] | None = None) -> LineAddForm:
    lines = lines if lines is not None else list(invoice_lines(invoice).select_related("project"))
    initial = {"tax_code": invoice.contract.tax_code_id if invoice.contract else None}
    return LineAddForm(
        data,
        currency=invoice.currency,
        tax_codes=_tax_choices(invoice),
        projects=_project_choices(lines),
        initial=initial,
        prefix=kind,
    )


def _draft_context(invoice: Invoice, forms: dict[str, Any]) -> dict[str, Any]:
    lines = list(invoice_lines(invoice).select_related("project"))
    worked = worked_minutes_by_line(invoice)
    entries = _entries_by_line(invoice)
    failed_line = forms.get("line_id")
    rows = [
        ReviewLine(
            line,
            worked.get(line.pk),
            line.project.code if line.project else "",
            entries.get(line.pk, []),
            adjust_form=forms.get("adjust_form") if failed_line == line.pk else None,
            hold_form=forms.get("hold_form") if failed_line == line.pk else None,
        )
        for line in lines
    ]
    work = [r.line for r in rows if r.line.kind not in (LineKind.MANUAL, LineKind.DISCOUNT)]
    standard = sum(line.standard_minor for line in work)
    billed = sum(line.amount_minor for line in work)
    projects = _project_choices(lines)
    return {
        "review_lines": rows,
        "standard_minor": standard,
        "work_billed_minor": billed,
        "realisation": _pct(billed, standard),
        "several_projects": len(projects) > 1,
        "add_forms": [
            ("manual", forms.get("manual_form") or add_form(invoice, "manual", lines=lines)),
            ("discount", forms.get("discount_form") or add_form(invoice, "discount", lines=lines)),
        ],
        "add_open": forms.get("add_open", ""),
    }


def _credit_context(invoice: Invoice, form: CreditNoteForm | None) -> dict[str, Any]:
    taken = credited_by_line(invoice)
    lines = [line for line in invoice_lines(invoice) if line.amount_minor > 0]
    left = {line.pk: line.amount_minor - taken.get(line.pk, 0) for line in lines}
    chosen = set(form.data.getlist("line")) if form is not None and isinstance(form.data, QueryDict) else set()
    rows = [
        CreditRow(
            line,
            left[line.pk],
            str(line.pk) in chosen,
            form.partials.get(line.pk, "") if form is not None else "",
        )
        for line in lines
    ]
    return {
        "credit_rows": rows,
        "credit_room_minor": sum(max(v, 0) for v in left.values()),
        "credit_left_minor": max(invoice.total_minor - invoice.credited_minor, 0),
        "credit_form": form or CreditNoteForm(currency=invoice.currency, line_ids=[line.pk for line in lines]),
        "credit_open": form is not None,
        "credit_amount_prefix": CREDIT_AMOUNT_PREFIX,
    }


def review_context(invoice: Invoice, **forms: Any) -> dict[str, Any]:
    """What the invoice page shows beside its lines: state, amounts, tax summary, and the review or credit forms."""
    state = state_of(invoice)
    context: dict[str, Any] = {
        "doc_state": state,
        "doc_state_label": STATE_LABELS[state],
        "doc_state_badge": STATE_BADGES.get(state, "bg-secondary-lt"),
        "is_credit_note": invoice.kind == DocumentKind.CREDIT_NOTE,
        "tax_rows": [TaxRow(r) for r in InvoiceTaxRow.objects.filter(invoice=invoice)],
        "open_minor": open_minor(
            total_minor=invoice.total_minor, paid_minor=invoice.paid_minor, credited_minor=invoice.credited_minor
        ),
        "review": invoice.status == InvoiceStatus.DRAFT and invoice.kind == DocumentKind.INVOICE,
    }
    if invoice.kind == DocumentKind.INVOICE:
        context["credit_notes"] = list(Invoice.objects.filter(credited_invoice=invoice).order_by("id"))
    if context["review"]:
        context.update(_draft_context(invoice, forms))
    elif invoice.kind == DocumentKind.INVOICE and invoice.status == InvoiceStatus.ISSUED:
        context.update(_credit_context(invoice, forms.get("credit_form")))
    return context


def issue_form_of(invoice: Invoice) -> InvoiceIssueForm:
    terms = invoice.contract.payment_terms_days if invoice.contract else invoice.client.payment_terms_days
    days = 0 if invoice.kind == DocumentKind.CREDIT_NOTE else terms
    return InvoiceIssueForm(initial={"payment_days": days})


def detail_context(invoice: Invoice, **extra: Any) -> dict[str, Any]:
    """The invoice page's whole context (the forms given in `extra` are the ones to show with their errors)."""
    return {**lines_context(invoice), **review_context(invoice, **extra), "issue_form": issue_form_of(invoice), **extra}


# --- answering the forms ----------------------------------------------------------------------------------


def _answer(
    request: HtmxRequest, viewer: Viewer, invoice_id: int, *, notice: str = "", status: int = 200, **forms: Any
) -> HttpResponse:
    """After a form: the invoice fragment (htmx), or a redirect to the page (done) or the page with errors."""
    invoice = invoice_get(viewer, invoice_id)  # as it is now
    if notice and not request.htmx:
        messages.success(request, notice)
        return redirect(reverse("web:invoice", args=[invoice.pk]))
    context = detail_context(invoice, review_notice=notice, **forms)
    if request.htmx:
        return render(request, PARTIAL, context, status=status)
    return page(request, viewer, "web/invoices/detail.html", context, active="invoices", status=status)


def _finance_invoice(viewer: Viewer, invoice_id: int) -> Invoice:
    invoice = invoice_get(viewer, invoice_id)
    require_finance(viewer)
    return invoice


@require_POST
@viewer_view
def invoice_line_adjust_view(request: HtmxRequest, viewer: Viewer, invoice_id: int, line_id: int) -> HttpResponse:
    invoice = _finance_invoice(viewer, invoice_id)
    form = LineAdjustForm(request.POST, currency=invoice.currency)
    if form.is_valid():
        try:
            line = review.invoice_line_adjust(
                viewer=viewer,
                invoice_id=invoice.pk,
                line_id=line_id,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            refuse(form, error, {"amount_minor": "amount"})
        else:
            if line.amount_minor == line.standard_minor:
                what = "is back at its standard amount"
            else:
                what = "is written down" if line.amount_minor < line.standard_minor else "is written up"
            return _answer(request, viewer, invoice.pk, notice=f"“{line.description}” {what}.")
    return _answer(request, viewer, invoice.pk, status=form.refusal_status, line_id=line_id, adjust_form=form)


@require_POST
@viewer_view
def invoice_line_add_view(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = _finance_invoice(viewer, invoice_id)
    kind = "discount" if request.POST.get("line_kind") == "discount" else "manual"
    form = add_form(invoice, kind, request.POST)
    if form.is_valid():
        try:
            review.invoice_line_add(
                viewer=viewer,
                invoice_id=invoice.pk,
                kind=kind,
                description=form.cleaned_data["description"],
                amount_minor=form.cleaned_data["amount"],
                project_id=form.cleaned_data["project"],
                tax_code_id=form.cleaned_data["tax_code"],
            )
        except DomainError as error:
            refuse(form, error, {"amount_minor": "amount", "tax_code_id": "tax_code", "project_id": "project"})
        else:
            what = "Discount" if kind == "discount" else "Line"
            return _answer(request, viewer, invoice.pk, notice=f"{what} “{form.cleaned_data['description']}” added.")
    forms: dict[str, Any] = {f"{kind}_form": form, "add_open": kind}
    return _answer(request, viewer, invoice.pk, status=form.refusal_status, **forms)


@require_POST
@viewer_view
def invoice_line_remove_view(request: HtmxRequest, viewer: Viewer, invoice_id: int, line_id: int) -> HttpResponse:
    invoice = _finance_invoice(viewer, invoice_id)
    try:
        review.invoice_line_remove(viewer=viewer, invoice_id=invoice.pk, line_id=line_id)
    except DomainError as error:
        return _answer(request, viewer, invoice.pk, status=error.status, review_error=error.message)
    return _answer(request, viewer, invoice.pk, notice="The line is removed.")


@require_POST
@viewer_view
def invoice_hold_view(request: HtmxRequest, viewer: Viewer, invoice_id: int, line_id: int) -> HttpResponse:
    """Hold the chosen entries of a time line for a later invoice."""
    invoice = _finance_invoice(viewer, invoice_id)
    form = HoldForm(request.POST)
    if form.is_valid():
        ids = form.cleaned_data["entry"]
        of_line = set(
            BilledTime.objects.filter(line_id=line_id, line__invoice=invoice).values_list("time_entry_id", flat=True)
        )
        if not set(ids) <= of_line:
            form.add_error("entry", "Choose time this line bills.")
        else:
            try:
                count = review.invoice_time_hold(
                    viewer=viewer, invoice_id=invoice.pk, entry_ids=ids, note=form.cleaned_data["note"]
                )
            except DomainError as error:
                refuse(form, error, {"entry_ids": "entry"})
            else:
                entries = "1 entry is" if count == 1 else f"{count} entries are"
                return _answer(request, viewer, invoice.pk, notice=f"{entries} held for a later invoice.")
    return _answer(request, viewer, invoice.pk, status=form.refusal_status, line_id=line_id, hold_form=form)


@require_POST
@viewer_view
def invoice_credit_view(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    """Draft a credit note of an issued invoice, by lines or by amount; then review and issue it on its own page."""
    invoice = _finance_invoice(viewer, invoice_id)
    line_ids = list(InvoiceLine.objects.filter(invoice=invoice, amount_minor__gt=0).values_list("id", flat=True))
    form = CreditNoteForm(request.POST, currency=invoice.currency, line_ids=line_ids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["mode"] == "amount":
                note = credit_note_create(
                    viewer=viewer,
                    invoice=invoice,
                    reason=data["reason"],
                    amount_minor=data["amount_minor"],
                    returns_work=data["returns"] == "return",
                )
            else:
                note = credit_note_create(
                    viewer=viewer,
                    invoice=invoice,
                    reason=data["reason"],
                    lines=[CreditLine(line_id, amount) for line_id, amount in data["parts"].items()],
                    returns_work=data["returns"] == "return",
                )
        except DomainError as error:
            field = "amount" if data["mode"] == "amount" else "line"
            refuse(form, error, {"amount_minor": field, "lines": field})
        else:
            url = reverse("web:invoice", args=[note.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _answer(request, viewer, invoice.pk, status=form.refusal_status, credit_form=form)
