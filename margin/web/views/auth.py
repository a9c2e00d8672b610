"""Sign-in and sign-out: Django's own views with a Tabler-styled page (sign-out is a POST)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from margin.web.forms import SignInForm

sign_in = auth_views.LoginView.as_view(
    template_name="web/auth/login.html",
    authentication_form=SignInForm,
    redirect_authenticated_user=True,
)
sign_out = auth_views.LogoutView.as_view()
