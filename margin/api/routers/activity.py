"""The activity feed and following (/projects/{id}/activity, /tasks/{id}/activity, /activity,
/projects/{id}/follow, /me/follows).

A project's feed is for whoever may see the project (another organisation's or a hidden project answers 404);
"my activity" covers the projects the caller follows or works on. Pages go back with `before` (the
`next_cursor` of the previous page). Sentences carry no money; invoices appear only to those who see it."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.collaboration.activity import MAX_PAGE, PAGE, Page, my_activity, project_activity, task_activity
from margin.notifications.actions import project_follow, project_unfollow
from margin.notifications.queries import follows_of, is_following
from margin.projects.queries import project_get, projects_visible, task_get

router = Router(tags=["activity"])


class ActivityFilter(Schema):
    before: str = Field("", max_length=80, description="The next_cursor of the page before (leave out: newest)")
    limit: int = Field(PAGE, ge=1, le=MAX_PAGE)


class PartOut(Schema):
    text: str
    name: bool = Field(description="A name (a task, a person, a risk): data, to be shown as text")


class ActivityItemOut(Schema):
    id: int = Field(description="The last audit row the item stands for")
    at: datetime
    actor: str
    text: str = Field(description="The sentence, names between asterisks")
    parts: list[PartOut] = Field(description="The sentence after the actor's name, in parts")
    action: str
    object_type: str
    object_id: int
    project_id: int | None
    project_name: str | None
    rows: int = Field(description="How many audit rows the sentence stands for")


class ActivityOut(Schema):
    items: list[ActivityItemOut]
    next_cursor: str = Field(description="Pass as `before` for older items; empty: no more")


class FollowOut(Schema):
    project_id: int
    following: bool


class FollowedOut(Schema):
    project_id: int
    code: str
    name: str
    since: datetime


def _page_out(page: Page) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": i.id,
                "at": i.at,
                "actor": i.actor,
                "text": i.text,
                "parts": [{"text": p.text, "name": p.name} for p in i.parts],
                "action": i.action,
                "object_type": i.object_type,
                "object_id": i.object_id,
                "project_id": i.project_id,
                "project_name": page.projects.get(i.project_id) if i.project_id is not None else None,
                "rows": i.rows,
            }
            for i in page.items
        ],
        "next_cursor": page.next_cursor,
    }


@router.get("/projects/{project_id}/activity", response=responses(ActivityOut), summary="A project's activity feed")
def project_activity_list(request: HttpRequest, project_id: Id, filters: Query[ActivityFilter]) -> dict[str, Any]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    return _page_out(project_activity(viewer, project, before=filters.before, limit=filters.limit))


@router.get("/tasks/{task_id}/activity", response=responses(ActivityOut), summary="A task's history as sentences")
def task_activity_list(request: HttpRequest, task_id: Id, filters: Query[ActivityFilter]) -> dict[str, Any]:
    """The task itself, its links and assignments, and its comments and files, newest first (the task page's
    History)."""
    viewer = viewer_of(request)
    task = task_get(viewer, task_id)
    return _page_out(task_activity(viewer, task, before=filters.before, limit=filters.limit))


@router.get("/activity", response=responses(ActivityOut), summary="Activity on the projects you follow or work on")
def my_activity_list(request: HttpRequest, filters: Query[ActivityFilter]) -> dict[str, Any]:
    viewer = viewer_of(request)
    return _page_out(my_activity(viewer, before=filters.before, limit=filters.limit))


@router.post("/projects/{project_id}/follow", response=responses(FollowOut), summary="Follow a project")
def project_follow_add(request: HttpRequest, project_id: Id) -> FollowOut:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    project_follow(viewer=viewer, project_id=project.pk)
    return FollowOut(project_id=project.pk, following=True)


@router.delete("/projects/{project_id}/follow", response=responses(None, 204), summary="Stop following a project")
def project_follow_remove(request: HttpRequest, project_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    project_unfollow(viewer=viewer, project_id=project.pk)
    return Status(204, None)


@router.get("/projects/{project_id}/follow", response=responses(FollowOut), summary="Whether you follow a project")
def project_follow_state(request: HttpRequest, project_id: Id) -> FollowOut:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    return FollowOut(project_id=project.pk, following=is_following(viewer, project.pk))


@router.get("/me/follows", response=responses(list[FollowedOut]), summary="The projects you follow")
def my_follows(request: HttpRequest) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    follows = list(follows_of(viewer).filter(object_type="projects.project"))
    projects = {p.pk: p for p in projects_visible(viewer).filter(id__in=[f.object_id for f in follows])}
    return [
        {
            "project_id": f.object_id,
            "code": projects[f.object_id].code,
            "name": projects[f.object_id].name,
            "since": f.created_at,
        }
        for f in follows
        if f.object_id in projects
    ]
