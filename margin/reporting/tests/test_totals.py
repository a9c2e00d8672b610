"""Firm totals add figures of one currency only, and derive margin by the same rules as a project."""

from __future__ import annotations

from decimal import Decimal

from margin.reporting.queries import ProjectFigures, totals_by_currency


def _figures(code: str, currency: str, billed: int, wip: int, cost: int) -> ProjectFigures:
    return ProjectFigures(
        currency=currency,
        billed_minor=billed,
        wip_minor=wip,
        cost_minor=cost,
        project_id=1,
        code=code,
        name=code,
        client_name="",
        manager_name="",
        status="active",
        logged_minutes=0,
        approved_minutes=0,
        budget_minutes=0,
        budget_amount_minor=0,
    )


def test_totals_by_currency_never_mix_currencies() -> None:
    totals = totals_by_currency(
        [
            _figures("A", "USD", 10_000, 5_000, 9_000),
            _figures("B", "EUR", 50_000, 0, 20_000),
            _figures("C", "USD", 0, 1_000, 2_000),
        ]
    )
    assert [(t.currency, t.billed_minor, t.wip_minor, t.cost_minor) for t in totals] == [
        ("EUR", 50_000, 0, 20_000),
        ("USD", 10_000, 6_000, 11_000),
    ]
    usd = totals[1]
    assert (usd.revenue_minor, usd.margin_minor, usd.margin_pct) == (16_000, 5_000, Decimal("31.3"))
    assert str(usd.margin) == "50.00 USD"
    assert totals_by_currency([]) == []
