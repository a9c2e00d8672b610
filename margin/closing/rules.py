"""Pure rules of a close: which lock dates may be chosen, and what a checklist item is and when it blocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from margin.core.errors import Conflict, Invalid


def check_lock_date(through: date, *, today: date, standing: date | None) -> None:
    """A period can be closed up to today, and only beyond the date already closed."""
    if through > today:
        raise Invalid(f"{through} is in the future; a period can be closed up to today.", field="through")
    if standing is not None and through <= standing:
        raise Conflict(f"The period up to {standing} is closed already.", field="through")


@dataclass(frozen=True)
class ChecklistItem:
    """One thing a close looks at before it locks a period.

    `amounts` are (currency, minor units) pairs, one per currency, empty when the item is not money.
    `target` names the screen (a URL name) where the work is done; the interfaces turn it into a link.
    A `blocking` item with a count stops the close unless finance gives a reason to override it; the
    others only warn."""

    key: str
    label: str
    count: int
    blocking: bool
    target: str
    amounts: tuple[tuple[str, int], ...] = field(default=())

    @property
    def blocks(self) -> bool:
        return self.blocking and self.count > 0


def blocking_items(items: Sequence[ChecklistItem]) -> list[ChecklistItem]:
    return [item for item in items if item.blocks]


def check_not_blocked(items: Sequence[ChecklistItem], *, override_reason: str) -> None:
    """A close with blocking work left is refused, unless a reason to close anyway is given (and audited)."""
    blocking = blocking_items(items)
    if blocking and not override_reason:
        what = "; ".join(f"{item.label}: {item.count}" for item in blocking)
        raise Conflict(
            f"The close is blocked ({what}). Finish that work first, or give a reason to close anyway.",
            field="through",
            code="close_blocked",
        )
