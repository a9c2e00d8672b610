"""Importing an MS Project XML file through the screen: the page shows what was imported and the warnings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from margin.integrations.msproject import mspdi
from margin.projects import actions
from margin.projects.models import Baseline, Task
from margin.resourcing.models import Assignment
from tests.firm import Firm

SHOTS = Path("/tmp/margin-screens")


def _file() -> bytes:
    monday = datetime(2026, 3, 2, 9)
    week = {d: [(540, 780), (840, 1080)] if d < 4 else [] for d in range(7)}
    return mspdi.write(
        mspdi.MsProject(
            name="Site",
            start=monday,
            tasks=[
                mspdi.MsTask(1, "Groundwork", 1, summary=True),
                mspdi.MsTask(
                    2,
                    "Dig",
                    2,
                    duration_minutes=960,
                    baselines=(mspdi.MsBaseline(0, monday, datetime(2026, 3, 3, 18), 960, 960, 50_000),),
                ),
                mspdi.MsTask(3, "Pour", 2, duration_minutes=480, links=(mspdi.MsLink(2),)),
            ],
            calendar=mspdi.MsCalendar("Site week", week, {date(2026, 3, 3): []}),
            resources=[
                mspdi.MsResource(1, "Tom", "tom@example.test"),
                mspdi.MsResource(2, "Concrete crew", "", 300, pool=True),
                mspdi.MsResource(3, "Zed Stranger", "zed@elsewhere.test"),
            ],
            assignments=[mspdi.MsAssignment(2, 1), mspdi.MsAssignment(3, 2, 200), mspdi.MsAssignment(3, 3)],
        )
    )


def test_import_a_file_and_see_counts_and_warnings(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    empty = actions.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="SITE-1",
        name="Site build",
        start_date=date(2026, 3, 2),
    )
    sign_in("maya")
    page.goto(f"/projects/{empty.pk}/msproject/import/")
    page.set_input_files("#msproject-file", {"name": "site.xml", "mimeType": "application/xml", "buffer": _file()})
    page.get_by_role("button", name="Import the plan").click()
    page.get_by_test_id("import-result").wait_for()
    assert page.get_by_test_id("count-tasks").inner_text() == "3"
    assert page.get_by_test_id("count-links").inner_text() == "1"
    assert page.get_by_test_id("count-calendar").inner_text() == "Site week (new)"
    assert page.get_by_test_id("count-people").inner_text() == "1"
    assert page.get_by_test_id("count-pools").inner_text() == "1 (1 new)"
    assert page.get_by_test_id("count-assignments").inner_text() == "2"
    assert page.get_by_test_id("count-baselines").inner_text() == "1"
    assert "Zed Stranger" in page.get_by_test_id("import-warnings").inner_text()
    assert page.locator("#msproject-file").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "msproject-import-result.png"), full_page=True)
    assert Task.objects.filter(project=empty).count() == 3
    assert Assignment.objects.filter(task__project=empty).count() == 2
    assert Baseline.objects.filter(project=empty, index=0).exists()
    page.get_by_test_id("import-open-plan").click()
    page.wait_for_url(f"**/projects/{empty.pk}/gantt/")
