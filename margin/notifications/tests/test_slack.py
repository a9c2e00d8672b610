from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from margin.notifications.payloads import EventFacts
from margin.notifications.slack import escape, fit, slack_message


def facts(**changes: Any) -> EventFacts:
    values: dict[str, Any] = {
        "id": 5,
        "kind": "risk.raised",
        "kind_label": "A risk is logged on a project I follow",
        "created_at": "2026-12-07T09:00:00+00:00",
        "organisation_id": 1,
        "project_id": 2,
        "object_type": "risks.risk",
        "object_id": 3,
        "text": "Maya logged R-3 <!channel> & co > here",
        "url": "https://margin.example/projects/2/risks/3/",
        "data": {"title": "R-3 Vendor late", "fields": {"Score": "12", "Owner": "<@U123> Maya"}},
    }
    values.update(changes)
    return EventFacts(**values)


def test_block_kit_message_parses_back_and_escapes_user_data() -> None:
    message = slack_message(facts())
    assert message["text"] == "Maya logged R-3 &lt;!channel&gt; &amp; co &gt; here"
    types = [b["type"] for b in message["blocks"]]
    assert types == ["header", "section", "context", "actions"]
    section = message["blocks"][1]
    assert "<!channel>" not in str(message)
    assert section["fields"][1]["text"] == "*Owner*\n&lt;@U123&gt; Maya"
    assert message["blocks"][3]["elements"][0]["url"] == "https://margin.example/projects/2/risks/3/"
    for raw in message["blocks"]:
        assert Block.parse(raw).to_dict() == raw  # type: ignore[union-attr]


def test_limits_are_kept_by_cutting_before_building() -> None:
    long = "<" * 5000
    message = slack_message(
        facts(text=long, data={"title": "T" * 400, "fields": {f"f{i}": "v" * 3000 for i in range(15)}})
    )
    header, section = message["blocks"][0], message["blocks"][1]
    assert len(header["text"]["text"]) == 150
    assert len(section["text"]["text"]) <= 3000 and section["text"]["text"].endswith("…")
    assert "&l…" not in section["text"]["text"] and section["text"]["text"].count("&lt;") == 749
    assert len(section["fields"]) == 10 and all(len(f["text"]) <= 2000 for f in section["fields"])


def test_no_link_button_without_a_url_and_escape_helpers() -> None:
    message = slack_message(facts(url="", data={}))
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]
    assert message["blocks"][0]["text"]["text"] == "A risk is logged on a project I follow"
    assert escape("a&b<c>d") == "a&amp;b&lt;c&gt;d"
    assert fit("&&&&", 10) == "&amp;…"
