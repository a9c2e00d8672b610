"""The discussion panel of an object page (project, task, risk, issue, change request, invoice): its comments
with Markdown and mentions, edit and delete within the window, its files with previews and an upload form.

A page includes `web/discussion/_slot.html` with the target's type and id; the slot loads the panel with htmx and
every form in the panel answers with the panel again (or with it and a form error, 422). Views only translate:
reads are :mod:`margin.collaboration.queries`, writes :mod:`margin.collaboration.actions`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from margin.accounts.queries import Viewer
from margin.collaboration.actions import (
    attachment_add,
    attachment_delete,
    comment_create,
    comment_delete,
    comment_edit,
    edit_window,
    max_attachment_bytes,
    may_delete,
    may_delete_attachment,
    may_edit,
)
from margin.collaboration.models import MAX_COMMENT_LENGTH
from margin.collaboration.queries import (
    Target,
    attachment_get,
    attachments_of,
    comment_get,
    comments_of,
    display_name,
    mention_candidates,
    target_get,
)
from margin.collaboration.serving import attachment_response
from margin.core.errors import DomainError, Invalid, NotFound
from margin.web.access import HtmxRequest, viewer_view

PANEL = "web/discussion/panel.html"


def _target(viewer: Viewer, target_type: str, target_id: int) -> Target:
    return target_get(viewer, target_type, target_id)


def _panel(request: HtmxRequest, viewer: Viewer, target: Target, *, status: int = 200, **extra: Any) -> HttpResponse:
    comments = [
        {
            "comment": c,
            "author": display_name(c.author),
            "can_edit": may_edit(viewer, c),
            "can_delete": may_delete(viewer, c),
        }
        for c in comments_of(target)
    ]
    files = [
        {"file": a, "by": display_name(a.uploaded_by), "can_delete": may_delete_attachment(viewer, a)}
        for a in attachments_of(target)
    ]
    context = {
        "target": target,
        "comments": comments,
        "files": files,
        "window_minutes": int(edit_window().total_seconds() // 60),
        "max_mb": max_attachment_bytes() // (1024 * 1024),
        "max_length": MAX_COMMENT_LENGTH,
        **extra,
    }
    return render(request, PANEL, context, status=status)


@require_GET
@viewer_view
def discussion_panel(request: HtmxRequest, viewer: Viewer, target_type: str, target_id: int) -> HttpResponse:
    return _panel(request, viewer, _target(viewer, target_type, target_id))


@require_GET
@viewer_view
def discussion_people(request: HtmxRequest, viewer: Viewer, target_type: str, target_id: int) -> JsonResponse:
    """Whom "@" offers: the team who may see the object, by name (JSON; the page builds it with textContent)."""
    target = _target(viewer, target_type, target_id)
    text = request.GET.get("q", "")[:60]
    people = [{"handle": u.username, "name": display_name(u)} for u in mention_candidates(viewer, target, text)]
    return JsonResponse({"people": people})


def _refused(request: HtmxRequest, viewer: Viewer, target: Target, error: DomainError, **extra: Any) -> HttpResponse:
    if isinstance(error, NotFound):
        raise error
    return _panel(request, viewer, target, status=error.status, **extra)


@require_POST
@viewer_view
def comment_post(request: HtmxRequest, viewer: Viewer, target_type: str, target_id: int) -> HttpResponse:
    target = _target(viewer, target_type, target_id)
    body = request.POST.get("body", "")
    try:
        comment_create(viewer=viewer, target=target, body=body)
    except DomainError as error:
        return _refused(request, viewer, target, error, comment_error=error.message, draft=body)
    return _panel(request, viewer, target)


@require_POST
@viewer_view
def comment_change(request: HtmxRequest, viewer: Viewer, comment_id: int) -> HttpResponse:
    comment, target = comment_get(viewer, comment_id)
    body = request.POST.get("body", "")
    try:
        comment_edit(viewer=viewer, comment=comment, target=target, body=body)
    except DomainError as error:
        return _refused(request, viewer, target, error, edit_error=error.message, edit_id=comment.pk)
    return _panel(request, viewer, target)


@require_POST
@viewer_view
def comment_remove(request: HtmxRequest, viewer: Viewer, comment_id: int) -> HttpResponse:
    comment, target = comment_get(viewer, comment_id)
    try:
        comment_delete(viewer=viewer, comment=comment, target=target)
    except DomainError as error:
        return _refused(request, viewer, target, error, edit_error=error.message, edit_id=comment.pk)
    return _panel(request, viewer, target)


@require_POST
@viewer_view
def attachment_upload(request: HtmxRequest, viewer: Viewer, target_type: str, target_id: int) -> HttpResponse:
    target = _target(viewer, target_type, target_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise Invalid("Choose a file to attach.", field="file")
        limit = max_attachment_bytes()
        if upload.size is not None and upload.size > limit:
            raise Invalid(f"{upload.name} is larger than {limit // (1024 * 1024)} MB.", field="file")
        attachment_add(
            viewer=viewer,
            target=target,
            data=upload.read(limit + 1),
            filename=upload.name or "",
            declared_type=upload.content_type or "",
        )
    except DomainError as error:
        return _refused(request, viewer, target, error, file_error=error.message)
    return _panel(request, viewer, target)


@require_POST
@viewer_view
def attachment_remove(request: HtmxRequest, viewer: Viewer, attachment_id: int) -> HttpResponse:
    attachment, target = attachment_get(viewer, attachment_id)
    try:
        attachment_delete(viewer=viewer, attachment=attachment, target=target)
    except DomainError as error:
        return _refused(request, viewer, target, error, file_error=error.message)
    return _panel(request, viewer, target)


@require_GET
@viewer_view
def attachment_file(request: HtmxRequest, viewer: Viewer, attachment_id: int) -> HttpResponse:
    attachment, _ = attachment_get(viewer, attachment_id)
    return attachment_response(attachment, inline=request.GET.get("inline") == "1")


@require_GET
@viewer_view
def attachment_preview(request: HtmxRequest, viewer: Viewer, attachment_id: int) -> HttpResponse:
    attachment, _ = attachment_get(viewer, attachment_id)
    if not attachment.thumbnail:
        raise NotFound("This file has no preview.")
    return attachment_response(attachment, thumbnail=True)
