"""Writes on cost rates, valued baselines and exchange rates (bill rates are `margin.contracts`')."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.projects.actions import baseline_save
from margin.projects.models import Baseline, Project
from margin.projects.queries import can_manage, in_scope
from margin.rates import ecb
from margin.rates.costing import planned_task_costs
from margin.rates.models import CostRate, ExchangeRate, RateSource
from margin.rates.rules import RATE_PLACES, currency_code

MAX_RATE = Decimal("1000000")


def check_rate(rate: Decimal, field: str) -> None:
    if not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
        raise Invalid("A rate must be between 0 and 1,000,000 per hour.", field=field)
    if rate != rate.quantize(Decimal("0.0001")):
        raise Invalid("A rate has at most 4 decimals.", field=field)


@transaction.atomic
def cost_rate_set(*, viewer: Viewer, person: Person, valid_from: date, hourly_cost: Decimal) -> CostRate:
    """What an hour of this person costs the firm from a date on (in their company's currency)."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may set cost rates.")
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    check_rate(hourly_cost, "hourly_cost")
    existing = CostRate.objects.filter(person=person, valid_from=valid_from).first()
    before = {"hourly_cost": str(existing.hourly_cost)} if existing else None
    rate, _ = CostRate.objects.update_or_create(
        person=person,
        valid_from=valid_from,
        defaults={
            "hourly_cost": hourly_cost,
            "currency": person.company.base_currency,
            "organisation_id": person.organisation_id,
        },
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="cost_rate.set",
        obj=rate,
        before=before,
        after={"person": person.pk, "valid_from": valid_from.isoformat(), "hourly_cost": str(hourly_cost)},
    )
    return rate


@transaction.atomic
def cost_rate_delete(*, viewer: Viewer, rate: CostRate) -> None:
    """Remove one dated cost rate (a mistyped one, say). Approved time keeps the cost it was valued at: its
    amounts are a snapshot (`time_entries_approve`)."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may change cost rates.")
    person = rate.person
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such cost rate.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="cost_rate.delete",
        obj=rate,
        before={"person": person.pk, "valid_from": rate.valid_from.isoformat(), "hourly_cost": str(rate.hourly_cost)},
    )
    CostRate.objects.filter(pk=rate.pk).delete()


@transaction.atomic
def baseline_save_valued(
    *, viewer: Viewer, project: Project, index: int | None = None, name: str | None = None, overwrite: bool = False
) -> Baseline:
    """Save the current plan as a baseline with each task's planned cost (``margin.rates.costing``).

    Every caller that saves a baseline goes through here, so no baseline is saved without its costs. The
    permission checks and the audit row are ``projects.actions.baseline_save``'s; the costs are read in the
    same transaction, under the plan's lock (taken here first, so the costs and the dates are of one plan)."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change the plan.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    return baseline_save(
        viewer=viewer,
        project=project,
        index=index,
        name=name,
        overwrite=overwrite,
        task_costs=planned_task_costs(project),
    )


# --- exchange rates -------------------------------------------------------------------------------

EARLIEST_RATE_DAY = date(1990, 1, 1)
MAX_EXCHANGE_RATE = Decimal("1e12")
UPSERT_BATCH = 5000


def _require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may change exchange rates.")


def _check_exchange_rate(rate: Decimal) -> None:
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0 or rate >= MAX_EXCHANGE_RATE:
        raise Invalid("An exchange rate must be a number above 0.", field="rate")
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise Invalid(f"An exchange rate has at most {RATE_PLACES} decimals.", field="rate")


def _rate_snapshot(row: ExchangeRate) -> dict[str, str]:
    return {
        "from_currency": row.from_currency,
        "to_currency": row.to_currency,
        "day": row.day.isoformat(),
        "rate": format(Decimal(row.rate).normalize(), "f"),
        "source": row.source,
    }


@transaction.atomic
def exchange_rate_set(
    *, viewer: Viewer, from_currency: str, to_currency: str, day: date, rate: Decimal
) -> ExchangeRate:
    """Enter (or correct) the rate of a pair on a day by hand: 1 from_currency = rate to_currency."""
    _require_finance(viewer)
    source = currency_code(from_currency, field="from_currency")
    target = currency_code(to_currency, field="to_currency")
    if source == target:
        raise Invalid("Choose two different currencies.", field="to_currency")
    if day < EARLIEST_RATE_DAY:
        raise Invalid(f"A rate before {EARLIEST_RATE_DAY} is not accepted.", field="day")
    _check_exchange_rate(rate)
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(organisation_id=viewer.organisation_id, from_currency=source, to_currency=target, day=day)
        .first()
    )
    before = _rate_snapshot(existing) if existing else None
    if existing is None:
        row = ExchangeRate.objects.create(
            organisation_id=viewer.organisation_id,
            from_currency=source,
            to_currency=target,
            day=day,
            rate=rate,
            source=RateSource.MANUAL,
        )
    else:
        row = existing
        row.rate = rate
        row.source = RateSource.MANUAL
        row.save(update_fields=["rate", "source", "updated_at"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="exchange_rate.set",
        obj=row,
        before=before,
        after=_rate_snapshot(row),
    )
    return row


@transaction.atomic
def exchange_rate_delete(*, viewer: Viewer, rate: ExchangeRate) -> None:
    _require_finance(viewer)
    if rate.organisation_id != viewer.organisation_id:
        raise NotFound("No such exchange rate.")
    before = _rate_snapshot(rate)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="exchange_rate.delete",
        obj=rate,
        before=before,
    )
    rate.delete()


