"""The revenue run as a preview: every billing line's recognition as of the period's last day, what moved
since the company's previous run, and the journal entry that would carry it. Nothing here writes.

The journal already holds what was billed (invoices credit revenue by the kind of line, ADR 0029); the run
posts the difference between what was earned and what was billed, as balances per contract line:

- the contract asset (earned, not billed: unbilled revenue) and the contract liability (billed, not earned:
  deferred revenue) move to their new amounts, and revenue by the line's billing model takes the other side,
  so revenue to date in the books equals revenue recognised;
- the provision for a loss contract moves to its new amount against losses on contracts.

Amounts of a contract in another currency than the company's are converted on the period's last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from margin.accounts.models import Company
from margin.books.rules import EntrySpec, LineSpec, Role, Source, convert_minor
from margin.core.errors import Invalid
from margin.rates.queries import exchange_rate_find
from margin.revenue import rules
from margin.revenue.inputs import LineFigures, line_figures
from margin.revenue.models import RevenueLine, RevenueRun, RunStatus

REVENUE_ROLE = {
    "time": Role.REVENUE_TIME,
    "fixed": Role.REVENUE_FIXED,
    "progress": Role.REVENUE_PROGRESS,
    "retainer": Role.REVENUE_RETAINER,
    "expenses": Role.REVENUE_EXPENSES,
}


@dataclass
class RunLine:
    """One billing line of a run: its figures, its recognition, and the company-currency balances and the
    period's movements the journal carries."""

    figures: LineFigures
    result: rules.Recognition
    recognised_before: int
    rate: Decimal
    asset_c: int
    liability_c: int
    provision_c: int
    before_asset_c: int = 0
    before_liability_c: int = 0
    before_provision_c: int = 0

    @property
    def recognised_period(self) -> int:
        return self.result.recognised_minor - self.recognised_before

    @property
    def revenue_adjustment_c(self) -> int:
        """Revenue credited (positive) or debited by the run: the change of asset less liability."""
        return (self.asset_c - self.before_asset_c) - (self.liability_c - self.before_liability_c)


@dataclass
class RunPreview:
    company: Company
    period_start: date
    period_end: date
    lines: list[RunLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    previous: RevenueRun | None = None

    def total(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)

    @property
    def recognised_period_minor(self) -> int:
        return sum(line.recognised_period for line in self.lines)

    def journal(self, accounts: dict[str, int]) -> EntrySpec:
        """The entry this run posts with the company's accounts by role (no lines when nothing moved)."""
        company = self.company
        base = company.base_currency
        return EntrySpec(
            company_id=company.pk,
            organisation_id=company.organisation_id,
            date=self.period_end,
            description=f"Revenue recognition {self.period_start:%B %Y}"
            if self.period_start.day == 1
            else f"Revenue recognition {self.period_start}–{self.period_end}",
            source_kind=Source.REVENUE_RUN,
            currency=base,
            lines=[spec for line in self.lines for spec in _journal_lines(line, base, accounts)],
        )


def _journal_lines(line: RunLine, base: str, accounts: dict[str, int]) -> list[LineSpec]:
    contract = line.figures.line.contract
    text = f"{contract.reference} {line.figures.line.name}"
    moves = [
        (Role.CONTRACT_ASSET, line.asset_c - line.before_asset_c),
        (Role.CONTRACT_LIABILITY, -(line.liability_c - line.before_liability_c)),
        (REVENUE_ROLE[line.figures.line.model], -line.revenue_adjustment_c),
        (Role.CONTRACT_LOSS, line.provision_c - line.before_provision_c),
        (Role.LOSS_PROVISION, -(line.provision_c - line.before_provision_c)),
    ]
    missing = [role for role, amount in moves if amount and role not in accounts]
    if missing:
        raise Invalid(f"No account has the role “{missing[0]}”: map one in the chart of accounts.", code="no_account")
    return [
        LineSpec(accounts[role], amount, base, amount, text, client_id=contract.client_id, contract_id=contract.pk)
        for role, amount in moves
        if amount
    ]


def previous_run(company: Company, period_end: date) -> RevenueRun | None:
    return (
        RevenueRun.objects.filter(company=company, status=RunStatus.POSTED, period_end__lt=period_end)
        .order_by("-period_end")
        .first()
    )


def _rate(company: Company, currency: str, day: date) -> Decimal:
    if currency == company.base_currency:
        return Decimal(1)
    return exchange_rate_find(company.organisation_id, currency, company.base_currency, day).rate


def run_preview(company: Company, *, period_start: date, period_end: date) -> RunPreview:
    """What a run for the period would recognise and post."""
    preview = RunPreview(company, period_start, period_end, previous=previous_run(company, period_end))
    before = {}
    if preview.previous is not None:
        before = {row.billing_line_id: row for row in RevenueLine.objects.filter(run=preview.previous)}
    rates: dict[str, Decimal] = {}
    for figures in line_figures(company, period_end):
        line = figures.line
        currency = line.contract.currency
        for note in figures.notes:
            preview.problems.append(f"{line.contract.reference} {line.name}: {note}")
        try:
            rate = rates.setdefault(currency, _rate(company, currency, period_end))
        except Invalid as error:
            preview.problems.append(f"{line.contract.reference} {line.name}: {error.message}")
            continue
        result = rules.recognise(figures.inputs)

        def c(amount: int, currency: str = currency, rate: Decimal = rate) -> int:
            return convert_minor(amount, rate, currency, company.base_currency)

        previous = before.get(line.pk)
        run_line = RunLine(
            figures=figures,
            result=result,
            recognised_before=previous.recognised_minor if previous else 0,
            rate=rate,
            asset_c=c(result.contract_asset_minor),
            liability_c=c(result.contract_liability_minor),
            provision_c=c(result.loss_provision_minor),
        )
        if previous is not None:
            run_line.before_asset_c = previous.asset_company_minor
            run_line.before_liability_c = previous.liability_company_minor
            run_line.before_provision_c = previous.provision_company_minor
        preview.lines.append(run_line)
    return preview
