"""Home (its parts by role) and the project page (its money only for those who may see it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from margin.accounts.actions import organisation_found, person_create
from margin.accounts.models import Person
from margin.billing.models import Invoice
from margin.core.models import AuditEntry
from margin.crm.actions import client_create
from margin.projects.actions import project_create, task_create
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def test_the_managers_home_shows_the_health_of_their_projects(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry]
) -> None:
    response = sign_in(firm.manager_user).get(reverse("web:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="part-projects"' in html and 'data-testid="part-work"' in html
    assert "GLX-1" in html and "Globex portal" in html
    # 1:30 at 100 + 8:00 at 100 = 950.00 revenue; cost 1.5 h × 40 + 8 h × 40 = 380.00; margin 570.00 = 60.0 %.
    assert "570.00" in html and "60.0 %" in html
    assert "INI-1" not in html  # another organisation's project
    assert 'id="chart-burn"' in html and 'id="chart-week"' in html
    assert 'data-testid="part-firm"' not in html and 'data-testid="part-invoicing"' not in html


def test_the_administrators_home_shows_the_firm(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry]
) -> None:
    html = sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
    assert "950.00" in html and "380.00" in html and "570.00" in html and "60.0 %" in html
    assert 'id="chart-margin"' in html and 'data-testid="part-invoicing"' in html
    assert "INI-1" not in html


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
    time_entry_create(viewer=firm.member, project=project, task=task, work_date=last_monday, minutes=120)
    html = sign_in(firm.member_user).get(reverse("web:home")).content.decode()  # Tom manages HOO-1
    assert "HOO-1" in html
    assert "200.0 %" in html
    assert "progress-bar bg-red" in html
    assert "GLX-1" not in html.split('data-testid="part-work"')[0]  # he is only a member of GLX-1


def test_a_members_home_is_their_work_without_money(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry]
) -> None:
    other = client_create(viewer=firm.admin, name="Umbrella", currency="USD")
    project_create(
        viewer=firm.admin, company=firm.usd, client=other, manager=firm.manager_person, code="UMB-1", name="Secret"
    )
    html = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    assert 'data-testid="part-work"' in html and "My work" in html
    assert "UMB-1" not in html
    for money in ("950.00", "380.00", "570.00", "Revenue", "Margin by project", "burn"):
        assert money not in html


def test_a_person_on_no_project_gets_a_welcome(sign_in: Callable[[User], Client], firm: Firm) -> None:
    html = sign_in(User.objects.get(username="rival-admin")).get(reverse("web:home")).content.decode()
    assert "The firm" in html  # an administrator always has the firm
    user = User.objects.create_user("newbie", password="x")
    person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="New",
        email="n@example.test",
        user=user,
        access_role="member",
    )
    html = sign_in(user).get(reverse("web:home")).content.decode()
    assert "Nothing here yet" in html


def test_the_home_costs_the_same_queries_with_more_projects(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], django_assert_max_num_queries: Any
) -> None:
    """Ada, an administrator who manages projects and is on them, gets every part of the home."""
    client = sign_in(firm.admin_user)
    admin_person = Person.objects.get(user=firm.admin_user)

    def more(first: int) -> None:
        for n in range(first, first + 5):
            project = project_create(
                viewer=firm.admin, company=firm.usd, client=firm.client, manager=admin_person, code=f"N-{n}", name="N"
            )
            task_create(viewer=firm.admin, project=project, name="Work")

    more(0)
    with CaptureQueriesContext(connection) as first:
        html = client.get(reverse("web:home")).content.decode()
    assert all(f'data-testid="part-{part}"' in html for part in ("firm", "invoicing", "projects", "work"))
    more(5)
    with django_assert_max_num_queries(len(first)):
        client.get(reverse("web:home"))


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
    # The project's money is its manager's and finance's: a member sees the hours, not the figures.
    assert 'data-testid="project-figures"' not in html and 'data-testid="project-invoices"' not in html
    assert "950.00" not in html and "30,000.00" not in html
    managed = sign_in(firm.manager_user).get(reverse("web:project", args=[firm.project.pk])).content.decode()
    assert 'data-testid="project-figures"' in managed and "950.00" in managed and "30,000.00" in managed


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


def test_an_empty_firms_home_is_a_checklist_that_links_each_step(sign_in: Callable[[User], Client], db: None) -> None:
    organisation_found(
        name="Fresh <Firm>", slug="fresh", username="founder", email="f@fresh.test", password="Correct-horse-9"
    )
    html = sign_in(User.objects.get(username="founder")).get(reverse("web:home")).content.decode()
    assert "Set up Fresh &lt;Firm&gt;" in html
    next_step = html.split('data-testid="setup-next"')[0].rsplit("<a ", 1)[1]
    assert reverse("web:settings_company_new") in next_step  # the first step is the next one
    for name in ("web:settings_roles", "web:settings_people", "web:settings_users", "web:settings_client_new"):
        assert reverse(name) in html
    assert reverse("web:project_new") in html
    assert "No projects yet" in html  # the firm's part is there too, empty


def test_an_empty_home_says_what_to_do_by_role(sign_in: Callable[[User], Client], firm: Firm) -> None:
    """A manager on no project is offered New project; a member is told who adds them to one."""
    lonely = User.objects.create_user(username="newpm")
    person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="New PM",
        email="newpm@example.test",
        user=lonely,
        access_role="manager",
    )
    html = sign_in(lonely).get(reverse("web:home")).content.decode()
    assert 'data-testid="home-empty"' in html and reverse("web:project_new") in html
    newbie = User.objects.create_user(username="newbie")
    person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="New Member",
        email="newbie@example.test",
        user=newbie,
        access_role="member",
    )
    html = sign_in(newbie).get(reverse("web:home")).content.decode()
    assert "Once a project manager adds you to a project" in html and reverse("web:project_new") not in html
    assert 'data-testid="setup"' not in sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
