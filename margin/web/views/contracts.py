"""Contracts: the list of the contracts the viewer may see the money of, and a contract's terms, covered projects,
billing lines in words, and rate card (the forms that write them are `contracts_edit`'s)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from margin.accounts.queries import Viewer
from margin.billing.ready import ready_to_bill
from margin.contracts.models import (
    BillingLine,
    BillingModel,
    CapKind,
    Contract,
    Instalment,
    ProgressSource,
    RetainerFrequency,
    RetainerUnit,
    Rollover,
)
from margin.contracts.queries import (
    billing_lines_of,
    contract_get,
    contract_rates,
    contracts_listed,
    covered_projects,
    instalments_of,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_contracts import LINE_FIELDS, instalment_form, line_form
from margin.web.pages import page
from margin.web.templatetags.margin_web import money
from margin.web.views.billing_models import model_badge, model_label
from margin.web.views.billing_ready import BalanceBar


def _day(value: date) -> str:
    return format_date(value, "j M Y")


def _hours(minutes: int) -> str:
    """Minutes as hours: 2400 → `40 h`, 150 → `2.5 h`."""
    whole, rest = divmod(minutes, 60)
    if not rest:
        return f"{whole:,} h"
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01')).normalize():,f} h"


def _number(value: Decimal) -> str:
    """A percentage or rate without trailing zeros: 10.00 → `10`, 12.50 → `12.5`."""
    return f"{value.normalize():,f}"


def _rate(value: Decimal) -> str:
    """An hourly rate with two decimals (more when it has them): 140 → `140.00`."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents if cents == value else value.normalize():,f}"


@dataclass
class LineView:
    """A billing line as the detail page shows it: its model and the facts of that model in words."""

    line: BillingLine
    label: str
    badge: str
    facts: list[str]
    period: str | None = None  # the days the line applies, when it says
    instalments: list[tuple[str, str, str]] = field(default_factory=list)  # (description, amount, when)
    instalment_form: Any = None  # finance's form to add an instalment (fixed fees)
    balance: Any = None  # a retainer's balance today (billing_ready.BalanceBar)


def _period(line: BillingLine) -> str | None:
    if line.start_date is None and line.end_date is None:
        return None
    if line.start_date is None:
        assert line.end_date is not None
        return f"Until {_day(line.end_date)}"
    if line.end_date is None:
        return f"From {_day(line.start_date)}, open-ended"
    return f"From {_day(line.start_date)} to {_day(line.end_date)}"


def _retainer_facts(line: BillingLine, currency: str) -> list[str]:
    per = "per quarter" if line.frequency == RetainerFrequency.QUARTER else "per month"
    allowance = line.allowance or 0
    if line.allowance_unit == RetainerUnit.MINUTES:
        unused = "unused hours"
        allowed = f"{_hours(allowance)} {per}"
    else:
        unused = "unused allowance"
        allowed = f"{money(allowance, currency)} {per}"
    if line.rollover == Rollover.PERIODS:
        periods = line.rollover_periods
        rollover = f"{unused} roll over {periods} period{'' if periods == 1 else 's'}"
    elif line.rollover == Rollover.UNLIMITED:
        rollover = f"{unused} roll over without limit"
    else:
        rollover = f"{unused} do not roll over"
    overage = (
        f"overage at {_rate(line.overage_rate)}/h"
        if line.overage_rate is not None
        else "overage at the contract's rates"
    )
    return [f"{allowed}, fee {money(line.fee_minor or 0, currency)}, {rollover}, {overage}"]


