"""The discussion panel on object pages: it loads on the task, project and invoice pages, posts comments with
mentions highlighted, shows form errors with 422 and nothing written, uploads and previews files."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from margin.billing.models import Invoice
from margin.collaboration.models import Attachment, Comment
from tests.firm import Firm

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_pages_carry_the_slot(firm: Firm) -> None:
    maya = signed_in(firm.manager_user)
    task_page = maya.get(f"/tasks/{firm.design.pk}/").content.decode()
    assert f'hx-get="/discussion/task/{firm.design.pk}/"' in task_page
    project_page = maya.get(f"/projects/{firm.project.pk}/").content.decode()
    assert f'hx-get="/discussion/project/{firm.project.pk}/"' in project_page
    invoice = Invoice.objects.create(
        organisation_id=firm.project.organisation_id, company=firm.usd, client=firm.client, project=firm.project,
        currency="USD", period_end=date(2026, 1, 31),
    )  # fmt: skip
    invoice_page = signed_in(firm.finance_user).get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'hx-get="/discussion/invoice/{invoice.pk}/"' in invoice_page


def test_post_comment_and_see_mention(firm: Firm) -> None:
    maya = signed_in(firm.manager_user)
    url = f"/discussion/task/{firm.design.pk}/"
    empty = maya.get(url, headers={"HX-Request": "true"})
    assert empty.status_code == 200 and "No comments yet." in empty.content.decode()
    posted = maya.post(
        url + "comments/", {"body": "@lea see <img src=x onerror=alert(1)>"}, headers={"HX-Request": "true"}
    )
    html = posted.content.decode()
    assert posted.status_code == 200
    assert '<span class="mention">@Lea</span>' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    people = maya.get(url + "people/", {"q": "le"}).json()
    assert people == {"people": [{"handle": "lea", "name": "Lea"}]}


def test_errors_show_in_the_form(firm: Firm) -> None:
    tom = signed_in(firm.member_user)
    url = f"/discussion/task/{firm.design.pk}/"
    refused = tom.post(url + "comments/", {"body": "   "}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Comment is required." in refused.content.decode()
    lie = SimpleUploadedFile("invoice.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    refused = tom.post(url + "files/", {"file": lie}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "invoice.pdf is HTML" in refused.content.decode()
    assert not Comment.objects.exists() and not Attachment.objects.exists()


def test_upload_and_preview(firm: Firm) -> None:
    tom = signed_in(firm.member_user)
    out = io.BytesIO()
    Image.new("RGB", (90, 60), (250, 180, 0)).save(out, format="PNG")
    upload = SimpleUploadedFile("sketch.png", out.getvalue(), content_type="image/png")
    answer = tom.post(f"/discussion/task/{firm.design.pk}/files/", {"file": upload}, headers={"HX-Request": "true"})
    attachment = Attachment.objects.get()
    assert answer.status_code == 200 and f"/files/{attachment.pk}/preview/" in answer.content.decode()
    preview = tom.get(f"/files/{attachment.pk}/preview/")
    assert preview["Content-Type"] == "image/jpeg" and preview["X-Content-Type-Options"] == "nosniff"
    rival = signed_in(User.objects.get(username="rival-admin"))
    assert rival.get(f"/files/{attachment.pk}/").status_code == 404
    assert rival.get(f"/discussion/task/{firm.design.pk}/").status_code == 404


def test_a_pdf_shows_its_first_page(firm: Firm) -> None:
    from margin.expenses.tests import files

    tom = signed_in(firm.member_user)
    upload = SimpleUploadedFile("offer.pdf", files.pdf(), content_type="application/pdf")
    answer = tom.post(f"/discussion/task/{firm.design.pk}/files/", {"file": upload}, headers={"HX-Request": "true"})
    attachment = Attachment.objects.get()
    page = answer.content.decode()
    assert answer.status_code == 200 and f"/files/{attachment.pk}/preview/" in page
    assert 'alt="First page of offer.pdf"' in page and "attachment-page" in page
    preview = tom.get(f"/files/{attachment.pk}/preview/")
    assert preview["Content-Type"] == "image/jpeg" and preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Disposition"].startswith('inline; filename="offer-preview.jpg"')
    assert preview.content.startswith(b"\xff\xd8\xff")
    # A PDF locked with a password is attached without a preview: the panel shows the PDF badge.
    locked = SimpleUploadedFile("locked.pdf", files.encrypted_pdf(), content_type="application/pdf")
    answer = tom.post(f"/discussion/task/{firm.design.pk}/files/", {"file": locked}, headers={"HX-Request": "true"})
    row = Attachment.objects.get(original_name="locked.pdf")
    assert answer.status_code == 200 and not row.thumbnail
    assert f"/files/{row.pk}/preview/" not in answer.content.decode()
    assert tom.get(f"/files/{row.pk}/preview/").status_code == 404
    # A damaged PDF is refused in the form, nothing stored.
    broken = SimpleUploadedFile("cut.pdf", b"%PDF-1.7\n" + b"0" * 50 + b"\n%%EOF\n", content_type="application/pdf")
    refused = tom.post(f"/discussion/task/{firm.design.pk}/files/", {"file": broken}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "cut.pdf is an incomplete or damaged PDF" in refused.content.decode()
    assert Attachment.objects.count() == 2


def test_raid_pages_carry_the_slot(firm: Firm) -> None:
    from margin.risks.actions import issue_create, risk_create

    risk = risk_create(viewer=firm.manager, project=firm.project, title="Vendor late", probability=3, impact=3)
    issue = issue_create(viewer=firm.manager, project=firm.project, title="Test data missing")
    lea = signed_in(firm.member2_user)
    base = f"/projects/{firm.project.pk}/raid"
    assert f'hx-get="/discussion/risk/{risk.pk}/"' in lea.get(f"{base}/risks/{risk.pk}/").content.decode()
    assert f'hx-get="/discussion/issue/{issue.pk}/"' in lea.get(f"{base}/issues/{issue.pk}/").content.decode()
    posted = lea.post(f"/discussion/risk/{risk.pk}/comments/", {"body": "@maya the vendor confirmed"})
    assert posted.status_code == 200 and '<span class="mention">@Maya</span>' in posted.content.decode()
