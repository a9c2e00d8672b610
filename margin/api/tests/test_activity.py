"""The API of the activity feed, following and notification preferences."""

from __future__ import annotations

from django.test import Client

from margin.api.tests.conftest import BASE
from margin.projects import actions
from tests.firm import Firm


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_project_activity_pages_and_404s(firm: Firm) -> None:
    for n in range(4):
        actions.task_create(viewer=firm.manager, project=firm.project, name=f"<i>T{n}</i>")
    client = _client(firm.member_user)
    first = client.get(f"{BASE}/projects/{firm.project.pk}/activity", {"limit": 2}).json()
    assert [i["text"] for i in first["items"]] == ["Maya added task *<i>T3</i>*", "Maya added task *<i>T2</i>*"]
    assert first["items"][0]["parts"][1] == {"text": "<i>T3</i>", "name": True}
    older = client.get(f"{BASE}/projects/{firm.project.pk}/activity", {"limit": 2, "before": first["next_cursor"]})
    assert [i["text"] for i in older.json()["items"]] == ["Maya added task *<i>T1</i>*", "Maya added task *<i>T0</i>*"]
    bad = client.get(f"{BASE}/projects/{firm.project.pk}/activity", {"before": "x"})
    assert bad.status_code == 422
    assert client.get(f"{BASE}/projects/{firm.other_project.pk}/activity").status_code == 404
    mine = client.get(f"{BASE}/activity").json()
    assert {i["project_name"] for i in mine["items"]} == {"Globex portal"}


def test_task_activity_is_the_tasks_own_history(firm: Firm) -> None:
    actions.task_update(viewer=firm.manager, task=firm.build, name="Build it")
    actions.task_update(viewer=firm.manager, task=firm.design, name="Design it")  # another task's: not listed
    client = _client(firm.member_user)
    url = f"{BASE}/tasks/{firm.build.pk}/activity"
    items = client.get(url).json()["items"]
    assert items[0]["text"] == "Maya renamed *Build* to *Build it*"
    assert all(i["object_id"] == firm.build.pk for i in items if i["object_type"] == "projects.task")
    assert client.get(url, {"before": "x"}).status_code == 422
    other = firm.other_project.tasks.first() or actions.task_create(
        viewer=firm.other_admin, project=firm.other_project, name="Theirs"
    )
    assert client.get(f"{BASE}/tasks/{other.pk}/activity").status_code == 404


def test_follow_endpoints(firm: Firm) -> None:
    client = _client(firm.finance_user)
    url = f"{BASE}/projects/{firm.project.pk}/follow"
    assert client.get(url).json() == {"project_id": firm.project.pk, "following": False}
    assert client.post(url).json()["following"] is True
    assert client.post(url).status_code == 200  # again: nothing changes
    assert [f["code"] for f in client.get(f"{BASE}/me/follows").json()] == ["GLX-1"]
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 204
    assert client.get(f"{BASE}/me/follows").json() == []
    assert client.post(f"{BASE}/projects/{firm.other_project.pk}/follow").status_code == 404


def test_preferences_round_trip_and_refusal(firm: Firm) -> None:
    client = _client(firm.member_user)
    url = f"{BASE}/me/notification-preferences"
    shown = client.get(url).json()
    risk = next(p for p in shown["preferences"] if p["kind"] == "risk.raised")
    assert (risk["app"], risk["email"], risk["group"]) == (True, "digest", "Risks and issues")
    assert shown["slack_channel"] is False
    body = {"preferences": [{"kind": "risk.raised", "app": False, "email": "immediate", "slack": False, "teams": True}]}
    saved = client.put(url, body, content_type="application/json").json()
    risk = next(p for p in saved["preferences"] if p["kind"] == "risk.raised")
    assert (risk["app"], risk["email"], risk["teams"]) == (False, "immediate", True)
    bad = {"preferences": [{"kind": "no.such", "app": True, "email": "off", "slack": False, "teams": False}]}
    answer = client.put(url, bad, content_type="application/json")
    assert answer.status_code == 422 and answer.json()["field"] == "kind"
    wrong = {"preferences": [{"kind": "risk.raised", "app": True, "email": "weekly", "slack": False, "teams": False}]}
    assert client.put(url, wrong, content_type="application/json").status_code == 422
    again = client.get(url).json()
    assert next(p for p in again["preferences"] if p["kind"] == "risk.raised")["email"] == "immediate"
