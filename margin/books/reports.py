"""Financial statements from the journal: profit and loss for a period, the balance sheet at a day, per company
and consolidated for the organisation in a reporting currency.

Both read the trial balance (one grouped read of the lines' covering index). The balance sheet carries the
result of the fiscal year so far (income less expenses since the year's first day) and the result of earlier
years not yet closed to retained earnings, so it balances without a closing entry.

Consolidation translates each company's statements into the reporting currency (IAS 21 §39): assets and
liabilities at the closing rate of the day, income and expenses at the average of the month-end rates of the
period; equity is what the rest leaves, and the part that comes from using two rates is shown as the
translation difference. Every rate used is listed with the statement. Balances between the companies are not
eliminated (Margin records no intercompany documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from margin.accounts.models import Company
from margin.books.queries import BalanceRow, trial_balance
from margin.books.rules import Kind, convert_minor
from margin.core.errors import Invalid
from margin.core.periods import month_ends
from margin.rates.queries import exchange_rate_find


@dataclass(frozen=True)
class StatementLine:
    """One account in a statement, its amount with the sign its section reads (income and liabilities
    positive as credits, expenses and assets positive as debits)."""

    code: str
    name: str
    kind: str
    amount_minor: int


@dataclass
class ProfitAndLoss:
    currency: str
    date_from: date
    date_to: date
    income: list[StatementLine] = field(default_factory=list)
    expenses: list[StatementLine] = field(default_factory=list)

    @property
    def income_minor(self) -> int:
        return sum(x.amount_minor for x in self.income)

    @property
    def expenses_minor(self) -> int:
        return sum(x.amount_minor for x in self.expenses)

    @property
    def result_minor(self) -> int:
        return self.income_minor - self.expenses_minor


@dataclass
class BalanceSheet:
    currency: str
    as_of: date
    assets: list[StatementLine] = field(default_factory=list)
    liabilities: list[StatementLine] = field(default_factory=list)
    equity: list[StatementLine] = field(default_factory=list)
    result_line: StatementLine | None = None

    @property
    def assets_minor(self) -> int:
        return sum(x.amount_minor for x in self.assets)

    @property
    def liabilities_and_equity_minor(self) -> int:
        return sum(x.amount_minor for x in self.liabilities) + sum(x.amount_minor for x in self.equity)

    @property
    def balances(self) -> bool:
        return self.assets_minor == self.liabilities_and_equity_minor


def fiscal_year_start(company: Company, day: date) -> date:
    """The first day of the company's fiscal year that `day` falls in."""
    month = company.fiscal_year_start_month or 1
    year = day.year if day.month >= month else day.year - 1
    return date(year, month, 1)


def _line(row: BalanceRow, amount: int) -> StatementLine:
    return StatementLine(row.code, row.name, row.kind, amount)


def profit_and_loss(company: Company, *, date_from: date, date_to: date) -> ProfitAndLoss:
    balance = trial_balance(company, date_from=date_from, date_to=date_to)
    report = ProfitAndLoss(company.base_currency, date_from, date_to)
    for row in balance.rows:
        movement = row.debit_minor - row.credit_minor
        if row.kind == Kind.INCOME and movement:
            report.income.append(_line(row, -movement))
        elif row.kind == Kind.EXPENSE and movement:
            report.expenses.append(_line(row, movement))
    return report


def balance_sheet(company: Company, *, as_of: date) -> BalanceSheet:
    year_start = fiscal_year_start(company, as_of)
    balance = trial_balance(company, date_from=year_start, date_to=as_of)
    report = BalanceSheet(company.base_currency, as_of)
    earlier = this_year = 0
    for row in balance.rows:
        if row.kind == Kind.ASSET and row.closing_minor:
            report.assets.append(_line(row, row.closing_minor))
        elif row.kind == Kind.LIABILITY and row.closing_minor:
            report.liabilities.append(_line(row, -row.closing_minor))
        elif row.kind == Kind.EQUITY and row.closing_minor:
            report.equity.append(_line(row, -row.closing_minor))
        elif row.kind in (Kind.INCOME, Kind.EXPENSE):
            earlier -= row.opening_minor
            this_year -= row.debit_minor - row.credit_minor
    if earlier:
        report.equity.append(StatementLine("", "Result of earlier years (not yet closed)", Kind.EQUITY, earlier))
    if this_year:
        report.result_line = StatementLine(
            "", f"Result of the year since {year_start.isoformat()}", Kind.EQUITY, this_year
        )
        report.equity.append(report.result_line)
    return report


