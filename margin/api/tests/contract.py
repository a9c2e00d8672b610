"""The published contract, checked on every answer the API tests receive.

`check_response` finds the operation of docs/openapi.json that a request went to and fails when the
answer's status is not one it documents, or its body does not match the documented schema. The API
tests' client (conftest.Api) calls it on every response, so every real answer of the suite, made
with real data, is held to the document a client reads.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import requests
import schemathesis
from django.conf import settings
from schemathesis import Response
from schemathesis.specs.openapi.schemas import OpenApiSchema

PUBLISHED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


@cache
def published() -> OpenApiSchema:
    return schemathesis.openapi.from_dict(json.loads(PUBLISHED.read_text(encoding="utf-8")))


def _converted(method: str, url: str, response: Any) -> Response:
    return Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.content,
        request=requests.Request(method.upper(), "http://testserver" + url).prepare(),
        elapsed=0.0,
        verify=True,
        encoding="utf-8",
    )


def check_response(method: str, url: str, response: Any) -> None:
    """Fail unless the answer to `METHOD url` is one the published document promises."""
    path = url.split("?", 1)[0]
    operation = published().find_operation_by_path(method.upper(), path)
    if operation is None:  # a path or method the API does not have: nothing is promised
        return
    documented = operation.responses.find_by_status_code(response.status_code)
    assert documented is not None, (
        f"{method.upper()} {path} answered {response.status_code}, which {operation.label} does not document"
    )
    if not response.streaming:  # a file download: reading it here would leave the test nothing to read
        operation.validate_response(_converted(method, url, response))
