"""`Idempotency-Key` on POSTs: a resend replays the first answer; nothing is done twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.accounts.actions import api_token_create
from margin.api.tests.conftest import BASE, bearer, error_of, last_monday, unchanged
from margin.core.idempotency import TTL
from margin.core.models import IdempotencyKey
from margin.expenses.actions import category_create
from margin.expenses.models import Receipt
from margin.expenses.tests import files
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def _entry(firm: Firm, minutes: int = 60, **extra: Any) -> dict[str, Any]:
    return {
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "work_date": last_monday().isoformat(),
        "minutes": minutes,
        **extra,
    }


def _key(value: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": value}


@pytest.fixture
def tom(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member_user)


def test_a_resent_post_replays_the_first_answer(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    first = tom.post("/time-entries", _entry(firm), **_key("k-1"))
    assert first.status_code == 201, first.content
    again = tom.post("/time-entries", _entry(firm), **_key("k-1"))
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotency-Replayed"] == "true" and not first.has_header("Idempotency-Replayed")
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]  # a replay is an answer like any
    assert TimeEntry.objects.count() == 1


def test_the_same_json_with_other_spacing_or_order_is_the_same_request(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    day = last_monday().isoformat()
    raw = f'{{"minutes":60,  "work_date": "{day}", "task_id": {firm.build.pk}, "project_id": {firm.project.pk}}}'
    assert tom.post("/time-entries", raw=raw, **_key("k")).status_code == 201
    assert tom.post("/time-entries", _entry(firm), **_key("k"))["Idempotency-Replayed"] == "true"
    assert TimeEntry.objects.count() == 1


def test_without_a_key_each_post_does_the_work(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    tom.post("/time-entries", _entry(firm))
    tom.post("/time-entries", _entry(firm))
    assert TimeEntry.objects.count() == 2 and not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_request_is_422_and_changes_nothing(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    tom.post("/time-entries", _entry(firm), **_key("k-1"))
    with unchanged():
        body = error_of(
            tom.post("/time-entries", _entry(firm, minutes=90), **_key("k-1")), 422, "idempotency_key_reused"
        )
        error_of(
            tom.post("/time-entries/bulk", {"entries": [_entry(firm)]}, **_key("k-1")), 422, "idempotency_key_reused"
        )
    assert body["field"] == "Idempotency-Key"


def test_a_refused_request_keeps_nothing_so_the_corrected_one_may_reuse_the_key(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        error_of(tom.post("/time-entries", _entry(firm, minutes=0), **_key("k-2")), 422)
    assert tom.post("/time-entries", _entry(firm, minutes=30), **_key("k-2")).status_code == 201


def test_keys_are_per_user(firm: Firm, tom, api_as) -> None:  # type: ignore[no-untyped-def]
    tom.post("/time-entries", _entry(firm), **_key("shared"))
    lea = api_as(firm.member2_user)
    assert lea.post("/time-entries", _entry(firm), **_key("shared")).status_code == 201
    assert TimeEntry.objects.count() == 2


def test_an_expired_key_starts_afresh(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    tom.post("/time-entries", _entry(firm), **_key("old"))
    IdempotencyKey.objects.update(created_at=IdempotencyKey.objects.get().created_at - TTL - timedelta(minutes=1))
    assert tom.post("/time-entries", _entry(firm), **_key("old")).status_code == 201
    assert TimeEntry.objects.count() == 2 and IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("bad", ["", "x" * 201, "naïve", "a b"])
def test_a_malformed_key_is_422(firm: Firm, tom, bad: str) -> None:  # type: ignore[no-untyped-def]
    with unchanged():
        error_of(tom.post("/time-entries", _entry(firm), **_key(bad)), 422, "invalid")


def test_bulk_with_a_bearer_token_is_done_once(firm: Firm) -> None:
    _, secret = api_token_create(user=firm.member_user, name="sync")
    client = bearer(secret)
    body = {"entries": [_entry(firm, minutes=15), _entry(firm, minutes=20)]}
    answers = [client.post("/time-entries/bulk", body, **_key("bulk-7")) for _ in range(3)]
    assert {a.status_code for a in answers} == {200} and answers[0].json()["created"] == 2
    assert answers[1].json() == answers[2].json() == answers[0].json()
    assert TimeEntry.objects.count() == 2


def test_a_session_without_csrf_gets_no_replay(firm: Firm) -> None:
    """A replay is an answer too: a session request must pass the CSRF check to get one."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(firm.member_user)
    client.cookies["csrftoken"] = "a" * 32
    ok = client.post(
        f"{BASE}/time-entries", _entry(firm), content_type="application/json", HTTP_X_CSRFTOKEN="a" * 32, **_key("c")
    )
    assert ok.status_code == 201
    forged = client.post(f"{BASE}/time-entries", _entry(firm), content_type="application/json", **_key("c"))
    assert forged.status_code == 403 and not forged.has_header("Idempotency-Replayed")


def test_an_upload_is_fingerprinted_by_its_file(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    category = category_create(viewer=firm.finance, name="Travel", billable_default=True)
    claim = tom.post("/expenses/claims", {"title": "Trip"}).json()
    line = tom.post(
        f"/expenses/claims/{claim['id']}/lines",
        {"date": "2026-03-10", "category_id": category.pk, "amount_minor": 1_000, "currency": "USD"},
    )
    assert line.status_code == 201, line.content
    path = f"{BASE}/expenses/lines/{line.json()['id']}/receipts"

    def upload(content: bytes) -> Any:
        return tom.client.post(path, {"file": SimpleUploadedFile("r.png", content, "image/png")}, **_key("rcpt"))

    png = files.image("PNG")
    first, again = upload(png), upload(png)
    assert first.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotency-Replayed"] == "true"
    assert Receipt.objects.count() == 1
    error_of(upload(files.image("JPEG")), 422, "idempotency_key_reused")
