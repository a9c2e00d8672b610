"""The ECB reference-rate files as published (XML and CSV, daily and historic): parsed, validated, stored
set-based and idempotently; bad files refused with the line, changing nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from margin.core.errors import Forbidden, Invalid
from margin.rates import ecb
from margin.rates.actions import exchange_rate_set, exchange_rates_import_ecb
from margin.rates.models import ExchangeRate, RateSource
from margin.rates.queries import exchange_rate_on
from tests.checks import audit_rows, refused
from tests.firm import Firm

DAILY_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2026-11-24'>
\t\t\t<Cube currency='USD' rate='1.0523'/>
\t\t\t<Cube currency='JPY' rate='161.23'/>
\t\t\t<Cube currency='GBP' rate='0.83425'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""

HIST_90D_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
<Cube>
<Cube time="2026-11-24"><Cube currency="USD" rate="1.0523"/><Cube currency="GBP" rate="0.83425"/></Cube>
<Cube time="2026-11-21"><Cube currency="USD" rate="1.0412"/><Cube currency="GBP" rate="0.8301"/></Cube>
<Cube time="2026-11-20"><Cube currency="USD" rate="1.0401"/><Cube currency="GBP" rate="0.8299"/></Cube>
</Cube>
</gesmes:Envelope>
"""

DAILY_CSV = b"Date, USD, JPY, GBP, \r\n24 November 2026, 1.0523, 161.23, 0.83425, \r\n"

HIST_CSV = (
    b"Date,USD,JPY,CYP,GBP,HRK,\n"
    b"2026-11-24,1.0523,161.23,N/A,0.83425,N/A,\n"
    b"2026-11-21,1.0412,160.10,N/A,0.8301,N/A,\n"
    b"2007-12-31,1.4721,164.93,0.585274,0.73335,7.3308,\n"
)


def _import(firm: Firm, data: bytes, **kwargs: object) -> ecb.EcbFile | object:
    return exchange_rates_import_ecb(viewer=firm.finance, data=data, **kwargs)  # type: ignore[arg-type]


# --- parsing --------------------------------------------------------------------------------------


def test_parse_daily_xml() -> None:
    parsed = ecb.parse(DAILY_XML)
    assert parsed.format == "xml" and parsed.days == 1
    assert parsed.rates == [
        ecb.EcbRate(date(2026, 11, 24), "USD", Decimal("1.0523")),
        ecb.EcbRate(date(2026, 11, 24), "JPY", Decimal("161.23")),
        ecb.EcbRate(date(2026, 11, 24), "GBP", Decimal("0.83425")),
    ]


def test_parse_daily_csv_with_its_long_date_and_trailing_comma() -> None:
    parsed = ecb.parse(DAILY_CSV)
    assert parsed.format == "csv" and parsed.days == 1
    assert [(r.day, r.currency, r.rate) for r in parsed.rates] == [
        (date(2026, 11, 24), "USD", Decimal("1.0523")),
        (date(2026, 11, 24), "JPY", Decimal("161.23")),
        (date(2026, 11, 24), "GBP", Decimal("0.83425")),
    ]


def test_parse_historic_csv_skips_na_cells_and_withdrawn_currencies() -> None:
    parsed = ecb.parse(HIST_CSV)
    assert parsed.days == 3 and parsed.skipped_currencies == ("CYP", "HRK")
    assert len(parsed.rates) == 9
    assert {r.currency for r in parsed.rates} == {"USD", "JPY", "GBP"}
    assert (parsed.first_day, parsed.last_day) == (date(2007, 12, 31), date(2026, 11, 24))


def test_parse_a_zip_holding_the_csv() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", HIST_CSV)
    assert len(ecb.parse(buffer.getvalue()).rates) == 9


def test_a_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref.csv", b"Date,USD\n" + b"0" * 5_000_000)
    with pytest.raises(ecb.EcbError, match="too large once unpacked"):
        ecb.parse(buffer.getvalue())


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"<Envelope><Cube>", "not well-formed XML \\(line 1"),
        (b"<root><child/></root>", "not an ECB reference-rate XML file"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "entity declarations are not allowed",
        ),
        (
            DAILY_XML.replace(b"rate='161.23'", b"rate='abc'"),
            '<Cube currency="JPY" rate="abc"> on line 10: \'abc\' is not a rate',
        ),
        (DAILY_XML.replace(b"rate='161.23'", b"rate='-1'"), "line 10: the rate -1 must be above 0"),
        (DAILY_XML.replace(b"currency='JPY'", b"currency='XYZ'"), "line 10: 'XYZ' is not an ISO 4217"),
        (DAILY_XML.replace(b"time='2026-11-24'", b"time='2026-13-01'"), "line 8: '2026-13-01' is not a date"),
        (DAILY_XML.replace(b" rate='161.23'", b""), "line 10: a rate needs both"),
        (HIST_90D_XML.replace(b"2026-11-21", b"2026-11-24"), "2026-11-24 appears twice"),
        (b"Day,USD\n2026-11-24,1.05\n", "Line 1: the first column must be 'Date'"),
        (b"Date,USD,XYZ\n2026-11-24,1.05,2\n", "Line 1, column 3: 'XYZ' is not an ISO 4217"),
        (b"Date,USD,USD\n2026-11-24,1.05,2\n", "column 3: USD appears twice"),
        (b"Date,USD\n2026-11-24,1.05\n2026-11-23,1,05,7\n", "Line 3: 4 cells where the header has 2"),
        (b"Date,USD\n2026-11-24,1.05\n24/11/2026,1.06\n", "Line 3, column 1: '24/11/2026' is not a date"),
        (b"Date,USD,GBP\n2026-11-24,1.05,0.8x\n", "Line 2, column 3 \\(GBP\\): '0.8x' is not a rate"),
        (b"Date,USD\n2026-11-24,1.0512345678901\n", "more than 12 decimals"),
        (b"Date,USD\n", "header but no rates"),
        (b"Date,USD\n2026-11-24,\xff\n", "Line 2 is not UTF-8"),
        (b"Date,EUR\n2026-11-24,1\n", "EUR against itself"),
    ],
)
def test_parse_errors_name_the_line(data: bytes, match: str) -> None:
    with pytest.raises(ecb.EcbError, match=match):
        ecb.parse(data)


