"""Settings → Approval delegates, and the billing increment on the project page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.contracts.models import Contract
from margin.contracts.queries import billing_increment_of
from margin.crm.actions import client_update
from margin.timesheets.actions import approval_delegate_add
from margin.timesheets.models import ApprovalDelegate
from margin.web.access import can_approve
from tests.checks import audit_row, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_who_opens_the_delegates(sign_in: Callable[[User], Client], firm: Firm) -> None:
    refused = sign_in(firm.member_user).get(reverse("web:settings_delegates"))
    assert refused.status_code == 403 and "approval delegates" in refused.content.decode()
    page = sign_in(firm.manager_user).get(reverse("web:settings_delegates"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="delegate-add"' in html and "GLX-1 Globex portal" in html
    assert "All projects of Maya" in html and "All projects of Ada Admin" not in html  # only their own
    assert "Initech" not in html

    approval_delegate_add(viewer=firm.manager, delegate=firm.member2_person, project=firm.project)
    holder = sign_in(firm.member2_user).get(reverse("web:settings_delegates"))  # holds one: an approver now
    assert holder.status_code == 200
    html = holder.content.decode()
    assert "GLX-1" in html and "Remove" not in html and 'data-testid="delegate-add"' not in html

    later = timezone.localdate() + timedelta(days=30)
    approval_delegate_add(viewer=firm.manager, delegate=firm.member_person, project=firm.project, valid_from=later)
    assert not can_approve(firm.member)  # not in force yet, but Tom may see the delegation he will hold
    future = sign_in(firm.member_user).get(reverse("web:settings_delegates")).content.decode()
    assert "not yet" in future and "you</span>" in future


def test_a_manager_delegates_and_removes(sign_in: Callable[[User], Client], firm: Firm) -> None:
    manager = sign_in(firm.manager_user)
    start = timezone.localdate() + timedelta(days=1)
    added = manager.post(
        reverse("web:settings_delegate_add"),
        {"delegate": firm.member2_person.pk, "scope": f"project:{firm.project.pk}", "valid_from": start.isoformat()},
    )
    assert added.status_code == 302
    row = ApprovalDelegate.objects.get()
    assert (row.delegate, row.project, row.manager, row.valid_from, row.valid_to) == (
        firm.member2_person,
        firm.project,
        None,
        start,
        None,
    )
    assert audit_row("approval_delegate.add", row).actor_id == firm.manager_user.pk
    html = manager.get(reverse("web:settings_delegates")).content.decode()
    assert "not yet" in html and "Lea" in html

    everything = manager.post(
        reverse("web:settings_delegate_add"),
        {"delegate": firm.member_person.pk, "scope": f"manager:{firm.manager_person.pk}"},
    )
    assert everything.status_code == 302
    assert ApprovalDelegate.objects.filter(manager=firm.manager_person, delegate=firm.member_person).exists()
    assert can_approve(firm.member)

    removed = manager.post(reverse("web:settings_delegate_remove", args=[row.pk]))
    assert removed.status_code == 302 and not ApprovalDelegate.objects.filter(pk=row.pk).exists()
    audit_row("approval_delegate.remove", row)


def test_refused_delegations_are_form_errors(sign_in: Callable[[User], Client], firm: Firm) -> None:
    manager = sign_in(firm.manager_user)
    url = reverse("web:settings_delegate_add")
    ada = firm.admin.person_id
    today = timezone.localdate()
    cases = [
        # The action says no: another manager's projects (403), the manager themselves, dates backwards.
        ({"delegate": firm.member_person.pk, "scope": f"manager:{ada}"}, 403, "Only the manager or an administrator"),
        ({"delegate": firm.manager_person.pk, "scope": f"project:{firm.project.pk}"}, 422, "approves this time"),
        (
            {
                "delegate": firm.member_person.pk,
                "scope": f"project:{firm.project.pk}",
                "valid_from": today.isoformat(),
                "valid_to": (today - timedelta(days=1)).isoformat(),
            },
            422,
            "must end on or after",
        ),
        # The form says no.
        ({"delegate": "", "scope": f"project:{firm.project.pk}"}, 422, "Choose who approves"),
        ({"delegate": firm.member_person.pk, "scope": ""}, 422, "Choose a project or a manager"),
        ({"delegate": firm.member_person.pk, "scope": "project:²"}, 422, "Choose a project or a manager"),
        ({"delegate": firm.member_person.pk, "scope": f"project:{2**70}"}, 422, "Choose a project or a manager"),
        ({"delegate": firm.member_person.pk, "scope": "task:1"}, 422, "Choose a project or a manager"),
        ({"delegate": 999999, "scope": f"project:{firm.project.pk}"}, 422, "Choose one of the people listed"),
        ({"delegate": firm.member_person.pk, "scope": "project:999999"}, 422, "you can see"),
        ({"delegate": firm.member_person.pk, "scope": f"project:{firm.other_project.pk}"}, 422, "you can see"),
        ({"delegate": firm.member_person.pk, "scope": f"project:{firm.project.pk}", "valid_to": "soon"}, 422, "valid"),
    ]
    for data, status, message in cases:
        counts = table_counts()
        response = manager.post(url, data)
        html = response.content.decode()
        assert response.status_code == status, (data, response.status_code)
        assert message in html and 'data-testid="delegate-error"' in html, (data, message)
        assert 'data-testid="delegate-add"' in html  # the form, filled in, to correct
        assert table_counts() == counts


def test_removing_needs_the_manager_or_an_administrator(sign_in: Callable[[User], Client], firm: Firm) -> None:
    row = approval_delegate_add(viewer=firm.manager, delegate=firm.member2_person, project=firm.project)
    counts = table_counts()
    holder = sign_in(firm.member2_user).post(reverse("web:settings_delegate_remove", args=[row.pk]))
    assert holder.status_code == 403 and "Only the manager or an administrator" in holder.content.decode()
    assert table_counts() == counts and ApprovalDelegate.objects.filter(pk=row.pk).exists()
    assert sign_in(firm.admin_user).post(reverse("web:settings_delegate_remove", args=[999999])).status_code == 404
    assert sign_in(firm.admin_user).post(reverse("web:settings_delegate_remove", args=[row.pk])).status_code == 302
    assert not ApprovalDelegate.objects.filter(pk=row.pk).exists()


def test_project_page_shows_and_sets_the_billing_increment(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client_update(viewer=firm.admin, client=firm.client, billing_increment_minutes=6, billing_rounding="up")
    manager = sign_in(firm.manager_user)
    page = manager.get(reverse("web:project", args=[firm.project.pk]))
    html = page.content.decode()
    assert 'data-testid="billing-increment"' in html and "6 min" in html and "From the client Globex" in html
    assert "Save increment" in html

    url = reverse("web:project_billing_increment", args=[firm.project.pk])
    saved = manager.post(url, {"minutes": "15", "rounding": "nearest"}, **HTMX)
    assert saved.status_code == 200
    html = saved.content.decode()
    assert "15 min" in html and "rounded to the nearest" in html and "Set for this project" in html
    effective, source, _ = billing_increment_of(firm.project)
    assert (effective.minutes, effective.rounding, source) == (15, "nearest", "project")
    contract = Contract.objects.get(covered__project=firm.project)
    assert audit_row("billing_increment.set", contract).after == {
        "project": firm.project.pk,
        "billing_increment_minutes": 15,
        "billing_rounding": "nearest",
    }

    for data, message in [
        ({"minutes": "", "rounding": "up"}, "Give the increment the rounding applies to"),  # the action
        ({"minutes": "90", "rounding": ""}, "less than or equal to 60"),
        ({"minutes": "-5", "rounding": ""}, "greater than or equal to 0"),
        ({"minutes": "5", "rounding": "sideways"}, "Select a valid choice"),
    ]:
        counts, before = table_counts(), billing_increment_of(firm.project)
        response = manager.post(url, data, **HTMX)
        assert response.status_code == 422 and message in response.content.decode(), data
        assert 'data-testid="increment-error"' in response.content.decode()
        assert table_counts() == counts and billing_increment_of(firm.project) == before
    full = manager.post(url, {"minutes": "", "rounding": "up"})
    assert full.status_code == 422 and "Give the increment" in full.content.decode()
    assert 'data-testid="tasks-table"' in full.content.decode()

    back = manager.post(url, {"minutes": "", "rounding": ""})  # back to the client's
    assert back.status_code == 302
    assert billing_increment_of(firm.project)[1] == "client"

    finance = sign_in(firm.finance_user)
    assert finance.post(url, {"minutes": "30", "rounding": ""}).status_code == 302
    assert billing_increment_of(firm.project)[0].minutes == 30

    member = sign_in(firm.member_user)
    html = member.get(reverse("web:project", args=[firm.project.pk])).content.decode()
    assert "30 min" in html and "Save increment" not in html
    counts = table_counts()
    assert member.post(url, {"minutes": "0", "rounding": ""}).status_code == 403
    elsewhere = reverse("web:project_billing_increment", args=[firm.other_project.pk])
    assert sign_in(firm.admin_user).post(elsewhere, {"minutes": "0"}).status_code == 404
    assert table_counts() == counts and billing_increment_of(firm.project)[0].minutes == 30
