"""Settings → Clients (administrators, finance and project managers, who may edit clients): the list with a
search, a new client, and a client's page: details, billing (address, tax id, payment terms, the billing
increment and its rounding — a project may override the increment on its own page) and contacts.

Every write is a crm action; a refusal shows on the form that was sent (422) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.crm.actions import client_create, client_update, contact_create, contact_delete, contact_update
from margin.crm.models import Client, Contact
from margin.crm.queries import client_get, clients_search, clients_visible, contact_get, contacts_of
from margin.web.access import HtmxRequest, can_edit_clients, viewer_view
from margin.web.forms_firm import ClientForm, ContactForm, SearchForm, refuse
from margin.web.views.settings import checked_id, settings_page

PAGE_SIZE = 200


def require_client_editor(viewer: Viewer) -> None:
    if not can_edit_clients(viewer):
        raise PermissionDenied("Only administrators, finance and project managers change clients.")


@viewer_view
def client_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_client_editor(viewer)
    search = SearchForm(request.GET)
    overriding = Q(projects__coverage__contract__billing_increment_minutes__isnull=False)
    found = (
        clients_search(viewer, search.text(), active=search.active())
        .annotate(
            project_count=Count("projects", distinct=True),
            overrides=Count("projects", filter=overriding, distinct=True),
            contact_count=Count("contacts", distinct=True),
        )
        .order_by("name", "id")
    )
    clients = list(found[: PAGE_SIZE + 1])
    context = {"clients": clients[:PAGE_SIZE], "more": len(clients) > PAGE_SIZE, "search": search}
    return settings_page(request, viewer, "web/settings/clients.html", context, tab="clients")


def _client_values(form: ClientForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@require_http_methods(["GET", "POST"])
@viewer_view
def client_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_client_editor(viewer)
    form = ClientForm(request.POST if request.method == "POST" else None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        values = _client_values(form)
        try:
            client = client_create(viewer=viewer, **values)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"{client.name} is added. Add the people you deal with there below.")
            return redirect("web:settings_client", client.pk)
    status = form.refusal_status if request.method == "POST" else 200
    context = {"form": form, "client": None}
    return settings_page(request, viewer, "web/settings/client_new.html", context, tab="clients", status=status)


def _client_page(
    request: HtmxRequest,
    viewer: Viewer,
    client: Client,
    *,
    form: ClientForm | None = None,
    contact_form: ContactForm | None = None,
    failed_contact: tuple[int, ContactForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    overriding = Q(projects__coverage__contract__billing_increment_minutes__isnull=False)
    client = clients_visible(viewer).annotate(overrides=Count("projects", filter=overriding)).get(pk=client.pk)
    contacts = [
        {
            "contact": c,
            "form": failed_contact[1]
            if failed_contact and failed_contact[0] == c.pk
            else ContactForm(initial=_contact_initial(c), auto_id=f"id_ct{c.pk}_%s"),
        }
        for c in contacts_of(viewer, client)
    ]
    context = {
        "client": client,
        "form": form or ClientForm(initial={f: getattr(client, f) for f in ClientForm.base_fields}),
        "contacts": contacts,
        "contact_form": contact_form or ContactForm(auto_id="id_new_%s"),
        "open_contact": failed_contact[0] if failed_contact else None,
    }
    return settings_page(request, viewer, "web/settings/client.html", context, tab="clients", status=status)


def _contact_initial(contact: Contact) -> dict[str, Any]:
    return {f: getattr(contact, f) for f in ContactForm.base_fields}


@require_http_methods(["GET", "POST"])
@viewer_view
def client_detail(request: HtmxRequest, viewer: Viewer, client_id: int) -> HttpResponse:
    require_client_editor(viewer)
    client = client_get(viewer, checked_id(client_id))
    if request.method != "POST":
        return _client_page(request, viewer, client)
    form = ClientForm(request.POST)
    if form.is_valid():
        try:
            client_update(viewer=viewer, client=client, **_client_values(form))
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"{client.name} is saved.")
            return redirect("web:settings_client", client.pk)
    return _client_page(request, viewer, client, form=form, status=form.refusal_status)


@require_POST
@viewer_view
def contact_add(request: HtmxRequest, viewer: Viewer, client_id: int) -> HttpResponse:
    require_client_editor(viewer)
    client = client_get(viewer, checked_id(client_id))
    form = ContactForm(request.POST, auto_id="id_new_%s")
    if form.is_valid():
        try:
            contact = contact_create(viewer=viewer, client=client, **form.cleaned_data)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"{contact.name} is a contact of {client.name}.")
            return redirect("web:settings_client", client.pk)
    return _client_page(request, viewer, client, contact_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def contact_edit(request: HtmxRequest, viewer: Viewer, client_id: int, contact_id: int) -> HttpResponse:
    require_client_editor(viewer)
    client = client_get(viewer, checked_id(client_id))
    contact = contact_get(viewer, client, checked_id(contact_id))
    form = ContactForm(request.POST, auto_id=f"id_ct{contact.pk}_%s")
    if form.is_valid():
        try:
            contact_update(viewer=viewer, contact=contact, **form.cleaned_data)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"{contact.name} is saved.")
            return redirect("web:settings_client", client.pk)
    return _client_page(request, viewer, client, failed_contact=(contact.pk, form), status=form.refusal_status)


@require_POST
@viewer_view
def contact_remove(request: HtmxRequest, viewer: Viewer, client_id: int, contact_id: int) -> HttpResponse:
    require_client_editor(viewer)
    client = client_get(viewer, checked_id(client_id))
    contact = contact_get(viewer, client, checked_id(contact_id))
    contact_delete(viewer=viewer, contact=contact)
    messages.success(request, f"{contact.name} is no longer a contact of {client.name}.")
    return redirect("web:settings_client", client.pk)
