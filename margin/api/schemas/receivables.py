"""Shapes of payments, their allocations, bank statements with matching suggestions, and the receivables reports
(ageing, statement of account, DSO). All of it is finance's: every answer is a money shape."""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as Day
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from margin.api.money import MONEY_SHAPE
from margin.api.schemas.common import MAX_MINOR, Currency, Id, MinorUnits, MoneyOut, NoNul, Note, money
from margin.receivables import rules
from margin.receivables.models import BankStatement, Payment, PaymentAllocation, StatementLine
from margin.receivables.queries import AccountInCurrency, CompanyAgeing, Dso, LineWithSuggestions

Reference = Annotated[str, StringConstraints(max_length=500), NoNul]
Positive = Annotated[int, Field(ge=1, le=MAX_MINOR, description="Integer minor units (cents), more than zero")]
Method = Literal["bank_transfer", "card", "direct_debit", "cheque", "cash", "other"]
BUCKET_KEYS = ", ".join(f"{b.key} ({b.label})" for b in rules.BUCKETS)


class AllocationIn(Schema):
    invoice_id: Id
    amount_minor: Positive | None = Field(
        None, description="Default: as much as is open on the invoice and left on the payment"
    )


class PaymentIn(Schema):
    company_id: Id = Field(description="The company whose bank account received the money")
    client_id: Id
    received_on: date
    currency: Currency
    amount_minor: Positive = Field(description="What reached the bank account (minor units)")
    bank_charges_minor: MinorUnits = Field(
        0, description="What the bank kept on the way: the client paid amount + charges, and both settle invoices"
    )
    reference: Reference = ""
    method: Method = "bank_transfer"
    note: Note = ""
    allocations: list[AllocationIn] = Field(
        default_factory=list, max_length=500, description="Invoices it settles now; the rest is credit on account"
    )


class AllocationsIn(Schema):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=500)


class AllocationOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    invoice_id: int
    invoice_number: str | None
    amount: MoneyOut

    @staticmethod
    def resolve_invoice_number(obj: PaymentAllocation) -> str | None:
        return obj.invoice.number

    @staticmethod
    def resolve_amount(obj: PaymentAllocation) -> MoneyOut:
        return money(obj.amount_minor, obj.invoice.currency)


class PaymentOut(Schema):
    """A payment (finance and administrators only)."""

    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    company_id: int
    client_id: int
    client_name: str
    received_on: date
    currency: str
    amount: MoneyOut = Field(description="What reached the bank account")
    bank_charges: MoneyOut = Field(description="What the bank kept")
    settles: MoneyOut = Field(description="amount + bank charges: what it can settle")
    allocated: MoneyOut
    unallocated: MoneyOut = Field(description="Credit on the client's account, to allocate later")
    reference: str
    method: str
    note: str
    statement_line_id: int | None
    allocations: list[AllocationOut]
    created_at: datetime

    @staticmethod
    def resolve_client_name(obj: Payment) -> str:
        return obj.client.name

    @staticmethod
    def resolve_amount(obj: Payment) -> MoneyOut:
        return money(obj.amount_minor, obj.currency)

    @staticmethod
    def resolve_bank_charges(obj: Payment) -> MoneyOut:
        return money(obj.bank_charges_minor, obj.currency)

    @staticmethod
    def resolve_settles(obj: Payment) -> MoneyOut:
        return money(obj.settles_minor, obj.currency)

    @staticmethod
    def resolve_allocated(obj: Payment) -> MoneyOut:
        return money(int(getattr(obj, "allocated_minor", 0)), obj.currency)

    @staticmethod
    def resolve_unallocated(obj: Payment) -> MoneyOut:
        return money(obj.settles_minor - int(getattr(obj, "allocated_minor", 0)), obj.currency)

    @staticmethod
    def resolve_allocations(obj: Payment) -> list[PaymentAllocation]:
        return list(obj.allocations.all())


class StatementAcceptIn(Schema):
    invoice_id: Id | None = Field(None, description="The invoice it pays (its client's payment, allocated to it)")
    client_id: Id | None = Field(None, description="Without an invoice: the client whose account it credits")
    bank_charges_minor: MinorUnits = 0


class StatementOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    company_id: int
    filename: str
    encoding: str
    line_count: int = Field(description="Lines imported")
    duplicate_count: int = Field(description="Lines skipped: identical to lines imported before for the company")
    imported_at: datetime

    @staticmethod
    def resolve_company_id(obj: BankStatement) -> int:
        return obj.company_id


class SuggestionOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    invoice_id: int
    invoice_number: str
    client_id: int
    client_name: str
    open: MoneyOut = Field(description="What is open on the invoice")
    strength: Literal["strong", "medium", "weak"]
    score: int = Field(description="0–100")
    reason: str


class StatementLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    id: int
    line_number: int
    date: Day
    amount: MoneyOut = Field(description="Positive: money in")
    counterparty: str
    reference: str
    payment_id: int | None = Field(description="The payment it was recorded as")
    suggestions: list[SuggestionOut]


