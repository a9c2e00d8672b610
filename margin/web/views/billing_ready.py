"""A contract's "Ready to bill" tab: what its billing lines yield up to a date (the preview of its next draft),
retainer balances and caps as bars, time over a cap to bill or write off, held time to release, and drafting.

Finance and administrators work here; the manager of a project the contract covers reads it (no buttons); anyone
else gets the contract's 404. Every write is one action of `billing`; a refusal comes back on the tab, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from margin.accounts.queries import Viewer
from margin.billing.actions import invoice_draft_for_contract
from margin.billing.models import HoldReason, LineKind
from margin.billing.ready import Blocked, CapStatus, Item, Ready, RetainerBalance, ready_to_bill
from margin.billing.review import held_time, over_cap_decide, time_release
from margin.contracts.models import BillingLine, CapKind, Contract, InvoiceGrouping
from margin.contracts.queries import billing_lines_of, contract_get, covered_projects
from margin.core.errors import DomainError
from margin.core.money import Money
from margin.timesheets.models import TimeEntry
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms_billing import ContractDraftForm, OverCapForm, ReadyForm, ReleaseForm, last_month_end
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.billing_models import model_badge, model_label

KIND_LABELS = {
    LineKind.TIME: "Time",
    LineKind.EXPENSE: "Expense",
    LineKind.FIXED: "Instalment",
    LineKind.PROGRESS: "Progress",
    LineKind.RETAINER: "Retainer fee",
    LineKind.USAGE: "Retainer usage",
}
HOLD_BADGES: dict[str, str] = {
    HoldReason.HELD: "bg-yellow-lt",
    HoldReason.OVER_CAP: "bg-red-lt",
    HoldReason.BILL_OVER_CAP: "bg-blue-lt",
    HoldReason.WRITTEN_OFF: "bg-secondary-lt",
}


def hours_text(minutes: int) -> str:
    """Minutes as hours with up to two decimals: 480 → `8 h`, 135 → `2.25 h`."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return f"{value.normalize() if value == value.to_integral() else value:,f} h"


def _pct(part: int, whole: int) -> Decimal:
    return Decimal(0) if whole <= 0 else (Decimal(max(part, 0)) * 100 / whole).quantize(Decimal("0.1"))


# --- what the tab shows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapBar:
    """A cap as a bar: billed before, billed by the next draft, held over it, against the limit."""

    status: CapStatus
    measure: str  # how an amount of the cap reads: hours or money

    @property
    def scale(self) -> int:
        s = self.status
        return max(s.limit, s.used_before + s.billed_now + s.held_now, 1)

    @property
    def used_pct(self) -> Decimal:
        return _pct(self.status.used_before, self.scale)

    @property
    def billed_pct(self) -> Decimal:
        return _pct(self.status.billed_now, self.scale)

    @property
    def held_pct(self) -> Decimal:
        return _pct(self.status.held_now, self.scale)

    @property
    def limit_text(self) -> str:
        return value_text(self.status.limit, self.measure)

    @property
    def used_text(self) -> str:
        return value_text(self.status.used_before, self.measure)

    @property
    def billed_text(self) -> str:
        return value_text(self.status.billed_now, self.measure)

    @property
    def held_text(self) -> str:
        return value_text(self.status.held_now, self.measure)

    @property
    def left_text(self) -> str:
        s = self.status
        return value_text(max(s.limit - s.used_before - s.billed_now, 0), self.measure)


def value_text(value: int, measure: str) -> str:
    """Minutes as hours (`measure` "h"), or minor units of the currency `measure`."""
    return hours_text(value) if measure == "h" else str(Money.from_minor(value, measure))


@dataclass(frozen=True)
class BalanceBar:
    """A retainer's period as a bar: what it used of its allowance (and what it carried in), overage in red."""

    balance: RetainerBalance
    currency: str

    @property
    def measure(self) -> str:
        return "h" if self.balance.unit == "minutes" else self.currency

    @property
    def available(self) -> int:
        return self.balance.allowance + self.balance.carried_in

    @property
    def used_pct(self) -> Decimal:
        return Decimal(100) if self.balance.overage else _pct(self.balance.used, self.available)

    @property
    def text(self) -> str:
        b = self.balance
        if b.unit == "minutes":
            return b.text
        what = "this month" if (b.period_end - b.period_start).days < 32 else "this quarter"
        text = f"{value_text(b.left_now, self.currency)} left {what}"
        return text + (f", {value_text(b.overage, self.currency)} over" if b.overage else "")

    @property
    def used_text(self) -> str:
        return f"{value_text(self.balance.used, self.measure)} used of {value_text(self.available, self.measure)}"

    @property
    def carried_text(self) -> str:
        b = self.balance
        return f"{value_text(b.carried_in, self.measure)} carried in" if b.carried_in else ""


@dataclass(frozen=True)
class ItemRow:
    item: Item
    project_code: str


