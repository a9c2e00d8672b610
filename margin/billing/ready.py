"""Ready to bill: what each contract's billing lines yield up to a date, before anything is drafted.

The queue is the preview of a draft and the draft is made from it, so what finance sees is what gets
billed. Per billing line:

- **time and materials**: approved, billable time not billed, held or written off, summed per project,
  task, role and rate (one GROUP BY for every contract that bills plain time); a capped line bills
  whole entries, oldest first, while they fit under the cap and holds the rest for a decision
  (`contracts.rules.apply_cap`: an entry the cap would split is held whole, so nothing is ever billed
  beyond the cap and nothing is lost);
- **retainer**: each period's fee once its period has started, and after a period ends its usage (the
  entries it consumed) with any overage priced at the overage rate; a live balance of the period the
  date falls in;
- **fixed fee**: instalments due on their date or at their milestone (a finished task), never twice;
- **progress**: the price × % complete (from the plan or entered) less what was billed already;
- **expenses**: approved billable expense lines of the covered projects, at their stored bill amount
  (the markup applied on approval).

Amounts here are in the currency time is valued in (the company's); drafting converts them into the
contract's currency. Contracts whose lines are only plain time and expenses take the set-based path
(no Python loop over entries); the others read their own entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, QuerySet, Sum, Value, When

from margin.billing import staging
from margin.billing.models import (
    BilledInstalment,
    BilledPeriod,
    DocumentKind,
    HoldReason,
    InvoiceLine,
    LineKind,
)
from margin.billing.queries import expense_items_of, expenses_unbilled_of, line_groups_of, not_held
from margin.billing.rules import ExpenseItem, LineGroup, expense_description, time_description
from margin.contracts import rules as contract_rules
from margin.contracts.models import BillingLine, BillingModel, CapKind, Contract, Instalment, ProgressSource
from margin.core.money import Money
from margin.projects.models import Project, Task, TaskStatus
from margin.rates.rules import value_of_minutes
from margin.timesheets.models import EntryStatus, TimeEntry

HOURS = "HUR"
ONE = "C62"


@dataclass(frozen=True)
class Item:
    """One invoice line to be, in the currency time is valued in."""

    kind: str
    project_id: int
    billing_line_id: int | None
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_minor: int
    minutes: int = 0
    task_id: int | None = None
    role_id: int | None = None
    time_value_minor: int = 0
    entry_ids: tuple[int, ...] = ()  # time billed by this line, when read one by one
    entries: int = 0  # how many entries a grouped time line bills
    expense_line_id: int | None = None
    instalment_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    retainer_part: str = ""  # BilledPeriod.FEE or USAGE
    reason: str = ""


@dataclass(frozen=True)
class Held:
    """An entry a draft would not bill: over a cap, waiting for a decision."""

    entry_id: int
    project_id: int
    billing_line_id: int
    work_date: date
    minutes: int
    value_minor: int


@dataclass(frozen=True)
class Blocked:
    """An instalment that cannot be billed as it stands (its milestone was cancelled)."""

    instalment_id: int
    amount_minor: int
    reason: str


@dataclass(frozen=True)
class RetainerBalance:
    """Where a retainer stands in the period a date falls in: units are minutes or minor units."""

    billing_line_id: int
    name: str
    unit: str  # "minutes" or "money"
    period_start: date
    period_end: date
    allowance: int
    carried_in: int
    used: int
    left_now: int
    overage: int

    @property
    def text(self) -> str:
        if self.unit == "minutes":
            left = f"{Decimal(self.left_now) / 60:.1f} h"
            over = f"{Decimal(self.overage) / 60:.1f} h"
        else:
            left, over = f"{self.left_now}", f"{self.overage}"
        what = "this month" if (self.period_end - self.period_start).days < 32 else "this quarter"
        return f"{left} left {what}" + (f", {over} over" if self.overage else "")


@dataclass(frozen=True)
class CapStatus:
    billing_line_id: int
    kind: str
    limit: int
    used_before: int  # billed already
    billed_now: int
    held_now: int


@dataclass
class Ready:
    """A contract's queue up to a date."""

    contract: Contract
    up_to: date
    items: list[Item] = field(default_factory=list)
    over_cap: list[Held] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    balances: list[RetainerBalance] = field(default_factory=list)
    caps: list[CapStatus] = field(default_factory=list)
    # Approved billable time of covered projects that no billing line takes (no time line, outside any
    # retainer): shown so that nobody wonders where it went.
    unassigned_minutes: int = 0

    @property
    def total_minor(self) -> int:
        return sum(i.amount_minor for i in self.items)

    @property
    def project_ids(self) -> set[int]:
        return {i.project_id for i in self.items}


