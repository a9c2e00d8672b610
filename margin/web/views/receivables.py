"""Receivables (finance and administrators): payments (record one with an amount per open invoice, allocate
more, take back, delete), bank statements (import a CSV, accept a suggestion per line), the ageing with its
stacked bar chart (inline SVG drawn here, no script) and DSO, and a client's statement of account (page and CSV).

Views only translate: a form parses, one action writes, a refusal comes back on the form with its status.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, companies_visible
from margin.core.errors import DomainError, Forbidden
from margin.core.money import Money, is_currency
from margin.crm.models import Client
from margin.crm.queries import client_get, clients_visible
from margin.receivables import actions
from margin.receivables.models import BankStatement, Payment, PaymentAllocation, StatementLine
from margin.receivables.queries import (
    CompanyAgeing,
    ageing_of,
    client_credit,
    dso_of,
    open_invoices,
    payment_get,
    payments_visible,
    receivable_invoice_get,
    statement_get,
    statement_line_get,
    statement_lines_with_suggestions,
    statement_of_account,
    statements_visible,
)
from margin.receivables.rules import BUCKETS, StatementLinesInvalid, csv_cell
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms_firm import refuse
from margin.web.forms_receivables import (
    AcceptForm,
    AgeingFilter,
    AllocateForm,
    PaymentForm,
    PeriodFilter,
    StatementUploadForm,
    minor_of,
)
from margin.web.pages import page
from margin.web.views.settings import checked_id

PAGE_SIZE = 50
ACTIVE = "receivables"


def _money(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency))


# --- payments --------------------------------------------------------------------------------------------------


def _default_company(viewer: Viewer) -> Company | None:
    """The first company (by name) with something open, else the first company."""
    companies = companies_visible(viewer)
    return companies.filter(id__in=open_invoices(viewer).values("company_id")).first() or companies.first()


def _forms_scope(viewer: Viewer) -> dict[str, QuerySet[Any]]:
    return {"companies": companies_visible(viewer), "clients": clients_visible(viewer).filter(active=True)}


@dataclass(frozen=True)
class OpenRow:
    invoice: Any  # an Invoice with `open_amount`
    typed: str  # what was typed against it (a form shown again)
    overdue: bool


def _rows(invoices: list[Any], typed: dict[str, Any]) -> list[OpenRow]:
    today = timezone.localdate()
    return [
        OpenRow(i, str(typed.get(f"alloc-{i.pk}", "")), i.due_date is not None and i.due_date < today) for i in invoices
    ]


def _open_for(viewer: Viewer, *, client_id: Any, company_id: Any, currency: Any) -> list[Any]:
    """The open invoices a payment of this client, to this company, in this currency may settle."""
    try:
        client, company = int(client_id), int(company_id)
    except (TypeError, ValueError):
        return []
    currency = str(currency or "").strip().upper()
    if not is_currency(currency) or client <= 0 or company <= 0:
        return []
    return list(open_invoices(viewer).filter(client_id=client, company_id=company, currency=currency)[:200])


def _with_allocations(rows: QuerySet[Payment]) -> QuerySet[Payment]:
    return rows.prefetch_related(
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice_id"))
    )


def _payments_page(
    request: HtmxRequest, viewer: Viewer, form: PaymentForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    rows = _with_allocations(payments_visible(viewer).order_by("-received_on", "-id"))
    client_filter = request.GET.get("client_filter", "")
    if client_filter.isdigit():
        rows = rows.filter(client_id=int(client_filter))
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page_obj.object_list)
    for payment in listed:
        payment.on_account = payment.settles_minor - int(payment.allocated_minor)  # type: ignore[attr-defined]
    values = form.data if form.is_bound else {**form.initial}
    chosen = {k: values.get(k) for k in ("client", "company", "currency")}
    invoices = _open_for(viewer, client_id=chosen["client"], company_id=chosen["company"], currency=chosen["currency"])
    context = {
        "form": _client_picks_currency(form),
        "payments": listed,
        "page_obj": page_obj,
        "open": _rows(invoices, dict(form.data.items()) if form.is_bound else {}),
        "clients": clients_visible(viewer).order_by("name"),
        "client_filter": client_filter,
        **extra,
    }
    return page(request, viewer, "web/receivables/payments.html", context, active=ACTIVE, status=status)


@viewer_view
def payment_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    companies = companies_visible(viewer)
    initial: dict[str, Any] = {"received_on": timezone.localdate(), "method": "bank_transfer"}
    company = (
        companies.filter(pk=request.GET.get("company") or 0).first()
        if request.GET.get("company", "").isdigit()
        else None
    )
    company = company or _default_company(viewer)
    if company is not None:
        initial.update(company=company.pk, currency=company.base_currency)
    client_id = request.GET.get("client", "")
    if client_id.isdigit():
        client = clients_visible(viewer).filter(pk=int(client_id)).first()
        if client is not None:
            initial.update(client=client.pk, currency=client.currency)
            # Where the client owes most often starts the form: their oldest open invoice's company and currency.
            oldest = open_invoices(viewer).filter(client=client).first()
            if oldest is not None and not request.GET.get("company"):
                initial.update(company=oldest.company_id, currency=oldest.currency)
    if is_currency(request.GET.get("currency", "").upper()):
        initial["currency"] = request.GET["currency"].upper()
    return _payments_page(request, viewer, PaymentForm(initial=initial, **_forms_scope(viewer)))


def _currency_for(viewer: Viewer, *, client_id: Any, company_id: Any) -> str | None:
    """The currency a payment of this client to this company most likely is: that of their oldest open invoice
    there, else the client's own."""
    try:
        client, company = int(client_id), int(company_id)
    except (TypeError, ValueError):
        return None
    oldest = open_invoices(viewer).filter(client_id=client, company_id=company).first()
    if oldest is not None:
        return oldest.currency
    found = clients_visible(viewer).filter(pk=client).values_list("currency", flat=True).first()
    return str(found) if found else None


