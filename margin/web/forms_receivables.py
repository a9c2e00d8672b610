"""Forms of the receivables screens: recording a payment (with an amount per open invoice), allocating more of
it, importing a bank statement, accepting a suggestion, and the report filters.

They parse what people type (amounts as `1,234.50` or `1.234,50`, dates, choices) into minor units and bound
it; every rule (currencies, open amounts, who may) is the actions'. Refusals come back on the field they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from margin.accounts.models import Company
from margin.core.money import is_currency, minor_units
from margin.crm.models import Client
from margin.receivables.models import PaymentMethod
from margin.receivables.rules import decimal_separator, parse_amount
from margin.web.forms import MAX_ID
from margin.web.forms_firm import StyledForm

ALLOCATION_PREFIX = "alloc-"
MAX_STATEMENT_BYTES = 5 * 1024 * 1024


def minor_of(text: str, currency: str, *, label: str) -> int:
    """Typed money (`1,234.50`, `1.234,50`, `12`) → minor units of the currency; ValidationError says why."""
    text = (text or "").strip()
    if not text:
        return 0
    try:
        value, _ = parse_amount(text, decimal_separator([text]))
    except ValueError:
        raise forms.ValidationError(f"{label}: “{text}” is not an amount.") from None
    if not is_currency(currency):
        raise forms.ValidationError("Choose the currency first.")
    scaled = value.scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise forms.ValidationError(f"{label}: {currency} has {minor_units(currency)} decimals.")
    return int(scaled)


def allocations_typed(data: Mapping[str, Any], currency: str) -> tuple[list[tuple[int, int]], list[str]]:
    """The amounts typed against open invoices (`alloc-<invoice id>` fields), as (invoice id, minor units), and
    the problems found."""
    found: list[tuple[int, int]] = []
    problems: list[str] = []
    for key in sorted(k for k in data if k.startswith(ALLOCATION_PREFIX)):
        raw = str(data.get(key) or "").strip()
        if not raw:
            continue
        try:
            invoice_id = int(key.removeprefix(ALLOCATION_PREFIX))
            if not 0 < invoice_id <= MAX_ID:
                raise ValueError
        except ValueError:
            problems.append("An allocation names no invoice.")
            continue
        try:
            amount = minor_of(raw, currency, label="Allocation")
        except forms.ValidationError as error:
            problems.extend(error.messages)
            continue
        if amount:
            found.append((invoice_id, amount))
    return found, problems


class PaymentForm(StyledForm):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label="Paid to", empty_label=None)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label="Client", empty_label="Choose a client")
    received_on = forms.DateField(label="Received on", widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label="Currency", max_length=3, min_length=3)
    amount = forms.CharField(
        label="Amount received", max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    bank_charges = forms.CharField(
        label="Bank charges", max_length=40, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    method = forms.ChoiceField(label="Method", choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label="Reference", max_length=500, required=False)
    note = forms.CharField(label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, companies: QuerySet[Company], clients: QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.allocations: list[tuple[int, int]] = []

    def clean_currency(self) -> str:
        currency = str(self.cleaned_data["currency"]).strip().upper()
        if not is_currency(currency):
            raise forms.ValidationError(f"“{currency}” is not an ISO 4217 currency code.")
        return currency

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency = cleaned.get("currency")
        if not currency:
            return cleaned
        for name, label in (("amount", "Amount received"), ("bank_charges", "Bank charges")):
            try:
                cleaned[f"{name}_minor"] = minor_of(str(self.data.get(name, "")), currency, label=label)
            except forms.ValidationError as error:
                self.add_error(name, error)
        if "amount_minor" in cleaned and cleaned["amount_minor"] <= 0:
            self.add_error("amount", "The amount received must be more than zero.")
        if cleaned.get("bank_charges_minor", 0) < 0:
            self.add_error("bank_charges", "Bank charges cannot be negative.")
        self.allocations, problems = allocations_typed(self.data, currency)
        for problem in problems:
            self.add_error(None, problem)
        return cleaned


class AllocateForm(StyledForm):
    """More of a payment to open invoices: the amounts typed per invoice."""

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.allocations: list[tuple[int, int]] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.allocations, problems = allocations_typed(self.data, self.currency)
        for problem in problems:
            self.add_error(None, problem)
        if not problems and not self.allocations:
            self.add_error(None, "Type an amount against at least one invoice.")
        return cleaned


class StatementUploadForm(StyledForm):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label="Bank account of", empty_label=None)
    file = forms.FileField(label="Statement (CSV)")
    date_order = forms.ChoiceField(
        label="Dates",
        choices=[("auto", "Tell from the file"), ("dmy", "Day/month/year"), ("mdy", "Month/day/year")],
        initial="auto",
    )

    def __init__(self, *args: Any, companies: QuerySet[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload


class AcceptForm(StyledForm):
    invoice = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    client = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    bank_charges = forms.CharField(max_length=40, required=False)


class AgeingFilter(StyledForm):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label="Company", empty_label=None, required=False)
    as_of = forms.DateField(label="As of", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, companies: QuerySet[Company], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        self.fields["company"].widget.attrs["data-autosubmit"] = ""

    def clean_as_of(self) -> date:
        day = self.cleaned_data.get("as_of") or timezone.localdate()
        if not date(1990, 1, 1) <= day <= date(2999, 12, 31):
            raise forms.ValidationError("Choose a day between 1990 and 2999.")
        return day


class PeriodFilter(StyledForm):
    first = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        last = cleaned.get("last") or timezone.localdate()
        first = cleaned.get("first") or last - timedelta(days=90)
        for day in (first, last):
            if not date(1990, 1, 1) <= day <= date(2999, 12, 31):
                raise forms.ValidationError("Choose days between 1990 and 2999.")
        if first > last:
            self.add_error("first", "The first day must be on or before the last.")
        cleaned["first"], cleaned["last"] = first, last
        return cleaned


def decimal_text(minor: int, currency: str) -> str:
    """Minor units as the plain decimal a field shows: 123450 EUR → `1234.50`."""
    return f"{Decimal(minor).scaleb(-minor_units(currency)):f}"
