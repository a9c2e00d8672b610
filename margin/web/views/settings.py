"""Settings: the tabs, and Time policy (administrators): each company's daily maximum, days ahead and
submit period.

The writes are the accounts actions, which check permission, validate and audit; a refusal shows as a
form error on the form that was sent (422) and changes nothing. The organisation, companies and job roles
are in `settings_firm.py`, people in `settings_people.py`, clients in `settings_clients.py`, approval
delegates in `settings_delegates.py`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.actions import company_time_policy_set
from margin.accounts.models import Company, SubmitPeriod
from margin.accounts.queries import Viewer, companies_locked_through, companies_visible, company_get
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.core.periods import DurationError, format_minutes, parse_duration
from margin.timesheets.actions import effective_max_future_days
from margin.web.access import HtmxRequest, can_approve, can_edit_clients, viewer_view
from margin.web.forms import MAX_ID, TablerForm, add_domain_error
from margin.web.pages import page


def settings_tabs(viewer: Viewer) -> list[tuple[str, str, str]]:
    """The Settings tabs this viewer may open: (key, url name, label)."""
    tabs = []
    if viewer.is_admin:
        tabs += [
            ("organisation", "web:settings_organisation", "Organisation"),
            ("roles", "web:settings_roles", "Job roles"),
            ("skills", "web:settings_skills", "Skills"),
            ("users", "web:settings_users", "Users"),
        ]
    if viewer.is_finance:
        tabs.append(("people", "web:settings_people", "People"))
    if can_edit_clients(viewer):
        tabs.append(("clients", "web:settings_clients", "Clients"))
    if viewer.is_admin:
        tabs.append(("time", "web:settings_time", "Time policy"))
    if can_approve(viewer):
        tabs.append(("delegates", "web:settings_delegates", "Approval delegates"))
    if can_approve(viewer) and (viewer.is_admin or viewer.role == "manager"):
        tabs.append(("webhooks", "web:settings_webhooks", "Webhooks & chat"))
    return tabs


def settings_page(
    request: HtmxRequest, viewer: Viewer, template: str, context: dict[str, Any], *, tab: str, status: int = 200
) -> HttpResponse:
    context = {"settings_tabs": settings_tabs(viewer), "settings_tab": tab, **context}
    return page(request, viewer, template, context, active="settings", status=status)


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only administrators change the time policy.")


def checked_id(value: int) -> int:
    """An id from the URL: larger than a bigint is nothing that exists."""
    if value > MAX_ID:
        raise NotFound("Not found.")
    return value


# --- time policy ---------------------------------------------------------------------------------


class TimePolicyForm(TablerForm):
    max_day = forms.CharField(
        label="Most a person may log a day",
        max_length=16,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "8:00", "inputmode": "decimal"}),
    )
    max_future_days = forms.IntegerField(
        label="Days ahead time may be logged",
        required=False,
        min_value=0,
        max_value=366,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 0, "max": 366}),
    )
    submit_period = forms.ChoiceField(
        label="People submit their time by",
        choices=SubmitPeriod.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean_max_day(self) -> int:
        text: str = self.cleaned_data["max_day"]
        try:
            minutes = parse_duration(text)
        except DurationError:
            raise forms.ValidationError(f"“{text}” is not a duration: write 8:00 or 7.5.") from None
        if minutes == 0:
            raise forms.ValidationError("The daily maximum must be between 0:01 and 24:00 hours.")
        return minutes


def _policy_form(company: Company, data: Any = None) -> TimePolicyForm:
    initial = {
        "max_day": format_minutes(company.max_day_minutes),
        "max_future_days": company.max_future_days,
        "submit_period": company.submit_period,
    }
    return TimePolicyForm(data, initial=initial, auto_id=f"id_c{company.pk}_%s")


def _time_context(viewer: Viewer, posted: tuple[int, TimePolicyForm] | None = None) -> dict[str, Any]:
    companies = list(companies_visible(viewer))
    locks = companies_locked_through({c.pk for c in companies})
    rows = []
    for company in companies:
        form = posted[1] if posted is not None and posted[0] == company.pk else _policy_form(company)
        rows.append(
            {
                "company": company,
                "form": form,
                "days_ahead": effective_max_future_days(company),
                "days_ahead_default": company.max_future_days is None,
                "locked_through": locks.get(company.pk),
            }
        )
    return {"rows": rows, "installation_days_ahead": django_settings.MARGIN["MAX_FUTURE_DAYS"]}


@viewer_view
def time_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    return settings_page(request, viewer, "web/settings/time.html", _time_context(viewer), tab="time")


@require_POST
@viewer_view
def time_policy_save(request: HtmxRequest, viewer: Viewer, company_id: int) -> HttpResponse:
    require_admin(viewer)
    company = company_get(viewer, checked_id(company_id))
    form = _policy_form(company, request.POST)
    if form.is_valid():
        try:
            company_time_policy_set(
                viewer=viewer,
                company=company,
                max_day_minutes=form.cleaned_data["max_day"],
                max_future_days=form.cleaned_data["max_future_days"],
                submit_period=form.cleaned_data["submit_period"],
            )
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            add_domain_error(form, error, {"max_day_minutes": "max_day"})
        else:
            messages.success(request, f"{company.name}'s time policy is saved.")
            return redirect("web:settings_time")
    context = _time_context(viewer, (company.pk, form))
    return settings_page(request, viewer, "web/settings/time.html", context, tab="time", status=422)