@dataclass(frozen=True)
class EcbImport:
    """What an ECB import did: `stored` rates of the file now in the table, `new` of them not there before,
    `updated` of them there with another rate (a correction by the ECB), `kept_manual`
    rates left alone because someone entered them by hand, and the currencies the file held but ISO 4217
    has withdrawn (not stored)."""

    format: str
    days: int
    stored: int
    new: int
    updated: int
    kept_manual: int
    first_day: date | None
    last_day: date | None
    skipped_currencies: tuple[str, ...]


_UPSERT_CONFLICT = """
    ON CONFLICT (organisation_id, from_currency, to_currency, day) DO UPDATE
    SET rate = excluded.rate, source = excluded.source, updated_at = excluded.updated_at
    WHERE {table}.source = 'ecb' AND {table}.rate <> excluded.rate
"""


def _upsert_ecb(organisation_id: int, rates: list[ecb.EcbRate], now: datetime) -> int:
    """Insert or correct EUR→X rates in one statement; returns the rows written (inserted or changed).

    PostgreSQL: one INSERT … SELECT FROM unnest(arrays). SQLite: one executemany of the same upsert.
    (bulk_create spent ~20 s preparing the 170,000 objects of eurofxref-hist.csv field by field.)"""
    table = ExchangeRate._meta.db_table
    columns = "organisation_id, from_currency, to_currency, day, rate, source, updated_at"
    conflict = _UPSERT_CONFLICT.format(table=table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model, values bound
                "SELECT %s, 'EUR', c, d, r, 'ecb', %s FROM unnest(%s::text[], %s::date[], %s::numeric[]) AS t(c, d, r)"
                + conflict,
                [organisation_id, now, [r.currency for r in rates], [r.day for r in rates], [r.rate for r in rates]],
            )
            return int(cursor.rowcount)
        ops = connection.ops
        stamp = ops.adapt_datetimefield_value(now)
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, 'EUR', %s, %s, %s, 'ecb', %s)" + conflict,  # noqa: S608
            [
                (
                    organisation_id,
                    r.currency,
                    ops.adapt_datefield_value(r.day),
                    ops.adapt_decimalfield_value(r.rate, 24, RATE_PLACES),
                    stamp,
                )
                for r in rates
            ],
        )
        return int(cursor.rowcount)  # executemany sums the rows each statement changed


@transaction.atomic
def exchange_rates_import_ecb(
    *, viewer: Viewer, data: bytes, progress: Callable[[int, int], None] | None = None
) -> EcbImport:
    """Store the EUR→X rates of an ECB reference-rate file (XML, CSV or zip), all or nothing.

    Set-based: one upsert statement per 5,000 rates (INSERT … ON CONFLICT … DO UPDATE on both databases,
    updating only rates that differ). Importing the same file again changes nothing (new = updated = 0).
    A rate someone entered by hand for the same pair and day wins over the file and is counted in
    `kept_manual`. `progress(done, total)` is called after each batch."""
    _require_finance(viewer)
    try:
        parsed = ecb.parse(data)
    except ecb.EcbError as error:
        raise Invalid(str(error), field="file") from None
    organisation_id = viewer.organisation_id
    rows = parsed.rates
    manual: set[tuple[str, date]] = set()
    existing = 0
    if rows:
        span = ExchangeRate.objects.filter(
            organisation_id=organisation_id,
            from_currency="EUR",
            to_currency__in={r.currency for r in rows},
            day__gte=parsed.first_day,
            day__lte=parsed.last_day,
        )
        manual = set(span.filter(source=RateSource.MANUAL).values_list("to_currency", "day"))
        existing = span.filter(source=RateSource.ECB).count()
    wanted = [r for r in rows if (r.currency, r.day) not in manual]
    total = len(wanted)
    written = 0
    now = timezone.now()
    for start in range(0, total, UPSERT_BATCH):
        batch = wanted[start : start + UPSERT_BATCH]
        written += _upsert_ecb(organisation_id, batch, now)
        if progress is not None:
            progress(start + len(batch), total)
    after = (
        ExchangeRate.objects.filter(
            organisation_id=organisation_id,
            from_currency="EUR",
            source=RateSource.ECB,
            day__gte=parsed.first_day,
            day__lte=parsed.last_day,
            to_currency__in={r.currency for r in rows},
        ).count()
        if rows
        else 0
    )
    result = EcbImport(
        format=parsed.format,
        days=parsed.days,
        stored=total,
        new=after - existing,
        updated=written - (after - existing),
        kept_manual=len(rows) - total,
        first_day=parsed.first_day,
        last_day=parsed.last_day,
        skipped_currencies=parsed.skipped_currencies,
    )
    audit.record_many(
        organisation_id=organisation_id,
        actor_id=viewer.user_id,
        action="exchange_rates.import_ecb",
        changes=[
            audit.Change(
                object_type=ExchangeRate._meta.label_lower,
                object_id=0,
                before=None,
                after={
                    "format": result.format,
                    "days": result.days,
                    "stored": result.stored,
                    "new": result.new,
                    "updated": result.updated,
                    "kept_manual": result.kept_manual,
                    "first_day": result.first_day.isoformat() if result.first_day else None,
                    "last_day": result.last_day.isoformat() if result.last_day else None,
                    "skipped_currencies": list(result.skipped_currencies),
                },
            )
        ],
    )
    return result