# --- what is unbilled --------------------------------------------------------------------------


def time_unbilled(project_ids: Iterable[int], up_to: date) -> QuerySet[TimeEntry]:
    """Approved billable time of the projects up to a date that no invoice took and nobody held or
    wrote off (time marked to be billed over a cap is billed like any other)."""
    return TimeEntry.objects.filter(
        not_held(),
        project_id__in=list(project_ids),
        status=EntryStatus.APPROVED,
        billable=True,
        billing__isnull=True,
        work_date__lte=up_to,
    )


def _minutes_text(minutes: int) -> str:
    return f"{Decimal(minutes) / 60:.2f} h"


def _time_item(project_id: int, line: BillingLine, group: LineGroup, currency: str, ids: tuple[int, ...] = ()) -> Item:
    return Item(
        kind=LineKind.TIME,
        project_id=project_id,
        billing_line_id=line.pk,
        description=time_description(group),
        quantity=(Decimal(group.minutes) / 60).quantize(Decimal("0.0001")),
        unit=HOURS,
        unit_price=group.hourly_rate,
        amount_minor=value_of_minutes(group.minutes, group.hourly_rate, currency).to_minor(),
        minutes=group.minutes,
        task_id=group.task_id,
        role_id=group.role_id,
        time_value_minor=group.time_value_minor,
        entry_ids=ids,
        entries=group.entries,
    )


# --- contracts, read once ----------------------------------------------------------------------


@dataclass
class _Terms:
    contract: Contract
    projects: list[Project]
    lines: list[BillingLine]

    def of(self, model: str) -> list[BillingLine]:
        return [line for line in self.lines if line.model == model]

    @property
    def time_line(self) -> BillingLine | None:
        lines = self.of(BillingModel.TIME_AND_MATERIALS)
        return lines[0] if lines else None

    @property
    def plain(self) -> bool:
        """Only uncapped time and expenses: the set-based path."""
        return all(
            line.model == BillingModel.EXPENSES
            or (line.model == BillingModel.TIME_AND_MATERIALS and line.cap_kind == CapKind.NONE)
            for line in self.lines
        )


def _terms_of(contracts: Sequence[Contract]) -> dict[int, _Terms]:
    terms = {c.pk: _Terms(c, [], []) for c in contracts}
    for project in Project.objects.filter(coverage__contract__in=list(terms)).select_related("coverage"):
        terms[project.coverage.contract_id].projects.append(project)
    for line in BillingLine.objects.filter(contract__in=list(terms)).order_by("position", "id"):
        terms[line.contract_id].lines.append(line)
    return terms


# --- the queue ---------------------------------------------------------------------------------


