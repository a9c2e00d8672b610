"""The two ends of the OpenID Connect flow: off (404) unless configured; after the provider, the same
second-factor step and audit row as a password sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from margin.accounts.signin import sign_in_first_factor
from margin.integrations.oidc.backend import BACKEND
from margin.web.access import client_address
from margin.web.views.auth import finish_first_factor, sso_configured


class AuthenticateView(OIDCAuthenticationRequestView):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not sso_configured():
            raise Http404("Single sign-on is not configured.")
        super().__init__(*args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self) -> str:
        return resolve_url("web:login")

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_configured():
            raise Http404("Single sign-on is not configured.")
        if request.GET.get("error"):
            messages.error(request, "Single sign-on was cancelled or refused by your provider.")
        response: HttpResponse = super().get(request)
        return response

    def login_failure(self) -> HttpResponse:
        return HttpResponseRedirect(self.failure_url)

    def login_success(self) -> HttpResponse:
        result = sign_in_first_factor(self.user, address=client_address(self.request), method="sso")
        return finish_first_factor(self.request, result, next_url=self.success_url, first="sso", backend=BACKEND)
