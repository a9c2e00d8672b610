"""Input validation of the web screens. Forms parse and bound what users type; rules live in actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet
from django.utils import timezone

from margin.accounts.models import Company
from margin.core.periods import DurationError, parse_duration

# Ids are bigints in the database; larger numbers are refused by the form, not by the driver.
MAX_ID = 2**63 - 1


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "placeholder": "Your username", "autocomplete": "username"}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "placeholder": "Your password", "autocomplete": "current-password"}
        )


class TablerForm(forms.Form):
    """Marks the widgets of fields with errors `is-invalid`, as Tabler (Bootstrap) styles them."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class WeekCellForm(forms.Form):
    """One cell of *my week*: a task, a day and the text typed (`1:30`, `1.5`, empty to clear)."""

    task = forms.IntegerField(min_value=1, max_value=MAX_ID)
    date = forms.DateField()
    value = forms.CharField(max_length=32, required=False, strip=True)

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