def _line_view(line: BillingLine, currency: str, instalments: list[Instalment]) -> LineView:
    facts: list[str] = []
    rows: list[tuple[str, str, str]] = []
    if line.model == BillingModel.TIME_AND_MATERIALS:
        if line.cap_kind == CapKind.MINUTES and line.cap_limit:
            facts.append(f"capped at {_hours(line.cap_limit)}")
        elif line.cap_kind == CapKind.MONEY and line.cap_limit:
            facts.append(f"capped at {money(line.cap_limit, currency)}")
        else:
            facts.append("no cap")
    elif line.model == BillingModel.FIXED_FEE:
        facts.append(f"price {money(line.price_minor or 0, currency)}")
        planned = sum(i.amount_minor for i in instalments)
        if not instalments:
            facts.append("no instalments yet")
        elif line.price_minor and planned < line.price_minor:
            facts.append(f"{money(line.price_minor - planned, currency)} not yet in an instalment")
        for instalment in instalments:
            if instalment.due_date is not None:
                when = f"due {_day(instalment.due_date)}"
            else:
                name = instalment.milestone.name if instalment.milestone else "its milestone"
                when = f"when {name} is finished"
            rows.append((instalment.description, money(instalment.amount_minor, currency), when))
    elif line.model == BillingModel.PROGRESS:
        facts.append(f"price {money(line.price_minor or 0, currency)}")
        if line.progress_source == ProgressSource.ENTERED:
            facts.append(f"entered: {_number(line.entered_percent or Decimal(0))} %")
        else:
            facts.append("% complete from the plan")
    elif line.model == BillingModel.RETAINER:
        facts.extend(_retainer_facts(line, currency))
    elif line.model == BillingModel.EXPENSES:
        markup = line.markup_percent or Decimal(0)
        facts.append(f"+{_number(markup)} % markup" if markup else "at cost")
    if line.tax_code is not None:
        facts.append(f"tax {line.tax_code}")
    return LineView(line, model_label(line), model_badge(line), facts, _period(line), rows)


def _increment(contract: Contract) -> str:
    if contract.billing_increment_minutes is None:
        return "the client's"
    text = f"{contract.billing_increment_minutes} min"
    if contract.billing_rounding:
        text += f", {contract.get_billing_rounding_display().lower()}"
    return text


@viewer_view
def contract_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    rows = [
        (row.contract, row.project_count, [(model_label(line), model_badge(line)) for line in row.lines])
        for row in contracts_listed(viewer)
    ]
    return page(request, viewer, "web/contracts/list.html", {"rows": rows}, active="invoices")


def contract_detail_context(viewer: Viewer, contract: Contract, **forms: Any) -> dict[str, Any]:
    """What the contract's page shows; for finance also the forms that add a billing line (the model chosen by
    `model`) and an instalment to a fixed fee (`instalment_line` says which line's form is bound)."""
    by_line: dict[int, list[Instalment]] = defaultdict(list)
    for instalment in instalments_of(contract):
        by_line[instalment.billing_line_id].append(instalment)
    lines = [_line_view(line, contract.currency, by_line.get(line.pk, [])) for line in billing_lines_of(contract)]
    if any(item.line.model == BillingModel.RETAINER for item in lines):
        # Where each retainer stands today: the same figures and bar as the Ready to bill tab's.
        ready = ready_to_bill([contract], timezone.localdate())[contract.pk]
        bars = {b.billing_line_id: BalanceBar(b, contract.currency) for b in ready.balances}
        for item in lines:
            item.balance = bars.get(item.line.pk)
    context: dict[str, Any] = {
        "contract": contract,
        "projects": list(covered_projects(contract)),
        "lines": lines,
        "rates": contract_rates(contract),
        "increment": _increment(contract),
        "may_edit": viewer.is_finance,
    }
    if viewer.is_finance:
        bound = forms.get("line_form")
        model = bound.data.get("model") if bound is not None else forms.get("model")
        if model not in LINE_FIELDS:
            model = BillingModel.TIME_AND_MATERIALS
        context["line_form"] = bound or line_form(contract, initial={"model": model})
        context["line_model"] = model
        context["line_fields"] = LINE_FIELDS[model]
        context["models"] = BillingModel.choices
        bound_line = forms.get("instalment_line")
        for item in lines:
            if item.line.model == BillingModel.FIXED_FEE:
                item.instalment_form = (
                    forms["instalment_form"]
                    if item.line.pk == bound_line
                    else instalment_form(contract, auto_id=f"id_%s_{item.line.pk}")
                )
        context["instalment_line"] = bound_line
    return context


@viewer_view
def contract_detail(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = contract_get(viewer, contract_id)
    context = contract_detail_context(viewer, contract, model=request.GET.get("model"))
    return page(request, viewer, "web/contracts/detail.html", context, active="invoices")
