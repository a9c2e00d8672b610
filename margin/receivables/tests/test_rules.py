"""The pure rules of receivables, without a database: buckets, DSO, running balances, reminder stages, the bank
statement grammar (encodings, delimiters, header names, decimal commas, dates) and the matching of lines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.core.errors import Conflict, Invalid
from margin.receivables import rules
from margin.receivables.rules import (
    BUCKETS,
    AccountEntry,
    InvoiceFacts,
    Matcher,
    OpenInvoice,
    PaymentFacts,
    StatementFileError,
    bucket_of,
    check_allocation,
    csv_cell,
    days_sales_outstanding,
    due_windows,
    parse_amount,
    parse_statement,
    reminder_stage,
    running_balance,
)

DAY = date(2026, 6, 30)


@given(st.integers(min_value=-1000, max_value=1000))
def test_every_day_falls_in_exactly_one_bucket_and_its_window(days: int) -> None:
    index = bucket_of(days)
    due = DAY - timedelta(days=days)
    inside = [
        i
        for i, (earliest, latest) in enumerate(due_windows(DAY))
        if (earliest is None or due >= earliest) and (latest is None or due <= latest)
    ]
    assert inside == [index]


def test_bucket_edges() -> None:
    assert [BUCKETS[bucket_of(d)].key for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current",
        "current",
        "d1_30",
        "d1_30",
        "d31_60",
        "d31_60",
        "d61_90",
        "d61_90",
        "over_90",
    ]


def test_days_sales_outstanding() -> None:
    assert days_sales_outstanding(receivables_minor=50_000, credit_sales_minor=150_000, days=90) == Decimal("30.0")
    assert days_sales_outstanding(receivables_minor=1, credit_sales_minor=3, days=1) == Decimal("0.3")
    assert days_sales_outstanding(receivables_minor=10, credit_sales_minor=0, days=90) is None


def test_running_balance_orders_a_day_invoices_first() -> None:
    day = date(2026, 1, 5)
    entries = [
        AccountEntry(day, rules.PAYMENT, 1, "p", "EUR", credit_minor=300),
        AccountEntry(day - timedelta(days=1), rules.INVOICE, 9, "b", "EUR", debit_minor=100),
        AccountEntry(day, rules.INVOICE, 2, "a", "EUR", debit_minor=500),
        AccountEntry(day, rules.CREDIT_NOTE, 3, "c", "EUR", credit_minor=50),
    ]
    lines = running_balance(entries, opening_minor=10)
    assert [(line.entry.reference, line.balance_minor) for line in lines] == [
        ("b", 110),
        ("a", 610),
        ("c", 560),
        ("p", 260),
    ]


def test_reminder_stages() -> None:
    assert [reminder_stage(d) for d in (-1, 0, 1, 14, 15, 29, 30, 400)] == [None, None, 1, 1, 15, 15, 30, 30]


def test_csv_cells_stay_text() -> None:
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [csv_cell(t) for t in ("+1", "-1", "@a", "\tx", "Globex")] == ["'+1", "'-1", "'@a", "'\tx", "Globex"]


# --- allocations ----------------------------------------------------------------------------------------------


def _payment(**kw: object) -> PaymentFacts:
    values: dict[str, object] = {
        "organisation_id": 1,
        "company_id": 1,
        "client_id": 1,
        "currency": "EUR",
        "settles_minor": 10_000,
        "allocated_minor": 0,
    }
    values.update(kw)
    return PaymentFacts(**values)  # type: ignore[arg-type]


def _invoice(**kw: object) -> InvoiceFacts:
    values: dict[str, object] = {
        "id": 7,
        "label": "2026-0007",
        "organisation_id": 1,
        "company_id": 1,
        "client_id": 1,
        "kind": "invoice",
        "issued": True,
        "currency": "EUR",
        "total_minor": 5_000,
        "paid_minor": 1_000,
        "credited_minor": 500,
    }
    values.update(kw)
    return InvoiceFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payment", "invoice", "amount", "error", "code"),
    [
        ({}, {}, 0, Invalid, "invalid_amount"),
        ({}, {}, -1, Invalid, "invalid_amount"),
        ({}, {"kind": "credit_note"}, 10, Invalid, "not_an_invoice"),
        ({}, {"issued": False}, 10, Conflict, "invoice_not_issued"),
        ({}, {"client_id": 2}, 10, Invalid, "other_client"),
        ({}, {"company_id": 2}, 10, Invalid, "other_company"),
        ({}, {"currency": "USD"}, 10, Invalid, "currency_mismatch"),
        ({}, {}, 3_501, Invalid, "over_open_amount"),
        ({"allocated_minor": 9_000}, {}, 1_001, Invalid, "over_unallocated"),
    ],
)
def test_what_an_allocation_may_not_do(
    payment: dict[str, object], invoice: dict[str, object], amount: int, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as info:
        check_allocation(payment=_payment(**payment), invoice=_invoice(**invoice), amount_minor=amount)
    assert getattr(info.value, "code", None) == code


def test_an_allocation_up_to_the_open_amount() -> None:
    check_allocation(payment=_payment(), invoice=_invoice(), amount_minor=3_500)  # 5,000 − 1,000 − 500


# --- bank statement files ---------------------------------------------------------------------------------------


def test_a_german_export_with_a_preamble_windows_1252_and_decimal_commas() -> None:
    data = (
        "Konto;DE89 3704 0044 0532 0130 00\n"
        "Zeitraum;01.03.2026 - 31.03.2026\n"
        "\n"
        "Buchungstag;Valuta;Auftraggeber / Empfänger;Verwendungszweck;Betrag;Währung\n"
        "31.03.2026;31.03.2026;Müller GmbH;RE 2026-0007 vom 01.03.;1.234,50;EUR\n"
        "30.03.2026;30.03.2026;Stadtwerke;Abschlag;-89,00;EUR\n"
    ).encode("cp1252")
    parsed = parse_statement(data, default_currency="USD")
    assert (parsed.encoding, parsed.delimiter) == ("Windows-1252", ";")
    assert [(r.line, r.date, r.amount_minor, r.currency, r.counterparty) for r in parsed.rows] == [
        (5, date(2026, 3, 31), 123_450, "EUR", "Müller GmbH"),
        (6, date(2026, 3, 30), -8_900, "EUR", "Stadtwerke"),
    ]
    assert parsed.rows[0].reference == "RE 2026-0007 vom 01.03."
    assert not parsed.problems


def test_an_english_export_with_credit_and_debit_columns() -> None:
    data = (
        "\ufeffTransaction Date,Description,Money Out,Money In,Payee\n"
        '03/14/2026,"INV-2026-0007, thanks",,"1,234.50",GLOBEX CORPORATION\n'
        "03/15/2026,Card fee,2.50,,BANK\n"
    ).encode()
    parsed = parse_statement(data, default_currency="USD")
    assert [(r.date, r.amount_minor, r.currency) for r in parsed.rows] == [
        (date(2026, 3, 14), 123_450, "USD"),
        (date(2026, 3, 15), -250, "USD"),
    ]
    assert parsed.columns["credit"] == ["Money In"] and parsed.rows[0].counterparty == "GLOBEX CORPORATION"


def test_currency_in_the_header_or_the_amount_and_iso_dates_with_times() -> None:
    data = b"Date\tAmount (JPY)\tReference\n2026-03-01 09:30:00\t12,000\tX\n2026-03-02T10:00\t\xc2\xa55000\tY\n"
    parsed = parse_statement(data, default_currency="EUR")
    assert [(r.date, r.amount_minor, r.currency) for r in parsed.rows] == [
        (date(2026, 3, 1), 12_000, "JPY"),
        (date(2026, 3, 2), 5_000, "JPY"),
    ]


def test_every_bad_row_is_reported_by_line_and_column() -> None:
    data = (
        b"date,amount,currency,counterparty,reference\n"
        b"2026-03-01,10.00,EUR,A,a\n"
        b"2026-02-30,10.00,EUR,B,b\n"
        b"2026-03-02,ten,EUR,C,c\n"
        b"2026-03-03,10.001,EUR,D,d\n"
        b"2026-03-04,10.00,EURO,E,e\n"
        b"2026-03-05,,EUR,F,f\n"
    )
    parsed = parse_statement(data, default_currency="EUR")
    assert len(parsed.rows) == 1
    assert [str(p) for p in parsed.problems] == [
        "Line 3, date: '2026-02-30' is not a real date",
        "Line 4, amount: 'ten' is not an amount",
        "Line 5, amount: 10.001 has more decimals than EUR has (2)",
        "Line 6, currency: 'EURO' is not an ISO 4217 currency code",
        "Line 7, amount: is empty",
    ]


def test_day_and_month_told_apart_by_the_file() -> None:
    header = b"Date;Amount\n"
    day_first = parse_statement(header + b"02/03/2026;1,00\n25/03/2026;1,00\n", default_currency="EUR")
    assert day_first.rows[0].date == date(2026, 3, 2) and not day_first.warnings
    month_first = parse_statement(header + b"02/03/2026;1,00\n03/25/2026;1,00\n", default_currency="EUR")
    assert month_first.rows[0].date == date(2026, 2, 3)
    unsure = parse_statement(header + b"02/03/2026;1,00\n", default_currency="EUR")
    assert unsure.rows[0].date == date(2026, 3, 2) and "day/month/year" in unsure.warnings[0]
    told = parse_statement(header + b"02/03/2026;1,00\n", default_currency="EUR", order="mdy")
    assert told.rows[0].date == date(2026, 2, 3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"foo,bar\n1,2\n", "No header with a date and an amount"),
        (b"date,amount\n", "no transactions"),
        (b"\xff\xfe\x00", "UTF-16"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(StatementFileError, match=message):
        parse_statement(data, default_currency="EUR")


def test_too_many_lines() -> None:
    data = b"date,amount\n" + b"2026-01-01,1\n" * (rules.MAX_STATEMENT_LINES + 1)
    with pytest.raises(StatementFileError, match="at most 10,000"):
        parse_statement(data, default_currency="EUR")


def test_text_is_kept_as_written() -> None:
    data = b'date,amount,counterparty,reference\n2026-01-01,5,"=HYPERLINK(""http://evil"")",<script>\n'
    [row] = parse_statement(data, default_currency="EUR").rows
    assert row.counterparty == '=HYPERLINK("http://evil")' and row.reference == "<script>"


@pytest.mark.parametrize(
    ("text", "separator", "value"),
    [
        ("1.234,50", ",", "1234.50"),
        ("1,234.50", ".", "1234.50"),
        ("-12.00", ".", "-12.00"),
        ("(12.00)", ".", "-12.00"),
        ("12.00-", ".", "-12.00"),
        ("12.00 DR", ".", "-12.00"),
        ("12,00 €", ",", "12.00"),
        ("1'234.50", ".", "1234.50"),
        ("1 234,50", ",", "1234.50"),
        ("+7", ".", "7"),
    ],
)
def test_amounts_as_banks_write_them(text: str, separator: str, value: str) -> None:
    assert parse_amount(text, separator)[0] == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "1.2.3,4,5x", "--", "1e5"])
def test_not_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text, ".")


def test_the_file_decides_the_decimal_separator() -> None:
    assert rules.decimal_separator(["1.234,50", "12,00", "7"]) == ","
    assert rules.decimal_separator(["1,234.50", "3"]) == "."
    assert rules.decimal_separator(["1,234"]) == "."  # three digits: a thousands separator


# --- matching ---------------------------------------------------------------------------------------------------


def _open(pk: int, number: str, client: str, amount: int, client_id: int = 0, currency: str = "EUR") -> OpenInvoice:
    return OpenInvoice(pk, number, client_id or pk, client, currency, amount, date(2026, 1, pk))


def test_suggestions_strong_medium_weak() -> None:
    matcher = Matcher(
        [
            _open(1, "2026-0007", "Globex Corporation", 50_000, client_id=10),
            _open(2, "2026-0008", "Globex Corporation", 12_000, client_id=10),
            _open(3, "2026-0011", "Initech", 12_000),
            _open(4, "2026-0012", "Umbrella", 99_900, currency="USD"),
        ]
    )
    named = matcher.suggest(
        amount_minor=50_000, currency="EUR", counterparty="Someone", reference="Payment inv. 2026 0007"
    )
    assert [(s.invoice.number, s.strength, s.score) for s in named] == [("2026-0007", "strong", 100)]
    by_client = matcher.suggest(amount_minor=12_000, currency="EUR", counterparty="GLOBEX CORP LTD", reference="")
    assert [(s.invoice.number, s.strength) for s in by_client][:2] == [("2026-0008", "medium"), ("2026-0011", "weak")]
    assert "From Globex Corporation" in by_client[0].reason
    amount_only = matcher.suggest(amount_minor=12_000, currency="EUR", counterparty="", reference="")
    assert {s.strength for s in amount_only} == {"weak"} and len(amount_only) == 2
    assert matcher.suggest(amount_minor=99_900, currency="EUR", counterparty="", reference="") == []  # USD only
    assert matcher.suggest(amount_minor=-12_000, currency="EUR", counterparty="Globex", reference="2026-0007") == []


def test_a_number_inside_a_longer_number_is_not_named() -> None:
    matcher = Matcher([_open(1, "2026-7", "A", 100)])
    assert matcher.suggest(amount_minor=1, currency="EUR", counterparty="", reference="ref 120267") == []
    assert (
        matcher.suggest(amount_minor=1, currency="EUR", counterparty="", reference="INV2026-7")[0].strength == "strong"
    )


def test_a_partial_payment_naming_its_invoice() -> None:
    matcher = Matcher([_open(1, "A-100", "A", 10_000)])
    [suggestion] = matcher.suggest(amount_minor=4_000, currency="EUR", counterparty="", reference="A-100 part 1")
    assert (suggestion.strength, suggestion.score) == ("strong", 90) and "pays part" in suggestion.reason
