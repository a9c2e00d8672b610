"""Reading time-tracking CSV exports (no Django): decoding, the delimiter, which tool wrote the file, and each row
turned into a neutral `TimeRow` with the problems found in it (line number and column).

Column sets, as the tools export them (headers matched without regard to case or surrounding spaces):

- Harvest (detailed time report): Date, Client, Project, Project Code, Task, Notes, Hours, Hours Rounded, Billable?,
  Invoiced?, Approved?, First Name, Last Name, Roles, Employee?, Billable Rate, ... The person is matched by
  "First Name Last Name" (Harvest's export has no e-mail; an "Email" column is used when present).
- Toggl Track (detailed report): User, Email, Client, Project, Task, Description, Billable, Start date, Start time,
  End date, End time, Duration (hh:mm:ss), Tags, Amount (...).
- Clockify (detailed report): Project, Client, Description, Task, User, Group, Email, Tags, Billable, Start Date,
  Start Time, End Date, End Time, Duration (h) (hh:mm:ss), Duration (decimal), Billable Rate (...), ...
- Margin (its own export, so an export can be imported elsewhere): Date, Person, Email, Client, Project code,
  Project, Task, Minutes, Billable, Notes, ..., Category.

Any of them may carry a Category (or "Time category") column: client work, internal, sales, training or leave.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_ROWS = 200_000
FORMATS = {"harvest": "Harvest", "toggl": "Toggl Track", "clockify": "Clockify", "margin": "Margin"}


class FileError(ValueError):
    """The whole file is unusable (encoding, not CSV, missing columns): nothing can be imported."""


@dataclass
class TimeRow:
    """One row of the file, read but not yet matched to Margin's people, projects and tasks."""

    line: int  # line of the file (the header is line 1)
    work_date: date | None = None
    email: str = ""
    person_name: str = ""
    client: str = ""
    project_code: str = ""
    project: str = ""
    task: str = ""
    minutes: int | None = None
    billable: bool | None = None  # None: the task's default
    category: str = ""  # as written (a code or a label); matched to Margin's categories on import
    note: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class ParsedFile:
    format: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[TimeRow]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Text, delimiter, header
# --------------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The file as text and the encoding read: UTF-8 (with or without a byte-order mark), else Windows-1252 (what
    Excel on Windows writes for "CSV"); anything else is refused with what to do."""
    if not data.strip():
        raise FileError("The file is empty.")
    if data[:4] == b"PK\x03\x04":
        raise FileError("This is an Excel (XLSX) or other zipped file, not CSV: save it as CSV (UTF-8) first.")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileError("The file says it is UTF-16 but cannot be read as such.") from None
    if b"\x00" in data:
        raise FileError(
            "The file contains NUL bytes: it is not a CSV text file (or is UTF-16 without a byte-order mark)."
        )
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileError(
            f"The file is neither UTF-8 nor Windows-1252 text (byte {utf8_error.start + 1} cannot be read); "
            "export it again as CSV (UTF-8)."
        ) from None
    return text, "Windows-1252"


def sniff_delimiter(first_line: str) -> str:
    """`,` or `;` (European Excel) or a tab, whichever separates the header best."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _norm(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def detect_format(header: list[str]) -> str:
    names = {_norm(h) for h in header}
    if "start date" in names and ("duration (decimal)" in names or "duration (h)" in names):
        return "clockify"
    if "start date" in names and "duration" in names and "description" in names:
        return "toggl"
    if "date" in names and "hours" in names and ("first name" in names or "last name" in names):
        return "harvest"
    if "date" in names and "minutes" in names and "email" in names:
        return "margin"
    raise FileError(
        "The columns are not those of a Harvest, Toggl or Clockify export (found: "
        + ", ".join(h for h in header[:12] if h)
        + "). Export the detailed time report as CSV."
    )


# The columns each format needs (alternatives separated by |), by the role they play.
REQUIRED = {
    "harvest": ["date", "project", "hours", "first name|email"],
    "toggl": ["email|user", "project", "start date", "duration"],
    "clockify": ["email|user", "project", "start date", "duration (h)|duration (decimal)"],
    "margin": ["date", "email", "project code|project", "minutes"],
}


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------

TRUE = {"yes", "y", "true", "1", "billable", "ja", "oui", "x"}
FALSE = {"no", "n", "false", "0", "non-billable", "nein", "non", ""}
_SLASH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")


def date_order(values: list[str]) -> tuple[str, str]:
    """Month/day or day/month for the file's slashed dates (03/04/2026), and a note when it had to be guessed."""
    day_first = month_first = False
    for value in values:
        match = _SLASH.match(value.strip().split(" ")[0])
        if not match:
            continue
        a, b = int(match.group(1)), int(match.group(2))
        day_first |= a > 12
        month_first |= b > 12
    if day_first and not month_first:
        return "dmy", ""
    if month_first and not day_first:
        return "mdy", ""
    if any(_SLASH.match(v.strip().split(" ")[0]) and "." in v for v in values):
        return "dmy", ""
    if any(_SLASH.match(v.strip().split(" ")[0]) for v in values):
        return "mdy", "Dates such as 03/04/2026 were read as month/day/year; choose day/month if they are not."
    return "mdy", ""


