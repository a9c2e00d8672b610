"""The arithmetic and the grammars of receivables. Pure functions and frozen dataclasses, no Django.

- **Allocations**: what a payment may settle (`check_allocation`): an issued invoice (not a credit note) of the
  payment's client and company, in its currency, up to the invoice's open amount and the payment's unallocated
  part. An invoice's open amount is `billing.rules.open_minor`, the one rule.
- **Ageing**: the buckets (not yet due, 1–30, 31–60, 61–90, over 90 days past due) as due-date windows a query
  can use (`due_windows`), DSO, the running balance of a statement of account.
- **Bank statements**: a CSV file read tolerantly (`parse_statement`: the encoding, the delimiter, common header
  names in several languages, decimal commas, debit and credit columns, day/month order), every bad row reported
  with its line and column; and the matching of a line to open invoices (`Matcher`).
- **Text stays text**: `csv_cell` guards a text cell of a CSV we write against spreadsheet formulas.
- **Reminders**: the stages of overdue reminders (1, 15 and 30 days past due).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from margin.billing.rules import open_minor
from margin.core.errors import Conflict, Invalid
from margin.core.money import MAX_ABS_AMOUNT, Money, is_currency, minor_units

# --- allocations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentFacts:
    organisation_id: int
    company_id: int
    client_id: int
    currency: str
    settles_minor: int  # amount + bank charges
    allocated_minor: int  # allocated already (all invoices)

    @property
    def unallocated_minor(self) -> int:
        return self.settles_minor - self.allocated_minor


@dataclass(frozen=True)
class InvoiceFacts:
    id: int
    label: str  # its number, or "draft #12"
    organisation_id: int
    company_id: int
    client_id: int
    kind: str  # invoice | credit_note
    issued: bool
    currency: str
    total_minor: int
    paid_minor: int
    credited_minor: int

    @property
    def open_minor(self) -> int:
        return open_minor(total_minor=self.total_minor, paid_minor=self.paid_minor, credited_minor=self.credited_minor)


def format_minor(minor: int, currency: str) -> str:
    return str(Money.from_minor(minor, currency))


def check_allocation(*, payment: PaymentFacts, invoice: InvoiceFacts, amount_minor: int) -> None:
    """Refuse an allocation the rules do not allow, saying why (nothing is written before this passes)."""
    if amount_minor <= 0:
        raise Invalid("An allocation must be a positive amount.", field="amount_minor", code="invalid_amount")
    if invoice.organisation_id != payment.organisation_id:
        raise Invalid("No such invoice.", field="invoice_id")
    if invoice.kind != "invoice":
        raise Invalid(
            f"{invoice.label} is a credit note: it credits its invoice and is not paid.",
            field="invoice_id",
            code="not_an_invoice",
        )
    if not invoice.issued:
        raise Conflict(
            f"Invoice {invoice.label} is a draft: only issued invoices can be paid.",
            field="invoice_id",
            code="invoice_not_issued",
        )
    if invoice.client_id != payment.client_id:
        raise Invalid(
            f"Invoice {invoice.label} is another client's: a payment settles its own client's invoices.",
            field="invoice_id",
            code="other_client",
        )
    if invoice.company_id != payment.company_id:
        raise Invalid(
            f"Invoice {invoice.label} was issued by another company than the one the payment was made to.",
            field="invoice_id",
            code="other_company",
        )
    if invoice.currency != payment.currency:
        raise Invalid(
            f"Invoice {invoice.label} is in {invoice.currency} and the payment in {payment.currency}: a payment "
            "settles invoices in its own currency.",
            field="invoice_id",
            code="currency_mismatch",
        )
    if amount_minor > invoice.open_minor:
        raise Invalid(
            f"{format_minor(amount_minor, invoice.currency)} is more than the "
            f"{format_minor(invoice.open_minor, invoice.currency)} still open on invoice {invoice.label}.",
            field="amount_minor",
            code="over_open_amount",
        )
    if amount_minor > payment.unallocated_minor:
        raise Invalid(
            f"{format_minor(amount_minor, payment.currency)} is more than the "
            f"{format_minor(max(payment.unallocated_minor, 0), payment.currency)} of the payment not allocated yet.",
            field="amount_minor",
            code="over_unallocated",
        )


# --- ageing, DSO, statements of account -------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    first_day: int | None  # days past due, both ends included; None: no limit
    last_day: int | None


BUCKETS: tuple[Bucket, ...] = (
    Bucket("current", "Not yet due", None, 0),
    Bucket("d1_30", "1–30 days", 1, 30),
    Bucket("d31_60", "31–60 days", 31, 60),
    Bucket("d61_90", "61–90 days", 61, 90),
    Bucket("over_90", "Over 90 days", 91, None),
)


def bucket_of(days_past_due: int) -> int:
    """The index in BUCKETS of an amount this many days past its due date (0 or less: not yet due)."""
    for i, bucket in enumerate(BUCKETS):
        if (bucket.first_day is None or days_past_due >= bucket.first_day) and (
            bucket.last_day is None or days_past_due <= bucket.last_day
        ):
            return i
    raise AssertionError(days_past_due)  # the buckets cover every integer


def due_windows(as_of: date) -> list[tuple[date | None, date | None]]:
    """Each bucket as a window of due dates (earliest, latest; None: open-ended) on `as_of`: an invoice due on
    `as_of` is not yet due, one due the day before is 1 day past due."""
    windows = []
    for bucket in BUCKETS:
        earliest = None if bucket.last_day is None else as_of - timedelta(days=bucket.last_day)
        latest = None if bucket.first_day is None else as_of - timedelta(days=bucket.first_day)
        windows.append((earliest, latest))
    return windows


def days_sales_outstanding(*, receivables_minor: int, credit_sales_minor: int, days: int) -> Decimal | None:
    """DSO = receivables ÷ credit sales over the period × the period's days, to one decimal (half up); None
    when nothing was sold on credit in the period."""
    if credit_sales_minor <= 0 or days <= 0:
        return None
    value = Decimal(receivables_minor) / Decimal(credit_sales_minor) * days
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


INVOICE, CREDIT_NOTE, PAYMENT = "invoice", "credit_note", "payment"
ENTRY_ORDER = {INVOICE: 0, CREDIT_NOTE: 1, PAYMENT: 2}


@dataclass(frozen=True)
class AccountEntry:
    """A line of a statement of account: an invoice (debit), a credit note or a payment (credit)."""

    day: date
    kind: str
    object_id: int
    reference: str
    currency: str
    debit_minor: int = 0
    credit_minor: int = 0
    due_date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class AccountLine:
    entry: AccountEntry
    balance_minor: int  # what the client owes after this line (negative: credit on their account)


def running_balance(entries: Iterable[AccountEntry], opening_minor: int = 0) -> list[AccountLine]:
    """The entries in date order (invoices, then credit notes, then payments on one day) with the balance
    after each."""
    ordered = sorted(entries, key=lambda e: (e.day, ENTRY_ORDER.get(e.kind, 9), e.object_id))
    balance = opening_minor
    lines = []
    for entry in ordered:
        balance += entry.debit_minor - entry.credit_minor
        lines.append(AccountLine(entry, balance))
    return lines


# --- overdue reminders ------------------------------------------------------------------------------------

REMINDER_STAGES = (1, 15, 30)  # days past due


def reminder_stage(days_past_due: int) -> int | None:
    """The latest reminder stage an invoice this many days past due has reached (None: not yet overdue). An
    invoice first seen at 40 days is reminded once, at stage 30, not three times."""
    reached = [s for s in REMINDER_STAGES if days_past_due >= s]
    return reached[-1] if reached else None


# --- text stays text --------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text cell for a CSV file a spreadsheet will open: one that would start a formula gets a leading
    apostrophe, so `=HYPERLINK(…)` from a bank file is shown, never run."""
    return "'" + text if text.startswith(FORMULA_START) else text


