"""Utilisation: how much of people's time is billable, against their targets, and what billing made of it.

Which time counts (docs/glossary.md):

- **recorded** time is every time entry that is not rejected (draft, submitted and approved), in worked minutes:
  utilisation is about what people did, and a week's time is usually approved days later;
- **billable** time is the recorded entries marked billable (worked minutes, not the rounded billing minutes);
- **capacity** is :func:`margin.resourcing.capacity.capacity_by_day` (calendars, holidays, time off, part-time,
  employment dates), the one capacity every screen shows.

Two denominators, always labelled: billable ÷ capacity ("of capacity") and billable ÷ recorded ("of recorded
hours"). The **target** is each person's dated target (:mod:`margin.resourcing.queries.targets`) weighed by their
capacity day by day, so a period across a change, or a group of people with different targets, gets the
capacity-weighted mean. **Realisation** is billed ÷ standard value of the period's time that issued invoices
billed: each entry's share of its invoice line (the line's amount × the entry's value ÷ the line's time value)
over the entry's own value at standard rates (its bill amount snapshot, written on approval). Credit notes are
not deducted. It is money: only for viewers who see money, and only over the projects whose money they see.
**Forecast** utilisation is bookings (hard, and hard + soft) ÷ capacity for the coming weeks.

Reads are set-based: one grouped query of the time entries per person (a column pair per period for a series),
one of the billed time, the capacity of all people at once and the organisation's targets once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField, Q, Sum
from django.utils import timezone

from margin.accounts.queries import Viewer, people_visible
from margin.billing.models import BilledTime, DocumentKind, InvoiceStatus
from margin.core.errors import Invalid
from margin.core.periods import month_end
from margin.projects.queries import money_scope
from margin.resourcing.capacity import capacity_by_day, days_between
from margin.resourcing.queries import booked_by_week, can_see_resources, monday_of, target_minutes, targets_of
from margin.timesheets.models import EntryStatus, TimeEntry

GROUPS = ("person", "role", "team", "company")
STEPS = ("month", "week")
MAX_DAYS = 2 * 366
FORECAST_WEEKS = 12
MAX_FORECAST_WEEKS = 26
NO_MANAGER = "No line manager"


def pct(part: int | float, whole: int | float) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """Minutes (and, where the viewer sees money, minor units) of one group over one period."""

    capacity: int = 0
    recorded: int = 0
    billable: int = 0
    target: int = 0  # capacity × target %, in minutes
    targeted: bool = False  # some target applies to someone of the group (else the target is "–", not 0 %)
    billed: float = 0.0
    standard: int = 0
    people: int = 0

    def add(self, other: Figures) -> None:
        self.capacity += other.capacity
        self.recorded += other.recorded
        self.billable += other.billable
        self.target += other.target
        self.targeted = self.targeted or other.targeted
        self.billed += other.billed
        self.standard += other.standard
        self.people += other.people

    @property
    def of_capacity(self) -> Decimal | None:
        return pct(self.billable, self.capacity)

    @property
    def of_recorded(self) -> Decimal | None:
        return pct(self.billable, self.recorded)

    @property
    def target_pct(self) -> Decimal | None:
        return pct(self.target, self.capacity) if self.targeted else None

    @property
    def realisation(self) -> Decimal | None:
        return pct(self.billed, self.standard)


@dataclass
class Row:
    key: int
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class UtilisationReport:
    first: date
    last: date
    group: str
    rows: list[Row]
    total: Figures
    money: bool  # realisation shown (the viewer sees some money)


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    role_id: int
    role: str
    company_id: int
    company: str
    manager_id: int | None
    manager: str


def people_in_scope(viewer: Viewer, *, person_ids: Iterable[int] | None = None) -> list[Member]:
    """People whose utilisation the viewer sees: everyone of their companies for administrators, finance and
    managers; a team member only themselves."""
    scope = people_visible(viewer)
    if not can_see_resources(viewer):
        scope = scope.filter(pk=viewer.person_id or 0)
    if person_ids is not None:
        scope = scope.filter(pk__in=list(person_ids))
    rows = scope.order_by("name", "id").values_list(
        "id", "name", "role_id", "role__name", "company_id", "company__name", "manager_id", "manager__name"
    )
    return [Member(*r[:6], r[6], r[7] or "") for r in rows]


def group_of(member: Member, group: str) -> tuple[int, str]:
    if group == "person":
        return member.id, member.name
    if group == "role":
        return member.role_id, member.role
    if group == "team":
        return (member.manager_id, f"Team of {member.manager}") if member.manager_id else (0, NO_MANAGER)
    return member.company_id, member.company


def check_period(first: date, last: date) -> None:
    if last < first:
        raise Invalid("The period ends on or after the day it begins.", field="to")
    if (last - first).days >= MAX_DAYS:
        raise Invalid("Ask for at most two years at a time.", field="to")


def check_group(group: str) -> None:
    if group not in GROUPS:
        raise Invalid("Group by person, role, team or company.", field="group")


# From this many days on, SQLite reads the time table in one scan rather than through the (person, day) index:
# a year of 1,000,000 entries is three times faster scanned than looked up person by person (bench/resourcing.py).
SCAN_FROM_DAYS = 90
FEW_PEOPLE = 50


def _time_by_person(
    organisation_id: int, ids: list[int], buckets: Sequence[tuple[date, date]]
) -> dict[int, list[tuple[int, int]]]:
    """(recorded, billable) minutes per person and bucket: one grouped scan of the time entries (a pair of
    conditional sums per bucket when there are several). Many people over a long period: the organisation's
    entries in one scan, the people not asked for dropped here; a few people: through the (person, day) index."""
    first, last = buckets[0][0], buckets[-1][1]
    table = TimeEntry._meta.db_table
    columns, params = [], []
    if len(buckets) == 1:
        columns = ["SUM(minutes)", "SUM(CASE WHEN billable THEN minutes ELSE 0 END)"]
    else:
        for a, b in buckets:
            columns.append("SUM(CASE WHEN work_date >= %s AND work_date <= %s THEN minutes ELSE 0 END)")
            columns.append("SUM(CASE WHEN work_date >= %s AND work_date <= %s AND billable THEN minutes ELSE 0 END)")
            params += [a, b, a, b]
    many = len(ids) > FEW_PEOPLE and (last - first).days >= SCAN_FROM_DAYS
    scan = " NOT INDEXED" if many and connection.vendor == "sqlite" else ""
    if many:
        who, who_params = "organisation_id = %s", [organisation_id]
    else:
        who, who_params = f"person_id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    # The table's name and placeholders only: every value is a parameter.
    sql = (
        f"SELECT person_id, {', '.join(columns)} FROM {table}{scan} "  # noqa: S608
        f"WHERE work_date >= %s AND work_date <= %s AND status <> %s AND {who} GROUP BY person_id"
    )
    wanted = set(ids)
    out: dict[int, list[tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, first, last, EntryStatus.REJECTED, *who_params])
        for row in cursor.fetchall():
            if int(row[0]) not in wanted:
                continue
            sums = [int(v or 0) for v in row[1:]]
            out[int(row[0])] = [(sums[2 * i], sums[2 * i + 1]) for i in range(len(buckets))]
    return out


def _billed_by_person(
    viewer: Viewer, ids: list[int], buckets: Sequence[tuple[date, date]]
) -> dict[int, list[tuple[float, int]]]:
    """(billed share, standard value) per person and bucket of the time issued invoices billed, over the projects
    whose money the viewer sees."""
    first, last = buckets[0][0], buckets[-1][1]
    scope = money_scope(viewer)
    share = ExpressionWrapper(
        F("time_entry__bill_amount_minor") * 1.0 * F("line__amount_minor") / F("line__time_value_minor"),
        output_field=FloatField(),
    )
    aggregates: dict[str, Any] = {}
    for i, (a, b) in enumerate(buckets):
        inside = Q(time_entry__work_date__gte=a, time_entry__work_date__lte=b)
        aggregates[f"s{i}"] = Sum(share, filter=inside)
        aggregates[f"v{i}"] = Sum("time_entry__bill_amount_minor", filter=inside)
    rows = BilledTime.objects.filter(
        time_entry__person_id__in=ids,
        time_entry__work_date__gte=first,
        time_entry__work_date__lte=last,
        line__invoice__status=InvoiceStatus.ISSUED,
        line__invoice__kind=DocumentKind.INVOICE,
        line__time_value_minor__gt=0,
        line__invoice__organisation_id=viewer.organisation_id,
    )
    if not scope.everything:
        rows = rows.filter(time_entry__project_id__in=list(scope.project_ids))
    grouped: Iterable[Mapping[str, Any]] = rows.values("time_entry__person_id").annotate(**aggregates).order_by()
    return {
        r["time_entry__person_id"]: [(float(r[f"s{i}"] or 0), int(r[f"v{i}"] or 0)) for i in range(len(buckets))]
        for r in grouped
    }


def sees_money(viewer: Viewer) -> bool:
    scope = money_scope(viewer)
    return scope.everything or bool(scope.project_ids)


def _facts(
    viewer: Viewer, members: list[Member], buckets: Sequence[tuple[date, date]], *, money: bool
) -> dict[int, list[Figures]]:
    """Per person and bucket: capacity, target, recorded, billable (and billed, standard when ``money``)."""
    ids = [m.id for m in members]
    if not ids:
        return {}
    first, last = buckets[0][0], buckets[-1][1]
    days = days_between(first, last)
    caps = capacity_by_day(ids, days)
    targets = targets_of(viewer.organisation_id)
    time = _time_by_person(viewer.organisation_id, ids, buckets)
    billed = _billed_by_person(viewer, ids, buckets) if money else {}
    spans = [((a - first).days, (b - first).days + 1) for a, b in buckets]
    out: dict[int, list[Figures]] = {}
    for m in members:
        cap = caps.get(m.id, [0] * len(days))
        steps = targets.steps(m.id, m.role_id)
        recorded = time.get(m.id)
        money_rows = billed.get(m.id)
        figures = []
        for i, (lo, hi) in enumerate(spans):
            f = Figures(
                capacity=sum(cap[lo:hi]),
                target=target_minutes(steps, days[lo:hi], cap[lo:hi]),
                targeted=bool(steps) and steps[0][0] <= days[hi - 1],
                recorded=recorded[i][0] if recorded else 0,
                billable=recorded[i][1] if recorded else 0,
                billed=money_rows[i][0] if money_rows else 0.0,
                standard=money_rows[i][1] if money_rows else 0,
                people=1,
            )
            figures.append(f)
        out[m.id] = figures
    return out


def utilisation_report(viewer: Viewer, *, first: date, last: date, group: str = "person") -> UtilisationReport:
    """Utilisation of the viewer's people over ``first``–``last``, one row per ``group``, and the total."""
    check_group(group)
    check_period(first, last)
    members = people_in_scope(viewer)
    money = sees_money(viewer)
    facts = _facts(viewer, members, [(first, last)], money=money)
    rows: dict[int, Row] = {}
    total = Figures()
    for m in members:
        f = facts[m.id][0]
        if f.capacity == 0 and f.recorded == 0:
            continue  # not employed in the period and no time: not part of it
        key, label = group_of(m, group)
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key, label)
        row.figures.add(f)
        total.add(f)
    ordered = sorted(rows.values(), key=lambda r: (r.label == NO_MANAGER, r.label.lower(), r.key))
    return UtilisationReport(first, last, group, ordered, total, money)


