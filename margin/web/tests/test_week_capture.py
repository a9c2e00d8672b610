"""My week, issue 4: keyboard markup, add a row by search, copy last week's rows, capacity states,
cell notes, query counts that do not grow with history, and the timer widget in the layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from margin.core.models import AuditEntry
from margin.projects.models import Task
from margin.timesheets.actions import time_entries_import, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def _state() -> list[tuple[int, int, str, str]]:
    return list(TimeEntry.objects.order_by("id").values_list("id", "minutes", "status", "note"))


def test_the_grid_carries_the_keyboard_and_state_markup(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=90)
    html = sign_in(firm.member_user).get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert "web/week.js" in html and "web/timer.js" in html
    assert "data-week-grid" in html
    cell = f'id="in-{firm.design.pk}-{last_monday:%Y%m%d}"'
    assert cell in html
    assert 'data-saved="1:30"' in html  # Esc restores this; a different value marks the cell unsaved
    assert 'data-state="clean"' in html
    assert f'popovertarget="note-{firm.design.pk}-{last_monday:%Y%m%d}"' in html
    assert f'data-timer-start="{firm.design.pk}"' in html
    assert "<kbd>Alt</kbd>+<kbd>N</kbd>" in html
    assert 'data-testid="timer"' in html  # the widget in the top bar


def test_search_finds_open_tasks_by_name_project_or_client(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    from margin.projects.actions import task_create

    task_create(viewer=firm.other_admin, project=firm.other_project, name="Build theirs")
    client = sign_in(firm.member_user)
    url = reverse("web:week_task_search")
    html = client.get(url, {"q": "bui", "week": last_monday.isoformat()}, **HTMX).content.decode()
    assert "Build" in html and "Design" not in html and "Build theirs" not in html
    assert f"add={firm.build.pk}" in html and f"/week/{last_monday.isoformat()}/" in html
    by_client = client.get(url, {"q": firm.client.name.split()[0]}).content.decode()
    assert "Build" in by_client and "Design" in by_client
    shown = client.get(url, {"q": "", "add": [str(firm.design.pk)]}).content.decode()
    assert f'data-add-task="{firm.design.pk}"' not in shown  # already a row
    assert f"add={firm.design.pk}&amp;add={firm.build.pk}" in shown  # the link keeps the rows already shown
    assert client.get(url, {"q": "\x00" * 5 + "b" * 500, "week": "2026-02-30"}).status_code == 200
    nothing = client.get(url, {"q": "zzz"}).content.decode()
    assert "No open task matches" in nothing
    timer = client.get(url, {"q": "des", "for": "timer"}).content.decode()
    assert f'data-timer-start="{firm.design.pk}"' in timer


def test_search_leaves_out_closed_tasks(sign_in: Callable[[User], Client], firm: Firm) -> None:
    Task.objects.filter(pk=firm.build.pk).update(closed=True)
    html = sign_in(firm.member_user).get(reverse("web:week_task_search"), {"q": "bu"}).content.decode()
    assert f'data-add-task="{firm.build.pk}"' not in html


def test_copy_last_weeks_rows_copies_rows_not_hours(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=90)
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday + timedelta(1), minutes=60
    )
    this_monday = last_monday + timedelta(days=7)
    before, audits = _state(), AuditEntry.objects.count()
    client = sign_in(firm.member_user)
    response = client.get(
        reverse("web:week_on", args=[this_monday]), {"copy": "last"}, HTTP_HX_TARGET="week-grid", **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Copied 2 rows from last week" in html
    assert f'id="in-{firm.design.pk}-{this_monday:%Y%m%d}"' in html
    assert f'id="in-{firm.build.pk}-{this_monday:%Y%m%d}"' in html
    assert 'data-testid="week-total">0:00' in html  # no hours copied
    assert _state() == before and AuditEntry.objects.count() == audits


def test_copy_with_nothing_last_week_says_so(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    html = sign_in(firm.member_user).get(reverse("web:week_on", args=[last_monday]), {"copy": "last"}).content.decode()
    assert "Last week has no rows" in html


def test_day_and_week_capacity_states(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=600)
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday + timedelta(1), minutes=480
    )
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday + timedelta(2), minutes=60
    )
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert 'id="day-total-0" data-capacity-state="over"' in html  # 10 h on an 8 h day
    assert 'id="day-total-1" data-capacity-state="full"' in html
    assert 'id="day-total-2" data-capacity-state="under"' in html
    assert 'id="day-total-5" data-capacity-state="none"' in html  # Saturday
    assert "21:00 left" in html  # 40:00 - 19:00
    for day in range(3, 5):
        time_entry_create(
            viewer=firm.member,
            project=firm.project,
            task=firm.build,
            work_date=last_monday + timedelta(day),
            minutes=720,
        )
    html = client.get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert "3:00 over" in html and 'text-danger" data-testid="week-total">43:00' in html


def test_a_note_is_saved_with_the_cell(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    client = sign_in(firm.member_user)
    url = reverse("web:week_cell")
    data = {"task": firm.design.pk, "date": last_monday.isoformat(), "value": "1:30", "note": "Kick-off workshop"}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.note) == (90, "Kick-off workshop")
    assert "has-note" in response.content.decode() and "Kick-off workshop" in response.content.decode()
    # a value saved without the note field keeps the note
    client.post(url, {"task": firm.design.pk, "date": last_monday.isoformat(), "value": "2"}, **HTMX)
    assert TimeEntry.objects.get().note == "Kick-off workshop"
    # an empty note clears it
    client.post(url, {**data, "note": ""}, **HTMX)
    assert TimeEntry.objects.get().note == ""


def test_a_note_on_an_empty_cell_or_a_bad_note_changes_nothing(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    client = sign_in(firm.member_user)
    url = reverse("web:week_cell")
    response = client.post(
        url, {"task": firm.build.pk, "date": last_monday.isoformat(), "value": "", "note": "x"}, **HTMX
    )
    assert response.status_code == 422
    assert "Enter the time first" in response.content.decode()
    assert not TimeEntry.objects.exists()
    client.post(url, {"task": firm.design.pk, "date": last_monday.isoformat(), "value": "1"}, **HTMX)
    before, audits = _state(), AuditEntry.objects.count()
    for bad in ("a\x00b", "n" * 2001):
        response = client.post(
            url, {"task": firm.design.pk, "date": last_monday.isoformat(), "value": "3", "note": bad}, **HTMX
        )
        assert response.status_code == 422
        assert "week-cell-error" in response.content.decode() and "hx-swap-oob" not in response.content.decode()
    assert _state() == before and AuditEntry.objects.count() == audits


def test_my_week_queries_do_not_grow_with_history(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    client = sign_in(firm.member_user)
    url = reverse("web:week_on", args=[last_monday])
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=60)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    from margin.timesheets.actions import ImportRow

    rows = [
        ImportRow(
            project_id=firm.project.pk,
            task_id=(firm.design if i % 2 else firm.build).pk,
            person_id=firm.member_person.pk,
            work_date=last_monday - timedelta(days=7 + i),
            minutes=60,
            billable=True,
            note="",
        )
        for i in range(300)
    ]
    time_entries_import(viewer=firm.admin, rows=rows)
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday + timedelta(1), minutes=30
    )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    week_sql = [q["sql"] for q in large.captured_queries if "timesheets_timeentry" in q["sql"]]
    assert all("work_date" in sql for sql in week_sql), week_sql  # every read of entries is bounded by date


def test_no_timer_widget_without_a_person(client: Client, firm: Firm) -> None:
    from margin.accounts.actions import organisation_create

    user = User.objects.create_user(username="solo2", password="x-very-long-pass")
    organisation_create(name="Solo2", slug="solo2", admin=user)
    client.force_login(user)
    html = client.get(reverse("web:week")).content.decode()
    assert 'data-testid="timer"' not in html and "web/timer.js" not in html


def test_daily_capacity_comes_from_the_persons_own_calendar(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    from margin.projects.actions import calendar_create

    week = {0: "09:00-15:00", 1: "09:00-17:00", 2: "09:00-17:00", 3: "09:00-17:00", 4: "", 5: "", 6: ""}
    calendar_create(viewer=firm.admin, name="Tom's 4 days", person=firm.member_person, week=week)
    html = sign_in(firm.member_user).get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert "of 6:00" in html  # Monday: 09:00-15:00
    assert 'id="day-total-4" data-capacity-state="none"' in html  # Friday off
    assert "of 30:00" in html  # 6 + 8 + 8 + 8 on the calendar
