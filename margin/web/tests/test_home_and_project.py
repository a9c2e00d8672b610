"""Home (projects with margin and burn) and the project page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.billing.models import Invoice
from margin.core.models import AuditEntry
from margin.crm.actions import client_create
from margin.projects.actions import project_create, task_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def test_home_lists_the_visible_projects_with_their_figures(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry]
) -> None:
    response = sign_in(firm.manager_user).get(reverse("web:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "GLX-1" in html and "Globex portal" in html and "Globex" in html
    # 1:30 at 100 + 8:00 at 100 = 950.00 revenue; cost 1.5 h × 40 + 8 h × 40 = 380.00; margin 570.00 = 60.0 %.
    assert "950.00" in html
    assert "380.00" in html
    assert "570.00" in html
    assert "60.0 %" in html
    assert "INI-1" not in html  # another organisation's project
    assert 'id="margin-chart-data"' in html


def test_home_marks_a_project_over_budget_in_red(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    other = client_create(viewer=firm.admin, name="Hooli", currency="USD")
    project = project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=other,
        manager=firm.member_person,
        code="HOO-1",
        name="Tiny budget",
        budget_minutes=60,
    )
    task = task_create(viewer=firm.admin, project=project, name="Work")
    from margin.timesheets.actions import time_entry_create

    time_entry_create(viewer=firm.member, project=project, task=task, work_date=last_monday, minutes=120)
    html = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    assert "HOO-1" in html
    assert "200.0 %" in html
    assert "progress-bar bg-red" in html


def test_a_member_sees_only_their_projects(sign_in: Callable[[User], Client], firm: Firm) -> None:
    other = client_create(viewer=firm.admin, name="Umbrella", currency="USD")
    project_create(
        viewer=firm.admin, company=firm.usd, client=other, manager=firm.manager_person, code="UMB-1", name="Secret"
    )
    html = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    assert "GLX-1" in html
    assert "UMB-1" not in html


def test_project_page(sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry]) -> None:
    sub = task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    response = sign_in(firm.member_user).get(reverse("web:project", args=[firm.project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Globex portal" in html and "Maya" in html
    assert "Design" in html and "Build" in html and "Wireframes" in html
    assert "--wbs-depth: 1" in html  # the subtask is indented under its parent
    assert sub.name in html
    assert "8:00" in html and "1:30" in html  # logged per task and recent entries
    assert "Invoice this project" not in html  # members do not invoice


def test_project_of_another_organisation_is_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    assert client.get(reverse("web:project", args=[firm.other_project.pk])).status_code == 404
    assert client.get(reverse("web:project", args=[10**18])).status_code == 404


def test_project_not_visible_to_a_member_is_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    other = client_create(viewer=firm.admin, name="Umbrella", currency="USD")
    hidden = project_create(
        viewer=firm.admin, company=firm.usd, client=other, manager=firm.manager_person, code="UMB-1", name="Secret"
    )
    assert sign_in(firm.member_user).get(reverse("web:project", args=[hidden.pk])).status_code == 404


def test_finance_drafts_an_invoice_from_the_project_page(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    client = sign_in(firm.finance_user)
    assert "Invoice this project" in client.get(reverse("web:project", args=[firm.project.pk])).content.decode()
    up_to = (last_monday + timedelta(days=6)).isoformat()
    response = client.post(reverse("web:project_invoice_draft", args=[firm.project.pk]), {"up_to": up_to})
    invoice = Invoice.objects.get(project=firm.project)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:invoice", args=[invoice.pk])
    assert invoice.total_minor == 95000


def test_drafting_with_nothing_to_bill_is_a_form_error(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    client = sign_in(firm.finance_user)
    audit_before = AuditEntry.objects.count()
    url = reverse("web:project_invoice_draft", args=[firm.project.pk])
    response = client.post(url, {"up_to": (last_monday - timedelta(days=1)).isoformat()}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "no approved billable time" in response.content.decode()
    bad = client.post(url, {"up_to": "not-a-date"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "Enter a valid date" in bad.content.decode()
    assert not Invoice.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_members_cannot_draft_invoices(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    response = sign_in(firm.manager_user).post(
        reverse("web:project_invoice_draft", args=[firm.project.pk]), {"up_to": last_monday.isoformat()}
    )
    assert response.status_code == 403
    assert not Invoice.objects.exists()
