"""The plan page: the Gantt shell carries the API's URLs and the viewer's rights; the data comes from the API."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.projects.actions import baseline_save
from tests.firm import Firm


def test_plan_page_for_the_manager(sign_in: Callable[[User], Client], firm: Firm) -> None:
    baseline_save(viewer=firm.manager, project=firm.project)
    response = sign_in(firm.manager_user).get(reverse("web:project_gantt", args=[firm.project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-project="{firm.project.pk}"' in html and 'data-can-manage="true"' in html
    assert "vendor/frappe-gantt/frappe-gantt.umd.js" in html and "web/gantt.js" in html
    assert 'id="plan-link-form"' in html and "Save baseline" in html
    assert '<option value="0">0 · Baseline (' in html  # the saved baseline can be shown, by its name
    # The project page links to the plan.
    project_page = sign_in(firm.manager_user).get(reverse("web:project", args=[firm.project.pk])).content.decode()
    assert reverse("web:project_gantt", args=[firm.project.pk]) in project_page


def test_plan_page_is_read_only_for_a_member(sign_in: Callable[[User], Client], firm: Firm) -> None:
    html = sign_in(firm.member_user).get(reverse("web:project_gantt", args=[firm.project.pk])).content.decode()
    assert 'data-can-manage="false"' in html
    assert 'id="plan-link-form"' not in html and "Save baseline" not in html


def test_plan_page_of_another_organisation_is_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    assert client.get(reverse("web:project_gantt", args=[firm.other_project.pk])).status_code == 404
