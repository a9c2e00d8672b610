"""Forms of the books screens: the journal's filter, a manual entry (any number of lines, each an account and a
debit or a credit), a reversal's reason, the trial balance's period, and the chart of accounts (add, change).

They parse what people type (amounts as `1,234.50` or `1.234,50`, dates, choices) into minor units of the
company's currency and bound it; every rule of the books (balanced, open period, active account, one account per
role) is the actions'. Refusals come back on the field they name, else on the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import date as Day
from typing import Any

from django import forms
from django.utils import timezone

from margin.books.models import ROLE_CHOICES, Account, AccountKind
from margin.books.rules import Source
from margin.web.forms import MAX_ID
from margin.web.forms_firm import StyledForm
from margin.web.forms_receivables import minor_of

EARLIEST, LATEST = date(1990, 1, 1), date(2999, 12, 31)
MAX_LINES = 200
BLANK_LINES = 3  # rows a new manual entry starts with


def _in_range(day: date | None) -> date | None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError("Choose a day between 1990 and 2999.")
    return day


def _date(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class JournalFilter(StyledForm):
    date_from = _date("From")
    date_to = _date("To")
    source_kind = forms.ChoiceField(label="Source", required=False, choices=[("", "Every source"), *Source.CHOICES])
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), label="Account", required=False, empty_label="Every account"
    )

    def __init__(self, *args: Any, accounts: list[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(pk__in=[a.pk for a in accounts])  # type: ignore[attr-defined]

    def clean_date_from(self) -> date | None:
        return _in_range(self.cleaned_data.get("date_from"))

    def clean_date_to(self) -> date | None:
        return _in_range(self.cleaned_data.get("date_to"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", "The last day must be on or after the first.")
        return cleaned


class PeriodForm(StyledForm):
    """The trial balance's period: from (optional: since the first entry) to (default today)."""

    date_from = _date("From")
    date_to = _date("To")

    def clean_date_from(self) -> date | None:
        return _in_range(self.cleaned_data.get("date_from"))

    def clean_date_to(self) -> date:
        return _in_range(self.cleaned_data.get("date_to")) or timezone.localdate()


def _column(data: Any, name: str) -> list[Any]:
    """Every value sent under a repeated name (a QueryDict's list; a plain mapping's one value)."""
    if hasattr(data, "getlist"):
        return list(data.getlist(name))
    value = data.get(name)
    return [] if value is None else list(value) if isinstance(value, list | tuple) else [value]


@dataclass(frozen=True)
class TypedLine:
    """One row of the manual entry form as typed (shown again when the form is refused)."""

    account: str = ""
    debit: str = ""
    credit: str = ""
    description: str = ""

    @property
    def blank(self) -> bool:
        return not (self.account or self.debit or self.credit or self.description)


@dataclass(frozen=True)
class ParsedLine:
    account_id: int
    debit_minor: int
    credit_minor: int
    description: str


class ManualEntryForm(StyledForm):
    """A manual journal entry: its day, what it is for, and its lines (`line_account`, `line_debit`,
    `line_credit`, `line_description`, repeated once per row; blank rows are left out)."""

    date = _date("Date", required=True)
    description = forms.CharField(label="Description", max_length=400)

    def __init__(self, *args: Any, currency: str, accounts: list[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.accounts = [a for a in accounts if a.active]
        self.lines: list[ParsedLine] = []
        if self.is_bound:
            columns = [_column(self.data, f"line_{name}") for name in ("account", "debit", "credit", "description")]
            count = min(max((len(c) for c in columns), default=0), MAX_LINES)
            self.typed = [TypedLine(*(str(c[n]).strip() if n < len(c) else "" for c in columns)) for n in range(count)]
        else:
            self.typed = [TypedLine() for _ in range(BLANK_LINES)]

    def clean_date(self) -> Day:
        day = self.cleaned_data["date"]
        _in_range(day)
        return day  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.lines = []
        for n, row in enumerate((r for r in self.typed if not r.blank), start=1):
            if not row.account.isdigit() or not 0 < int(row.account) <= MAX_ID:
                self.add_error(None, f"Line {n}: choose an account.")
                continue
            try:
                debit = minor_of(row.debit, self.currency, label=f"Line {n}, debit")
                credit = minor_of(row.credit, self.currency, label=f"Line {n}, credit")
            except forms.ValidationError as error:
                self.add_error(None, error)
                continue
            if len(row.description) > 400:
                self.add_error(None, f"Line {n}: the description is longer than 400 characters.")
                continue
            self.lines.append(ParsedLine(int(row.account), debit, credit, row.description))
        if not self.errors and len(self.lines) < 2:
            self.add_error(None, "A journal entry needs at least two lines: an account debited and one credited.")
        return cleaned

    @property
    def debit_total(self) -> int:
        return sum(line.debit_minor for line in self.lines)

    @property
    def credit_total(self) -> int:
        return sum(line.credit_minor for line in self.lines)


class ReasonForm(StyledForm):
    reason = forms.CharField(label="Reason", max_length=400)


class AccountForm(StyledForm):
    code = forms.CharField(label="Code", max_length=16, widget=forms.TextInput(attrs={"size": 6}))
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=AccountKind.choices)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "No role"), *ROLE_CHOICES])


class AccountChangeForm(StyledForm):
    """Rename or renumber an account, map a role to it (taken from the account that had it), retire or restore it."""

    code = forms.CharField(label="Code", max_length=16, widget=forms.TextInput(attrs={"size": 6}))
    name = forms.CharField(label="Name", max_length=200)
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "No role"), *ROLE_CHOICES])
    active = forms.BooleanField(label="In use", required=False)
