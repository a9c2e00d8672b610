"""Settings → Client billing increments: each client's billing increment and rounding (administrators,
finance and project managers, who may edit clients). Projects may override them on their own page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.crm.actions import client_update
from margin.crm.models import MAX_BILLING_INCREMENT, BillingRounding, Client
from margin.crm.queries import client_get, clients_visible
from margin.web.access import HtmxRequest, can_edit_clients, viewer_view
from margin.web.forms import TablerForm, add_domain_error
from margin.web.views.settings import checked_id, settings_page


def require_client_editor(viewer: Viewer) -> None:
    if not can_edit_clients(viewer):
        raise PermissionDenied("Only administrators, finance and project managers change clients' billing.")


class ClientIncrementForm(TablerForm):
    billing_increment_minutes = forms.IntegerField(
        label="Increment (minutes)",
        min_value=0,
        max_value=MAX_BILLING_INCREMENT,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "min": 0, "max": MAX_BILLING_INCREMENT, "style": "width: 5rem"}
        ),
    )
    billing_rounding = forms.ChoiceField(
        label="Rounding",
        choices=BillingRounding.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _form(client: Client, data: Any = None) -> ClientIncrementForm:
    initial = {
        "billing_increment_minutes": client.billing_increment_minutes,
        "billing_rounding": client.billing_rounding,
    }
    return ClientIncrementForm(data, initial=initial, auto_id=f"id_cl{client.pk}_%s")


def _clients(viewer: Viewer) -> list[Client]:
    overriding = Q(projects__rate_card__billing_increment_minutes__isnull=False)
    return list(clients_visible(viewer).annotate(overrides=Count("projects", filter=overriding)).order_by("name"))


def _row(client: Client, form: ClientIncrementForm | None = None) -> dict[str, Any]:
    return {"client": client, "form": form or _form(client)}


@viewer_view
def client_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_client_editor(viewer)
    context = {"rows": [_row(c) for c in _clients(viewer)]}
    return settings_page(request, viewer, "web/settings/clients.html", context, tab="clients")


@require_POST
@viewer_view
def client_increment_save(request: HtmxRequest, viewer: Viewer, client_id: int) -> HttpResponse:
    require_client_editor(viewer)
    client = client_get(viewer, checked_id(client_id))
    form = _form(client, request.POST)
    done = ""
    if form.is_valid():
        try:
            client_update(viewer=viewer, client=client, **form.cleaned_data)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            step = client.billing_increment_minutes
            done = f"{client.name} is billed {'in steps of ' + str(step) + ' min' if step else 'exactly as worked'}."
    status = 422 if form.errors else 200
    (shown,) = [c for c in _clients(viewer) if c.pk == client.pk]
    if request.htmx:
        row = _row(shown, form if form.errors else None)
        return render(request, "web/settings/clients.html#client_row", {"row": row, "done": done}, status=status)
    if status == 200:
        messages.success(request, done)
        return redirect("web:settings_clients")
    rows = [_row(c, form if c.pk == client.pk else None) for c in _clients(viewer)]
    return settings_page(request, viewer, "web/settings/clients.html", {"rows": rows}, tab="clients", status=status)