@dataclass(frozen=True)
class Series:
    """One group's utilisation per period (month or week), for the chart."""

    labels: list[str]
    starts: list[date]
    figures: list[Figures]


def buckets_of(first: date, last: date, step: str) -> list[tuple[date, date]]:
    out = []
    if step == "week":
        a = monday_of(first)
        while a <= last:
            out.append((max(a, first), min(a + timedelta(days=6), last)))
            a += timedelta(days=7)
        return out
    a = first.replace(day=1)
    while a <= last:
        out.append((max(a, first), min(month_end(a), last)))
        a = month_end(a) + timedelta(days=1)
    return out


def utilisation_series(
    viewer: Viewer, *, first: date, last: date, group: str = "company", key: int | None = None, step: str = "month"
) -> Series:
    """The utilisation of one group (``key``; None: everyone in scope) per month or week."""
    check_group(group)
    check_period(first, last)
    if step not in STEPS:
        raise Invalid("Show months or weeks.", field="step")
    members = [m for m in people_in_scope(viewer) if key is None or group_of(m, group)[0] == key]
    buckets = buckets_of(first, last, step)
    facts = _facts(viewer, members, buckets, money=False)
    sums = [Figures() for _ in buckets]
    for per_bucket in facts.values():
        for total, f in zip(sums, per_bucket, strict=True):
            total.add(f)
    fmt = "%b %Y" if step == "month" else "%d %b"
    return Series([a.strftime(fmt) for a, _ in buckets], [a for a, _ in buckets], sums)