# --- bank statement files ---------------------------------------------------------------------------------

MAX_STATEMENT_LINES = 10_000
MAX_COUNTERPARTY = 200
MAX_REFERENCE = 500
HEADER_SEARCH_LINES = 30  # banks put account details above the header; look this far for it


def _plain(text: str) -> str:
    """Lower case, accents dropped, punctuation as spaces: `Währung` → `wahrung`, `Libellé:` → `libelle`."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("ß", "ss")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", stripped).split())


# The header names read for each field (compared after `_plain`), in order of preference.
HEADERS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "booking date",
        "transaction date",
        "posting date",
        "date received",
        "value date",
        "buchungstag",
        "buchungsdatum",
        "datum",
        "valutadatum",
        "wertstellung",
        "date operation",
        "date de l operation",
        "date comptable",
        "date valeur",
        "date de valeur",
        "fecha",
        "fecha operacion",
        "data",
        "data operazione",
        "boekdatum",
        "transactiedatum",
    ),
    "amount": (
        "amount",
        "transaction amount",
        "amount received",
        "value",
        "betrag",
        "umsatz",
        "montant",
        "importe",
        "importo",
        "bedrag",
    ),
    "credit": (
        "credit",
        "credit amount",
        "money in",
        "paid in",
        "in",
        "haben",
        "gutschrift",
        "eingang",
        "encaissement",
    ),
    "debit": (
        "debit",
        "debit amount",
        "money out",
        "paid out",
        "out",
        "soll",
        "lastschrift",
        "ausgang",
        "decaissement",
    ),
    "currency": ("currency", "ccy", "cur", "curr", "currency code", "wahrung", "devise", "moneda", "divisa", "munt"),
    "counterparty": (
        "counterparty",
        "counterparty name",
        "counter party",
        "payer",
        "payer name",
        "payee",
        "name",
        "beneficiary",
        "remitter",
        "ordering party",
        "sender",
        "from",
        "auftraggeber",
        "zahlungspflichtiger",
        "name zahlungsbeteiligter",
        "beguenstigter zahlungspflichtiger",
        "begunstigter zahlungspflichtiger",
        "empfanger",
        "tiers",
        "emetteur",
        "ordenante",
        "naam tegenrekening",
    ),
    "reference": (
        "reference",
        "payment reference",
        "reference description",
        "description reference",
        "description",
        "details",
        "transaction details",
        "memo",
        "narrative",
        "purpose",
        "remittance information",
        "text",
        "verwendungszweck",
        "buchungstext",
        "libelle",
        "communication",
        "concepto",
        "causale",
        "omschrijving",
        "mededelingen",
    ),
}
_ALIASES = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
_MONEY_COLUMNS = ("amount", "credit", "debit")


class StatementFileError(Invalid):
    """The file as a whole cannot be read (encoding, no header, too many lines): nothing is imported."""

    code = "bad_statement_file"


class StatementLinesInvalid(Invalid):
    """Some lines of the file cannot be read: nothing is imported, and `problems` says where and why."""

    code = "bad_statement_lines"

    def __init__(self, message: str, problems: Sequence[RowProblem]) -> None:
        super().__init__(message, field="file")
        self.problems = list(problems)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.column}: {self.message}"


@dataclass(frozen=True)
class StatementRow:
    line: int
    date: date
    amount_minor: int  # positive: money in
    currency: str
    counterparty: str
    reference: str


@dataclass
class ParsedStatement:
    encoding: str
    delimiter: str
    columns: dict[str, list[str]]  # field → the header names it was read from
    rows: list[StatementRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem_text(self, shown: int = 20) -> str:
        listed = "; ".join(str(p) for p in self.problems[:shown])
        more = len(self.problems) - shown
        return listed + (f"; and {more} more" if more > 0 else "")


def decode(data: bytes) -> tuple[str, str]:
    """The file as text and its encoding: UTF-16 or UTF-8 by their byte-order marks, UTF-8, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise StatementFileError("The file starts like UTF-16 text but is not.", field="file") from None
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise StatementFileError(
            "The file is not text (UTF-8 or Windows-1252): export the statement as CSV.", field="file"
        ) from None


