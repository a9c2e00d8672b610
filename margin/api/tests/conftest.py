"""Calling the API through the real URLconf and routers, as a client would; every answer is checked
against the published OpenAPI document (contract.check_response)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.utils import timezone

from margin.api.tests.contract import check_response
from margin.core.periods import week_start
from tests.checks import stored, table_counts

BASE = "/api/v1"


class Api:
    """A JSON client of /api/v1: `api.post("/clients", {...})` returns the Django test response."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def _send(self, method: str, path: str, body: Any = None, raw: str | bytes | None = None, **extra: Any) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call = getattr(self.client, method)
        if data is None:
            response = call(BASE + path, **extra)
        else:
            response = call(BASE + path, data=data, content_type=extra.pop("content_type", "application/json"), **extra)
        check_response(method, BASE + path, response)
        return response

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.client.get(BASE + path, params or {})
        check_response("get", BASE + path, response)
        return response

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._send("post", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._send("patch", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra: Any) -> Any:
        return self._send("put", path, body, **extra)

    def delete(self, path: str) -> Any:
        response = self.client.delete(BASE + path)
        check_response("delete", BASE + path, response)
        return response


@pytest.fixture
def api_as() -> Callable[[User | None], Api]:
    """`api_as(firm.member_user)`: a client signed in (Django session) as that user; None: anonymous."""

    def make(user: User | None) -> Api:
        client = Client()
        if user is not None:
            client.force_login(user)
        return Api(client)

    return make


def bearer(secret: str) -> Api:
    return Api(Client(headers={"Authorization": f"Bearer {secret}"}))


@contextmanager
def unchanged(*objects: models.Model) -> Iterator[None]:
    """The block changes nothing: same number of rows in every Margin table (audit rows included)
    and the same stored columns for the given objects."""
    counts, rows = table_counts(), stored(*objects)
    yield
    assert table_counts() == counts, "a refused request changed the number of rows"
    assert stored(*objects) == rows, "a refused request changed an object"


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert an error answer: the status, JSON in the Error shape, a message; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) >= {"detail", "code", "field"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return body


def last_monday() -> date:
    return week_start(timezone.localdate()) - timedelta(days=7)
