"""The private feed: token create/reset, what it shows, and unknown tokens."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from margin.accounts.models import CalendarFeed
from margin.core.models import AuditEntry
from margin.integrations.conftest import Planned
from margin.integrations.ical.feeds import calendar_feed_reset
from margin.projects.models import Task
from margin.resourcing.models import Assignment

icalendar = pytest.importorskip("icalendar")


def _events(client: Client, url: str) -> dict[str, object]:
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(answer.content)
    return {str(e["UID"]): e for e in parsed.walk("VEVENT")}


def test_feed_shows_milestones_of_my_projects_and_my_deadlines(planned: Planned) -> None:
    firm = planned.firm
    Assignment.objects.create(task=firm.build, person=firm.member_person)  # design has one already
    feed = calendar_feed_reset(viewer=firm.member)
    url = f"/calendar/{feed.token}.ics"
    events = _events(Client(), url)
    assert set(events) == {
        f"milestone-{planned.launch.pk}@margin.invalid",
        f"due-{firm.build.pk}@margin.invalid",
        f"due-{firm.design.pk}@margin.invalid",
    }
    launch = events[f"milestone-{planned.launch.pk}@margin.invalid"]
    assert "Launch" in str(launch["SUMMARY"]) and "GLX-1" in str(launch["SUMMARY"])  # type: ignore[index]
    build = events[f"due-{firm.build.pk}@margin.invalid"]
    assert build.decoded("DTSTART") == planned.build.planned_finish  # type: ignore[attr-defined]
    # A deadline, when the task has one, is the day it is due (not its scheduled finish).
    Task.objects.filter(pk=firm.build.pk).update(deadline=date(2030, 1, 15))
    build = _events(Client(), url)[f"due-{firm.build.pk}@margin.invalid"]
    assert build.decoded("DTSTART") == date(2030, 1, 15)  # type: ignore[attr-defined]
    assert "Deadline of Build" in str(build["DESCRIPTION"])  # type: ignore[index]
    # Stable: the same UIDs on the next fetch; lea (member, nothing assigned) sees the milestone only.
    assert set(_events(Client(), url)) == set(events)
    other = calendar_feed_reset(viewer=firm.member2)
    assert set(_events(Client(), f"/calendar/{other.token}.ics")) == {f"milestone-{planned.launch.pk}@margin.invalid"}


def test_reset_revokes_the_old_address_and_unknown_tokens_are_404(planned: Planned) -> None:
    firm = planned.firm
    first = calendar_feed_reset(viewer=firm.member).token
    second = calendar_feed_reset(viewer=firm.member).token
    assert first != second and CalendarFeed.objects.filter(user=firm.member_user).count() == 1
    assert AuditEntry.objects.filter(action__in=["calendar_feed.create", "calendar_feed.reset"]).count() == 2
    client = Client()
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get("/calendar/nope.ics").status_code == 404
    assert client.get(f"/calendar/{'x' * 200}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200


def test_settings_page_creates_and_shows_the_address(planned: Planned) -> None:
    client = Client()
    client.force_login(planned.firm.member_user)
    week = client.get("/week/")
    assert b"/settings/calendar-feed/" in week.content
    assert b"calendar-feed-url" not in client.get("/settings/calendar-feed/").content
    assert client.post("/settings/calendar-feed/").status_code == 302
    token = CalendarFeed.objects.get(user=planned.firm.member_user).token
    assert f"/calendar/{token}.ics".encode() in client.get("/settings/calendar-feed/").content