def _column_of(header: str) -> tuple[str | None, str | None]:
    """The field a header names, and the currency it names (`Amount (EUR)` → amount, EUR; `Auftraggeber /
    Empfänger` → counterparty)."""
    plain = _plain(header)
    if plain in _ALIASES:
        return _ALIASES[plain], None
    for part in header.split("/"):
        if _plain(part) in _ALIASES:
            return _ALIASES[_plain(part)], None
    words = plain.split()
    if len(words) >= 2 and is_currency(words[-1].upper()):
        name = _ALIASES.get(" ".join(words[:-1]))
        if name in _MONEY_COLUMNS:
            return name, words[-1].upper()
    return None, None


@dataclass(frozen=True)
class _Layout:
    header_line: int  # 1-based
    columns: dict[str, list[int]]
    names: list[str]
    currency_hint: str | None


def _layout(records: list[tuple[int, list[str]]]) -> _Layout:
    for line, values in records[:HEADER_SEARCH_LINES]:
        columns: dict[str, list[int]] = defaultdict(list)
        hint = None
        for i, value in enumerate(values):
            name, currency = _column_of(value)
            if name is not None:
                columns[name].append(i)
                hint = hint or currency
        if "date" in columns and any(c in columns for c in _MONEY_COLUMNS):
            return _Layout(line, dict(columns), values, hint)
    raise StatementFileError(
        "No header with a date and an amount was found in the first lines: the file needs columns such as "
        "Date, Amount (or Credit and Debit), Currency, Counterparty and Reference.",
        field="file",
    )


