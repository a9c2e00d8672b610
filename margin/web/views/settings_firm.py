"""Settings → Organisation and Job roles (administrators): the firm's name, its companies (details, invoice
number format with a live preview, bank account, fiscal year), the job roles people hold and the resource pools
tasks can be assigned to before anyone is chosen.

Every write is an accounts action (permission, validation, audit); a refusal shows on the form's field (422)
and changes nothing. A company's time policy and period settings stay on Settings → Time policy.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from margin.accounts import rules
from margin.accounts.actions import company_create, company_update, organisation_update, role_create, role_update
from margin.accounts.models import Company, Organisation
from margin.accounts.queries import Viewer, companies_visible, company_get, role_get, roles_visible
from margin.core.errors import DomainError, Forbidden, Invalid, NotFound
from margin.resourcing.actions import resource_pool_create
from margin.resourcing.leveling import resource_pools_visible
from margin.resourcing.models import PoolKind
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import CompanyForm, OrganisationForm, PoolForm, RoleForm, refuse
from margin.web.views.settings import checked_id, settings_page


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only administrators set up the organisation, its companies and job roles.")


def _saved(form: Any, call: Any, **fields: Any) -> Any:
    """Run an action with the form's data; a refusal (but 403/404) becomes a form error and None."""
    try:
        return call(**fields)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        refuse(form, error)
        return None


# --- the organisation and its companies ------------------------------------------------------------


def _organisation_context(viewer: Viewer, form: OrganisationForm | None = None) -> dict[str, Any]:
    organisation = Organisation.objects.get(pk=viewer.organisation_id)
    companies = companies_visible(viewer).annotate(people_count=Count("people", distinct=True))
    return {
        "organisation": organisation,
        "form": form or OrganisationForm(initial={"name": organisation.name}),
        "companies": [
            {"company": c, "example": rules.format_invoice_number(c.invoice_number_format, year=_year(), sequence=1)}
            for c in companies
        ],
    }


def _year() -> int:
    return timezone.localdate().year