# --- consolidation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationRate:
    company: str
    currency: str
    closing: Decimal
    average: Decimal


@dataclass
class Consolidated:
    """The organisation's statements in the reporting currency, with each company's own beside them."""

    currency: str
    date_from: date
    date_to: date
    profit_and_loss: ProfitAndLoss
    balance_sheet: BalanceSheet
    rates: list[TranslationRate]
    companies: list[tuple[str, ProfitAndLoss, BalanceSheet]]


def _rate(company: Company, currency: str, day: date) -> Decimal:
    if company.base_currency == currency:
        return Decimal(1)
    return exchange_rate_find(company.organisation_id, company.base_currency, currency, day).rate


def _translated(lines: list[StatementLine], rate: Decimal, source: str, target: str) -> list[StatementLine]:
    return [StatementLine(x.code, x.name, x.kind, convert_minor(x.amount_minor, rate, source, target)) for x in lines]


def _merge(into: list[StatementLine], lines: list[StatementLine]) -> None:
    """Add `lines` to `into`, summing accounts of the same code and name (the companies' charts alike)."""
    index = {(x.code, x.name): n for n, x in enumerate(into)}
    for line in lines:
        key = (line.code, line.name)
        if key in index:
            old = into[index[key]]
            into[index[key]] = StatementLine(old.code, old.name, old.kind, old.amount_minor + line.amount_minor)
        else:
            index[key] = len(into)
            into.append(line)


def consolidated(companies: list[Company], *, currency: str, date_from: date, date_to: date) -> Consolidated:
    """P&L for the period and balance sheet at its end, of all `companies`, in `currency`."""
    if not companies:
        raise Invalid("There is no company to consolidate.", field="company")
    pnl = ProfitAndLoss(currency, date_from, date_to)
    sheet = BalanceSheet(currency, date_to)
    rates, each = [], []
    difference = 0
    for company in companies:
        base = company.base_currency
        own_pnl = profit_and_loss(company, date_from=date_from, date_to=date_to)
        own_sheet = balance_sheet(company, as_of=date_to)
        each.append((company.name, own_pnl, own_sheet))
        closing = _rate(company, currency, date_to)
        # The month ends inside the period, and its own last day when that is not one.
        days = month_ends(date_from, date_to) or [date_to]
        if days[-1] != date_to:
            days.append(date_to)
        month_rates = [_rate(company, currency, day) for day in days]
        average = (sum(month_rates, Decimal(0)) / len(month_rates)).quantize(Decimal("0.000000000001"))
        rates.append(TranslationRate(company.name, base, closing, average))
        _merge(pnl.income, _translated(own_pnl.income, average, base, currency))
        _merge(pnl.expenses, _translated(own_pnl.expenses, average, base, currency))
        _merge(sheet.assets, _translated(own_sheet.assets, closing, base, currency))
        _merge(sheet.liabilities, _translated(own_sheet.liabilities, closing, base, currency))
        # The year's result is the P&L's, at the average rate; the rest of equity at the closing rate. What that
        # leaves between assets and liabilities plus equity is the translation difference.
        equity = [
            StatementLine(
                x.code,
                x.name,
                x.kind,
                convert_minor(x.amount_minor, average if x is own_sheet.result_line else closing, base, currency),
            )
            for x in own_sheet.equity
        ]
        _merge(sheet.equity, equity)
        assets = sum(convert_minor(x.amount_minor, closing, base, currency) for x in own_sheet.assets)
        liabilities = sum(convert_minor(x.amount_minor, closing, base, currency) for x in own_sheet.liabilities)
        difference += assets - liabilities - sum(x.amount_minor for x in equity)
    if difference:
        sheet.equity.append(StatementLine("", "Translation difference", Kind.EQUITY, difference))
    return Consolidated(currency, date_from, date_to, pnl, sheet, rates, each)