def ready_to_bill(contracts: Sequence[Contract], up_to: date, *, stage: bool = False) -> dict[int, Ready]:
    """Every contract's queue up to a date, keyed by contract id. Contracts with nothing are present
    with no items. With `stage` (an invoice run on PostgreSQL, inside its transaction) the plain contracts'
    unbilled entries are copied once into a temporary table that the grouping and then the linking read
    (`billing.staging`), instead of reading the entries twice."""
    terms = _terms_of(contracts)
    ready = {c.pk: Ready(c, up_to) for c in contracts}
    plain = [t for t in terms.values() if t.plain and t.time_line is not None]
    _plain_time(plain, ready, up_to, stage=stage)
    spent = _expenses_unbilled(terms.values(), up_to)
    for t in terms.values():
        if not t.plain:
            _special_time(t, ready[t.contract.pk], up_to)
        _expenses(t, ready[t.contract.pk], spent)
        _fixed(t, ready[t.contract.pk], up_to)
        _progress(t, ready[t.contract.pk], up_to)
    # Plain contracts without a time line (expenses only); the others count theirs in _special_time.
    no_time_line = [t for t in terms.values() if t.plain and t.time_line is None]
    if no_time_line:
        _unassigned(no_time_line, ready, up_to)
    return ready


def _plain_time(plain: list[_Terms], ready: dict[int, Ready], up_to: date, *, stage: bool) -> None:
    """Uncapped time of many contracts in one GROUP BY."""
    contract_of = {p.pk: t for t in plain for p in t.projects}
    if not contract_of:
        return
    unbilled = time_unbilled(contract_of, up_to)
    groups = staging.stage_and_group(unbilled) if stage else line_groups_of(unbilled)
    for project_id, project_groups in groups.items():
        t = contract_of[project_id]
        line = t.time_line
        assert line is not None
        currency = t.projects[0].currency
        ready[t.contract.pk].items += [_time_item(project_id, line, g, currency) for g in project_groups]


@dataclass(frozen=True)
class _Entry:
    id: int
    project_id: int
    task_id: int | None
    task_name: str
    role_id: int | None
    role_name: str
    rate: Decimal
    work_date: date
    minutes: int
    value_minor: int


def _entries(queryset: QuerySet[TimeEntry]) -> list[_Entry]:
    rows = queryset.values_list(
        "id",
        "project_id",
        "task_id",
        "task__name",
        "role_id",
        "role__name",
        "bill_rate",
        "work_date",
        "billable_minutes",
        "bill_amount_minor",
    ).order_by("work_date", "id")
    return [
        _Entry(i, p, t, tn or "General", r, rn or "", Decimal(rate or 0), d, int(m), int(v))
        for i, p, t, tn, r, rn, rate, d, m, v in rows
    ]


def _grouped(entries: list[_Entry]) -> dict[int, list[tuple[LineGroup, tuple[int, ...]]]]:
    """Entries summed per project, task, role and rate, with the ids each group bills."""
    sums: dict[tuple[int, int | None, str, int | None, str, Decimal], list[_Entry]] = defaultdict(list)
    for e in entries:
        sums[(e.project_id, e.task_id, e.task_name, e.role_id, e.role_name, e.rate)].append(e)
    out: dict[int, list[tuple[LineGroup, tuple[int, ...]]]] = defaultdict(list)
    for (project_id, task_id, task_name, role_id, role_name, rate), members in sums.items():
        group = LineGroup(
            task_id=task_id,
            task_name=task_name,
            role_id=role_id,
            role_name=role_name,
            hourly_rate=rate,
            minutes=sum(e.minutes for e in members),
            time_value_minor=sum(e.value_minor for e in members),
            entries=len(members),
        )
        out[project_id].append((group, tuple(e.id for e in members)))
    for groups in out.values():
        groups.sort(key=lambda g: (g[0].task_name, g[0].role_name, g[0].hourly_rate))
    return out


def _in_window(day: date, line: BillingLine) -> bool:
    assert line.start_date is not None
    return line.start_date <= day and (line.end_date is None or day <= line.end_date)