# --- storing ----------------------------------------------------------------------------------------


def test_import_stores_eur_rates_and_lookups_use_them(firm: Firm) -> None:
    result = _import(firm, HIST_90D_XML)
    assert (result.days, result.stored, result.new, result.kept_manual) == (3, 6, 6, 0)  # type: ignore[attr-defined]
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {RateSource.ECB}
    org = firm.admin.organisation_id
    assert exchange_rate_on(org, "EUR", "USD", date(2026, 11, 22)) == Decimal("1.0412")  # the Friday rate
    assert exchange_rate_on(org, "USD", "GBP", date(2026, 11, 24)) == Decimal("0.792787227977")  # cross
    row = audit_rows("exchange_rates.import_ecb")[0]
    assert row.actor_id == firm.finance_user.pk and row.after is not None and row.after["stored"] == 6


def test_import_is_idempotent_and_updates_changed_rates(firm: Firm) -> None:
    _import(firm, HIST_90D_XML)
    before = list(ExchangeRate.objects.order_by("id").values("id", "to_currency", "day", "rate", "updated_at"))
    again = _import(firm, HIST_90D_XML)
    assert (again.stored, again.new, again.updated) == (6, 0, 0)  # type: ignore[attr-defined]
    assert list(ExchangeRate.objects.order_by("id").values("id", "to_currency", "day", "rate", "updated_at")) == before
    corrected = _import(firm, DAILY_XML.replace(b"1.0523", b"1.0530"))
    assert (corrected.stored, corrected.new, corrected.updated) == (3, 1, 1)  # type: ignore[attr-defined]
    assert exchange_rate_on(firm.admin.organisation_id, "EUR", "USD", date(2026, 11, 24)) == Decimal("1.053")
    assert ExchangeRate.objects.count() == 7


def test_import_keeps_rates_entered_by_hand(firm: Firm) -> None:
    manual = exchange_rate_set(
        viewer=firm.finance, from_currency="EUR", to_currency="USD", day=date(2026, 11, 24), rate=Decimal("1.06")
    )
    result = _import(firm, DAILY_CSV)
    assert (result.stored, result.kept_manual) == (2, 1)  # type: ignore[attr-defined]
    manual.refresh_from_db()
    assert (manual.rate, manual.source) == (Decimal("1.06"), RateSource.MANUAL)


def test_a_bad_file_changes_nothing(firm: Firm) -> None:
    _import(firm, DAILY_XML)
    broken = HIST_CSV + b"2006-01-02,1.18,abc,0.57,0.68,7.4,\n"
    with refused(Invalid, match="Line 5, column 3 \\(JPY\\): 'abc' is not a rate") as info:
        _import(firm, broken)
    assert info.value.field == "file"


def test_only_finance_imports(firm: Firm) -> None:
    with refused(Forbidden):
        exchange_rates_import_ecb(viewer=firm.manager, data=DAILY_XML)


def test_import_reports_progress_per_batch(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    from margin.rates import actions

    monkeypatch.setattr(actions, "UPSERT_BATCH", 4)
    seen: list[tuple[int, int]] = []
    _import(firm, HIST_CSV, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4, 9), (8, 9), (9, 9)]


def test_import_ecb_command_reads_a_file(firm: Firm, tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_bytes(HIST_CSV)
    out = StringIO()
    call_command("import_ecb", str(path), "--user", firm.finance_user.username, stdout=out)
    assert "9 rates stored (9 new)" in out.getvalue() and "CYP, HRK" in out.getvalue()
    assert ExchangeRate.objects.filter(organisation_id=firm.finance.organisation_id).count() == 9
    path.write_bytes(b"Date,USD\n2026-11-24,x\n")
    with pytest.raises(CommandError, match="Line 2, column 2"):
        call_command("import_ecb", str(path), "--user", firm.finance_user.username, stdout=out)
    with pytest.raises(CommandError, match="Only administrators and finance"):
        call_command("import_ecb", str(path), "--user", firm.member_user.username, stdout=out)
