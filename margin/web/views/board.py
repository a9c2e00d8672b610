"""The Kanban board: one project's (its own columns, WIP limits, column settings) and across my projects.

Cards are dragged with SortableJS (static/web/board.js); a drop POSTs to `board_move`, which calls one action
and answers the changed columns (their headers and every swimlane's cell) as htmx out-of-band swaps, with a
warning when the drop put a column over its WIP limit."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Invalid, NotFound
from margin.projects.actions import board_column_update, board_columns_ensure, task_board_move
from margin.projects.models import BoardColumn, Project, ProjectMember
from margin.projects.queries import can_manage, members_of, project_get, projects_visible, task_get
from margin.reporting.board import LANES, Board, board_of
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page


def _lanes(value: str | None) -> str:
    return value if value in LANES else "none"


def my_projects(viewer: Viewer) -> list[Project]:
    """The projects the viewer works on (manages or is a member of), by code."""
    if viewer.person_id is None:
        return []
    membership = ProjectMember.objects.filter(project=OuterRef("pk"), person_id=viewer.person_id)
    return list(
        projects_visible(viewer).filter(Q(manager_id=viewer.person_id) | Exists(membership)).order_by("code", "id")
    )


def _project_board(viewer: Viewer, project: Project, lanes_by: str) -> Board:
    columns = board_columns_ensure(viewer=viewer, project=project)
    members = list(members_of(project)) if lanes_by == "assignee" else None
    return board_of([project], columns=columns, lanes_by=lanes_by, members=members)


def _scope_board(viewer: Viewer, scope: str, lanes_by: str) -> tuple[Board, dict[str, Any]]:
    """The board a page shows: scope "p<id>" is a project's board, "mine" or "mine:<id>" the board across my
    projects (optionally filtered to one)."""
    if scope.startswith("p") and scope[1:].isdigit():
        project = project_get(viewer, int(scope[1:]))
        board = _project_board(viewer, project, lanes_by)
        return board, {"project": project, "can_manage": can_manage(viewer, project), "multi": False}
    mine = my_projects(viewer)
    chosen = scope.removeprefix("mine:") if scope.startswith("mine:") else ""
    if chosen:
        picked = [p for p in mine if str(p.pk) == chosen]
        if not picked:
            raise NotFound("No such project.")
        board = _project_board(viewer, picked[0], lanes_by)
        return board, {"filter_project": picked[0], "my_projects": mine, "multi": False}
    members = None
    if lanes_by == "assignee":
        members = list(Person.objects.filter(project_memberships__project__in=mine).distinct().order_by("name", "id"))
    board = board_of(mine, lanes_by=lanes_by, members=members)
    return board, {"my_projects": mine, "multi": True}


def _context(viewer: Viewer, scope: str, lanes_by: str) -> dict[str, Any]:
    board, extra = _scope_board(viewer, scope, lanes_by)
    return {"board": board, "lanes_by": lanes_by, "scope": scope, "lane_choices": LANES, **extra}


@require_GET
@viewer_view
def project_board(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    lanes_by = _lanes(request.GET.get("lanes"))
    context = _context(viewer, f"p{project_id}", lanes_by)
    context["tab"] = "board"
    return page(request, viewer, "web/board/board.html", context, active="projects")


@require_GET
@viewer_view
def my_board(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    lanes_by = _lanes(request.GET.get("lanes"))
    chosen = request.GET.get("project", "")
    scope = f"mine:{chosen}" if chosen.isdigit() else "mine"
    return page(request, viewer, "web/board/board.html", _context(viewer, scope, lanes_by), active="board")


def _assignee(viewer: Viewer, raw: str) -> Person | None:
    if raw == "":
        return None
    if not raw.isdigit():
        raise Invalid("Choose a person.", field="assignee_id")
    person = Person.objects.filter(pk=int(raw), organisation_id=viewer.organisation_id).first()
    if person is None:
        raise Invalid("No such person.", field="assignee_id")
    return person


@require_POST
@viewer_view
def board_move(request: HtmxRequest, viewer: Viewer, task_id: int) -> HttpResponse:
    """A dropped card: move it, answer the changed columns (and a WIP warning) as out-of-band swaps."""
    task = task_get(viewer, task_id)
    lanes_by = _lanes(request.POST.get("lanes"))
    scope = request.POST.get("scope", f"p{task.project_id}")
    raw_position = request.POST.get("position", "")
    try:
        if not raw_position.isdigit():
            raise Invalid("The position must be a whole number, 0 or more.", field="position")
        changes: dict[str, Any] = {}
        if "assignee" in request.POST:
            changes["assignee"] = _assignee(viewer, request.POST["assignee"])
        moved = task_board_move(
            viewer=viewer,
            task=task,
            status=request.POST.get("status", ""),
            position=min(int(raw_position), 1_000_000),
            **changes,
        )
    except NotFound:
        raise
    except DomainError as error:
        # The browser already moved the card: answer the whole board as it really is, and the reason.
        context = _context(viewer, scope, lanes_by)
        context.update(message=error.message, level="danger", statuses=None)
        return render(request, "web/board/moved.html", context, status=error.status)
    context = _context(viewer, scope, lanes_by)
    context.update(message=moved.warning, level="warning", statuses=moved.statuses)
    return render(request, "web/board/moved.html", context)


@require_POST
@viewer_view
def board_column_edit(request: HtmxRequest, viewer: Viewer, column_id: int) -> HttpResponse:
    """The manager's column settings: name, WIP limit (empty: none) and place on the board."""
    column = BoardColumn.objects.filter(pk=column_id).select_related("project").first()
    if column is None:
        raise NotFound("No such column.")
    project = project_get(viewer, column.project_id)  # 404 for a column of a project the viewer cannot see
    raw_limit = request.POST.get("wip_limit", "").strip()
    raw_position = request.POST.get("position", "").strip()
    try:
        if raw_limit and not raw_limit.isdigit():
            raise Invalid("The WIP limit must be a whole number, or empty for none.", field="wip_limit")
        if raw_position and not raw_position.isdigit():
            raise Invalid("The position must be a whole number.", field="position")
        board_column_update(
            viewer=viewer,
            column=column,
            name=request.POST.get("name", column.name),
            wip_limit=int(raw_limit) if raw_limit else None,
            position=int(raw_position) - 1 if raw_position else None,
        )
    except NotFound:
        raise
    except DomainError as error:
        if error.status == 403:
            raise
        context = _context(viewer, f"p{project.pk}", "none")
        context.update(tab="board", column_error=error.message, column_error_id=column.pk)
        return page(request, viewer, "web/board/board.html", context, active="projects", status=error.status)
    return redirect(reverse("web:project_board", args=[project.pk]))
