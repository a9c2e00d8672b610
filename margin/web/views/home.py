"""Home: the projects the viewer can see, with margin and budget burn, and the firm's totals."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from margin.accounts.queries import Viewer
from margin.reporting.queries import ProjectFigures, profitability_visible, totals_by_currency
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

# Bar colours of the chart, one per currency (Tabler's blue, purple, teal, orange).
_CURRENCY_COLOURS = ["#066fd1", "#ae3ec9", "#0ca678", "#f76707"]
_NEGATIVE = "#d63939"


def margin_chart(figures: list[ProjectFigures]) -> dict[str, Any]:
    """Chart.js data: one dataset per currency so the axis never mixes two currencies in one bar."""
    currencies = sorted({f.currency for f in figures})
    datasets = []
    for index, currency in enumerate(currencies):
        colour = _CURRENCY_COLOURS[index % len(_CURRENCY_COLOURS)]
        values = [float(f.margin.amount) if f.currency == currency else None for f in figures]
        datasets.append(
            {
                "label": f"Margin ({currency})",
                "data": values,
                "backgroundColor": [_NEGATIVE if (v or 0) < 0 else colour for v in values],
                "borderRadius": 4,
                "grouped": False,
                "maxBarThickness": 36,
            }
        )
    return {"labels": [f.code for f in figures], "datasets": datasets}


@viewer_view
def home(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    figures = profitability_visible(viewer)
    logged = sum(f.logged_minutes for f in figures)
    budget = sum(f.budget_minutes for f in figures if f.budget_minutes)
    context = {
        "figures": figures,
        "totals": totals_by_currency(figures),
        "logged_minutes": logged,
        "approved_minutes": sum(f.approved_minutes for f in figures),
        "budget_minutes": budget,
        "over_budget": [f for f in figures if (f.hours_burn_pct or 0) > 100 or (f.money_burn_pct or 0) > 100],
        "chart": margin_chart(figures),
    }
    return page(request, viewer, "web/home/home.html", context, active="home")
