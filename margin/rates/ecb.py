"""The ECB euro foreign exchange reference rates, read as the ECB publishes them. No Django.

Formats (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/):

- XML: ``eurofxref-daily.xml``, ``eurofxref-hist-90d.xml``, ``eurofxref-hist.xml`` — a ``gesmes:Envelope``
  whose ``Cube`` (namespace ``http://www.ecb.int/vocabulary/2002-08-01/eurofxref``) holds one
  ``<Cube time="YYYY-MM-DD">`` per day with ``<Cube currency="USD" rate="1.0523"/>`` children.
- CSV: ``eurofxref.csv`` (``Date, USD, JPY, …`` then one row dated ``24 November 2026``) and
  ``eurofxref-hist.csv`` (``Date,USD,JPY,…`` then a row per day dated ``2026-11-24``, ``N/A`` where a
  currency had no rate), both with a trailing comma.
- The ``.zip`` files the ECB offers around either CSV (one member).

Every rate means 1 EUR = rate units of the currency. Files are parsed with defusedxml (no entities, no
external references); every error names the line (and the column or element). Currencies the ECB quoted
before they were withdrawn (CYP, EEK, HRK, …) are skipped and reported, not stored; any other code that
is not ISO 4217 refuses the file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from margin.core.money import is_currency
from margin.core.safexml import XmlRefused, parse_xml

EUROFXREF_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
MAX_FILE_BYTES = 32 * 1024 * 1024  # eurofxref-hist.xml is about 6 MB
MAX_ZIP_RATIO = 200  # a member that inflates more than this is a zip bomb, not a rate file
MAX_RATE = Decimal("1e12")
RATE_PLACES = 12
# Codes the ECB published in its history that ISO 4217 has since withdrawn (the euro or a redenomination
# replaced them): their columns are skipped.
WITHDRAWN = frozenset({"CYP", "EEK", "GRD", "HRK", "LTL", "LVL", "MTL", "ROL", "SIT", "SKK", "TRL"})
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


class EcbError(ValueError):
    """A file that is not a usable ECB reference-rate file; the message says where."""


@dataclass(frozen=True)
class EcbRate:
    day: date
    currency: str
    rate: Decimal  # 1 EUR = rate currency


@dataclass(frozen=True)
class EcbFile:
    format: str  # "xml" | "csv"
    rates: list[EcbRate]
    days: int
    skipped_currencies: tuple[str, ...] = field(default=())

    @property
    def first_day(self) -> date | None:
        return min((r.day for r in self.rates), default=None)

    @property
    def last_day(self) -> date | None:
        return max((r.day for r in self.rates), default=None)


def parse(data: bytes) -> EcbFile:
    """Parse an ECB reference-rate file (XML, CSV or a zip holding one of them)."""
    if len(data) > MAX_FILE_BYTES:
        raise EcbError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: not an ECB rate file.")
    if data[:4] == b"PK\x03\x04":
        data = _unzip(data)
    text_start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not data.strip():
        raise EcbError("The file is empty.")
    if text_start == b"<":
        return _parse_xml(data)
    return _parse_csv(data)


def _unzip(data: bytes) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        raise EcbError("The zip file is damaged.") from None
    if len(members) != 1:
        raise EcbError(f"The zip file holds {len(members)} files; the ECB's holds exactly one CSV file.")
    member = members[0]
    if member.file_size > MAX_FILE_BYTES or member.file_size > max(member.compress_size, 1) * MAX_ZIP_RATIO:
        raise EcbError(f"{member.filename} in the zip file is too large once unpacked.")
    try:
        with archive.open(member) as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        raise EcbError(f"{member.filename} in the zip file cannot be read.") from None
    if len(content) > MAX_FILE_BYTES:
        raise EcbError(f"{member.filename} in the zip file is too large once unpacked.")
    if content[:4] == b"PK\x03\x04":
        raise EcbError("A zip inside a zip is not an ECB rate file.")
    return content


def _rate(text: str | None, where: str) -> Decimal:
    value = (text or "").strip()
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise EcbError(f"{where}: {value!r} is not a rate.") from None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE:
        raise EcbError(f"{where}: the rate {value} must be above 0 and below 1,000,000,000,000.")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > RATE_PLACES:
        raise EcbError(f"{where}: the rate {value} has more than {RATE_PLACES} decimals.")
    return rate


def _currency(code: str, where: str) -> str | None:
    """The code, or None for a withdrawn currency to skip; EcbError for anything else."""
    code = code.strip()
    if code in WITHDRAWN:
        return None
    if code == "EUR":
        raise EcbError(f"{where}: EUR against itself is not a rate.")
    if not is_currency(code):
        raise EcbError(f"{where}: {code!r} is not an ISO 4217 currency code.")
    return code


def _day(text: str, where: str) -> date:
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        match = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", value)
        if match and match.group(2).lower() in MONTHS:
            return date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
    except ValueError:
        pass
    raise EcbError(f"{where}: {value!r} is not a date (YYYY-MM-DD or '24 November 2026').")


# --- XML -------------------------------------------------------------------------------------------


def _parse_xml(data: bytes) -> EcbFile:
    try:
        root, lines = parse_xml(data)
    except XmlRefused as refused:
        raise EcbError(str(refused)) from None
    cube = f"{{{EUROFXREF_NS}}}Cube"

    def where(element: Element) -> str:
        attrs = " ".join(f'{k}="{v}"' for k, v in element.attrib.items())
        return f"<Cube {attrs}> on line {lines.get(id(element), '?')}".replace(" >", ">")

    rates: list[EcbRate] = []
    skipped: set[str] = set()
    seen: set[date] = set()
    day_cubes = [e for e in root.iter(cube) if "time" in e.attrib]
    if not day_cubes:
        raise EcbError('No <Cube time="…"> element in the ECB namespace: this is not an ECB reference-rate XML file.')
    for day_cube in day_cubes:
        day = _day(day_cube.attrib["time"], where(day_cube))
        if day in seen:
            raise EcbError(f"{where(day_cube)}: {day} appears twice in the file.")
        seen.add(day)
        currencies: set[str] = set()
        for rate_cube in day_cube:
            if rate_cube.tag != cube:
                continue
            if "currency" not in rate_cube.attrib or "rate" not in rate_cube.attrib:
                raise EcbError(f"{where(rate_cube)}: a rate needs both a currency and a rate attribute.")
            raw_code = rate_cube.attrib["currency"].strip()
            code = _currency(raw_code, where(rate_cube))
            rate = _rate(rate_cube.attrib["rate"], where(rate_cube))
            if code is None:
                skipped.add(raw_code)
                continue
            if code in currencies:
                raise EcbError(f"{where(rate_cube)}: {code} appears twice on {day}.")
            currencies.add(code)
            rates.append(EcbRate(day, code, rate))
    return EcbFile("xml", rates, len(seen), tuple(sorted(skipped)))


# --- CSV -------------------------------------------------------------------------------------------


def _rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise EcbError(f"Line {line} is not UTF-8 text: the ECB files are plain ASCII.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise EcbError(f"Line {reader.line_num}: {error}.") from None


def _parse_csv(data: bytes) -> EcbFile:
    rows = _rows(data)
    header: list[str] | None = None
    header_line = 0
    for line, cells in rows:
        if any(c.strip() for c in cells):
            header = [c.strip() for c in cells]
            header_line = line
            break
    if header is None:
        raise EcbError("The file is empty.")
    if header[0] != "Date":
        raise EcbError(
            f"Line {header_line}: the first column must be 'Date' (an ECB eurofxref CSV file); found {header[0]!r}."
        )
    while header and header[-1] == "":
        header.pop()  # the ECB ends every line with a comma
    columns: list[str | None] = []
    skipped: set[str] = set()
    for index, name in enumerate(header[1:], start=2):
        code = _currency(name, f"Line {header_line}, column {index}")
        if code is None:
            skipped.add(name)
        elif code in columns:
            raise EcbError(f"Line {header_line}, column {index}: {code} appears twice.")
        columns.append(code)
    if not columns:
        raise EcbError(f"Line {header_line}: no currency columns after 'Date'.")
    rates: list[EcbRate] = []
    seen: set[date] = set()
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        values = [c.strip() for c in cells]
        while len(values) > len(header) and values[-1] == "":
            values.pop()
        if len(values) != len(header):
            raise EcbError(f"Line {line}: {len(values)} cells where the header has {len(header)}.")
        day = _day(values[0], f"Line {line}, column 1")
        if day in seen:
            raise EcbError(f"Line {line}: {day} appears twice in the file.")
        seen.add(day)
        for index, (code, value) in enumerate(zip(columns, values[1:], strict=True), start=2):
            if value in ("", "N/A") or code is None:
                continue
            rates.append(EcbRate(day, code, _rate(value, f"Line {line}, column {index} ({code})")))
    if not seen:
        raise EcbError("The file has a header but no rates.")
    return EcbFile("csv", rates, len(seen), tuple(sorted(skipped)))
