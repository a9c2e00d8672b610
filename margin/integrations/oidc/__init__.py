"""Single sign-on with OpenID Connect (mozilla-django-oidc as the relying party)."""
