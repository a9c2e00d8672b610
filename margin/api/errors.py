"""The one place where failures become HTTP answers. Every error has the `Error` shape:
`{"detail": message, "code": code, "field": field}` (+ `errors` for validation problems).

- `DomainError` subclasses carry their own status (Invalid 422, NotFound 404, Forbidden 403,
  Conflict 409);
- request validation (ninja/pydantic) → 422 with the list of problems;
- a body that is not JSON → 400; unauthenticated → 401; a CSRF failure → 403;
- a concurrent duplicate caught by a database constraint → 409;
- a write refused by a database guard (a period closed meanwhile) → its domain error (409);
- a date or number beyond what the calendar arithmetic can hold (`week=9999-12-31`: the week after it
  does not exist) → 422 `out_of_range`, whichever input carried it. Actions are atomic, so nothing
  half-written remains.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from margin.core.errors import DomainError, from_database

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "throttled",
}


def _body(
    detail: str, code: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": detail, "code": code, "field": field}
    if errors is not None:
        body["errors"] = errors
    return body


def _problems(exc: ValidationError) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    for error in exc.errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        problems.append({"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))})
    return problems


def _field(loc: list[str | int]) -> str | None:
    """`["body", "payload", "minutes"]` → `minutes`; the field named by the deepest string part."""
    names = [part for part in loc[1:] if isinstance(part, str) and part != "payload"]
    return names[-1] if names else None


def install(api: NinjaAPI) -> None:
    """Replace ninja's default handlers with ones that answer in the `Error` shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, _body(exc.message, exc.code, exc.field))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = _problems(exc)
        first: dict[str, Any] = problems[0] if problems else {"loc": [], "msg": "invalid"}
        field = _field(first["loc"])
        detail = f"{field}: {first['msg']}" if field else str(first["msg"])
        return respond(
            request, 422, _body(f"The request is not valid ({detail}).", "validation_error", field, problems)
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else "Sign in, or send Authorization: Bearer <token>."
        response = respond(request, 401, _body(message, "unauthorized"))
        response["WWW-Authenticate"] = 'Bearer realm="margin"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = exc.message
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = "The request body is not valid JSON."
        elif exc.status_code == 403 and message.startswith("CSRF"):
            message = "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header."
        return respond(request, exc.status_code, _body(message, CODES.get(exc.status_code, "error")))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _body("Not found.", "not_found"))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 400, _body("The request body is too large.", "too_large"))

    @api.exception_handler(IntegrityError)
    def integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # Actions check uniqueness first; this only answers a race between two equal requests.
        guarded = from_database(exc)
        if guarded is not None:
            return domain_error(request, guarded)
        return respond(
            request, 409, _body("This conflicts with a change made at the same time; try again.", "conflict")
        )

    @api.exception_handler(OverflowError)
    def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        return respond(
            request,
            422,
            _body("A date or number in the request is outside the range Margin can work with.", "out_of_range"),
        )

    @api.exception_handler(DatabaseError)
    def database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        # PostgreSQL's period-close triggers raise (SQLSTATE P0001); anything else is a real failure.
        guarded = from_database(exc)
        if guarded is None:
            raise exc
        return domain_error(request, guarded)
