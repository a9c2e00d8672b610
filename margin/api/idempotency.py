"""`Idempotency-Key` on every POST of the API: a client that lost an answer resends the request with the
same key and gets the first answer back instead of a second copy of the work.

One mechanism for every POST (a middleware around the API), so no endpoint can forget it:
- the key is per user (the bearer token's or the session's); 1–200 visible ASCII characters;
- the request's fingerprint is a hash of its method, path, query and body (JSON compared by content);
- claim → the endpoint → store run in one transaction: a 2xx answer is stored with the key and the work,
  anything else rolls the claim back (and the work, if any), so the client may correct and resend;
- the same key with the same request → the stored answer, marked `Idempotency-Replayed: true`;
  with a different request → 422 `idempotency_key_reused`;
- a concurrent duplicate waits for the first to commit, then gets its answer (margin.core.idempotency);
- keys expire after `margin.core.idempotency.TTL`.
A request without the header is untouched. The header is documented on every POST (document_header).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.utils import check_csrf

from margin.accounts.actions import api_token_authenticate
from margin.core.errors import DomainError
from margin.core.idempotency import TTL, StoredAnswer, idempotency_claim, idempotency_store

HEADER = "Idempotency-Key"
PREFIX = "/api/v1/"
KEY = re.compile(r"[\x21-\x7e]{1,200}")
MAX_STORED_BYTES = 1024 * 1024  # a bigger answer is not stored: the key is released instead


def _error(status: int, detail: str, code: str, field: str | None = HEADER) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "field": field}, status=status)


def _caller(request: HttpRequest) -> User | None:
    """Who the API will take the caller for, or None (the endpoint then answers 401 or 403 itself)."""
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return api_token_authenticate(authorization.removeprefix("Bearer ").strip())
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and check_csrf(request) is None:
        return user
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            digest.update(json.dumps([name, request.POST.getlist(name)]).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(json.dumps([name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    with suppress(ValueError):  # the same JSON resent with other spacing or key order is the same request
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(PREFIX):
            return self.get_response(request)
        if not KEY.fullmatch(key):
            return _error(422, f"{HEADER} must be 1 to 200 visible ASCII characters.", "invalid")
        user = _caller(request)
        if user is None:
            return self.get_response(request)
        try:
            fingerprint = _fingerprint(request)
        except RequestDataTooBig:
            return _error(400, "The request body is too large.", "too_large", None)
        with transaction.atomic():
            try:
                stored = idempotency_claim(user_id=user.pk, key=key, fingerprint=fingerprint)
            except DomainError as error:
                return _error(error.status, error.message, error.code)
            if stored is not None:
                replay = HttpResponse(stored.body, status=stored.status_code, content_type=stored.content_type)
                replay["Idempotency-Replayed"] = "true"
                return replay
            response = self.get_response(request)
            if _storable(response):
                answer = StoredAnswer(response.status_code, response["Content-Type"], response.content)
                idempotency_store(user_id=user.pk, key=key, answer=answer)
            else:  # a refusal or a failure: nothing is kept, so the corrected request may use the same key
                transaction.set_rollback(True)
            return response


def _storable(response: HttpResponse) -> bool:
    return 200 <= response.status_code < 300 and not response.streaming and len(response.content) <= MAX_STORED_BYTES


def document_header(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the optional `Idempotency-Key` header to every POST operation of an OpenAPI document."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "description": (
            "Any unique string (1–200 visible ASCII characters, e.g. a UUID). Resending the same request "
            f"with the same key within {int(TTL.total_seconds() // 3600)} hours answers the first 2xx answer "
            "again (header `Idempotency-Replayed: true`) instead of doing the work twice; the same key with "
            "a different request answers 422 `idempotency_key_reused`. A refused or failed request keeps "
            "nothing, so it may be corrected and resent with the same key."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"},
    }
    schema.setdefault("components", {}).setdefault("parameters", {})["IdempotencyKey"] = parameter
    for methods in schema["paths"].values():
        if "post" in methods:
            methods["post"].setdefault("parameters", []).append({"$ref": "#/components/parameters/IdempotencyKey"})
    return schema
