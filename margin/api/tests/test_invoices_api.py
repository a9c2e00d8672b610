"""Invoices through the API: draft, lines, issue, discard, and the invoice run as a background job."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.api.tests.conftest import error_of, unchanged
from margin.billing.actions import invoice_draft_create
from margin.billing.models import Invoice, InvoiceStatus
from margin.core.models import AuditEntry, JobRun
from margin.projects import actions as projects
from margin.timesheets.models import TimeEntry
from tests.firm import Firm
from tests.scenarios import approved_entries


@pytest.fixture
def finance(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.finance_user)


def test_draft_lines_issue(firm: Firm, finance) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=3, minutes=90)
    today = timezone.localdate()
    response = finance.post("/invoices", {"project_id": firm.project.pk, "up_to": today.isoformat()})
    assert response.status_code == 201, response.content
    draft = response.json()
    assert (draft["status"], draft["number"], draft["project_code"], draft["client_name"]) == (
        "draft",
        None,
        "GLX-1",
        "Globex",
    )
    assert draft["total"] == {"amount_minor": 45000, "amount": "450.00", "currency": "USD"}
    assert draft["total_minutes"] == 270
    assert TimeEntry.objects.filter(billing__line__invoice_id=draft["id"]).count() == 3

    lines = finance.get(f"/invoices/{draft['id']}/lines").json()
    assert lines["count"] == 1
    assert lines["items"][0]["description"] == "Build — Consultant"
    assert (lines["items"][0]["minutes"], lines["items"][0]["hourly_rate"]) == (270, "100.0000")
    assert lines["items"][0]["amount"]["amount"] == "450.00"

    issued = finance.post(f"/invoices/{draft['id']}/issue", {"issue_date": "2026-03-02", "payment_days": 14})
    assert issued.status_code == 200, issued.content
    assert (issued.json()["number"], issued.json()["status"]) == ("2026-0001", "issued")
    assert (issued.json()["issue_date"], issued.json()["due_date"]) == ("2026-03-02", "2026-03-16")
    assert AuditEntry.objects.filter(action="invoice.issue", object_id=draft["id"]).exists()

    listed = finance.get("/invoices", {"status": "issued"}).json()
    assert [i["number"] for i in listed["items"]] == ["2026-0001"]
    assert finance.get("/invoices", {"status": "draft"}).json()["count"] == 0


def test_issue_twice_is_409_and_changes_nothing(firm: Firm, finance) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=2)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    assert finance.post(f"/invoices/{invoice.pk}/issue", {}).status_code == 200
    invoice.refresh_from_db()
    with unchanged(invoice):
        body = error_of(finance.post(f"/invoices/{invoice.pk}/issue", {}), 409, "conflict")
        assert invoice.number in body["detail"]
        error_of(finance.post(f"/invoices/{invoice.pk}/discard"), 409, "conflict")


def test_invoicing_nothing_is_422(firm: Firm, finance) -> None:  # type: ignore[no-untyped-def]
    with unchanged(firm.project):
        body = error_of(finance.post("/invoices", {"project_id": firm.project.pk, "up_to": "2026-01-01"}), 422)
    assert "no approved billable time" in body["detail"]


def test_discard_releases_the_time(firm: Firm, finance) -> None:  # type: ignore[no-untyped-def]
    entries = approved_entries(firm, count=2)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    assert finance.post(f"/invoices/{invoice.pk}/discard").status_code == 204
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert TimeEntry.objects.filter(pk__in=[e.pk for e in entries], billing__isnull=True).count() == 2
    error_of(finance.get(f"/invoices/{invoice.pk}"), 404, "not_found")


def test_invoice_refusals(firm: Firm, finance, api_as) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=2)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    tom, maya = api_as(firm.member_user), api_as(firm.manager_user)
    other_admin = api_as(firm.other_project.manager.user)
    with unchanged(invoice, firm.project):
        # Maya sees the project's invoices but is not finance; Tom sees the project.
        error_of(maya.post(f"/invoices/{invoice.pk}/issue", {}), 403, "forbidden")
        error_of(maya.post(f"/invoices/{invoice.pk}/discard"), 403, "forbidden")
        error_of(tom.post("/invoices", {"project_id": firm.project.pk, "up_to": "2026-01-01"}), 403, "forbidden")
        # Another organisation sees nothing of it.
        error_of(other_admin.get(f"/invoices/{invoice.pk}"), 404, "not_found")
        error_of(other_admin.get(f"/invoices/{invoice.pk}/lines"), 404, "not_found")
        error_of(other_admin.post(f"/invoices/{invoice.pk}/issue", {}), 404, "not_found")
        error_of(finance.post("/invoices", {"project_id": firm.other_project.pk, "up_to": "2026-01-01"}), 404)
        error_of(finance.post(f"/invoices/{invoice.pk}/issue", {"payment_days": 400}), 422, "validation_error")
        error_of(finance.post(f"/invoices/{invoice.pk}/issue", {"issue_date": "2031-01-01"}), 422, "invalid")
        error_of(finance.post(f"/invoices/{invoice.pk}/issue", raw="{"), 400, "bad_request")
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


def test_invoices_of_a_project_you_are_not_on_are_404(firm: Firm, api_as) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=1)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=timezone.localdate())
    user = User.objects.create_user(username="nia", password="x")
    nia = accounts.person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="Nia",
        email="nia@example.test",
        user=user,
        access_role="member",
    )
    other = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="X-1", name="X"
    )
    projects.project_member_add(viewer=firm.admin, project=other, person=nia)
    client = api_as(user)
    assert [p["code"] for p in client.get("/projects").json()["items"]] == ["X-1"]
    error_of(client.get(f"/invoices/{invoice.pk}"), 404, "not_found")
    error_of(client.get(f"/invoices/{invoice.pk}/lines"), 404, "not_found")
    assert client.get("/invoices").json()["count"] == 0
    # Tom is on GLX-1, but an invoice is money: his project's manager and finance see it, he does not.
    error_of(api_as(firm.member_user).get(f"/invoices/{invoice.pk}"), 404, "not_found")
    error_of(api_as(firm.member_user).get(f"/invoices/{invoice.pk}/lines"), 404, "not_found")
    assert api_as(firm.member_user).get("/invoices").json()["count"] == 0
    assert api_as(firm.manager_user).get(f"/invoices/{invoice.pk}").status_code == 200


def test_invoice_run_job(firm: Firm, finance, api_as) -> None:  # type: ignore[no-untyped-def]
    approved_entries(firm, count=4)
    response = finance.post("/invoices/runs", {"company_id": firm.usd.pk, "up_to": timezone.localdate().isoformat()})
    assert response.status_code == 202, response.content
    job = response.json()
    # Tests run jobs immediately; the status endpoint reports the finished run.
    status = finance.get(f"/invoices/runs/{job['id']}").json()
    assert (status["status"], status["done"], status["total"], status["percent"]) == ("done", 1, 1, 100)
    assert status["result"]["count"] == 1
    [invoice_id] = status["result"]["invoices"]
    assert finance.get(f"/invoices/{invoice_id}").json()["total"]["amount_minor"] == 40000

    with unchanged():
        error_of(
            api_as(firm.member_user).post("/invoices/runs", {"company_id": firm.usd.pk, "up_to": "2026-01-01"}), 403
        )
        foreign_company = firm.other_project.company_id
        error_of(finance.post("/invoices/runs", {"company_id": foreign_company, "up_to": "2026-01-01"}), 404)
        error_of(finance.post("/invoices/runs", {"company_id": firm.usd.pk, "up_to": "not a date"}), 422)
    error_of(api_as(firm.other_project.manager.user).get(f"/invoices/runs/{job['id']}"), 404, "not_found")


def test_invoice_run_with_nothing_to_bill_is_done_with_no_invoices(firm: Firm, finance) -> None:  # type: ignore[no-untyped-def]
    job = finance.post("/invoices/runs", {"company_id": firm.usd.pk, "up_to": date(2026, 1, 1).isoformat()}).json()
    status = finance.get(f"/invoices/runs/{job['id']}").json()
    assert (status["status"], status["result"]) == ("done", {"invoices": [], "count": 0})
    assert JobRun.objects.count() == 1
    assert Invoice.objects.count() == 0
