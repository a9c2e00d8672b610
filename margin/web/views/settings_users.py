"""Settings → Users (administrators): invite by e-mail, access role and companies, log for others,
deactivate and reactivate, send an invitation again, reset a second factor, and the organisation's
two-factor rule. Each write is one accounts action (permission, validation, audit); a refusal shows its
message on the page (4xx) and changes nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.actions import (
    user_access_set,
    user_deactivate,
    user_invite,
    user_invite_again,
    user_reactivate,
)
from margin.accounts.models import AccessRole
from margin.accounts.queries import Viewer, companies_visible, organisation_of, user_rows
from margin.accounts.twofactor import organisation_two_factor_set, two_factor_reset
from margin.core.errors import DomainError, NotFound
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms import MAX_ID, TablerForm, add_domain_error
from margin.web.views.settings import require_admin, settings_page


class AccessForm(TablerForm):
    role = forms.ChoiceField(
        label="Access", choices=AccessRole.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    companies = forms.TypedMultipleChoiceField(
        label="Companies",
        coerce=int,
        required=False,
        help_text="None ticked: every company.",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    can_log_for_others = forms.BooleanField(
        label="May log time for others",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, viewer: Viewer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["companies"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(c.pk, c.name) for c in companies_visible(viewer)]


class InviteForm(AccessForm):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "off"})
    )
    first_name = forms.CharField(
        label="First name", max_length=150, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    field_order = ["email", "first_name", "last_name", "role", "companies", "can_log_for_others"]


def _context(
    viewer: Viewer,
    *,
    invite: InviteForm | None = None,
    failed: tuple[int, str] | None = None,
    policy_error: str = "",
) -> dict[str, Any]:
    rows = []
    for row in user_rows(viewer):
        form = AccessForm(
            viewer,
            initial={
                "role": row.membership.role,
                "companies": row.company_ids,
                "can_log_for_others": row.membership.can_log_for_others,
            },
            auto_id=f"id_u{row.user_id}_%s",
        )
        error = failed[1] if failed is not None and failed[0] == row.user_id else ""
        rows.append({"row": row, "form": form, "error": error, "me": row.user_id == viewer.user_id})
    return {
        "rows": rows,
        "invite": invite or InviteForm(viewer, initial={"role": AccessRole.MEMBER}),
        "organisation": organisation_of(viewer),
        "policy_error": policy_error,
    }


def _page(request: HtmxRequest, viewer: Viewer, status: int = 200, **kwargs: Any) -> HttpResponse:
    return settings_page(
        request, viewer, "web/settings/users.html", _context(viewer, **kwargs), tab="users", status=status
    )


def _user_id(value: int) -> int:
    if value > MAX_ID:
        raise NotFound("No such user.")
    return value


@viewer_view
def users(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    return _page(request, viewer)


@require_POST
@viewer_view
def user_invite_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    form = InviteForm(viewer, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = user_invite(
                viewer=viewer,
                email=data["email"],
                access_role=data["role"],
                company_ids=data["companies"],
                can_log_for_others=data["can_log_for_others"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except DomainError as refused:
            add_domain_error(form, refused, {"company_ids": "companies"})
            return _page(request, viewer, status=refused.status, invite=form)
        else:
            messages.success(request, f"An invitation is on its way to {invitation.email}.")
            return redirect("web:settings_users")
    return _page(request, viewer, status=422, invite=form)


def _after(request: HtmxRequest, viewer: Viewer, user_id: int, call: Any, done: str) -> HttpResponse:
    """Run one action for one user; a refusal shows in their row."""
    try:
        call()
    except NotFound:
        raise
    except DomainError as refused:
        return _page(request, viewer, status=refused.status, failed=(user_id, refused.message))
    messages.success(request, done)
    return redirect("web:settings_users")


@require_POST
@viewer_view
def user_access_view(request: HtmxRequest, viewer: Viewer, user_id: int) -> HttpResponse:
    require_admin(viewer)
    user_id = _user_id(user_id)
    form = AccessForm(viewer, request.POST)
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _page(request, viewer, status=422, failed=(user_id, problems))
    data = form.cleaned_data
    return _after(
        request,
        viewer,
        user_id,
        lambda: user_access_set(
            viewer=viewer,
            user_id=user_id,
            access_role=data["role"],
            company_ids=data["companies"],
            can_log_for_others=data["can_log_for_others"],
        ),
        "The access is saved.",
    )


@require_POST
@viewer_view
def user_state_view(request: HtmxRequest, viewer: Viewer, user_id: str, change: str) -> HttpResponse:
    """deactivate, reactivate, invite (again) or reset-two-factor one user (the URL allows only these)."""
    require_admin(viewer)
    return _user_state(request, viewer, _user_id(int(user_id)), change)


def _user_state(request: HtmxRequest, viewer: Viewer, user_id: int, change: str) -> HttpResponse:
    calls = {
        "deactivate": (lambda: user_deactivate(viewer=viewer, user_id=user_id), "The user is deactivated."),
        "reactivate": (lambda: user_reactivate(viewer=viewer, user_id=user_id), "The user is active again."),
        "invite": (lambda: user_invite_again(viewer=viewer, user_id=user_id), "The invitation is sent again."),
        "reset-two-factor": (
            lambda: two_factor_reset(viewer=viewer, user_id=user_id),
            "Their two-factor authentication is reset.",
        ),
    }
    call, done = calls[change]
    return _after(request, viewer, user_id, call, done)


@require_POST
@viewer_view
def two_factor_policy_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    required = request.POST.get("required") == "on"
    try:
        organisation_two_factor_set(viewer=viewer, required=required)
    except DomainError as refused:
        return _page(request, viewer, status=refused.status, policy_error=refused.message)
    messages.success(
        request,
        "Two-factor authentication is now required of everyone."
        if required
        else "Two-factor authentication is no longer required.",
    )
    return redirect("web:settings_users")
