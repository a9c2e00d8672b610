"""Attachments (/attachments): an object's files (`?target=task:12`), upload (multipart `target` and `file`),
the file itself served with its checked type, a preview of images, remove. The type is read from the bytes
(:mod:`margin.collaboration.files`): a file whose name or declared type disagrees with its content is refused
with 422 and nothing is stored."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import Viewer
from margin.api.pagination import Pages
from margin.api.routers.comments import TARGET_HELP, TargetQuery
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.collaboration.actions import attachment_add, attachment_delete, max_attachment_bytes, may_delete_attachment
from margin.collaboration.models import Attachment
from margin.collaboration.queries import attachment_get, attachments_of, display_name, parse_target, target_get
from margin.collaboration.serving import attachment_response
from margin.core.errors import Invalid

router = Router(tags=["attachments"])


class TargetForm(Schema):
    target: str = Field(..., max_length=40, description=TARGET_HELP, examples=["task:12"])


class AttachmentOut(Schema):
    id: int
    target: str
    project_id: int | None
    name: str = Field(description="The file's own name, as text")
    content_type: str = Field(description="The type its content was checked to be")
    size: int
    sha256: str
    width: int | None
    height: int | None
    has_preview: bool
    uploaded_by_id: int | None
    uploaded_by_name: str
    created_at: datetime
    can_delete: bool


def attachment_out(viewer: Viewer, a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "target": f"{a.target_type}:{a.target_id}",
        "project_id": a.project_id,
        "name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "width": a.width,
        "height": a.height,
        "has_preview": bool(a.thumbnail),
        "uploaded_by_id": a.uploaded_by_id,
        "uploaded_by_name": display_name(a.uploaded_by),
        "created_at": a.created_at,
        "can_delete": may_delete_attachment(viewer, a),
    }


@router.get("", response=responses(list[AttachmentOut]), summary="The files on an object, oldest first")
@paginate(Pages)
def attachment_list(request: HttpRequest, filters: Query[TargetQuery]) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    target = target_get(viewer, *parse_target(filters.target))
    return [attachment_out(viewer, a) for a in attachments_of(target)]


@router.post(
    "",
    response=responses(AttachmentOut, 201),
    summary="Attach a file (multipart): images, PDF, text, CSV, Word, Excel, PowerPoint by content, at most 25 MB",
)
def attachment_upload(request: HttpRequest, form: Form[TargetForm], file: File[UploadedFile]) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    found = target_get(viewer, *parse_target(form.target))
    limit = max_attachment_bytes()
    if file.size is not None and file.size > limit:
        raise Invalid(f"{file.name or 'The file'} is larger than {limit // (1024 * 1024)} MB.", field="file")
    data = file.read(limit + 1)
    attachment = attachment_add(
        viewer=viewer, target=found, data=data, filename=file.name or "", declared_type=file.content_type or ""
    )
    return Status(201, attachment_out(viewer, attachment))


@router.get("/{attachment_id}", response=responses(AttachmentOut), summary="One attachment")
def attachment_detail(request: HttpRequest, attachment_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    return attachment_out(viewer, attachment_get(viewer, attachment_id)[0])


@router.get(
    "/{attachment_id}/file",
    response=responses(None),
    summary="The file, with its checked type, nosniff and a sandbox CSP (inline=true shows images and PDFs inline)",
)
def attachment_file(request: HttpRequest, attachment_id: Id, inline: bool = False) -> HttpResponse:
    attachment, _ = attachment_get(viewer_of(request), attachment_id)
    return attachment_response(attachment, inline=inline)


@router.get(
    "/{attachment_id}/preview",
    response=responses(None),
    summary="A small JPEG of an image attachment or of a PDF's first page",
)
def attachment_preview(request: HttpRequest, attachment_id: Id) -> HttpResponse:
    attachment, _ = attachment_get(viewer_of(request), attachment_id)
    if not attachment.thumbnail:
        raise Invalid(
            "This file has no preview (PNG, JPEG and WebP images and PDFs have one, but not a PDF locked with a "
            "password).",
            field="attachment_id",
        )
    return attachment_response(attachment, thumbnail=True)


@router.delete("/{attachment_id}", response=responses(None, 204), summary="Remove a file (its uploader or an admin)")
def attachment_remove(request: HttpRequest, attachment_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    attachment, target = attachment_get(viewer, attachment_id)
    attachment_delete(viewer=viewer, attachment=attachment, target=target)
    return Status(204, None)
