"""What an event looks like outside Margin: the facts every format is built from, and the generic signed
webhook's JSON (pure).

`EventFacts` is taken from an `Event` once per publish; the Slack and Teams modules turn the same facts into
their own formats, so the three never disagree about what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventFacts:
    id: int
    kind: str
    kind_label: str
    created_at: str  # ISO 8601 with offset
    organisation_id: int
    project_id: int | None
    object_type: str
    object_id: int | None
    text: str
    url: str  # absolute, or empty
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """A short heading: the event's own title if it gave one, else the kind's label."""
        given = self.data.get("title")
        return str(given) if given else self.kind_label

    def fields(self) -> list[tuple[str, str]]:
        """The name/value pairs an event offers for display (`data["fields"]`: a dict or a list of pairs)."""
        raw = self.data.get("fields")
        pairs: list[tuple[str, str]] = []
        if isinstance(raw, dict):
            pairs = [(str(k), str(v)) for k, v in raw.items()]
        elif isinstance(raw, list):
            for item in raw:
                if isinstance(item, list | tuple) and len(item) == 2:
                    pairs.append((str(item[0]), str(item[1])))
        return pairs


def webhook_payload(facts: EventFacts) -> dict[str, Any]:
    """The JSON body of a generic webhook (documented in docs/architecture.md §22)."""
    return {
        "id": facts.id,
        "kind": facts.kind,
        "created_at": facts.created_at,
        "organisation_id": facts.organisation_id,
        "project_id": facts.project_id,
        "object": {"type": facts.object_type, "id": facts.object_id},
        "text": facts.text,
        "url": facts.url,
        "data": facts.data,
    }


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


class PayloadRefused(ValueError):
    """A message that cannot be sent as built (too large for the channel even shortened, or invalid):
    its deliveries fail at once with this message, and nothing is posted."""
