"""Time entries out as CSV (streamed, any size) or XLSX (written row by row, up to Excel's row limit), with the
filters of the list (dates, project, person, status), only what the viewer may see.

Spreadsheet formula injection: any text cell that begins with =, +, -, @, a tab or a carriage return is written
with a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP
"CSV injection"). Numbers are written as numbers and are never prefixed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import Invalid
from margin.core.money import minor_units
from margin.projects.queries import MoneyScope, money_scope
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import time_entries_filtered, time_entries_visible

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
CHUNK = 2000
STATUSES = ("draft", "submitted", "approved", "rejected")
EXPENSE_STATUSES = (*STATUSES, "reimbursed")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


@dataclass(frozen=True)
class TimeFilter:
    date_from: date | None = None
    date_to: date | None = None
    project_id: int | None = None
    person_id: int | None = None
    status: str | None = None

    def check(self, statuses: tuple[str, ...] = STATUSES) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise Invalid("The start date is after the end date.", field="date_from")
        if self.status and self.status not in statuses:
            raise Invalid(f"Status is one of {', '.join(statuses)}.", field="status")


def entries_for_export(viewer: Viewer, filters: TimeFilter) -> QuerySet[TimeEntry]:
    filters.check()
    entries = time_entries_filtered(
        time_entries_visible(viewer).select_related(None),
        project_id=filters.project_id,
        person_id=filters.person_id,
        status=filters.status,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return entries.order_by("work_date", "person__name", "id")


# Filled only on the rows of projects whose money the viewer may see (projects.queries.money_visible).
MONEY_COLUMNS = ("Role", "Bill rate", "Bill amount", "Cost rate", "Cost amount", "Currency")


def columns(scope: MoneyScope) -> list[tuple[str, str]]:
    """(header, value path) of the export. The first ten columns are those the import reads back (the "Margin"
    format). The money columns are there when the viewer may see some project's money; each row fills them only
    when it may see that row's project's."""
    cols = [
        ("Date", "work_date"),
        ("Person", "person__name"),
        ("Email", "person__email"),
        ("Client", "project__client__name"),
        ("Project code", "project__code"),
        ("Project", "project__name"),
        ("Task", "task__name"),
        ("Minutes", "minutes"),
        ("Billable", "billable"),
        ("Notes", "note"),
        ("Hours", "minutes"),  # decimal hours, computed
    ]
    cols += [
        ("Billable minutes", "billable_minutes"),
        ("Category", "category"),  # read back by the import
        ("Status", "status"),
        ("Rejection reason", "rejection_reason"),
    ]
    if scope.any:
        cols += [
            ("Role", "role__name"),
            ("Bill rate", "bill_rate"),
            ("Bill amount", "bill_amount_minor"),
            ("Cost rate", "cost_rate"),
            ("Cost amount", "cost_amount_minor"),
            ("Currency", "currency"),
        ]
    cols.append(("Entry id", "id"))
    return cols


def rows(viewer: Viewer, filters: TimeFilter) -> tuple[list[str], Iterator[list[Any]]]:
    """The header and the rows as Python values (dates, ints, Decimals, text already neutralised)."""
    scope = money_scope(viewer)
    cols = columns(scope)
    paths = list(dict.fromkeys(path for _, path in cols))
    paths += [path for path in ("currency", "project_id") if path not in paths]
    where = {path: i for i, path in enumerate(paths)}
    entries = entries_for_export(viewer, filters).values_list(*paths)

    def generate() -> Iterator[list[Any]]:
        for values in entries.iterator(chunk_size=CHUNK):
            currency = values[where["currency"]]
            money_shown = scope.covers(values[where["project_id"]])
            out: list[Any] = []
            for header, path in cols:
                value = values[where[path]]
                if header in MONEY_COLUMNS and not money_shown:
                    value = ""
                elif header == "Hours":
                    value = (Decimal(value) / 60).quantize(Decimal("0.01"))
                elif header == "Billable":
                    value = "Yes" if value else "No"
                elif header in ("Bill amount", "Cost amount"):
                    value = Decimal(value).scaleb(-minor_units(currency))
                elif value is None:
                    value = ""
                out.append(neutralise(value))
            yield out

    return [h for h, _ in cols], generate()


# --------------------------------------------------------------------------------------------------
# Expenses: one row per claim line, of the claims the viewer can see
# --------------------------------------------------------------------------------------------------

EXPENSE_COLUMNS = [
    ("Date", "date"),
    ("Person", "claim__person__name"),
    ("Email", "claim__person__email"),
    ("Claim", "claim__title"),
    ("Claim status", "claim__status"),
    ("Kind", "kind"),
    ("Category", "category__name"),
    ("Merchant", "merchant"),
    ("Amount", "amount_minor"),
    ("Currency", "currency"),
    ("Exchange rate", "exchange_rate"),
    ("Rate date", "rate_date"),
    ("Converted amount", "converted_minor"),
    ("Claim currency", "claim__currency"),
    ("Distance", "distance"),
    ("Unit", "distance_unit"),
    ("Days", "days"),
    ("Country", "country"),
    ("Unit rate", "unit_rate"),
    ("Project code", "project__code"),
    ("Task", "task__name"),
    ("Billable", "billable"),
    ("Markup %", "markup_percent"),
    ("Bill amount", "bill_amount_minor"),
    ("Bill currency", "bill_currency"),
    ("Notes", "notes"),
    ("Line id", "id"),
]
_AMOUNT_CURRENCY = {"Amount": "Currency", "Converted amount": "Claim currency", "Bill amount": "Bill currency"}
# What the client is charged is the project's money; the rest of a line is the claimant's own spending (and the
# markup they asked for), visible with the claim.
EXPENSE_MONEY_COLUMNS = ("Bill amount", "Bill currency")


def expense_rows(viewer: Viewer, filters: TimeFilter) -> tuple[list[str], Iterator[list[Any]]]:
    """Expense lines as rows (amounts as decimals in their currency), filtered like time (status: the claim's).
    The bill amount is there for viewers who may see some project's money, filled on the rows of those projects."""
    from margin.expenses.models import ExpenseLine
    from margin.expenses.queries import claims_visible

    filters.check(EXPENSE_STATUSES)
    lines = ExpenseLine.objects.filter(claim__in=claims_visible(viewer).values("id"))
    if filters.date_from:
        lines = lines.filter(date__gte=filters.date_from)
    if filters.date_to:
        lines = lines.filter(date__lte=filters.date_to)
    if filters.project_id:
        lines = lines.filter(project_id=filters.project_id)
    if filters.person_id:
        lines = lines.filter(claim__person_id=filters.person_id)
    if filters.status:
        lines = lines.filter(claim__status=filters.status)
    scope = money_scope(viewer)
    cols = [c for c in EXPENSE_COLUMNS if scope.any or c[0] not in EXPENSE_MONEY_COLUMNS]
    paths = [path for _, path in cols] + ["project_id"]
    where = {header: i for i, (header, _) in enumerate(cols)}
    values = lines.order_by("date", "claim__person__name", "id").values_list(*paths)

    def generate() -> Iterator[list[Any]]:
        for row in values.iterator(chunk_size=CHUNK):
            money_shown = scope.covers(row[-1])
            out: list[Any] = []
            for header, value in zip(where, row[:-1], strict=True):
                if header in EXPENSE_MONEY_COLUMNS and not money_shown:
                    value = ""
                elif header in _AMOUNT_CURRENCY:
                    currency = row[where[_AMOUNT_CURRENCY[header]]]
                    value = Decimal(value).scaleb(-minor_units(currency)) if currency else ""
                elif header == "Billable":
                    value = "Yes" if value else "No"
                elif value is None:
                    value = ""
                out.append(neutralise(value))
            yield out

    return [h for h, _ in cols], generate()


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(header: list[str], body: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in pieces (UTF-8 with a byte-order mark so Excel reads accents; comma-separated)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    batch: list[str] = []
    for row in body:
        batch.append(writer.writerow([v.isoformat() if isinstance(v, date) else v for v in row]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def xlsx_file(header: list[str], body: Iterable[list[Any]], *, title: str = "Time") -> IO[bytes]:
    """An XLSX workbook written row by row (openpyxl's write-only mode) into a temporary file, rewound."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    sheet.freeze_panes = "A2"
    date_column = header.index("Date") if "Date" in header else -1
    for n, row in enumerate(body, start=1):
        if n > XLSX_MAX_ROWS:
            raise Invalid("More rows than an Excel sheet holds: narrow the filters or export CSV.", field="format")
        if date_column >= 0:
            day = WriteOnlyCell(sheet, value=row[date_column])
            day.number_format = "yyyy-mm-dd"
            row = [*row[:date_column], day, *row[date_column + 1 :]]
        sheet.append(row)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    book.save(out)
    out.seek(0)
    return out


def filename(filters: TimeFilter, extension: str, what: str = "time") -> str:
    span = "-".join(d.isoformat() for d in (filters.date_from, filters.date_to) if d) or "all"
    return f"{what}-{span}.{extension}"
