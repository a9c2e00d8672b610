"""The Kanban board screens: per project and across my projects, card moves through htmx, column settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from margin.core.models import AuditEntry
from margin.core.periods import week_start
from margin.projects.actions import board_column_update, board_columns_ensure, task_create, task_update
from margin.projects.models import BoardColumn, Task
from margin.timesheets.actions import time_entries_reject, time_entries_submit, time_entry_create
from tests.checks import assigned, stored, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_project_board_creates_columns_and_shows_cards(sign_in: Callable[[User], Client], firm: Firm) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.design, work_date=monday, minutes=90)
    rejected = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.design, work_date=monday, minutes=600
    )
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_reject(viewer=firm.manager, entry_ids=[rejected.pk], reason="wrong task")
    task_update(viewer=firm.manager, task=firm.build, planned_finish=date(2020, 1, 31))
    response = sign_in(firm.member_user).get(reverse("web:project_board", args=[firm.project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert BoardColumn.objects.filter(project=firm.project).count() == 4
    for name in ("To do", "In progress", "In review", "Done", "Design", "Build"):
        assert name in html
    assert "1:30 / 40:00" in html  # the rejected 10 hours are not logged
    assert "text-red fw-semibold" in html and "Jan 31" in html  # Build is overdue
    assert "vendor/sortablejs/Sortable.min.js" in html and "web/board.js" in html
    assert reverse("web:project_board", args=[firm.project.pk]) in html  # the Board tab
    assert "Column settings" not in html  # a member does not configure the board
    # A deadline is what the card shows as due (here: not yet overdue).
    task_update(viewer=firm.manager, task=firm.build, deadline=date(2099, 3, 15))
    html = sign_in(firm.member_user).get(reverse("web:project_board", args=[firm.project.pk])).content.decode()
    assert "Mar 15" in html and "Jan 31" not in html


def test_board_swimlanes_and_only_leaf_cards(sign_in: Callable[[User], Client], firm: Firm) -> None:
    sub = task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    client = sign_in(firm.manager_user)
    url = reverse("web:project_board", args=[firm.project.pk])
    html = client.get(url, {"lanes": "phase"}).content.decode()
    assert f'data-testid="card-{sub.pk}"' in html and f'data-testid="card-{firm.design.pk}"' not in html
    assert f'id="board-cell-t{firm.design.pk}-todo"' in html and 'id="board-cell-nophase-todo"' in html
    html = client.get(url, {"lanes": "assignee"}).content.decode()
    assert f'id="board-cell-p{firm.member_person.pk}-todo"' in html and 'id="board-cell-unassigned-todo"' in html
    assert "Column settings" in html


def test_move_answers_changed_columns_out_of_band(sign_in: Callable[[User], Client], firm: Firm) -> None:
    columns = {c.status: c for c in board_columns_ensure(viewer=firm.manager, project=firm.project)}
    board_column_update(viewer=firm.manager, column=columns["in_progress"], wip_limit=1)
    client = sign_in(firm.member_user)
    url = reverse("web:board_move", args=[firm.design.pk])
    scope = f"p{firm.project.pk}"
    response = client.post(url, {"status": "in_progress", "position": "0", "scope": scope, "lanes": "none"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="board-head-in_progress"' in html and 'id="board-head-todo"' in html
    assert 'id="board-head-done"' not in html  # an unchanged column is not sent
    assert html.count('hx-swap-oob="true"') == 5  # message, two headers, two cells
    assert "over its WIP limit" not in html and "board-at-limit" in html
    response = client.post(
        reverse("web:board_move", args=[firm.build.pk]),
        {
            "status": "in_progress",
            "position": "9",
            "scope": scope,
            "lanes": "assignee",
            "assignee": str(firm.member_person.pk),
        },
        **HTMX,
    )
    html = response.content.decode()
    assert "over its WIP limit of 1" in html and "board-over" in html
    build = Task.objects.get(pk=firm.build.pk)
    assert build.status == "in_progress" and build.board_position == 1
    assert assigned(build) == [firm.member_person.name]


def test_refused_moves_change_nothing(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    url = reverse("web:board_move", args=[firm.design.pk])
    counts, rows = table_counts(), stored(firm.design)
    response = client.post(url, {"status": "nope", "position": "0", "scope": f"p{firm.project.pk}"}, **HTMX)
    assert response.status_code == 422 and "Unknown status" in response.content.decode()
    assert 'id="board-grid"' in response.content.decode()  # the whole board, as it really is
    assert client.post(url, {"status": "done", "position": "x"}, **HTMX).status_code == 422
    assert client.post(url, {"status": "done", "position": "0", "assignee": "abc"}, **HTMX).status_code == 422
    other_task = Task.objects.filter(project=firm.other_project).first() or task_create(
        viewer=firm.other_admin, project=firm.other_project, name="Secret"
    )
    counts = table_counts()
    assert (
        client.post(reverse("web:board_move", args=[other_task.pk]), {"status": "done", "position": "0"}).status_code
        == 404
    )
    finance = sign_in(firm.finance_user)
    assert finance.post(url, {"status": "done", "position": "0"}, **HTMX).status_code == 403
    assert table_counts() == counts and stored(firm.design) == rows
    assert not AuditEntry.objects.filter(action="task.board_move").exists()


def test_my_board_across_projects_with_filter(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:board")).content.decode()
    assert "Design" in html and firm.project.code in html
    assert not BoardColumn.objects.exists()  # the across-projects board uses the four statuses
    html = client.get(reverse("web:board"), {"project": firm.project.pk}).content.decode()
    assert BoardColumn.objects.filter(project=firm.project).count() == 4 and "Design" in html
    assert client.get(reverse("web:board"), {"project": firm.other_project.pk}).status_code == 404
    assert sign_in(firm.admin_user).get(reverse("web:project_board", args=[firm.other_project.pk])).status_code == 404


def test_column_settings_form(sign_in: Callable[[User], Client], firm: Firm) -> None:
    columns = board_columns_ensure(viewer=firm.manager, project=firm.project)
    done = columns[3]
    client = sign_in(firm.manager_user)
    url = reverse("web:board_column", args=[done.pk])
    response = client.post(url, {"name": "Shipped", "wip_limit": "5", "position": "1"})
    assert response.status_code == 302
    done.refresh_from_db()
    assert (done.name, done.wip_limit, done.position) == ("Shipped", 5, 0)
    before = stored(done)
    response = client.post(url, {"name": "Shipped", "wip_limit": "lots", "position": "1"})
    assert response.status_code == 422 and "WIP limit" in response.content.decode()
    assert sign_in(firm.member_user).post(url, {"name": "Mine"}).status_code == 403
    assert stored(done) == before


def test_board_read_takes_a_fixed_number_of_queries(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    url = reverse("web:project_board", args=[firm.project.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"lanes": "assignee"}).status_code == 200
        return len(queries)

    small = count()
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    for i in range(15):
        task = task_create(viewer=firm.manager, project=firm.project, name=f"Task {i}", estimate_minutes=60)
        time_entry_create(viewer=firm.member, project=firm.project, task=task, work_date=monday, minutes=30)
    assert count() == small
