from __future__ import annotations

import json
from pathlib import Path

import adaptive_cards
import pytest
from jsonschema import Draft6Validator

from margin.notifications.payloads import PayloadRefused
from margin.notifications.teams import MAX_BYTES, size_of, teams_message
from margin.notifications.tests.test_slack import facts

SCHEMA = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text("utf-8"))


def test_workflows_envelope_with_a_valid_adaptive_card_1_5() -> None:
    message = teams_message(facts())
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    Draft6Validator(SCHEMA).validate(card)  # the official schema, independently of the builder's own check
    texts = [b.get("text") for b in card["body"]]
    assert texts[0] == "R-3 Vendor late" and texts[1] == "Maya logged R-3 <!channel> & co > here"
    assert card["body"][2]["facts"][0] == {"title": "Score", "value": "12"}
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Open in Margin",
        "url": "https://margin.example/projects/2/risks/3/",
        "mode": "primary",
    }
    assert "MessageCard" not in json.dumps(message)


def test_a_long_text_is_shortened_to_fit_28_kb() -> None:
    message = teams_message(facts(text="é" * 40000))
    assert size_of(message) <= MAX_BYTES
    text = message["attachments"][0]["content"]["body"][1]["text"]
    assert text.endswith("…") and 1000 < len(text) < 40000
    Draft6Validator(SCHEMA).validate(message["attachments"][0]["content"])


def test_a_card_that_cannot_fit_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PayloadRefused, match=r"Teams takes at most 2 KB, so it was not sent"):
        teams_message(facts(data={"fields": {f"field {i}": "v" * 400 for i in range(20)}}), max_bytes=2048)
