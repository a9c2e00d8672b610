"""Settings → Time policy and People (administrators): each company's time policy (daily maximum, days
ahead, submit period) and the people of the viewer's companies (start date, may log time for others).

The writes are the accounts actions, which check permission, validate and audit; a refusal shows as a
form error on the form that was sent (422) and changes nothing. Clients' billing increments are in
`settings_clients.py`, approval delegates in `settings_delegates.py`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from margin.accounts.actions import company_time_policy_set, log_for_others_set, person_start_date_set
from margin.accounts.models import AccessRole, Company, Membership, Person, SubmitPeriod
from margin.accounts.queries import Viewer, companies_visible, company_get, people_visible, person_get
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.core.periods import DurationError, format_minutes, parse_duration
from margin.timesheets.actions import effective_max_future_days
from margin.timesheets.queries import locks_by_company
from margin.web.access import HtmxRequest, can_approve, viewer_view
from margin.web.forms import MAX_ID, TablerForm, add_domain_error
from margin.web.pages import page


def settings_tabs(viewer: Viewer) -> list[tuple[str, str, str]]:
    """The Settings tabs this viewer may open: (key, url name, label)."""
    tabs = []
    if viewer.is_admin:
        tabs += [("time", "web:settings_time", "Time policy"), ("people", "web:settings_people", "People")]
        tabs.append(("users", "web:settings_users", "Users"))
    if viewer.role in (AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER):
        tabs.append(("clients", "web:settings_clients", "Client billing increments"))
    if can_approve(viewer):
        tabs.append(("delegates", "web:settings_delegates", "Approval delegates"))
    return tabs


def settings_page(
    request: HtmxRequest, viewer: Viewer, template: str, context: dict[str, Any], *, tab: str, status: int = 200
) -> HttpResponse:
    context = {"settings_tabs": settings_tabs(viewer), "settings_tab": tab, **context}
    return page(request, viewer, template, context, active="settings", status=status)


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only administrators change the time policy and people's settings.")


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
    locks = locks_by_company({c.pk for c in companies})
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


# --- people --------------------------------------------------------------------------------------


class StartDateForm(TablerForm):
    start_date = forms.DateField(
        label="Start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


class LogForOthersForm(forms.Form):
    allowed = forms.BooleanField(required=False)


def _person_rows(viewer: Viewer, people: list[Person]) -> list[dict[str, Any]]:
    users = [p.user_id for p in people if p.user_id is not None]
    memberships = {
        m.user_id: m for m in Membership.objects.filter(organisation_id=viewer.organisation_id, user_id__in=users)
    }
    rows = []
    for person in people:
        membership = memberships.get(person.user_id) if person.user_id is not None else None
        rows.append(
            {
                "person": person,
                "membership": membership,
                "access": AccessRole(membership.role).label if membership is not None else "",
                "form": StartDateForm(initial={"start_date": person.start_date}, auto_id=f"id_p{person.pk}_%s"),
                "error": "",
            }
        )
    return rows


def _people_context(viewer: Viewer, failed: dict[str, Any] | None = None) -> dict[str, Any]:
    rows = _person_rows(viewer, list(people_visible(viewer).order_by("company__name", "name")))
    if failed is not None:
        rows = [failed if row["person"].pk == failed["person"].pk else row for row in rows]
    return {"rows": rows}


def _person_answer(
    request: HtmxRequest, viewer: Viewer, person: Person, *, done: str = "", form: Any = None, error: str = ""
) -> HttpResponse:
    """After a change of one person: their row (htmx) or the page; a refusal shows in the row (422)."""
    person = person_get(viewer, person.pk)
    (row,) = _person_rows(viewer, [person])
    if form is not None:
        row["form"] = form
    row["error"] = error
    status = 422 if error or (form is not None and form.errors) else 200
    if request.htmx:
        context = {"row": row, "done": done, "viewer": viewer}
        return render(request, "web/settings/people.html#person_row", context, status=status)
    if status == 200:
        messages.success(request, done)
        return redirect("web:settings_people")
    context = _people_context(viewer, row)
    return settings_page(request, viewer, "web/settings/people.html", context, tab="people", status=status)


@viewer_view
def people_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_admin(viewer)
    return settings_page(request, viewer, "web/settings/people.html", _people_context(viewer), tab="people")


@require_POST
@viewer_view
def person_start_date_save(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    require_admin(viewer)
    person = person_get(viewer, checked_id(person_id))
    form = StartDateForm(request.POST, auto_id=f"id_p{person.pk}_%s")
    if not form.is_valid():
        return _person_answer(request, viewer, person, form=form)
    try:
        person_start_date_set(viewer=viewer, person=person, start_date=form.cleaned_data["start_date"])
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        add_domain_error(form, error)
        return _person_answer(request, viewer, person, form=form)
    start = form.cleaned_data["start_date"]
    done = f"{person.name} started on {start:%d %b %Y}." if start else f"{person.name} has no start date."
    return _person_answer(request, viewer, person, done=done)


@require_POST
@viewer_view
def person_log_for_others_save(request: HtmxRequest, viewer: Viewer, person_id: int) -> HttpResponse:
    require_admin(viewer)
    person = person_get(viewer, checked_id(person_id))
    form = LogForOthersForm(request.POST)
    form.is_valid()  # a checkbox: anything but a true value is "no"
    allowed = bool(form.cleaned_data.get("allowed"))
    try:
        log_for_others_set(viewer=viewer, person=person, allowed=allowed)
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        return _person_answer(request, viewer, person, error=error.message)
    done = f"{person.name} {'may' if allowed else 'may no longer'} log time for others."
    return _person_answer(request, viewer, person, done=done)