@viewer_view
def payment_open_invoices(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The open invoices of the chosen client, company and currency, each with an amount to allocate (htmx). With
    `pick_currency` (a client was just chosen) the currency follows the client's open invoices, and the form's
    currency field is swapped out of band to say so."""
    require_finance(viewer)
    currency = request.GET.get("currency")
    picked = None
    if request.GET.get("pick_currency"):
        picked = _currency_for(viewer, client_id=request.GET.get("client"), company_id=request.GET.get("company"))
        currency = picked or currency
    rows = _open_for(
        viewer, client_id=request.GET.get("client"), company_id=request.GET.get("company"), currency=currency
    )
    context = {"open": _rows(rows, {}), "picked_currency": picked}
    return render(request, "web/receivables/payments.html#open_invoices", context)


def _client_picks_currency(form: PaymentForm) -> PaymentForm:
    """Choosing a client asks for their open invoices and their currency (htmx, see payment_open_invoices)."""
    form.fields["client"].widget.attrs.update(
        {
            "hx-get": reverse("web:payment_open_invoices") + "?pick_currency=1",
            "hx-include": "#payment-form",
            "hx-target": "#open-invoices",
            "hx-trigger": "change",
            # The latest choice wins: a slower answer to an earlier change (of the company) is dropped.
            "hx-sync": "#open-invoices:replace",
        }
    )
    return form


def _allocations(viewer: Viewer, typed: list[tuple[int, int]]) -> list[actions.AllocationIn]:
    return [actions.AllocationIn(receivable_invoice_get(viewer, invoice_id), amount) for invoice_id, amount in typed]


@require_POST
@viewer_view
def payment_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    form = PaymentForm(request.POST, **_forms_scope(viewer))
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = actions.payment_record(
                viewer=viewer,
                company=data["company"],
                client=data["client"],
                received_on=data["received_on"],
                currency=data["currency"],
                amount_minor=data["amount_minor"],
                bank_charges_minor=data.get("bank_charges_minor", 0),
                reference=data["reference"],
                method=data["method"],
                note=data["note"],
                allocations=_allocations(viewer, form.allocations),
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error, {"amount_minor": "amount", "bank_charges_minor": "bank_charges"})
        else:
            messages.success(
                request,
                f"The payment of {_money(payment.amount_minor, payment.currency)} from {payment.client} is recorded.",
            )
            return redirect("web:payment", payment.pk)
    return _payments_page(request, viewer, form, status=form.refusal_status if form.errors else 422)


def _payment_context(viewer: Viewer, payment: Payment, form: AllocateForm | None = None) -> dict[str, Any]:
    payment = _with_allocations(payments_visible(viewer)).get(pk=payment.pk)
    allocated = {a.invoice_id for a in payment.allocations.all()}
    candidates = _open_for(
        viewer, client_id=payment.client_id, company_id=payment.company_id, currency=payment.currency
    )
    typed = dict(form.data.items()) if form is not None and form.is_bound else {}
    ordered = [i for i in candidates if i.pk not in allocated] + [i for i in candidates if i.pk in allocated]
    return {
        "payment": payment,
        "unallocated": payment.settles_minor - int(getattr(payment, "allocated_minor", 0)),
        "open": _rows(ordered, typed),
        "allocate_form": form or AllocateForm(currency=payment.currency),
    }


@viewer_view
def payment_detail(request: HtmxRequest, viewer: Viewer, payment_id: int) -> HttpResponse:
    payment = payment_get(viewer, checked_id(payment_id))
    return page(request, viewer, "web/receivables/payment.html", _payment_context(viewer, payment), active=ACTIVE)


@require_POST
@viewer_view
def payment_allocate_view(request: HtmxRequest, viewer: Viewer, payment_id: int) -> HttpResponse:
    payment = payment_get(viewer, checked_id(payment_id))
    form = AllocateForm(request.POST, currency=payment.currency)
    if form.is_valid():
        try:
            actions.payment_allocate(viewer=viewer, payment=payment, allocations=_allocations(viewer, form.allocations))
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, "The allocation is saved.")
            return redirect("web:payment", payment.pk)
    status = form.refusal_status if form.errors else 422
    context = _payment_context(viewer, payment, form)
    return page(request, viewer, "web/receivables/payment.html", context, active=ACTIVE, status=status)


@require_POST
@viewer_view
def payment_unallocate_view(request: HtmxRequest, viewer: Viewer, payment_id: int) -> HttpResponse:
    payment = payment_get(viewer, checked_id(payment_id))
    invoice_id = request.POST.get("invoice", "")
    invoice = receivable_invoice_get(viewer, checked_id(int(invoice_id))) if invoice_id.isdigit() else None
    actions.payment_unallocate(viewer=viewer, payment=payment, invoice=invoice)
    messages.success(request, "The allocation was taken back: it is credit on the client's account again.")
    return redirect("web:payment", payment.pk)


@require_POST
@viewer_view
def payment_delete_view(request: HtmxRequest, viewer: Viewer, payment_id: int) -> HttpResponse:
    payment = payment_get(viewer, checked_id(payment_id))
    actions.payment_delete(viewer=viewer, payment=payment)
    messages.success(request, f"The payment of {_money(payment.amount_minor, payment.currency)} was deleted.")
    return redirect("web:payments")


# --- bank statements ---------------------------------------------------------------------------------------------


def _statements_page(
    request: HtmxRequest, viewer: Viewer, form: StatementUploadForm, *, status: int = 200, problems: Any = None
) -> HttpResponse:
    context = {
        "form": form,
        "statements": statements_visible(viewer).order_by("-imported_at", "-id")[:100],
        "problems": problems or [],
    }
    return page(request, viewer, "web/receivables/statements.html", context, active=ACTIVE, status=status)


@viewer_view
def statement_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    default = _default_company(viewer)
    form = StatementUploadForm(
        companies=companies_visible(viewer), initial={"company": default.pk if default else None}
    )
    return _statements_page(request, viewer, form)


@require_POST
@viewer_view
def statement_upload(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    form = StatementUploadForm(request.POST, request.FILES, companies=companies_visible(viewer))
    problems: list[Any] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = actions.bank_statement_import(
                viewer=viewer,
                company=form.cleaned_data["company"],
                data=upload.read(),
                filename=upload.name or "",
                order=form.cleaned_data["date_order"],
            )
        except Forbidden:
            raise
        except StatementLinesInvalid as error:
            form.add_error(
                "file", f"{len({p.line for p in error.problems})} lines cannot be read; nothing was imported."
            )
            form.refusal_status = error.status
            problems = error.problems
        except DomainError as error:
            refuse(form, error)
        else:
            n, skipped = statement.line_count, statement.duplicate_count
            notice = f"{n} line{'s' if n != 1 else ''} imported from {statement.filename or 'the file'}."
            if skipped:
                notice += f" {skipped} line{'s' if skipped != 1 else ''} had been imported before and were skipped."
            messages.success(request, notice)
            return redirect("web:bank_statement", statement.pk)
    status = form.refusal_status if form.errors else 422
    return _statements_page(request, viewer, form, status=status, problems=problems)


def _statement_context(viewer: Viewer, statement: BankStatement) -> dict[str, Any]:
    rows = statement_lines_with_suggestions(viewer, statement)
    return {
        "statement": statement,
        "rows": rows,
        "waiting": sum(1 for r in rows if r.payment_id is None and r.line.amount_minor > 0),
        "clients": clients_visible(viewer).filter(active=True).order_by("name"),
    }


@viewer_view
def statement_detail(request: HtmxRequest, viewer: Viewer, statement_id: int) -> HttpResponse:
    statement = statement_get(viewer, checked_id(statement_id))
    return page(request, viewer, "web/receivables/statement.html", _statement_context(viewer, statement), active=ACTIVE)


@require_POST
@viewer_view
def statement_line_accept_view(request: HtmxRequest, viewer: Viewer, statement_line_id: int) -> HttpResponse:
    line: StatementLine = statement_line_get(viewer, checked_id(statement_line_id))
    form = AcceptForm(request.POST)
    error_text = ""
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            charges = minor_of(data.get("bank_charges") or "", line.currency, label="Bank charges")
            invoice = receivable_invoice_get(viewer, data["invoice"]) if data.get("invoice") else None
            client: Client | None = client_get(viewer, data["client"]) if data.get("client") else None
            payment = actions.statement_line_accept(
                viewer=viewer, line=line, invoice=invoice, client=client, bank_charges_minor=charges
            )
        except Forbidden:
            raise
        except DomainError as error:
            error_text, status = error.message, error.status
        except ValidationError as error:  # the typed bank charges
            error_text, status = " ".join(error.messages), 422
        else:
            notice = f"Recorded as a payment of {payment.client}: {_money(payment.amount_minor, payment.currency)}."
            if not request.htmx:
                messages.success(request, notice)
                return redirect("web:bank_statement", line.statement_id)
    else:
        error_text, status = "Choose an invoice or a client.", 422
    if request.htmx:
        row = next(r for r in statement_lines_with_suggestions(viewer, line.statement) if r.line.pk == line.pk)
        context = {"row": row, "error": error_text, "clients": clients_visible(viewer).filter(active=True)}
        return render(request, "web/receivables/statement.html#line", context, status=status)
    if error_text:
        messages.error(request, error_text)
    return redirect("web:bank_statement", line.statement_id)


# --- the ageing and its chart -----------------------------------------------------------------------------------

BUCKET_COLOURS = ("#2fb344", "#f59f00", "#f76707", "#d63939", "#8b1a3d")
CHART_WIDTH = 760
LABEL_WIDTH = 190
VALUE_WIDTH = 120
ROW_HEIGHT = 30
BAR_HEIGHT = 18
CHART_ROWS = 12


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    title: str
    bucket: str


@dataclass(frozen=True)
class ChartRow:
    y: int
    label: str
    total: str
    segments: list[Segment]
    strong: bool = False

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4


@dataclass(frozen=True)
class AgeingChart:
    """A horizontal stacked bar per client (the largest first; the company's total on top), one colour per
    bucket, drawn as SVG rectangles. Every label is text, escaped by the template."""

    width: int
    height: int
    bar_x: int
    value_x: int
    rows: list[ChartRow]
    legend: list[tuple[str, str, int]]  # label, colour, x
    legend_y: int
    currency: str


def ageing_chart(ageing: CompanyAgeing, limit: int = CHART_ROWS) -> AgeingChart | None:
    """The chart of a company's ageing, in its own currency (each invoice converted at its rate)."""
    if not ageing.total:
        return None
    currency = ageing.currency
    rows_of = [("All clients", ageing.converted, True)] + [
        (c.client_name, c.buckets, False) for c in ageing.clients[:limit]
    ]
    if len(ageing.clients) > limit:
        rest = [0] * len(BUCKETS)
        for c in ageing.clients[limit:]:
            rest = [a + b for a, b in zip(rest, c.buckets, strict=True)]
        rows_of.append((f"{len(ageing.clients) - limit} other clients", tuple(rest), False))
    largest = max(sum(values) for _, values, _ in rows_of[1:]) if len(rows_of) > 1 else ageing.total
    bar_width = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, (label, values, strong) in enumerate(rows_of):
        scale = bar_width / (ageing.total if strong else max(largest, 1))
        x = float(LABEL_WIDTH)
        segments = []
        for bucket, colour, value in zip(BUCKETS, BUCKET_COLOURS, values, strict=True):
            if value <= 0:
                continue
            width = max(value * scale, 1.5)
            segments.append(
                Segment(
                    round(x, 2),
                    round(width, 2),
                    colour,
                    f"{label} — {bucket.label}: {_money(value, currency)}",
                    bucket.key,
                )
            )
            x += width
        y = 8 + index * ROW_HEIGHT + (10 if index else 0)
        rows.append(ChartRow(y, label, _money(sum(values), currency), segments, strong))
    legend_y = rows[-1].y + ROW_HEIGHT + 14
    legend = [
        (b.label, colour, LABEL_WIDTH + i * 112)
        for i, (b, colour) in enumerate(zip(BUCKETS, BUCKET_COLOURS, strict=True))
    ]
    return AgeingChart(
        width=CHART_WIDTH,
        height=legend_y + 14,
        bar_x=LABEL_WIDTH,
        value_x=CHART_WIDTH - 4,
        rows=rows,
        legend=legend,
        legend_y=legend_y,
        currency=currency,
    )


@viewer_view
def receivables_ageing(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    companies = companies_visible(viewer)
    form = AgeingFilter(request.GET or None, companies=companies)
    status = 200
    if form.is_bound and not form.is_valid():
        status = 422
        company, as_of = _default_company(viewer), timezone.localdate()
    else:
        data = form.cleaned_data if form.is_bound else {}
        company = data.get("company") or _default_company(viewer)
        as_of = data.get("as_of") or timezone.localdate()
    if not form.is_bound:
        form = AgeingFilter(initial={"company": company.pk if company else None, "as_of": as_of}, companies=companies)
    ageing = ageing_of(viewer, as_of=as_of, company=company)[0] if company is not None else None
    dso = dso_of(viewer, company=company, as_of=as_of) if company is not None else None
    context = {
        "form": form,
        "ageing": ageing,
        "as_of": as_of,
        "dso": dso,
        "buckets": BUCKETS,
        "chart": ageing_chart(ageing) if ageing is not None else None,
    }
    return page(request, viewer, "web/receivables/ageing.html", context, active=ACTIVE, status=status)


# --- statements of account ---------------------------------------------------------------------------------------


def _statement_of(request: HtmxRequest, viewer: Viewer, client_id: int) -> tuple[Client, PeriodFilter, Any, int]:
    client = client_get(viewer, checked_id(client_id))
    require_finance(viewer)
    form = PeriodFilter(request.GET or {})
    status = 200
    if not form.is_valid():
        status = 422
        form_ok = PeriodFilter({})
        form_ok.is_valid()
        first, last = form_ok.cleaned_data["first"], form_ok.cleaned_data["last"]
    else:
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        form = PeriodFilter(initial={"first": first, "last": last})  # shows the period it defaulted to
    return client, form, statement_of_account(viewer, client=client, first=first, last=last), status


@viewer_view
def client_statement(request: HtmxRequest, viewer: Viewer, client_id: int) -> HttpResponse:
    client, form, statement, status = _statement_of(request, viewer, client_id)
    context = {
        "client": client,
        "form": form,
        "statement": statement,
        "credit": client_credit(viewer, client),
        "query": request.GET.urlencode(),
    }
    return page(request, viewer, "web/receivables/statement_of_account.html", context, active=ACTIVE, status=status)


@viewer_view
def client_statement_csv(request: HtmxRequest, viewer: Viewer, client_id: int) -> HttpResponse:
    """The statement of account as CSV: every text cell guarded (`csv_cell`), so a reference from a bank file
    that starts like a formula is shown as text by a spreadsheet."""
    client, _, statement, status = _statement_of(request, viewer, client_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Client", "Currency", "Date", "Kind", "Reference", "Due", "Debit", "Credit", "Balance", "Note"])
    for account in statement.accounts:
        c = account.currency
        writer.writerow(
            [
                csv_cell(client.name),
                c,
                statement.first.isoformat(),
                "opening",
                "",
                "",
                "",
                "",
                _plain(account.opening_minor, c),
                "",
            ]
        )
        for line in account.lines:
            e = line.entry
            writer.writerow(
                [
                    csv_cell(client.name),
                    c,
                    e.day.isoformat(),
                    e.kind,
                    csv_cell(e.reference),
                    e.due_date.isoformat() if e.due_date else "",
                    _plain(e.debit_minor, c) if e.debit_minor else "",
                    _plain(e.credit_minor, c) if e.credit_minor else "",
                    _plain(line.balance_minor, c),
                    csv_cell(e.note),
                ]
            )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8", status=status)
    name = f"statement-{client.pk}-{statement.first.isoformat()}-{statement.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _plain(minor: int, currency: str) -> str:
    return f"{Money.from_minor(minor, currency).amount:f}"
