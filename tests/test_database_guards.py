"""A write that slips past the actions' period check (a close landing mid-request) is stopped by the
database's triggers; the API and the screens answer it as a clear 409, not a 500, and save nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.accounts.actions import api_token_create
from margin.closing.actions import period_close
from margin.core.periods import week_start
from margin.timesheets.actions import approval, entries
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


@pytest.fixture
def closed_unchecked(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> Firm:
    """The week is closed, and the actions' own check is switched off: only the database guards it.

    The check is patched where the writes call it (each actions module binds its own name)."""
    period_close(viewer=firm.finance, company=firm.usd, through=MONDAY + timedelta(days=6))
    for module in (entries, approval):
        monkeypatch.setattr(module, "check_period_open", lambda *args, **kwargs: None)
    return firm


def test_the_api_answers_a_guarded_write_with_409(closed_unchecked: Firm) -> None:
    firm = closed_unchecked
    _, secret = api_token_create(user=firm.member_user, name="t")
    body = {"project_id": firm.project.pk, "task_id": firm.design.pk, "work_date": MONDAY.isoformat(), "minutes": 60}
    answer = Client().post(
        "/api/v1/time-entries", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "period_closed" and "Nothing was saved" in answer.json()["detail"]
    assert not TimeEntry.objects.exists()


def test_the_week_grid_answers_a_guarded_write_with_409(closed_unchecked: Firm) -> None:
    firm = closed_unchecked
    client = Client()
    client.force_login(firm.member_user)
    answer = client.post(
        reverse("web:week_cell"),
        {"task": firm.design.pk, "date": MONDAY.isoformat(), "value": "1"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 409 and "period was closed" in answer.content.decode()
    assert not TimeEntry.objects.exists()