@dataclass
class LineGroup:
    """The items of one billing line, with its caps and balances."""

    name: str
    label: str
    badge: str
    items: list[ItemRow] = field(default_factory=list)
    caps: list[CapBar] = field(default_factory=list)
    balances: list[BalanceBar] = field(default_factory=list)

    @property
    def total_minor(self) -> int:
        return sum(row.item.amount_minor for row in self.items)


@dataclass(frozen=True)
class TimeRow:
    """An entry of time not billed: held, over a cap, or written off."""

    entry: TimeEntry
    state: str
    label: str
    badge: str
    note: str
    decidable: bool  # over a cap and held: bill it or write it off
    releasable: bool  # held for later: release it

    @property
    def minutes(self) -> int:
        return int(self.entry.billable_minutes)


def _groups(ready: Ready, lines: list[BillingLine], currency: str, codes: dict[int, str]) -> list[LineGroup]:
    by_id: dict[int | None, LineGroup] = {
        line.pk: LineGroup(line.name, model_label(line), model_badge(line)) for line in lines
    }
    for item in ready.items:
        if item.billing_line_id not in by_id:
            by_id[item.billing_line_id] = LineGroup("Other work", "Other", "bg-secondary-lt")
        by_id[item.billing_line_id].items.append(ItemRow(item, codes.get(item.project_id, "")))
    for cap in ready.caps:
        if cap.billing_line_id in by_id:
            measure = "h" if cap.kind == CapKind.MINUTES else currency
            by_id[cap.billing_line_id].caps.append(CapBar(cap, measure))
    for balance in ready.balances:
        if balance.billing_line_id in by_id:
            by_id[balance.billing_line_id].balances.append(BalanceBar(balance, currency))
    return [g for g in by_id.values() if g.items or g.caps or g.balances]


def _time_rows(viewer: Viewer, contract: Contract, ready: Ready) -> tuple[list[TimeRow], list[TimeRow]]:
    """Time over a cap (waiting for a decision, or to be held when the next draft is made) and time held or
    written off, oldest first."""
    over: list[TimeRow] = []
    held: list[TimeRow] = []
    for entry in held_time(viewer, contract.pk):
        hold = entry.hold
        row = TimeRow(
            entry,
            hold.reason,
            str(HoldReason(hold.reason).label),
            HOLD_BADGES.get(hold.reason, "bg-secondary-lt"),
            hold.note,
            decidable=hold.reason == HoldReason.OVER_CAP,
            releasable=hold.reason == HoldReason.HELD,
        )
        (over if hold.reason == HoldReason.OVER_CAP else held).append(row)
    pending = {h.entry_id for h in ready.over_cap}
    if pending:
        entries = TimeEntry.objects.filter(id__in=pending).select_related("person", "task", "project")
        over += [
            TimeRow(e, "pending", "Held when the next draft is made", "bg-orange-lt", "", False, False) for e in entries
        ]
    over.sort(key=lambda r: (r.entry.work_date, r.entry.pk))
    return over, held


def _checked(form: StyledForm | None) -> list[str]:
    """The entries a refused form had chosen, so that they stay chosen."""
    if form is None or not isinstance(form.data, QueryDict):
        return []
    return [str(v) for v in form.data.getlist("entry")]


def _draft_count(contract: Contract, ready: Ready) -> int:
    if not ready.items:
        return 0
    return len(ready.project_ids) if contract.invoice_grouping == InvoiceGrouping.PER_PROJECT else 1


def _ready_context(
    viewer: Viewer,
    contract: Contract,
    up_to: date,
    *,
    date_form: StyledForm | None = None,
    draft_form: StyledForm | None = None,
    over_cap_form: StyledForm | None = None,
    release_form: StyledForm | None = None,
) -> dict[str, Any]:
    ready = ready_to_bill([contract], up_to)[contract.pk]
    currency = contract.company.base_currency
    codes = {p.pk: p.code for p in covered_projects(contract)}
    over, held = _time_rows(viewer, contract, ready)
    blocked: list[Blocked] = ready.blocked
    return {
        "contract": contract,
        "tab": "ready",
        "up_to": up_to,
        "ready": ready,
        "currency": currency,
        "converts": currency != contract.currency,
        "groups": _groups(ready, billing_lines_of(contract), currency, codes),
        "several_projects": len(codes) > 1,
        "kind_labels": KIND_LABELS,
        "over_cap": over,
        "over_cap_decidable": any(r.decidable for r in over),
        "held": held,
        "held_releasable": any(r.releasable for r in held),
        "blocked": blocked,
        "unassigned": hours_text(ready.unassigned_minutes) if ready.unassigned_minutes else "",
        "draft_count": _draft_count(contract, ready),
        "can_bill": viewer.is_finance,
        "date_form": date_form or ReadyForm(initial={"up_to": up_to}),
        "draft_form": draft_form,
        "over_cap_form": over_cap_form,
        "over_cap_checked": _checked(over_cap_form),
        "release_form": release_form,
        "release_checked": _checked(release_form),
    }


