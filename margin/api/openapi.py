"""The OpenAPI document as committed in docs/openapi.json: sorted keys, indent 2, trailing newline."""

from __future__ import annotations

import json

from django.urls import get_resolver

from margin.api.main import api

PATH_PREFIX = "/api/v1/"


def openapi_document() -> str:
    """The document of the API as served: loading the URL configuration assembles it (config/api.py adds the
    integrations' routers)."""
    get_resolver().url_patterns  # noqa: B018 - imports config.urls, and so config.api, once
    schema = api.get_openapi_schema(path_prefix=PATH_PREFIX)
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
