"""Exchange rates: dated lookups (direct, inverse, cross via EUR, none), conversion, manual entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.core.errors import Forbidden, Invalid, NotFound
from margin.core.models import AuditEntry
from margin.rates.actions import exchange_rate_delete, exchange_rate_set
from margin.rates.models import ExchangeRate, RateSource
from margin.rates.queries import (
    convert,
    exchange_rate_find,
    exchange_rate_get,
    exchange_rate_on,
    exchange_rates_visible,
)
from margin.rates.rules import FxQuote, convert_minor, resolve_rate
from tests.checks import audit_row, refused
from tests.firm import Firm

JAN5 = date(2026, 1, 5)


def _set(firm: Firm, source: str, target: str, day: date, rate: str) -> ExchangeRate:
    return exchange_rate_set(viewer=firm.finance, from_currency=source, to_currency=target, day=day, rate=Decimal(rate))


# --- pure rules -----------------------------------------------------------------------------------


def _table(*quotes: FxQuote):  # type: ignore[no-untyped-def]
    def latest(a: str, b: str) -> FxQuote | None:
        rows = [q for q in quotes if (q.from_currency, q.to_currency) == (a, b)]
        return max(rows, key=lambda q: q.day) if rows else None

    return latest


def test_resolve_prefers_the_more_recent_of_direct_and_inverse() -> None:
    old_direct = FxQuote("USD", "EUR", date(2025, 1, 1), Decimal("0.9"))
    new_inverse = FxQuote("EUR", "USD", date(2026, 1, 2), Decimal("1.25"))
    found = resolve_rate("USD", "EUR", _table(old_direct, new_inverse))
    assert found is not None and (found.rate, found.path, found.day) == (Decimal("0.8"), "inverse", date(2026, 1, 2))
    same_day = FxQuote("USD", "EUR", date(2026, 1, 2), Decimal("0.81"))
    found = resolve_rate("USD", "EUR", _table(old_direct, new_inverse, same_day))
    assert found is not None and (found.rate, found.path) == (Decimal("0.81"), "direct")


def test_resolve_crosses_through_eur_dated_by_the_older_leg() -> None:
    table = _table(
        FxQuote("EUR", "USD", date(2026, 1, 2), Decimal("1.25")),
        FxQuote("EUR", "GBP", date(2026, 1, 1), Decimal("0.85")),
    )
    found = resolve_rate("USD", "GBP", table)
    assert found is not None
    assert (found.rate, found.path, found.day) == (Decimal("0.680000000000"), "cross", date(2026, 1, 1))
    assert resolve_rate("USD", "JPY", table) is None
    assert resolve_rate("USD", "USD", table).rate == 1  # type: ignore[union-attr]


def test_inverse_keeps_twelve_decimals_rounded_half_up() -> None:
    found = resolve_rate("IDR", "EUR", _table(FxQuote("EUR", "IDR", date(2026, 1, 2), Decimal("17650.71"))))
    assert found is not None and found.rate == Decimal("0.000056654945")


def test_convert_rounds_once_half_up_to_the_target_minor_unit() -> None:
    assert convert_minor(1000, "EUR", "USD", Decimal("1.0525")) == 1053  # 10.525 → 10.53
    assert convert_minor(-1000, "EUR", "USD", Decimal("1.0525")) == -1053  # halves away from zero
    assert convert_minor(10000, "EUR", "JPY", Decimal("161.235")) == 16124  # 0 decimals
    assert convert_minor(12345, "USD", "KWD", Decimal("0.30705")) == 37905  # 3 decimals: 37.904 → 37.905
    assert convert_minor(1, "JPY", "EUR", Decimal("0.0062")) == 1  # 0.0062 EUR → 0.01


# --- lookups in the database -----------------------------------------------------------------------


def test_direct_lookup_takes_the_latest_rate_on_or_before_the_day(firm: Firm) -> None:
    _set(firm, "EUR", "USD", date(2026, 1, 2), "1.10")
    _set(firm, "EUR", "USD", JAN5, "1.12")
    _set(firm, "EUR", "USD", date(2026, 1, 6), "1.20")
    assert exchange_rate_on(firm.admin.organisation_id, "EUR", "USD", date(2026, 1, 4)) == Decimal("1.10")
    assert exchange_rate_on(firm.admin.organisation_id, "EUR", "USD", JAN5) == Decimal("1.12")
    assert exchange_rate_on(firm.admin.organisation_id, "eur", "usd", date(2027, 1, 1)) == Decimal("1.20")
    assert exchange_rate_on(firm.admin.organisation_id, "USD", "USD", JAN5) == 1


def test_inverse_and_cross_lookups(firm: Firm) -> None:
    _set(firm, "EUR", "USD", date(2026, 1, 2), "1.25")
    _set(firm, "EUR", "GBP", date(2026, 1, 2), "0.85")
    org = firm.admin.organisation_id
    assert exchange_rate_on(org, "USD", "EUR", JAN5) == Decimal("0.8")
    found = exchange_rate_find(org, "GBP", "USD", JAN5)
    assert (found.path, found.rate) == ("cross", Decimal("1.470588235294"))
    assert convert(10000, "GBP", "USD", JAN5, org) == (14706, Decimal("1.470588235294"))


def test_no_rate_is_refused_naming_the_pair_and_day(firm: Firm) -> None:
    _set(firm, "EUR", "USD", date(2026, 1, 6), "1.2")
    org = firm.admin.organisation_id
    with pytest.raises(Invalid, match="No USD→EUR rate on or before 2026-01-05") as info:
        exchange_rate_on(org, "USD", "EUR", JAN5)
    assert info.value.code == "no_exchange_rate"
    with pytest.raises(Invalid, match="No USD→CHF rate on or before 2026-01-05"):
        convert(100, "USD", "CHF", JAN5, org)
    # Another organisation's rates are not used.
    assert exchange_rate_on(org, "EUR", "USD", date(2026, 1, 6)) == Decimal("1.2")
    with pytest.raises(Invalid, match="No EUR→USD rate"):
        exchange_rate_on(firm.other_admin.organisation_id, "EUR", "USD", date(2026, 1, 6))


@pytest.mark.parametrize("code", ["XXX", "usdx", "", "EURO", "CYP"])
def test_unknown_currency_is_refused(firm: Firm, code: str) -> None:
    with pytest.raises(Invalid, match="Unknown currency"):
        exchange_rate_on(firm.admin.organisation_id, code, "EUR", JAN5)
    with refused(Invalid, match="Unknown currency"):
        _set(firm, "EUR", code, JAN5, "1.1")


# --- manual entry ---------------------------------------------------------------------------------


def test_exchange_rate_set_creates_then_corrects_with_audit(firm: Firm) -> None:
    row = _set(firm, "eur", "usd", JAN5, "1.1")
    assert (row.from_currency, row.to_currency, row.rate, row.source) == ("EUR", "USD", Decimal("1.1"), "manual")
    assert audit_row("exchange_rate.set", row).before is None
    again = _set(firm, "EUR", "USD", JAN5, "1.12")
    assert again.pk == row.pk and ExchangeRate.objects.count() == 1
    entry = AuditEntry.objects.filter(action="exchange_rate.set").order_by("-id").first()
    assert entry is not None and entry.before is not None and entry.after is not None
    assert entry.before["rate"] == "1.1" and entry.after["rate"] == "1.12"


@pytest.mark.parametrize(
    ("source", "target", "day", "rate", "match"),
    [
        ("EUR", "EUR", JAN5, "1", "two different currencies"),
        ("EUR", "USD", JAN5, "0", "above 0"),
        ("EUR", "USD", JAN5, "-1.2", "above 0"),
        ("EUR", "USD", JAN5, "1.1234567890123", "at most 12 decimals"),
        ("EUR", "USD", date(1980, 1, 1), "1.1", "before 1990"),
    ],
)
def test_exchange_rate_set_refuses_bad_input(
    firm: Firm, source: str, target: str, day: date, rate: str, match: str
) -> None:
    with refused(Invalid, match=match):
        _set(firm, source, target, day, rate)


def test_only_finance_and_admins_change_rates(firm: Firm) -> None:
    for viewer in (firm.manager, firm.member):
        with refused(Forbidden):
            exchange_rate_set(viewer=viewer, from_currency="EUR", to_currency="USD", day=JAN5, rate=Decimal("1.1"))
    row = exchange_rate_set(viewer=firm.admin, from_currency="EUR", to_currency="USD", day=JAN5, rate=Decimal("1"))
    with refused(Forbidden, row):
        exchange_rate_delete(viewer=firm.member, rate=row)
    # Everyone in the organisation may read them; other organisations may not.
    assert list(exchange_rates_visible(firm.member)) == [row]
    assert list(exchange_rates_visible(firm.other_admin)) == []
    with pytest.raises(NotFound):
        exchange_rate_get(firm.other_admin, row.pk)
    with refused(NotFound, row):
        exchange_rate_delete(viewer=firm.other_admin, rate=row)


def test_exchange_rate_delete_is_audited(firm: Firm) -> None:
    row = _set(firm, "EUR", "USD", JAN5, "1.1")
    row_id = row.pk
    exchange_rate_delete(viewer=firm.finance, rate=row)
    assert not ExchangeRate.objects.filter(pk=row_id).exists()
    entry = AuditEntry.objects.get(action="exchange_rate.delete", object_id=row_id)
    assert entry.before is not None and entry.before["rate"] == "1.1"


def test_visible_filters(firm: Firm) -> None:
    _set(firm, "EUR", "USD", JAN5, "1.1")
    _set(firm, "EUR", "GBP", JAN5, "0.8")
    _set(firm, "EUR", "USD", date(2026, 2, 5), "1.2")
    assert [r.rate for r in exchange_rates_visible(firm.member, to_ccy="usd")] == [Decimal("1.2"), Decimal("1.1")]
    assert [r.to_currency for r in exchange_rates_visible(firm.member, until=JAN5)] == ["GBP", "USD"]
    assert exchange_rates_visible(firm.member, source=RateSource.ECB).count() == 0
