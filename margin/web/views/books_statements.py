"""The books' statements for finance: a company's profit and loss for a period and its balance sheet at the
period's end, the organisation's consolidation in a reporting currency (with the rates used), and the month-end
revaluation of open foreign receivables. Reads `books.reports`; the revaluation is `books.actions.fx_revalue`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.books import actions
from margin.books.queries import books_companies
from margin.books.reports import balance_sheet, consolidated, fiscal_year_start, profit_and_loss
from margin.core.errors import DomainError
from margin.core.money import is_currency
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_books import PeriodForm
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.books import ACTIVE, _company, _layout


class ReportForm(PeriodForm):
    """The statements' period (from: the fiscal year's first day) and, for the consolidation, its currency."""

    currency = forms.CharField(label="Reporting currency", required=False, max_length=3)

    def clean_currency(self) -> str:
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if code and not is_currency(code):
            raise forms.ValidationError(f"“{code}” is not a currency code.")
        return code


class RevalueForm(StyledForm):
    as_of = forms.DateField(label="Revalue at", widget=forms.DateInput(attrs={"type": "date"}))


@viewer_view
def statements(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    form = ReportForm(request.GET or {})
    status = 200
    context: dict[str, Any] = {**_layout(viewer, company, "statements"), "form": form}
    if form.is_valid():
        date_to: date = form.cleaned_data["date_to"]
        date_from: date = form.cleaned_data["date_from"] or fiscal_year_start(company, date_to)
        companies = books_companies(viewer)
        currency = form.cleaned_data["currency"] or company.base_currency
        context.update(
            date_from=date_from,
            date_to=date_to,
            pnl=profit_and_loss(company, date_from=date_from, date_to=date_to),
            sheet=balance_sheet(company, as_of=date_to),
            revalue_form=RevalueForm(initial={"as_of": date_to}),
        )
        if len(companies) > 1:
            try:
                context["group"] = consolidated(companies, currency=currency, date_from=date_from, date_to=date_to)
            except DomainError as error:
                context["group_problem"] = error.message
    else:
        status = 422
    if not request.GET:
        context["form"] = ReportForm(initial={"date_to": timezone.localdate()})
    return page(request, viewer, "web/books/statements.html", context, active=ACTIVE, status=status)


@require_POST
@viewer_view
def revalue(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    form = RevalueForm(request.POST)
    if form.is_valid():
        try:
            entries = actions.fx_revalue(viewer=viewer, company=company, as_of=form.cleaned_data["as_of"])
        except DomainError as error:
            refuse(form, error)
        else:
            if entries:
                messages.success(
                    request,
                    f"Open foreign receivables revalued at {form.cleaned_data['as_of']:%d %b %Y}: entries "
                    f"#{entries[0].seq} and its reversal #{entries[-1].seq}.",
                )
            else:
                messages.info(request, "Nothing open in another currency: no revaluation was needed.")
            return redirect("web:books_statements", company_id=company.pk)
    for problem in form.errors.get("__all__", []) + form.errors.get("as_of", []):
        messages.error(request, str(problem))
    return redirect("web:books_statements", company_id=company.pk)
