"""Forms of the set-up screens: the organisation, companies, job roles, people, cost rates, clients and contacts.

They parse what people type (hours, dates, choices) and bound its length; every rule (IBAN check digits, number
formats, duplicates, who may) is the actions'. A refusal comes back through `web.forms.add_domain_error` on the
field it names: the form fields are named as the actions' arguments for that reason.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from margin.core.errors import DomainError
from margin.core.periods import DurationError, format_minutes, parse_duration
from margin.crm.models import MAX_BILLING_INCREMENT, MAX_PAYMENT_TERMS_DAYS, BillingRounding
from margin.web.forms import TablerForm, add_domain_error

MONTHS = [(number, calendar.month_name[number]) for number in range(1, 13)]


class StyledForm(TablerForm):
    """Gives each widget Tabler's class (form-control, form-select, form-check-input) so forms declare less,
    and remembers the status of an action's refusal (409 for a duplicate, 422 for bad input)."""

    refusal_status = 422

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


def refuse(form: StyledForm, error: DomainError, fields: Mapping[str, str] | None = None) -> None:
    """An action's refusal on the form, whose answer then carries the refusal's status."""
    add_domain_error(form, error, fields)
    form.refusal_status = error.status


def _text(label: str, max_length: int, *, required: bool = False, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=forms.TextInput(attrs=attrs), strip=True
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class OrganisationForm(StyledForm):
    name = _text("Name of the firm", 200, required=True)


class CompanyForm(StyledForm):
    name = _text("Name", 200, required=True, placeholder="Acme Germany")
    legal_name = _text("Legal name", 200, placeholder="Acme Deutschland GmbH")
    base_currency = _text("Base currency", 3, required=True, placeholder="EUR", size=4)
    tax_id = _text("Tax id", 64, placeholder="DE123456789")
    email = _text("Billing e-mail", 254, placeholder="billing@acme.example")
    address = forms.CharField(label="Address", max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    country = _text("Country", 2, placeholder="DE", size=3)
    invoice_number_format = _text("Invoice number format", 64, required=True, placeholder="INV-{YYYY}-{NNNN}")
    bank_name = _text("Bank", 200)
    iban = _text("IBAN", 64, placeholder="DE89 3704 0044 0532 0130 00", autocomplete="off")
    bic = _text("BIC", 32, placeholder="COBADEFFXXX", autocomplete="off")
    fiscal_year_start_month = forms.TypedChoiceField(label="Fiscal year starts in", choices=MONTHS, coerce=int)

    def clean_base_currency(self) -> str:
        return str(self.cleaned_data["base_currency"]).upper()

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


class RoleForm(StyledForm):
    name = _text("Name", 100, required=True, placeholder="Senior Consultant")


class PoolForm(StyledForm):
    """A resource pool: a task can ask for "a consultant" (some of the pool's units) before anyone is chosen."""

    name = _text("Name", 200, required=True, placeholder="Consultants")
    role_id = forms.TypedChoiceField(label="Job role", coerce=int, required=False, empty_value=None)
    max_units = forms.IntegerField(
        label="Capacity (%)", min_value=1, max_value=100_000, initial=100, widget=forms.NumberInput(attrs={"step": 50})
    )

    def __init__(self, *args: Any, roles: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "None (a team or equipment)"), *roles]


def _hours_field(label: str) -> forms.CharField:
    return _text(label, 16, required=True, inputmode="decimal", placeholder="40:00")


def parse_hours(text: str) -> int:
    try:
        return parse_duration(text)
    except DurationError:
        raise forms.ValidationError(f"“{text}” is not a number of hours: write 40, 37.5 or 37:30.") from None


class PersonForm(StyledForm):
    """A person's details. Company, role and user are ids chosen from what the viewer may see."""

    name = _text("Name", 200, required=True)
    email = _text("E-mail", 254, required=True, type="email")
    company = forms.TypedChoiceField(label="Company", coerce=int)
    role = forms.TypedChoiceField(label="Job role", coerce=int)
    weekly_capacity = _hours_field("Hours a week")
    start_date = _date("Start date")
    end_date = _date("Last day")
    active = forms.BooleanField(label="Active", required=False, initial=True)
    user = forms.TypedChoiceField(label="Signs in as", coerce=int, required=False, empty_value=None)
    manager = forms.TypedChoiceField(
        label="Line manager",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Approves their time off and confirms their skills; without one, an administrator does.",
    )

    def __init__(
        self,
        *args: Any,
        companies: list[tuple[int, str]],
        roles: list[tuple[int, str]],
        users: list[tuple[int, str]],
        managers: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("company", companies)
        self._choices("role", roles)
        self._choices("user", [("", "Does not sign in"), *users])
        if managers is None:
            del self.fields["manager"]
        else:
            self._choices("manager", [("", "None"), *managers])

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices

    def clean_weekly_capacity(self) -> int:
        return parse_hours(self.cleaned_data["weekly_capacity"])

    @staticmethod
    def initial_of(person: Any) -> dict[str, Any]:
        return {
            "name": person.name,
            "email": person.email,
            "company": person.company_id,
            "role": person.role_id,
            "weekly_capacity": format_minutes(person.weekly_capacity_minutes) or "0:00",
            "start_date": person.start_date,
            "end_date": person.end_date,
            "active": person.active,
            "user": person.user_id,
            "manager": person.manager_id,
        }


class CostRateForm(StyledForm):
    valid_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    hourly_cost = forms.DecimalField(
        label="Cost an hour",
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "62.50"}),
    )


class ClientForm(StyledForm):
    name = _text("Name", 200, required=True)
    currency = _text("Currency", 3, required=True, placeholder="EUR", size=4)
    tax_id = _text("Tax id", 64, placeholder="DE123456789")
    billing_email = _text("Billing e-mail", 254, placeholder="ap@client.example")
    billing_address = forms.CharField(label="Billing address", max_length=2000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    country = _text("Country", 2, placeholder="DE", size=3)
    payment_terms_days = forms.IntegerField(label="Payment terms (days)", min_value=0,
                                            max_value=MAX_PAYMENT_TERMS_DAYS, initial=30)  # fmt: skip
    billing_increment_minutes = forms.IntegerField(label="Billing increment (minutes)", min_value=0,
                                                   max_value=MAX_BILLING_INCREMENT, initial=0)  # fmt: skip
    billing_rounding = forms.ChoiceField(label="Rounding", choices=BillingRounding.choices)
    active = forms.BooleanField(label="Active", required=False, initial=True)

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).upper()

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


class ContactForm(StyledForm):
    name = _text("Name", 200, required=True)
    role = _text("Role", 100, placeholder="CFO")
    email = _text("E-mail", 254, type="email")
    phone = _text("Phone", 40, type="tel", placeholder="+49 30 1234567")
    primary = forms.BooleanField(label="Primary contact", required=False)
    billing = forms.BooleanField(label="Receives invoices", required=False)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True,
                        widget=forms.TextInput(attrs={"class": "form-control", "type": "search",
                                                      "placeholder": "Search…", "aria-label": "Search"}))  # fmt: skip
    show = forms.ChoiceField(required=False, choices=[("active", "Active"), ("inactive", "Inactive"), ("all", "All")],
                             widget=forms.Select(attrs={"class": "form-select", "aria-label": "Show"}))  # fmt: skip

    def active(self) -> bool | None:
        show = (self.cleaned_data.get("show") or "active") if self.is_valid() else "active"
        return {"active": True, "inactive": False}.get(show)

    def text(self) -> str:
        return str(self.cleaned_data.get("q") or "") if self.is_valid() else ""
