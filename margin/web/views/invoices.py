"""Invoices (finance and administrators): the list, the invoice run, sending every issued invoice at once, a
draft's detail with issue and discard, and the printable invoice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from margin.accounts.queries import Viewer, companies_visible
from margin.accounts.rules import format_iban
from margin.billing.actions import invoice_discard, invoice_issue
from margin.billing.jobs import invoice_run_start, invoices_send_start
from margin.billing.models import DocumentKind, Invoice, InvoiceStatus
from margin.billing.queries import invoice_get, invoices_to_send, invoices_visible, to_invoice_visible
from margin.billing.rules import STATE_LABELS
from margin.core.errors import DomainError
from margin.core.jobruns import job_run_get
from margin.core.models import JobRun, JobRunStatus
from margin.crm.queries import invoice_recipient
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms import InvoiceIssueForm, InvoiceRunForm
from margin.web.pages import page
from margin.web.views.invoice_review import STATE_BADGES, detail_context, lines_context, state_of

PAGE_SIZE = 50
STATUS_FILTERS = {"draft": InvoiceStatus.DRAFT, "issued": InvoiceStatus.ISSUED}


def _list_context(viewer: Viewer, status: str, page_number: str | None = None) -> dict[str, Any]:
    invoices = invoices_visible(viewer).order_by("-created_at", "-id")
    counts = {key: invoices.filter(status=value).count() for key, value in STATUS_FILTERS.items()}
    if status in STATUS_FILTERS:
        invoices = invoices.filter(status=STATUS_FILTERS[status])
    else:
        status = ""
    page_obj = Paginator(invoices, PAGE_SIZE).get_page(page_number)
    today = timezone.localdate()
    # Each row reads its state as a person would (sent, partly paid, overdue…), not only draft or issued.
    states = [state_of(invoice) for invoice in page_obj.object_list]
    return {
        "rows": [
            (invoice, STATE_LABELS[state], STATE_BADGES.get(state, "bg-secondary-lt"))
            for invoice, state in zip(page_obj.object_list, states, strict=True)
        ],
        # What a run up to today would draft: projects with unbilled time or (only) expenses.
        "to_invoice": to_invoice_visible(viewer, up_to=today),
        "to_invoice_up_to": today,
        "invoices": page_obj.object_list,
        "page_obj": page_obj,
        "status_filter": status,
        "counts": counts,
        "all_count": sum(counts.values()),
    }


@viewer_view
def invoice_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    status = request.GET.get("status", "")
    context = {
        **_list_context(viewer, status, request.GET.get("page")),
        **_send_context(viewer),
        "run_form": InvoiceRunForm(companies=companies_visible(viewer)),
    }
    return page(request, viewer, "web/invoices/list.html", context, active="invoices")


def _run_context(viewer: Viewer, run: JobRun) -> dict[str, Any]:
    result = run.result or {}
    ids = [int(i) for i in result.get("invoices", [])] if isinstance(result, dict) else []
    drafts = invoices_visible(viewer).filter(id__in=ids).order_by("project__code") if ids else Invoice.objects.none()
    finished = run.status in (JobRunStatus.DONE, JobRunStatus.FAILED)
    return {"run": run, "finished": finished, "drafts": drafts}


@require_POST
@viewer_view
def invoice_run(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    form = InvoiceRunForm(request.POST, companies=companies_visible(viewer))
    if not form.is_valid():
        if request.htmx:
            return render(request, "web/invoices/list.html#run_form", {"run_form": form}, status=422)
        context = {**_list_context(viewer, ""), "run_form": form}
        return page(request, viewer, "web/invoices/list.html", context, active="invoices", status=422)
    run = invoice_run_start(viewer=viewer, company=form.cleaned_data["company"], up_to=form.cleaned_data["up_to"])
    run.refresh_from_db()
    if request.htmx:
        context = {"run_form": InvoiceRunForm(companies=companies_visible(viewer)), **_run_context(viewer, run)}
        return render(request, "web/invoices/list.html#run_form", context)
    return redirect(reverse("web:invoice_run_status", args=[run.pk]))


@viewer_view
def invoice_run_status(request: HtmxRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    require_finance(viewer)
    run = job_run_get(organisation_id=viewer.organisation_id, job_run_id=run_id)
    if request.htmx:
        return render(request, "web/invoices/list.html#run_progress", _run_context(viewer, run))
    context = {
        **_list_context(viewer, ""),
        **_run_context(viewer, run),
        "run_form": InvoiceRunForm(companies=companies_visible(viewer)),
    }
    return page(request, viewer, "web/invoices/list.html", context, active="invoices")


def _send_context(viewer: Viewer, run: JobRun | None = None) -> dict[str, Any]:
    """The sending card: how many issued invoices wait to be sent, and a sending run's progress and result."""
    context: dict[str, Any] = {"to_send": invoices_to_send(viewer).count(), "send_run": run}
    if run is not None:
        result = run.result if isinstance(run.result, dict) else {}
        context["send_finished"] = run.status in (JobRunStatus.DONE, JobRunStatus.FAILED)
        context["send_failed"] = sorted((result.get("failed") or {}).items())
        context["send_count"] = int(result.get("count") or 0)
    return context


