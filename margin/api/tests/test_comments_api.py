"""/comments and /attachments: a thread read and written as a client would; refusals change nothing; another
organisation's target answers 404; a lying file is refused with nothing stored; files come back safely."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from margin.api.tests.conftest import BASE, Api, error_of, unchanged
from margin.collaboration.models import Comment
from margin.core.models import Notification
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 160, 90)).save(out, format="PNG")
    return out.getvalue()


def upload(api: Api, target: str, data: bytes, name: str, content_type: str) -> object:
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return api.client.post(f"{BASE}/attachments", {"target": target, "file": file})


def test_thread_with_mention_edit_delete(firm: Firm, api_as: ApiAs) -> None:
    maya, tom = api_as(firm.manager_user), api_as(firm.member_user)
    target = f"task:{firm.design.pk}"
    made = maya.post("/comments", {"target": target, "body": "@tom can you **check** <script>alert(1)</script>?"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["mentioned_user_ids"] == [firm.member_user.pk]
    assert '<span class="mention">@Tom</span>' in body["body_html"] and "<script" not in body["body_html"]
    assert (body["can_edit"], body["can_delete"], body["target"]) == (True, True, target)
    assert Notification.objects.filter(user=firm.member_user, kind="comment.mentioned").count() == 1
    page = tom.get("/comments", {"target": target}).json()
    assert page["count"] == 1 and page["items"][0]["can_edit"] is False
    edited = maya.patch(f"/comments/{body['id']}", {"body": "Checked."})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    comment = Comment.objects.get(pk=body["id"])
    with unchanged(comment):
        error_of(tom.patch(f"/comments/{body['id']}", {"body": "mine now"}), 403)
        error_of(tom.delete(f"/comments/{body['id']}"), 403)
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=1))
    comment.refresh_from_db()
    with unchanged(comment):
        assert "15 minutes" in error_of(maya.patch(f"/comments/{body['id']}", {"body": "late"}), 409)["detail"]
    assert maya.delete(f"/comments/{body['id']}").status_code == 409
    assert api_as(firm.admin_user).delete(f"/comments/{body['id']}").status_code == 204
    gone = tom.get(f"/comments/{body['id']}").json()
    assert (gone["deleted"], gone["body"], gone["body_html"]) == (True, "", "")


def test_refusals_and_other_organisation(firm: Firm, api_as: ApiAs) -> None:
    maya, rival = api_as(firm.manager_user), api_as(User.objects.get(username="rival-admin"))
    with unchanged():
        error_of(maya.post("/comments", {"target": f"task:{firm.design.pk}", "body": "  "}), 422)
        error_of(maya.post("/comments", {"target": "task:x", "body": "hi"}), 422)
        error_of(maya.post("/comments", {"target": "user:1", "body": "hi"}), 422)
        error_of(maya.post("/comments", {"target": f"project:{firm.other_project.pk}", "body": "hi"}), 404)
        error_of(rival.post("/comments", {"target": f"task:{firm.design.pk}", "body": "hi"}), 404)
    error_of(rival.get("/comments", {"target": f"project:{firm.project.pk}"}), 404)
    made = maya.post("/comments", {"target": f"project:{firm.project.pk}", "body": "Kick-off"}).json()
    error_of(rival.get(f"/comments/{made['id']}"), 404)
    error_of(rival.delete(f"/comments/{made['id']}"), 404)


def test_attachments_upload_serve_delete(firm: Firm, api_as: ApiAs) -> None:
    tom, lea = api_as(firm.member_user), api_as(firm.member2_user)
    target = f"task:{firm.build.pk}"
    response = upload(tom, target, png(), "wireframe.png", "image/png")
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert (body["content_type"], body["has_preview"], body["width"], body["name"]) == (
        "image/png",
        True,
        120,
        "wireframe.png",
    )
    listed = lea.get("/attachments", {"target": target}).json()
    assert [a["id"] for a in listed["items"]] == [body["id"]] and listed["items"][0]["can_delete"] is False
    served = lea.client.get(f"{BASE}/attachments/{body['id']}/file")
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment;") and "sandbox" in served["Content-Security-Policy"]
    inline = lea.client.get(f"{BASE}/attachments/{body['id']}/file", {"inline": "true"})
    assert inline["Content-Disposition"].startswith("inline;")
    preview = lea.client.get(f"{BASE}/attachments/{body['id']}/preview")
    assert preview["Content-Type"] == "image/jpeg" and preview.content.startswith(b"\xff\xd8\xff")
    error_of(api_as(User.objects.get(username="rival-admin")).get(f"/attachments/{body['id']}"), 404)
    assert lea.client.delete(f"{BASE}/attachments/{body['id']}").status_code == 403
    assert tom.client.delete(f"{BASE}/attachments/{body['id']}").status_code == 204
    error_of(lea.get(f"/attachments/{body['id']}"), 404)


def test_lying_files_refused_nothing_stored(firm: Firm, api_as: ApiAs) -> None:
    tom = api_as(firm.member_user)
    target = f"task:{firm.build.pk}"
    with unchanged():
        lie = upload(tom, target, b"<html><body onload=alert(1)>hi</body></html>", "invoice.pdf", "application/pdf")
        body = error_of(lie, 422)
        assert body["detail"].startswith("invoice.pdf is HTML") and body["field"] == "file"
        error_of(upload(tom, target, png(), "scan.pdf", "application/pdf"), 422)
        error_of(upload(tom, target, png(), "photo.png", "text/html"), 422)
        error_of(upload(tom, target, b"", "empty.txt", "text/plain"), 422)
        error_of(upload(tom, target, b"<svg onload=alert(1)/>", "logo.svg", "image/svg+xml"), 422)
        error_of(upload(tom, f"project:{firm.other_project.pk}", png(), "a.png", "image/png"), 404)


def test_name_is_sent_back_encoded(firm: Firm, api_as: ApiAs) -> None:
    tom = api_as(firm.member_user)
    name = "Zahlen; Q1 für Ärzte.txt"
    made = upload(tom, f"task:{firm.build.pk}", "Zahlen für Q1\n".encode(), name, "text/plain")
    body = made.json()  # type: ignore[attr-defined]
    assert body["name"] == name and body["content_type"] == "text/plain"
    served = tom.client.get(f"{BASE}/attachments/{body['id']}/file", {"inline": "true"})
    assert served["Content-Type"] == "text/plain; charset=utf-8"  # text is never shown inline
    assert served["Content-Disposition"] == (
        "attachment; filename=\"Zahlen_ Q1 f_r _rzte.txt\"; filename*=UTF-8''Zahlen%3B%20Q1%20f%C3%BCr%20%C3%84rzte.txt"
    )
