"""The bulk endpoint, the CSV import endpoint and the export endpoint of /api/v1, through the real URLconf."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.accounts.actions import api_token_create
from margin.core.models import AuditEntry
from margin.integrations.timecsv.tests.test_formats import HARVEST, TOGGL
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.checks import table_counts
from tests.firm import Firm

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


def _bearer(user: object) -> dict[str, str]:
    _, secret = api_token_create(user=user, name="test")  # type: ignore[arg-type]
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(user: object, body: dict, auth: dict[str, str] | None = None) -> tuple[int, dict]:
    answer = Client().post(
        "/api/v1/time-entries/bulk", json.dumps(body), content_type="application/json", **(auth or _bearer(user))
    )
    return answer.status_code, answer.json()


def _entries(firm: Firm, n: int) -> list[dict]:
    people = [firm.member_person.pk, firm.member2_person.pk]
    return [
        {
            "project_id": firm.project.pk,
            "task_id": firm.build.pk if i % 2 else firm.design.pk,
            "person_id": people[i % 2],
            "work_date": (MONDAY - timedelta(days=i // 20)).isoformat(),
            "minutes": 30,
            "note": f"item {i}",
        }
        for i in range(n)
    ]


def test_bulk_creates_thousands_with_ids_in_order(firm: Firm) -> None:
    status, body = _post(firm.admin_user, {"entries": _entries(firm, 3000)})
    assert status == 200 and body["ok"] and body["created"] == 3000 and body["failed"] == 0
    ids = [r["id"] for r in body["results"]]
    notes = dict(TimeEntry.objects.filter(id__in=ids).values_list("id", "note"))
    assert [notes[i] for i in ids] == [f"item {i}" for i in range(3000)]
    assert AuditEntry.objects.filter(action="time_entry.import").count() == 1


def test_bulk_all_mode_creates_nothing_when_a_row_fails(firm: Firm) -> None:
    entries = _entries(firm, 5)
    entries[1]["task_id"] = 10**9
    entries[3]["person_email"], entries[3]["person_id"] = "nobody@example.test", None
    entries[4]["minutes"] = 24 * 60  # 30 + 1440 on one day for that person
    auth = _bearer(firm.admin_user)
    counts = table_counts()
    status, body = _post(firm.admin_user, {"entries": entries}, auth)
    assert status == 200 and not body["ok"] and body["created"] == 0 and table_counts() == counts
    errors = {r["index"]: r["errors"] for r in body["results"] if r["errors"]}
    assert errors[1] == [{"field": "task_id", "message": "no such task in project GLX-1"}]
    assert errors[3][0]["field"] == "person_email" and "nobody" in errors[3][0]["message"]
    assert errors[4][0]["field"] == "minutes" and "24 hours" in errors[4][0]["message"]


def test_bulk_valid_mode_creates_the_good_rows(firm: Firm) -> None:
    entries = _entries(firm, 4)
    entries[2]["project_id"] = firm.other_project.pk  # another organisation's: unknown
    status, body = _post(firm.admin_user, {"mode": "valid", "entries": entries})
    assert status == 200 and body["created"] == 3 and body["failed"] == 1
    assert [r["id"] is not None for r in body["results"]] == [True, True, False, True]
    assert body["results"][2]["errors"] == [{"field": "project_id", "message": "no such project"}]
    assert TimeEntry.objects.count() == 3


def test_a_member_sends_their_own_time_but_not_others_nor_approved_history(firm: Firm) -> None:
    auth = _bearer(firm.member_user)
    counts = table_counts()
    status, body = _post(firm.member_user, {"entries": _entries(firm, 2)}, auth)  # Tom's and Lea's
    assert status == 200 and not body["ok"] and body["created"] == 0 and table_counts() == counts
    assert body["results"][0]["errors"] == []
    assert body["results"][1]["errors"][0]["field"] == "person_id"
    assert "may not log time for Lea" in body["results"][1]["errors"][0]["message"]
    status, body = _post(firm.member_user, {"entries": _entries(firm, 1), "approved": True}, auth)
    assert status == 403 and body["code"] == "forbidden" and table_counts() == counts
    status, body = _post(firm.member_user, {"entries": _entries(firm, 1)}, auth)
    assert status == 200 and body["created"] == 1
    entry = TimeEntry.objects.get(pk=body["results"][0]["id"])
    assert (entry.person_id, entry.status) == (firm.member_person.pk, "draft")


def test_bulk_carries_the_category_and_non_work_is_never_billable(firm: Firm) -> None:
    entries = _entries(firm, 2)
    entries[0].update(category="training", billable=True)
    status, body = _post(firm.admin_user, {"entries": entries})
    assert status == 200 and body["created"] == 2
    first, second = (TimeEntry.objects.get(pk=r["id"]) for r in body["results"])
    assert (first.category, first.billable, first.billable_minutes) == ("training", False, 0)
    assert (second.category, second.billable) == ("work", True)
    status, body = _post(firm.admin_user, {"entries": [{**_entries(firm, 1)[0], "category": "holiday"}]})
    assert status == 422 and TimeEntry.objects.count() == 2


def test_bulk_refusals(firm: Firm) -> None:
    status, _ = _post(firm.admin_user, {"entries": []})
    assert status == 422
    status, _ = _post(firm.admin_user, {"entries": [{**_entries(firm, 1)[0], "minutes": 0}]})
    assert status == 422
    assert TimeEntry.objects.count() == 0


def test_csv_import_dry_run_then_commit(firm: Firm) -> None:
    auth = _bearer(firm.admin_user)
    url = "/api/v1/time-entries/import"
    answer = Client().post(url, {"file": SimpleUploadedFile("t.csv", TOGGL.encode())}, **auth)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["format"], body["rows"], body["rows_with_errors"], body["total_minutes"]) == ("toggl", 1, 0, 135)
    assert TimeEntry.objects.count() == 0
    answer = Client().post(url, {"file": SimpleUploadedFile("t.csv", TOGGL.encode()), "dry_run": "false"}, **auth)
    assert answer.status_code == 201 and answer.json() == {"created": 1}
    bad = HARVEST.replace("GLX-1", "NOPE").replace("Globex portal", "Nope")
    answer = Client().post(url, {"file": SimpleUploadedFile("h.csv", bad.encode()), "dry_run": "false"}, **auth)
    assert answer.status_code == 422 and "line 2, Project: no project 'NOPE'" in answer.json()["detail"]
    assert TimeEntry.objects.count() == 1


def _log(firm: Firm) -> None:
    time_entry_create(
        viewer=firm.member,
        project=firm.project,
        task=firm.design,
        work_date=MONDAY,
        minutes=90,
        note='=HYPERLINK("http://evil")',
    )
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=30, note="+plain"
    )
    time_entry_create(
        viewer=firm.member2, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60, note="@sum\ttab"
    )
    time_entries_submit(viewer=firm.member, monday=MONDAY)


def test_export_csv_filters_neutralises_and_scopes(firm: Firm) -> None:
    _log(firm)
    answer = Client().get("/api/v1/time-entries/export?status=submitted", **_bearer(firm.admin_user))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Date,Person,Email,Client,Project code,Project,Task,Minutes,Billable,Notes,Hours")
    assert "Bill amount" in lines[0]  # an administrator sees the amounts
    assert len(lines) == 3 and "'=HYPERLINK" in text and "'+plain" in text and "@sum" not in text
    # A member sees only their own entries and no amounts.
    answer = Client().get("/api/v1/time-entries/export", **_bearer(firm.member2_user))
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "'@sum\ttab" in lines[1] and "Bill amount" not in lines[0]


def test_export_is_importable_again(firm: Firm) -> None:
    _log(firm)
    answer = Client().get(f"/api/v1/time-entries/export?person_id={firm.member2_person.pk}", **_bearer(firm.admin_user))
    data = b"".join(answer.streaming_content).replace(b"2026-03-02", b"2026-03-03")
    answer = Client().post(
        "/api/v1/time-entries/import", {"file": SimpleUploadedFile("m.csv", data)}, **_bearer(firm.admin_user)
    )
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    body = answer.json()
    assert body["format"] == "margin" and body["rows"] == 1 and body["rows_with_errors"] == 0


def test_export_xlsx(firm: Firm) -> None:
    from openpyxl import load_workbook

    _log(firm)
    answer = Client().get(
        "/api/v1/time-entries/export?format=xlsx&date_from=2026-03-01&date_to=2026-03-31", **_bearer(firm.admin_user)
    )
    assert answer.status_code == 200 and "spreadsheetml" in answer["Content-Type"]
    assert 'filename="time-2026-03-01-2026-03-31.xlsx"' in answer["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Person", "Email") and len(rows) == 4
    notes = {r[9] for r in rows[1:]}
    assert notes == {'\'=HYPERLINK("http://evil")', "'+plain", "'@sum\ttab"}
    assert {r[7] for r in rows[1:]} == {90, 30, 60}  # numbers stay numbers


def test_export_refuses_bad_filters(firm: Firm) -> None:
    auth = _bearer(firm.admin_user)
    assert (
        Client().get("/api/v1/time-entries/export?date_from=2026-03-05&date_to=2026-03-01", **auth).status_code == 422
    )
    assert Client().get("/api/v1/time-entries/export?format=pdf", **auth).status_code == 422


def test_expense_export_csv_and_xlsx(firm: Firm) -> None:
    from openpyxl import load_workbook

    from margin.expenses import actions as expenses

    category = expenses.category_create(viewer=firm.admin, name="Meals")
    claim = expenses.claim_create(viewer=firm.member, title="Client visit")
    expenses.line_add(
        viewer=firm.member,
        claim=claim,
        date=MONDAY,
        category=category,
        amount_minor=4250,
        currency="USD",
        merchant="-2+3 Diner",
        notes="@lunch",
    )
    other = expenses.claim_create(viewer=firm.member2, title="Not Tom's")
    expenses.line_add(
        viewer=firm.member2, claim=other, date=MONDAY, category=category, amount_minor=100, currency="USD"
    )
    answer = Client().get("/api/v1/expenses/export?date_from=2026-03-01", **_bearer(firm.member_user))
    assert answer.status_code == 200
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Date,Person,Email,Claim,Claim status,Kind,Category,Merchant,Amount,Currency")
    assert len(lines) == 2 and "'-2+3 Diner" in lines[1] and ",42.50,USD," in lines[1] and "'@lunch" in lines[1]
    answer = Client().get("/api/v1/expenses/export?format=xlsx", **_bearer(firm.admin_user))
    rows = list(load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active.iter_rows(values_only=True))
    tom = next(r for r in rows if r[1] == "Tom")
    assert len(rows) == 3 and tom[7] == "'-2+3 Diner" and tom[8] == 42.5
    assert Client().get("/api/v1/expenses/export?status=paid", **_bearer(firm.admin_user)).status_code == 422
