"""Comments (/comments): a target's thread (`?target=task:12`, paginated), post, edit and delete within the
window. The target is reached through its own app's access function, so another organisation's or an invisible
object answers 404; an invoice's thread is as visible as the invoice. Who may edit or delete is the actions'
business (:mod:`margin.collaboration.actions`)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import Viewer
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.collaboration.actions import comment_create, comment_delete, comment_edit, may_delete, may_edit
from margin.collaboration.models import MAX_COMMENT_LENGTH, Comment
from margin.collaboration.queries import comment_get, comments_of, display_name, parse_target, target_get

router = Router(tags=["comments"])

TARGET_HELP = "The object: type:id, the type one of project, task, risk, issue, change_request, invoice"


class TargetQuery(Schema):
    target: str = Field(..., max_length=40, description=TARGET_HELP, examples=["task:12"])


class CommentIn(Schema):
    target: str = Field(..., max_length=40, description=TARGET_HELP, examples=["task:12"])
    body: str = Field(
        ..., max_length=MAX_COMMENT_LENGTH, description="Markdown; @username mentions people who may see the object"
    )


class CommentEditIn(Schema):
    body: str = Field(..., max_length=MAX_COMMENT_LENGTH)


class CommentOut(Schema):
    id: int
    target: str
    project_id: int | None
    author_id: int | None
    author_name: str
    body: str = Field(description="The Markdown source (empty once deleted)")
    body_html: str = Field(description="Sanitised HTML rendered from the body; mentions as span.mention")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    mentioned_user_ids: list[int]
    can_edit: bool
    can_delete: bool


def comment_out(viewer: Viewer, comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "target": f"{comment.target_type}:{comment.target_id}",
        "project_id": comment.project_id,
        "author_id": comment.author_id,
        "author_name": display_name(comment.author),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted": comment.deleted_at is not None,
        "mentioned_user_ids": sorted(m.user_id for m in comment.mentions.all()),
        "can_edit": may_edit(viewer, comment),
        "can_delete": may_delete(viewer, comment),
    }


@router.get("", response=responses(list[CommentOut]), summary="The comments on an object, oldest first")
@paginate(Pages)
def comment_list(request: HttpRequest, filters: Query[TargetQuery]) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    target = target_get(viewer, *parse_target(filters.target))
    return [comment_out(viewer, c) for c in comments_of(target)]


@router.post("", response=responses(CommentOut, 201), summary="Comment on an object (mentions notify)")
def comment_add(request: HttpRequest, payload: CommentIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    target = target_get(viewer, *parse_target(payload.target))
    comment = comment_create(viewer=viewer, target=target, body=payload.body)
    return Status(201, comment_out(viewer, comment_get(viewer, comment.pk)[0]))


@router.get("/{comment_id}", response=responses(CommentOut), summary="One comment")
def comment_detail(request: HttpRequest, comment_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return comment_out(viewer, comment_get(viewer, comment_id)[0])


@router.patch("/{comment_id}", response=responses(CommentOut), summary="Edit your comment (within the window)")
def comment_change(request: HttpRequest, comment_id: Id, payload: CommentEditIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    comment, target = comment_get(viewer, comment_id)
    comment_edit(viewer=viewer, comment=comment, target=target, body=payload.body)
    return comment_out(viewer, comment_get(viewer, comment_id)[0])


@router.delete(
    "/{comment_id}",
    response=responses(None, 204),
    summary="Delete a comment (its author within the window, an administrator any time); it shows as deleted",
)
def comment_remove(request: HttpRequest, comment_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    comment, target = comment_get(viewer, comment_id)
    comment_delete(viewer=viewer, comment=comment, target=target)
    return Status(204, None)
