"""The import page (upload → preview → import, in the background with progress for large files) and the export
page, through the real URLconf and session sign-in."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.core.models import JobRun
from margin.integrations.timecsv import views
from margin.integrations.timecsv.tests.test_formats import HARVEST, TOGGL
from margin.timesheets.models import TimeEntry
from tests.firm import PASSWORD, Firm

pytestmark = pytest.mark.django_db
URL = "/time/import/"


def _client(user: object) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return client


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert match, "no import button"
    return match.group(1)


def test_preview_then_import(firm: Firm) -> None:
    client = _client(firm.admin_user)
    assert client.get(URL).status_code == 200
    answer = client.post(URL, {"mode": "preview", "file": SimpleUploadedFile("t.csv", TOGGL.encode())})
    html = answer.content.decode()
    assert answer.status_code == 200 and "1 row from Toggl" in html and "all valid" in html
    assert TimeEntry.objects.count() == 0
    answer = client.post(URL, {"mode": "commit", "token": _token(html), "date_order": "auto"})
    assert answer.status_code == 200 and "1 time entry imported as drafts" in answer.content.decode()
    assert TimeEntry.objects.count() == 1
    # The kept file is gone: the same token cannot import twice.
    answer = client.post(URL, {"mode": "commit", "token": _token(html)})
    assert answer.status_code == 422 and TimeEntry.objects.count() == 1


def test_preview_lists_row_errors_and_offers_no_import(firm: Firm) -> None:
    bad = HARVEST.replace("GLX-1", "NOPE").replace("Globex portal", "Nope")
    answer = _client(firm.admin_user).post(URL, {"file": SimpleUploadedFile("h.csv", bad.encode())})
    html = answer.content.decode()
    assert "1 with errors" in html and "no project &#x27;NOPE&#x27;" in html and 'name="token"' not in html


def test_unusable_file_is_a_clear_error(firm: Firm) -> None:
    answer = _client(firm.admin_user).post(URL, {"file": SimpleUploadedFile("x.csv", b"PK\x03\x04zip")})
    assert answer.status_code == 422 and "Excel" in answer.content.decode()


def test_someone_elses_token_is_refused(firm: Firm) -> None:
    html = _client(firm.admin_user).post(URL, {"file": SimpleUploadedFile("t.csv", TOGGL.encode())}).content.decode()
    other = _client(firm.admin_user)  # same user, other session: fine
    assert other.post(URL, {"mode": "commit", "token": _token(html)}).status_code == 200
    answer = _client(firm.admin_user).post(URL, {"mode": "commit", "token": "../../etc/passwd"})
    assert answer.status_code == 422


def test_members_import_their_own_time_but_not_approved_history(firm: Firm) -> None:
    client = _client(firm.member_user)
    assert client.get(URL).status_code == 200
    html = client.post(URL, {"file": SimpleUploadedFile("t.csv", TOGGL.encode())}).content.decode()
    client.post(URL, {"mode": "commit", "token": _token(html)})
    assert list(TimeEntry.objects.values_list("person_id", "status")) == [(firm.member_person.pk, "draft")]
    refused = client.post(URL, {"file": SimpleUploadedFile("t.csv", TOGGL.encode()), "approved": "on"})
    assert refused.status_code == 403 and TimeEntry.objects.count() == 1


def test_large_file_runs_as_a_job_with_progress(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "BACKGROUND_ROWS", 1)
    rows = TOGGL + TOGGL.splitlines()[1].replace("Build", "Design") + "\n"
    client = _client(firm.admin_user)
    html = client.post(URL, {"file": SimpleUploadedFile("t.csv", rows.encode())}).content.decode()
    assert "in the background" in html
    answer = client.post(URL, {"mode": "commit", "token": _token(html)})
    run = JobRun.objects.get(kind="time_import")
    assert (run.status, run.percent, run.result) == ("done", 100, {"count": 2})  # the test backend runs at once
    assert 'data-testid="import-progress"' in answer.content.decode() and TimeEntry.objects.count() == 2
    status = client.get(f"/time/import/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    assert "2 time entries imported" in status.content.decode() and "hx-trigger" not in status.content.decode()


def test_export_page_and_download(firm: Firm) -> None:
    client = _client(firm.member_user)
    page = client.get("/time/export/")
    assert page.status_code == 200 and 'data-testid="nav-time-import"' in page.content.decode()
    answer = client.get("/time/export/", {"format": "csv", "date_from": "2026-03-01", "status": "draft"})
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert b"".join(answer.streaming_content).decode("utf-8-sig").startswith("Date,Person,Email")
    bad = client.get("/time/export/", {"format": "csv", "date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert bad.status_code == 422 and "after the end date" in bad.content.decode()


def test_export_page_exports_expenses(firm: Firm) -> None:
    client = _client(firm.admin_user)
    answer = client.get("/time/export/", {"what": "expenses", "format": "csv", "status": "reimbursed"})
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content).decode("utf-8-sig").startswith("Date,Person,Email,Claim,")
    assert 'filename="expenses-all.csv"' in answer["Content-Disposition"]
    bad = client.get("/time/export/", {"what": "time", "format": "csv", "status": "reimbursed"})
    assert bad.status_code == 422 and "never reimbursed" in bad.content.decode()


def test_previewed_files_never_imported_are_pruned_after_a_day(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from margin.integrations.timecsv import jobs

    old = jobs.upload_keep(viewer=firm.admin, data=b"x")
    folder = f"timecsv/{firm.admin.organisation_id}/{firm.admin.user_id}"
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    new = jobs.upload_keep(viewer=firm.admin, data=b"y")
    assert default_storage.listdir(folder)[1] == [f"{new}.csv"] and old != new
