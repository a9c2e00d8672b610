"""Writing contracts in the browser: a new contract with the projects it covers, billing lines of each model,
a fixed fee's instalments, and the companies' tax codes. Finance and administrators only.

Views only translate: a form parses, the contracts actions write, a refusal comes back on the form with its
status and nothing is kept (a contract and its projects are one transaction).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.contracts import actions
from margin.contracts.models import BillingLine, BillingModel, Contract, TaxCode
from margin.contracts.queries import contract_get
from margin.core.errors import DomainError, NotFound
from margin.crm.queries import clients_visible
from margin.projects.models import Project
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms_contracts import ContractForm, TaxCodeForm, instalment_form, line_form
from margin.web.forms_firm import refuse
from margin.web.pages import page
from margin.web.views.contracts import contract_detail_context

# Where an action's field lands on the form.
LINE_FIELD_NAMES = {
    "cap_limit": "cap",
    "price_minor": "price",
    "fee_minor": "fee",
    "tax_code_id": "tax_code",
    "model": "name",
}
CONTRACT_FIELD_NAMES = {"tax_code_id": "tax_code", "project": "projects"}


def _companies(viewer: Viewer) -> QuerySet[Company]:
    return Company.objects.filter(organisation_id=viewer.organisation_id, pk__in=viewer.company_ids).order_by("name")


def _tax_codes(viewer: Viewer) -> QuerySet[TaxCode]:
    return (
        TaxCode.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids, active=True)
        .select_related("company")
        .order_by("company__name", "code")
    )


def _contract_form(viewer: Viewer, *args: Any, **kwargs: Any) -> ContractForm:
    projects = (
        Project.objects.filter(
            organisation_id=viewer.organisation_id,
            company_id__in=viewer.company_ids,
            is_template=False,
            archived_at__isnull=True,
        )
        .select_related("client")
        .order_by("client__name", "code")
    )
    return ContractForm(
        *args,
        companies=_companies(viewer),
        clients=clients_visible(viewer).order_by("name"),
        tax_codes=_tax_codes(viewer),
        projects=projects,
        **kwargs,
    )


@viewer_view
def contract_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    if request.method != "POST":
        # The company the viewer works for starts the form (the first by name otherwise).
        own = (
            Person.objects.filter(pk=viewer.person_id).values_list("company_id", flat=True).first()
            if viewer.person_id is not None
            else None
        )
        form = _contract_form(viewer, initial={"invoice_grouping": "project", "company": own})
        return page(request, viewer, "web/contracts/new.html", {"form": form}, active="invoices")
    form = _contract_form(viewer, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details: dict[str, Any] = {
            "client_reference": data["client_reference"],
            "end_date": data["end_date"],
            "invoice_grouping": data["invoice_grouping"],
            "tax_code_id": data["tax_code"].pk if data["tax_code"] else None,
        }
        if data["currency"]:
            details["currency"] = data["currency"]
        if data["payment_terms_days"] is not None:
            details["payment_terms_days"] = data["payment_terms_days"]
        try:
            with transaction.atomic():
                contract = actions.contract_create(
                    viewer=viewer,
                    company=data["company"],
                    client=data["client"],
                    reference=data["reference"],
                    name=data["name"],
                    start_date=data["start_date"],
                    **details,
                )
                for project in data["projects"]:
                    actions.contract_project_add(viewer=viewer, contract=contract, project=project)
        except DomainError as error:
            refuse(form, error, CONTRACT_FIELD_NAMES)
        else:
            messages.success(request, f"Contract {contract.reference} is created. Add its billing lines below.")
            return redirect("web:contract", contract.pk)
    status = form.refusal_status if form.errors else 422
    return page(request, viewer, "web/contracts/new.html", {"form": form}, active="invoices", status=status)


def contract_url(contract: Contract) -> str:
    return reverse("web:contract", args=[contract.pk])


def _detail_again(request: HtmxRequest, viewer: Viewer, contract: Contract, status: int, **forms: Any) -> HttpResponse:
    context = contract_detail_context(viewer, contract, **forms)
    return page(request, viewer, "web/contracts/detail.html", context, active="invoices", status=status)


@require_POST
@viewer_view
def billing_line_new(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    require_finance(viewer)
    contract = contract_get(viewer, contract_id)
    form = line_form(contract, request.POST)
    if form.is_valid():
        details = form.details()
        if not form.errors:
            try:
                line = actions.billing_line_create(
                    viewer=viewer,
                    contract=contract,
                    model=form.cleaned_data["model"],
                    name=form.cleaned_data["name"],
                    **details,
                )
            except DomainError as error:
                refuse(form, error, LINE_FIELD_NAMES)
            else:
                messages.success(request, f"Billing line “{line.name}” is added.")
                return redirect(f"{contract_url(contract)}#line-{line.pk}")
    status = form.refusal_status if form.errors else 422
    return _detail_again(request, viewer, contract, status, line_form=form)


@require_POST
@viewer_view
def instalment_new(request: HtmxRequest, viewer: Viewer, contract_id: int, line_id: int) -> HttpResponse:
    require_finance(viewer)
    contract = contract_get(viewer, contract_id)
    line = BillingLine.objects.filter(pk=line_id, contract=contract, model=BillingModel.FIXED_FEE).first()
    if line is None:
        raise NotFound("No such fixed-fee line on this contract.")
    form = instalment_form(contract, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            instalment = actions.instalment_create(
                viewer=viewer,
                line=line,
                description=data["description"],
                amount_minor=data["amount"],
                due_date=data["due_date"],
                milestone=data["milestone"],
            )
        except DomainError as error:
            refuse(form, error, {"amount_minor": "amount"})
        else:
            messages.success(request, f"Instalment “{instalment.description}” is added to {line.name}.")
            return redirect(f"{contract_url(contract)}#line-{line.pk}")
    status = form.refusal_status if form.errors else 422
    return _detail_again(request, viewer, contract, status, instalment_form=form, instalment_line=line.pk)


@viewer_view
def tax_codes(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    form = TaxCodeForm(request.POST or None, companies=_companies(viewer))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                code = actions.tax_code_create(
                    viewer=viewer,
                    company=data["company"],
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    rate=data["rate"],
                )
            except DomainError as error:
                refuse(form, error)
            else:
                messages.success(request, f"Tax code {code.code} is added to {code.company.name}.")
                return redirect("web:tax_codes")
        status = form.refusal_status if form.errors else 422
    codes = (
        TaxCode.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
        .select_related("company")
        .order_by("company__name", "code")
    )
    context = {"form": form, "codes": codes}
    return page(request, viewer, "web/contracts/tax_codes.html", context, active="invoices", status=status)
