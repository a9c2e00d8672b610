"""/oidc/authenticate/ and /oidc/callback/ (the names mozilla-django-oidc reverses, so no namespace)."""

from __future__ import annotations

from django.urls import path

from margin.integrations.oidc.views import AuthenticateView, CallbackView

urlpatterns = [
    path("authenticate/", AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