def parse_date(value: str, order: str) -> date:
    text = value.strip()
    if not text:
        raise ValueError("the date is empty")
    head = text.split("T")[0].split(" ")[0]
    try:
        return date.fromisoformat(head)
    except ValueError:
        pass
    match = _SLASH.match(head)
    if match:
        a, b, y = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year = y + 2000 if y < 100 else y
        month, day = (a, b) if order == "mdy" and "." not in head else (b, a)
        try:
            return date(year, month, day)
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date") from None
    for pattern in ("%d %b %Y", "%b %d, %Y", "%d-%b-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD or MM/DD/YYYY)")


def _decimal_hours(text: str) -> Decimal:
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")  # 1,5 (European decimal comma)
    try:
        hours = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of hours") from None
    if not hours.is_finite():
        raise ValueError(f"{text!r} is not a number of hours")
    return hours


def parse_hours(text: str) -> int:
    """Minutes from decimal hours (7.5, 7,5) or a clock duration (7:30, 07:30:00), rounded to the nearest minute."""
    value = text.strip()
    if not value:
        raise ValueError("the duration is empty")
    if ":" in value:
        parts = value.split(":")
        if len(parts) not in (2, 3) or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"{text!r} is not a duration (h:mm or h:mm:ss)")
        h, m, s = (int(p) for p in [*parts, "0"][:3])
        if m >= 60 or s >= 60:
            raise ValueError(f"{text!r} is not a duration (h:mm or h:mm:ss)")
        return int((Decimal(h * 3600 + m * 60 + s) / 60).quantize(Decimal(1), ROUND_HALF_UP))
    hours = _decimal_hours(value)
    if hours < 0:
        raise ValueError("the duration is negative")
    if hours > 10_000:
        raise ValueError(f"{text!r} hours is not a plausible duration")
    return int((hours * 60).quantize(Decimal(1), ROUND_HALF_UP))


def parse_minutes(text: str) -> int:
    value = text.strip()
    if not value.lstrip("-").isdigit():
        raise ValueError(f"{text!r} is not a whole number of minutes")
    return int(value)


def parse_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return None if value == "" else False
    raise ValueError(f"{text!r} is not yes or no")


def _clock_minutes(start_date: date, start: str, end_date: date, end: str) -> int:
    """Minutes between two local times (Toggl, Clockify with 12- or 24-hour clocks)."""

    def at(day: date, text: str) -> datetime:
        t = text.strip().upper()
        for pattern in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"):
            try:
                clock = datetime.strptime(t, pattern).time()
            except ValueError:
                continue
            return datetime.combine(day, clock)
        raise ValueError(f"{text!r} is not a time of day")

    seconds = (at(end_date, end) - at(start_date, start)).total_seconds()
    if seconds < 0:
        raise ValueError("the end is before the start")
    return int((Decimal(seconds) / 60).quantize(Decimal(1), ROUND_HALF_UP))


# --------------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------------


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    end = 0
    for values in reader:
        start, end = end + 1, reader.line_num
        yield start, values


