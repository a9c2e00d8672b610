"""The board API: columns with cards, moving a card, column settings; errors in the API's shape."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.api.tests.conftest import Api, error_of, last_monday, unchanged
from margin.core.models import AuditEntry
from margin.projects.actions import board_column_update, board_columns_ensure, task_create
from margin.projects.models import BoardColumn, Task
from margin.timesheets.actions import time_entry_create
from tests.firm import Firm


def test_board_lists_columns_with_cards(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday(), minutes=45)
    response = api_as(firm.member_user).get(f"/projects/{firm.project.pk}/board")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["status"] for c in body["columns"]] == ["todo", "in_progress", "review", "done"]
    todo = body["columns"][0]
    assert todo["name"] == "To do" and todo["count"] == 2 and todo["wip_limit"] is None
    cards = {c["name"]: c for c in todo["cards"]}
    assert cards["Build"]["logged_minutes"] == 45 and cards["Build"]["estimate_minutes"] == 120 * 60
    assert [c["position"] for c in todo["cards"]] == [0, 1]
    error_of(api_as(firm.admin_user).get(f"/projects/{firm.other_project.pk}/board"), 404)
    error_of(api_as(None).get(f"/projects/{firm.project.pk}/board"), 401)


def test_board_read_query_count_does_not_grow(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    api = api_as(firm.manager_user)
    api.get(f"/projects/{firm.project.pk}/board")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/projects/{firm.project.pk}/board").status_code == 200
        return len(queries)

    before = count()
    for i in range(12):
        task = task_create(viewer=firm.manager, project=firm.project, name=f"T{i}", estimate_minutes=60)
        time_entry_create(viewer=firm.member, project=firm.project, task=task, work_date=last_monday(), minutes=15)
    assert count() == before


def test_move_a_card(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    columns = {c.status: c for c in board_columns_ensure(viewer=firm.manager, project=firm.project)}
    board_column_update(viewer=firm.manager, column=columns["done"], wip_limit=1)
    api = api_as(firm.member_user)
    response = api.post(f"/tasks/{firm.design.pk}/move", {"status": "done", "position": 0})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "task_id": firm.design.pk,
        "status": "done",
        "position": 0,
        "assignee_id": None,
        "percent_complete": 100,
        "warning": "",
    }
    response = api.post(
        f"/tasks/{firm.build.pk}/move", {"status": "done", "position": 0, "assignee_id": firm.member2_person.pk}
    )
    body = response.json()
    assert body["position"] == 0 and body["assignee_id"] == firm.member2_person.pk
    assert "over its WIP limit" in body["warning"]
    assert Task.objects.get(pk=firm.design.pk).board_position == 1
    assert AuditEntry.objects.filter(action="task.board_move").count() == 2


def test_refused_moves_change_nothing(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    api = api_as(firm.member_user)
    url = f"/tasks/{firm.design.pk}/move"
    other_task = task_create(viewer=firm.other_admin, project=firm.other_project, name="Secret")
    with unchanged(firm.design, other_task):
        error_of(api.post(url, {"status": "archived", "position": 0}), 422)
        error_of(api.post(url, {"status": "done", "position": -1}), 422)
        error_of(api.post(url, {"status": "done"}), 422)
        error_of(api.post(url, {"status": "done", "position": 0, "assignee_id": 10**6}), 422)
        body = error_of(
            api.post(url, {"status": "done", "position": 0, "assignee_id": firm.other_project.manager_id}), 422
        )
        assert body["field"] == "assignee_id"
        error_of(api.post(f"/tasks/{other_task.pk}/move", {"status": "done", "position": 0}), 404)
        error_of(api_as(firm.finance_user).post(url, {"status": "done", "position": 0}), 403)


def test_column_settings(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    columns = board_columns_ensure(viewer=firm.manager, project=firm.project)
    review = columns[2]
    api = api_as(firm.manager_user)
    response = api.patch(f"/board-columns/{review.pk}", {"name": "QA", "wip_limit": 2, "position": 0})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": review.pk,
        "project_id": firm.project.pk,
        "name": "QA",
        "status": "review",
        "position": 0,
        "wip_limit": 2,
    }
    assert api.patch(f"/board-columns/{review.pk}", {"name": "QA"}).json()["wip_limit"] == 2  # left out: kept
    assert api.patch(f"/board-columns/{review.pk}", {"wip_limit": None}).json()["wip_limit"] is None
    with unchanged(review):
        error_of(api.patch(f"/board-columns/{review.pk}", {"wip_limit": 0}), 422)
        error_of(api.patch(f"/board-columns/{review.pk}", {"name": ""}), 422)
        error_of(api_as(firm.member_user).patch(f"/board-columns/{review.pk}", {"name": "X"}), 403)
    other = board_columns_ensure(viewer=firm.other_admin, project=firm.other_project)[0]
    with unchanged(other):
        error_of(api.patch(f"/board-columns/{other.pk}", {"name": "Mine"}), 404)
        error_of(api.patch("/board-columns/999999", {"name": "Mine"}), 404)
    assert BoardColumn.objects.get(pk=other.pk).name == "To do"
