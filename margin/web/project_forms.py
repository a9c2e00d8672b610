"""Forms of the project screens: the New project details, a rate card's rows, members, filters of the list.

They parse and bound what people type and offer the choices the viewer may make; every rule (a manager of the
project's company, one rate per role and date, a working start day…) is the actions'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from margin.accounts.models import Company, Person, Role
from margin.core.money import Money, minor_units
from margin.crm.models import Client
from margin.projects.models import ProjectStatus
from margin.web.forms import MAX_ID, TablerForm

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
MAX_BUDGET_HOURS = Decimal(10_000_000)


def _select(field: forms.Field, choices: list[tuple[Any, str]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ProjectDetailsForm(TablerForm):
    """What the New project flow asks: who the project is for and by whom, when, and its budgets."""

    code = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"class": "form-control", "autofocus": True}))
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    company = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    client = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    manager = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    status = forms.ChoiceField(choices=ProjectStatus.choices, widget=forms.Select(attrs={"class": "form-select"}))
    start_date = forms.DateField(label="Start", required=False, widget=DATE)
    end_date = forms.DateField(label="End", required=False, widget=DATE)
    budget_hours = forms.DecimalField(
        label="Budget (hours)", required=False, min_value=0, max_value=MAX_BUDGET_HOURS, decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.25", "min": 0}),
    )  # fmt: skip
    budget_amount = forms.DecimalField(
        label="Budget (money)", required=False, min_value=0, max_digits=16, decimal_places=3,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": 0}),
    )  # fmt: skip
    members = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    move_to_working_day = forms.BooleanField(
        label="If the start is not a working day, start on the next working day",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self,
        *args: Any,
        companies: QuerySet[Company],
        clients: QuerySet[Client],
        people: QuerySet[Person],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.companies = {c.pk: c for c in companies}
        _select(self.fields["company"], [(c.pk, f"{c.name} ({c.base_currency})") for c in self.companies.values()])
        _select(self.fields["client"], [(c.pk, c.name) for c in clients])
        everyone = [(p.pk, f"{p.name} — {p.company.name}") for p in people]
        _select(self.fields["manager"], everyone)
        _select(self.fields["members"], everyone)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        company = self.companies.get(data.get("company") or 0)
        clean_budgets(self, data, company.base_currency if company is not None else None)
        return data


def clean_budgets(form: forms.Form, data: dict[str, Any], currency: str | None) -> None:
    """Hours → ``budget_minutes``; an amount in the project's currency → ``budget_amount_minor``."""
    hours = data.get("budget_hours")
    data["budget_minutes"] = int((hours * 60).to_integral_value()) if hours is not None else 0
    amount = data.get("budget_amount")
    data["budget_amount_minor"] = 0
    if amount is None or currency is None:
        return
    places = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        form.add_error("budget_amount", f"{currency} amounts have {places} decimals at most.")
    else:
        data["budget_amount_minor"] = Money(amount, currency).to_minor()


def budget_initial(minutes: int, amount_minor: int, currency: str) -> dict[str, Decimal | None]:
    """A project's budgets as the form shows them."""
    return {
        "budget_hours": (Decimal(minutes) / 60).quantize(Decimal("0.01")) if minutes else None,
        "budget_amount": Money.from_minor(amount_minor, currency).amount if amount_minor else None,
    }


class RateRowForm(forms.Form):
    """One row of a rate card: a role (or one person's override), the day it applies from, the hourly rate."""

    who = forms.ChoiceField(label="Role or person", widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    valid_from = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
    )
    hourly_rate = forms.DecimalField(
        label="Per hour", min_value=0, max_value=Decimal(999_999), decimal_places=4,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm text-end", "step": "0.01", "min": 0}),
    )  # fmt: skip

    def __init__(self, *args: Any, who: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["who"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *who]


class BaseRateFormSet(forms.BaseFormSet[RateRowForm]):
    def __init__(self, *args: Any, who: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any) -> None:
        self.who = who
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "who": self.who}


RateFormSet = forms.formset_factory(
    RateRowForm, formset=BaseRateFormSet, extra=1, can_delete=True, max_num=500, absolute_max=500, validate_max=True
)


def who_choices(roles: QuerySet[Role], people: QuerySet[Person]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rows a rate card may have: a rate per role, an override per person."""
    return [
        ("Roles", [(f"role:{r.pk}", r.name) for r in roles]),
        ("Personal overrides", [(f"person:{p.pk}", p.name) for p in people]),
    ]


def parse_who(value: str) -> tuple[str, int]:
    """`role:12` → ("role", 12); the choice field has checked the value is one offered."""
    kind, _, pk = value.partition(":")
    return kind, int(pk)


class ProjectEditForm(TablerForm):
    """A project's own details on its Settings tab (its company and client stay what they were)."""

    code = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"class": "form-control"}))
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    manager = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    status = forms.ChoiceField(choices=ProjectStatus.choices, widget=forms.Select(attrs={"class": "form-select"}))
    start_date = forms.DateField(label="Start", required=False, widget=DATE)
    end_date = forms.DateField(label="End", required=False, widget=DATE)
    budget_hours = ProjectDetailsForm.base_fields["budget_hours"]
    budget_amount = ProjectDetailsForm.base_fields["budget_amount"]
    notes_required = forms.BooleanField(
        label="Every time entry needs a note", required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )  # fmt: skip

    def __init__(self, *args: Any, people: QuerySet[Person], currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        _select(self.fields["manager"], [(p.pk, f"{p.name} — {p.company.name}") for p in people])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_budgets(self, data, self.currency)
        return data


class TemplateSaveForm(TablerForm):
    code = forms.CharField(max_length=32, widget=forms.TextInput(attrs={"class": "form-control"}))
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))


class MemberAddForm(TablerForm):
    person = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _select(self.fields["person"], [(p.pk, f"{p.name} — {p.company.name}") for p in people])


SORTS = {
    "code": "code",
    "name": "name",
    "client": "client__name",
    "manager": "manager__name",
    "start": "start_date",
    "end": "end_date",
    "status": "status",
}


class ProjectFilterForm(forms.Form):
    """The Projects list's filters (GET): what to show and in which order."""

    q = forms.CharField(
        required=False, max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "Code or name", "type": "search"}),
    )  # fmt: skip
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Projects"), ("templates", "Templates"), ("archived", "Archived")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ProjectStatus.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    client = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip
    company = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                     widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip
    manager = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                     widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip
    mine = forms.BooleanField(
        required=False, label="Only mine", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORTS] + [(f"-{k}", k) for k in SORTS], widget=forms.HiddenInput
    )

    def __init__(
        self, *args: Any, clients: QuerySet[Client], companies: QuerySet[Company], managers: QuerySet[Person], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        _select(self.fields["client"], [("", "Any client"), *((c.pk, c.name) for c in clients)])
        _select(self.fields["company"], [("", "Any company"), *((c.pk, c.name) for c in companies)])
        _select(self.fields["manager"], [("", "Any manager"), *((p.pk, p.name) for p in managers)])


def positive_id(value: object) -> int | None:
    """An id from a query string, or None when it is not one."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None
