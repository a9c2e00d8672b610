"""Books (finance and administrators): a company's journal (filter, post the documents not yet in it, a manual
entry, reverse a manual entry), one entry, the trial balance, the chart of accounts, the verification of the
journal's hash chain, and links to the ledger exports of the API.

Views only translate: a form parses, one action of `books.actions` writes, a refusal comes back on the form with
its status; reads are `books.queries` and `books.chain`. Another organisation's company answers 404, anyone but
finance and administrators 403 (`books_company`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from margin.accounts.models import Company
from margin.accounts.queries import Viewer
from margin.books import actions
from margin.books.chain import ledger_verify
from margin.books.models import Account, JournalEntry
from margin.books.queries import (
    account_get,
    accounts_of,
    books_companies,
    books_company,
    entries_of,
    entry_get,
    trial_balance,
)
from margin.books.rules import Source
from margin.core.errors import DomainError, Forbidden, Invalid
from margin.core.money import Money
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_books import (
    AccountChangeForm,
    AccountForm,
    JournalFilter,
    ManualEntryForm,
    PeriodForm,
    ReasonForm,
)
from margin.web.forms_firm import refuse
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "books"
PAGE_SIZE = 25
PROBLEMS_SHOWN = 20
SCREENS = {
    "journal": "web:books_journal",
    "trial_balance": "web:books_trial_balance",
    "accounts": "web:books_accounts",
    "verification": "web:books_verification",
    "statements": "web:books_statements",
}
# The ledger exports (margin/integrations/ledgers/api.py): GET with the session, a file in answer.
EXPORTS = [
    ("Beancount ledger", "export.beancount"),
    ("GnuCash book", "export.gnucash"),
    ("Xero manual journals (CSV)", "export-xero.csv"),
    ("QuickBooks Online journal entries (CSV)", "export-quickbooks.csv"),
]


def _company(viewer: Viewer, company_id: int) -> Company:
    return books_company(viewer, checked_id(company_id))


def _layout(viewer: Viewer, company: Company, screen: str) -> dict[str, Any]:
    """What every books page shows above its content: the company (and the others to switch to), the tabs."""
    return {"company": company, "companies": books_companies(viewer), "screen": screen}


@viewer_view
def books_home(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The books of the company chosen (the picker's form), else the first one; the screen it was on."""
    companies = books_companies(viewer)
    if not companies:
        return page(request, viewer, "web/books/no_company.html", {}, active=ACTIVE)
    chosen = request.GET.get("company", "")
    company = next((c for c in companies if chosen.isdigit() and c.pk == int(chosen)), companies[0])
    screen = SCREENS.get(request.GET.get("screen", ""), SCREENS["journal"])
    return redirect(screen, company_id=company.pk)


# --- the journal -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceLink:
    label: str
    url: str


def _source(entry: JournalEntry) -> SourceLink:
    """What an entry was posted from, and where to see it."""
    label = dict(Source.CHOICES).get(entry.source_kind, entry.source_kind)
    sid = entry.source_id
    url = ""
    if entry.source_kind in (Source.INVOICE, Source.CREDIT_NOTE) and sid:
        url = reverse("web:invoice", args=[sid])
    elif entry.source_kind == Source.PAYMENT and sid:
        url = reverse("web:payment", args=[sid])
    elif entry.source_kind in (Source.EXPENSE_CLAIM, Source.REIMBURSEMENT) and sid:
        url = reverse("web:expense_claim", args=[sid])
    elif entry.source_kind == Source.REVENUE_RUN:
        url = reverse("web:revenue_runs", args=[entry.company_id])
    elif entry.source_kind == Source.REVERSAL and entry.reverses_id:
        url = reverse("web:books_entry", args=[entry.reverses_id])
    return SourceLink(label, url)


def _rows(entries: list[JournalEntry]) -> list[tuple[JournalEntry, SourceLink]]:
    return [(entry, _source(entry)) for entry in entries]