def _special_time(t: _Terms, ready: Ready, up_to: date) -> None:
    """Time of a contract with a cap or a retainer, entry by entry."""
    projects = [p.pk for p in t.projects]
    if not projects:
        return
    currency = t.projects[0].currency
    retainers = t.of(BillingModel.RETAINER)
    unbilled = _entries(time_unbilled(projects, up_to))
    outside = [e for e in unbilled if not any(_in_window(e.work_date, r) for r in retainers)]
    for retainer in retainers:
        _retainer(t, retainer, ready, up_to, [e for e in unbilled if _in_window(e.work_date, retainer)], currency)
    line = t.time_line
    if line is None:
        ready.unassigned_minutes += sum(e.minutes for e in outside)
        return
    billed = outside
    if line.cap_kind != CapKind.NONE:
        billed = _capped(line, outside, ready)
    for project_id, groups in _grouped(billed).items():
        ready.items += [_time_item(project_id, line, g, currency, ids) for g, ids in groups]


def billed_net(line: BillingLine, kind: str) -> tuple[int, int]:
    """Minutes and amount a billing line's lines of a kind billed, less what credit notes took back
    (drafts included: two drafts never bill the same share)."""
    sign = Case(When(invoice__kind=DocumentKind.CREDIT_NOTE, then=Value(-1)), default=Value(1))
    totals = InvoiceLine.objects.filter(billing_line=line, kind=kind).aggregate(
        minutes=Sum(F("minutes") * sign), value=Sum(F("amount_minor") * sign)
    )
    return max(int(totals["minutes"] or 0), 0), max(int(totals["value"] or 0), 0)


def _capped(line: BillingLine, entries: list[_Entry], ready: Ready) -> list[_Entry]:
    """Bill whole entries under the cap, oldest first; hold the rest (an entry the cap would split too)."""
    assert line.cap_limit is not None
    used_minutes, used_minor = billed_net(line, LineKind.TIME)
    # Time marked "bill over the cap" was decided on: it is billed, outside the cap.
    decided = set(
        TimeEntry.objects.filter(id__in=[e.id for e in entries], hold__reason=HoldReason.BILL_OVER_CAP).values_list(
            "id", flat=True
        )
    )
    capped = [e for e in entries if e.id not in decided]
    shares = contract_rules.apply_cap(
        [contract_rules.CapEntry(e.id, e.work_date, e.minutes, e.value_minor) for e in capped],
        cap=contract_rules.Cap(line.cap_kind, line.cap_limit),
        used_minutes=used_minutes,
        used_minor=used_minor,
    )
    held_ids = {s.entry_id for s in shares if s.held_minutes or s.held_minor}
    by_id = {e.id: e for e in entries}
    ready.over_cap += [
        Held(i, by_id[i].project_id, line.pk, by_id[i].work_date, by_id[i].minutes, by_id[i].value_minor)
        for i in sorted(held_ids, key=lambda i: (by_id[i].work_date, i))
    ]
    billed = [e for e in entries if e.id not in held_ids]

    def measure(e: _Entry) -> int:
        return e.minutes if line.cap_kind == CapKind.MINUTES else e.value_minor

    ready.caps.append(
        CapStatus(
            line.pk,
            line.cap_kind,
            line.cap_limit,
            used_minutes if line.cap_kind == CapKind.MINUTES else used_minor,
            sum(measure(e) for e in billed if e.id not in decided),
            sum(measure(by_id[i]) for i in held_ids),
        )
    )
    return billed


# --- retainers ---------------------------------------------------------------------------------


def _period_usage(t: _Terms, line: BillingLine, starts: list[date]) -> list[int]:
    """Units used in each period: approved billable time of the covered projects (minutes billed, or
    their value for a prepaid amount), whatever its billing state."""
    assert line.start_date is not None
    if not starts:
        return []
    last_end = contract_rules.period_of(starts[-1], line.start_date, line.frequency)[1]
    rows = (
        TimeEntry.objects.filter(
            project_id__in=[p.pk for p in t.projects],
            status=EntryStatus.APPROVED,
            billable=True,
            work_date__gte=line.start_date,
            work_date__lte=min(last_end, line.end_date or last_end),
        )
        .values("work_date")
        .annotate(minutes=Sum("billable_minutes"), value=Sum("bill_amount_minor"))
        .order_by()
    )
    usage = [0] * len(starts)
    index = {s: n for n, s in enumerate(starts)}
    for r in rows:
        start = contract_rules.period_of(r["work_date"], line.start_date, line.frequency)[0]
        if start in index:
            usage[index[start]] += int(r["minutes"] if line.allowance_unit == "minutes" else r["value"])
    return usage