@require_POST
@viewer_view
def invoices_send_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """E-mail every issued invoice and credit note not sent yet, in the background."""
    require_finance(viewer)
    invoices = list(invoices_to_send(viewer))
    if not invoices:
        messages.info(request, "Every issued invoice has been sent already.")
        if request.htmx:
            return HttpResponseClientRedirect(reverse("web:invoices"))
        return redirect(reverse("web:invoices"))
    run = invoices_send_start(viewer=viewer, invoices=invoices)
    run.refresh_from_db()
    if request.htmx:
        return render(request, "web/invoices/list.html#send_card", _send_context(viewer, run))
    return redirect(reverse("web:invoices_send_status", args=[run.pk]))


@viewer_view
def invoices_send_status(request: HtmxRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    require_finance(viewer)
    run = job_run_get(organisation_id=viewer.organisation_id, job_run_id=run_id)
    if request.htmx:
        return render(request, "web/invoices/list.html#send_card", _send_context(viewer, run))
    context = {
        **_list_context(viewer, ""),
        **_send_context(viewer, run),
        "run_form": InvoiceRunForm(companies=companies_visible(viewer)),
    }
    return page(request, viewer, "web/invoices/list.html", context, active="invoices")


def _detail_context(invoice: Invoice, **extra: Any) -> dict[str, Any]:
    return {**lines_context(invoice), **extra}


@viewer_view
def invoice_detail(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    require_finance(viewer)
    return page(request, viewer, "web/invoices/detail.html", detail_context(invoice), active="invoices")


@require_POST
@viewer_view
def invoice_issue_view(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    require_finance(viewer)
    form = InvoiceIssueForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            invoice = invoice_issue(
                viewer=viewer,
                invoice=invoice,
                issue_date=form.cleaned_data["issue_date"],
                payment_days=form.cleaned_data["payment_days"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
            invoice = invoice_get(viewer, invoice_id)  # as it is now (it may have been issued meanwhile)
        else:
            what = "Credit note" if invoice.kind == DocumentKind.CREDIT_NOTE else "Invoice"
            notice = f"{what} {invoice.number} is issued."
            if not request.htmx:
                messages.success(request, notice)
                return redirect(reverse("web:invoice", args=[invoice.pk]))
            return render(
                request, "web/invoices/detail.html#invoice", detail_context(invoice, notice=notice, issue_form=None)
            )
    context = detail_context(invoice, issue_form=form)
    if request.htmx:
        return render(request, "web/invoices/detail.html#invoice", context, status=status)
    return page(request, viewer, "web/invoices/detail.html", context, active="invoices", status=status)


@require_POST
@viewer_view
def invoice_discard_view(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(viewer, invoice_id)
    require_finance(viewer)
    credited = invoice.credited_invoice_id
    if credited is not None:
        label, after = f"Draft credit note #{invoice.pk}", "the invoice is as it was"
    else:
        label = f"Draft #{invoice.pk}" + (f" of {invoice.project.code}" if invoice.project else "")
        after = "its work is unbilled again"
    invoice_discard(viewer=viewer, invoice=invoice)
    messages.success(request, f"{label} was discarded; {after}.")
    url = reverse("web:invoice", args=[credited]) if credited is not None else reverse("web:invoices")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@viewer_view
def invoice_print(request: HtmxRequest, viewer: Viewer, invoice_id: int) -> HttpResponse:
    """The invoice as the client gets it: seller, bill-to with the contact who receives invoices, lines, and how
    to pay (the company's bank account)."""
    invoice = invoice_get(viewer, invoice_id)
    context = _detail_context(
        invoice,
        viewer_is_finance=viewer.is_finance,
        recipient=invoice_recipient(viewer, invoice.client),
        iban=format_iban(invoice.company.iban),
    )
    return render(request, "web/invoices/print.html", context)
