"""Forms of the contract screens: a new contract with the projects it covers, a billing line of each model, a
fixed fee's instalment, and a tax code.

They parse what people type (hours as `40` or `12.5`, amounts as `1,234.50`, dates, choices) into the units the
actions take (minutes, minor units) and bound it; every rule (caps, overlaps, what a tax code fits, who may) is
the actions'. Refusals come back on the field they name.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet

from margin.accounts.models import Company
from margin.contracts.models import (
    BillingModel,
    CapKind,
    Contract,
    InvoiceGrouping,
    ProgressSource,
    RetainerFrequency,
    RetainerUnit,
    Rollover,
    TaxCode,
    TaxKind,
)
from margin.crm.models import Client
from margin.projects.models import Project, Task
from margin.web.forms_firm import StyledForm
from margin.web.forms_receivables import minor_of

MAX_HOURS = Decimal(1_000_000)


def minutes_of(text: str, *, label: str) -> int:
    """Typed hours (`40`, `12.5`, `12,5`) → whole minutes; ValidationError says why."""
    cleaned = (text or "").strip().replace(",", ".")
    try:
        hours = Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError(f"{label}: “{text}” is not a number of hours.") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise forms.ValidationError(f"{label}: give hours above zero.")
    minutes = hours * 60
    if minutes != minutes.to_integral_value():
        raise forms.ValidationError(f"{label}: give hours to the minute (12.5, not 12.505).")
    return int(minutes)


def _text(label: str, max_length: int, *, required: bool = False, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=forms.TextInput(attrs=attrs), strip=True
    )


def _date(label: str, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _amount(label: str, *, required: bool = False, placeholder: str = "0.00") -> forms.CharField:
    return _text(label, 40, required=required, inputmode="decimal", placeholder=placeholder)


class ContractForm(StyledForm):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label="Company", empty_label=None)
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label="Client", empty_label="Choose a client")
    reference = _text("Reference", 40, required=True, placeholder="GLX-2027")
    name = _text("Name", 200, required=True, placeholder="Globex portal, phase 2")
    client_reference = _text("Client's reference (purchase order)", 100)
    currency = _text("Currency", 3, placeholder="the company's", size=4)
    start_date = _date("Starts", required=True)
    end_date = _date("Ends")
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)", required=False, min_value=0, max_value=365, help_text="Empty: the client's."
    )
    invoice_grouping = forms.ChoiceField(label="Invoices", choices=InvoiceGrouping.choices)
    tax_code = forms.ModelChoiceField(
        queryset=TaxCode.objects.none(),
        label="Default tax code",
        required=False,
        empty_label="None",
    )
    projects = forms.ModelMultipleChoiceField(
        queryset=Project.objects.none(),
        label="Projects it covers",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        companies: QuerySet[Any],
        clients: QuerySet[Any],
        tax_codes: QuerySet[Any],
        projects: QuerySet[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["tax_code"].queryset = tax_codes  # type: ignore[attr-defined]
        self.fields["projects"].queryset = projects  # type: ignore[attr-defined]
        self.fields["projects"].widget.attrs["class"] = "form-check-input"
        self.fields["projects"].label_from_instance = lambda p: f"{p.code} {p.name} ({p.client.name})"  # type: ignore[attr-defined]
        self.fields["tax_code"].label_from_instance = lambda t: f"{t.code} — {t.name} ({t.company.name})"  # type: ignore[attr-defined]

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()


# The fields each model shows; the view and the template read this, so one place says which belongs where.
LINE_FIELDS: dict[str, tuple[str, ...]] = {
    BillingModel.TIME_AND_MATERIALS: ("cap_kind", "cap"),
    BillingModel.FIXED_FEE: ("price",),
    BillingModel.PROGRESS: ("price", "progress_source", "entered_percent"),
    BillingModel.RETAINER: (
        "frequency",
        "allowance_unit",
        "allowance",
        "fee",
        "rollover",
        "rollover_periods",
        "overage_rate",
        "start_date",
        "end_date",
    ),
    BillingModel.EXPENSES: ("markup_percent",),
}


class BillingLineForm(StyledForm):
    """One form for every model: `model` says which of the fields below are read (LINE_FIELDS)."""

    model = forms.ChoiceField(choices=BillingModel.choices, widget=forms.HiddenInput)
    name = _text("Name", 200, required=True, placeholder="Build and design")
    tax_code = forms.ModelChoiceField(
        queryset=TaxCode.objects.none(),
        label="Tax code",
        required=False,
        empty_label="The contract's",
    )
    cap_kind = forms.ChoiceField(label="Cap", choices=CapKind.choices, required=False)
    cap = _text("Cap (hours or amount)", 40, inputmode="decimal", placeholder="40")
    price = _amount("Price")
    progress_source = forms.ChoiceField(label="% complete", choices=ProgressSource.choices, required=False)
    entered_percent = forms.DecimalField(
        label="Entered % complete", required=False, min_value=0, max_value=100, decimal_places=2
    )
    frequency = forms.ChoiceField(label="Period", choices=RetainerFrequency.choices, required=False)
    allowance_unit = forms.ChoiceField(label="Allowance in", choices=RetainerUnit.choices, required=False)
    allowance = _text("Allowance per period (hours or amount)", 40, inputmode="decimal", placeholder="20")
    fee = _amount("Fee per period")
    rollover = forms.ChoiceField(label="Unused allowance", choices=Rollover.choices, required=False)
    rollover_periods = forms.IntegerField(label="Rolls over for (periods)", required=False, min_value=0, max_value=120)
    overage_rate = forms.DecimalField(
        label="Overage rate (per hour)", required=False, min_value=0, max_digits=12, decimal_places=4
    )
    start_date = _date("First period starts")
    end_date = _date("Last day")
    markup_percent = forms.DecimalField(
        label="Markup (%)", required=False, min_value=0, max_value=1000, decimal_places=2
    )

    def __init__(self, *args: Any, currency: str, tax_codes: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["tax_code"].queryset = tax_codes  # type: ignore[attr-defined]
        self.fields["tax_code"].label_from_instance = lambda t: f"{t.code} — {t.name}"  # type: ignore[attr-defined]
        for name in ("price", "fee"):
            self.fields[name].label = f"{self.fields[name].label} ({currency})"

    def details(self) -> dict[str, Any]:
        """The action's keyword arguments for the chosen model (after is_valid)."""
        data = self.cleaned_data
        model = data["model"]
        shown = LINE_FIELDS[model]
        values: dict[str, Any] = {"tax_code_id": data["tax_code"].pk if data.get("tax_code") else None}
        if "cap_kind" in shown:
            kind = data.get("cap_kind") or CapKind.NONE
            values["cap_kind"] = kind
            if kind == CapKind.MINUTES:
                values["cap_limit"] = self._hours_or_error("cap", "Cap")
            elif kind == CapKind.MONEY:
                values["cap_limit"] = self._money_or_error("cap", "Cap")
        if "price" in shown:
            values["price_minor"] = self._money_or_error("price", "Price")
        if "progress_source" in shown:
            values["progress_source"] = data.get("progress_source") or ProgressSource.PLAN
            if data.get("entered_percent") is not None:
                values["entered_percent"] = data["entered_percent"]
        if model == BillingModel.RETAINER:
            unit = data.get("allowance_unit") or RetainerUnit.MINUTES
            values.update(
                frequency=data.get("frequency") or RetainerFrequency.MONTH,
                allowance_unit=unit,
                allowance=self._hours_or_error("allowance", "Allowance")
                if unit == RetainerUnit.MINUTES
                else self._money_or_error("allowance", "Allowance"),
                fee_minor=self._money_or_error("fee", "Fee", zero=True),
                rollover=data.get("rollover") or Rollover.NONE,
                rollover_periods=data.get("rollover_periods") or 0,
                overage_rate=data.get("overage_rate"),
                start_date=data.get("start_date"),
                end_date=data.get("end_date"),
            )
        if "markup_percent" in shown:
            values["markup_percent"] = data.get("markup_percent") or Decimal(0)
        return values

    def _hours_or_error(self, field: str, label: str) -> int | None:
        try:
            return minutes_of(self.cleaned_data.get(field) or "", label=label)
        except forms.ValidationError as error:
            self.add_error(field, error)
            return None

    def _money_or_error(self, field: str, label: str, *, zero: bool = False) -> int | None:
        try:
            minor = minor_of(self.cleaned_data.get(field) or "", self.currency, label=label)
        except forms.ValidationError as error:
            self.add_error(field, error)
            return None
        if minor <= 0 and not (zero and (self.cleaned_data.get(field) or "").strip()):
            self.add_error(field, f"{label}: give an amount{' (0 is allowed)' if zero else ' above zero'}.")
            return None
        return minor


