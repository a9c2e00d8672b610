"""Answers for /api/v1 paths that no route takes, in the API's `Error` shape (never Django's HTML 404).

Some routes use Django's `int` converter (`/time-entries/{int:entry_id}`) so that a word beside them
(`/time-entries/week`, `/time-entries/bulk`) is not taken for an id. A path whose id is not a number then
matches no route; here it answers 422 naming the parameter, as every other route's id does, and any other
unmatched path answers a JSON 404.
"""

from __future__ import annotations

import re
from functools import cache

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

from margin.api.main import api

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@cache
def _int_routes() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """Every route with an `int` parameter, as a regex where each parameter takes any one segment."""
    routes = []
    for pattern in api.urls[0]:
        route = str(pattern.pattern) if isinstance(pattern, URLPattern) else ""
        ints = tuple(m["name"] for m in _PARAM.finditer(route) if m["converter"] == "int")
        if ints:
            parts = _PARAM.split(route)[::3]  # the literal text between the parameters
            names = [m["name"] for m in _PARAM.finditer(route)]
            regex = "".join(
                re.escape(part) + (f"(?P<{names[i]}>[^/]+)" if i < len(names) else "") for i, part in enumerate(parts)
            )
            routes.append((re.compile(regex), ints))
    return routes


@csrf_exempt  # like every API route: the token or the session's CSRF check is the routes' business
def unmatched(request: HttpRequest, rest: str) -> JsonResponse:
    for regex, ints in _int_routes():
        match = regex.fullmatch(rest)
        if match is None:
            continue
        field = next((name for name in ints if not match[name].isdigit()), None)
        if field is not None:
            message = "Input should be a valid integer, unable to parse string as an integer"
            problem = {"loc": ["path", field], "msg": message, "type": "int_parsing"}
            body = {
                "detail": f"The request is not valid ({field}: {message}).",
                "code": "validation_error",
                "field": field,
                "errors": [problem],
            }
            return JsonResponse(body, status=422)
    return JsonResponse({"detail": "Not found.", "code": "not_found", "field": None}, status=404)
