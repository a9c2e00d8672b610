"""Browser tests of my week (keyboard entry, notes, add a row) and the timer (reload, second tab, stop)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from margin.core.periods import week_start
from margin.timesheets.models import EntryStatus, TimeEntry, Timer
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def _add_row(page: Any, text: str, task_id: int) -> None:
    search = page.get_by_test_id("add-row-search")
    search.fill(text)
    search.press("Enter")  # picks the first result
    expect(page.locator(f"#week-rows tr[data-task='{task_id}']")).to_be_visible()


def _minutes(firm: Firm, task: Any, day: Any) -> int | None:
    entry = TimeEntry.objects.filter(person=firm.member_person, task=task, work_date=day).first()
    return entry.minutes if entry else None


def test_typing_hours_with_the_keyboard_through_several_cells(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    tuesday = monday + timedelta(days=1)
    sign_in("tom")
    page.goto(f"/week/{monday.isoformat()}/")
    _add_row(page, "Desi", firm.design.pk)
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_be_focused()  # caret in the new row
    _add_row(page, "build", firm.build.pk)
    expect(page).to_have_url(re.compile(rf"add={firm.build.pk}"))  # the rows survive a reload

    first = page.locator(f"#in-{firm.build.pk}-{monday:%Y%m%d}")  # Build sorts before Design
    first.click()
    page.keyboard.type("1")
    expect(page.locator(f"#cell-{firm.build.pk}-{monday:%Y%m%d}")).to_have_attribute("data-state", "unsaved")
    page.keyboard.press("Tab")  # → Build, Tuesday
    page.keyboard.type("2:30")
    page.keyboard.press("Enter")  # → Design, Tuesday (down)
    expect(page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")).to_be_focused()
    page.keyboard.type("0.75")
    page.keyboard.press("ArrowLeft")  # the whole text is selected after a move; typed text: caret at the end
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")  # caret at the left edge → Design, Monday
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_be_focused()
    page.keyboard.type("3")
    page.keyboard.press("ArrowUp")  # → Build, Monday
    expect(page.locator(f"#in-{firm.build.pk}-{monday:%Y%m%d}")).to_be_focused()
    page.keyboard.press("ArrowRight")  # whole value selected → Build, Tuesday
    expect(page.locator(f"#in-{firm.build.pk}-{tuesday:%Y%m%d}")).to_be_focused()

    expect(page.get_by_test_id("week-total")).to_have_text("7:15")
    # An answer that read the week before the one shown (out of order) does not replace the totals.
    stale_answer = """(offset) => {
            const target = document.getElementById("week-total");
            const fragment = document.createDocumentFragment();
            const td = fragment.appendChild(document.createElement("td"));
            td.setAttribute("data-rev", String(Number(target.getAttribute("data-rev")) + offset));
            const detail = {shouldSwap: true, target, fragment};
            target.dispatchEvent(new CustomEvent("htmx:oobBeforeSwap", {detail, bubbles: true}));
            return detail.shouldSwap;
        }"""
    assert page.evaluate(stale_answer, -1) is False
    assert page.evaluate(stale_answer, 1) is True
    expect(page.locator(f"#cell-{firm.design.pk}-{monday:%Y%m%d}")).to_have_attribute("data-state", "saved")
    assert _minutes(firm, firm.build, monday) == 60
    assert _minutes(firm, firm.build, tuesday) == 150
    assert _minutes(firm, firm.design, tuesday) == 45
    assert _minutes(firm, firm.design, monday) == 180

    # Esc undoes an unsaved cell; a bad value shows invalid and saves nothing
    cell = page.locator(f"#in-{firm.build.pk}-{tuesday:%Y%m%d}")
    cell.fill("9")
    cell.press("Escape")
    expect(cell).to_have_value("2:30")
    cell.fill("lots")
    cell.press("Tab")
    expect(page.locator(f"#cell-{firm.build.pk}-{tuesday:%Y%m%d}")).to_have_attribute("data-state", "invalid")
    expect(page.locator(f"#cell-{firm.build.pk}-{tuesday:%Y%m%d}").get_by_role("alert")).to_contain_text(
        "is not a duration"
    )
    assert _minutes(firm, firm.build, tuesday) == 150

    # a note with Alt+N, saved with Ctrl+Enter
    page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}").focus()
    page.keyboard.press("Alt+n")
    note = page.locator(f"#note-text-{firm.design.pk}-{monday:%Y%m%d}")
    expect(note).to_be_focused()
    note.fill("Workshop with the client")
    page.screenshot(path=str(SHOTS / "week-note.png"))
    note.press("Control+Enter")
    expect(page.locator(f"#cell-{firm.design.pk}-{monday:%Y%m%d} .week-note-toggle.has-note")).to_be_visible()
    assert TimeEntry.objects.get(task=firm.design, work_date=monday).note == "Workshop with the client"

    page.reload()
    expect(page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")).to_have_value("0:45")
    page.screenshot(path=str(SHOTS / "week-desktop.png"), full_page=True)


def test_copy_last_weeks_rows(page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    from margin.timesheets.actions import time_entry_create

    firm = browser_firm
    monday = week_start(timezone.localdate())
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=monday - timedelta(days=7), minutes=60
    )
    sign_in("tom")
    page.goto(f"/week/{monday.isoformat()}/")
    page.get_by_test_id("copy-last-week").click()
    expect(page.get_by_test_id("week-notice")).to_contain_text("Copied 1 row")
    expect(page.locator(f"#in-{firm.build.pk}-{monday:%Y%m%d}")).to_have_value("")
    # the add-a-row search lists the other open tasks; Down and Enter pick one
    page.get_by_test_id("add-row-search").fill("glx")
    expect(page.locator("#week-add-results [data-query='glx']")).to_have_count(1)
    expect(page.locator(f"[data-add-task='{firm.design.pk}']")).to_be_visible()
    expect(page.locator(f"[data-add-task='{firm.build.pk}']")).to_have_count(0)  # already a row
    page.screenshot(path=str(SHOTS / "week-add-row.png"))
    page.get_by_test_id("add-row-search").press("ArrowDown")
    expect(page.locator(f"[data-add-task='{firm.design.pk}']")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_be_focused()
    expect(page.locator("#week-rows tr[data-task]")).to_have_count(2)


def test_timer_survives_reload_and_second_tab_and_stops_into_the_grid(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    firm = browser_firm
    today = timezone.localdate()
    sign_in("tom")
    page.goto("/week/")
    expect(page.get_by_test_id("timer-open")).to_be_visible()

    # start from the top bar's search
    page.get_by_test_id("timer-open").click()
    expect(page.get_by_test_id("timer-search")).to_be_focused()
    page.keyboard.type("desi")
    page.get_by_test_id("timer-note").fill("Sketching")
    page.get_by_test_id("timer-note").press("Enter")  # starts on the first match
    expect(page.get_by_test_id("timer-label")).to_have_text("Design")
    assert Timer.objects.get().note == "Sketching"
    expect(page.get_by_test_id("timer-elapsed")).to_have_text(re.compile(r"0:00:0[1-9]"), timeout=5000)
    assert Timer.objects.get().task_id == firm.design.pk

    page.reload()
    expect(page.get_by_test_id("timer-label")).to_have_text("Design")
    Timer.objects.update(started_at=timezone.now() - timedelta(minutes=4, seconds=30))
    page.reload()
    expect(page.get_by_test_id("timer-elapsed")).to_have_text(re.compile(r"0:04:3\d"))

    second = page.context.new_page()
    second.goto("/week/")
    expect(second.get_by_test_id("timer-label")).to_have_text("Design")

    # a second start on another task is refused naming the running one, with "stop and start" offered
    _add_row(second, "build", firm.build.pk)
    second.locator(f"[data-timer-start='{firm.build.pk}']").first.click()
    expect(second.get_by_test_id("timer-message")).to_contain_text("already running on 'Design'")
    expect(second.get_by_test_id("timer-replace")).to_be_visible()
    second.screenshot(path=str(SHOTS / "timer-conflict.png"))
    second.get_by_text("Close").click()

    second.get_by_test_id("timer-stop").click()
    expect(second.get_by_test_id("timer-message")).to_contain_text("Logged 0:05")
    # the first tab hears it at once (BroadcastChannel) and shows the entry in its grid
    expect(page.get_by_test_id("timer-open")).to_be_visible()
    expect(page.locator(f"#in-{firm.design.pk}-{today:%Y%m%d}")).to_have_value("0:05")
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.status, entry.work_date, entry.note) == (5, EntryStatus.DRAFT, today, "Sketching")
    assert not Timer.objects.exists()
    page.screenshot(path=str(SHOTS / "timer-stopped.png"))


def test_phone_sized_week_and_timer(browser: Any, live_server: Any, browser_firm: Firm) -> None:
    from tests.firm import PASSWORD

    firm = browser_firm
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/signin/")
    page.get_by_label("Username").fill("tom")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    monday = week_start(timezone.localdate())
    page.goto(f"/week/{monday.isoformat()}/?add={firm.design.pk}&add={firm.build.pk}")
    cell = page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")
    cell.fill("2")
    cell.press("Tab")
    expect(page.get_by_test_id("week-total")).to_have_text("2:00")
    page.locator(f"[data-timer-start='{firm.build.pk}']").first.click()
    expect(page.get_by_test_id("timer-elapsed")).to_be_visible()
    # the task column stays in view while the days scroll sideways
    box = page.locator("[data-week-grid]").bounding_box()
    assert box is not None and box["width"] > 390
    page.screenshot(path=str(SHOTS / "week-phone.png"))
    page.locator(".table-responsive").evaluate("el => el.scrollLeft = 300")
    page.screenshot(path=str(SHOTS / "week-phone-scrolled.png"))
    # discarding asks first, then logs nothing
    page.get_by_test_id("timer-discard").click()
    # the top bar stays one line on a phone, the timer in it
    assert page.evaluate("document.querySelector('header.navbar').getBoundingClientRect().height") < 70
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_test_id("timer-message")).to_contain_text("without logging it?")
    page.screenshot(path=str(SHOTS / "timer-phone-discard.png"))
    page.get_by_test_id("timer-discard-confirm").click()
    expect(page.get_by_test_id("timer-open")).to_be_visible()
    assert not Timer.objects.exists()
    assert TimeEntry.objects.count() == 1  # only the 2:00 typed in the grid
    context.close()
    assert not errors, errors


def test_logging_for_someone_else_with_a_closed_day_and_a_required_note(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    """The administrator picks Tom's week; Monday is closed; the project needs notes, so typed hours
    open the note first and are saved with it."""
    from margin.closing.actions import period_close
    from margin.projects.actions import project_update

    firm = browser_firm
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    tuesday = monday + timedelta(days=1)
    project_update(viewer=firm.admin, project=firm.project, notes_required=True)
    period_close(viewer=firm.finance, company=firm.usd, through=monday)
    sign_in("acme-admin")
    page.goto(f"/week/{monday.isoformat()}/")
    page.locator("#week-person").select_option(label="Tom")
    expect(page.get_by_test_id("logging-for")).to_contain_text("Tom")
    _add_row(page, "Desi", firm.design.pk)
    expect(page.get_by_test_id("week-closed")).to_be_visible()
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_have_count(0)  # closed: no input

    cell = page.locator(f"#in-{firm.design.pk}-{tuesday:%Y%m%d}")
    cell.fill("1:45")
    cell.press("Tab")
    note = page.locator(f"#note-text-{firm.design.pk}-{tuesday:%Y%m%d}")
    expect(note).to_be_focused()  # the note opened instead of a refused save
    assert _minutes(firm, firm.design, tuesday) is None
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "week-for-others.png"), full_page=True)
    note.fill("Workshop with the client")
    note.press("Control+Enter")
    expect(page.locator(f"#cell-{firm.design.pk}-{tuesday:%Y%m%d}")).to_have_attribute("data-state", "saved")
    entry = TimeEntry.objects.get(task=firm.design, work_date=tuesday)
    assert (entry.person_id, entry.minutes, entry.note) == (firm.member_person.pk, 105, "Workshop with the client")


def test_a_row_added_by_a_plain_page_load_gets_the_caret(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    """Pressing Enter on an add-a-row result before htmx has taken the new link over follows its href as a
    page; the added row must still get the caret, as it does after the htmx swap."""
    firm = browser_firm
    monday = week_start(timezone.localdate())
    sign_in("tom")
    page.goto(f"/week/{monday.isoformat()}/?add={firm.design.pk}&focus={firm.design.pk}")
    expect(page.locator(f"#in-{firm.design.pk}-{monday:%Y%m%d}")).to_be_focused()