_SIGN_WORDS = {"CR": 1, "DR": -1, "H": 1, "S": -1}  # credit/debit; German Haben/Soll


def _amount_text(raw: str) -> tuple[str, int, str | None]:
    """The digits and separators of an amount, its sign and a currency written in it (`-1.234,50 €` →
    `1.234,50`, -1, EUR)."""
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ")
    sign = 1
    currency = None
    for symbol, code in (("€", "EUR"), ("£", "GBP"), ("$", "USD"), ("¥", "JPY")):
        if symbol in text:
            text = text.replace(symbol, " ")
            currency = currency or code
    words = text.split()
    kept: list[str] = []
    for word in words:
        upper = word.upper()
        if upper in _SIGN_WORDS and kept:
            sign *= _SIGN_WORDS[upper]
        elif len(word) == 3 and word.isalpha() and is_currency(upper):
            currency = upper
        else:
            kept.append(word)
    text = "".join(kept).replace("'", "").replace("’", "")
    if text.startswith("(") and text.endswith(")"):
        sign, text = -sign, text[1:-1]
    if text.endswith("-"):
        sign, text = -sign, text[:-1]
    elif text.endswith("+"):
        text = text[:-1]
    if text.startswith("-"):
        sign, text = -sign, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    return text, sign, currency


def decimal_separator(values: Iterable[str]) -> str:
    """`,` when the file's amounts use decimal commas, else `.`: each amount votes by its last separator
    (followed by one or two digits, or beside the other separator); three digits after a lone separator is a
    thousands separator or three decimals, so it does not vote."""
    votes = {",": 0, ".": 0}
    for raw in values:
        text, _, _ = _amount_text(raw)
        positions = {s: text.rfind(s) for s in (",", ".")}
        present = [s for s, p in positions.items() if p >= 0]
        if len(present) == 2:
            votes[max(present, key=lambda s: positions[s])] += 1
        elif len(present) == 1:
            sep = present[0]
            digits = len(text) - positions[sep] - 1
            if text.count(sep) > 1:
                votes["." if sep == "," else ","] += 1
            elif digits in (1, 2):
                votes[sep] += 1
    return "," if votes[","] > votes["."] else "."


def parse_amount(raw: str, separator: str) -> tuple[Decimal, str | None]:
    """An amount as a bank writes it: `1.234,50`, `1,234.50`, `-12.00`, `(12.00)`, `12.00-`, `12.00 CR`,
    `EUR 12,00`, `1'234.50`; and the currency written in it, if any. ValueError says what is wrong."""
    text, sign, currency = _amount_text(raw)
    if not text:
        raise ValueError("is empty")
    thousands = "." if separator == "," else ","
    number = text.replace(thousands, "").replace(separator, ".")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", number):
        raise ValueError(f"{raw.strip()!r} is not an amount")
    value = Decimal(number) * sign
    if abs(value) >= MAX_ABS_AMOUNT:
        raise ValueError(f"{raw.strip()!r} is out of range")
    return value, currency


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "janv", "ene", "gen"),
            ("feb", "fev", "fevr", "fvr"),
            ("mar", "mrz", "mars", "maerz"),
            ("apr", "avr", "abr"),
            ("may", "mai", "mag", "mei"),
            ("jun", "juin", "giu"),
            ("jul", "juil", "lug"),
            ("aug", "aou", "aout", "ago"),
            ("sep", "sept", "set"),
            ("oct", "okt", "ott"),
            ("nov",),
            ("dec", "dez", "dic"),
        ]
    )
    for m in names
}


