"""The project's Staffing tab (demand, supply, actuals; booking forms with errors and the forced reason; requests)
and Resources → Staffing (open requests, candidates with reasons, Book, Staff all → plan → Accept / Discard)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.core.periods import week_start
from margin.resourcing.actions import BookingInput, booking_create
from margin.resourcing.models import Booking, RequestStatus, StaffingPlan, StaffingPlanStatus, StaffingRequest
from margin.resourcing.tests.staffing_setup import ask, give, skill
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _monday() -> date:
    return week_start(timezone.localdate()) + timedelta(days=7)


def _form(firm: Firm, **more: object) -> dict[str, object]:
    monday = _monday()
    return {
        "form": "booking",
        "person": firm.member_person.pk,
        "first_day": monday.isoformat(),
        "last_day": (monday + timedelta(days=4)).isoformat(),
        "unit": "hours",
        "hours": "6",
        "kind": "hard",
        **more,
    }


def test_the_tab_shows_demand_supply_and_actuals_per_person(
    firm: Firm, sign_in: SignIn, submitted: list[TimeEntry]
) -> None:
    monday = _monday()
    booking_create(
        viewer=firm.manager,
        data=BookingInput(
            firm.project, firm.member_person, None, monday, monday + timedelta(days=4), "hours", 240, None, "hard"
        ),
    )
    client = sign_in(firm.manager_user)
    page = client.get(reverse("web:project_staffing", args=[firm.project.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="tab-staffing"' in html
    assert "Tom" in html and "<strong>20</strong>" in html  # 5 days × 4 h booked hard that week
    assert ">10<" in html  # last week's 1:30 + 8:00 logged, rounded to 10 h
    assert html.count('data-testid="booking-row"') == 1


def test_booking_forms_show_errors_and_ask_for_a_reason_when_over_capacity(firm: Firm, sign_in: SignIn) -> None:
    client = sign_in(firm.manager_user)
    url = reverse("web:project_staffing", args=[firm.project.pk])
    monday = _monday()
    bad = client.post(url, _form(firm, last_day=(monday - timedelta(days=1)).isoformat()))
    assert bad.status_code == 422 and "ends on or after" in bad.content.decode()
    assert client.post(url, _form(firm)).status_code == 302
    over = client.post(url, _form(firm, hours="4"))
    html = over.content.decode()
    assert over.status_code == 409 and 'data-testid="force-reason"' in html and "over capacity" in html
    assert 'data-testid="force-reason"' not in client.get(url).content.decode()
    forced = client.post(url, _form(firm, hours="4", forced_reason="Go-live week"))
    assert forced.status_code == 302
    assert Booking.objects.filter(forced_reason="Go-live week").count() == 1


def test_edit_and_delete_a_booking(firm: Firm, sign_in: SignIn) -> None:
    client = sign_in(firm.manager_user)
    client.post(reverse("web:project_staffing", args=[firm.project.pk]), _form(firm))
    booking = Booking.objects.get()
    edit = reverse("web:booking_edit", args=[booking.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**_form(firm, hours="2", kind="soft")}).status_code == 302
    booking.refresh_from_db()
    assert booking.minutes_per_day == 120 and booking.kind == "soft"
    assert client.post(reverse("web:booking_delete", args=[booking.pk])).status_code == 302
    assert not Booking.objects.exists()
    assert sign_in(firm.member_user).post(edit, _form(firm)).status_code == 404


def test_a_request_from_the_tab(firm: Firm, sign_in: SignIn) -> None:
    python = skill(firm, "Python")
    client = sign_in(firm.manager_user)
    monday = _monday()
    answer = client.post(
        reverse("web:project_staffing", args=[firm.project.pk]),
        {
            "form": "request",
            "first_day": monday.isoformat(),
            "last_day": (monday + timedelta(days=11)).isoformat(),
            "hours": "8",
            "priority": "3",
            "skill_1": python.pk,
            "level_1": "3",
        },
    )
    assert answer.status_code == 302
    request = StaffingRequest.objects.get()
    assert [(s.skill.name, s.min_level) for s in request.skills.all()] == [("Python", 3)]
    bad = client.post(reverse("web:project_staffing", args=[firm.project.pk]), {"form": "request", "hours": "x"})
    assert bad.status_code == 422


def test_candidates_with_reasons_then_book(firm: Firm, sign_in: SignIn) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    request = ask(firm)
    client = sign_in(firm.manager_user)
    listing = client.get(reverse("web:staffing")).content.decode()
    assert 'data-testid="request-row"' in listing and 'data-testid="nav-staffing"' in listing
    page = client.get(reverse("web:staffing_candidates", args=[request.pk])).content.decode()
    assert "Python 4 ≥ 3" in page and "free 40 of 40 h" in page and "margin 60 % at cost 40 / rate 100" in page
    assert (
        client.post(reverse("web:staffing_fill", args=[request.pk]), {"person": firm.member_person.pk}).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.FILLED
    assert sign_in(firm.member_user).get(reverse("web:staffing")).status_code == 403


def test_no_candidate_explains_why(firm: Firm, sign_in: SignIn) -> None:
    request = ask(firm, skills=(("Fortran", 5),))
    page = sign_in(firm.admin_user).get(reverse("web:staffing_candidates", args=[request.pk])).content.decode()
    assert 'data-testid="no-candidates"' in page and "Fortran 5" in page


def test_staff_all_then_accept(firm: Firm, sign_in: SignIn) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    give(firm, firm.member2_person.pk, "Python", 3)
    ask(firm, priority=4), ask(firm, priority=2)
    client = sign_in(firm.manager_user)
    started = client.post(reverse("web:staffing_plan_start"))
    plan = StaffingPlan.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("web:staffing_plan", args=[plan.pk])
    html = client.get(started["Location"]).content.decode()
    assert html.count('data-testid="plan-pair"') == 2 and "gap 0.0 %" in html
    client.post(reverse("web:staffing_plan_accept", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == StaffingPlanStatus.ACCEPTED
    assert Booking.objects.filter(kind="hard").count() == 2
    partial = client.get(reverse("web:staffing_plan", args=[plan.pk]), headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="staffing-plan"') and "hx-trigger" not in partial


def test_a_proposal_names_each_request_and_lists_those_left_unstaffed(firm: Firm, sign_in: SignIn) -> None:
    give(firm, firm.member_person.pk, "Python", 4)
    ask(firm, priority=4)
    nobody = ask(firm, skills=(("Fortran", 5),), minutes=240)
    client = sign_in(firm.manager_user)
    html = client.get(client.post(reverse("web:staffing_plan_start"))["Location"]).content.decode()
    pair = html.split('data-testid="plan-pair"')[1].split("</tr>")[0]
    assert all(text in pair for text in ("Consultant", "Urgent", "Tom")), pair
    assert "weighted fit" in html and "priority × fit" in html
    unfilled = html.split('data-testid="plan-unfilled-request"')[1].split("</li>")[0]
    assert reverse("web:staffing_candidates", args=[nobody.pk]) in unfilled and "4 h a day" in unfilled


def test_a_running_plan_shows_its_progress_and_polls(firm: Firm, sign_in: SignIn) -> None:
    from margin.core.jobruns import job_run_progress, job_run_start

    run = job_run_start(
        organisation_id=firm.usd.organisation_id, user_id=firm.manager_user.pk, kind="staffing_optimise"
    )
    job_run_progress(run.pk, 40, 100)
    plan = StaffingPlan.objects.create(organisation_id=firm.usd.organisation_id, job_run=run)
    html = sign_in(firm.manager_user).get(reverse("web:staffing_plan", args=[plan.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="40"' in html and "plan-accept" not in html
