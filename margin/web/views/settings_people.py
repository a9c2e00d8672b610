"""Settings → People: the list (search, company, role, active), a new person, and a person's page: details
(company, job role, hours a week, start and last day, the user they sign in as), dated cost rates, the working
calendar they are planned on, and whether they may log time for others.

Administrators change people; finance opens the pages for the cost rates (and sees the rest read-only). Every
write is one action; a refusal shows on the form (422) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from margin.accounts.actions import log_for_others_set, person_create, person_update
from margin.accounts.models import AccessRole, Membership, Person
from margin.accounts.queries import (
    Viewer,
    companies_visible,
    company_get,
    member_user_get,
    member_users,
    membership_get,
    people_search,
    people_visible,
    person_get,
    role_get,
    roles_visible,
)
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.projects.queries import person_calendar_in_force
from margin.rates.actions import cost_rate_delete, cost_rate_set
from margin.rates.queries import cost_rate_get, cost_rates_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import MAX_ID
from margin.web.forms_firm import CostRateForm, PersonForm, SearchForm, refuse
from margin.web.views.settings import checked_id, settings_page

PAGE_SIZE = 200


def require_people_reader(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise PermissionDenied("Only administrators and finance open people's settings.")


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only administrators change people.")


def _id_param(request: HtmxRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


@viewer_view
def people_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_people_reader(viewer)
    search = SearchForm(request.GET)
    company_id, role_id = _id_param(request, "company"), _id_param(request, "role")
    found = people_search(viewer, search.text(), company_id=company_id, role_id=role_id, active=search.active())
    people = list(found.select_related("user").order_by("name", "id")[: PAGE_SIZE + 1])
    users = [p.user_id for p in people if p.user_id is not None]
    roles = dict(
        Membership.objects.filter(organisation_id=viewer.organisation_id, user_id__in=users).values_list(
            "user_id", "role"
        )
    )
    rows = [{"person": p, "access": AccessRole(roles[p.user_id]).label if p.user_id in roles else ""} for p in people]
    context = {
        "rows": rows[:PAGE_SIZE],
        "more": len(rows) > PAGE_SIZE,
        "search": search,
        "companies": list(companies_visible(viewer)),
        "roles": list(roles_visible(viewer).order_by("name")),
        "company_id": company_id,
        "role_id": role_id,
        "today": timezone.localdate(),
    }
    return settings_page(request, viewer, "web/settings/people.html", context, tab="people")


def _person_form(viewer: Viewer, data: Any = None, person: Person | None = None) -> PersonForm:
    companies = [(c.pk, f"{c.name} ({c.base_currency})") for c in companies_visible(viewer)]
    roles = [(r.pk, r.name) for r in roles_visible(viewer).order_by("name")]
    linked = Person.objects.filter(user__isnull=False)
    if person is not None:
        linked = linked.exclude(pk=person.pk)
    taken = set(linked.values_list("user_id", flat=True))
    users = [(u.pk, u.get_username()) for u in member_users(viewer) if u.pk not in taken]
    initial = PersonForm.initial_of(person) if person is not None else {"weekly_capacity": "40:00", "active": True}
    # A line manager is chosen on an existing person's page (a new one has no reports yet to loop through).
    managers = (
        [(p.pk, p.name) for p in people_visible(viewer).filter(active=True).exclude(pk=person.pk).order_by("name")]
        if person is not None
        else None
    )
    form = PersonForm(data, initial=initial, companies=companies, roles=roles, users=users, managers=managers)
    if person is None:
        # A user who signs in already (the administrator themself, someone invited) is linked at once; people
        # invited later are linked by their e-mail when the invitation is sent.
        del form.fields["active"]
    if not viewer.is_admin:
        for field in form.fields.values():
            field.disabled = True
    return form


def _chosen(viewer: Viewer, form: PersonForm) -> dict[str, Any]:
    """The form's values as the action's arguments (ids become the objects, checked through access functions)."""
    data = dict(form.cleaned_data)
    values: dict[str, Any] = {
        "name": data["name"],
        "email": data["email"],
        "company": company_get(viewer, data["company"]),
        "role": role_get(viewer, data["role"]),
        "weekly_capacity_minutes": data["weekly_capacity"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
    }
    if "active" in data:
        values["active"] = data["active"]
    if "user" in form.fields:
        values["user"] = member_user_get(viewer, data["user"]) if data["user"] is not None else None
    if "manager" in form.fields:
        values["manager"] = person_get(viewer, data["manager"]) if data["manager"] is not None else None
    return values


@require_http_methods(["GET", "POST"])
@viewer_view
def person_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    form = _person_form(viewer, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        values = _chosen(viewer, form)
        if values["user"] is not None:  # they keep the access they sign in with
            values["access_role"] = membership_get(viewer, values["user"].pk).role
        try:
            person = person_create(viewer=viewer, **values)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error, {"weekly_capacity_minutes": "weekly_capacity"})
        else:
            messages.success(request, f"{person.name} is added. Give them a cost rate below.")
            return redirect("web:settings_person", person.pk)
    status = form.refusal_status if request.method == "POST" else 200
    found = {"a company": companies_visible(viewer).exists(), "a job role": roles_visible(viewer).exists()}
    missing = [what for what, exists in found.items() if not exists]
    context = {"form": form, "person": None, "missing": missing}
    return settings_page(request, viewer, "web/settings/person_new.html", context, tab="people", status=status)


def _person_page(
    request: HtmxRequest,
    viewer: Viewer,
    person: Person,
    *,
    form: PersonForm | None = None,
    rate_form: CostRateForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    person = person_get(viewer, person.pk)
    membership = (
        Membership.objects.filter(organisation_id=viewer.organisation_id, user_id=person.user_id).first()
        if person.user_id is not None
        else None
    )
    today = timezone.localdate()
    rates = cost_rates_visible(viewer, person)
    in_force = max((r for r in rates if r.valid_from <= today), key=lambda r: r.valid_from, default=None)
    calendar, calendar_kind = person_calendar_in_force(viewer, person)
    context = {
        "person": person,
        "form": form or _person_form(viewer, person=person),
        "rates": rates,
        "rate_in_force": in_force,
        "rate_form": rate_form or CostRateForm(initial={"valid_from": today}),
        "membership": membership,
        "access": AccessRole(membership.role).label if membership is not None else "",
        "calendar": calendar,
        "calendar_kind": calendar_kind,
        "can_edit": viewer.is_admin,
        "error": error,
    }
    return settings_page(request, viewer, "web/settings/person.html", context, tab="people", status=status)


@require_http_methods(["GET", "POST"])
@viewer_view
def person_detail(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    require_people_reader(viewer)
    person = person_get(viewer, checked_id(person_id))
    if request.method != "POST":
        return _person_page(request, viewer, person)
    require_admin(viewer)
    form = _person_form(viewer, request.POST, person=person)
    if form.is_valid():
        try:
            person_update(viewer=viewer, person=person, **_chosen(viewer, form))
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error, {"weekly_capacity_minutes": "weekly_capacity"})
        else:
            messages.success(request, f"{person.name} is saved.")
            return redirect("web:settings_person", person.pk)
    return _person_page(request, viewer, person, form=form, status=form.refusal_status)


@require_POST
@viewer_view
def cost_rate_add(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    require_people_reader(viewer)
    person = person_get(viewer, checked_id(person_id))
    form = CostRateForm(request.POST)
    if form.is_valid():
        try:
            rate = cost_rate_set(viewer=viewer, person=person, **form.cleaned_data)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            cost = f"{rate.hourly_cost:.2f} {rate.currency}"
            messages.success(request, f"{person.name} costs {cost} an hour from {rate.valid_from:%d %b %Y}.")
            return redirect("web:settings_person", person.pk)
    return _person_page(request, viewer, person, rate_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def cost_rate_remove(request: HtmxRequest, viewer: Viewer, person_id: int, rate_id: int) -> HttpResponse:
    require_people_reader(viewer)
    person = person_get(viewer, checked_id(person_id))
    rate = cost_rate_get(viewer, person, checked_id(rate_id))
    cost_rate_delete(viewer=viewer, rate=rate)
    messages.success(request, f"The cost rate from {rate.valid_from:%d %b %Y} is removed.")
    return redirect("web:settings_person", person.pk)


@require_POST
@viewer_view
def person_log_for_others(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    require_admin(viewer)
    person = person_get(viewer, checked_id(person_id))
    allowed = request.POST.get("allowed") == "on"
    try:
        log_for_others_set(viewer=viewer, person=person, allowed=allowed)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        return _person_page(request, viewer, person, error=error.message, status=error.status)
    messages.success(request, f"{person.name} {'may' if allowed else 'may no longer'} log time for others.")
    return redirect("web:settings_person", person.pk)
