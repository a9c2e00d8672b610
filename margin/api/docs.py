"""The API documentation page (/api/v1/docs): Swagger UI from npm (node_modules/swagger-ui-dist, served as
static files like the other front-end libraries), so it works with no internet access and passes the
Content-Security-Policy (no inline script: the settings travel as a JSON data block)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": settings})