def _period_label(start: date, end: date) -> str:
    return f"{start:%b %Y}" if (end - start).days < 32 else f"{start:%b}–{end:%b %Y}"


def _retainer(t: _Terms, line: BillingLine, ready: Ready, up_to: date, unbilled: list[_Entry], currency: str) -> None:
    assert line.start_date is not None and line.allowance is not None
    last = min(up_to, line.end_date or up_to)
    starts = contract_rules.period_starts(line.start_date, line.frequency, last) if line.start_date <= last else []
    billed = set(BilledPeriod.objects.filter(billing_line=line).values_list("period_start", "part"))
    project_id = t.projects[0].pk
    terms = contract_rules.RetainerTerms(
        allowance=line.allowance,
        rollover=line.rollover,
        rollover_periods=line.rollover_periods,
        overage_rate=line.overage_rate,
    )
    # The balance runs to the period the date falls in, so the live figure includes it.
    current = contract_rules.period_starts(line.start_date, line.frequency, up_to) if line.start_date <= up_to else []
    ledger = contract_rules.retainer_ledger(terms, _period_usage(t, line, current))
    for n, start in enumerate(starts):
        end = min(contract_rules.period_of(start, line.start_date, line.frequency)[1], line.end_date or date.max)
        label = _period_label(start, end)
        if (start, BilledPeriod.FEE) not in billed and line.fee_minor:
            ready.items.append(
                Item(
                    kind=LineKind.RETAINER,
                    project_id=project_id,
                    billing_line_id=line.pk,
                    description=f"{line.name} — {label}",
                    quantity=Decimal(1),
                    unit=ONE,
                    unit_price=Money.from_minor(line.fee_minor, currency).amount,
                    amount_minor=line.fee_minor,
                    period_start=start,
                    period_end=end,
                    retainer_part=BilledPeriod.FEE,
                    reason="The period has started: its fee is billed in advance.",
                )
            )
        if end <= up_to and (start, BilledPeriod.USAGE) not in billed:
            ready.items.append(_usage_item(line, ledger[n], start, end, label, unbilled, project_id, currency))
    if current:
        balance = ledger[-1]
        start = current[-1]
        end = contract_rules.period_of(start, line.start_date, line.frequency)[1]
        ready.balances.append(
            RetainerBalance(
                line.pk,
                line.name,
                line.allowance_unit,
                start,
                end,
                balance.allowance,
                balance.carried_in,
                balance.used,
                # Still usable today: what rolls over and what expires at the period's end alike (carried hours
                # expire when the period ends, not before).
                max(balance.allowance + balance.carried_in - balance.used_from_allowance, 0)
                if balance.overage == 0
                else 0,
                balance.overage,
            )
        )


