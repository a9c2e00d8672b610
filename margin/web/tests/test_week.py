"""My week: the grid, the cell endpoint (good and bad input), adding rows, submitting."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.core.models import AuditEntry
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def _cell(client: Client, task_id: int, day: date, value: str) -> tuple[int, str]:
    response = client.post(reverse("web:week_cell"), {"task": task_id, "date": day.isoformat(), "value": value}, **HTMX)
    return response.status_code, response.content.decode()


def _state() -> list[tuple[int, int, str]]:
    return list(TimeEntry.objects.order_by("id").values_list("id", "minutes", "status"))


def test_week_page_shows_the_grid(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry], last_monday: date
) -> None:
    response = sign_in(firm.member_user).get(reverse("web:week_on", args=[last_monday]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "GLX-1" in html and "Design" in html and "Build" in html
    assert "Submitted" in html  # the cells are locked with their status
    assert f'id="cell-{firm.design.pk}-{last_monday:%Y%m%d}"' in html
    assert f'id="in-{firm.design.pk}-{last_monday:%Y%m%d}"' not in html  # no input in a submitted cell
    assert "9:30" in html  # week total
    assert "of 8:00" in html  # a weekday's capacity (40 h / 5)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01", "2026-02-30"])
def test_a_week_outside_the_calendar_is_404_not_500(sign_in: Callable[[User], Client], firm: Firm, day: str) -> None:
    client = sign_in(firm.member_user)
    assert client.get(f"/week/{day}/").status_code == 404
    assert client.post(f"/week/{day}/submit/").status_code == 404


def test_week_url_takes_any_day_of_the_week(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    client = sign_in(firm.member_user)
    wednesday = client.get(reverse("web:week_on", args=[last_monday + timedelta(days=2)]))
    assert wednesday.status_code == 200
    assert wednesday.context["monday"] == last_monday
    assert client.get("/week/2026-02-30/").status_code == 404
    assert client.get("/week/not-a-date/").status_code == 404


@pytest.mark.parametrize(("typed", "minutes"), [("1:30", 90), ("1.5", 90), ("0,25", 15), ("2h15", 135)])
def test_valid_cell_values_are_saved(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date, typed: str, minutes: int
) -> None:
    status, html = _cell(sign_in(firm.member_user), firm.design.pk, last_monday, typed)
    assert status == 200
    entry = TimeEntry.objects.get(person=firm.member_person, task=firm.design, work_date=last_monday)
    assert (entry.minutes, entry.status) == (minutes, EntryStatus.DRAFT)
    # the cell comes back with the normalised value, and the totals are swapped out of band
    assert f'id="cell-{firm.design.pk}-{last_monday:%Y%m%d}"' in html
    assert re.search(rf'id="row-total-{firm.design.pk}" [^>]*data-rev="\d+" hx-swap-oob="true"', html)
    assert 'id="day-total-0"' in html and 'id="week-total"' in html
    assert html.count('hx-swap-oob="true"') == 1 + 7 + 1 + 1


def test_changing_and_clearing_a_cell(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    client = sign_in(firm.member_user)
    assert _cell(client, firm.build.pk, last_monday, "2")[0] == 200
    status, html = _cell(client, firm.build.pk, last_monday, "3:45")
    assert status == 200
    assert TimeEntry.objects.get(task=firm.build).minutes == 225
    assert 'value="3:45"' in html
    assert _cell(client, firm.build.pk, last_monday, "")[0] == 200
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "is not a duration"),
        ("25:00", "longer than 24 hours"),
        ("-1", "is not a duration"),
        ("-1:30", "is not a duration"),
        ("1\x00", "Null characters are not allowed"),
        ("9" * 40, "at most 32 characters"),
    ],
)
def test_invalid_cell_values_answer_4xx_and_change_nothing(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date, typed: str, message: str
) -> None:
    client = sign_in(firm.member_user)
    assert _cell(client, firm.design.pk, last_monday, "1:00")[0] == 200
    before, audit_before = _state(), AuditEntry.objects.count()
    status, html = _cell(client, firm.design.pk, last_monday, typed)
    assert 400 <= status < 500
    assert message in html
    assert "is-invalid" in html
    assert "hx-swap-oob" not in html  # totals stay as they were
    assert _state() == before
    assert AuditEntry.objects.count() == audit_before


def test_more_than_24_hours_in_a_day_is_refused(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    client = sign_in(firm.member_user)
    assert _cell(client, firm.design.pk, last_monday, "20")[0] == 200
    before = _state()
    status, html = _cell(client, firm.build.pk, last_monday, "5")
    assert status == 422
    assert "more than 24 hours" in html
    assert _state() == before


def test_a_submitted_cell_cannot_be_changed(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry], last_monday: date
) -> None:
    before = _state()
    status, html = _cell(sign_in(firm.member_user), firm.design.pk, last_monday, "2")
    assert status == 409
    assert "cannot be changed" in html
    assert _state() == before


def test_a_cell_of_another_organisations_task_is_404(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    from margin.projects.actions import task_create

    foreign = task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    status, _ = _cell(sign_in(firm.member_user), foreign.pk, last_monday, "1")
    assert status == 404
    status, _ = _cell(sign_in(firm.member_user), 10**30, last_monday, "1")
    assert status == 404
    assert not TimeEntry.objects.exists()


def test_a_cell_too_far_ahead_is_refused(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    status, html = _cell(sign_in(firm.member_user), firm.design.pk, last_monday + timedelta(days=400), "1")
    assert status == 422
    assert "days ahead" in html
    assert not TimeEntry.objects.exists()


def test_a_rejected_cell_shows_the_reason_and_stays_editable(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry], last_monday: date
) -> None:
    from margin.timesheets.actions import time_entries_reject

    time_entries_reject(viewer=firm.manager, entry_ids=[submitted[0].pk], reason="Wrong task, use Build")
    html = sign_in(firm.member_user).get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert "Rejected: Wrong task, use Build" in html
    assert f'id="in-{firm.design.pk}-{last_monday:%Y%m%d}"' in html


def test_add_row_shows_a_task_open_to_the_person(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    client = sign_in(firm.member_user)
    url = reverse("web:week_on", args=[last_monday])
    empty = client.get(url).content.decode()
    assert f'id="in-{firm.build.pk}-' not in empty
    added = client.get(url, {"add": [str(firm.build.pk)]}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="week-grid")
    assert added.status_code == 200
    html = added.content.decode()
    assert html.lstrip().startswith('<div id="week-grid">')  # just the grid, for htmx
    assert f'id="in-{firm.build.pk}-{last_monday:%Y%m%d}"' in html
    from margin.projects.actions import task_create

    foreign = task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    sneaky = client.get(url, {"add": [str(foreign.pk), "x", "9" * 30]}).content.decode()
    assert "Theirs" not in sneaky


def test_submit_week(sign_in: Callable[[User], Client], firm: Firm, last_monday: date) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=60)
    client = sign_in(firm.member_user)
    response = client.post(reverse("web:week_submit", args=[last_monday]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Submitted 1 entry for approval." in html
    assert TimeEntry.objects.get().status == EntryStatus.SUBMITTED
    again = client.post(reverse("web:week_submit", args=[last_monday]), **HTMX)
    assert again.status_code == 422
    assert "nothing to submit" in again.content.decode()


def test_submit_week_without_htmx_redirects_back(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=60)
    response = sign_in(firm.member_user).post(reverse("web:week_submit", args=[last_monday]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:week_on", args=[last_monday])
    assert TimeEntry.objects.get().status == EntryStatus.SUBMITTED


def test_the_cell_endpoint_only_takes_posts(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:week_cell")).status_code == 405


def test_someone_without_a_person_record_gets_a_message(client: Client, firm: Firm) -> None:
    from margin.accounts.actions import organisation_create

    user = User.objects.create_user(username="solo", password="x-very-long-pass")
    organisation_create(name="Solo", slug="solo", admin=user)
    client.force_login(user)
    response = client.get(reverse("web:week"))
    assert response.status_code == 200
    assert "You have no timesheet" in response.content.decode()