@require_http_methods(["GET", "POST"])
@viewer_view
def organisation(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    form = OrganisationForm(request.POST) if request.method == "POST" else None
    if (
        form is not None
        and form.is_valid()
        and _saved(form, organisation_update, viewer=viewer, name=form.cleaned_data["name"]) is not None
    ):
        messages.success(request, "The organisation's name is saved.")
        return redirect("web:settings_organisation")
    status = form.refusal_status if form is not None else 200
    context = _organisation_context(viewer, form)
    return settings_page(request, viewer, "web/settings/organisation.html", context, tab="organisation", status=status)


def _company_values(form: CompanyForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


def _company_page(
    request: HtmxRequest, viewer: Viewer, form: CompanyForm, company: Company | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "company": company, "preview": _preview(form["invoice_number_format"].value() or "")}
    return settings_page(request, viewer, "web/settings/company.html", context, tab="organisation", status=status)


@require_http_methods(["GET", "POST"])
@viewer_view
def company_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    if request.method != "POST":
        initial = {"invoice_number_format": rules.DEFAULT_INVOICE_NUMBER_FORMAT, "fiscal_year_start_month": 1}
        return _company_page(request, viewer, CompanyForm(initial=initial), None)
    form = CompanyForm(request.POST)
    if form.is_valid():
        company = _saved(form, company_create, viewer=viewer, **_company_values(form))
        if company is not None:
            messages.success(request, f"{company.name} is created. Set its time policy under Time policy.")
            return redirect("web:settings_company", company.pk)
    return _company_page(request, viewer, form, None, status=form.refusal_status)


@require_http_methods(["GET", "POST"])
@viewer_view
def company_detail(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    require_admin(viewer)
    company = company_get(viewer, checked_id(company_id))
    if request.method != "POST":
        initial = {field: getattr(company, field) for field in CompanyForm.base_fields}
        initial["iban"] = rules.format_iban(company.iban)
        return _company_page(request, viewer, CompanyForm(initial=initial), company)
    form = CompanyForm(request.POST)
    if form.is_valid():
        saved = _saved(form, company_update, viewer=viewer, company=company, **_company_values(form))
        if saved is not None:
            messages.success(request, f"{saved.name} is saved.")
            return redirect("web:settings_company", company.pk)
    return _company_page(request, viewer, form, company, status=form.refusal_status)


def _preview(pattern: str) -> dict[str, Any]:
    """The next numbers a format writes this year, or why it cannot be used."""
    try:
        rules.check_invoice_number_format(pattern.strip())
    except Invalid as error:
        return {"error": error.message, "numbers": []}
    year = _year()
    numbers = [rules.format_invoice_number(pattern.strip(), year=year, sequence=n) for n in (1, 2)]
    return {"error": "", "numbers": [*numbers, rules.format_invoice_number(pattern.strip(), year=year + 1, sequence=1)]}


@require_GET
@viewer_view
def invoice_number_preview(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The preview under the number format field, as the administrator types (htmx)."""
    require_admin(viewer)
    pattern = request.GET.get("invoice_number_format", "")[: rules.FORMAT_MAX_LENGTH + 1]
    context = {"preview": _preview(pattern)}
    return render(request, "web/settings/company.html#number_preview", context)


# --- job roles -----------------------------------------------------------------------------------


def _pool_form(viewer: Viewer, data: Any = None) -> PoolForm:
    roles = [(r.pk, r.name) for r in roles_visible(viewer).order_by("name")]
    return PoolForm(data, roles=roles, auto_id="id_pool_%s")


def _roles_context(
    viewer: Viewer,
    form: RoleForm | None = None,
    failed: tuple[int, RoleForm] | None = None,
    pool_form: PoolForm | None = None,
) -> Any:
    roles = roles_visible(viewer).annotate(people_count=Count("people")).order_by("name")
    rows = [
        {
            "role": role,
            "form": failed[1]
            if failed and failed[0] == role.pk
            else RoleForm(initial={"name": role.name}, auto_id=f"id_r{role.pk}_%s"),
        }
        for role in roles
    ]
    return {
        "rows": rows,
        "form": form or RoleForm(auto_id="id_new_%s"),
        "pools": resource_pools_visible(viewer).select_related("role").order_by("name"),
        "pool_form": pool_form or _pool_form(viewer),
    }


@require_http_methods(["GET", "POST"])
@viewer_view
def roles(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    form = RoleForm(request.POST, auto_id="id_new_%s") if request.method == "POST" else None
    if form is not None and form.is_valid():
        role = _saved(form, role_create, viewer=viewer, name=form.cleaned_data["name"])
        if role is not None:
            messages.success(request, f"The job role {role.name} is added.")
            return redirect("web:settings_roles")
    status = form.refusal_status if form is not None else 200
    return settings_page(request, viewer, "web/settings/roles.html", _roles_context(viewer, form), tab="roles",
                         status=status)  # fmt: skip


@require_POST
@viewer_view
def role_rename(request: HtmxRequest, viewer: Viewer, role_id: int) -> HttpResponse:
    require_admin(viewer)
    role = role_get(viewer, checked_id(role_id))
    form = RoleForm(request.POST, auto_id=f"id_r{role.pk}_%s")
    if form.is_valid():
        old = role.name
        if _saved(form, role_update, viewer=viewer, role=role, name=form.cleaned_data["name"]) is not None:
            messages.success(request, f"{old} is now called {role.name}.")
            return redirect("web:settings_roles")
    context = _roles_context(viewer, failed=(role.pk, form))
    return settings_page(request, viewer, "web/settings/roles.html", context, tab="roles", status=form.refusal_status)


@require_POST
@viewer_view
def pool_add(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """A resource pool: tasks (of templates too) can then be assigned "a consultant" before anyone is chosen."""
    require_admin(viewer)
    form = _pool_form(viewer, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        kind = PoolKind.ROLE if data["role_id"] is not None else PoolKind.TEAM
        pool = _saved(form, resource_pool_create, viewer=viewer, kind=kind, **data)
        if pool is not None:
            messages.success(request, f"The pool {pool.name} is added: assign it to tasks on their page.")
            return redirect(f"{reverse('web:settings_roles')}#pools")
    context = _roles_context(viewer, pool_form=form)
    return settings_page(request, viewer, "web/settings/roles.html", context, tab="roles", status=form.refusal_status)
