"""Forms of the revenue screens: the month of a run, a run's reversal, and a contract line's recognition method,
estimate at completion and price modification.

They parse what people type (a month as `2026-06`, amounts as `1,234.50`, hours as `12.5`) into the actions'
terms and bound it; every rule (which method suits which line, an estimate not below what was incurred, one run
per month) is the actions'. Refusals come back on the field they name.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from margin.revenue.rules import CATCH_UP, METHODS, PROSPECTIVE
from margin.web.forms_firm import StyledForm
from margin.web.forms_receivables import minor_of

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
EARLIEST, LATEST = date(1990, 1, 1), date(2999, 12, 31)
MAX_HOURS = Decimal(10**9)


def _date(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _day(value: date | None) -> date | None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise forms.ValidationError("Choose a day between 1990 and 2999.")
    return value


class MonthForm(StyledForm):
    """A month as the browser's month input sends it (`2026-06`)."""

    month = forms.CharField(label="Month", max_length=7, widget=forms.DateInput(attrs={"type": "month"}))

    def clean_month(self) -> tuple[int, int]:
        found = MONTH.match(str(self.cleaned_data["month"]).strip())
        if found is None or not 1 <= int(found.group(2)) <= 12:
            raise forms.ValidationError("Choose a month (year and month, as 2026-06).")
        return int(found.group(1)), int(found.group(2))


class RunReverseForm(StyledForm):
    reason = forms.CharField(label="Reason", max_length=400)


class RecognitionForm(StyledForm):
    method = forms.ChoiceField(label="Recognised", choices=METHODS)
    service_start = _date("Service from")
    service_end = _date("Service to")

    def __init__(self, *args: Any, methods: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(key, label) for key, label in METHODS if key in methods]

    def clean_service_start(self) -> date | None:
        return _day(self.cleaned_data.get("service_start"))

    def clean_service_end(self) -> date | None:
        return _day(self.cleaned_data.get("service_end"))


class EstimateForm(StyledForm):
    """An estimate at completion: the total cost, the total hours, or both, from a day on, with a reason."""

    effective = _date("From", required=True)
    total_cost = forms.CharField(
        label="Total cost at completion",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    total_hours = forms.CharField(
        label="Total hours at completion",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(label="Reason", max_length=400)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_effective(self) -> date:
        day = self.cleaned_data["effective"]
        _day(day)
        return day  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cost_text = str(self.data.get("total_cost", "")).strip()
        hours_text = str(self.data.get("total_hours", "")).strip().replace(",", ".")
        cleaned["total_cost_minor"] = None
        cleaned["total_minutes"] = None
        if cost_text:
            try:
                cleaned["total_cost_minor"] = minor_of(cost_text, self.currency, label="Total cost")
            except forms.ValidationError as error:
                self.add_error("total_cost", error)
        if hours_text:
            try:
                hours = Decimal(hours_text)
                if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
                    raise InvalidOperation
            except InvalidOperation:
                self.add_error("total_hours", f"“{hours_text}” is not a number of hours.")
            else:
                cleaned["total_minutes"] = int((hours * 60).to_integral_value())
        if not cost_text and not hours_text:
            self.add_error("total_cost", "Enter the estimated total cost, hours, or both.")
        return cleaned


class ModificationForm(StyledForm):
    """A new price of a fixed-fee or progress line from a day on, and how revenue treats the change."""

    price = forms.CharField(label="New price", max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    effective = _date("From", required=True)
    treatment = forms.ChoiceField(
        label="Treatment",
        choices=[(PROSPECTIVE, "Prospectively (the rest of the work)"), (CATCH_UP, "Cumulative catch-up")],
        initial=PROSPECTIVE,
    )
    reason = forms.CharField(label="Reason", max_length=400)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_effective(self) -> date:
        day = self.cleaned_data["effective"]
        _day(day)
        return day  # type: ignore[no-any-return]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text = str(self.data.get("price", "")).strip()
        if text:
            try:
                cleaned["price_minor"] = minor_of(text, self.currency, label="New price")
            except forms.ValidationError as error:
                self.add_error("price", error)
        return cleaned