class InstalmentForm(StyledForm):
    description = _text("Instalment", 200, required=True, placeholder="Design sign-off")
    amount = _amount("Amount", required=True)
    due_date = _date("Due on")
    milestone = forms.ModelChoiceField(
        queryset=Task.objects.none(),
        label="or when this task is finished",
        required=False,
        empty_label="No milestone",
    )

    def __init__(self, *args: Any, currency: str, milestones: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Amount ({currency})"
        self.fields["milestone"].queryset = milestones  # type: ignore[attr-defined]
        self.fields["milestone"].label_from_instance = lambda t: f"{t.project.code} · {t.name}"  # type: ignore[attr-defined]

    def clean_amount(self) -> int:
        minor = minor_of(self.cleaned_data.get("amount") or "", self.currency, label="Amount")
        if minor <= 0:
            raise forms.ValidationError("Give an amount above zero.")
        return minor


class TaxCodeForm(StyledForm):
    company = forms.ModelChoiceField(queryset=Company.objects.none(), label="Company", empty_label=None)
    code = _text("Code", 20, required=True, placeholder="VAT20", size=8)
    name = _text("Name", 100, required=True, placeholder="VAT 20 %")
    kind = forms.ChoiceField(label="Kind", choices=TaxKind.choices)
    rate = forms.DecimalField(label="Rate (%)", min_value=0, max_value=Decimal("99.999"), decimal_places=3)

    def __init__(self, *args: Any, companies: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies  # type: ignore[attr-defined]


def line_form(contract: Contract, *args: Any, **kwargs: Any) -> BillingLineForm:
    codes = TaxCode.objects.filter(company_id=contract.company_id, active=True).order_by("code")
    return BillingLineForm(*args, currency=contract.currency, tax_codes=codes, **kwargs)


def milestones_of(contract: Contract) -> QuerySet[Task]:
    return (
        Task.objects.filter(project__coverage__contract=contract, closed=False)
        .select_related("project")
        .order_by("project__code", "position", "id")
    )


def instalment_form(contract: Contract, *args: Any, **kwargs: Any) -> InstalmentForm:
    return InstalmentForm(*args, currency=contract.currency, milestones=milestones_of(contract), **kwargs)
