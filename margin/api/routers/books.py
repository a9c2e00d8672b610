"""The books: a company's chart of accounts, its journal (posting the documents, manual entries, reversals),
the trial balance and the verification of the journal's hash chain. Finance and administrators only: another
company's books answer 404, anyone else 403."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.models import Company
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.books import (
    BalanceSheetOut,
    ChainVerificationOut,
    ConsolidatedOut,
    JournalEntryIn,
    JournalEntryOut,
    JournalPostIn,
    JournalPostOut,
    JournalReverseIn,
    LedgerAccountIn,
    LedgerAccountOut,
    LedgerAccountPatch,
    ProfitAndLossOut,
    RevaluationIn,
    TrialBalanceOut,
)
from margin.api.schemas.common import Currency, Id, responses
from margin.api.security import viewer_of
from margin.books import actions
from margin.books.chain import ledger_verify
from margin.books.models import ExpenseCategoryAccount, JournalEntry
from margin.books.queries import (
    account_get,
    accounts_of,
    books_companies,
    books_company,
    entries_of,
    entry_get,
    trial_balance,
)
from margin.books.reports import balance_sheet, consolidated, profit_and_loss
from margin.core.errors import Invalid, NotFound
from margin.expenses.models import ExpenseCategory

router = Router(tags=["books"])


def _company(request: HttpRequest, company_id: int) -> Company:
    return books_company(viewer_of(request), company_id)


@router.get(
    "/companies/{company_id}/accounts", response=responses(list[LedgerAccountOut]), summary="The chart of accounts"
)
def account_list(request: HttpRequest, company_id: Id) -> list[LedgerAccountOut]:
    company = _company(request, company_id)
    return [LedgerAccountOut.from_account(a) for a in accounts_of(company.pk)]


@router.post(
    "/companies/{company_id}/chart",
    response=responses(list[LedgerAccountOut], 201),
    summary="Give a company without accounts the default chart (every role mapped)",
)
def chart_install(request: HttpRequest, company_id: Id) -> Status[list[LedgerAccountOut]]:
    company = _company(request, company_id)
    created = actions.chart_install(viewer=viewer_of(request), company=company)
    return Status(201, [LedgerAccountOut.from_account(a) for a in created])


@router.post("/companies/{company_id}/accounts", response=responses(LedgerAccountOut, 201), summary="Add an account")
def account_add(request: HttpRequest, company_id: Id, payload: LedgerAccountIn) -> Status[LedgerAccountOut]:
    company = _company(request, company_id)
    account = actions.account_add(
        viewer=viewer_of(request),
        company=company,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        role=payload.role,
    )
    return Status(201, LedgerAccountOut.from_account(account))


@router.patch(
    "/accounts/{ledger_account_id}",
    response=responses(LedgerAccountOut),
    summary="Rename, renumber, map a role, retire",
)
def account_change(request: HttpRequest, ledger_account_id: Id, payload: LedgerAccountPatch) -> LedgerAccountOut:
    viewer = viewer_of(request)
    account = actions.account_update(
        viewer=viewer,
        account=account_get(viewer, ledger_account_id),
        code=payload.code,
        name=payload.name,
        role=payload.role,
        clear_role=payload.clear_role,
        active=payload.active,
    )
    return LedgerAccountOut.from_account(account)


class JournalFilter(Schema):
    date_from: date | None = None
    date_to: date | None = None
    source_kind: str | None = None
    account_id: Id | None = None


@router.get(
    "/companies/{company_id}/entries",
    response=responses(list[JournalEntryOut]),
    summary="The journal, newest entry first",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def entry_list(request: HttpRequest, company_id: Id, filters: Query[JournalFilter]) -> QuerySet[JournalEntry]:
    company = _company(request, company_id)
    return entries_of(
        company.pk,
        date_from=filters.date_from,
        date_to=filters.date_to,
        source_kind=filters.source_kind,
        account_id=filters.account_id,
    )


@router.get(
    "/entries/{journal_entry_id}",
    response=responses(JournalEntryOut),
    summary="One journal entry",
    openapi_extra=MONEY_ONLY,
)
def entry_detail(request: HttpRequest, journal_entry_id: Id) -> JournalEntry:
    return entry_get(viewer_of(request), journal_entry_id)


@router.post(
    "/companies/{company_id}/entries",
    response=responses(JournalEntryOut, 201),
    summary="Post a manual entry (balanced, in an open period)",
    openapi_extra=MONEY_ONLY,
)
def entry_add(request: HttpRequest, company_id: Id, payload: JournalEntryIn) -> Status[JournalEntry]:
    viewer = viewer_of(request)
    company = _company(request, company_id)
    entry = actions.entry_post(
        viewer=viewer,
        company=company,
        day=payload.date,
        description=payload.description,
        lines=[actions.ManualLine(x.account_id, x.debit_minor, x.credit_minor, x.description) for x in payload.lines],
    )
    return Status(201, entry_get(viewer, entry.pk))


@router.post(
    "/entries/{journal_entry_id}/reverse",
    response=responses(JournalEntryOut, 201),
    summary="Reverse a manual entry with its mirror image",
    openapi_extra=MONEY_ONLY,
)
def entry_reverse(request: HttpRequest, journal_entry_id: Id, payload: JournalReverseIn) -> Status[JournalEntry]:
    viewer = viewer_of(request)
    reversal = actions.entry_reverse(
        viewer=viewer, entry=entry_get(viewer, journal_entry_id), reason=payload.reason, day=payload.date
    )
    return Status(201, entry_get(viewer, reversal.pk))


@router.post(
    "/companies/{company_id}/post",
    response=responses(JournalPostOut),
    summary="Post the documents not yet in the journal (invoices, credit notes, payments, expense claims)",
)
def journal_post(request: HttpRequest, company_id: Id, payload: JournalPostIn) -> JournalPostOut:
    company = _company(request, company_id)
    return JournalPostOut.from_result(
        actions.journal_sync(viewer=viewer_of(request), company=company, up_to=payload.up_to)
    )


class TrialBalancePeriod(Schema):
    date_from: date | None = None
    date_to: date | None = None


@router.get(
    "/companies/{company_id}/trial-balance",
    response=responses(TrialBalanceOut),
    summary="Trial balance: per account the opening balance, the period's debits and credits, the closing balance",
    openapi_extra=MONEY_ONLY,
)
def trial_balance_get(request: HttpRequest, company_id: Id, period: Query[TrialBalancePeriod]) -> TrialBalanceOut:
    company = _company(request, company_id)
    balance = trial_balance(company, date_from=period.date_from, date_to=period.date_to or timezone.localdate())
    return TrialBalanceOut.from_balance(balance)


@router.get(
    "/companies/{company_id}/verification",
    response=responses(ChainVerificationOut),
    summary="Walk the journal's hash chain and report the first entry that does not hold",
)
def verification_get(request: HttpRequest, company_id: Id) -> ChainVerificationOut:
    company = _company(request, company_id)
    return ChainVerificationOut.from_verification(ledger_verify(company.pk))


class ReportPeriod(Schema):
    date_from: date
    date_to: date


@router.get(
    "/companies/{company_id}/profit-and-loss",
    response=responses(ProfitAndLossOut),
    summary="Profit and loss for a period",
    openapi_extra=MONEY_ONLY,
)
def profit_and_loss_get(request: HttpRequest, company_id: Id, period: Query[ReportPeriod]) -> ProfitAndLossOut:
    company = _company(request, company_id)
    _check_period(period.date_from, period.date_to)
    return ProfitAndLossOut.from_report(profit_and_loss(company, date_from=period.date_from, date_to=period.date_to))


class AsOf(Schema):
    as_of: date


@router.get(
    "/companies/{company_id}/balance-sheet",
    response=responses(BalanceSheetOut),
    summary="Balance sheet at a day (with the year's result so far)",
    openapi_extra=MONEY_ONLY,
)
def balance_sheet_get(request: HttpRequest, company_id: Id, day: Query[AsOf]) -> BalanceSheetOut:
    company = _company(request, company_id)
    return BalanceSheetOut.from_report(balance_sheet(company, as_of=day.as_of))


class ConsolidationQuery(Schema):
    date_from: date
    date_to: date
    currency: Currency | None = Field(None, description="The reporting currency (default: the first company's)")


@router.get(
    "/consolidated",
    response=responses(ConsolidatedOut),
    summary="The organisation's P&L and balance sheet in a reporting currency, with the translation rates",
)
def consolidated_get(request: HttpRequest, query: Query[ConsolidationQuery]) -> ConsolidatedOut:
    companies = books_companies(viewer_of(request))
    _check_period(query.date_from, query.date_to)
    currency = query.currency or min(companies, key=lambda c: c.pk).base_currency
    report = consolidated(companies, currency=currency, date_from=query.date_from, date_to=query.date_to)
    return ConsolidatedOut.from_report(report)


def _check_period(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise Invalid("The period must end on or after the day it starts.", field="date_to")


@router.post(
    "/companies/{company_id}/fx-revaluation",
    response=responses(list[JournalEntryOut], 201),
    summary="Revalue open foreign-currency receivables at a period end (reversed the next day)",
    openapi_extra=MONEY_ONLY,
)
def fx_revaluation_post(request: HttpRequest, company_id: Id, payload: RevaluationIn) -> Status[list[JournalEntry]]:
    viewer = viewer_of(request)
    company = _company(request, company_id)
    entries = actions.fx_revalue(viewer=viewer, company=company, as_of=payload.as_of)
    return Status(201, [entry_get(viewer, e.pk) for e in entries])


class CategoryAccountIn(Schema):
    account_id: Id | None = Field(None, description="An expense account of the company; null: the expenses role's")


class CategoryAccountOut(Schema):
    category_id: int
    category: str
    account_id: int | None = Field(description="Null: the account of the expenses role")


@router.get(
    "/companies/{company_id}/expense-categories",
    response=responses(list[CategoryAccountOut]),
    summary="The expense account each expense category posts to",
)
def category_accounts(request: HttpRequest, company_id: Id) -> list[CategoryAccountOut]:
    company = _company(request, company_id)
    mapped = dict(ExpenseCategoryAccount.objects.filter(company=company).values_list("category_id", "account_id"))
    return [
        CategoryAccountOut(category_id=c.pk, category=c.name, account_id=mapped.get(c.pk))
        for c in ExpenseCategory.objects.filter(organisation_id=company.organisation_id).order_by("name", "id")
    ]


@router.put(
    "/companies/{company_id}/expense-categories/{category_id}",
    response=responses(CategoryAccountOut),
    summary="Post an expense category to an account of the company",
)
def category_account_put(
    request: HttpRequest, company_id: Id, category_id: Id, payload: CategoryAccountIn
) -> CategoryAccountOut:
    viewer = viewer_of(request)
    company = _company(request, company_id)
    category = ExpenseCategory.objects.filter(pk=category_id, organisation_id=viewer.organisation_id).first()
    if category is None:
        raise NotFound("No such expense category.")
    account = account_get(viewer, payload.account_id) if payload.account_id is not None else None
    row = actions.expense_category_account_set(viewer=viewer, company=company, category=category, account=account)
    return CategoryAccountOut(
        category_id=category.pk, category=category.name, account_id=row.account_id if row else None
    )