@dataclass
class ForecastRow:
    key: int
    label: str
    capacity: list[int]
    hard: list[int]
    soft: list[int]
    target: list[int]
    targeted: bool = False  # some target applies to someone of the group (else the target is "–", not 0 %)

    def hard_pct(self, i: int) -> Decimal | None:
        return pct(self.hard[i], self.capacity[i])

    def total_pct(self, i: int) -> Decimal | None:
        return pct(self.hard[i] + self.soft[i], self.capacity[i])

    def target_pct(self, i: int) -> Decimal | None:
        return pct(self.target[i], self.capacity[i]) if self.targeted else None

    def bench(self, i: int) -> int:
        return max(0, self.capacity[i] - self.hard[i] - self.soft[i])


@dataclass(frozen=True)
class Forecast:
    weeks: list[date]
    group: str
    rows: list[ForecastRow]
    total: ForecastRow


def utilisation_forecast(
    viewer: Viewer, *, first_monday: date | None = None, weeks: int = FORECAST_WEEKS, group: str = "person"
) -> Forecast:
    """Bookings ÷ capacity per group and week for the coming ``weeks`` (hard, and hard + soft), with the target
    and the bench (capacity nobody has booked)."""
    check_group(group)
    if not 1 <= weeks <= MAX_FORECAST_WEEKS:
        raise Invalid(f"Forecast 1 to {MAX_FORECAST_WEEKS} weeks.", field="weeks")
    start = monday_of(first_monday or timezone.localdate())
    members = people_in_scope(viewer)
    starts = [start + timedelta(days=7 * i) for i in range(weeks)]
    ids = [m.id for m in members]
    days = days_between(start, start + timedelta(days=7 * weeks - 1))
    caps = capacity_by_day(ids, days) if ids else {}
    loads = booked_by_week(ids, start, weeks, capacity=caps) if ids else {}
    targets = targets_of(viewer.organisation_id)
    rows: dict[int, ForecastRow] = {}
    total = ForecastRow(0, "Everyone", [0] * weeks, [0] * weeks, [0] * weeks, [0] * weeks)
    for m in members:
        load = loads.get(m.id)
        if load is None or not any(load.capacity):
            continue
        key, label = group_of(m, group)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ForecastRow(key, label, [0] * weeks, [0] * weeks, [0] * weeks, [0] * weeks)
        steps = targets.steps(m.id, m.role_id)
        cap = caps[m.id]
        if steps and steps[0][0] <= days[-1]:
            row.targeted = total.targeted = True
        for i in range(weeks):
            t = target_minutes(steps, days[7 * i : 7 * i + 7], cap[7 * i : 7 * i + 7])
            for r in (row, total):
                r.capacity[i] += load.capacity[i]
                r.hard[i] += load.hard[i]
                r.soft[i] += load.soft[i]
                r.target[i] += t
    ordered = sorted(rows.values(), key=lambda r: (r.label == NO_MANAGER, r.label.lower(), r.key))
    return Forecast(starts, group, ordered, total)
