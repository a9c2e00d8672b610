"""Importing time from a CSV export through the screens: preview with row errors, a clean preview, the import; the
export page downloads a CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from margin.timesheets.models import TimeEntry
from tests.firm import Firm

SHOTS = Path("/tmp/margin-screens")
HEADER = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags\n"
GOOD = [
    "Tom,tom@example.test,Globex,Globex portal,Design,Wireframes,Yes,2026-03-02,09:00:00,2026-03-02,11:00:00,"
    "02:00:00,\n",
    "Lea,lea@example.test,Globex,Globex portal,Build,Login page,Yes,2026-03-02,13:00:00,2026-03-02,16:30:00,"
    "03:30:00,\n",
    "Tom,tom@example.test,Globex,Globex portal,Build,=cmd|' /C calc'!A0,No,2026-03-03,09:00:00,2026-03-03,10:00:00,"
    "01:00:00,\n",
]
BAD = [
    "Zed,zed@nowhere.test,Globex,Globex portal,Design,Who?,Yes,2026-03-02,09:00:00,2026-03-02,10:00:00,01:00:00,\n",
    "Tom,tom@example.test,Globex,Moon base,Design,Where?,Yes,2026-03-02,09:00:00,2026-03-02,10:00:00,01:00:00,\n",
]


def test_preview_errors_then_import(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any], tmp_path: Path
) -> None:
    SHOTS.mkdir(exist_ok=True)
    sign_in("acme-admin")
    bad = tmp_path / "toggl-bad.csv"
    bad.write_text(HEADER + "".join(GOOD + BAD))
    page.goto("/time/import/")
    page.set_input_files("#time-file", str(bad))
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("time-preview").wait_for()
    assert page.get_by_test_id("error-count").inner_text() == "2 with errors"
    errors = page.get_by_test_id("row-errors").inner_text()
    assert "nobody called 'Zed'" in errors and "no project 'Moon base'" in errors
    assert page.get_by_test_id("time-commit").count() == 0
    page.screenshot(path=str(SHOTS / "time-import-errors.png"), full_page=True)

    good = tmp_path / "toggl.csv"
    good.write_text(HEADER + "".join(GOOD))
    page.set_input_files("#time-file", str(good))
    page.get_by_role("button", name="Preview").click()
    page.get_by_test_id("time-commit").wait_for()
    page.screenshot(path=str(SHOTS / "time-import-preview.png"), full_page=True)
    page.get_by_test_id("time-commit").click()
    page.get_by_test_id("import-done").wait_for()
    assert "3 time entries imported as drafts" in page.get_by_test_id("import-done").inner_text()
    assert TimeEntry.objects.count() == 3

    page.get_by_label("Open user menu").click()
    page.get_by_test_id("nav-time-export").click()
    page.wait_for_url("**/time/export/")
    page.screenshot(path=str(SHOTS / "time-export.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text and len(text.splitlines()) == 4
