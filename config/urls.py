"""URL wiring: the API under /api/v1, the admin, and the web screens."""

from django.contrib import admin
from django.urls import include, path

from config.api import api
from margin.api.fallback import unmatched

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("oidc/", include("margin.integrations.oidc.urls")),
    path("api/v1/<path:rest>", unmatched),  # a JSON answer, never the web's HTML 404
    path("", include("margin.integrations.urls")),
    path("", include("margin.web.urls")),
]
