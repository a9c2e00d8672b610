"""The demo firm: what `manage.py demo` builds, that it is deterministic, and that it shows a live firm."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from margin.accounts.models import Company, Membership, Organisation, Person, Role
from margin.accounts.queries import viewer_for
from margin.billing.models import Invoice, InvoiceStatus
from margin.core.models import AuditEntry
from margin.crm.models import Client
from margin.demo.firm import DEMO_PASSWORD, PEOPLE, WEEKS, build_demo_firm, make_plan
from margin.projects.models import Baseline, Project, Task
from margin.rates.costing import planned_costs
from margin.rates.models import BillRate, CostRate
from margin.reporting.earned_value import project_earned_value
from margin.reporting.queries import profitability, profitability_visible
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import approvals_pending


def _run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "companies": Company.objects.count(),
        "clients": Client.objects.count(),
        "people": Person.objects.count(),
        "projects": Project.objects.count(),
        "entries": TimeEntry.objects.count(),
        "invoices": Invoice.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


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
    notes = sorted(TimeEntry.objects.values_list("work_date", "person__user__username", "minutes", "note"))
    return {"time": time, "invoices": invoices, "figures": figures, "notes": notes}


def test_the_plan_logs_working_days_of_the_last_thirteen_weeks() -> None:
    anchor = date(2026, 3, 11)  # a Wednesday
    plan = make_plan(anchor)
    first, last = date(2025, 12, 8), date(2026, 3, 6)
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    for entry in plan.entries:
        assert first <= entry.work_date <= last
        assert entry.work_date.weekday() < 5
        assert entry.minutes % 15 == 0 and entry.minutes > 0
        per_day[(entry.username, entry.work_date)] += entry.minutes
    admin = next(p.username for p in PEOPLE if p.access == "admin")
    for (username, _), minutes in per_day.items():
        assert (2 * 60 <= minutes <= 4 * 60) if username == admin else (5 * 60 <= minutes <= 8 * 60)
    assert {e.week for e in plan.entries} == set(range(WEEKS))
    assert plan.calendar.cutoffs == (date(2025, 12, 31), date(2026, 1, 31))
    assert sum(1 for e in plan.entries if e.reject_reason) == 4
    assert any(not e.billable for e in plan.entries)
    assert make_plan(anchor) == plan


def test_the_command_builds_a_live_firm(db: None) -> None:
    output = _run()
    assert "ada" in output and "maya" in output and DEMO_PASSWORD in output
    counts = _counts()
    assert {k: counts[k] for k in ("organisations", "companies", "clients", "people", "projects")} == {
        "organisations": 1,
        "companies": 2,
        "clients": 8,
        "people": 25,
        "projects": 12,
    }
    assert sorted(Company.objects.values_list("base_currency", "country")) == [("EUR", "DE"), ("USD", "US")]
    assert all(c.tax_id and c.address for c in Company.objects.all())
    assert all(c.billing_address for c in Client.objects.all())
    assert Role.objects.count() >= 6
    roles = Counter(Membership.objects.values_list("role", flat=True))
    assert roles["admin"] == 1 and 1 <= roles["finance"] <= 2 and 4 <= roles["manager"] <= 5
    assert roles["member"] == 25 - roles["admin"] - roles["finance"] - roles["manager"]
    assert set(Project.objects.values_list("status", flat=True)) >= {"active", "closed", "planned"}

    # Every person signs in with the shared demo password, username = first name.
    assert authenticate(username="maya", password=DEMO_PASSWORD) is not None
    assert User.objects.filter(person__isnull=False).count() == 25
    # Time policies in use: everyone has a start date before their first entry; one may log for others.
    assert not Person.objects.filter(start_date__isnull=True).exists()
    first_entry = TimeEntry.objects.order_by("work_date").values_list("work_date", flat=True).first()
    assert first_entry is not None and Person.objects.filter(start_date__gt=first_entry).count() == 0
    assert list(Membership.objects.filter(can_log_for_others=True).values_list("user__username", flat=True)) == ["nora"]

    # A WBS: summary tasks with subtasks and planned dates; time only on leaf tasks.
    assert Task.objects.filter(parent__isnull=True, children__isnull=False).distinct().count() >= 12
    assert not Task.objects.filter(planned_start__isnull=True).exists()
    assert not TimeEntry.objects.filter(task__children__isnull=False).exists()
    # Dated rates: a mid-period cost raise for some, a rate increase and personal rates on rate cards.
    assert CostRate.objects.values("person").annotate(n=Count("id")).filter(n=2).count() >= 3
    assert BillRate.objects.filter(person__isnull=False).count() >= 2
    assert BillRate.objects.values("rate_card", "role").annotate(n=Count("id")).filter(n=2).exists()

    # Time in every state, ending last week; the rejected entries carry a reason.
    this_monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    statuses = Counter(TimeEntry.objects.values_list("status", flat=True))
    assert set(statuses) == set(EntryStatus.values)
    assert statuses[EntryStatus.APPROVED] > 2000
    assert not TimeEntry.objects.filter(status=EntryStatus.REJECTED, rejection_reason="").exists()
    assert TimeEntry.objects.filter(billable=False).exists()
    newest = TimeEntry.objects.order_by("-work_date").first()
    assert newest is not None and this_monday - timedelta(days=7) <= newest.work_date < this_monday
    assert (
        not TimeEntry.objects.filter(work_date__gte=this_monday - timedelta(days=7))
        .exclude(status__in=[EntryStatus.DRAFT, EntryStatus.SUBMITTED])
        .exists()
    )

    # Two months invoiced and issued with gapless numbers per company and year; one draft pending.
    issued = Invoice.objects.filter(status=InvoiceStatus.ISSUED)
    assert issued.count() >= 10
    assert Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() == 1
    numbers: dict[tuple[int, str], list[int]] = defaultdict(list)
    for company_id, number in issued.values_list("company_id", "number"):
        year, sequence = number.split("-")
        numbers[(company_id, year)].append(int(sequence))
    assert all(sorted(seq) == list(range(1, len(seq) + 1)) for seq in numbers.values())

    # The demo manager sees a live firm: profitable projects with billed revenue, time to approve.
    maya = viewer_for(User.objects.get(username="maya"))
    figures = profitability_visible(maya)
    assert figures and any(f.billed_minor > 0 and f.wip_minor > 0 and f.margin_minor > 0 for f in figures)
    assert approvals_pending(maya).exists()
    billed = sum(f.billed_minor for f in profitability(Project.objects.all()))
    assert billed == issued.aggregate(total=Sum("total_minor"))["total"]

    # Every project has a costed baseline, and earned value has money: PV, EV and AC are not zero.
    for project in Project.objects.all():
        baseline = Baseline.objects.get(project=project, index=0)
        assert baseline.cost_minor > 0 and planned_costs(project).unvalued == {}
    for project in Project.objects.filter(status="active"):
        ev = project_earned_value(project, baseline_index=0, status_date=timezone.localdate()).project
        assert ev.pv > 0 and ev.ev > 0 and ev.ac > 0 and ev.cpi is not None and ev.spi is not None

    # --if-empty leaves a loaded database alone; without it the command refuses.
    assert "no demo firm loaded" in _run("--if-empty")
    with pytest.raises(CommandError):
        _run()
    assert _counts() == counts
    assert "maya" in _run("--print-logins")


def test_print_logins_on_an_empty_database(db: None) -> None:
    assert "No demo firm" in _run("--print-logins")
    assert Organisation.objects.count() == 0


class _Rollback(Exception):
    pass


def test_two_builds_give_the_same_firm(db: None) -> None:
    anchor = timezone.localdate()
    try:
        with transaction.atomic():
            build_demo_firm(anchor=anchor)
            first = _fingerprint()
            raise _Rollback
    except _Rollback:
        pass
    assert Organisation.objects.count() == 0
    steps: list[str] = []
    build_demo_firm(anchor=anchor, progress=steps.append)
    assert _fingerprint() == first
    assert len(steps) == 7
