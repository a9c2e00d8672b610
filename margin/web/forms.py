"""Input validation of the web screens. Forms parse and bound what users type; rules live in actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from margin.accounts.models import Company
from margin.core.errors import DomainError
from margin.core.periods import DurationError, parse_duration

# Ids are bigints in the database; larger numbers are refused by the form, not by the driver.
MAX_ID = 2**63 - 1


class SignInForm(forms.Form):
    """The password step of signing in; the checks (throttling, the password, the audit row) are
    `accounts.signin.sign_in_password`."""

    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "placeholder": "Your username",
                "autocomplete": "username",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"class": "form-control", "placeholder": "Your password", "autocomplete": "current-password"}
        ),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "placeholder": "123456",
                "autofocus": True,
            }
        ),
    )


class NewPasswordForm(forms.Form):
    """A new password typed twice; the strength rules are the actions' (Django's validators)."""

    password1 = forms.CharField(
        label="New password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="New password again",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned and cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return cleaned


def mark_invalid(field: forms.Field) -> None:
    """Style a field's widget `is-invalid`, as Tabler (Bootstrap) shows an error."""
    field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} is-invalid".strip()


def add_domain_error(form: forms.Form, error: DomainError, fields: Mapping[str, str] | None = None) -> None:
    """An action's refusal as a form error: on the field it names (renamed through `fields`), else the form's."""
    name = (fields or {}).get(error.field or "", error.field or "")
    if name and name in form.fields:
        mark_invalid(form.fields[name])
        form.add_error(name, error.message)
    else:
        form.add_error(None, error.message)


class TablerForm(forms.Form):
    """Marks the widgets of fields with errors `is-invalid`, as Tabler (Bootstrap) styles them."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                mark_invalid(self.fields[name])


class WeekCellForm(forms.Form):
    """One cell of *my week*: a task, a day and the text typed (`1:30`, `1.5`, empty to clear)."""

    task = forms.IntegerField(min_value=1, max_value=MAX_ID)
    date = forms.DateField()
    value = forms.CharField(max_length=32, required=False, strip=True)
    note = forms.CharField(max_length=2000, required=False, strip=True)

    def clean_value(self) -> int:
        text: str = self.cleaned_data["value"]
        try:
            return parse_duration(text)
        except DurationError:
            raise forms.ValidationError(f"“{text}” is not a duration: write 1:30 or 1.5.") from None


class InvoiceDraftForm(TablerForm):
    up_to = forms.DateField(
        label="Time up to",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )


class InvoiceIssueForm(TablerForm):
    issue_date = forms.DateField(
        label="Issue date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    payment_days = forms.IntegerField(
        label="Payment terms (days)",
        min_value=0,
        max_value=365,
        initial=30,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )


class InvoiceRunForm(TablerForm):
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(), empty_label=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    up_to = forms.DateField(
        label="Time up to",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: Any, companies: QuerySet[Company], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"up_to": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["company"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = companies


class DecisionForm(forms.Form):
    """Approve or reject the chosen entries; the choice is limited to what the viewer may decide."""

    entry = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": "Choose at least one entry."})
    reason = forms.CharField(max_length=1000, required=False, strip=True)

    def __init__(self, *args: Any, entry_ids: list[int], reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry = self.fields["entry"]
        assert isinstance(entry, forms.TypedMultipleChoiceField)
        entry.choices = [(i, str(i)) for i in entry_ids]
        entry.error_messages["invalid_choice"] = "Some of the chosen entries are no longer waiting for approval."
        self.reason_required = reason_required

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"]
        if self.reason_required and not reason:
            raise forms.ValidationError("Give a reason so the person knows what to fix.")
        return reason


# --- working calendars -------------------------------------------------------------------------------

WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def country_choices() -> list[tuple[str, str]]:
    """Countries whose public holidays the `holidays` package knows, by name."""
    from holidays.registry import COUNTRIES

    names = {codes[1]: module.replace("_", " ").title() for module, codes in COUNTRIES.items()}
    return [("", "No public holidays"), *sorted(names.items(), key=lambda item: item[1])]


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """The states or regions of a country with holidays of their own ('' = the whole country)."""
    import holidays

    choices: list[tuple[str, str]] = [("", "Whole country")]
    if not country:
        return choices
    try:
        entity = holidays.country_holidays(country)
    except NotImplementedError:
        return choices
    names: dict[str, str] = {}
    for name, code in getattr(entity, "subdivisions_aliases", {}).items():
        names.setdefault(code, name)
    return choices + [(code, f"{code} — {names[code]}" if code in names else code) for code in entity.subdivisions]


class CalendarWeekForm(TablerForm):
    """A calendar's name, weekly hours (one text per weekday), public holidays and parent."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    country = forms.ChoiceField(required=False, widget=forms.Select(attrs={"class": "form-select"}))
    subdivision = forms.ChoiceField(required=False, widget=forms.Select(attrs={"class": "form-select"}))
    parent = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip

    def __init__(self, *args: Any, parents: list[tuple[int, str]], country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = (self.data.get("country") if self.is_bound else country) or ""
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ChoiceField)
        country_field.choices = country_choices()
        sub = self.fields["subdivision"]
        assert isinstance(sub, forms.ChoiceField)
        sub.choices = subdivision_choices(str(country).upper()[:2])
        parent = self.fields["parent"]
        assert isinstance(parent, forms.TypedChoiceField)
        parent.choices = [("", "None (a base calendar)"), *parents]
        for day, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label, max_length=200, required=False,
                widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "day off"}),
            )  # fmt: skip
            self.fields[f"inherit_{day}"] = forms.BooleanField(
                label="inherit", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )

    def week(self) -> dict[str, str | None]:
        """Weekday → its intervals text, or None where the parent decides."""
        return {
            str(day): None if self.cleaned_data.get(f"inherit_{day}") else self.cleaned_data.get(f"day_{day}", "")
            for day in range(7)
        }

    def day_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"day_{day}"], self[f"inherit_{day}"]) for day in range(7)]


class CalendarCreateForm(TablerForm):
    """A new calendar: the organisation's default, a company's or a person's."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    owner = forms.ChoiceField(label="For", widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = owners


class CalendarExceptionForm(TablerForm):
    first = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    last = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    intervals = forms.CharField(
        label="Working hours", max_length=200, required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "none: a day off"}),
    )  # fmt: skip
    name = forms.CharField(
        max_length=200, required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "e.g. Company offsite"}),
    )  # fmt: skip


# --- exchange rates (helper F) ---------------------------------------------------------------------


def _currency_input(placeholder: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={"class": "form-control text-uppercase", "placeholder": placeholder, "maxlength": 3, "size": 4}
    )


class ExchangeRateFilterForm(forms.Form):
    from_currency = forms.CharField(max_length=3, required=False, widget=_currency_input("From"))
    to_currency = forms.CharField(max_length=3, required=False, widget=_currency_input("To"))
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    source = forms.ChoiceField(
        required=False,
        choices=[("", "Any source"), ("manual", "Entered by hand"), ("ecb", "ECB")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class ExchangeRateForm(TablerForm):
    from_currency = forms.CharField(label="From", max_length=3, widget=_currency_input("EUR"))
    to_currency = forms.CharField(label="To", max_length=3, widget=_currency_input("USD"))
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    rate = forms.DecimalField(
        label="Rate",
        max_digits=24,
        decimal_places=12,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal", "placeholder": "1.0523"}),
    )


class EcbFileForm(TablerForm):
    file = forms.FileField(
        label="ECB file",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xml,.csv,.zip"}),
    )
