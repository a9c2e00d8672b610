"""Forms of the billing screens: a contract's ready-to-bill queue (the date, drafting, decisions on held time) and
the review of a draft (write a line up or down, add a manual line or a discount, hold time) and credit notes.

They parse what people type (amounts as `1,234.50`, ids, choices) into minor units and bounded values; every rule
(a reason for a write-down, a discount above the net, a credit above what is left) is the actions', whose refusals
come back on the field they name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from margin.web.forms import MAX_ID
from margin.web.forms_firm import StyledForm
from margin.web.forms_receivables import minor_of

CREDIT_AMOUNT_PREFIX = "credit-amount-"


def last_month_end(today: date | None = None) -> date:
    """The default "up to" of a billing run: the last day of the month before today's."""
    today = today or timezone.localdate()
    return today.replace(day=1) - timedelta(days=1)


class IdsField(forms.Field):
    """Checked boxes sharing a name: a list of ids (each a positive bigint), none when nothing is checked."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, empty_message: str = "Choose at least one entry.", **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        super().__init__(**kwargs)
        self.error_messages["required"] = empty_message

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError("Choose entries from the list.") from None
        if any(not 0 < i <= MAX_ID for i in ids):
            raise forms.ValidationError("Choose entries from the list.")
        return list(dict.fromkeys(ids))


def _amount(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        required=required,
        strip=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "text-end"}),
    )


class _Money(StyledForm):
    """A form whose amounts are in one currency."""

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def _minor(self, name: str, label: str) -> int:
        return minor_of(self.cleaned_data.get(name) or "", self.currency, label=label)


# --- the ready-to-bill queue ---------------------------------------------------------------------------


class ReadyForm(StyledForm):
    """The date a contract's queue runs to (GET)."""

    up_to = forms.DateField(label="Up to", widget=forms.DateInput(attrs={"type": "date"}))


class ContractDraftForm(StyledForm):
    up_to = forms.DateField(label="Up to", widget=forms.HiddenInput)


class OverCapForm(StyledForm):
    """Bill time held over a cap (outside the cap) or write it off, saying why."""

    entry = IdsField(empty_message="Choose the time to decide on.")
    decision = forms.ChoiceField(choices=[("bill", "Bill over the cap"), ("write_off", "Write off")])
    note = forms.CharField(label="Reason", max_length=400, required=False, strip=True)
    up_to = forms.DateField(required=False, widget=forms.HiddenInput)


class ReleaseForm(StyledForm):
    entry = IdsField(empty_message="Choose the held time to release.")
    up_to = forms.DateField(required=False, widget=forms.HiddenInput)


# --- a draft's review ------------------------------------------------------------------------------------


class LineAdjustForm(_Money):
    """Write a line up or down to an amount (net, in the invoice's currency)."""

    amount = _amount("Amount")
    reason = forms.CharField(label="Reason", max_length=400, required=False, strip=True)

    def clean_amount(self) -> int:
        return self._minor("amount", "Amount")


class LineAddForm(_Money):
    """A manual line or a discount (typed positive; a discount is stored negative)."""

    description = forms.CharField(label="Description", max_length=400, strip=True)
    amount = _amount("Amount")
    tax_code = forms.TypedChoiceField(label="Tax", coerce=int, required=False, empty_value=None)
    project = forms.TypedChoiceField(label="Project", coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args: Any,
        tax_codes: list[tuple[int, str]],
        projects: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        tax = self.fields["tax_code"]
        assert isinstance(tax, forms.TypedChoiceField)
        tax.choices = [("", "No tax code"), *tax_codes]
        project = self.fields["project"]
        assert isinstance(project, forms.TypedChoiceField)
        project.choices = [("", "—"), *projects]

    def clean_amount(self) -> int:
        return self._minor("amount", "Amount")


class HoldForm(StyledForm):
    entry = IdsField(empty_message="Choose the time to hold.")
    note = forms.CharField(label="Note", max_length=400, required=False, strip=True)


RETURNS = [("return", "Return the work to unbilled (bill it again later)"), ("write_off", "Write the work off")]


class CreditNoteForm(_Money):
    """Take back lines (each whole, or a part typed beside it) or an amount spread over the lines, saying why."""

    mode = forms.ChoiceField(
        choices=[("lines", "By lines"), ("amount", "By amount")], initial="lines", widget=forms.RadioSelect
    )
    line = IdsField(required=False)
    amount = _amount("Amount before tax", required=False)
    reason = forms.CharField(label="Reason", max_length=2000, required=False, strip=True, widget=forms.Textarea)
    returns = forms.ChoiceField(choices=RETURNS, initial="return", widget=forms.RadioSelect)

    def __init__(self, *args: Any, line_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_ids = line_ids
        self.partials: dict[int, str] = {}
        data: Mapping[str, Any] = self.data if self.is_bound else {}
        for line_id in line_ids:
            text = str(data.get(f"{CREDIT_AMOUNT_PREFIX}{line_id}", "") or "").strip()[:40]
            if text:
                self.partials[line_id] = text

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        mode = cleaned.get("mode")
        if mode == "amount":
            try:
                minor = self._minor("amount", "Amount")
            except forms.ValidationError as error:
                self.add_error("amount", error)
                return cleaned
            if not minor:
                self.add_error("amount", "Type the amount to credit, before tax.")
            cleaned["amount_minor"] = minor
        elif mode == "lines":
            chosen = cleaned.get("line") or []
            if not chosen:
                self.add_error("line", "Choose the lines to credit.")
                return cleaned
            unknown = [i for i in chosen if i not in self.line_ids]
            if unknown:
                self.add_error("line", "Choose lines of this invoice.")
                return cleaned
            parts: dict[int, int | None] = {}
            for line_id in chosen:
                text = self.partials.get(line_id, "")
                try:
                    parts[line_id] = minor_of(text, self.currency, label="Amount") if text else None
                except forms.ValidationError as error:
                    self.add_error("line", error)
                    return cleaned
            cleaned["parts"] = parts
        return cleaned
