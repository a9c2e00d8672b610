"""The OpenAPI document as committed in docs/openapi.json: sorted keys, indent 2, trailing newline."""

from __future__ import annotations

import json

from margin.api.main import api

PATH_PREFIX = "/api/v1/"


def openapi_document() -> str:
    schema = api.get_openapi_schema(path_prefix=PATH_PREFIX)
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
