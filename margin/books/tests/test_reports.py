"""Statements from the journal: profit and loss, the balance sheet (which balances without a closing entry),
consolidation in a reporting currency with its rates, and the revaluation of open foreign receivables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.billing.tests.issued import Line, client, issued, project_of
from margin.books import actions
from margin.books.models import JournalEntry, JournalLine
from margin.books.reports import balance_sheet, consolidated, profit_and_loss
from margin.books.rules import Role
from margin.core.errors import Conflict
from margin.rates.models import ExchangeRate
from tests.firm import Firm

D = Decimal
OCT = date(2026, 10, 1)


def _rate(firm: Firm, source: str, target: str, rate: str, day: date) -> None:
    ExchangeRate.objects.create(
        organisation_id=firm.eur.organisation_id, from_currency=source, to_currency=target, rate=D(rate), day=day
    )


def _eur_invoice(firm: Firm, number: str, day: date, **kwargs: object):  # type: ignore[no-untyped-def]
    buyer = client(firm, f"Kunde {number}")
    project = project_of(firm, firm.eur, buyer, f"R{number[-4:]}")
    lines = kwargs.pop("lines", [Line("Consulting", quantity=D(10), price=D(100))])
    return issued(company=firm.eur, buyer=buyer, project=project, lines=lines, number=number, issue_date=day, **kwargs)  # type: ignore[arg-type]


def test_profit_and_loss_and_a_balance_sheet_that_balances(firm: Firm) -> None:
    _eur_invoice(firm, "2026-0001", OCT)
    actions.journal_sync(viewer=firm.finance, company=firm.eur, up_to=date(2026, 10, 31))
    pnl = profit_and_loss(firm.eur, date_from=OCT, date_to=date(2026, 10, 31))
    assert (pnl.income_minor, pnl.expenses_minor, pnl.result_minor) == (100_000, 0, 100_000)
    sheet = balance_sheet(firm.eur, as_of=date(2026, 10, 31))
    assert sheet.balances and sheet.assets_minor == 119_000
    assert [x.name for x in sheet.equity][-1].startswith("Result of the year")


def test_consolidation_translates_at_closing_and_average_rates(firm: Firm) -> None:
    _eur_invoice(firm, "2026-0001", OCT)
    actions.journal_sync(viewer=firm.finance, company=firm.eur, up_to=date(2026, 10, 31))
    _rate(firm, "EUR", "USD", "1.10", date(2026, 10, 31))
    report = consolidated([firm.usd, firm.eur], currency="USD", date_from=OCT, date_to=date(2026, 10, 31))
    [eur] = [r for r in report.rates if r.currency == "EUR"]
    assert (eur.closing, eur.average) == (D("1.10"), D("1.100000000000"))
    assert report.profit_and_loss.income_minor == 110_000
    assert report.balance_sheet.balances and report.balance_sheet.assets_minor == 130_900


def test_open_foreign_receivables_are_revalued_and_the_revaluation_reversed_next_day(firm: Firm) -> None:
    _eur_invoice(
        firm,
        "2026-0001",
        OCT,
        currency="USD",
        exchange_rate=D("0.90"),
        lines=[Line("Work", quantity=D(10), price=D(100), category="O", rate=D(0))],
    )
    actions.journal_sync(viewer=firm.finance, company=firm.eur, up_to=date(2026, 10, 31))
    _rate(firm, "USD", "EUR", "0.95", date(2026, 10, 31))
    entries = actions.fx_revalue(viewer=firm.finance, company=firm.eur, as_of=date(2026, 10, 31))
    assert [e.date for e in entries] == [date(2026, 10, 31), date(2026, 11, 1)]
    gain = JournalLine.objects.filter(entry=entries[0], account__role=Role.FX_GAIN).get()
    assert gain.amount_minor == -5_000  # 1,000 USD carried at 900 EUR, worth 950 on the day
    receivable = sum(
        JournalLine.objects.filter(
            company=firm.eur, account__role=Role.RECEIVABLE, date__lte=date(2026, 10, 31)
        ).values_list("amount_minor", flat=True)
    )
    assert receivable == 95_000
    with pytest.raises(Conflict):
        actions.fx_revalue(viewer=firm.finance, company=firm.eur, as_of=date(2026, 10, 31))
    assert JournalEntry.objects.filter(source_kind="fx_revaluation").count() == 1
