"""Signing in and out, the second-factor step, invitations and password reset.

The checks are the accounts app's (`accounts.signin`: throttling, the password, the second factor, the
audit rows; `accounts.actions`: invitations and passwords); these views only carry the steps across
requests. Between the password and the second factor nobody is signed in: the session holds the user's
id, the time and where to go next (`PENDING`), for five minutes, and `login()` runs only after the code.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from margin.accounts.actions import invitation_accept, password_reset_requested, user_password_set
from margin.accounts.models import Organisation
from margin.accounts.queries import invitation_find
from margin.accounts.signin import SignIn, password_reset_throttle, sign_in_password, sign_in_second_factor
from margin.core.errors import DomainError, Invalid, Throttled
from margin.web.access import client_address
from margin.web.forms import NewPasswordForm, SecondFactorForm, SignInForm, add_domain_error

PENDING = "margin_second_factor"
PENDING_SECONDS = 5 * 60
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sso_configured() -> bool:
    return "margin.integrations.oidc.backend.InvitedUserBackend" in settings.AUTHENTICATION_BACKENDS


def finish_first_factor(
    request: HttpRequest, result: SignIn, *, next_url: str, first: str, backend: str
) -> HttpResponse:
    """After a right password (or SSO): sign in now, or keep the user pending and ask for their code."""
    if result.needs_second_factor:
        request.session.cycle_key()
        request.session[PENDING] = {
            "user": result.user.pk,
            "at": time.time(),
            "next": next_url,
            "first": first,
            "backend": backend,
        }
        return redirect("web:sign_in_code")
    login(request, result.user, backend=backend)
    return redirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        try:
            result = sign_in_password(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except (Invalid, Throttled) as refused:
            form.add_error(None, refused.message)
            status = refused.status if isinstance(refused, Throttled) else 200
        else:
            return finish_first_factor(request, result, next_url=next_url, first="password", backend=PASSWORD_BACKEND)
    context = {
        "form": form,
        "next": next_url,
        "sso": sso_configured(),
        "sso_label": settings.OIDC_SIGN_IN_LABEL,
        "no_organisation": not Organisation.objects.exists(),
    }
    return render(request, "web/auth/login.html", context, status=status)


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app, or a recovery code."""
    found = _pending(request)
    if found is None:
        request.session.pop(PENDING, None)
        messages.error(request, "Your sign-in took too long or was not started; sign in again.")
        return redirect("web:login")
    user, pending = found
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        try:
            sign_in_second_factor(
                user=user, code=form.cleaned_data["code"], address=client_address(request), first=pending["first"]
            )
        except (Invalid, Throttled) as refused:
            form.add_error("code", refused.message)
            status = refused.status
        else:
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            return redirect(_next_url(request, pending.get("next")))
    return render(request, "web/auth/code.html", {"form": form, "username": user.get_username()}, status=status)


sign_out = auth_views.LogoutView.as_view()


# --- invitations -----------------------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """The set-password link of an invitation; a link that cannot be used says why and changes nothing."""
    try:
        found = invitation_find(secret)
    except DomainError as refused:
        return render(request, "web/auth/invitation.html", {"refused": refused.message}, status=refused.status)
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        try:
            user = invitation_accept(secret=secret, password=form.cleaned_data["password1"])
        except DomainError as refused:
            add_domain_error(form, refused, {"password": "password1"})
            status = refused.status
        else:
            messages.success(request, f"Your password is set. Sign in as {user.get_username()}.")
            return redirect("web:login")
    elif request.method == "POST":
        status = 422
    context = {"form": form, "invitation": found, "organisation": found.organisation}
    return render(request, "web/auth/invitation.html", context, status=status)


# --- password reset (Django's views; the e-mail links start with MARGIN["BASE_URL"]) -------------------


class ResetRequestForm(PasswordResetForm):
    """Django's reset request (a link only to active accounts with a password), with an audit row per e-mail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"class": "form-control", "placeholder": "you@example.com"})

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        password_reset_requested(user=context["user"])
        super().send_mail(
            subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
        )


class ResetSetForm(SetPasswordForm):
    """Sets the password through `user_password_set` (validators, audit row)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def save(self, commit: bool = True) -> User:
        return user_password_set(user=self.user, password=self.cleaned_data["new_password1"], reason="reset")


class ResetRequestView(auth_views.PasswordResetView):
    """Django's reset request, throttled per address (`password_reset_throttle`): 429 with the wait."""

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            password_reset_throttle(address=client_address(self.request))
        except Throttled as refused:
            form.add_error("email", refused.message)
            return self.render_to_response(self.get_context_data(form=form), status=refused.status)
        response: HttpResponse = super().form_valid(form)
        return response


password_reset = ResetRequestView.as_view(
    template_name="web/auth/password_reset.html",
    email_template_name="web/auth/password_reset_email.txt",
    subject_template_name="web/auth/password_reset_subject.txt",
    form_class=ResetRequestForm,
    success_url=reverse_lazy("web:password_reset_sent"),
    extra_email_context={"base_url": settings.MARGIN["BASE_URL"]},
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(template_name="web/auth/password_reset_sent.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/auth/password_reset_confirm.html",
    form_class=ResetSetForm,
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetCompleteView.as_view(template_name="web/auth/password_reset_done.html")
