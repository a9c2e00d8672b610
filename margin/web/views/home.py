"""Home: the parts of `reporting.homes.home_of` that fit the viewer, and their charts.

The view only turns the read model into the page and into Chart.js data (passed with `json_script`, drawn by
static/web/charts.js): one dataset per currency, so a bar never adds two currencies.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from margin.accounts.queries import Viewer, organisation_of
from margin.core.money import Money
from margin.projects.queries import can_create_projects
from margin.reporting.health import ProjectHealth
from margin.reporting.homes import Home, SetupStep, home_of
from margin.reporting.invoicing import Bucket, Invoicing
from margin.reporting.queries import ProjectFigures
from margin.reporting.work import MyWork
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

# Tabler's blue, purple, teal, orange: one per currency or series.
COLOURS = ["#066fd1", "#ae3ec9", "#0ca678", "#f76707"]
NEGATIVE = "#d63939"
MUTED = "#9aa0ac"


def _money(minor: int, currency: str) -> float:
    return float(Money.from_minor(minor, currency).amount)


def margin_chart(figures: list[ProjectFigures]) -> dict[str, Any]:
    """Margin by project, one dataset per currency."""
    currencies = sorted({f.currency for f in figures})
    datasets = []
    for index, currency in enumerate(currencies):
        values = [float(f.margin.amount) if f.currency == currency else None for f in figures]
        colour = COLOURS[index % len(COLOURS)]
        datasets.append(
            {
                "label": f"Margin ({currency})",
                "unit": currency,
                "data": values,
                "backgroundColor": [NEGATIVE if (v or 0) < 0 else colour for v in values],
                "grouped": False,
            }
        )
    return {"kind": "bar", "data": {"labels": [f.code for f in figures], "datasets": datasets}}


def week_chart(work: MyWork) -> dict[str, Any]:
    """Hours logged each day of this week against the day's capacity."""
    logged = [round(d.minutes / 60, 2) for d in work.days]
    return {
        "kind": "bar",
        "data": {
            "labels": [d.day.strftime("%a %-d") for d in work.days],
            "datasets": [
                {
                    "label": "Logged",
                    "unit": "h",
                    "data": logged,
                    "backgroundColor": [NEGATIVE if d.over else COLOURS[0] for d in work.days],
                    "pointStyle": "rectRounded",
                    "order": 2,
                },
                {
                    "type": "line",
                    "label": "Capacity",
                    "unit": "h",
                    "data": [round(d.capacity / 60, 2) for d in work.days],
                    "borderColor": MUTED,
                    "backgroundColor": MUTED,
                    "borderDash": [4, 4],
                    "pointRadius": 0,
                    "pointStyle": "line",
                    "stepped": "middle",
                    "order": 1,
                },
            ],
        },
    }


def burn_chart(projects: list[ProjectHealth]) -> dict[str, Any]:
    """Hours and money burn of each project, in percent of its budgets (no budget: no bar)."""

    def pct(value: Any) -> float | None:
        return None if value is None else float(value)

    hours = [pct(p.figures.hours_burn_pct) for p in projects]
    money = [pct(p.figures.money_burn_pct) for p in projects]
    return {
        "kind": "hbar",
        "data": {
            "labels": [p.figures.code for p in projects],
            "datasets": [
                {
                    "label": "Hours burn",
                    "unit": "%",
                    "data": hours,
                    "backgroundColor": [NEGATIVE if (v or 0) > 100 else COLOURS[0] for v in hours],
                },
                {
                    "label": "Money burn",
                    "unit": "%",
                    "data": money,
                    "backgroundColor": [NEGATIVE if (v or 0) > 100 else COLOURS[1] for v in money],
                },
            ],
        },
    }


def ages_chart(buckets: list[Bucket], currencies: list[str]) -> dict[str, Any]:
    """Amounts by age, one dataset per currency."""
    datasets = [
        {
            "label": currency,
            "unit": currency,
            "data": [_money(b.by_currency.get(currency, 0), currency) for b in buckets],
            "backgroundColor": COLOURS[index % len(COLOURS)],
        }
        for index, currency in enumerate(currencies)
    ]
    return {"kind": "bar", "data": {"labels": [b.label for b in buckets], "datasets": datasets}}


def charts_of(home: Home) -> dict[str, dict[str, Any]]:
    """The charts of the parts shown (a part without data has no chart)."""
    charts: dict[str, dict[str, Any]] = {}
    if home.firm is not None and home.firm.figures:
        charts["margin"] = margin_chart(home.firm.figures)
    if home.work is not None:
        charts["week"] = week_chart(home.work)
    if home.projects:
        charts["burn"] = burn_chart(home.projects)
    invoicing: Invoicing | None = home.invoicing
    if invoicing is not None and invoicing.currencies:
        if any(b.by_currency for b in invoicing.unbilled_ages):
            charts["unbilled"] = ages_chart(invoicing.unbilled_ages, invoicing.currencies)
        if any(b.by_currency for b in invoicing.issued_ages):
            charts["issued"] = ages_chart(invoicing.issued_ages, invoicing.currencies)
    return charts


# Each set-up step in words, and the screen where it is done.
STEPS = {
    "company": (
        "Create the company",
        "Its base currency, invoice number format and bank account.",
        "web:settings_company_new",
    ),
    "roles": ("Add job roles", "What people do (Consultant, Designer…); rate cards price them.", "web:settings_roles"),
    "people": (
        "Add people and their cost rates",
        "Who works for the firm (company, job role, hours a week) and what an hour of theirs costs.",
        "web:settings_people",
    ),
    "me": (
        "Link yourself to your person",
        "If you work on projects too: open your person and choose the user they sign in as.",
        "web:settings_people",
    ),
    "users": (
        "Invite your team",
        "Each gets an e-mail to choose a password, with the access you give.",
        "web:settings_users",
    ),
    "client": (
        "Add a client",
        "Billing address, payment terms and the contact who receives invoices.",
        "web:settings_client_new",
    ),
    "project": (
        "Start the first project",
        "Blank or from a template, with its members and rate card; then log time and invoice it.",
        "web:project_new",
    ),
}


def setup_steps(steps: list[SetupStep]) -> list[dict[str, Any]]:
    """The checklist: each step's words and link; the first needed step not done yet is the next one."""
    next_key = next((s.key for s in steps if s.needed and not s.done), None)
    rows = []
    for number, step in enumerate(steps, start=1):
        title, hint, url = STEPS[step.key]
        rows.append(
            {
                "number": number,
                "key": step.key,
                "title": title,
                "hint": hint,
                "url": reverse(url),
                "done": step.done,
                "needed": step.needed,
                "next": step.key == next_key,
            }
        )
    return rows


@viewer_view
def home(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    content = home_of(viewer, timezone.localdate())
    context = {
        "home": content,
        "charts": charts_of(content),
        "setup": setup_steps(content.setup) if content.setup else [],
        "organisation": organisation_of(viewer) if content.setup else None,
        "can_create_projects": can_create_projects(viewer),
    }
    return page(request, viewer, "web/home/home.html", context, active="home")
