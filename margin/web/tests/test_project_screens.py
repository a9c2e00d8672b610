"""The project screens: the Projects list, New project (blank, template, copy), Rates, Team, Settings, the menus."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts import actions as accounts
from margin.accounts.models import Membership
from margin.accounts.queries import viewer_for
from margin.contracts.models import BillRate
from margin.projects import actions as projects
from margin.projects.models import Project, Task
from tests.checks import table_counts
from tests.firm import Firm

SignIn = Callable[[User], Client]


def _html(response: Any) -> str:
    return str(response.content.decode())


def _details(firm: Firm, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "NEW-1",
        "name": "New <b>project</b>",
        "company": firm.usd.pk,
        "client": firm.client.pk,
        "manager": firm.manager_person.pk,
        "status": "active",
        "start_date": "2026-03-02",
        "end_date": "",
        "budget_hours": "120.5",
        "budget_amount": "15000.50",
        "members": [firm.member_person.pk],
        "rates-TOTAL_FORMS": "2",
        "rates-INITIAL_FORMS": "0",
        "rates-0-who": f"role:{firm.consultant.pk}",
        "rates-0-valid_from": "2026-01-01",
        "rates-0-hourly_rate": "95",
        "rates-1-who": f"person:{firm.member_person.pk}",
        "rates-1-valid_from": "2026-01-01",
        "rates-1-hourly_rate": "80.25",
    }
    data.update(overrides)
    return data


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_filters_sorts_and_shows_burn_to_who_may_see_money(sign_in: SignIn, firm: Firm) -> None:
    projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.member2_person, code="ZED-1", name="Alpha"
    )
    admin = sign_in(firm.admin_user)
    html = _html(admin.get(reverse("web:projects")))
    assert html.index("GLX-1") < html.index("ZED-1") and "Money burn" in html
    html = _html(admin.get(reverse("web:projects"), {"sort": "name"}))
    assert html.index("ZED-1") < html.index("GLX-1")  # Alpha before Globex portal
    assert "ZED-1" not in _html(admin.get(reverse("web:projects"), {"q": "portal"}))
    assert "GLX-1" not in _html(admin.get(reverse("web:projects"), {"manager": firm.member2_person.pk}))
    assert "GLX-1" not in _html(admin.get(reverse("web:projects"), {"status": "closed"}))
    assert "No projects match" in _html(admin.get(reverse("web:projects"), {"mine": "on"}))
    # Tom sees his project, without money; bad filter values are ignored, not a 500
    tom = sign_in(firm.member_user)
    html = _html(tom.get(reverse("web:projects"), {"client": "x", "sort": "evil", "page": "99"}))
    assert "GLX-1" in html and "ZED-1" not in html and "Money burn" not in html


def test_templates_and_archived_have_their_own_lists(sign_in: SignIn, firm: Firm) -> None:
    projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL-1",
        name="A template",
        is_template=True,
    )
    maya = sign_in(firm.manager_user)
    assert "TPL-1" not in _html(maya.get(reverse("web:projects")))
    html = _html(maya.get(reverse("web:projects"), {"kind": "templates"}))
    assert "TPL-1" in html and "Use template" in html and "GLX-1" not in html
    html = _html(maya.get(reverse("web:projects"), {"kind": "templates", "client": "not-a-client"}))
    assert "TPL-1" in html and "GLX-1" not in html  # a bad filter value drops that filter, not the others
    projects.project_update(viewer=firm.manager, project=firm.project, status="closed")
    projects.project_archive(viewer=firm.manager, project=firm.project)
    assert "GLX-1" not in _html(maya.get(reverse("web:projects")))
    assert "GLX-1" in _html(maya.get(reverse("web:projects"), {"kind": "archived"}))
    assert "GLX-1" not in _html(maya.get(reverse("web:home")))


def test_the_list_does_not_grow_its_queries_with_rows(
    sign_in: SignIn, firm: Firm, django_assert_max_num_queries: Any
) -> None:
    finance = sign_in(firm.finance_user)
    finance.get(reverse("web:projects"))
    for n in range(15):
        projects.project_create(
            viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code=f"P{n}", name="x"
        )
    with django_assert_max_num_queries(25):
        assert "P14" in _html(finance.get(reverse("web:projects")))


# --- New project -------------------------------------------------------------------------------------------


def test_new_project_is_for_managers_and_admins(sign_in: SignIn, firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:project_new")).status_code == 403
    assert sign_in(firm.finance_user).post(reverse("web:project_new_blank"), _details(firm)).status_code == 403
    html = _html(sign_in(firm.manager_user).get(reverse("web:project_new")))
    assert "Blank project" in html and "From a template" in html and "Import a file" in html
    copy = sign_in(firm.manager_user).get(reverse("web:project_new"), {"copy": firm.project.pk})
    assert copy["Location"] == reverse("web:project_new_from", args=[firm.project.pk])
    assert sign_in(firm.manager_user).get(reverse("web:project_new"), {"copy": str(2**70)}).status_code == 200


def test_a_blank_project_with_members_and_rates(sign_in: SignIn, firm: Firm) -> None:
    response = sign_in(firm.manager_user).post(reverse("web:project_new_blank"), _details(firm))
    project = Project.objects.get(code="NEW-1")
    assert response["Location"] == reverse("web:project", args=[project.pk])
    assert (project.budget_minutes, project.budget_amount_minor, project.name) == (
        7230,
        1_500_050,
        "New <b>project</b>",
    )
    assert set(project.memberships.values_list("person__name", flat=True)) == {"Maya", "Tom"}
    rates = {
        (r.role_id, r.person_id, str(r.hourly_rate))
        for r in BillRate.objects.filter(rate_card__contract__covered__project=project)
    }
    assert rates == {(firm.consultant.pk, None, "95.0000"), (None, firm.member_person.pk, "80.2500")}
    page = _html(sign_in(firm.manager_user).get(reverse("web:project", args=[project.pk])))
    assert "New &lt;b&gt;project&lt;/b&gt;" in page and "Project NEW-1 is created." in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rates-1-who": "role:CONSULTANT", "rates-1-hourly_rate": "100"}, "Consultant has two rates from 2026-01-01"),
        ({"company": "EUR"}, "works for Acme US, not for the project&#x27;s company"),
        ({"code": "GLX-1"}, "exists already"),
        ({"end_date": "2026-01-01"}, "before the start"),
        ({"budget_amount": "10.005"}, "USD amounts have 2 decimals at most"),
        ({"rates-0-hourly_rate": "-1"}, "greater than or equal to 0"),
        ({"members": ["EVA"]}, "costed in EUR"),
    ],
)
def test_bad_input_on_the_new_project_form_changes_nothing(
    sign_in: SignIn, firm: Firm, overrides: dict[str, object], message: str
) -> None:
    eva = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eva", email="e@x.test"
    )
    swaps = {"role:CONSULTANT": f"role:{firm.consultant.pk}", "EUR": firm.eur.pk, "EVA": eva.pk}
    data = _details(firm, **overrides)
    data = {k: swaps.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    if data["members"] == ["EVA"]:
        data["members"] = [eva.pk]
    before = table_counts()
    response = sign_in(firm.admin_user).post(reverse("web:project_new_blank"), data)
    assert response.status_code == 422
    assert message in _html(response)
    assert table_counts() == before


def _template(firm: Firm) -> Project:
    template = projects.project_create(
        viewer=firm.manager,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL-1",
        name="Website template",
        start_date=date(2026, 3, 2),
        is_template=True,
    )
    first = projects.task_create(viewer=firm.manager, project=template, name="Discovery")
    second = projects.task_create(viewer=firm.manager, project=template, name="Delivery")
    projects.dependency_create(viewer=firm.manager, predecessor=first, successor=second, kind="FS", lag_minutes=480)
    return template


def test_from_a_template_the_form_is_filled_and_a_holiday_start_is_refused(sign_in: SignIn, firm: Firm) -> None:
    template = _template(firm)
    maya = sign_in(firm.manager_user)
    url = reverse("web:project_new_from", args=[template.pk])
    html = _html(maya.get(url))
    assert "From the template Website template" in html
    assert "If the start is not a working day" in html
    data = _details(firm, start_date="2026-03-07")  # a Saturday
    before = table_counts()
    refused = maya.post(url, data)
    assert refused.status_code == 422 and "2026-03-07 is not a working day" in _html(refused)
    assert table_counts() == before
    made = maya.post(url, {**data, "move_to_working_day": "on"})
    project = Project.objects.get(code="NEW-1")
    assert made["Location"] == reverse("web:project", args=[project.pk])
    assert project.start_date == date(2026, 3, 9) and not project.is_template
    assert list(Task.objects.filter(project=project).order_by("position").values_list("name", flat=True)) == [
        "Discovery",
        "Delivery",
    ]


def test_a_copy_form_is_filled_from_the_project(sign_in: SignIn, firm: Firm) -> None:
    html = _html(sign_in(firm.manager_user).get(reverse("web:project_new_from", args=[firm.project.pk])))
    assert "A copy of GLX-1" in html and 'value="Globex portal"' in html
    assert f'value="role:{firm.consultant.pk}" selected' in html  # the rate card, to edit
    assert re.search(rf'name="members" value="{firm.member_person.pk}"[^>]*checked', html)  # the team comes along


# --- the project's tabs ------------------------------------------------------------------------------------


def test_the_rates_tab(sign_in: SignIn, firm: Firm) -> None:
    url = reverse("web:project_rates", args=[firm.project.pk])
    assert sign_in(firm.member_user).get(url).status_code == 403
    maya = sign_in(firm.manager_user)
    html = _html(maya.get(url))
    assert "USD" in html and 'data-testid="rate-table"' in html
    rows = {
        "rates-TOTAL_FORMS": "3",
        "rates-INITIAL_FORMS": "2",
        "rates-0-who": f"role:{firm.consultant.pk}",
        "rates-0-valid_from": "2020-01-01",
        "rates-0-hourly_rate": "100",
        "rates-1-who": f"role:{firm.senior.pk}",
        "rates-1-valid_from": "2020-01-01",
        "rates-1-hourly_rate": "150",
        "rates-1-DELETE": "on",
        "rates-2-who": f"role:{firm.consultant.pk}",
        "rates-2-valid_from": "2020-01-01",
        "rates-2-hourly_rate": "120",
    }
    before = table_counts()
    refused = maya.post(url, rows)
    assert refused.status_code == 422 and "Consultant has two rates from 2020-01-01" in _html(refused)
    assert table_counts() == before
    assert maya.post(url, {**rows, "rates-2-valid_from": "2027-01-01"}).status_code == 302
    assert sorted(
        (r.role.name, str(r.valid_from))
        for r in BillRate.objects.filter(rate_card__contract__covered__project=firm.project)
    ) == [
        ("Consultant", "2020-01-01"),
        ("Consultant", "2027-01-01"),
    ]


def test_the_team_tab(sign_in: SignIn, firm: Firm) -> None:
    url = reverse("web:project_team", args=[firm.project.pk])
    tom = sign_in(firm.member_user)
    html = _html(tom.get(url))
    assert "Maya" in html and "Tom" in html and "Add a member" not in html
    assert tom.post(url, {"person": firm.admin.person_id}).status_code == 403
    maya = sign_in(firm.manager_user)
    assert maya.post(url, {"person": firm.admin.person_id}).status_code == 302
    eva = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eva", email="e@x.test"
    )
    refused = maya.post(url, {"person": eva.pk})
    assert refused.status_code == 422 and "costed in EUR" in _html(refused)
    remove = reverse("web:project_member_remove", args=[firm.project.pk, firm.member_person.pk])
    assert maya.post(remove).status_code == 302
    assert not firm.project.memberships.filter(person=firm.member_person).exists()


def test_the_settings_tab_edits_closes_archives_and_saves_a_template(sign_in: SignIn, firm: Firm) -> None:
    url = reverse("web:project_settings", args=[firm.project.pk])
    assert sign_in(firm.member_user).get(url).status_code == 403
    maya = sign_in(firm.manager_user)
    edit = {"code": "GLX-1", "name": "Globex portal", "manager": firm.manager_person.pk, "status": "active"}
    refused = maya.post(url, {**edit, "start_date": "2026-05-01", "end_date": "2026-04-01"})
    assert refused.status_code == 422 and "before the start" in _html(refused)
    assert maya.post(url, {**edit, "status": "closed", "budget_hours": "10"}).status_code == 302
    firm.project.refresh_from_db()
    assert (firm.project.status, firm.project.budget_minutes) == ("closed", 600)
    assert maya.post(reverse("web:project_archive", args=[firm.project.pk])).status_code == 302
    firm.project.refresh_from_db()
    assert firm.project.archived_at is not None
    html = _html(maya.get(url))
    assert "archived" in html and "Unarchive" in html and 'data-testid="project-edit"' not in html
    maya.post(reverse("web:project_archive", args=[firm.project.pk]), {"unarchive": "1"})
    saved = maya.post(
        reverse("web:project_save_as_template", args=[firm.project.pk]), {"code": "TPL-GLX", "name": "Portal"}
    )
    template = Project.objects.get(code="TPL-GLX")
    assert saved["Location"] == reverse("web:project", args=[template.pk]) and template.is_template
    again = maya.post(reverse("web:project_save_as_template", args=[firm.project.pk]), {"code": "TPL-GLX", "name": "x"})
    assert again.status_code == 422 and "exists already" in _html(again)


def test_the_menus(sign_in: SignIn, firm: Firm) -> None:
    tom = _html(sign_in(firm.member_user).get(reverse("web:home")))
    for entry in ("nav-projects", "nav-week", "nav-timer", "nav-expenses", "nav-board"):
        assert f'data-testid="{entry}"' in tom
    for entry in ("nav-new-project", "nav-invoices", "nav-approvals", "nav-templates"):
        assert f'data-testid="{entry}"' not in tom
    maya = _html(sign_in(firm.manager_user).get(reverse("web:home")))
    assert 'data-testid="nav-new-project"' in maya and 'data-testid="nav-approvals"' in maya
    finn = _html(sign_in(firm.finance_user).get(reverse("web:home")))
    assert 'data-testid="nav-invoices"' in finn and 'data-testid="nav-periods"' in finn


def test_a_template_page_says_what_it_is_and_offers_no_invoice(sign_in: SignIn, firm: Firm) -> None:
    template = _template(firm)
    html = _html(sign_in(firm.finance_user).get(reverse("web:project", args=[template.pk])))
    assert 'data-testid="project-kind-note"' in html and "This is a template" in html
    assert "Invoice this project" not in html and "Log time" not in html
    assert "Invoice this project" in _html(
        sign_in(firm.finance_user).get(reverse("web:project", args=[firm.project.pk]))
    )


def test_new_project_in_an_empty_firm_says_what_is_missing_and_links_it(
    sign_in: Callable[[User], Client], db: None
) -> None:
    """No dead end: a firm with a company but no client nor person is told to add them, with the screens."""
    accounts.organisation_found(
        name="Fresh", slug="fresh", username="founder", email="f@fresh.test", password="Correct-horse-9"
    )
    founder = User.objects.get(username="founder")
    admin = viewer_for(founder)
    accounts.company_create(viewer=admin, name="Fresh GmbH", base_currency="EUR")
    client = sign_in(founder)
    for url in (reverse("web:project_new"), reverse("web:project_new_blank")):
        html = _html(client.get(url))
        assert "add a client and a person to manage it" in html, url
        assert reverse("web:settings_client_new") in html and reverse("web:settings_person_new") in html
        assert reverse("web:settings_company_new") not in html
    assert "No projects yet" in _html(client.get(reverse("web:project_new")))  # nothing to copy
    # A project manager may add clients, not people: they are told who does.
    pm = User.objects.create_user(username="pm")
    Membership.objects.create(organisation_id=admin.organisation_id, user=pm, role="manager")
    html = _html(sign_in(pm).get(reverse("web:project_new")))
    assert reverse("web:settings_client_new") in html and reverse("web:settings_person_new") not in html
    assert "An administrator adds a person to manage it." in html


def test_new_project_says_nothing_is_missing_in_a_set_up_firm(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert 'data-testid="project-missing"' not in _html(sign_in(firm.manager_user).get(reverse("web:project_new")))
