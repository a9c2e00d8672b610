"""Which bill rate applies to an hour of work, and why. Pure functions, no Django.

Rates come from three rate cards, most specific first: the **contract's** (what was negotiated for this
work), the **client's** (what this client pays unless a contract says otherwise), the **organisation's
default** (the firm's list prices). The first card that has a rate for the hour wins; within a card, a
**person's** own rate beats their **role's**, which beats the card's rate for **everyone**. Every row is
dated: a row is in force from its date until the next row for the same target on the same card.

So a contract's flat rate for everyone beats the firm's list price for a role (the contract was negotiated
to replace the list), and a person's premium rate at the firm level does not leak into a contract that
priced their role (ADR 0019).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from margin.rates.rules import latest_on

CONTRACT = "contract"
CLIENT = "client"
ORGANISATION = "organisation"
SCOPES = (CONTRACT, CLIENT, ORGANISATION)  # most specific first
SCOPE_NAMES = {
    CONTRACT: "the contract's rate card",
    CLIENT: "the client's rate card",
    ORGANISATION: "the default rates",
}

PERSON = "person"
ROLE = "role"
EVERYONE = "everyone"
TARGETS = (PERSON, ROLE, EVERYONE)  # most specific first


@dataclass(frozen=True)
class CardRate:
    """One row of a rate card: on `scope`'s card, for a person, a role or (both None) everyone, from a date."""

    scope: str
    valid_from: date
    rate: Decimal
    role_id: int | None = None
    person_id: int | None = None

    @property
    def target(self) -> str:
        if self.person_id is not None:
            return PERSON
        return ROLE if self.role_id is not None else EVERYONE


def _matches(row: CardRate, target: str, person_id: int, role_id: int | None) -> bool:
    if target == PERSON:
        return row.person_id == person_id
    if target == ROLE:
        return row.person_id is None and row.role_id is not None and row.role_id == role_id
    return row.person_id is None and row.role_id is None


@dataclass(frozen=True)
class Candidate:
    """A (card, target) the rule looked at, in order, and the row in force there (None: nothing)."""

    scope: str
    target: str
    row: CardRate | None


def _candidates(rates: Sequence[CardRate], person_id: int, role_id: int | None, day: date) -> Iterator[Candidate]:
    for scope in SCOPES:
        for target in TARGETS:
            matching = (r for r in rates if r.scope == scope and _matches(r, target, person_id, role_id))
            yield Candidate(scope, target, latest_on(matching, day))


def candidates(rates: Sequence[CardRate], *, person_id: int, role_id: int | None, day: date) -> list[Candidate]:
    """Every (card, target) in precedence order with the row in force on `day`: the rule's whole reasoning."""
    return list(_candidates(rates, person_id, role_id, day))


def rate_applying(rates: Sequence[CardRate], *, person_id: int, role_id: int | None, day: date) -> CardRate | None:
    """The row that prices an hour of `person_id` (in `role_id`) on `day`, or None when no card has one: the
    first candidate with a row (the search stops there)."""
    return next((c.row for c in _candidates(rates, person_id, role_id, day) if c.row is not None), None)


def explain(row: CardRate | None, *, person_name: str, role_name: str, currency: str) -> str:
    """One sentence saying which rate applied and why, for a person reading an entry or an invoice line."""
    if row is None:
        return (
            f"No rate card has a rate for {person_name} or {role_name or 'their role'} on this day: "
            "the contract's, the client's and the default rates were searched."
        )
    whom = {
        PERSON: f"{person_name}'s own rate",
        ROLE: f"the rate of {role_name or 'their role'}",
        EVERYONE: "the rate for everyone",
    }
    rate = f"{row.rate.normalize():f} {currency}/h"
    text = f"{rate}: {whom[row.target]} on {SCOPE_NAMES[row.scope]}, from {row.valid_from.isoformat()}"
    above = SCOPES[: SCOPES.index(row.scope)]
    if above:
        text += " (" + " and ".join(SCOPE_NAMES[s] for s in above) + " had none for this hour)"
    return text + "."
