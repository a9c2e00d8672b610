"""Reads of rate tables, shaped for the pure rules in rates.rules (one query per table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.rates.models import CostRate, ExchangeRate
from margin.rates.rules import DatedRate, FxQuote, FxRate, convert_minor, currency_code, resolve_rate


def cost_rates_by_person(person_ids: Iterable[int]) -> dict[int, list[DatedRate]]:
    table: dict[int, list[DatedRate]] = defaultdict(list)
    rows = CostRate.objects.filter(person_id__in=list(person_ids)).values_list(
        "person_id", "valid_from", "hourly_cost", "currency"
    )
    for person_id, valid_from, cost, currency in rows:
        table[person_id].append(DatedRate(valid_from=valid_from, rate=cost, person_id=person_id, currency=currency))
    return table


def cost_rates_of(person_id: int) -> list[CostRate]:
    return list(CostRate.objects.filter(person_id=person_id).order_by("valid_from"))


def cost_rates_visible(viewer: Viewer, person: Person) -> list[CostRate]:
    """A person's cost rates: what their hours cost the firm, which only finance and admins see."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may see cost rates.")
    return cost_rates_of(person.pk)


def cost_rate_get(viewer: Viewer, person: Person, rate_id: int) -> CostRate:
    rate = next((r for r in cost_rates_visible(viewer, person) if r.pk == rate_id), None)
    if rate is None:
        raise NotFound("No such cost rate.")
    return rate


# --- exchange rates -------------------------------------------------------------------------------


def _latest_quote(organisation_id: int, day: date) -> Callable[[str, str], FxQuote | None]:
    def latest(source: str, target: str) -> FxQuote | None:
        row = (
            ExchangeRate.objects.filter(
                organisation_id=organisation_id, from_currency=source, to_currency=target, day__lte=day
            )
            .order_by("-day")
            .values_list("day", "rate")
            .first()
        )
        return FxQuote(source, target, row[0], row[1]) if row else None

    return latest


def exchange_rate_find(organisation_id: int, from_ccy: str, to_ccy: str, day: date) -> FxRate:
    """The rate that applies on `day`, with how it was found and the date of its quote.

    The latest rate on or before the day: direct or inverse (the more recent one), else crossed through
    EUR (see `margin.rates.rules.resolve_rate`). Unknown currencies and missing rates raise Invalid."""
    source = currency_code(from_ccy, field="from_currency")
    target = currency_code(to_ccy, field="to_currency")
    found = resolve_rate(source, target, _latest_quote(organisation_id, day))
    if found is None:
        raise Invalid(
            f"No {source}→{target} rate on or before {day.isoformat()}: enter one under Exchange rates "
            "or import the ECB reference rates.",
            field="currency",
            code="no_exchange_rate",
        )
    return found


def exchange_rate_on(organisation_id: int, from_ccy: str, to_ccy: str, day: date) -> Decimal:
    """How many `to_ccy` one `from_ccy` is worth on `day` (12 decimals). Invalid when unknown or missing."""
    return exchange_rate_find(organisation_id, from_ccy, to_ccy, day).rate


def convert(amount_minor: int, from_ccy: str, to_ccy: str, day: date, organisation_id: int) -> tuple[int, Decimal]:
    """`amount_minor` (minor units of `from_ccy`) in minor units of `to_ccy` on `day`, and the rate used.

    The amount is multiplied by the rate exactly and rounded once, half up, to the target's minor unit."""
    found = exchange_rate_find(organisation_id, from_ccy, to_ccy, day)
    return convert_minor(amount_minor, found.from_currency, found.to_currency, found.rate), found.rate


def exchange_rates_visible(
    viewer: Viewer,
    *,
    from_ccy: str | None = None,
    to_ccy: str | None = None,
    since: date | None = None,
    until: date | None = None,
    source: str | None = None,
) -> QuerySet[ExchangeRate]:
    """The organisation's exchange rates (every member may read them: expenses are converted with them)."""
    rows = ExchangeRate.objects.filter(organisation_id=viewer.organisation_id)
    if from_ccy:
        rows = rows.filter(from_currency=from_ccy.strip().upper())
    if to_ccy:
        rows = rows.filter(to_currency=to_ccy.strip().upper())
    if since:
        rows = rows.filter(day__gte=since)
    if until:
        rows = rows.filter(day__lte=until)
    if source:
        rows = rows.filter(source=source)
    return rows.order_by("-day", "from_currency", "to_currency")


def exchange_rate_get(viewer: Viewer, rate_id: int) -> ExchangeRate:
    row = ExchangeRate.objects.filter(organisation_id=viewer.organisation_id, pk=rate_id).first()
    if row is None:
        raise NotFound("No such exchange rate.")
    return row


def exchange_rate_pairs(viewer: Viewer) -> list[tuple[str, str]]:
    """The pairs that have at least one stored rate, for filters and the chart."""
    return list(
        ExchangeRate.objects.filter(organisation_id=viewer.organisation_id)
        .values_list("from_currency", "to_currency")
        .distinct()
        .order_by("from_currency", "to_currency")
    )
