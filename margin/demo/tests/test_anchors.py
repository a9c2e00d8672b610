"""A smaller demo firm (two projects, one per company) loaded on awkward days (the clock moved to that day, so
the demo's own anchor is "today" everywhere): coherent whatever the day, and the same firm twice for one day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from margin.accounts.models import Organisation
from margin.billing.models import Invoice
from margin.demo.firm import STEPS, build_demo_firm
from margin.demo.tests.coherence import all_problems
from margin.projects.models import Project
from margin.reporting.queries import profitability
from margin.timesheets.models import TimeEntry

SMALL = ("BLF-WMS", "ALP-MES")


def _load_on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Move Django's clock to noon of `day`: every "today" of the actions is that day."""
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    monkeypatch.setattr(timezone, "now", lambda: noon)


def _fingerprint() -> dict[str, Any]:
    """Everything the demo firm adds up to, without database ids."""
    time = list(
        TimeEntry.objects.values("project__code", "person__user__username", "status", "billable")
        .annotate(n=Count("id"), minutes=Sum("minutes"), bill=Sum("bill_amount_minor"), cost=Sum("cost_amount_minor"))
        .order_by("project__code", "person__user__username", "status", "billable")
    )
    invoices = list(
        Invoice.objects.values_list(
            "company__name", "number", "project__code", "status", "total_minor", "issue_date"
        ).order_by("company__name", "project__code", "period_end", "number")
    )
    figures = [
        (f.code, f.billed_minor, f.wip_minor, f.cost_minor, f.logged_minutes, f.budget_minutes, f.budget_amount_minor)
        for f in profitability(Project.objects.all())
    ]
    plans = sorted(
        Project.objects.values_list("code", "tasks__name", "tasks__start", "tasks__finish", "tasks__percent_complete")
    )
    return {"time": time, "invoices": invoices, "figures": figures, "plans": plans}


# New Year's Day on a Sunday, a leap day, the Monday of the last week of a year (more days: test_plan.py).
@pytest.mark.parametrize("anchor", [date(2023, 1, 1), date(2024, 2, 29), date(2024, 12, 30)], ids=str)
def test_a_firm_built_on_any_day_is_coherent(db: None, monkeypatch: pytest.MonkeyPatch, anchor: date) -> None:
    _load_on(monkeypatch, anchor)
    build_demo_firm(only=SMALL)
    assert set(Project.objects.filter(is_template=False).values_list("code", flat=True)) == set(SMALL)
    assert all_problems(anchor) == []


def test_the_demo_is_never_loaded_as_of_a_day_to_come(db: None) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(CommandError, match="today or an earlier day"):
        call_command("demo", "--anchor", tomorrow.isoformat(), stdout=StringIO())
    assert Organisation.objects.count() == 0


class _Rollback(Exception):
    pass


def test_two_builds_give_the_same_firm(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    anchor = date(2025, 12, 31)  # New Year's Eve
    _load_on(monkeypatch, anchor)
    try:
        with transaction.atomic():
            build_demo_firm(anchor=anchor, only=SMALL)
            first = _fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    assert Organisation.objects.count() == 0
    steps: list[str] = []
    build_demo_firm(anchor=anchor, only=SMALL, progress=steps.append)
    assert _fingerprint() == first
    assert steps == list(STEPS)
    assert all_problems(anchor) == []
