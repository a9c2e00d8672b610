"""Settings → Webhooks & chat: the organisation's and projects' outgoing hooks (signed webhooks, Slack and
Teams), each with its delivery log, "Send test", switch on again, rotate or reveal the secret; the allowed
hosts (administrators). And /me/channels/: a person's own Slack and Teams channels.

The writes are `margin.notifications.endpoints` (who may, the address guard, audit) and `delivery.
endpoint_send_test`; a refusal is a form error (422) and stores nothing. A new or rotated secret is shown
once, on the next page (kept in the session until then); administrators may reveal it again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.models import AccessRole
from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, NotFound
from margin.notifications.deliveries import (
    allowed_hosts_of,
    channels_of,
    deliveries_of,
    endpoint_get,
    endpoints_managed,
)
from margin.notifications.delivery import endpoint_send_test
from margin.notifications.endpoints import (
    ProjectAccess,
    allowed_host_add,
    allowed_host_remove,
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_update,
    may_reveal_secret,
)
from margin.notifications.models import DeliveryStatus, Endpoint, EndpointFormat
from margin.notifications.rules import EVENT_KINDS, shared_kinds
from margin.projects.models import Project
from margin.projects.queries import can_manage, project_get, projects_listed, projects_visible
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import MAX_ID, TablerForm, add_domain_error
from margin.web.pages import page
from margin.web.views.settings import checked_id, settings_page

SECRET_KEY = "webhook_secret_once"
TEMPLATE_LIST = "web/webhooks/list.html"
TEMPLATE_DETAIL = "web/webhooks/detail.html"
TEMPLATE_CHANNELS = "web/webhooks/channels.html"


def managed_project_ids(viewer: Viewer) -> frozenset[int]:
    if viewer.person_id is None:
        return frozenset()
    return frozenset(projects_visible(viewer).filter(manager_id=viewer.person_id).values_list("id", flat=True))


def may_open_webhooks(viewer: Viewer) -> bool:
    """Administrators and project managers (the Settings tab and menu entry)."""
    return viewer.is_admin or viewer.role == AccessRole.MANAGER


def require_webhooks(viewer: Viewer) -> None:
    if not may_open_webhooks(viewer):
        raise PermissionDenied("Only administrators and project managers manage webhooks.")


def projects_for(viewer: Viewer) -> list[Project]:
    projects = projects_listed(viewer).exclude(status="closed").order_by("code")
    if viewer.is_admin:
        return list(projects)
    return list(projects.filter(id__in=managed_project_ids(viewer)))


KIND_CHOICES = [(k.kind, k.shared_label) for k in shared_kinds()]


class WebhookForm(TablerForm):
    format = forms.ChoiceField(
        label="Format", choices=EndpointFormat.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    name = forms.CharField(label="Name", max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://hooks.slack.com/services/…"}),
    )
    project = forms.CharField(label="Events of", required=False, widget=forms.Select(attrs={"class": "form-select"}))
    kinds = forms.MultipleChoiceField(
        label="Kinds of event",
        required=False,
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="None ticked: every kind.",
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["project"].widget
        assert isinstance(widget, forms.Select)
        choices: list[tuple[str, str]] = [("", "The whole organisation")] if viewer.is_admin else []
        widget.choices = choices + [(str(p.pk), f"{p.code} {p.name}") for p in projects_for(viewer)]

    def clean_project(self) -> int | None:
        value = str(self.cleaned_data.get("project") or "")
        if not value:
            return None
        if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
            raise forms.ValidationError("Choose one of the projects listed.")
        return int(value)


class WebhookEditForm(TablerForm):
    name = forms.CharField(label="Name", max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    url = forms.CharField(label="URL", max_length=2000, widget=forms.URLInput(attrs={"class": "form-control"}))
    kinds = forms.MultipleChoiceField(
        label="Kinds of event",
        required=False,
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="None ticked: every kind.",
    )


class ChannelForm(TablerForm):
    format = forms.ChoiceField(
        label="Where",
        choices=[(EndpointFormat.SLACK, "Slack"), (EndpointFormat.TEAMS, "Microsoft Teams")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    name = forms.CharField(label="Name", max_length=120, widget=forms.TextInput(attrs={"class": "form-control"}))
    url = forms.CharField(label="Webhook URL", max_length=2000, widget=forms.URLInput(attrs={"class": "form-control"}))


class AllowedHostForm(TablerForm):
    host = forms.CharField(
        label="Host",
        max_length=253,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "hooks.intranet.example"}),
    )


def _list_context(
    viewer: Viewer, form: WebhookForm | None = None, host_form: AllowedHostForm | None = None
) -> dict[str, Any]:
    projects = {p.pk: p for p in projects_for(viewer)}
    rows = []
    for endpoint in endpoints_managed(viewer, managed_project_ids(viewer)):
        project = projects.get(endpoint.project_id or 0)
        scope = "Whole organisation" if endpoint.project_id is None else (project.code if project else "A project")
        rows.append({"endpoint": endpoint, "scope": scope})
    return {
        "rows": rows,
        "form": form or WebhookForm(viewer=viewer),
        "host_form": host_form or AllowedHostForm(),
        "allowed_hosts": list(allowed_hosts_of(viewer)) if viewer.is_admin else [],
    }


@viewer_view
def webhooks(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_webhooks(viewer)
    return settings_page(request, viewer, TEMPLATE_LIST, _list_context(viewer), tab="webhooks")


def _remember_secret(request: HtmxRequest, endpoint: Endpoint) -> None:
    request.session[SECRET_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}


@require_POST
@viewer_view
def webhook_add(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_webhooks(viewer)
    form = WebhookForm(request.POST, viewer=viewer)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            project = None
            if data["project"] is not None:
                found = project_get(viewer, data["project"])
                project = ProjectAccess(project_id=found.pk, manages=can_manage(viewer, found))
            endpoint = endpoint_create(
                viewer=viewer,
                format=data["format"],
                name=data["name"],
                url=data["url"],
                kinds=data["kinds"],
                project=project,
            )
        except NotFound:
            form.add_error("project", "Choose one of the projects listed.")
        except DomainError as error:
            status = error.status
            add_domain_error(form, error)
        else:
            _remember_secret(request, endpoint)
            messages.success(request, f"Webhook {endpoint.name} added.")
            return redirect("web:webhook", webhook_id=endpoint.pk)
    return settings_page(request, viewer, TEMPLATE_LIST, _list_context(viewer, form), tab="webhooks", status=status)


STATUS_BADGES: dict[str, str] = {
    DeliveryStatus.PENDING: "bg-blue-lt",
    DeliveryStatus.RETRYING: "bg-yellow-lt",
    DeliveryStatus.DELIVERED: "bg-green-lt",
    DeliveryStatus.FAILED: "bg-red-lt",
}


def _detail(
    request: HtmxRequest,
    viewer: Viewer,
    endpoint: Endpoint,
    *,
    form: WebhookEditForm | None = None,
    status: int = 200,
    revealed: str = "",
    error: str = "",
) -> HttpResponse:
    once = request.session.pop(SECRET_KEY, None)
    secret = revealed or (once["secret"] if isinstance(once, dict) and once.get("id") == endpoint.pk else "")
    log = [{"delivery": d, "badge": STATUS_BADGES.get(d.status, "bg-secondary-lt")} for d in deliveries_of(endpoint)]
    context = {
        "endpoint": endpoint,
        "personal": endpoint.owner_id is not None,
        "project": Project.objects.filter(pk=endpoint.project_id).first() if endpoint.project_id else None,
        "kind_labels": [EVENT_KINDS[k].shared_label for k in endpoint.kinds if k in EVENT_KINDS],
        "form": form
        or WebhookEditForm(initial={"name": endpoint.name, "url": endpoint.url, "kinds": list(endpoint.kinds)}),
        "log": log,
        "secret": secret,
        "may_reveal": may_reveal_secret(viewer, endpoint),
        "error": error,
    }
    if endpoint.owner_id is not None:
        return page(request, viewer, TEMPLATE_DETAIL, context, status=status)
    return settings_page(request, viewer, TEMPLATE_DETAIL, context, tab="webhooks", status=status)


def _get(viewer: Viewer, webhook_id: int) -> Endpoint:
    return endpoint_get(viewer, checked_id(webhook_id), managed_project_ids(viewer))


@viewer_view
def webhook(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    return _detail(request, viewer, _get(viewer, webhook_id))


@require_POST
@viewer_view
def webhook_edit(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = _get(viewer, webhook_id)
    form = WebhookEditForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint_update(
                viewer=viewer,
                endpoint_id=endpoint.pk,
                managed_project_ids=managed_project_ids(viewer),
                name=data["name"],
                url=data["url"],
                kinds=None if endpoint.owner_id is not None else data["kinds"],
            )
        except DomainError as error:
            status = error.status
            add_domain_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("web:webhook", webhook_id=endpoint.pk)
    return _detail(request, viewer, endpoint, form=form, status=status)


@require_POST
@viewer_view
def webhook_test(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = _get(viewer, webhook_id)
    delivery = endpoint_send_test(
        viewer=viewer, endpoint_id=endpoint.pk, managed_project_ids=managed_project_ids(viewer)
    )
    if delivery.status == DeliveryStatus.DELIVERED:
        messages.success(request, f"Test delivered: the receiver answered {delivery.last_status_code}.")
    else:
        messages.error(request, f"Test not delivered: {delivery.last_error}")
    return redirect("web:webhook", webhook_id=endpoint.pk)


@require_POST
@viewer_view
def webhook_switch(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = _get(viewer, webhook_id)
    try:
        if endpoint.active:
            endpoint_update(
                viewer=viewer, endpoint_id=endpoint.pk, managed_project_ids=managed_project_ids(viewer), active=False
            )
            messages.success(request, f"{endpoint.name} is switched off: nothing is sent until you switch it on.")
        else:
            endpoint_enable(viewer=viewer, endpoint_id=endpoint.pk, managed_project_ids=managed_project_ids(viewer))
            messages.success(request, f"{endpoint.name} is on again; what waited will be sent.")
    except DomainError as error:
        return _detail(request, viewer, endpoint, status=error.status, error=error.message)
    return redirect("web:webhook", webhook_id=endpoint.pk)


@require_POST
@viewer_view
def webhook_rotate(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = endpoint_rotate_secret(
        viewer=viewer, endpoint_id=_get(viewer, webhook_id).pk, managed_project_ids=managed_project_ids(viewer)
    )
    _remember_secret(request, endpoint)
    messages.success(request, "A new secret is in force; update your receiver now.")
    return redirect("web:webhook", webhook_id=endpoint.pk)


@require_POST
@viewer_view
def webhook_reveal(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = _get(viewer, webhook_id)
    if not may_reveal_secret(viewer, endpoint):
        raise PermissionDenied("Only administrators reveal a webhook's secret again; rotate it to get a new one.")
    return _detail(request, viewer, endpoint, revealed=endpoint.secret)


@require_POST
@viewer_view
def webhook_delete(request: HtmxRequest, viewer: Viewer, webhook_id: int) -> HttpResponse:
    endpoint = _get(viewer, webhook_id)
    personal = endpoint.owner_id is not None
    endpoint_delete(viewer=viewer, endpoint_id=endpoint.pk, managed_project_ids=managed_project_ids(viewer))
    messages.success(request, f"{endpoint.name} deleted.")
    return redirect("web:my_channels" if personal else "web:settings_webhooks")


@require_POST
@viewer_view
def allowed_host_new(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_webhooks(viewer)
    host_form = AllowedHostForm(request.POST)
    status = 422
    if host_form.is_valid():
        try:
            allowed = allowed_host_add(viewer=viewer, host=host_form.cleaned_data["host"])
        except DomainError as error:
            status = error.status
            add_domain_error(host_form, error)
        else:
            messages.success(request, f"Webhooks may now go to {allowed.host}.")
            return redirect("web:settings_webhooks")
    context = _list_context(viewer, host_form=host_form)
    return settings_page(request, viewer, TEMPLATE_LIST, context, tab="webhooks", status=status)


@require_POST
@viewer_view
def allowed_host_delete(request: HtmxRequest, viewer: Viewer, allowed_host_id: int) -> HttpResponse:
    allowed_host_remove(viewer=viewer, allowed_host_id=checked_id(allowed_host_id))
    messages.success(request, "Host no longer allowed.")
    return redirect("web:settings_webhooks")


def _channels(request: HtmxRequest, viewer: Viewer, form: ChannelForm | None = None, status: int = 200) -> HttpResponse:
    context = {"channels": list(channels_of(viewer)), "form": form or ChannelForm()}
    return page(request, viewer, TEMPLATE_CHANNELS, context, status=status)


@viewer_view
def my_channels(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _channels(request, viewer)


@require_POST
@viewer_view
def my_channel_add(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = ChannelForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = endpoint_create(
                viewer=viewer, format=data["format"], name=data["name"], url=data["url"], personal=True
            )
        except DomainError as error:
            status = error.status
            add_domain_error(form, error)
        else:
            messages.success(request, f"{endpoint.name} added. Choose in your notification settings what goes there.")
            return redirect("web:my_channels")
    return _channels(request, viewer, form, status)
