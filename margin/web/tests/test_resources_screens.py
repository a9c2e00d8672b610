"""The heatmap (cells, filters, a cell's week, a person's bars, a drag that moves or is refused), the utilisation
screen (both denominators, targets, charts), the targets screen and the plan's resource usage tab."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.core.periods import week_start
from margin.resourcing.actions import BookingInput, booking_create, utilisation_target_set
from margin.resourcing.models import Booking, BookingKind, BookingUnit, UtilisationTarget
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _book(firm: Firm, days: int = 4, minutes: int = 240, kind: str = BookingKind.HARD, week: int = 0) -> Booking:
    start = week_start(timezone.localdate()) + timedelta(days=7 * week)
    data = BookingInput(
        project=firm.project,
        person=firm.member_person,
        role=None,
        first_day=start,
        last_day=start + timedelta(days=days),
        unit=BookingUnit.HOURS,
        minutes_per_day=minutes,
        kind=kind,
    )
    return booking_create(viewer=firm.manager, data=data).booking


def test_the_heatmap_shows_people_by_week_with_filters(firm: Firm, sign_in: SignIn) -> None:
    _book(firm)
    client = sign_in(firm.manager_user)
    page = client.get(reverse("web:heatmap"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="heatmap"' in html and "Tom" in html
    assert html.count('class="heat-week') == 12
    assert "heat-some" in html or "heat-full" in html or "heat-bench" in html
    filtered = client.get(reverse("web:heatmap"), {"project": firm.project.pk, "weeks": 26}).content.decode()
    assert filtered.count('data-testid="heat-person"') == 1 and filtered.count('class="heat-week') == 26
    bad = client.get(reverse("web:heatmap"), {"weeks": 99})
    assert bad.status_code == 422 and "Ensure this value" in bad.content.decode()


def test_a_member_sees_only_their_own_row(firm: Firm, sign_in: SignIn) -> None:
    html = sign_in(firm.member_user).get(reverse("web:heatmap")).content.decode()
    assert html.count('data-testid="heat-person"') == 1 and "Tom" in html


def test_a_cell_opens_the_weeks_bookings_and_a_name_opens_the_bars(firm: Firm, sign_in: SignIn) -> None:
    booking = _book(firm)
    client = sign_in(firm.manager_user)
    monday = week_start(timezone.localdate())
    week = client.get(reverse("web:heatmap_week", args=[firm.member_person.pk, monday]))
    assert week.status_code == 200 and "GLX-1" in week.content.decode()
    rows = client.get(
        reverse("web:heatmap_person", args=[firm.member_person.pk]), {"start": str(monday), "weeks": "12"}
    )
    html = rows.content.decode()
    assert f'data-booking="{booking.pk}"' in html and "heat-bar-movable" in html
    assert client.get(reverse("web:heatmap_person", args=[firm.other_project.manager_id or 999999])).status_code == 404


def test_dragging_a_booking_moves_it_and_redraws_the_row(firm: Firm, sign_in: SignIn) -> None:
    booking = _book(firm)
    client = sign_in(firm.manager_user)
    monday = week_start(timezone.localdate())
    url = reverse("web:heatmap_move", args=[booking.pk])
    moved = client.post(url, {"shift_days": 7, "resize_days": 0, "start": monday, "weeks": 12}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 200
    booking.refresh_from_db()
    assert booking.first_day == monday + timedelta(days=7)
    assert f'id="heat-person-{firm.member_person.pk}"' in moved.content.decode()
    resized = client.post(url, {"shift_days": 0, "resize_days": 2, "start": monday, "weeks": 12})
    assert resized.status_code == 200
    booking.refresh_from_db()
    assert booking.last_day == monday + timedelta(days=13)


def test_a_refused_move_shows_the_message_and_changes_nothing(firm: Firm, sign_in: SignIn) -> None:
    booking = _book(firm, minutes=480)
    _book(firm, minutes=480, week=1)  # hard, full days next week: moving onto it is over capacity
    client = sign_in(firm.manager_user)
    before = (booking.first_day, booking.last_day)
    monday = week_start(timezone.localdate())
    onto = client.post(reverse("web:heatmap_move", args=[booking.pk]), {"shift_days": 7, "start": monday, "weeks": 12})
    assert onto.status_code == 409
    assert 'data-testid="heat-refused"' in onto.content.decode() and "over capacity" in onto.content.decode()
    answer = client.post(reverse("web:heatmap_move", args=[booking.pk]), {"shift_days": "x"})
    assert answer.status_code == 422 and "whole days" in answer.content.decode()
    member = sign_in(firm.member_user).post(reverse("web:heatmap_move", args=[booking.pk]), {"shift_days": 7})
    assert member.status_code in (403, 404)
    booking.refresh_from_db()
    assert (booking.first_day, booking.last_day) == before


def test_the_utilisation_screen_has_both_denominators_and_charts(firm: Firm, sign_in: SignIn) -> None:
    utilisation_target_set(viewer=firm.admin, percent=75, valid_from=timezone.localdate().replace(month=1, day=1))
    client = sign_in(firm.admin_user)
    page = client.get(reverse("web:utilisation"), {"group": "role"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Billable of capacity" in html and "Billable of recorded hours" in html and "Realisation" in html
    assert 'data-chart="utilisation-chart-data"' in html and 'data-chart="bench-chart-data"' in html
    chart = json.loads(page.context["chart"] and json.dumps(page.context["chart"]))
    assert [d["label"] for d in chart["data"]["datasets"]][:2] == ["Billable of capacity", "Target"]
    member = sign_in(firm.member_user).get(reverse("web:utilisation")).content.decode()
    assert "Realisation" not in member
    bad = client.get(reverse("web:utilisation"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert bad.status_code == 422 and "ends on or after" in bad.content.decode()


def test_the_utilisation_screen_forecasts_the_coming_weeks_from_bookings(firm: Firm, sign_in: SignIn) -> None:
    """Tom has no calendar: 8 h Monday to Friday. Half of each day confirmed and a quarter tentative this week."""
    client = sign_in(firm.manager_user)

    def toms_first_week() -> tuple[object, object]:
        lines = client.get(reverse("web:utilisation")).context["forecast"]
        cell = next(line for line in lines if line["row"].key == firm.member_person.pk)["cells"][0]
        return cell["hard"], cell["total"]

    assert toms_first_week() == (0, 0)
    first = client.get(reverse("web:utilisation")).context["forecast"][0]["cells"][0]
    assert first["target"] is None  # no target set anywhere: "–", not 0 %
    _book(firm, days=4, minutes=240)
    _book(firm, days=4, minutes=120, kind=BookingKind.SOFT)
    assert toms_first_week() == (50, 75)
    html = client.get(reverse("web:utilisation")).content.decode()
    assert 'data-testid="utilisation-forecast"' in html and "Forecast from bookings" in html


def test_the_targets_screen_sets_a_target_and_refuses_bad_input(firm: Firm, sign_in: SignIn) -> None:
    client = sign_in(firm.admin_user)
    assert client.get(reverse("web:utilisation_targets")).status_code == 200
    url = reverse("web:utilisation_targets")
    saved = client.post(url, {"scope": "role", "role": firm.consultant.pk, "valid_from": "2026-01-01", "percent": 80})
    assert saved.status_code == 302
    assert UtilisationTarget.objects.get(role=firm.consultant).percent == 80
    bad = client.post(url, {"scope": "default", "valid_from": "2026-01-01", "percent": 120})
    assert bad.status_code == 422 and "0 to 100" in bad.content.decode()
    assert UtilisationTarget.objects.count() == 1
    manager = sign_in(firm.manager_user).post(url, {"scope": "default", "valid_from": "2026-01-01", "percent": 50})
    assert manager.status_code == 403
    assert UtilisationTarget.objects.count() == 1


def test_the_plan_has_a_resource_usage_tab(firm: Firm, sign_in: SignIn) -> None:
    from margin.projects.actions import project_reschedule
    from margin.resourcing.actions import assignment_create

    assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person, units=100)
    project_reschedule(viewer=firm.manager, project=firm.project)
    page = sign_in(firm.manager_user).get(reverse("web:project_usage", args=[firm.project.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="usage-row"' in html and "Tom" in html and 'data-testid="tab-usage"' in html
