"""GET /notifications, GET /notifications/unread, POST /notifications/read: only your own."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User

from margin.api.tests.conftest import Api, error_of, last_monday, unchanged
from margin.core.models import Notification
from margin.core.notifications import Message, notify
from margin.timesheets.actions import time_entries_reject, time_entries_submit, time_entry_create
from tests.firm import Firm


def _some(firm: Firm) -> list[Notification]:
    org = firm.admin.organisation_id
    rows = notify(
        organisation_id=org,
        messages=[Message(user_id=firm.member.user_id, kind="k", text=f"n{i}", url="/week/") for i in range(3)],
    )
    notify(organisation_id=org, messages=[Message(user_id=firm.member2.user_id, kind="k", text="lea's")])
    return rows


def test_list_count_and_mark_read(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    mine = _some(firm)
    api = api_as(firm.member_user)
    body = api.get("/notifications").json()
    assert body["count"] == 3
    assert [n["text"] for n in body["items"]] == ["n2", "n1", "n0"]
    assert set(body["items"][0]) == {"id", "kind", "text", "url", "created_at", "read_at"}
    assert api.get("/notifications/unread").json() == {"unread": 3}
    assert api.post("/notifications/read", {"ids": [mine[0].pk]}).json() == {"count": 1}
    assert api.get("/notifications", {"unread": "true"}).json()["count"] == 2
    assert api.get("/notifications", {"unread": "false"}).json()["count"] == 1
    assert api.post("/notifications/read", {}).json() == {"count": 2}
    assert api.get("/notifications/unread").json() == {"unread": 0}
    assert api_as(firm.member2_user).get("/notifications/unread").json() == {"unread": 1}


def test_others_notifications_and_bad_bodies_change_nothing(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    mine = _some(firm)
    lea = Notification.objects.get(user=firm.member2_user)
    api = api_as(firm.member_user)
    with unchanged(lea, *mine):
        error_of(api.post("/notifications/read", {"ids": [lea.pk]}), 404, "not_found")
        error_of(api.post("/notifications/read", {"ids": [mine[0].pk, lea.pk]}), 404, "not_found")
        error_of(api.post("/notifications/read", {"ids": []}), 422)
        error_of(api.post("/notifications/read", {"ids": [0]}), 422)
        error_of(api.post("/notifications/read", {"ids": "all"}), 422)
    assert api.get("/notifications").json()["count"] == 3
    assert api_as(None).get("/notifications").status_code == 401


def test_a_rejection_shows_up_in_the_api(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    entry = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday(), minutes=60
    )
    time_entries_submit(viewer=firm.member, monday=last_monday())
    time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Wrong task")
    items = api_as(firm.member_user).get("/notifications").json()["items"]
    assert len(items) == 1 and items[0]["kind"] == "time.rejected" and items[0]["text"].endswith(": Wrong task")
