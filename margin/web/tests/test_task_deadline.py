"""The Deadline column of the Tasks tab (edited in place like Start), its flag, and the task page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.projects.actions import dependency_create, project_reschedule, task_create, task_update
from margin.projects.models import Task
from margin.projects.planning import finish_day
from tests.checks import audit_rows, stored, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}
FLAG = 'data-testid="deadline-missed"'


def _plan(firm: Firm) -> None:
    """Design → Build, scheduled (from the project's creation day)."""
    dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    project_reschedule(viewer=firm.manager, project=firm.project)


def _cell(client: Client, task: Task, value: str) -> object:
    return client.post(reverse("web:task_cell", args=[task.pk]), {"field": "deadline", "value": value}, **HTMX)


def _build_finish(firm: Firm) -> date:
    day = finish_day(Task.objects.get(pk=firm.build.pk).finish)
    assert day is not None
    return day


def test_set_a_deadline_in_the_table_flags_a_late_finish_and_moves_nothing(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    _plan(firm)
    client = sign_in(firm.manager_user)
    finish = _build_finish(firm)
    schedule = Task.objects.filter(project=firm.project).values_list("id", "start", "finish").order_by("id")
    before = list(schedule)
    early = date.fromordinal(finish.toordinal() - 1)
    response = _cell(client, firm.build, early.isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    assert "finishes after its deadline" in html and FLAG in html
    assert f'title="Finishes after its deadline ({early.isoformat()})"' in html
    assert f'id="c-{firm.build.pk}-deadline"' in html and f'value="{early.isoformat()}"' in html
    assert Task.objects.get(pk=firm.build.pk).deadline == early
    assert list(schedule) == before  # a deadline never moves the plan
    (row,) = audit_rows("task.update", firm.build)
    assert (row.before["deadline"], row.after["deadline"]) == (None, early.isoformat())
    # The finish day itself is in time: no flag; the whole table shows the column.
    assert FLAG not in _cell(client, firm.build, finish.isoformat()).content.decode()
    page = client.get(reverse("web:project_tasks", args=[firm.project.pk])).content.decode()
    assert ">Deadline</th>" in page and f'value="{finish.isoformat()}"' in page and FLAG not in page
    # An empty cell clears it.
    assert _cell(client, firm.build, "").status_code == 200
    assert Task.objects.get(pk=firm.build.pk).deadline is None


def test_summary_tasks_take_a_deadline_too(sign_in: Callable[[User], Client], firm: Firm) -> None:
    task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    project_reschedule(viewer=firm.manager, project=firm.project)
    assert _cell(sign_in(firm.manager_user), firm.design, "2031-01-31").status_code == 200
    assert Task.objects.get(pk=firm.design.pk).deadline == date(2031, 1, 31)


@pytest.mark.parametrize(
    ("value", "message"),
    [("31/31/2031", "not a date"), ("soon", "not a date"), ("1999-12-31", "before 2000-01-01")],
)
def test_bad_deadlines_are_a_cell_error_and_change_nothing(
    sign_in: Callable[[User], Client], firm: Firm, value: str, message: str
) -> None:
    _plan(firm)
    counts, rows = table_counts(), stored(firm.design, firm.build)
    response = _cell(sign_in(firm.manager_user), firm.build, value)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and 'data-testid="cell-error"' in html
    assert f'id="c-{firm.build.pk}-deadline"' in html and "is-invalid" in html and f'value="{value}"' in html
    assert table_counts() == counts and stored(firm.design, firm.build) == rows


def test_members_see_the_deadline_but_cannot_change_it(sign_in: Callable[[User], Client], firm: Firm) -> None:
    _plan(firm)
    late = date.fromordinal(_build_finish(firm).toordinal() - 3)
    task_update(viewer=firm.manager, task=firm.build, deadline=late)
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:project_tasks", args=[firm.project.pk])).content.decode()
    assert f'id="c-{firm.build.pk}-deadline"' not in html and late.isoformat() in html and FLAG in html
    counts, rows = table_counts(), stored(firm.build)
    assert _cell(client, firm.build, "2031-01-01").status_code == 403
    assert table_counts() == counts and stored(firm.build) == rows


def test_the_task_page_shows_the_deadline_and_the_flag(sign_in: Callable[[User], Client], firm: Firm) -> None:
    _plan(firm)
    late = date.fromordinal(_build_finish(firm).toordinal() - 1)
    task_update(viewer=firm.manager, task=firm.build, deadline=late)
    html = sign_in(firm.member_user).get(reverse("web:task", args=[firm.build.pk])).content.decode()
    assert 'data-testid="task-deadline"' in html and "missed</span>" in html
    assert f"Finishes after its deadline ({late.isoformat()})" in html
    assert "deadline" in html  # the history names the change
    design = sign_in(firm.member_user).get(reverse("web:task", args=[firm.design.pk])).content.decode()
    assert "missed</span>" not in design
