"""Resources → Time off: request (form errors, never a 500), the manager's list to approve, cancel; the week grid
marks the days off and shows the lower capacity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.accounts.models import Person
from margin.core.periods import week_start
from margin.resourcing.models import TimeOff, TimeOffStatus
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _next_monday() -> date:
    return week_start(timezone.localdate()) + timedelta(days=7)


def test_request_approve_and_the_week_grid(firm: Firm, sign_in: SignIn) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    monday = week_start(timezone.localdate()) + timedelta(days=7)
    client = sign_in(firm.member_user)
    page = client.get(reverse("web:time_off"))
    assert page.status_code == 200 and 'data-testid="time-off-form"' in page.content.decode()
    assert 'data-testid="nav-time-off"' in page.content.decode()
    answer = client.post(
        reverse("web:time_off"),
        {"person": firm.member_person.pk, "kind": "vacation", "first_day": monday, "last_day": monday, "note": "x"},
    )
    assert answer.status_code == 302
    half = client.post(
        reverse("web:time_off"),
        {
            "person": firm.member_person.pk,
            "kind": "other",
            "first_day": monday + timedelta(1),
            "hours": "4",
            "last_day": monday + timedelta(1),
        },
    )
    assert half.status_code == 302
    [off, half_off] = TimeOff.objects.order_by("first_day")
    assert (off.status, half_off.minutes_per_day) == (TimeOffStatus.REQUESTED, 240)
    week = client.get(reverse("web:week_on", args=[monday])).content.decode()
    assert "Vacation (requested)" in week and "of 8:00" in week

    manager = sign_in(firm.manager_user)
    listing = manager.get(reverse("web:time_off")).content.decode()
    assert 'data-testid="time-off-to-approve"' in listing and "Tom" in listing
    for t in (off, half_off):
        assert manager.post(reverse("web:time_off_approve", args=[t.pk])).status_code == 302
    off.refresh_from_db()
    assert off.status == TimeOffStatus.APPROVED

    client = sign_in(firm.member_user)
    week = client.get(reverse("web:week_on", args=[monday])).content.decode()
    assert ">Vacation<" in week and "½ day off" in week
    assert "of 4:00" in week  # Tuesday's capacity, halved
    assert "of 28:00" in week  # the week: 40 h less a day and a half
    assert client.post(reverse("web:time_off_cancel", args=[off.pk])).status_code == 302
    off.refresh_from_db()
    assert off.status == TimeOffStatus.CANCELLED


def test_bad_input_is_a_form_error(firm: Firm, sign_in: SignIn) -> None:
    client = sign_in(firm.member_user)
    monday = _next_monday()
    answer = client.post(
        reverse("web:time_off"),
        {"person": firm.member_person.pk, "kind": "vacation", "first_day": monday, "last_day": monday - timedelta(1)},
    )
    assert answer.status_code == 422 and "on or after its first day" in answer.content.decode()
    TimeOff.objects.create(
        organisation_id=firm.usd.organisation_id, person=firm.member_person, first_day=monday, last_day=monday
    )
    clash = client.post(
        reverse("web:time_off"),
        {"person": firm.member_person.pk, "kind": "vacation", "first_day": monday, "last_day": monday},
    )
    assert clash.status_code == 409 and "already has time off requested" in clash.content.decode()
    other = client.post(
        reverse("web:time_off"),
        {"person": firm.member2_person.pk, "kind": "vacation", "first_day": monday, "last_day": monday},
    )
    assert other.status_code == 422  # not a choice: Tom asks only for himself
    assert TimeOff.objects.count() == 1


def test_a_member_cannot_decide_and_another_firm_gets_404(firm: Firm, sign_in: SignIn) -> None:
    monday = _next_monday()
    off = TimeOff.objects.create(
        organisation_id=firm.usd.organisation_id, person=firm.member_person, first_day=monday, last_day=monday
    )
    client = sign_in(firm.member2_user)
    assert client.post(reverse("web:time_off_approve", args=[off.pk])).status_code == 404
    client = sign_in(firm.member_user)
    answer = client.post(reverse("web:time_off_approve", args=[off.pk]), follow=True)
    assert "line manager, or an administrator" in answer.content.decode()
    off.refresh_from_db()
    assert off.status == TimeOffStatus.REQUESTED
    other_admin = User.objects.get(username="rival-admin")
    assert sign_in(other_admin).post(reverse("web:time_off_cancel", args=[off.pk])).status_code == 404


def test_the_plan_shows_the_teams_time_off_inside_the_project(firm: Firm, sign_in: SignIn) -> None:
    from datetime import date

    from margin.projects.models import Project

    Project.objects.filter(pk=firm.project.pk).update(start_date=date(2026, 3, 2), end_date=date(2026, 3, 31))
    for first, status in (
        (date(2026, 3, 9), "approved"),
        (date(2026, 3, 16), "requested"),
        (date(2026, 5, 4), "approved"),
    ):
        TimeOff.objects.create(
            organisation_id=firm.usd.organisation_id,
            person=firm.member_person,
            first_day=first,
            last_day=first + timedelta(days=1),
            status=status,
        )
    html = sign_in(firm.manager_user).get(reverse("web:project_gantt", args=[firm.project.pk])).content.decode()
    assert 'data-testid="team-time-off"' in html
    assert html.count('data-testid="team-time-off-item"') == 1  # approved and inside the window only
    assert "Tom · Mon 9 Mar – Tue 10 Mar · Vacation" in html