def _usage_item(
    line: BillingLine,
    balance: contract_rules.PeriodBalance,
    start: date,
    end: date,
    label: str,
    unbilled: list[_Entry],
    project_id: int,
    currency: str,
) -> Item:
    """A period's usage after it ended: the entries it consumed, and overage priced."""
    mine = [e for e in unbilled if start <= e.work_date <= end]
    value = sum(e.value_minor for e in mine)
    if line.allowance_unit == "minutes":
        used = f"{_minutes_text(balance.used)} used of {_minutes_text(balance.allowance)}"
        if balance.carried_in:
            used += f" + {_minutes_text(balance.carried_in)} carried"
        if line.overage_rate is not None:
            amount = contract_rules.overage_value_minor(balance.overage, line.overage_rate, currency)
            price = line.overage_rate
        else:  # overage at the entries' own rates: their value's share
            amount = (value * balance.overage // balance.used) if balance.used else 0
            price = (
                (Money.from_minor(amount, currency).amount * 60 / balance.overage) if balance.overage else Decimal(0)
            )
        quantity = (Decimal(balance.overage) / 60).quantize(Decimal("0.0001"))
        unit = HOURS
        over = f"{_minutes_text(balance.overage)} over" if balance.overage else "no overage"
    else:
        used = f"{Money.from_minor(balance.used, currency)} used of {Money.from_minor(balance.allowance, currency)}"
        amount = balance.overage
        quantity, unit, price = Decimal(1), ONE, Money.from_minor(amount, currency).amount
        over = f"{Money.from_minor(balance.overage, currency)} over" if balance.overage else "no overage"
    return Item(
        kind=LineKind.USAGE,
        project_id=mine[0].project_id if mine else project_id,
        billing_line_id=line.pk,
        description=f"{line.name} — {label}: {used}, {over}",
        quantity=quantity,
        unit=unit,
        unit_price=Decimal(price).quantize(Decimal("0.0001")),
        amount_minor=amount,
        minutes=sum(e.minutes for e in mine),
        time_value_minor=value,
        entry_ids=tuple(e.id for e in mine),
        entries=len(mine),
        period_start=start,
        period_end=end,
        retainer_part=BilledPeriod.USAGE,
        reason="The period has ended: its usage is settled.",
    )


# --- expenses, instalments, progress ---------------------------------------------------------


def _expenses_unbilled(terms: Iterable[_Terms], up_to: date) -> dict[int, list[ExpenseItem]]:
    """The unbilled expenses of every project whose contract re-bills expenses, by project: one query per
    company, not one per contract (an invoice run reads hundreds of contracts)."""
    projects_of: dict[int, list[int]] = defaultdict(list)
    for t in terms:
        if t.of(BillingModel.EXPENSES):
            projects_of[t.contract.company_id] += [p.pk for p in t.projects]
    spent: dict[int, list[ExpenseItem]] = {}
    for company_id, project_ids in projects_of.items():
        if project_ids:
            unbilled = expenses_unbilled_of(company_id=company_id, up_to=up_to).filter(project_id__in=project_ids)
            spent.update(expense_items_of(unbilled))
    return spent


def _expenses(t: _Terms, ready: Ready, spent: dict[int, list[ExpenseItem]]) -> None:
    lines = t.of(BillingModel.EXPENSES)
    if not lines or not t.projects:
        return
    line = lines[0]
    for project_id in sorted(p.pk for p in t.projects if p.pk in spent):
        for item in sorted(spent[project_id], key=lambda i: (i.date, i.expense_line_id)):
            currency = t.projects[0].currency
            ready.items.append(
                Item(
                    kind=LineKind.EXPENSE,
                    project_id=project_id,
                    billing_line_id=line.pk,
                    description=expense_description(item),
                    quantity=Decimal(1),
                    unit=ONE,
                    unit_price=Money.from_minor(item.amount_minor, currency).amount,
                    amount_minor=item.amount_minor,
                    task_id=item.task_id,
                    expense_line_id=item.expense_line_id,
                )
            )


def milestones_of(task_ids: Iterable[int]) -> tuple[dict[int, date], set[int]]:
    """Finished milestone tasks with the day they finished, and cancelled ones (closed, not done)."""
    finished: dict[int, date] = {}
    cancelled: set[int] = set()
    for task in Task.objects.filter(id__in=list(task_ids)).only("id", "status", "closed", "actual_finish", "finish"):
        if task.status == TaskStatus.DONE:
            when = task.actual_finish or task.finish
            finished[task.pk] = when.date() if when else date.min
        elif task.closed:
            cancelled.add(task.pk)
    return finished, cancelled


def _fixed(t: _Terms, ready: Ready, up_to: date) -> None:
    lines = {line.pk: line for line in t.of(BillingModel.FIXED_FEE)}
    if not lines:
        return
    instalments = list(Instalment.objects.filter(billing_line__in=list(lines)).select_related("milestone"))
    billed = set(BilledInstalment.objects.filter(instalment__in=instalments).values_list("instalment_id", flat=True))
    finished, cancelled = milestones_of(i.milestone_id for i in instalments if i.milestone_id)
    due = contract_rules.instalments_due(
        [contract_rules.Instalment(i.pk, i.amount_minor, i.due_date, i.milestone_id) for i in instalments],
        up_to=up_to,
        finished=finished,
        cancelled=cancelled,
        already_billed=billed,
    )
    by_id = {i.pk: i for i in instalments}
    currency = t.projects[0].currency if t.projects else t.contract.currency
    for d in due:
        instalment = by_id[d.instalment_id]
        if d.blocked:
            ready.blocked.append(Blocked(d.instalment_id, d.amount_minor, d.reason))
            continue
        project_id = (
            instalment.milestone.project_id if instalment.milestone else (t.projects[0].pk if t.projects else 0)
        )
        if not project_id:
            continue
        line = lines[instalment.billing_line_id]
        ready.items.append(
            Item(
                kind=LineKind.FIXED,
                project_id=project_id,
                billing_line_id=line.pk,
                description=f"{line.name} — {instalment.description}",
                quantity=Decimal(1),
                unit=ONE,
                unit_price=Money.from_minor(d.amount_minor, currency).amount,
                amount_minor=d.amount_minor,
                instalment_id=instalment.pk,
                reason=d.reason,
            )
        )


def percent_complete_of(project_ids: Sequence[int]) -> Decimal:
    """% complete of projects from their plan: leaf tasks' % complete weighted by their estimate (or
    duration when nothing is estimated), two decimals."""
    leaves = Task.objects.filter(project_id__in=list(project_ids), children__isnull=True).values_list(
        "percent_complete", "estimate_minutes", "duration_minutes"
    )
    rows = list(leaves)
    use_estimate = any(e for _, e, _ in rows)
    weight = sum((e if use_estimate else d) for _, e, d in rows)
    if not weight:
        return Decimal(0)
    done = sum(p * (e if use_estimate else d) for p, e, d in rows)
    return (Decimal(done) / Decimal(weight)).quantize(Decimal("0.01"))


def _progress(t: _Terms, ready: Ready, up_to: date) -> None:
    lines = t.of(BillingModel.PROGRESS)
    if not lines or not t.projects:
        return
    currency = t.projects[0].currency
    billed = {line.pk: billed_net(line, LineKind.PROGRESS)[1] for line in lines}
    for line in lines:
        assert line.price_minor is not None
        if line.progress_source == ProgressSource.ENTERED:
            percent = Decimal(line.entered_percent or 0)
            source = "as entered"
        else:
            percent = percent_complete_of([p.pk for p in t.projects])
            source = "from the plan"
        bill = contract_rules.progress_to_bill(line.price_minor, percent, max(billed.get(line.pk, 0), 0), currency)
        if bill.to_bill_minor <= 0:
            continue
        ready.items.append(
            Item(
                kind=LineKind.PROGRESS,
                project_id=t.projects[0].pk,
                billing_line_id=line.pk,
                description=f"{line.name} — {percent:f} % complete ({source})",
                quantity=Decimal(1),
                unit=ONE,
                unit_price=Money.from_minor(bill.to_bill_minor, currency).amount,
                amount_minor=bill.to_bill_minor,
                reason=f"Earned {Money.from_minor(bill.earned_minor, currency)} to date, billed "
                f"{Money.from_minor(billed.get(line.pk, 0), currency)} before.",
            )
        )


def _unassigned(terms: list[_Terms], ready: dict[int, Ready], up_to: date) -> None:
    contract_of = {p.pk: t.contract.pk for t in terms for p in t.projects}
    if not contract_of:
        return
    rows = time_unbilled(contract_of, up_to).values("project_id").annotate(minutes=Sum("billable_minutes")).order_by()
    for r in rows:
        ready[contract_of[r["project_id"]]].unassigned_minutes += int(r["minutes"] or 0)
