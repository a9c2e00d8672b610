"""Profitability of projects, always current: six grouped queries, whatever the number of projects.

Definitions (docs/glossary.md):
- billed: the net of the project's lines on issued invoices (time, expenses, instalments, progress,
  retainer fees and overage, manual lines, less discounts), less its lines on issued credit notes, in the
  project's currency (an invoice in another currency converted at the rate it keeps);
- WIP: value of approved billable time that a time-and-materials line bills, and the billable amount (markup
  included) of approved billable expenses, not on an issued invoice (drafts included); time written off, or
  over a cap waiting for a decision, is not WIP, nor is time of a project sold at a fixed fee, by progress
  or on a retainer (its income is what those lines bill: counting its hours at rates too would count it
  twice);
- realisation: what time lines billed ÷ the standard value of the time they billed (write-downs lower it);
- revenue = billed + WIP; cost: cost of all approved time plus every approved (or reimbursed) expense
  line of the project, billable or not, at its amount in the company's currency; margin = revenue − cost;
- hours burn: logged (not rejected) hours ÷ hours budget; money burn: revenue ÷ money budget.

Expenses are mirrored on time: an expense's cost is what the firm paid (`ExpenseLine.converted_minor`,
in the claim's currency, the claimant's company's), its value what the client is charged
(`bill_amount_minor`, in the project's currency). A project bills in its company's currency and its
people are costed in it (ADR 0006), so the claim's currency is the project's; an expense line whose
claim is in another currency (a claimant of another company) is left out of the cost rather than
added in the wrong currency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When

from margin.accounts.queries import Viewer
from margin.billing.models import DocumentKind, HoldReason, InvoiceLine, InvoiceStatus, LineKind, TimeHold
from margin.contracts.models import BillingLine, BillingModel
from margin.core.money import Money
from margin.core.prepared import fetch_prepared
from margin.expenses.models import ClaimStatus, ExpenseLine
from margin.projects.models import Project
from margin.projects.queries import projects_money_visible, require_money_visible
from margin.timesheets.models import EntryStatus, ProjectTimeTotal, TimeEntry


def _pct(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    # Half up, like money (ADR 0001): 31.25 % shows as 31.3 %.
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    """Money figures in one currency and the rules derived from them (one place for each rule)."""

    currency: str
    billed_minor: int
    wip_minor: int
    cost_minor: int

    @property
    def revenue_minor(self) -> int:
        return self.billed_minor + self.wip_minor

    @property
    def margin_minor(self) -> int:
        return self.revenue_minor - self.cost_minor

    @property
    def margin_pct(self) -> Decimal | None:
        return _pct(self.margin_minor, self.revenue_minor)

    def money(self, minor: int) -> Money:
        return Money.from_minor(minor, self.currency)

    @property
    def billed(self) -> Money:
        return self.money(self.billed_minor)

    @property
    def wip(self) -> Money:
        return self.money(self.wip_minor)

    @property
    def revenue(self) -> Money:
        return self.money(self.revenue_minor)

    @property
    def cost(self) -> Money:
        return self.money(self.cost_minor)

    @property
    def margin(self) -> Money:
        return self.money(self.margin_minor)


@dataclass(frozen=True, kw_only=True)
class ProjectFigures(Figures):
    project_id: int
    code: str
    name: str
    client_name: str
    manager_name: str
    status: str
    logged_minutes: int
    approved_minutes: int
    budget_minutes: int
    budget_amount_minor: int
    # The expenses' share of cost_minor and of wip_minor (the rest is time).
    expense_cost_minor: int = 0
    expense_wip_minor: int = 0
    # Time lines billed, and the standard value (at the rates) of the time they billed.
    billed_time_minor: int = 0
    standard_time_minor: int = 0

    @property
    def realisation_pct(self) -> Decimal | None:
        return _pct(self.billed_time_minor, self.standard_time_minor)

    @property
    def time_cost_minor(self) -> int:
        return self.cost_minor - self.expense_cost_minor

    @property
    def expense_cost(self) -> Money:
        return self.money(self.expense_cost_minor)

    @property
    def time_cost(self) -> Money:
        return self.money(self.time_cost_minor)

    @property
    def expense_wip(self) -> Money:
        return self.money(self.expense_wip_minor)

    @property
    def hours_burn_pct(self) -> Decimal | None:
        return _pct(self.logged_minutes, self.budget_minutes)

    @property
    def money_burn_pct(self) -> Decimal | None:
        return _pct(self.revenue_minor, self.budget_amount_minor)

    @property
    def budget_amount(self) -> Money:
        return self.money(self.budget_amount_minor)


# Held time that is not work in progress: written off, or over a cap until someone decides to bill it.
NOT_WIP = [HoldReason.WRITTEN_OFF, HoldReason.OVER_CAP]
TIME_SOLD_BY_THE_HOUR = (BillingModel.TIME_AND_MATERIALS,)


# The compiled SQL of profitability's grouped queries, by what they read (the SQL and parameters of the projects'
# queryset): building and compiling six querysets took twice as long as running them (ADR 0022). Only the SQL,
# its parameters and the result converters are kept; every call runs the queries.
_COMPILED: dict[tuple[object, ...], tuple[str, tuple[Any, ...], Any, dict[int, Any]]] = {}
_COMPILED_MAX = 512


def _fetch(name: str, key: tuple[object, ...], build: Callable[[], QuerySet[Any]]) -> list[dict[str, Any]]:
    """The rows of the queryset `build` makes, as dicts by column alias, compiled once per `key`."""
    cache_key = (connection.vendor, name, *key)
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        compiler = build().query.get_compiler(using=DEFAULT_DB_ALIAS)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a filter on nothing (no projects): no query to run
            return []
        converters = compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]])
        compiled = (sql, tuple(params), compiler, converters)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[cache_key] = compiled
    sql, params, compiler, converters = compiled
    # Prepared on PostgreSQL: planning these statements cost more than running them.
    names, fetched = fetch_prepared(sql, params)
    rows: Iterable[Any] = fetched
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _billed_query(project_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Any]:
    sign = Case(When(invoice__kind=DocumentKind.CREDIT_NOTE, then=Value(-1)), default=Value(1))
    exact = DecimalField(max_digits=30, decimal_places=12)
    converted = ExpressionWrapper(F("amount_minor") * sign * F("invoice__exchange_rate"), output_field=exact)
    return (
        InvoiceLine.objects.filter(project_id__in=project_ids, invoice__status=InvoiceStatus.ISSUED)
        .values("project_id")
        .annotate(
            total=Sum(converted),
            time_billed=Sum(converted, filter=Q(kind=LineKind.TIME)),
            time_value=Sum(F("time_value_minor") * sign),
        )
        .order_by()
    )


def _billed_of(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, int]]:
    return {
        r["project_id"]: {
            "total": _whole(r["total"]),
            "time_billed": _whole(r["time_billed"]),
            "time_value": int(r["time_value"] or 0),
        }
        for r in rows
    }


def billed_by_project(project_ids: Iterable[int] | QuerySet[Any]) -> dict[int, dict[str, int]]:
    """Per project: the net billed (issued invoices less issued credit notes, in the project's currency),
    what its time lines billed, and the standard value of the time they billed — one grouped query."""
    return _billed_of(_billed_query(project_ids))


def _whole(value: Decimal | int | None) -> int:
    return int(Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def projects_not_billing_time(project_ids: Iterable[int] | QuerySet[Any]) -> set[int]:
    """Projects whose contract bills no time by the hour (fixed fee, progress, retainer): their hours are
    cost, and their income is what those lines bill."""
    return _not_billing_time_of(_models_query(project_ids).values_list("project_id", "model"))


def _models_query(project_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Any]:
    return (
        BillingLine.objects.filter(contract__covered__project_id__in=project_ids)
        .annotate(project_id=F("contract__covered__project_id"))
        .values("project_id", "model")
    )


def _not_billing_time_of(lines: Iterable[tuple[int, str]]) -> set[int]:
    models: dict[int, set[str]] = {}
    for project_id, model in lines:
        models.setdefault(project_id, set()).add(model)
    return {
        p for p, kinds in models.items() if not kinds & set(TIME_SOLD_BY_THE_HOUR) or BillingModel.RETAINER in kinds
    }


def totals_by_currency(figures: list[ProjectFigures]) -> list[Figures]:
    """The firm's figures per currency (amounts of two currencies are never added), largest first."""
    sums: dict[str, list[int]] = {}
    for f in figures:
        total = sums.setdefault(f.currency, [0, 0, 0])
        total[0] += f.billed_minor
        total[1] += f.wip_minor
        total[2] += f.cost_minor
    totals = [Figures(currency, *total) for currency, total in sums.items()]
    return sorted(totals, key=lambda t: (-t.revenue_minor, t.currency))


def _time_query(ids: QuerySet[Any]) -> QuerySet[Any]:
    """From the running totals the database keeps per (project, status, billable) (ADR 0022): a few rows a
    project, however much time it holds."""
    approved = Q(status=EntryStatus.APPROVED)
    return (
        ProjectTimeTotal.objects.filter(project_id__in=ids)
        .exclude(status=EntryStatus.REJECTED)
        .values("project_id")
        .annotate(
            logged=Sum("minutes"),
            approved_minutes=Sum("minutes", filter=approved),
            cost=Sum("cost_minor", filter=approved),
            billable_value=Sum("bill_minor", filter=approved & Q(billable=True)),
        )
        .order_by()
    )


def _not_wip_query(project_ids: list[int]) -> QuerySet[Any]:
    """Held time that is not WIP: driven from the holds (few) to their entries, not the other way round. The
    projects as a list: given a subquery of them, SQLite drives from every entry of the projects."""
    return (
        TimeEntry.objects.filter(
            id__in=TimeHold.objects.filter(reason__in=NOT_WIP).values("time_entry_id"),
            project_id__in=project_ids,
            status=EntryStatus.APPROVED,
            billable=True,
        )
        .values("project_id")
        .annotate(value=Sum("bill_amount_minor"))
        .order_by()
    )


def _spent_query(ids: QuerySet[Any]) -> QuerySet[Any]:
    """Approved (or reimbursed) expense lines: their cost, and the billable ones' value that no issued invoice
    holds yet (an issued invoice's expense line bills exactly the stored bill_amount_minor, which the billed
    figures already count)."""
    approved_expense = Q(claim__status__in=[ClaimStatus.APPROVED, ClaimStatus.REIMBURSED])
    return (
        ExpenseLine.objects.filter(approved_expense, project_id__in=ids)
        .values("project_id")
        .annotate(
            cost=Sum("converted_minor", filter=Q(claim__currency=F("project__currency"))),
            billable_value=Sum("bill_amount_minor", filter=Q(billable=True, write_off__isnull=True)),
            billed_value=Sum(
                "bill_amount_minor", filter=Q(billable=True, billing__line__invoice__status=InvoiceStatus.ISSUED)
            ),
        )
        .order_by()
    )


def profitability(projects: QuerySet[Project]) -> list[ProjectFigures]:
    """Figures for every project of the queryset, in six grouped queries (compiled once per projects query)."""
    # The projects as a subquery, not a list of ids: a hundred bound parameters in each of the queries below
    # cost more than the queries themselves. Their SQL is also what the compiled queries are kept by.
    ids = projects.order_by().values("id")
    try:
        projects_sql, projects_params = ids.query.sql_with_params()
    except EmptyResultSet:  # `.none()`, or a filter on an empty list
        return []
    key = (projects_sql, tuple(projects_params))
    rows = _fetch(
        "projects",
        key,
        lambda: projects.values(
            "id",
            "code",
            "name",
            "client__name",
            "manager__name",
            "status",
            "currency",
            "budget_minutes",
            "budget_amount_minor",
        ).order_by("code"),
    )
    time = {t["project_id"]: t for t in _fetch("time", key, lambda: _time_query(ids))}
    # An invoice's total is the sum of its lines (ARCHITECTURE §4); each line also carries the value
    # of the time it billed, which is what leaves WIP when the invoice is issued.
    billed = _billed_of(_fetch("billed", key, lambda: _billed_query(ids)))
    sold_otherwise = _not_billing_time_of(
        (m["project_id"], m["model"]) for m in _fetch("models", key, lambda: _models_query(ids))
    )
    listed = tuple(r["id"] for r in rows)
    not_wip = {
        h["project_id"]: int(h["value"] or 0)
        for h in _fetch("not_wip", (*key, listed), lambda: _not_wip_query(list(listed)))
    }
    spent = {e["project_id"]: e for e in _fetch("spent", key, lambda: _spent_query(ids))}
    figures = []
    for r in rows:
        t: Any = time.get(r["id"], {})
        b: Any = billed.get(r["id"], {})
        e: Any = spent.get(r["id"], {})
        expense_cost = int(e.get("cost") or 0)
        expense_wip = int(e.get("billable_value") or 0) - int(e.get("billed_value") or 0)
        time_wip = int(t.get("billable_value") or 0) - int(b.get("time_value") or 0) - not_wip.get(r["id"], 0)
        figures.append(
            ProjectFigures(
                project_id=r["id"],
                code=r["code"],
                name=r["name"],
                client_name=r["client__name"],
                manager_name=r["manager__name"],
                status=r["status"],
                currency=r["currency"],
                billed_minor=int(b.get("total") or 0),
                wip_minor=(0 if r["id"] in sold_otherwise else time_wip) + expense_wip,
                billed_time_minor=int(b.get("time_billed") or 0),
                standard_time_minor=int(b.get("time_value") or 0),
                cost_minor=int(t.get("cost") or 0) + expense_cost,
                logged_minutes=int(t.get("logged") or 0),
                approved_minutes=int(t.get("approved_minutes") or 0),
                budget_minutes=r["budget_minutes"],
                budget_amount_minor=r["budget_amount_minor"],
                expense_cost_minor=expense_cost,
                expense_wip_minor=expense_wip,
            )
        )
    return figures


def profitability_visible(viewer: Viewer) -> list[ProjectFigures]:
    """Figures of the projects of the default lists (no templates, nothing archived) whose money the viewer may
    see."""
    return profitability(projects_money_visible(viewer).filter(is_template=False, archived_at__isnull=True))


def project_profitability(project: Project) -> ProjectFigures:
    return profitability(Project.objects.filter(pk=project.pk))[0]


def project_figures_get(viewer: Viewer, project: Project) -> ProjectFigures:
    """The figures of a project the viewer can see; Forbidden unless they may see its money."""
    require_money_visible(viewer, project)
    return project_profitability(project)