def _ready_page(
    request: HtmxRequest, viewer: Viewer, contract: Contract, up_to: date, status: int = 200, **forms: Any
) -> HttpResponse:
    context = _ready_context(viewer, contract, up_to, **forms)
    return page(request, viewer, "web/contracts/ready.html", context, active="invoices", status=status)


def _ready_url(contract: Contract, up_to: date | None) -> str:
    url = reverse("web:contract_ready", args=[contract.pk])
    return f"{url}?up_to={up_to.isoformat()}" if up_to else url


def _back(request: HtmxRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- the views ----------------------------------------------------------------------------------------


@viewer_view
def contract_ready(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    contract = contract_get(viewer, contract_id)
    if "up_to" not in request.GET:
        return _ready_page(request, viewer, contract, last_month_end())
    form = ReadyForm(request.GET)
    if not form.is_valid():
        return _ready_page(request, viewer, contract, last_month_end(), status=422, date_form=form)
    return _ready_page(request, viewer, contract, form.cleaned_data["up_to"], date_form=form)


@require_POST
@viewer_view
def contract_draft(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    """Draft what the contract has ready up to the date shown: to the draft, or to the invoices when several."""
    contract = contract_get(viewer, contract_id)
    require_finance(viewer)
    form = ContractDraftForm(request.POST)
    if not form.is_valid():
        return _ready_page(request, viewer, contract, last_month_end(), status=422, draft_form=form)
    up_to = form.cleaned_data["up_to"]
    try:
        invoices = invoice_draft_for_contract(viewer=viewer, contract=contract, up_to=up_to)
    except DomainError as error:
        refuse(form, error)
        return _ready_page(request, viewer, contract, up_to, status=form.refusal_status, draft_form=form)
    if len(invoices) == 1:
        return _back(request, reverse("web:invoice", args=[invoices[0].pk]))
    messages.success(request, f"{len(invoices)} drafts of {contract.reference} are ready for review.")
    return _back(request, f"{reverse('web:invoices')}?status=draft")


@require_POST
@viewer_view
def contract_over_cap(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    """Bill the chosen time over the cap (on the next draft, outside the cap) or write it off with a reason."""
    contract = contract_get(viewer, contract_id)
    require_finance(viewer)
    form = OverCapForm(request.POST)
    up_to = last_month_end()
    if form.is_valid():
        up_to = form.cleaned_data["up_to"] or up_to
        ids = form.cleaned_data["entry"]
        if not _of_contract(viewer, contract, ids):
            form.add_error("entry", "Choose time of this contract.")
        else:
            decision = form.cleaned_data["decision"]
            try:
                count = over_cap_decide(viewer=viewer, entry_ids=ids, decision=decision, note=form.cleaned_data["note"])
            except DomainError as error:
                refuse(form, error, {"entry_ids": "entry"})
            else:
                what = "will be billed on the next draft" if decision == "bill" else "is written off"
                messages.success(request, f"{_entries(count)} over the cap {what}.")
                return _back(request, _ready_url(contract, up_to))
    return _ready_page(request, viewer, contract, up_to, status=form.refusal_status, over_cap_form=form)


@require_POST
@viewer_view
def contract_release(request: HtmxRequest, viewer: Viewer, contract_id: int) -> HttpResponse:
    """Release held time of the contract: it is ready to bill again."""
    contract = contract_get(viewer, contract_id)
    require_finance(viewer)
    form = ReleaseForm(request.POST)
    up_to = last_month_end()
    if form.is_valid():
        up_to = form.cleaned_data["up_to"] or up_to
        ids = form.cleaned_data["entry"]
        if not _of_contract(viewer, contract, ids):
            form.add_error("entry", "Choose time of this contract.")
        else:
            try:
                count = time_release(viewer=viewer, entry_ids=ids)
            except DomainError as error:
                refuse(form, error, {"entry_ids": "entry"})
            else:
                messages.success(request, f"{_entries(count)} released: ready to bill again.")
                return _back(request, _ready_url(contract, up_to))
    return _ready_page(request, viewer, contract, up_to, status=form.refusal_status, release_form=form)


def _of_contract(viewer: Viewer, contract: Contract, entry_ids: list[int]) -> bool:
    """Whether every entry is time of a project the contract covers (the actions check the organisation and
    companies; this screen acts on its own contract only)."""
    projects = set(covered_projects(contract).values_list("id", flat=True))
    found: dict[int, int] = dict(
        TimeEntry.objects.filter(
            id__in=entry_ids, organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
        ).values_list("id", "project_id")
    )
    return len(found) == len(entry_ids) and all(p in projects for p in found.values())


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"
