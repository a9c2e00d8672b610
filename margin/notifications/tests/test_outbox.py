from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.notifications.delivery import connect_signals
from margin.notifications.models import Delivery, DeliveryStatus, Endpoint, EndpointFormat, Event
from margin.notifications.outbox import deliveries_queued, enqueue_deliveries
from tests.firm import Firm

pytestmark = pytest.mark.django_db


def endpoint(firm: Firm, fmt: str = EndpointFormat.WEBHOOK, **values: Any) -> Endpoint:
    values.setdefault("organisation_id", firm.admin.organisation_id)
    values.setdefault("name", f"{fmt} hook")
    values.setdefault("url", "https://hooks.example.com/x")
    values.setdefault("secret", "s" * 64)
    return Endpoint.objects.create(format=fmt, **values)


def event(firm: Firm, kind: str = "risk.raised", **values: Any) -> Event:
    values.setdefault("organisation_id", firm.admin.organisation_id)
    values.setdefault("project_id", firm.project.pk)
    values.setdefault("text", "Maya logged R-1 Vendor late")
    values.setdefault("url", "/projects/1/risks/1/")
    return Event.objects.create(kind=kind, **values)


def test_matching_endpoints_get_one_delivery_each_and_the_job_is_woken_on_commit(
    firm: Firm, django_capture_on_commit_callbacks: Any
) -> None:
    org_wide = endpoint(firm)
    kinds_match = endpoint(firm, EndpointFormat.SLACK, kinds=["risk.raised", "issue.raised"])
    project_one = endpoint(firm, EndpointFormat.TEAMS, project_id=firm.project.pk)
    endpoint(firm, kinds=["issue.raised"])  # another kind
    endpoint(firm, project_id=firm.other_project.pk)  # another project
    endpoint(firm, active=False)  # switched off
    endpoint(firm, organisation_id=firm.other_admin.organisation_id)  # another organisation
    mine = endpoint(firm, EndpointFormat.SLACK, owner=firm.member_user, kinds=["issue.raised"])
    endpoint(firm, EndpointFormat.TEAMS, owner=firm.member_user)  # member hears on Slack only
    endpoint(firm, EndpointFormat.SLACK, owner=firm.member2_user)  # member2 hears nothing here
    woken: list[dict[str, Any]] = []

    def heard(**kwargs: Any) -> None:
        woken.append(kwargs)

    deliveries_queued.disconnect(dispatch_uid="notifications.deliver_webhooks")  # only the signal is checked here
    deliveries_queued.connect(heard)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            made = enqueue_deliveries(
                event=event(firm), slack_users={firm.member_user.pk}, teams_users={firm.member2_user.pk}
            )
    finally:
        deliveries_queued.disconnect(heard)
        connect_signals()
    rows = {d.endpoint_id: d for d in Delivery.objects.all()}
    assert made == 4 and set(rows) == {org_wide.pk, kinds_match.pk, project_one.pk, mine.pk}
    assert all(d.status == DeliveryStatus.PENDING and d.next_attempt_at is not None for d in rows.values())
    assert rows[org_wide.pk].payload["kind"] == "risk.raised"
    assert rows[org_wide.pk].payload["url"].startswith("http") and rows[org_wide.pk].payload["url"].endswith(
        "/projects/1/risks/1/"
    )
    assert rows[kinds_match.pk].payload == rows[mine.pk].payload and "blocks" in rows[mine.pk].payload
    assert rows[project_one.pk].payload["type"] == "message"
    assert len(woken) == 1


def test_no_endpoint_no_delivery_and_nothing_woken(firm: Firm, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        assert enqueue_deliveries(event=event(firm), slack_users=set(), teams_users=set()) == 0
    assert callbacks == [] and not Delivery.objects.exists()


def test_a_teams_card_that_cannot_be_built_fails_at_once(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    from margin.notifications import teams

    monkeypatch.setattr(teams, "MAX_BYTES", 600)
    monkeypatch.setattr(teams.teams_message, "__kwdefaults__", {"max_bytes": 600})
    endpoint(firm, EndpointFormat.TEAMS)
    hook = endpoint(firm)
    enqueue_deliveries(
        event=event(firm, data={"fields": {f"f{i}": "v" * 100 for i in range(10)}}),
        slack_users=set(),
        teams_users=set(),
    )
    teams_row = Delivery.objects.get(endpoint__format=EndpointFormat.TEAMS)
    assert teams_row.status == DeliveryStatus.FAILED and teams_row.payload == {}
    assert "Teams takes at most" in teams_row.last_error and teams_row.next_attempt_at is None
    assert Delivery.objects.get(endpoint=hook).status == DeliveryStatus.PENDING


def test_ten_thousand_recipients_cost_a_handful_of_queries(firm: Firm) -> None:
    people = set(range(1, 10_001)) | {firm.member_user.pk}
    endpoint(firm)
    endpoint(firm, EndpointFormat.SLACK, owner=firm.member_user)
    with CaptureQueriesContext(connection) as queries:
        made = enqueue_deliveries(event=event(firm), slack_users=people, teams_users=people)
    assert made == 2
    assert len(queries.captured_queries) <= 4


def test_a_personal_kind_reaches_the_persons_own_channel_never_a_shared_one(firm: Firm) -> None:
    endpoint(firm)  # the organisation's webhook, every kind
    endpoint(firm, EndpointFormat.SLACK, project_id=firm.project.pk)  # the project's channel
    mine = endpoint(firm, EndpointFormat.SLACK, owner=firm.member_user)
    made = enqueue_deliveries(
        event=event(firm, kind="comment.mentioned", text="Maya mentioned you on Design"),
        slack_users={firm.member_user.pk},
        teams_users=set(),
    )
    assert made == 1 and list(Delivery.objects.values_list("endpoint_id", flat=True)) == [mine.pk]
