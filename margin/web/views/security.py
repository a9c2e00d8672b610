"""Security (each user's own): change the password, and two-factor authentication — set up with a QR code,
recovery codes shown once, new recovery codes, turning it off. The writes are `accounts.twofactor` and
`accounts.actions.user_password_set`, which validate and audit. These screens open before a required
second factor is set up (`before_two_factor`): they are where `viewer_view` sends people.
"""

from __future__ import annotations

import io

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from margin.accounts.actions import api_token_create, api_token_revoke, user_password_set
from margin.accounts.models import RecoveryCode, TwoFactorDevice
from margin.accounts.queries import Viewer, api_tokens_of, margin_number, organisation_of
from margin.accounts.twofactor import (
    provisioning_uri,
    recovery_codes_renew,
    two_factor_begin,
    two_factor_confirm,
    two_factor_disable,
)
from margin.core.errors import DomainError
from margin.web.access import HtmxRequest, before_two_factor, viewer_view
from margin.web.forms import NewPasswordForm, SecondFactorForm, add_domain_error
from margin.web.pages import page
from margin.web.views.settings import checked_id


def _user(request: HtmxRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PasswordChangeForm(NewPasswordForm):
    current = forms.CharField(
        label="Current password",
        required=False,  # someone who only ever signed in through single sign-on has none
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}),
    )
    field_order = ["current", "password1", "password2"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What it is for", max_length=100, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    days = forms.IntegerField(
        label="Expires after (days)", min_value=1, widget=forms.NumberInput(attrs={"class": "form-control"})
    )


def _security_page(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    form: PasswordChangeForm | None = None,
    token_form: TokenForm | None = None,
    created: tuple[object, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    device = TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    context = {
        "form": form or PasswordChangeForm(),
        "token_form": token_form or TokenForm(initial={"days": margin_number("API_TOKEN_DAYS")}),
        "tokens": list(api_tokens_of(user.pk)),
        "created": created,
        "longest": margin_number("API_TOKEN_MAX_DAYS"),
        "two_factor": device,
        "codes_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "has_password": user.has_usable_password(),
    }
    return page(request, viewer, "web/security/security.html", context, active="security", status=status)


@sensitive_post_parameters("current", "password1", "password2")
@never_cache
@viewer_view
@before_two_factor
def security(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if request.method != "POST":
        return _security_page(request, viewer)
    form = PasswordChangeForm(request.POST)
    user = _user(request)
    if form.is_valid():
        if user.has_usable_password() and not user.check_password(form.cleaned_data["current"] or ""):
            form.add_error("current", "This is not your current password.")
        else:
            try:
                user = user_password_set(user=user, password=form.cleaned_data["password1"], reason="change")
            except DomainError as refused:
                add_domain_error(form, refused, {"password": "password1"})
            else:
                update_session_auth_hash(request, user)  # this session stays; the others end
                messages.success(request, "Your password is changed.")
                return redirect("web:security")
    return _security_page(request, viewer, form=form, status=422)


def _two_factor_page(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    form: SecondFactorForm | None = None,
    codes: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    device = TwoFactorDevice.objects.filter(user=user).first()
    context = {
        "device": device,
        "enabled": device is not None and device.confirmed_at is not None,
        "pending": device is not None and device.confirmed_at is None,
        "secret": device.secret if device is not None and device.confirmed_at is None else "",
        "form": form or SecondFactorForm(),
        "codes": codes,
        "codes_left": RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
        "required": organisation_of(viewer).require_two_factor,
    }
    return page(request, viewer, "web/security/two_factor.html", context, active="security", status=status)


@never_cache
@viewer_view
@before_two_factor
def two_factor(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _two_factor_page(request, viewer)


@require_POST
@viewer_view
@before_two_factor
def two_factor_start(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    two_factor_begin(user=_user(request))
    return redirect("web:two_factor")


@never_cache
@viewer_view
@before_two_factor
def two_factor_qr(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The QR code of the authenticator being set up, as SVG (an image: no script runs in it)."""
    user = _user(request)
    device = TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        return HttpResponse(status=404)
    svg = io.BytesIO()
    segno.make(provisioning_uri(device, user), error="m").save(svg, kind="svg", scale=5, border=2)
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters("code")
@require_POST
@never_cache
@viewer_view
@before_two_factor
def two_factor_code(request: HtmxRequest, viewer: Viewer, step: str) -> HttpResponse:
    """A code for one of: confirm (turn on), renew (new recovery codes), disable (turn off)."""
    form = SecondFactorForm(request.POST)
    if not form.is_valid():
        return _two_factor_page(request, viewer, form=form, status=422)
    user, code = _user(request), form.cleaned_data["code"]
    try:
        if step == "confirm":
            codes = two_factor_confirm(user=user, code=code)
        elif step == "renew":
            codes = recovery_codes_renew(user=user, code=code)
        else:
            two_factor_disable(user=user, code=code)
            messages.success(request, "Two-factor authentication is off.")
            return redirect("web:two_factor")
    except DomainError as refused:
        add_domain_error(form, refused)
        return _two_factor_page(request, viewer, form=form, status=refused.status)
    return _two_factor_page(request, viewer, codes=codes)


@require_POST
@never_cache
@viewer_view
def token_create(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """A personal API token; its secret is shown on the page this once, with its expiry."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(
                user=_user(request), name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["days"]
            )
        except DomainError as refused:
            add_domain_error(form, refused, {"expires_in_days": "days"})
            return _security_page(request, viewer, token_form=form, status=refused.status)
        return _security_page(request, viewer, created=(token, secret))
    return _security_page(request, viewer, token_form=form, status=422)


@require_POST
@viewer_view
def token_revoke(request: HtmxRequest, viewer: Viewer, token_id: int) -> HttpResponse:
    token = api_token_revoke(user=_user(request), token_id=checked_id(token_id))
    messages.success(request, f"The token {token.name} is revoked.")
    return redirect("web:security")
