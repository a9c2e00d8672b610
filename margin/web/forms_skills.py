"""Forms of the skills screens: the taxonomy, a person's level in a skill, a certification.

They parse what people type (choices, whole numbers, dates) and bound its length; every rule (levels 1–5, years,
duplicates, expiry after obtained, who may) is the actions' (:mod:`margin.resourcing.actions.skills`), whose
refusals come back on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms

from margin.resourcing.models import Skill, SkillCategory
from margin.resourcing.queries import LEVELS
from margin.web.forms import MAX_ID
from margin.web.forms_firm import StyledForm

LEVEL_CHOICES = [(level, f"{level} — {meaning}") for level, meaning in LEVELS.items()]
# "3 · Competent": the level's name alone, where a select has little room (the search).
LEVEL_NAMES = [(level, f"{level} · {meaning.split(':')[0]}") for level, meaning in LEVELS.items()]


def _name(placeholder: str) -> forms.CharField:
    return forms.CharField(
        label="Name", max_length=100, strip=True, widget=forms.TextInput(attrs={"placeholder": placeholder})
    )


class CategoryForm(StyledForm):
    name = _name("Technology")


class SkillForm(StyledForm):
    """A new skill, or a skill renamed or moved to another category."""

    category = forms.TypedChoiceField(label="Category", coerce=int)
    name = _name("Python")
    description = forms.CharField(
        label="Description",
        max_length=1000,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "What it covers"}),
    )

    def __init__(self, *args: Any, categories: list[SkillCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]  # type: ignore[attr-defined]


class LevelField(forms.TypedChoiceField):
    """A level 1–5 picked from radio buttons; a value typed outside them is the action's message, not Django's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Level", coerce=int, choices=LEVEL_CHOICES, widget=forms.RadioSelect, required=False, **kwargs
        )

    def valid_value(self, value: Any) -> bool:
        return True  # the action says "A skill level is 1 (novice) to 5 (expert)."

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value if value not in ("", None) else None


class PersonSkillForm(StyledForm):
    """A person's level and years in a skill (a skill they hold already is changed)."""

    skill = forms.TypedChoiceField(label="Skill", coerce=int)
    level = LevelField()
    years = forms.IntegerField(
        label="Years of practice",
        required=False,
        min_value=-MAX_ID,
        max_value=MAX_ID,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "0"}),
    )

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", "Choose a skill…"), *skill_groups(skills)]  # type: ignore[attr-defined]
        self.fields["level"].widget.attrs["class"] = "btn-check"

    def clean_level(self) -> Any:
        level = self.cleaned_data.get("level")
        if level is None:
            raise forms.ValidationError("A skill level is 1 (novice) to 5 (expert).")
        return level


def skill_groups(skills: list[Skill]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Skills as choices grouped by category (the skills come ordered by category)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for skill in skills:
        groups.setdefault(skill.category.name, []).append((skill.pk, skill.name))
    return list(groups.items())


class CertificationForm(StyledForm):
    name = forms.CharField(
        label="Certification",
        max_length=200,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "AWS Solutions Architect – Associate"}),
    )
    issuer = forms.CharField(label="Issued by", max_length=200, required=False, strip=True)
    reference = forms.CharField(label="Reference", max_length=100, required=False, strip=True)
    obtained_on = forms.DateField(label="Obtained on", widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label="Expires on", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    skill = forms.TypedChoiceField(label="Evidence of skill", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, skills: list[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", "—"), *[(s.pk, s.name) for s in skills]]  # type: ignore[attr-defined]


class RenewForm(StyledForm):
    """A certification renewed: its new expiry."""

    expires_on = forms.DateField(label="New expiry", widget=forms.DateInput(attrs={"type": "date"}))