def _date_parts(raw: str) -> tuple[str, tuple[int, int, int]] | None:
    """(`ymd` | `xy`, numbers) for a date as written; `xy` leaves day and month to be told apart."""
    text = raw.strip()
    text = re.split(r"[T ]\d{1,2}:\d{2}", text)[0].strip()  # a time after the date
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        return "ymd", (int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        return "ymd", (int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})", text):
        year = int(m[3])
        return "xy", (int(m[1]), int(m[2]), year + 2000 if year < 100 else year)
    if m := re.fullmatch(r"(\d{1,2})[-/. ]+([A-Za-zéûä]+)\.?[-/. ]+(\d{2}|\d{4})", text):
        month = _MONTHS.get(_plain(m[2])[:4]) or _MONTHS.get(_plain(m[2])[:3])
        if month:
            year = int(m[3])
            return "ymd", (year + 2000 if year < 100 else year, month, int(m[1]))
    return None


def date_order(values: Iterable[str]) -> tuple[str, bool]:
    """`dmy` or `mdy` for the file's numeric dates, and whether it was a guess: a first number above 12 means
    day first, a second above 12 month first; when no date tells, day first (what most banks write)."""
    day_first = month_first = False
    for raw in values:
        parts = _date_parts(raw)
        if parts and parts[0] == "xy":
            a, b, _ = parts[1]
            day_first = day_first or a > 12
            month_first = month_first or b > 12
    if month_first and not day_first:
        return "mdy", False
    return "dmy", not day_first


def parse_date(raw: str, order: str) -> date:
    parts = _date_parts(raw)
    if parts is None:
        raise ValueError(f"{raw.strip()!r} is not a date (write 2026-03-31, 31.03.2026 or 31/03/2026)")
    kind, (a, b, c) = parts
    if kind == "ymd":
        year, month, day = a, b, c
    elif order == "mdy":
        month, day, year = a, b, c
    else:
        day, month, year = a, b, c
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw.strip()!r} is not a real date") from None


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    try:
        for values in reader:
            records.append((reader.line_num, [v.replace("\x00", "") for v in values]))
    except csv.Error as error:
        raise StatementFileError(
            f"The file is not valid CSV near line {reader.line_num}: {error}.", field="file"
        ) from None
    return records


def _text(values: list[str], indexes: Sequence[int], limit: int) -> str:
    parts = [" ".join(values[i].split()) for i in indexes if i < len(values) and values[i].strip()]
    return " / ".join(parts)[:limit]


