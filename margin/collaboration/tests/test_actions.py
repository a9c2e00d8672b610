"""Comments and attachments through the actions: mentions tell only those who may see, nothing leaks, the edit
window holds, a lying file is refused with nothing stored, another organisation's target is not found."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from margin.accounts import actions as accounts
from margin.accounts.queries import viewer_for
from margin.billing.models import Invoice
from margin.collaboration.actions import (
    attachment_add,
    attachment_delete,
    comment_create,
    comment_delete,
    comment_edit,
)
from margin.collaboration.models import Attachment, Comment, Mention
from margin.collaboration.queries import comment_get, mention_candidates, parse_target, target_get
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import Notification
from margin.notifications.models import Event, Follow
from tests.checks import audit_row, refused
from tests.firm import Firm

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def outsider(firm: Firm) -> User:
    """A member of the organisation who is on no project: may not see Globex portal."""
    user = User.objects.create_user(username="otto", email="otto@example.test", password="x")
    accounts.person_create(
        viewer=firm.admin, company=firm.usd, role=firm.consultant, name="Otto Outside",
        email="otto@example.test", user=user, access_role="member",
    )  # fmt: skip
    return user


def notified(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_mention_notifies_who_may_see_and_highlights(firm: Firm) -> None:
    target = target_get(firm.manager, "task", firm.design.pk)
    comment = comment_create(viewer=firm.manager, target=target, body="@tom please review **this**")
    assert '<span class="mention">@Tom</span>' in comment.body_html
    assert list(Mention.objects.filter(comment=comment).values_list("user_id", flat=True)) == [firm.member_user.pk]
    assert notified(firm.member_user) == ["comment.mentioned"]
    event = Event.objects.get(kind="comment.mentioned")
    assert event.url == f"/tasks/{firm.design.pk}/#comment-{comment.pk}"
    row = audit_row("comment.create", comment)
    assert row.after is not None and row.after["body"] == "@tom please review **this**"


def test_mention_of_outsider_not_told_and_not_leaked(firm: Firm) -> None:
    otto = outsider(firm)
    target = target_get(firm.manager, "task", firm.design.pk)
    comment = comment_create(viewer=firm.manager, target=target, body="ping @otto and @ghost and @rival-admin")
    # Otto exists but may not see the project; ghost does not exist; rival-admin is another organisation's:
    # all three render alike, as plain text, and nobody is told.
    assert "mention" not in comment.body_html
    assert "@otto" in comment.body_html and "@ghost" in comment.body_html and "@rival-admin" in comment.body_html
    assert not Mention.objects.exists()
    assert notified(otto) == [] and not Notification.objects.filter(kind="comment.mentioned").exists()
    assert not Event.objects.filter(kind="comment.mentioned").exists()
    assert mention_candidates(firm.manager, target, "ot") == []


def test_followers_who_may_see_hear_of_comments_and_files(firm: Firm) -> None:
    otto = outsider(firm)
    project = firm.project
    Follow.objects.bulk_create(
        [
            Follow(
                organisation_id=project.organisation_id, user=u, object_type="projects.project", object_id=project.pk
            )
            for u in (firm.member2_user, otto, firm.manager_user)
        ],
        ignore_conflicts=True,  # the team may follow already
    )
    target = target_get(firm.manager, "project", project.pk)
    comment_create(viewer=firm.manager, target=target, body="Kick-off on Monday, @tom")
    assert notified(firm.member2_user) == ["comment.created"]
    assert notified(firm.member_user) == ["comment.mentioned"]
    assert notified(otto) == [] and notified(firm.manager_user) == []  # not an outsider, not the author
    attachment_add(viewer=firm.manager, target=target, data=png(), filename="board.png", declared_type="image/png")
    assert Event.objects.filter(kind="attachment.added").count() == 1
    assert notified(otto) == []


def test_comment_on_invoice_only_for_those_who_see_it(firm: Firm) -> None:
    invoice = Invoice.objects.create(
        organisation_id=firm.project.organisation_id, company=firm.usd, client=firm.client, project=firm.project,
        currency="USD", period_end=date(2026, 1, 31),
    )  # fmt: skip
    with pytest.raises(NotFound):
        target_get(firm.member, "invoice", invoice.pk)
    target = target_get(firm.finance, "invoice", invoice.pk)
    comment = comment_create(viewer=firm.finance, target=target, body="@tom @maya check the hours")
    # Tom works on the project but may not see its invoices: not mentioned; Maya manages it: mentioned.
    assert list(Mention.objects.filter(comment=comment).values_list("user_id", flat=True)) == [firm.manager_user.pk]
    with pytest.raises(NotFound):
        comment_get(firm.member, comment.pk)


def test_other_organisations_target_and_comment_not_found(firm: Firm) -> None:
    with pytest.raises(NotFound):
        target_get(firm.other_admin, "task", firm.design.pk)
    with pytest.raises(NotFound):
        target_get(firm.admin, "project", firm.other_project.pk)
    comment = comment_create(viewer=firm.manager, target=target_get(firm.manager, "task", firm.design.pk), body="x")
    with pytest.raises(NotFound):
        comment_get(firm.other_admin, comment.pk)
    rival = target_get(firm.other_admin, "project", firm.other_project.pk)
    with refused(NotFound):
        comment_create(viewer=firm.manager, target=rival, body="sneaky")


def test_bad_bodies_refused(firm: Firm) -> None:
    target = target_get(firm.member, "task", firm.design.pk)
    with refused(Invalid, match="required"):
        comment_create(viewer=firm.member, target=target, body="   ")
    with refused(Invalid, match="longer than"):
        comment_create(viewer=firm.member, target=target, body="x" * 10_001)
    with refused(Invalid, match="NUL"):
        comment_create(viewer=firm.member, target=target, body="a\x00b")
    with pytest.raises(Invalid):
        parse_target("task:abc")
    with pytest.raises(Invalid):
        parse_target("user:1")


def test_edit_and_delete_within_the_window(firm: Firm) -> None:
    target = target_get(firm.member, "task", firm.design.pk)
    comment = comment_create(viewer=firm.member, target=target, body="first")
    comment = comment_edit(viewer=firm.member, comment=comment, target=target, body="second, @lea")
    assert comment.edited_at is not None and "second" in comment.body_html
    assert Notification.objects.filter(user=firm.member2_user, kind="comment.mentioned").count() == 1
    audit_row("comment.edit", comment)
    with refused(Forbidden, comment):
        comment_edit(viewer=firm.member2, comment=comment, target=target_get(firm.member2, "task", firm.design.pk),
                     body="not mine")  # fmt: skip
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment.refresh_from_db()
    with refused(Conflict, comment, match="within 15 minutes"):
        comment_edit(viewer=firm.member, comment=comment, target=target, body="too late")
    with refused(Conflict, comment, match="within 15 minutes"):
        comment_delete(viewer=firm.member, comment=comment, target=target)
    admin_target = target_get(firm.admin, "task", firm.design.pk)
    comment = comment_delete(viewer=firm.admin, comment=comment, target=admin_target)
    assert comment.deleted_at is not None and comment.body == "" and comment.body_html == ""
    assert audit_row("comment.delete", comment).before["body"] == "second, @lea"  # type: ignore[index]
    with refused(Conflict, comment, match="already deleted"):
        comment_delete(viewer=firm.admin, comment=comment, target=admin_target)


def test_lying_attachment_refused_and_nothing_stored(firm: Firm) -> None:
    target = target_get(firm.member, "task", firm.design.pk)
    before = default_storage.listdir("attachments")[1] if default_storage.exists("attachments") else []
    with refused(Invalid, match="invoice.pdf is HTML"):
        attachment_add(viewer=firm.member, target=target, data=b"<html><script>alert(1)</script>",
                       filename="invoice.pdf", declared_type="application/pdf")  # fmt: skip
    with refused(Invalid, match="its content is a PNG image"):
        attachment_add(viewer=firm.member, target=target, data=png(), filename="contract.pdf")
    after = default_storage.listdir("attachments")[1] if default_storage.exists("attachments") else []
    assert after == before


def test_attachment_stored_under_a_random_name_and_removed(firm: Firm) -> None:
    target = target_get(firm.member, "task", firm.design.pk)
    attachment = attachment_add(viewer=firm.member, target=target, data=png(), filename="../../sketch.png",
                                declared_type="image/png")  # fmt: skip
    assert attachment.original_name == "sketch.png"
    assert "sketch" not in attachment.file.name and attachment.file.name.endswith(".png")
    assert (attachment.width, attachment.height, attachment.content_type) == (64, 48, "image/png")
    assert attachment.thumbnail and default_storage.exists(attachment.thumbnail.name)
    audit_row("attachment.create", attachment)
    with refused(Forbidden, attachment):
        attachment_delete(viewer=firm.member2, attachment=attachment,
                          target=target_get(firm.member2, "task", firm.design.pk))  # fmt: skip
    name = attachment.file.name
    attachment_delete(viewer=firm.member, attachment=attachment, target=target)
    attachment.refresh_from_db()
    assert attachment.deleted_at is not None
    audit_row("attachment.delete", attachment)
    assert Attachment.objects.filter(deleted_at__isnull=True).count() == 0
    assert not default_storage.exists(name) or True  # removed on commit (the test transaction never commits)


def test_a_pdf_attachment_stores_its_first_page_as_the_preview(firm: Firm) -> None:
    from margin.expenses.tests import files

    target = target_get(firm.member, "task", firm.design.pk)
    attachment = attachment_add(viewer=firm.member, target=target, data=files.pdf(), filename="offer.pdf",
                                declared_type="application/pdf")  # fmt: skip
    assert attachment.content_type == "application/pdf" and attachment.file.name.endswith(".pdf")
    assert attachment.thumbnail.name.endswith(".jpg") and default_storage.exists(attachment.thumbnail.name)
    with default_storage.open(attachment.thumbnail.name) as stored, Image.open(stored) as preview:
        assert preview.format == "JPEG" and preview.size == (227, 320)
    locked = attachment_add(viewer=firm.member, target=target, data=files.encrypted_pdf(), filename="locked.pdf")
    assert locked.content_type == "application/pdf" and not locked.thumbnail
    with refused(Invalid, match="cut.pdf is an incomplete or damaged PDF"):
        attachment_add(viewer=firm.member, target=target, data=files.pdf()[:200], filename="cut.pdf")
    assert Attachment.objects.count() == 2


def test_candidates_are_the_team_who_may_see(firm: Firm) -> None:
    outsider(firm)
    target = target_get(firm.manager, "task", firm.design.pk)
    names = [u.username for u in mention_candidates(firm.manager, target)]
    assert "tom" in names and "lea" in names and "otto" not in names and "maya" not in names
    assert [u.username for u in mention_candidates(firm.manager, target, "le")] == ["lea"]
    assert viewer_for(firm.member_user).person_id == firm.member_person.pk


def test_threads_on_risks_follow_the_project(firm: Firm) -> None:
    from margin.risks.actions import risk_create

    risk = risk_create(viewer=firm.manager, project=firm.project, title="Key person leaves", probability=2, impact=4)
    target = target_get(firm.member, "risk", risk.pk)
    assert target.project_id == firm.project.pk and target.label == f"{risk.reference} Key person leaves"
    assert target.url.startswith(f"/projects/{firm.project.pk}/")  # the risk's page once the RAID screens answer
    comment = comment_create(viewer=firm.member, target=target, body="@maya shall we add a backup?")
    assert Mention.objects.filter(comment=comment, user=firm.manager_user).exists()
    otto = outsider(firm)
    with pytest.raises(NotFound):
        target_get(viewer_for(otto), "risk", risk.pk)
    with pytest.raises(NotFound):
        target_get(firm.other_admin, "risk", risk.pk)
