"""An event as a Slack incoming-webhook message: Block Kit built with slack_sdk's block models (pure).

User data is escaped (`& < >`) wherever Slack reads mrkdwn, so a comment saying `<!channel>` cannot ping a
channel, and every text is cut to Slack's limits before the models are built (header 150, section 3000,
ten fields of 2000); the models check those limits again when serialised.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from margin.notifications.payloads import EventFacts, PayloadRefused, shorten

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_MAX = 2000
URL_MAX = 3000


def escape(text: str) -> str:
    """Slack's three control characters as entities (what Slack asks of any text it parses)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped and cut so that the escaped form has at most `limit` characters (never mid-entity)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    used = 0
    for char in text:
        piece = escape(char)
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + "…"


def slack_message(facts: EventFacts) -> dict[str, Any]:
    """The JSON of a Slack incoming-webhook POST for this event (`text` is the notification fallback)."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=shorten(facts.title, HEADER_MAX), emoji=False)),
    ]
    fields = [
        MarkdownTextObject(text=fit(f"*{name}*\n{value}", FIELD_MAX)) for name, value in facts.fields()[:FIELDS_MAX]
    ]
    blocks.append(SectionBlock(text=MarkdownTextObject(text=fit(facts.text, SECTION_MAX)), fields=fields or None))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=fit(f"{facts.kind_label} · {facts.created_at}", CONTEXT_MAX))])
    )
    if facts.url and len(facts.url) <= URL_MAX:
        blocks.append(
            ActionsBlock(elements=[ButtonElement(text="Open in Margin", url=facts.url, action_id="open-in-margin")])
        )
    try:
        return {"text": fit(facts.text, SECTION_MAX), "blocks": [b.to_dict() for b in blocks]}
    except SlackObjectFormationError as error:
        raise PayloadRefused(f"Slack would refuse this message: {error}") from error
