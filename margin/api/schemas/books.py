"""Shapes of the books: accounts, journal entries with their lines, a posting run, the trial balance and the
chain's verification. Finance's only: every answer is a money shape."""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import Id, MinorUnits, MoneyOut, Name, NoNul, money
from margin.books.actions import SyncResult
from margin.books.chain import Verification
from margin.books.models import Account, JournalEntry, JournalLine
from margin.books.queries import BalanceRow, TrialBalance
from margin.books.reports import BalanceSheet, Consolidated, ProfitAndLoss, StatementLine
from margin.books.rules import ROLES

AccountCode = Annotated[str, StringConstraints(min_length=1, max_length=16), NoNul]
Text = Annotated[str, StringConstraints(max_length=400), NoNul]
Kind = Literal["asset", "liability", "equity", "income", "expense"]
RoleName = Literal[ROLES]  # type: ignore[valid-type]


class LedgerAccountIn(Schema):
    code: AccountCode
    name: Name
    kind: Kind
    role: RoleName | None = Field(
        None, description="The automatic postings' use of it (taken from the account that had it)"
    )


class LedgerAccountPatch(Schema):
    code: AccountCode | None = None
    name: Name | None = None
    role: RoleName | None = Field(None, description="Map this role to the account (taken from the account that had it)")
    clear_role: bool = Field(False, description="Take the account's role away (map it elsewhere first)")
    active: bool | None = Field(None, description="False retires it: no new manual lines")


class LedgerAccountOut(Schema):
    id: int
    company_id: int
    code: str
    name: str
    kind: Kind
    role: str | None
    active: bool

    @staticmethod
    def from_account(account: Account) -> LedgerAccountOut:
        return LedgerAccountOut(
            id=account.pk,
            company_id=account.company_id,
            code=account.code,
            name=account.name,
            kind=account.kind,  # type: ignore[arg-type]
            role=account.role,
            active=account.active,
        )


class JournalLineIn(Schema):
    account_id: Id
    debit_minor: MinorUnits = 0
    credit_minor: MinorUnits = 0
    description: Text = ""


class JournalEntryIn(Schema):
    date: Day
    description: Annotated[str, StringConstraints(min_length=1, max_length=400), NoNul]
    lines: list[JournalLineIn] = Field(min_length=2, max_length=500, description="Debits and credits that balance")


class JournalReverseIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=300), NoNul]
    date: Day | None = Field(None, description="Default: the entry's date, or the first open day when it is closed")


class JournalPostIn(Schema):
    up_to: Day | None = Field(None, description="Post documents dated up to this day (default today)")


class JournalLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    position: int
    account_id: int
    account_code: str
    account_name: str
    debit: MoneyOut | None
    credit: MoneyOut | None
    currency: str = Field(description="The document's currency")
    amount_currency_minor: int = Field(description="The movement in the document's currency, debit positive")
    description: str
    client_id: int | None
    project_id: int | None
    contract_id: int | None
    person_id: int | None

    @staticmethod
    def resolve_account_code(obj: JournalLine) -> str:
        return obj.account.code

    @staticmethod
    def resolve_account_name(obj: JournalLine) -> str:
        return obj.account.name

    @staticmethod
    def resolve_debit(obj: JournalLine) -> MoneyOut | None:
        return money(obj.amount_minor, obj.entry.currency) if obj.amount_minor > 0 else None

    @staticmethod
    def resolve_credit(obj: JournalLine) -> MoneyOut | None:
        return money(-obj.amount_minor, obj.entry.currency) if obj.amount_minor < 0 else None


class JournalEntryOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    company_id: int
    seq: int = Field(description="Its place in the company's chain, from 1 without gaps")
    date: Day
    description: str
    source_kind: str
    source_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None = Field(description="The entry that reverses it, if any")
    currency: str
    prev_hash: str
    hash: str
    posted_at: datetime
    lines: list[JournalLineOut]

    @staticmethod
    def resolve_reversed_by_id(obj: JournalEntry) -> int | None:
        return getattr(obj, "reversed_by_pk", None)

    @staticmethod
    def resolve_lines(obj: JournalEntry) -> list[JournalLine]:
        return sorted(obj.lines.all(), key=lambda x: x.position)


class JournalPostOut(Schema):
    posted: int = Field(description="Entries posted by this run")
    first_seq: int
    last_seq: int
    problems: list[str] = Field(description="What could not be posted yet, and why")

    @staticmethod
    def from_result(result: SyncResult) -> JournalPostOut:
        return JournalPostOut(
            posted=result.posted, first_seq=result.first_seq, last_seq=result.last_seq, problems=result.problems
        )


class TrialBalanceRowOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    account_id: int
    code: str
    name: str
    kind: Kind
    opening: MoneyOut = Field(description="Debit minus credit before the period")
    debit: MoneyOut
    credit: MoneyOut
    closing: MoneyOut = Field(description="Debit minus credit at the period's end")


class TrialBalanceOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    company_id: int
    currency: str
    date_from: Day | None
    date_to: Day
    balances: bool = Field(description="Debits equal credits, in the period and at its end")
    debit: MoneyOut
    credit: MoneyOut
    rows: list[TrialBalanceRowOut]

    @staticmethod
    def from_balance(balance: TrialBalance) -> TrialBalanceOut:
        c = balance.currency

        def row(r: BalanceRow) -> TrialBalanceRowOut:
            return TrialBalanceRowOut(
                account_id=r.account_id,
                code=r.code,
                name=r.name,
                kind=r.kind,  # type: ignore[arg-type]
                opening=money(r.opening_minor, c),
                debit=money(r.debit_minor, c),
                credit=money(r.credit_minor, c),
                closing=money(r.closing_minor, c),
            )

        return TrialBalanceOut(
            company_id=balance.company_id,
            currency=c,
            date_from=balance.date_from,
            date_to=balance.date_to,
            balances=balance.balances,
            debit=money(balance.debit_minor, c),
            credit=money(balance.credit_minor, c),
            rows=[row(r) for r in balance.rows],
        )


class ChainBreakOut(Schema):
    seq: int
    entry_id: int
    reason: str


class ChainVerificationOut(Schema):
    company_id: int
    intact: bool
    entries: int = Field(description="Entries checked before the first break (all of them when intact)")
    lines: int
    first_break: ChainBreakOut | None

    @staticmethod
    def from_verification(found: Verification) -> ChainVerificationOut:
        b = found.first_break
        return ChainVerificationOut(
            company_id=found.company_id,
            intact=found.intact,
            entries=found.entries,
            lines=found.lines,
            first_break=ChainBreakOut(seq=b.seq, entry_id=b.entry_id, reason=b.reason) if b else None,
        )


class ReportLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    code: str
    name: str
    amount: MoneyOut


def _lines(lines: list[StatementLine], currency: str) -> list[ReportLineOut]:
    return [ReportLineOut(code=x.code, name=x.name, amount=money(x.amount_minor, currency)) for x in lines]


class ProfitAndLossOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    currency: str
    date_from: Day
    date_to: Day
    income: list[ReportLineOut]
    expenses: list[ReportLineOut]
    total_income: MoneyOut
    total_expenses: MoneyOut
    result: MoneyOut

    @staticmethod
    def from_report(report: ProfitAndLoss) -> ProfitAndLossOut:
        c = report.currency
        return ProfitAndLossOut(
            currency=c,
            date_from=report.date_from,
            date_to=report.date_to,
            income=_lines(report.income, c),
            expenses=_lines(report.expenses, c),
            total_income=money(report.income_minor, c),
            total_expenses=money(report.expenses_minor, c),
            result=money(report.result_minor, c),
        )


class BalanceSheetOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    currency: str
    as_of: Day
    assets: list[ReportLineOut]
    liabilities: list[ReportLineOut]
    equity: list[ReportLineOut]
    total_assets: MoneyOut
    total_liabilities_and_equity: MoneyOut
    balances: bool

    @staticmethod
    def from_report(report: BalanceSheet) -> BalanceSheetOut:
        c = report.currency
        return BalanceSheetOut(
            currency=c,
            as_of=report.as_of,
            assets=_lines(report.assets, c),
            liabilities=_lines(report.liabilities, c),
            equity=_lines(report.equity, c),
            total_assets=money(report.assets_minor, c),
            total_liabilities_and_equity=money(report.liabilities_and_equity_minor, c),
            balances=report.balances,
        )


class TranslationRateOut(Schema):
    company: str
    currency: str
    closing_rate: str = Field(description="Assets and liabilities: the rate on the period's last day")
    average_rate: str = Field(description="Income and expenses: the average of the month-end rates")


class ConsolidatedOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    currency: str
    profit_and_loss: ProfitAndLossOut
    balance_sheet: BalanceSheetOut
    rates: list[TranslationRateOut]

    @staticmethod
    def from_report(report: Consolidated) -> ConsolidatedOut:
        return ConsolidatedOut(
            currency=report.currency,
            profit_and_loss=ProfitAndLossOut.from_report(report.profit_and_loss),
            balance_sheet=BalanceSheetOut.from_report(report.balance_sheet),
            rates=[
                TranslationRateOut(
                    company=r.company, currency=r.currency, closing_rate=str(r.closing), average_rate=str(r.average)
                )
                for r in report.rates
            ],
        )


class RevaluationIn(Schema):
    as_of: Day = Field(description="The period's last day: the revaluation is reversed on the next")
