"""Settings → Exchange rates: the organisation's dated rates (list with filters, a chart of one pair over
time), entered by hand or imported from the ECB reference-rate files. Finance and administrators edit;
everyone may look (expenses are converted with these rates)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.core.jobruns import job_run_get
from margin.rates.actions import exchange_rate_delete, exchange_rate_set, exchange_rates_import_ecb
from margin.rates.ecb import MAX_FILE_BYTES
from margin.rates.jobs import BACKGROUND_BYTES, ECB_IMPORT, ecb_import_start, ecb_import_summary
from margin.rates.queries import exchange_rate_get, exchange_rate_pairs, exchange_rates_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import EcbFileForm, ExchangeRateFilterForm, ExchangeRateForm, add_domain_error
from margin.web.pages import page

PER_PAGE = 50
CHART_POINTS = 1000  # the newest points of the pair; the ECB publishes ~255 a year


def _form_error(form: ExchangeRateForm | EcbFileForm, error: DomainError) -> None:
    if isinstance(error, Forbidden | NotFound):
        raise error
    add_domain_error(form, error)


def _chart(viewer: Viewer, pair: tuple[str, str] | None, filters: dict[str, Any]) -> dict[str, Any] | None:
    if pair is None:
        return None
    rows = list(
        exchange_rates_visible(
            viewer, from_ccy=pair[0], to_ccy=pair[1], since=filters.get("since"), until=filters.get("until")
        ).values_list("day", "rate")[:CHART_POINTS]
    )
    if not rows:
        return None
    rows.reverse()  # oldest first
    title = f"{pair[0]}→{pair[1]}"
    dataset = {"label": title, "unit": pair[1], "data": [float(rate) for _, rate in rows]}
    # Drawn by static/web/charts.js; a rate shows up to 6 decimals.
    return {
        "kind": "line",
        "title": title,
        "digits": 6,
        "data": {"labels": [d.isoformat() for d, _ in rows], "datasets": [dataset]},
    }


def _context(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    form: ExchangeRateForm | None = None,
    ecb_form: EcbFileForm | None = None,
) -> dict[str, Any]:
    filter_form = ExchangeRateFilterForm(request.GET or None, auto_id="filter_%s")
    filters: dict[str, Any] = filter_form.cleaned_data if filter_form.is_valid() else {}
    rows = exchange_rates_visible(
        viewer,
        from_ccy=filters.get("from_currency") or None,
        to_ccy=filters.get("to_currency") or None,
        since=filters.get("since"),
        until=filters.get("until"),
        source=filters.get("source") or None,
    )
    pairs = exchange_rate_pairs(viewer)
    wanted = (str(filters.get("from_currency") or "").upper(), str(filters.get("to_currency") or "").upper())
    pair = next((p for p in pairs if p == wanted), None)
    if pair is None:
        pair = next((p for p in pairs if wanted[0] in ("", p[0]) and wanted[1] in ("", p[1])), None)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_obj": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "filter_form": filter_form,
        "query": query.urlencode(),
        "chart": _chart(viewer, pair, filters),
        "pairs": pairs,
        "can_edit": viewer.is_finance,
        "form": form or ExchangeRateForm(),
        "ecb_form": ecb_form or EcbFileForm(),
    }


@viewer_view
def exchange_rates(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return page(request, viewer, "web/exchange_rates/list.html", _context(request, viewer), active="exchange_rates")


@require_POST
@viewer_view
def exchange_rate_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may change exchange rates.")
    form = ExchangeRateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = exchange_rate_set(
                viewer=viewer,
                from_currency=data["from_currency"],
                to_currency=data["to_currency"],
                day=data["day"],
                rate=data["rate"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, f"1 {row.from_currency} = {row.rate.normalize():f} {row.to_currency} on {row.day}."
            )
            return redirect(
                f"{reverse('web:exchange_rates')}?from_currency={row.from_currency}&to_currency={row.to_currency}"
            )
    context = _context(request, viewer, form=form)
    return page(request, viewer, "web/exchange_rates/list.html", context, active="exchange_rates", status=422)


@require_POST
@viewer_view
def exchange_rate_remove(request: HtmxRequest, viewer: Viewer, rate_id: int) -> HttpResponse:
    row = exchange_rate_get(viewer, rate_id)
    exchange_rate_delete(viewer=viewer, rate=row)
    messages.success(request, f"Deleted the {row.from_currency}→{row.to_currency} rate of {row.day}.")
    return redirect("web:exchange_rates")


@require_POST
@viewer_view
def exchange_rates_ecb(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Import an ECB file: a small one at once; the multi-year history as a job with a progress bar."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may change exchange rates.")
    ecb_form = EcbFileForm(request.POST, request.FILES)
    if ecb_form.is_valid():
        upload = ecb_form.cleaned_data["file"]
        try:
            if upload.size > MAX_FILE_BYTES:
                raise DomainError("The file is too large for an ECB rate file.", field="file")
            if upload.size > BACKGROUND_BYTES:
                run = ecb_import_start(viewer=viewer, data=upload.read())
                run.refresh_from_db()  # a test or immediate backend has already run it
                context = {**_context(request, viewer), "run": run, "finished": run.finished}
                return page(request, viewer, "web/exchange_rates/list.html", context, active="exchange_rates")
            result = exchange_rates_import_ecb(viewer=viewer, data=upload.read())
        except DomainError as error:
            _form_error(ecb_form, error)
        else:
            messages.success(request, ecb_import_summary(result))
            return redirect("web:exchange_rates")
    context = _context(request, viewer, ecb_form=ecb_form)
    return page(request, viewer, "web/exchange_rates/list.html", context, active="exchange_rates", status=422)


@require_GET
@viewer_view
def exchange_rates_ecb_status(request: HtmxRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    """The progress of a background ECB import (polled by the page every second until it ends)."""
    run = job_run_get(organisation_id=viewer.organisation_id, job_run_id=run_id)
    if run.kind != ECB_IMPORT or (run.created_by_id != viewer.user_id and not viewer.is_admin):
        raise NotFound("No such import.")
    context = {"run": run, "finished": run.finished}
    if request.htmx:
        return render(request, "web/exchange_rates/list.html#ecb_progress", context)
    return page(
        request,
        viewer,
        "web/exchange_rates/list.html",
        {**_context(request, viewer), **context},
        active="exchange_rates",
    )
