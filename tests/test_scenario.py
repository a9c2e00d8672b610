"""The whole billable-hour story: log → submit → approve → invoice → issue → profitability."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.queries import invoice_lines
from margin.core.models import AuditEntry
from margin.core.periods import week_start
from margin.reporting.queries import project_profitability
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def test_billable_hour_chain(firm: Firm) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    tom, maya = firm.member, firm.manager
    e1 = time_entry_create(viewer=tom, project=firm.project, task=firm.design, work_date=monday, minutes=90)
    e2 = time_entry_create(
        viewer=tom, project=firm.project, task=firm.build, work_date=monday + timedelta(1), minutes=480
    )
    e3 = time_entry_create(
        viewer=tom, project=firm.project, task=firm.build, work_date=monday + timedelta(2), minutes=60, billable=False
    )
    e4 = time_entry_create(viewer=maya, project=firm.project, task=firm.design, work_date=monday, minutes=45)
    assert time_entries_submit(viewer=tom, monday=monday) == 3
    assert time_entries_submit(viewer=maya, monday=monday) == 1

    assert time_entries_approve(viewer=maya, entry_ids=[e1.pk, e2.pk, e3.pk]) == 3
    assert time_entries_approve(viewer=firm.admin, entry_ids=[e4.pk]) == 1
    e2.refresh_from_db()
    assert (e2.bill_rate, e2.bill_amount_minor, e2.cost_amount_minor) == (100, 80000, 32000)

    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=monday + timedelta(days=6))
    lines = list(invoice_lines(invoice))
    assert [(line.description, line.minutes, line.amount_minor) for line in lines] == [
        ("Build — Consultant", 480, 80000),
        ("Design — Consultant", 90, 15000),
        ("Design — Senior Consultant", 45, 11250),
    ]
    assert invoice.total_minor == 106250
    assert TimeEntry.objects.filter(billing__line__invoice=invoice).count() == 3  # not the non-billable one

    figures = project_profitability(firm.project)
    assert (figures.billed_minor, figures.wip_minor) == (0, 106250)

    issued = invoice_issue(viewer=firm.finance, invoice=invoice, issue_date=date(2026, 3, 2))
    assert issued.number == "2026-0001"
    figures = project_profitability(firm.project)
    assert (figures.billed_minor, figures.wip_minor) == (106250, 0)
    assert figures.cost_minor == 6000 + 32000 + 4000 + 4500
    assert figures.margin_minor == 106250 - 46500
    assert AuditEntry.objects.filter(action="invoice.issue", object_id=invoice.pk).exists()