def _journal_page(
    request: HtmxRequest,
    viewer: Viewer,
    company: Company,
    *,
    entry_form: ManualEntryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = accounts_of(company.pk)
    filters = JournalFilter(request.GET or None, accounts=accounts)
    data: dict[str, Any] = {}
    if filters.is_bound:
        if filters.is_valid():
            data = filters.cleaned_data
        elif status == 200:
            status = 422
    account = data.get("account")
    rows = entries_of(
        company.pk,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        source_kind=data.get("source_kind") or None,
        account_id=account.pk if account is not None else None,
    )
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    form = entry_form or ManualEntryForm(currency=company.base_currency, accounts=accounts)
    context = {
        **_layout(viewer, company, "journal"),
        "filters": filters,
        "rows": _rows(list(page_obj.object_list)),
        "page_obj": page_obj,
        "query": query.urlencode(),
        "filtered": bool(data and any(data.values())),
        "entry_form": form,
        "entry_accounts": form.accounts,
        "exports": [(label, f"/api/v1/books/companies/{company.pk}/{name}") for label, name in EXPORTS],
        "has_accounts": bool(accounts),
    }
    return page(request, viewer, "web/books/journal.html", context, active=ACTIVE, status=status)


@viewer_view
def journal(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    return _journal_page(request, viewer, _company(viewer, company_id))


@viewer_view
def journal_line_row(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    """One more empty line of the manual entry form (htmx: the "Add a line" button)."""
    company = _company(viewer, company_id)
    accounts = [a for a in accounts_of(company.pk) if a.active]
    return render(request, "web/books/_entry_line.html", {"row": None, "entry_accounts": accounts})


@require_POST
@viewer_view
def journal_sync_view(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    result = actions.journal_sync(viewer=viewer, company=company)
    if result.posted:
        messages.success(
            request,
            f"{result.posted} entr{'y' if result.posted == 1 else 'ies'} posted "
            f"(#{result.first_seq}–#{result.last_seq}).",
        )
    elif not result.problems:
        messages.info(request, "Nothing to post: every document is in the journal.")
    if result.problems:
        shown = result.problems[:PROBLEMS_SHOWN]
        more = len(result.problems) - len(shown)
        messages.warning(
            request,
            f"{len(result.problems)} document{'' if len(result.problems) == 1 else 's'} could not be posted: "
            + "; ".join(shown)
            + (f"; and {more} more." if more else "."),
        )
    return redirect("web:books_journal", company.pk)


@require_POST
@viewer_view
def entry_new(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    form = ManualEntryForm(request.POST, currency=company.base_currency, accounts=accounts_of(company.pk))
    if form.is_valid():
        try:
            entry = actions.entry_post(
                viewer=viewer,
                company=company,
                day=form.cleaned_data["date"],
                description=form.cleaned_data["description"],
                lines=[
                    actions.ManualLine(x.account_id, x.debit_minor, x.credit_minor, x.description) for x in form.lines
                ],
            )
        except Forbidden:
            raise
        except DomainError as error:
            if error.code == "unbalanced":  # the rule speaks minor units; the form has the amounts as money
                c = company.base_currency
                debits, credits = form.debit_total, form.credit_total
                error = Invalid(
                    f"The entry does not balance: debits {Money.from_minor(debits, c)} and credits "
                    f"{Money.from_minor(credits, c)} differ by {Money.from_minor(abs(debits - credits), c)}.",
                    field=error.field,
                    code=error.code,
                )
            refuse(form, error, {"day": "date"})
        else:
            messages.success(request, f"Entry #{entry.seq} is posted.")
            return redirect("web:books_entry", entry.pk)
    return _journal_page(request, viewer, company, entry_form=form, status=form.refusal_status)


def _entry_page(
    request: HtmxRequest, viewer: Viewer, entry: JournalEntry, form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    company = books_company(viewer, entry.company_id)
    reversal = entry_get(viewer, entry.reversed_by_pk) if entry.reversed_by_pk else None  # type: ignore[attr-defined]
    context = {
        **_layout(viewer, company, "journal"),
        "entry": entry,
        "source": _source(entry),
        "reversal": reversal,
        "reverse_form": form or ReasonForm(),
        "may_reverse": entry.source_kind == Source.MANUAL and reversal is None,
    }
    return page(request, viewer, "web/books/entry.html", context, active=ACTIVE, status=status)


@viewer_view
def entry_detail(request: HtmxRequest, viewer: Viewer, entry_id: int) -> HttpResponse:
    return _entry_page(request, viewer, entry_get(viewer, checked_id(entry_id)))


@require_POST
@viewer_view
def entry_reverse_view(request: HtmxRequest, viewer: Viewer, entry_id: int) -> HttpResponse:
    entry = entry_get(viewer, checked_id(entry_id))
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            reversal = actions.entry_reverse(viewer=viewer, entry=entry, reason=form.cleaned_data["reason"])
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error, {"date": "reason"})
        else:
            messages.success(request, f"Entry #{entry.seq} is reversed by entry #{reversal.seq}.")
            return redirect("web:books_entry", reversal.pk)
    return _entry_page(request, viewer, entry_get(viewer, entry.pk), form, status=form.refusal_status)


# --- the trial balance -------------------------------------------------------------------------------------------


@viewer_view
def trial_balance_view(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    form = PeriodForm(request.GET or {})
    status, balance = 200, None
    if form.is_valid():
        try:
            balance = trial_balance(
                company, date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
            )
        except DomainError as error:
            refuse(form, error)
            status = form.refusal_status
    else:
        status = 422
    if balance is not None and not request.GET:
        form = PeriodForm(initial={"date_to": balance.date_to})
    context = {**_layout(viewer, company, "trial_balance"), "form": form, "balance": balance}
    return page(request, viewer, "web/books/trial_balance.html", context, active=ACTIVE, status=status)


# --- the chart of accounts ---------------------------------------------------------------------------------------


def _accounts_page(
    request: HtmxRequest,
    viewer: Viewer,
    company: Company,
    *,
    add_form: AccountForm | None = None,
    change: tuple[int, AccountChangeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    accounts = accounts_of(company.pk)
    rows = []
    for account in accounts:
        if change is not None and change[0] == account.pk:
            form = change[1]
        else:
            form = AccountChangeForm(
                initial={
                    "code": account.code,
                    "name": account.name,
                    "role": account.role or "",
                    "active": account.active,
                },
                auto_id=f"id_%s_{account.pk}",
            )
        rows.append((account, form))
    context = {
        **_layout(viewer, company, "accounts"),
        "rows": rows,
        "add_form": add_form or AccountForm(initial={"kind": "expense"}),
        "changed": change[0] if change else None,
    }
    return page(request, viewer, "web/books/accounts.html", context, active=ACTIVE, status=status)


@viewer_view
def accounts(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    return _accounts_page(request, viewer, _company(viewer, company_id))


@require_POST
@viewer_view
def chart_install_view(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    created = actions.chart_install(viewer=viewer, company=company)
    messages.success(request, f"The default chart is installed: {len(created)} accounts, every role mapped.")
    return redirect("web:books_accounts", company.pk)


@require_POST
@viewer_view
def account_new(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    form = AccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = actions.account_add(
                viewer=viewer,
                company=company,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                role=data["role"] or None,
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"Account {account} is added.")
            return redirect("web:books_accounts", company.pk)
    return _accounts_page(request, viewer, company, add_form=form, status=form.refusal_status)


@require_POST
@viewer_view
def account_change(request: HtmxRequest, viewer: Viewer, account_id: int) -> HttpResponse:
    account: Account = account_get(viewer, checked_id(account_id))
    company = books_company(viewer, account.company_id)
    form = AccountChangeForm(request.POST, auto_id=f"id_%s_{account.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = actions.account_update(
                viewer=viewer,
                account=account,
                code=data["code"],
                name=data["name"],
                role=data["role"] or None,
                clear_role=not data["role"],
                active=data["active"],
            )
        except Forbidden:
            raise
        except DomainError as error:
            refuse(form, error)
        else:
            messages.success(request, f"Account {changed} is saved.")
            return redirect("web:books_accounts", company.pk)
    return _accounts_page(request, viewer, company, change=(account.pk, form), status=form.refusal_status)


# --- verification -----------------------------------------------------------------------------------------------


@viewer_view
def verification(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    company = _company(viewer, company_id)
    result = ledger_verify(company.pk)
    context = {**_layout(viewer, company, "verification"), "result": result}
    return page(request, viewer, "web/books/verification.html", context, active=ACTIVE)
