"""publish's fan-out honours each person's preferences: in the app, e-mail at once, the digest; the actor is
never told; a refused publish writes nothing; many recipients cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.core.errors import Invalid
from margin.core.models import Notification
from margin.notifications.actions import preferences_save
from margin.notifications.events import publish
from margin.notifications.models import Delivery, DigestItem, Endpoint, EndpointFormat, Event
from margin.notifications.rules import Choice
from tests.firm import Firm


def _publish(firm: Firm, kind: str = "risk.raised") -> Event:
    return publish(
        organisation_id=firm.project.organisation_id,
        kind=kind,
        text="Maya logged a risk R-1 *Key developer leaves* (score 12)",
        recipients=[firm.manager_user.pk, firm.member_user.pk, firm.member2_user.pk],
        actor_id=firm.manager_user.pk,
        project_id=firm.project.pk,
        url=f"/projects/{firm.project.pk}/",
        data={"project": firm.project.name},
    )


def test_preferences_decide_the_channels(firm: Firm, django_capture_on_commit_callbacks: object) -> None:
    preferences_save(viewer=firm.member, choices={"risk.raised": Choice(False, "immediate", False, False)})
    preferences_save(viewer=firm.member2, choices={"risk.raised": Choice(True, "off", False, False)})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        event = _publish(firm)
    # Tom: app off, e-mail at once -> a mail, no notification. Lea: in the app only. Maya acted: nothing.
    notified = set(Notification.objects.filter(kind="risk.raised").values_list("user_id", flat=True))
    assert notified == {firm.member2_user.pk}
    assert [m.to for m in mail.outbox] == [["tom@example.test"]]
    assert "Key developer leaves" in mail.outbox[0].body
    assert not DigestItem.objects.filter(event=event).exists()


def test_the_default_digest_writes_digest_items(firm: Firm) -> None:
    event = _publish(firm)  # risk.raised defaults: in the app and the daily digest
    assert set(DigestItem.objects.filter(event=event).values_list("user_id", flat=True)) == {
        firm.member_user.pk,
        firm.member2_user.pk,
    }
    assert Notification.objects.filter(kind="risk.raised").count() == 2


def test_in_the_app_and_at_once_mails_with_the_notification(
    firm: Firm, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _publish(firm, kind="comment.mentioned")  # default: in the app and e-mail at once
    assert sorted(m.to[0] for m in mail.outbox) == ["lea@example.test", "tom@example.test"]
    assert Notification.objects.filter(kind="comment.mentioned", emailed_at__isnull=False).count() == 2


def test_an_unknown_kind_is_refused_and_writes_nothing(firm: Firm) -> None:
    with pytest.raises(Invalid, match="Unknown kind"):
        _publish(firm, kind="risk.exploded")
    assert not Event.objects.exists() and not Notification.objects.exists() and not DigestItem.objects.exists()


def test_fan_out_queries_do_not_grow_with_recipients(firm: Firm) -> None:
    def queries(people: list[int]) -> int:
        with CaptureQueriesContext(connection) as captured:
            publish(
                organisation_id=firm.project.organisation_id,
                kind="comment.mentioned",  # in the app and e-mail at once: every channel's statements run
                text="Maya mentioned you",
                recipients=people,
                actor_id=firm.manager_user.pk,
            )
        return len(captured.captured_queries)

    one = queries([firm.member_user.pk])
    four = queries([firm.member_user.pk, firm.member2_user.pk, firm.finance_user.pk, firm.admin_user.pk])
    assert one == four <= 10
    assert Notification.objects.filter(kind="comment.mentioned").count() == 5


def test_slack_and_teams_reach_only_those_who_chose_them_on_their_own_channel(firm: Firm) -> None:
    org = firm.project.organisation_id
    for user, fmt in ((firm.member_user, EndpointFormat.SLACK), (firm.member2_user, EndpointFormat.TEAMS)):
        Endpoint.objects.create(
            organisation_id=org,
            format=fmt,
            name=f"{fmt} of {user.username}",
            url="https://hooks.example.test/x",
            owner=user,
        )
    preferences_save(viewer=firm.member, choices={"risk.raised": Choice(True, "off", True, False)})
    # Lea has a Teams channel but kept the defaults (no Teams): nothing goes there.
    event = _publish(firm)
    delivered = set(Delivery.objects.filter(event=event).values_list("endpoint__owner_id", "endpoint__format"))
    assert delivered == {(firm.member_user.pk, EndpointFormat.SLACK)}
