"""The ledger exports in the API: a company's journal as a beancount ledger, a GnuCash book, and the CSV journals
of Xero's and QuickBooks Online's import screens, for a period or all of it. The books are finance's: 404 for a
company the caller does not see, 403 unless finance or an administrator (`books.queries.books_company`).

Registered on the one NinjaAPI by `config/api.py` (integrations sit above the API layer)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.text import slugify
from ninja import Field, Query, Router, Schema

from margin.accounts.models import Company
from margin.api.money import MONEY_ONLY
from margin.api.schemas.common import Error, Id, responses
from margin.api.security import viewer_of
from margin.books.queries import books_company
from margin.integrations.beancount.ledger import beancount_lines
from margin.integrations.gnucash.book import gnucash_book
from margin.integrations.ledgers.csvfile import csv_chunks
from margin.integrations.ledgers.journal import Journal, journal_of
from margin.integrations.quickbooks.journals import HEADER as QUICKBOOKS_HEADER
from margin.integrations.quickbooks.journals import quickbooks_rows
from margin.integrations.xero.journals import HEADER as XERO_HEADER
from margin.integrations.xero.journals import xero_rows

router = Router(tags=["ledger exports"])
BASE = "/books/companies/{company_id}"


class LedgerPeriodIn(Schema):
    date_from: date | None = Field(
        None,
        description="First day (with it, the ledger and the book open with the "
        "balances brought forward; the CSV journals hold the period's entries only)",
    )
    date_to: date | None = Field(None, description="Last day")


class XeroExportIn(LedgerPeriodIn):
    tax_rate: Annotated[str, Field(max_length=100)] = Field(
        "",
        description="The display name of a Xero tax rate that adds no tax; default by the company's country "
        '("No VAT" GB, "BAS Excluded" AU, "No GST" NZ, else "Tax Exempt")',
    )
    tracking: bool = Field(False, description="Fill the tracking columns (Project: code, Client: name)")


class QuickBooksExportIn(LedgerPeriodIn):
    date_order: Literal["mdy", "dmy"] = Field("mdy", description="MM/DD/YYYY (US) or DD/MM/YYYY")


def _answer(media: str, description: str, binary: bool = False) -> dict[str, Any]:
    schema = {"type": "string", **({"format": "binary"} if binary else {})}
    return {**MONEY_ONLY, "responses": {200: {"description": description, "content": {media: {"schema": schema}}}}}


def _journal(request: HttpRequest, company_id: int, params: LedgerPeriodIn) -> Journal:
    company = books_company(viewer_of(request), company_id)
    return journal_of(company, date_from=params.date_from, date_to=params.date_to)


def _filename(company: Company, params: LedgerPeriodIn, suffix: str) -> str:
    span = "-".join(d.isoformat() for d in (params.date_from, params.date_to) if d) or "all"
    return f"{slugify(company.name) or f'company-{company.pk}'}-journal-{span}{suffix}"


def _streamed(chunks: Any, media: str, filename: str) -> StreamingHttpResponse:
    answer = StreamingHttpResponse(chunks, content_type=f"{media}; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


@router.get(
    f"{BASE}/export.beancount",
    url_name="books_export_beancount",
    response=responses(None),
    summary="The company's journal as a beancount ledger (bean-check accepts it), streamed",
    openapi_extra=_answer("text/plain", "A beancount v3 ledger (UTF-8)"),
)
def books_export_beancount(
    request: HttpRequest, company_id: Id, params: Query[LedgerPeriodIn]
) -> StreamingHttpResponse:
    journal = _journal(request, company_id, params)
    return _streamed(beancount_lines(journal), "text/plain", _filename(journal.company, params, ".beancount"))


@router.get(
    f"{BASE}/export.gnucash",
    url_name="books_export_gnucash",
    response={**responses(None), 503: Error},
    summary="The company's journal as a GnuCash book (SQLite), written by piecash",
    openapi_extra=_answer("application/x-sqlite3", "A GnuCash SQLite book", binary=True),
)
def books_export_gnucash(request: HttpRequest, company_id: Id, params: Query[LedgerPeriodIn]) -> FileResponse:
    journal = _journal(request, company_id, params)
    return FileResponse(
        gnucash_book(journal),
        as_attachment=True,
        filename=_filename(journal.company, params, ".gnucash"),
        content_type="application/x-sqlite3",
    )


@router.get(
    f"{BASE}/export-xero.csv",
    url_name="books_export_xero",
    response=responses(None),
    summary="The company's journal as a CSV for Xero's manual journal import, streamed",
    openapi_extra=_answer("text/csv", "Narration, Date, Description, AccountCode, TaxRate, Amount, tracking"),
)
def books_export_xero(request: HttpRequest, company_id: Id, params: Query[XeroExportIn]) -> StreamingHttpResponse:
    journal = _journal(request, company_id, params)
    rows = xero_rows(journal, tax_rate=params.tax_rate, tracking=params.tracking)
    return _streamed(csv_chunks(XERO_HEADER, rows), "text/csv", _filename(journal.company, params, "-xero.csv"))


@router.get(
    f"{BASE}/export-quickbooks.csv",
    url_name="books_export_quickbooks",
    response=responses(None),
    summary="The company's journal as a CSV for QuickBooks Online's journal entry import, streamed",
    openapi_extra=_answer("text/csv", "Journal No., Journal Date, Account Name, Debits, Credits, Description, Name"),
)
def books_export_quickbooks(
    request: HttpRequest, company_id: Id, params: Query[QuickBooksExportIn]
) -> StreamingHttpResponse:
    journal = _journal(request, company_id, params)
    rows = quickbooks_rows(journal, date_order=params.date_order)
    name = _filename(journal.company, params, "-quickbooks.csv")
    return _streamed(csv_chunks(QUICKBOOKS_HEADER, rows), "text/csv", name)
