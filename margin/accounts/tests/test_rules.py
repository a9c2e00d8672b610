"""Invoice number formats, IBANs and BICs: pure checks, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from margin.accounts import rules
from margin.core.errors import Invalid


@pytest.mark.parametrize(
    ("pattern", "year", "sequence", "number"),
    [
        ("{YYYY}-{NNNN}", 2026, 7, "2026-0007"),
        ("{YYYY}-{NNNN}", 2026, 12345, "2026-12345"),  # a wider number is written in full
        ("INV/{YY}/{NNNNNN}", 2031, 42, "INV/31/000042"),
        ("{N}.{YYYY}", 2026, 3, "3.2026"),
        ("ACME {YYYY} #{NNN}", 2026, 5, "ACME 2026 #005"),
    ],
)
def test_format_invoice_number(pattern: str, year: int, sequence: int, number: str) -> None:
    assert rules.check_invoice_number_format(pattern) == pattern
    assert rules.format_invoice_number(pattern, year=year, sequence=sequence) == number


@given(st.integers(min_value=1, max_value=10))
def test_digits_format_writes_the_old_numbers(digits: int) -> None:
    """Migration accounts/0004 turns a digit count into a format; the numbers stay the same."""
    pattern = rules.digits_format(digits)
    for sequence in (1, 7, 999, 123456):
        old = f"{2026}-{sequence:0{digits}d}"
        assert rules.format_invoice_number(pattern, year=2026, sequence=sequence) == old


@pytest.mark.parametrize(
    ("pattern", "match"),
    [
        ("", "required"),
        ("INV-{NNNN}", "Name the year once"),
        ("{YYYY}-{YY}-{NNNN}", "Name the year once"),
        ("{YYYY}", "number in the format once"),
        ("{YYYY}-{NN}-{NN}", "number in the format once"),
        ("{YYYY}-{NNNNNNNNNNN}", "is not a part"),
        ("{YYYY}-{X}", "is not a part"),
        ("{YYYY}-{nnnn}", "is not a part"),
        ("{YYYY}-{NNNN", "'{' cannot be in"),
        ("{YYYY}<{NNNN}>", "'<' cannot be in"),
        (" {YYYY}-{NNNN}", "start or end with a space"),
        ("A-VERY-LONG-PREFIX-OF-INVOICES-{YYYY}-{NNNN}", "longer than 32"),
        ("X" * 65, "at most 64"),
    ],
)
def test_bad_formats(pattern: str, match: str) -> None:
    with pytest.raises(Invalid, match=match) as refused:
        rules.check_invoice_number_format(pattern)
    assert refused.value.field == "invoice_number_format"


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("gb29 nwbk 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
        ("NL91ABNA0417164300", "NL91ABNA0417164300"),
        ("", ""),
    ],
)
def test_good_ibans(text: str, iban: str) -> None:
    assert rules.check_iban(text) == iban


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("DE89 3704 0044 0532 0130 01", "check digits"),
        ("DE98 3704 0044 0532 0130 00", "check digits"),  # two digits swapped
        ("DE89 3704 0044 0532 0130", "has 22 characters"),
        ("ZZ89 3704 0044 0532 0130 00", "not a country"),
        ("89DE 3704 0044 0532 0130 00", "country code"),
        ("DE89-3704-0044-0532-0130-00", "country code"),
    ],
)
def test_bad_ibans(text: str, match: str) -> None:
    with pytest.raises(Invalid, match=match):
        rules.check_iban(text)


@given(st.sampled_from(["DE89370400440532013000", "GB29NWBK60161331926819"]), st.data())
def test_any_single_digit_typo_is_caught(iban: str, data: st.DataObject) -> None:
    """Mod 97 catches every change of one character (ISO 7064)."""
    at = data.draw(st.integers(min_value=4, max_value=len(iban) - 1))
    if not iban[at].isdigit():
        return
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != iban[at]]))
    with pytest.raises(Invalid):
        rules.check_iban(iban[:at] + digit + iban[at + 1 :])


def test_format_iban_groups_of_four() -> None:
    assert rules.format_iban("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize("text", ["DEUTDEFF", "deutdeff500", "COBA DE FF XXX"])
def test_good_bics(text: str) -> None:
    assert rules.check_bic(text) == "".join(text.split()).upper()


@pytest.mark.parametrize("text", ["DEUT", "DEUTDEFF5", "1EUTDEFF", "DEUTD3FF", "DEUTDEFF50000"])
def test_bad_bics(text: str) -> None:
    with pytest.raises(Invalid, match="8 or 11"):
        rules.check_bic(text)


@pytest.mark.parametrize("value", [0, 13, True, "4", None])
def test_bad_months(value: object) -> None:
    with pytest.raises(Invalid, match="month"):
        rules.check_month(value)