def parse(data: bytes, *, order: str = "auto", progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Read a whole export. File-level problems raise FileError; row problems are kept on each row."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    try:
        records = _records(text, delimiter)
        first = next(records, None)
        if first is None or not any(v.strip() for v in first[1]):
            raise FileError("The file is empty: a header row is expected.")
        header = [h.strip().lstrip("\ufeff") for h in first[1]]
        fmt = detect_format(header)
        index: dict[str, int] = {}
        for i, name in enumerate(header):
            index.setdefault(_norm(name), i)
        missing = [
            " or ".join(a.title() for a in alt.split("|"))
            for alt in REQUIRED[fmt]
            if not any(a in index for a in alt.split("|"))
        ]
        if missing:
            raise FileError(f"{FORMATS[fmt]} export without the column(s): {', '.join(missing)}.")
        raw: list[tuple[int, list[str]]] = []
        for line, values in records:
            if not any(v.strip() for v in values):
                continue
            if len(raw) >= MAX_ROWS:
                raise FileError(f"More than {MAX_ROWS:,} rows: split the file.")
            raw.append((line, values))
    except csv.Error as error:
        raise FileError(f"The file is not valid CSV: {error}.") from None
    if not raw:
        raise FileError("The file has a header but no rows.")

    def col(name: str) -> int | None:
        for alt in name.split("|"):
            if alt in index:
                return index[alt]
        return None

    names: dict[str, int | None] = {k: col(k) for k in _COLUMNS}
    names = {k: len(header) if i is None else i for k, i in names.items()}
    date_key = "date" if fmt in ("harvest", "margin") else "start date"
    date_i = names[date_key]
    warnings: list[str] = []
    if order == "auto":
        sample = [v[date_i] for _, v in raw if date_i is not None and date_i < len(v)]
        order, note = date_order(sample)
        if note:
            warnings.append(note)
    rows = []
    reader = _ROW_READERS[fmt]
    for n, (line, values) in enumerate(raw, start=1):
        rows.append(reader(line, values, names, header, order))
        if progress is not None and n % 5000 == 0:
            progress(n)
    if encoding != "UTF-8":
        warnings.append(f"The file was read as {encoding}; check accented names in the preview.")
    return ParsedFile(fmt, encoding, delimiter, header, rows, warnings)


_COLUMNS = [
    "date",
    "start date",
    "start time",
    "end date",
    "end time",
    "client",
    "project",
    "project code",
    "task",
    "notes|note",
    "description",
    "hours",
    "duration",
    "duration (h)",
    "duration (decimal)",
    "minutes",
    "billable?|billable",
    "category|time category",
    "first name",
    "last name",
    "user|person",
    "email|e-mail|user email",
]


def _label(header: list[str], i: int | None, fallback: str) -> str:
    return header[i] if i is not None and i < len(header) else fallback


def _read(
    line: int,
    values: list[str],
    c: dict[str, int | None],
    header: list[str],
    order: str,
    *,
    date_key: str,
    duration_keys: tuple[str, ...],
    note_key: str,
) -> TimeRow:
    row = TimeRow(line=line)
    width = len(header) + 1  # missing columns point at the last, always empty, cell
    if len(values) < width:
        values = values + [""] * (width - len(values))

    def get(key: str) -> str:
        return values[c[key]].strip()  # type: ignore[index]

    row.client, row.project, row.project_code = get("client"), get("project"), get("project code")
    row.task = get("task")
    row.email = get("email|e-mail|user email").lower()
    first, last = get("first name"), get("last name")
    row.person_name = " ".join(p for p in (first, last) if p) or get("user|person")
    row.note = get(note_key)
    try:
        row.work_date = parse_date(get(date_key), order)
    except ValueError as error:
        row.error(_label(header, c[date_key], "Date"), str(error))
    if not row.email and not row.person_name:
        row.error(_label(header, c["email|e-mail|user email"], "Email"), "no person (e-mail or name) on this row")
    if not row.project and not row.project_code:
        row.error(_label(header, c["project"], "Project"), "no project on this row")
    for key in duration_keys:
        text = get(key)
        if not text:
            continue
        try:
            row.minutes = parse_minutes(text) if key == "minutes" else parse_hours(text)
        except ValueError as error:
            row.error(_label(header, c[key], key.title()), str(error))
            return row
        break
    else:
        # No duration column filled: from the start and end times when there are some.
        start, end = get("start time"), get("end time")
        if start and end and row.work_date is not None:
            try:
                end_day = parse_date(get("end date"), order) if get("end date") else row.work_date
                row.minutes = _clock_minutes(row.work_date, start, end_day, end)
            except ValueError as error:
                row.error(_label(header, c["end time"], "End time"), str(error))
                return row
        else:
            row.error(_label(header, c[duration_keys[0]], "Duration"), "the duration is empty")
            return row
    if row.minutes is not None and row.minutes <= 0:
        row.error(_label(header, c[duration_keys[0]], "Duration"), "the duration is under one minute")
    try:
        row.billable = parse_bool(get("billable?|billable"))
    except ValueError as error:
        row.error(_label(header, c["billable?|billable"], "Billable"), str(error))
    row.category = get("category|time category")
    return row


def _harvest(line: int, values: list[str], c: dict[str, int | None], header: list[str], order: str) -> TimeRow:
    return _read(line, values, c, header, order, date_key="date", duration_keys=("hours",), note_key="notes|note")


def _toggl(line: int, values: list[str], c: dict[str, int | None], header: list[str], order: str) -> TimeRow:
    return _read(
        line, values, c, header, order, date_key="start date", duration_keys=("duration",), note_key="description"
    )


def _clockify(line: int, values: list[str], c: dict[str, int | None], header: list[str], order: str) -> TimeRow:
    return _read(
        line,
        values,
        c,
        header,
        order,
        date_key="start date",
        duration_keys=("duration (h)", "duration (decimal)"),
        note_key="description",
    )


def _margin(line: int, values: list[str], c: dict[str, int | None], header: list[str], order: str) -> TimeRow:
    return _read(line, values, c, header, order, date_key="date", duration_keys=("minutes",), note_key="notes|note")


_ROW_READERS: dict[str, Callable[[int, list[str], dict[str, int | None], list[str], str], TimeRow]] = {
    "harvest": _harvest,
    "toggl": _toggl,
    "clockify": _clockify,
    "margin": _margin,
}
