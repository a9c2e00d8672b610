"""Rate precedence (contract → client → organisation; person → role → everyone) and its explanation, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from margin.contracts.pricing import (
    CLIENT,
    CONTRACT,
    ORGANISATION,
    SCOPES,
    TARGETS,
    CardRate,
    candidates,
    explain,
    rate_applying,
)

ROLE, OTHER_ROLE, PERSON, OTHER_PERSON = 1, 2, 7, 8
JAN, MAR, APR = date(2026, 1, 1), date(2026, 3, 1), date(2026, 4, 1)

CONTRACT_CARD = [
    CardRate(CONTRACT, JAN, Decimal("100"), role_id=ROLE),
    CardRate(CONTRACT, APR, Decimal("110"), role_id=ROLE),
    CardRate(CONTRACT, JAN, Decimal("90"), role_id=OTHER_ROLE),
    CardRate(CONTRACT, MAR, Decimal("130"), person_id=PERSON),
]
CLIENT_CARD = [CardRate(CLIENT, JAN, Decimal("80"))]  # everyone, for this client
DEFAULTS = [
    CardRate(ORGANISATION, JAN, Decimal("150"), role_id=3),
    CardRate(ORGANISATION, JAN, Decimal("300"), person_id=PERSON),
]


def rate(rows: list[CardRate], person: int, role: int, day: date) -> Decimal | None:
    row = rate_applying(rows, person_id=person, role_id=role, day=day)
    return row.rate if row else None


def test_within_a_card_a_person_beats_their_role_once_in_force() -> None:
    assert rate(CONTRACT_CARD, PERSON, ROLE, date(2026, 2, 15)) == 100  # their own rate starts in March
    assert rate(CONTRACT_CARD, PERSON, ROLE, MAR) == 130
    assert rate(CONTRACT_CARD, PERSON, ROLE, date(2026, 5, 1)) == 130  # even over the later role rate
    assert rate(CONTRACT_CARD, OTHER_PERSON, ROLE, date(2026, 5, 1)) == 110
    assert rate(CONTRACT_CARD, OTHER_PERSON, OTHER_ROLE, date(2026, 5, 1)) == 90
    assert rate(CONTRACT_CARD, OTHER_PERSON, 3, date(2026, 5, 1)) is None
    assert rate(CONTRACT_CARD, OTHER_PERSON, ROLE, date(2025, 5, 1)) is None


def test_the_contract_card_beats_the_client_card_which_beats_the_defaults() -> None:
    rows = CONTRACT_CARD + CLIENT_CARD + DEFAULTS
    # The contract prices the role: the firm's premium rate for the person does not leak into it.
    assert rate(rows, PERSON, ROLE, date(2026, 2, 1)) == 100
    # A role the contract does not price: the client's rate for everyone applies.
    assert rate(rows, OTHER_PERSON, 3, date(2026, 2, 1)) == 80
    # Without the client's card, the firm's list price of the role.
    assert rate(CONTRACT_CARD + DEFAULTS, OTHER_PERSON, 3, date(2026, 2, 1)) == 150
    # Without contract and client cards, the person's own default rate beats their role's default.
    assert rate(DEFAULTS, PERSON, 3, date(2026, 2, 1)) == 300


def test_the_candidates_list_every_card_and_target_in_order() -> None:
    found = candidates(CONTRACT_CARD + CLIENT_CARD + DEFAULTS, person_id=PERSON, role_id=ROLE, day=MAR)
    assert [(c.scope, c.target) for c in found] == [(s, t) for s in SCOPES for t in TARGETS]
    assert [c.row.rate if c.row else None for c in found] == [130, 100, None, None, None, 80, 300, None, None]


def test_the_explanation_says_which_rate_and_why() -> None:
    rows = CONTRACT_CARD + CLIENT_CARD + DEFAULTS
    row = rate_applying(rows, person_id=PERSON, role_id=ROLE, day=MAR)
    assert explain(row, person_name="Maya", role_name="Consultant", currency="EUR") == (
        "130 EUR/h: Maya's own rate on the contract's rate card, from 2026-03-01."
    )
    row = rate_applying(rows, person_id=OTHER_PERSON, role_id=3, day=MAR)
    assert explain(row, person_name="Tom", role_name="Designer", currency="EUR") == (
        "80 EUR/h: the rate for everyone on the client's rate card, from 2026-01-01 "
        "(the contract's rate card had none for this hour)."
    )
    assert explain(None, person_name="Tom", role_name="Designer", currency="EUR").startswith("No rate card has a rate")


cards = st.lists(
    st.builds(
        CardRate,
        scope=st.sampled_from(SCOPES),
        valid_from=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
        rate=st.decimals(1, 500, places=2),
        role_id=st.sampled_from([None, ROLE, OTHER_ROLE]),
        person_id=st.sampled_from([None, PERSON, OTHER_PERSON]),
    ).filter(lambda r: r.role_id is None or r.person_id is None),
    max_size=12,
)


@given(cards, st.dates(date(2026, 1, 1), date(2026, 12, 31)))
def test_the_rate_is_the_first_candidate_in_force(rows: list[CardRate], day: date) -> None:
    chosen = rate_applying(rows, person_id=PERSON, role_id=ROLE, day=day)
    first = next((c.row for c in candidates(rows, person_id=PERSON, role_id=ROLE, day=day) if c.row), None)
    assert chosen == first
    if chosen is not None:
        assert chosen.valid_from <= day
        # Nothing on a more specific card could have priced the hour.
        more_specific = SCOPES[: SCOPES.index(chosen.scope)]
        assert not [
            r
            for r in rows
            if r.scope in more_specific
            and r.valid_from <= day
            and (r.person_id == PERSON or (r.person_id is None and r.role_id in (ROLE, None)))
        ]
