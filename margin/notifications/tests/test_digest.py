"""The daily digest: one plain-text e-mail per person grouped by project, sent once (idempotent)."""

from __future__ import annotations

from django.core import mail
from django.core.management import call_command

from margin.notifications.digest import digests_send
from margin.notifications.events import publish
from margin.notifications.models import DigestItem
from tests.firm import Firm


def _risk(firm: Firm, text: str, project_id: int | None, project: str) -> None:
    publish(
        organisation_id=firm.project.organisation_id,
        kind="risk.raised",  # digest by default
        text=text,
        recipients=[firm.member_user.pk, firm.member2_user.pk],
        actor_id=firm.manager_user.pk,
        project_id=project_id,
        url="/risks/1/",
        data={"project": project},
    )


def test_one_mail_per_person_grouped_by_project_and_sent_once(firm: Firm) -> None:
    _risk(firm, "Maya logged a risk R-1 *<script>alert(1)</script>*", firm.project.pk, "Globex portal")
    _risk(firm, "Maya logged a risk R-2 *Scope creep*", firm.project.pk, "Globex portal")
    _risk(firm, "Maya logged a risk R-3 *Outage*", 999_999, "Other")
    run = digests_send()
    assert (run.people, run.items) == (2, 6)
    assert sorted(m.to[0] for m in mail.outbox) == ["lea@example.test", "tom@example.test"]
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Your Margin digest: 3 updates"
    assert body.index("Globex portal") < body.index("R-1") < body.index("R-2") < body.index("Other") < body.index("R-3")
    assert "<script>alert(1)</script>" in body  # plain text: shown as typed, nothing rendered
    assert mail.outbox[0].content_subtype == "plain"
    assert not DigestItem.objects.filter(sent_at__isnull=True).exists()
    # Twice: nothing waits, nothing is sent again.
    again = digests_send()
    assert (again.people, again.items) == (0, 0) and len(mail.outbox) == 2


def test_the_command_sends_and_says_how_many(firm: Firm, capsys: object) -> None:
    _risk(firm, "Maya logged a risk R-1 *Scope creep*", firm.project.pk, "Globex portal")
    call_command("send_digests", "--organisation", "acme")
    assert len(mail.outbox) == 2
    call_command("send_digests")
    assert len(mail.outbox) == 2
