from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from slack_sdk.models.blocks import Block

from margin.core.models import Notification
from margin.notifications import delivery as worker
from margin.notifications.endpoints import allowed_host_add, endpoint_enable
from margin.notifications.models import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointFormat
from margin.notifications.outbox import enqueue_deliveries
from margin.notifications.signing import verify
from margin.notifications.tests.receivers import receiving
from margin.notifications.tests.test_outbox import endpoint, event
from tests.firm import Firm

pytestmark = pytest.mark.django_db


def queue(firm: Firm, hook: Endpoint) -> Delivery:
    enqueue_deliveries(event=event(firm), slack_users=set(), teams_users=set())
    return Delivery.objects.filter(endpoint=hook).latest("id")


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_signed_webhook_is_delivered_and_verifiable(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving() as receiver:
        hook = endpoint(firm, url=receiver.url(), created_by=firm.admin_user)
        row = queue(firm, hook)
        run = worker.send_due()
    assert (run.sent, run.delivered, run.failed) == (1, 1, 0)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 1 and row.last_status_code == 200
    (got,) = receiver.requests
    assert got.path == "/hook" and got.headers["Content-Type"] == "application/json"
    assert got.headers["Margin-Delivery"] == str(row.pk) and got.headers["Margin-Event"] == str(row.event_id)
    assert verify(hook.secret, got.headers["Margin-Signature"], got.body)
    assert got.json()["kind"] == "risk.raised" and got.json()["object"] == {"type": "", "id": None}
    (tried,) = Attempt.objects.filter(delivery=row)
    assert tried.status_code == 200 and tried.response_excerpt == "ok" and tried.error == ""
    assert worker.send_due().sent == 0  # nothing is sent twice


def test_slack_json_posted_parses_back_with_block_kit(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving() as receiver:
        hook = endpoint(firm, EndpointFormat.SLACK, url=receiver.url("/services/T1/B1/x"))
        row = queue(firm, hook)
        worker.send_due()
    posted = receiver.requests[0].json()
    assert posted == row.payload and "Margin-Signature" not in receiver.requests[0].headers
    assert [Block.parse(b).to_dict() for b in posted["blocks"]] == posted["blocks"]  # type: ignore[union-attr]


def test_failures_retry_with_backoff_then_give_up(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving(status=500, reply=b"boom") as receiver:
        hook = endpoint(firm, url=receiver.url())
        row = queue(firm, hook)
        waits = []
        for _ in range(worker.MAX_ATTEMPTS):
            before = timezone.now()
            assert worker.send_due().failed == 1
            row.refresh_from_db()
            if row.next_attempt_at:
                waits.append(round((row.next_attempt_at - before).total_seconds() / 60))
            if row.status == DeliveryStatus.RETRYING:
                make_due(row)
    assert waits == [1, 5, 30, 120, 360]
    assert row.status == DeliveryStatus.FAILED and row.attempts == 6 and row.last_status_code == 500
    assert len(receiver.requests) == 6 and Attempt.objects.filter(delivery=row).count() == 6
    assert Attempt.objects.filter(delivery=row).first().response_excerpt == "boom"  # type: ignore[union-attr]
    hook.refresh_from_db()
    assert hook.consecutive_failures == 6 and hook.active


def test_a_timeout_is_a_failed_attempt(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "TIMEOUT_SECONDS", 0.3)
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving(delay=1.0) as receiver:
        row = queue(firm, endpoint(firm, url=receiver.url()))
        worker.send_due()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRYING and row.last_status_code is None
    assert row.last_error == "No answer within 0.3 s."


def test_redirects_are_not_followed(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving() as elsewhere, receiving(status=302, location="") as receiver:
        receiver.location = elsewhere.url("/stolen")
        row = queue(firm, endpoint(firm, url=receiver.url()))
        worker.send_due()
    row.refresh_from_db()
    assert row.status == DeliveryStatus.RETRYING and row.last_status_code == 302
    assert "do not follow redirects" in row.last_error
    assert elsewhere.requests == [] and len(receiver.requests) == 1


def test_the_address_guard_runs_again_at_send_time(firm: Firm) -> None:
    with receiving() as receiver:
        # saved while allowed, then the allow-list entry was removed: the send is refused, nothing is posted
        row = queue(firm, endpoint(firm, url=receiver.url()))
        worker.send_due()
    row.refresh_from_db()
    assert receiver.requests == [] and row.status == DeliveryStatus.RETRYING
    assert row.last_error.startswith("Refused by the address guard: 127.0.0.1 resolves to 127.0.0.1, a loopback")


def test_an_endpoint_failing_ten_times_in_a_row_is_switched_off_and_its_creator_told(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving(status=503) as receiver:
        hook = endpoint(firm, url=receiver.url(), created_by=firm.admin_user)
        for _ in range(worker.DISABLE_AFTER):
            queue(firm, hook)
        # ten deliveries, one attempt each
        run = worker.send_due()
        assert run.sent == 10 and run.disabled == [hook.pk]
        hook.refresh_from_db()
        assert not hook.active and hook.consecutive_failures == 10
        assert hook.disabled_reason.startswith("Switched off after 10 failed deliveries in a row; last: Answered 503")
        (told,) = Notification.objects.filter(user=firm.admin_user, kind="webhook.disabled")
        assert hook.name in told.text
        # while off nothing is sent; switched on, the failure count restarts and what waits goes out
        for row in Delivery.objects.filter(endpoint=hook):
            make_due(row)
        assert worker.send_due().sent == 0
        receiver.status = 200
        endpoint_enable(viewer=firm.admin, endpoint_id=hook.pk)
        hook.refresh_from_db()
        assert hook.active and hook.consecutive_failures == 0 and hook.disabled_reason == ""
        assert worker.send_due().delivered == 10


def test_send_test_reports_the_answer_at_once(firm: Firm) -> None:
    allowed_host_add(viewer=firm.admin, host="127.0.0.1")
    with receiving(status=202, reply=b"") as receiver:
        hook = endpoint(firm, EndpointFormat.TEAMS, url=receiver.url())
        row = worker.endpoint_send_test(viewer=firm.admin, endpoint_id=hook.pk)
    assert row.status == DeliveryStatus.DELIVERED and row.last_status_code == 202
    posted = receiver.requests[0].json()
    assert posted["attachments"][0]["content"]["body"][1]["text"] == worker.TEST_TEXT
    with receiving(status=404) as receiver:
        Endpoint.objects.filter(pk=hook.pk).update(url=receiver.url())
        row = worker.endpoint_send_test(viewer=firm.admin, endpoint_id=hook.pk)
    assert row.status == DeliveryStatus.FAILED and row.last_error == "Answered 404." and row.attempts == 1
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0  # a test does not count


def three_due(firm: Firm) -> list[Delivery]:
    hooks = [endpoint(firm, name=f"h{i}") for i in range(3)]
    rows = [queue(firm, hook) for hook in hooks[:1]] + [Delivery.objects.get(endpoint=h) for h in hooks[1:]]
    for row in rows:
        make_due(row)  # (in a committing test the job has already tried them once)
    return sorted(rows, key=lambda r: r.pk)


def test_claimed_rows_are_leased(firm: Firm) -> None:
    rows = three_due(firm)
    now = timezone.now()
    Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now - timedelta(seconds=1))
    first = worker._claim(2, now)
    assert first == [rows[0].pk, rows[1].pk]
    assert worker._claim(5, now) == [rows[2].pk]
    assert worker._claim(5, now) == []
    assert worker._claim(5, now + worker.LEASE + timedelta(seconds=1)) == [r.pk for r in rows]


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_row(firm: Firm) -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite has no row locks: one worker there")
    rows = three_due(firm)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                list(Delivery.objects.select_for_update().filter(pk=rows[0].pk))
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert worker._claim(10, timezone.now()) == [rows[1].pk, rows[2].pk]
    finally:
        release.set()
        thread.join()