def statement_line_out(row: LineWithSuggestions) -> StatementLineOut:
    line: StatementLine = row.line
    return StatementLineOut(
        id=line.pk,
        line_number=line.line_number,
        date=line.date,
        amount=money(line.amount_minor, line.currency),
        counterparty=line.counterparty,
        reference=line.reference,
        payment_id=row.payment_id,
        suggestions=[
            SuggestionOut(
                invoice_id=s.invoice.id,
                invoice_number=s.invoice.number,
                client_id=s.invoice.client_id,
                client_name=s.invoice.client_name,
                open=money(s.invoice.open_minor, s.invoice.currency),
                strength=s.strength,  # type: ignore[arg-type]
                score=s.score,
                reason=s.reason,
            )
            for s in row.suggestions
        ],
    )


# --- reports -------------------------------------------------------------------------------------------------


class BucketsOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    current: MoneyOut = Field(description="Not yet due")
    d1_30: MoneyOut
    d31_60: MoneyOut
    d61_90: MoneyOut
    over_90: MoneyOut
    total: MoneyOut


def buckets_out(values: tuple[int, ...], currency: str) -> BucketsOut:
    parts: dict[str, Any] = {b.key: money(v, currency) for b, v in zip(rules.BUCKETS, values, strict=True)}
    return BucketsOut(**parts, total=money(sum(values), currency))


class AgeingClientOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    client_id: int
    client_name: str
    currency: str = Field(description="The invoices' currency")
    invoices: int
    buckets: BucketsOut
    converted: BucketsOut = Field(description="In the company's currency, at each invoice's own exchange rate")


class AgeingCurrencyOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    currency: str
    buckets: BucketsOut


class CompanyAgeingOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    company_id: int
    company_name: str
    currency: str = Field(description="The company's currency")
    as_of: date
    invoices: int = Field(description="Open invoices counted")
    clients: list[AgeingClientOut] = Field(description="Per client and invoice currency, by client name")
    by_currency: list[AgeingCurrencyOut] = Field(description="The company's totals in each invoice currency")
    converted: BucketsOut = Field(description="The company's total in its own currency")


class AgeingOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    as_of: date
    buckets: list[str] = Field(description=f"The buckets, by days past due: {BUCKET_KEYS}")
    companies: list[CompanyAgeingOut]


def ageing_out(as_of: date, companies: list[CompanyAgeing]) -> AgeingOut:
    return AgeingOut(
        as_of=as_of,
        buckets=[b.key for b in rules.BUCKETS],
        companies=[
            CompanyAgeingOut(
                company_id=a.company.pk,
                company_name=a.company.name,
                currency=a.currency,
                as_of=a.as_of,
                invoices=a.invoices,
                clients=[
                    AgeingClientOut(
                        client_id=line.client_id,
                        client_name=line.client_name,
                        currency=line.currency,
                        invoices=line.invoices,
                        buckets=buckets_out(line.buckets, line.currency),
                        converted=buckets_out(line.converted, a.currency),
                    )
                    for line in a.lines
                ],
                by_currency=[
                    AgeingCurrencyOut(currency=c, buckets=buckets_out(v, c)) for c, v in a.by_currency.items()
                ],
                converted=buckets_out(a.converted, a.currency),
            )
            for a in companies
        ],
    )


class DsoOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    company_id: int
    company_name: str
    as_of: date
    days: int
    first_day: date = Field(description="The period's first day (as_of is its last)")
    receivables: MoneyOut = Field(description="Open on as_of, in the company's currency")
    credit_sales: MoneyOut = Field(description="Invoiced less credited in the period, in the company's currency")
    dso: str | None = Field(description="receivables ÷ credit sales × days, one decimal; null without sales")


def dso_out(d: Dso) -> DsoOut:
    return DsoOut(
        company_id=d.company.pk,
        company_name=d.company.name,
        as_of=d.as_of,
        days=d.days,
        first_day=d.first_day,
        receivables=money(d.receivables_minor, d.currency),
        credit_sales=money(d.credit_sales_minor, d.currency),
        dso=None if d.dso is None else f"{d.dso:f}",
    )


class AccountLineOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    date: Day
    kind: Literal["invoice", "credit_note", "payment"]
    id: int = Field(description="The invoice's, credit note's or payment's id")
    reference: str = Field(description="The document's number, or the payment's method")
    due_date: Day | None
    note: str
    debit: MoneyOut
    credit: MoneyOut
    balance: MoneyOut = Field(description="What the client owes after this line (negative: credit)")


class AccountOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    currency: str
    opening: MoneyOut
    closing: MoneyOut
    lines: list[AccountLineOut]


class StatementOfAccountOut(Schema):
    model_config = {"json_schema_extra": MONEY_SHAPE}

    client_id: int
    client_name: str
    first: date
    last: date
    accounts: list[AccountOut] = Field(description="One per currency the client was invoiced or paid in")


def account_out(account: AccountInCurrency) -> AccountOut:
    c = account.currency
    return AccountOut(
        currency=c,
        opening=money(account.opening_minor, c),
        closing=money(account.closing_minor, c),
        lines=[
            AccountLineOut(
                date=line.entry.day,
                kind=line.entry.kind,  # type: ignore[arg-type]
                id=line.entry.object_id,
                reference=line.entry.reference,
                due_date=line.entry.due_date,
                note=line.entry.note,
                debit=money(line.entry.debit_minor, c),
                credit=money(line.entry.credit_minor, c),
                balance=money(line.balance_minor, c),
            )
            for line in account.lines
        ],
    )