def parse_statement(data: bytes, *, default_currency: str, order: str = "auto") -> ParsedStatement:
    """Read a bank statement CSV: every row becomes a `StatementRow` or one or more `RowProblem`s (by line
    and column). A file that cannot be read at all raises `StatementFileError`. `order`: `auto`, `dmy` or
    `mdy` for numeric dates."""
    text, encoding = decode(data)
    if not text.strip():
        raise StatementFileError("The file is empty.", field="file")
    # The header may sit below a preamble (account number, period): try the delimiters the first lines use
    # most, and take the first that shows a header.
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    candidates = sorted((";", ",", "\t", "|"), key=lambda d: -head.count(d))
    found: tuple[str, list[tuple[int, list[str]]], _Layout] | None = None
    for candidate in candidates:
        records = _records(text, candidate)
        try:
            found = (candidate, records, _layout(records))
            break
        except StatementFileError:
            if candidate == candidates[-1]:
                raise
    assert found is not None
    delimiter, records, layout = found
    body = [(line, values) for line, values in records if line > layout.header_line and any(v.strip() for v in values)]
    if len(body) > MAX_STATEMENT_LINES:
        raise StatementFileError(
            f"The file has {len(body):,} lines; import at most {MAX_STATEMENT_LINES:,} at a time.", field="file"
        )
    cols = layout.columns
    names = {name: [layout.names[i] for i in indexes] for name, indexes in cols.items()}
    parsed = ParsedStatement(encoding=encoding, delimiter=delimiter, columns=names)

    def cell(values: list[str], name: str) -> str:
        indexes = cols.get(name, [])
        return values[indexes[0]] if indexes and indexes[0] < len(values) else ""

    money_values = [cell(v, c) for _, v in body for c in _MONEY_COLUMNS if cell(v, c).strip()]
    separator = decimal_separator(money_values)
    if order == "auto":
        order, guessed = date_order(cell(v, "date") for _, v in body)
        if guessed and any((p := _date_parts(cell(v, "date"))) and p[0] == "xy" for _, v in body):
            parsed.warnings.append("No date tells day and month apart: the dates were read as day/month/year.")
    default_currency = default_currency.upper()
    for line, values in body:
        problems: list[RowProblem] = []

        def problem(column: str, message: str, line: int = line, problems: list[RowProblem] = problems) -> None:
            header = names.get(column, [column])[0] if column in names else column
            problems.append(RowProblem(line, header, message))

        day = None
        try:
            day = parse_date(cell(values, "date"), order)
        except ValueError as error:
            problem("date", str(error))
        amount = Decimal(0)
        written_currency = layout.currency_hint
        money_found = False
        for name, sign in (("amount", 1), ("credit", 1), ("debit", -1)):
            raw = cell(values, name)
            if not raw.strip():
                continue
            try:
                value, in_text = parse_amount(raw, separator)
            except ValueError as error:
                problem(name, str(error))
                continue
            money_found = True
            # A debit column holds positive numbers that are money out.
            amount += -abs(value) if sign < 0 else value
            written_currency = written_currency or in_text
        money_headers = {h for c in _MONEY_COLUMNS for h in names.get(c, [])}
        if not money_found and not any(p.column in money_headers for p in problems):
            problem("amount" if "amount" in cols else "credit", "is empty")
        currency = cell(values, "currency").strip().upper() or written_currency or default_currency
        if not is_currency(currency):
            problem("currency", f"{currency!r} is not an ISO 4217 currency code")
        minor = 0
        if money_found and is_currency(currency):
            scaled = amount.scaleb(minor_units(currency))
            if scaled != scaled.to_integral_value():
                problem(
                    "amount" if "amount" in cols else "credit",
                    f"{amount} has more decimals than {currency} has ({minor_units(currency)})",
                )
            else:
                minor = int(scaled)
        if problems:
            parsed.problems.extend(problems)
            continue
        assert day is not None
        parsed.rows.append(
            StatementRow(
                line=line,
                date=day,
                amount_minor=minor,
                currency=currency,
                counterparty=_text(values, cols.get("counterparty", []), MAX_COUNTERPARTY),
                reference=_text(values, cols.get("reference", []), MAX_REFERENCE),
            )
        )
    if not parsed.rows and not parsed.problems:
        raise StatementFileError("The file has a header but no transactions.", field="file")
    return parsed


# --- matching statement lines to open invoices ------------------------------------------------------------

STRONG, MEDIUM, WEAK = "strong", "medium", "weak"
LEGAL_FORMS = {
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "ab",
    "as",
    "oy",
    "the",
    "and",
}


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    client_id: int
    client_name: str
    currency: str
    open_minor: int
    due_date: date | None


@dataclass(frozen=True)
class Suggestion:
    invoice: OpenInvoice
    strength: str
    score: int  # 0–100
    reason: str


