"""Approvals: who may open them, grouping, approve and reject (reason required), bad ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.contracts.models import BillRate
from margin.core.models import AuditEntry
from margin.rates.actions import cost_rate_set
from margin.rates.models import CostRate
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def _statuses() -> list[tuple[int, str, str]]:
    return list(TimeEntry.objects.order_by("id").values_list("id", "status", "rejection_reason"))


def test_only_managers_and_admins_open_approvals(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:approvals")).status_code == 403
    assert sign_in(firm.finance_user).get(reverse("web:approvals")).status_code == 403
    assert sign_in(firm.manager_user).get(reverse("web:approvals")).status_code == 200
    assert sign_in(firm.admin_user).get(reverse("web:approvals")).status_code == 200


def test_pending_time_is_grouped_by_person_and_week(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry], last_monday: date
) -> None:
    earlier = last_monday - timedelta(days=7)
    time_entry_create(viewer=firm.member2, project=firm.project, task=firm.build, work_date=earlier, minutes=30)
    time_entries_submit(viewer=firm.member2, monday=earlier)
    response = sign_in(firm.manager_user).get(reverse("web:approvals"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [(g.person_name, g.monday, len(g.entries)) for g in groups] == [
        ("Lea", earlier, 1),
        ("Tom", last_monday, 2),
    ]
    html = response.content.decode()
    assert "9:30 h" in html  # Tom's week total
    assert '<strong class="text-reset">3</strong> entries waiting' in html


def test_approve_selected(sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry]) -> None:
    response = sign_in(firm.manager_user).post(reverse("web:approvals_approve"), {"entry": [submitted[0].pk]}, **HTMX)
    assert response.status_code == 200
    assert "Approved 1 entry." in response.content.decode()
    submitted[0].refresh_from_db()
    submitted[1].refresh_from_db()
    assert submitted[0].status == EntryStatus.APPROVED
    assert submitted[0].bill_amount_minor == 15000
    assert submitted[1].status == EntryStatus.SUBMITTED


def test_reject_needs_a_reason(sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry]) -> None:
    client = sign_in(firm.manager_user)
    before, audit_before = _statuses(), AuditEntry.objects.count()
    response = client.post(reverse("web:approvals_reject"), {"entry": [submitted[0].pk], "reason": "  "}, **HTMX)
    assert response.status_code == 422
    assert "Give a reason" in response.content.decode()
    nul = client.post(reverse("web:approvals_reject"), {"entry": [submitted[0].pk], "reason": "bad\x00"}, **HTMX)
    assert nul.status_code == 422
    assert _statuses() == before
    assert AuditEntry.objects.count() == audit_before
    ok = client.post(reverse("web:approvals_reject"), {"entry": [submitted[0].pk], "reason": "Use Build"}, **HTMX)
    assert ok.status_code == 200
    assert "Rejected 1 entry." in ok.content.decode()
    submitted[0].refresh_from_db()
    assert (submitted[0].status, submitted[0].rejection_reason) == (EntryStatus.REJECTED, "Use Build")


def test_nothing_chosen_or_foreign_ids_change_nothing(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry], last_monday: date
) -> None:
    # an entry of another organisation, submitted there
    from margin.projects.actions import task_create

    other_task = task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    foreign = time_entry_create(
        viewer=firm.other_admin, project=firm.other_project, task=other_task, work_date=last_monday, minutes=60
    )
    time_entries_submit(viewer=firm.other_admin, monday=last_monday)
    client = sign_in(firm.manager_user)
    before, audit_before = _statuses(), AuditEntry.objects.count()
    for data in ({}, {"entry": [foreign.pk]}, {"entry": ["abc"]}, {"entry": [submitted[0].pk, foreign.pk]}):
        response = client.post(reverse("web:approvals_approve"), data, **HTMX)
        assert response.status_code == 422, data
        assert "alert-danger" in response.content.decode()
    assert _statuses() == before
    assert AuditEntry.objects.count() == audit_before


def test_a_manager_cannot_approve_their_own_time(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    own = time_entry_create(
        viewer=firm.manager, project=firm.project, task=firm.design, work_date=last_monday, minutes=60
    )
    time_entries_submit(viewer=firm.manager, monday=last_monday)
    client = sign_in(firm.manager_user)
    html = client.get(reverse("web:approvals")).content.decode()
    assert f'data-entry="{own.pk}"' not in html and "Nothing to approve" in html  # not in one's own inbox
    for data in ({"entry": [own.pk]}, {"one": own.pk}, {"scope": "filtered"}):
        response = client.post(reverse("web:approvals_approve"), data, **HTMX)
        assert response.status_code == 422, data
        assert "alert-danger" in response.content.decode()
    own.refresh_from_db()
    assert own.status == EntryStatus.SUBMITTED


def test_members_cannot_post_decisions(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry]
) -> None:
    before = _statuses()
    response = sign_in(firm.member2_user).post(reverse("web:approvals_approve"), {"entry": [submitted[0].pk]})
    assert response.status_code == 403
    assert _statuses() == before


def test_approve_without_htmx_renders_the_whole_page(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry]
) -> None:
    response = sign_in(firm.manager_user).post(reverse("web:approvals_approve"), {"entry": [e.pk for e in submitted]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<!doctype html>" in html and "Approved 2 entries." in html and "Nothing to approve" in html
    assert set(TimeEntry.objects.values_list("status", flat=True)) == {EntryStatus.APPROVED}


def test_an_approval_without_rates_says_what_is_missing_and_where_to_set_it(
    sign_in: Callable[[User], Client], firm: Firm, submitted: list[TimeEntry]
) -> None:
    """Approval values time at the person's cost rate and the project's bill rate: without one, the inbox says
    which, for whom, on which day, and the screen where it is set; nothing is approved."""
    CostRate.objects.filter(person=firm.member_person).delete()
    client = sign_in(firm.manager_user)
    before = _statuses()
    response = client.post(reverse("web:approvals_approve"), {"entry": [submitted[0].pk]}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and 'data-testid="approvals-error"' in html
    assert "Tom has no cost rate on " in html and "Settings → People → Tom" in html
    assert _statuses() == before
    cost_rate_set(viewer=firm.admin, person=firm.member_person, valid_from=date(2020, 1, 1), hourly_cost=Decimal(40))
    BillRate.objects.filter(rate_card__contract__covered__project=firm.project).delete()
    html = client.post(reverse("web:approvals_approve"), {"entry": [submitted[0].pk]}, **HTMX).content.decode()
    assert "GLX-1 has no bill rate for Consultant (Tom&#x27;s role)" in html and "Rates tab" in html
    assert _statuses() == before
