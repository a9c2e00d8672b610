"""A fixed-price contract billed in three instalments while the work runs over four months (June to September
2026): the issue's story, shared by the revenue tests, the API test and the browser test.

$30,000.00 for project FIX-1; Tom (cost $40/h) works 80 h in June, July and August and 60 h in September, 300 h
and $12,000.00 in all, the estimate at completion. Instalments of $9,000 (due 30 June), $9,000 (31 August) and
$12,000 (30 September) are invoiced on their due days. Cost to cost, revenue to date is $8,000, $16,000,
$24,000 and $30,000 at the four month ends; billed to date $9,000, $9,000, $18,000, $30,000.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from margin.billing.actions import invoice_draft_for_contract, invoice_issue
from margin.billing.models import Invoice
from margin.contracts import actions as contracts
from margin.contracts.models import BillingLine, Contract
from margin.core.errors import Invalid
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.revenue import actions as revenue
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from tests.firm import Firm

PRICE = 3_000_000
MONTHS = [(2026, 6), (2026, 7), (2026, 8), (2026, 9)]
HOURS = {6: 80, 7: 80, 8: 80, 9: 60}
INSTALMENTS = [(900_000, date(2026, 6, 30)), (900_000, date(2026, 8, 31)), (1_200_000, date(2026, 9, 30))]


@dataclass
class Story:
    project: Project
    contract: Contract
    line: BillingLine
    invoices: list[Invoice]


def _log_month(firm: Firm, project: Project, task_id: int, year: int, month: int, hours: int) -> None:
    day, entries, minutes = date(year, month, 1), [], hours * 60
    task = project.tasks.get(pk=task_id)
    while minutes > 0:
        if day.weekday() < 5:
            logged = min(480, minutes)
            entries.append(
                time_entry_create(viewer=firm.member, project=project, task=task, work_date=day, minutes=logged)
            )
            minutes -= logged
        day += timedelta(days=1)
    for entry in entries:
        with contextlib.suppress(Invalid):  # that week was submitted already
            time_entries_submit(viewer=firm.member, monday=week_start(entry.work_date))
    time_entries_approve(viewer=firm.admin, entry_ids=[e.pk for e in entries])


def fixed_price_story(firm: Firm, *, months: int = 4, bill: bool = True) -> Story:
    """The contract, its plan and estimate, `months` months of work and the instalments due by then, invoiced."""
    project = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="FIX-1", name="Fixed"
    )
    projects.project_member_add(viewer=firm.admin, project=project, person=firm.member_person)
    task = projects.task_create(viewer=firm.admin, project=project, name="Build", estimate_minutes=300 * 60)
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="FF-30",
        name="Portal rebuild, fixed price",
        start_date=date(2026, 6, 1),
    )
    contracts.contract_project_add(viewer=firm.finance, contract=contract, project=project)
    contracts.bill_rate_set(
        viewer=firm.admin, project=project, role=firm.consultant, valid_from=date(2026, 1, 1), hourly_rate=Decimal(100)
    )
    line = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Rebuild", price_minor=PRICE
    )
    for n, (amount, due) in enumerate(INSTALMENTS, start=1):
        contracts.instalment_create(
            viewer=firm.finance, line=line, description=f"Instalment {n}", amount_minor=amount, due_date=due
        )
    revenue.estimate_set(
        viewer=firm.finance,
        line=line,
        effective=date(2026, 6, 1),
        total_cost_minor=1_200_000,
        reason="300 hours of a consultant at $40",
    )
    invoices = []
    for year, month in MONTHS[:months]:
        _log_month(firm, project, task.pk, year, month, HOURS[month])
        for amount, due in INSTALMENTS:
            if bill and (due.year, due.month) == (year, month):
                [draft] = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=due)
                assert draft.net_minor == amount
                invoices.append(invoice_issue(viewer=firm.finance, invoice=draft, issue_date=due))
    return Story(project, contract, line, invoices)