def _collapsed(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", text).upper())


def name_words(name: str) -> frozenset[str]:
    """The words of a company's name that identify it (legal forms and filler left out)."""
    return frozenset(w for w in _plain(name).split() if w not in LEGAL_FORMS and len(w) > 1)


def names_match(client_name: str, counterparty: str) -> bool:
    """The counterparty names the client: every identifying word of the client's name is in it (`GLOBEX
    CORPORATION LTD` names Globex)."""
    client = name_words(client_name)
    return bool(client) and client <= name_words(counterparty)


def _others(count: int) -> str:
    if count <= 0:
        return ""
    return f" (and on {count} other invoice{'s' if count != 1 else ''})"


class Matcher:
    """Suggestions for statement lines among a set of open invoices, indexed once (by number, by open amount,
    by client), so each line costs a few dictionary look-ups whatever the number of invoices."""

    def __init__(self, invoices: Iterable[OpenInvoice]) -> None:
        self.by_number: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], list[OpenInvoice]] = defaultdict(list)
        self.by_client: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.client_words: dict[int, frozenset[str]] = {}
        for invoice in invoices:
            if invoice.open_minor <= 0:
                continue
            key = _collapsed(invoice.number)
            if len(key) >= 3:
                self.by_number[key].append(invoice)
            self.by_amount[(invoice.currency, invoice.open_minor)].append(invoice)
            self.by_client[invoice.client_id].append(invoice)
            self.client_words.setdefault(invoice.client_id, name_words(invoice.client_name))
        self.lengths = sorted({len(k) for k in self.by_number}, reverse=True)

    def _numbers_in(self, text: str) -> list[OpenInvoice]:
        """Invoices whose number is written in the text, with or without its separators (`2026-0007`,
        `INV 2026 0007`, `20260007`), never as part of a longer number."""
        tokens = [t for t in re.split(r"[\s,;:()\[\]]+", text.upper()) if t]
        found: dict[int, OpenInvoice] = {}
        for width in (1, 2, 3):
            for i in range(len(tokens) - width + 1):
                joined = _collapsed("".join(tokens[i : i + width]))
                for length in self.lengths:
                    for start in range(len(joined) - length + 1):
                        candidates = self.by_number.get(joined[start : start + length])
                        if not candidates:
                            continue
                        key = joined[start : start + length]
                        before = joined[start - 1] if start else ""
                        after = joined[start + length] if start + length < len(joined) else ""
                        if (before.isdigit() and key[0].isdigit()) or (after.isdigit() and key[-1].isdigit()):
                            continue
                        for invoice in candidates:
                            found[invoice.id] = invoice
        return list(found.values())

    def suggest(
        self, *, amount_minor: int, currency: str, counterparty: str, reference: str, limit: int = 5
    ) -> list[Suggestion]:
        if amount_minor <= 0:
            return []
        best: dict[int, Suggestion] = {}

        def offer(invoice: OpenInvoice, strength: str, score: int, reason: str) -> None:
            if invoice.currency != currency:
                return
            held = best.get(invoice.id)
            if held is None or held.score < score:
                best[invoice.id] = Suggestion(invoice, strength, score, reason)

        payer_words = name_words(counterparty)
        for invoice in self._numbers_in(f"{reference} {counterparty}"):
            exact = invoice.open_minor == amount_minor
            reason = f"The reference names invoice {invoice.number}"
            if exact:
                reason += ", and the amount is what is open on it"
            elif amount_minor < invoice.open_minor:
                reason += f"; it pays part of the {format_minor(invoice.open_minor, invoice.currency)} open"
            else:
                reason += (
                    f"; it pays more than the {format_minor(invoice.open_minor, invoice.currency)} open (the rest "
                    "stays on the client's account)"
                )
            offer(invoice, STRONG, 100 if exact else 90, reason)
        same_amount = self.by_amount.get((currency, amount_minor), [])
        for invoice in same_amount:
            words = self.client_words.get(invoice.client_id, frozenset())
            if words and words <= payer_words:
                offer(
                    invoice,
                    MEDIUM,
                    65,
                    f"From {invoice.client_name}, and the amount is what is open on invoice {invoice.number}",
                )
            else:
                offer(
                    invoice,
                    WEAK,
                    35 if len(same_amount) == 1 else 25,
                    f"The amount is what is open on invoice {invoice.number} of {invoice.client_name}"
                    + _others(len(same_amount) - 1),
                )
        if payer_words:
            for client_id, words in self.client_words.items():
                if not words or not words <= payer_words:
                    continue
                oldest = sorted(self.by_client[client_id], key=lambda i: (i.due_date or date.max, i.id))[:2]
                for invoice in oldest:
                    offer(
                        invoice,
                        WEAK,
                        15,
                        f"From {invoice.client_name}; {format_minor(invoice.open_minor, invoice.currency)} is open "
                        f"on invoice {invoice.number}, a different amount",
                    )
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.invoice.due_date or date.max, s.invoice.id))
        return ranked[:limit]
