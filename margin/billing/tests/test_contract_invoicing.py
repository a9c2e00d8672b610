"""Invoices drafted from contracts: caps, retainers with roll-over, instalments, progress, currencies,
taxes, per-contract grouping, and the review of a draft (write-downs, discounts, held time)."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest

from margin.billing import review
from margin.billing.actions import invoice_discard, invoice_draft_create, invoice_draft_for_contract, invoices_draft_all
from margin.billing.models import BilledTime, HoldReason, Invoice, InvoiceLine, InvoiceTaxRow, LineKind, TimeHold
from margin.billing.ready import ready_to_bill
from margin.contracts import actions as contracts
from margin.contracts.models import Contract
from margin.core.errors import Conflict, Invalid
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.projects.models import Project, Task, TaskStatus
from margin.rates.actions import exchange_rate_set
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.checks import audit_row, refused
from tests.firm import Firm

MARCH_END = date(2026, 3, 31)
APRIL_END = date(2026, 4, 30)


def log(firm: Firm, project: Project, *rows: tuple[str, Task, date, int]) -> list[TimeEntry]:
    """Log (who, task, day, minutes), submit those weeks and approve: billable at 100/h (consultants)."""
    entries = [
        time_entry_create(viewer=getattr(firm, who), project=project, task=task, work_date=day, minutes=m)
        for who, task, day, m in rows
    ]
    for who, _task, day, _m in rows:
        with contextlib.suppress(Invalid):  # that week was submitted already
            time_entries_submit(viewer=getattr(firm, who), monday=week_start(day))
    time_entries_approve(viewer=firm.admin, entry_ids=[e.pk for e in entries])
    return [TimeEntry.objects.get(pk=e.pk) for e in entries]


def march(firm: Firm, project: Project | None = None) -> list[TimeEntry]:
    """915 minutes in the first week of March 2026 (Monday the 2nd), oldest first."""
    project = project or firm.project
    build, design = firm.build, firm.design
    return log(
        firm,
        project,
        ("member", build, date(2026, 3, 2), 480),
        ("member", build, date(2026, 3, 3), 240),
        ("member2", build, date(2026, 3, 3), 60),
        ("member", design, date(2026, 3, 4), 90),
        ("member", design, date(2026, 3, 4), 45),
    )


def contract_of(firm: Firm) -> Contract:
    return Contract.objects.get(covered__project=firm.project)


def time_line(contract: Contract):  # type: ignore[no-untyped-def]
    return contract.billing_lines.get(model="time")


# --- time and materials with a cap -------------------------------------------------------------------


def test_a_capped_line_bills_whole_entries_under_the_cap_and_holds_the_rest(firm: Firm) -> None:
    entries = march(firm)
    contract = contract_of(firm)
    contracts.billing_line_update(viewer=firm.finance, line=time_line(contract), cap_kind="minutes", cap_limit=600)
    ready = ready_to_bill([contract], MARCH_END)[contract.pk]
    # 480 fits; the 240 that follows would cross 600, so it and everything after it wait for a decision.
    assert [h.entry_id for h in ready.over_cap] == [e.pk for e in entries[1:]]
    assert ready.caps[0].billed_now == 480 and ready.caps[0].held_now == 435
    invoice = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    assert invoice.total_minutes == 480
    assert set(BilledTime.objects.values_list("time_entry_id", flat=True)) == {entries[0].pk}
    assert set(TimeHold.objects.values_list("time_entry_id", "reason")) == {
        (e.pk, HoldReason.OVER_CAP) for e in entries[1:]
    }
    # The held time is in no later draft until someone decides.
    with refused(Invalid):
        invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    # Bill one entry over the cap; write the rest off (with a reason).
    with refused(Invalid, match="why"):
        review.over_cap_decide(viewer=firm.finance, entry_ids=[entries[2].pk], decision="write_off")
    review.over_cap_decide(viewer=firm.finance, entry_ids=[entries[1].pk], decision="bill")
    review.over_cap_decide(
        viewer=firm.finance, entry_ids=[e.pk for e in entries[2:]], decision="write_off", note="Goodwill"
    )
    second = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    assert second.total_minutes == 240 and second.net_minor == 40_000
    assert audit_row("time.over_cap_write_off", entries[3]).after == {"hold": "written_off", "note": "Goodwill"}
    # Written-off time is never billed.
    with refused(Invalid):
        invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    with refused(Invalid):
        review.over_cap_decide(viewer=firm.finance, entry_ids=[entries[0].pk], decision="bill")


def test_a_money_cap_counts_what_earlier_invoices_billed(firm: Firm) -> None:
    march(firm)
    contract = contract_of(firm)
    contracts.billing_line_update(viewer=firm.finance, line=time_line(contract), cap_kind="money", cap_limit=120_000)
    first = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    assert first.net_minor == 120_000  # 8 h and 4 h at 100 reach 1,200.00 exactly; the rest is held
    log(firm, firm.project, ("member", firm.build, date(2026, 3, 9), 60))
    ready = ready_to_bill([contract], MARCH_END)[contract.pk]
    assert ready.items == [] and ready.caps[0].used_before == 120_000
    assert [h.minutes for h in ready.over_cap] == [60]


# --- retainers ----------------------------------------------------------------------------------------


def retainer(firm: Firm) -> Contract:
    contract = contract_of(firm)
    contracts.billing_line_delete(viewer=firm.finance, line=time_line(contract))
    contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="retainer",
        name="Support retainer",
        frequency="month",
        allowance_unit="minutes",
        allowance=600,
        fee_minor=500_000,
        rollover="periods",
        rollover_periods=1,
        overage_rate=Decimal("120"),
        start_date=date(2026, 2, 1),
    )
    return contract


def test_a_retainer_bills_fees_in_advance_and_usage_with_roll_over_and_overage(firm: Firm) -> None:
    contract = retainer(firm)
    entries = march(firm)
    ready = ready_to_bill([contract], MARCH_END)[contract.pk]
    assert [(i.kind, i.amount_minor, i.period_start) for i in ready.items] == [
        ("retainer", 500_000, date(2026, 2, 1)),
        ("usage", 0, date(2026, 2, 1)),
        ("retainer", 500_000, date(2026, 3, 1)),
        ("usage", 0, date(2026, 3, 1)),
    ]
    # March: February's unused 10 h roll over, so 15.25 h of 20 h are used and 4.75 h are left.
    (balance,) = ready.balances
    assert (balance.carried_in, balance.used, balance.left_now, balance.overage) == (600, 915, 285, 0)
    assert balance.text == "4.8 h left this month"
    invoice = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    assert invoice.net_minor == 1_000_000
    usage = InvoiceLine.objects.get(invoice=invoice, kind=LineKind.USAGE, period_start=date(2026, 3, 1))
    assert "15.25 h used of 10.00 h + 10.00 h carried, no overage" in usage.description
    assert set(BilledTime.objects.filter(line=usage).values_list("time_entry_id", flat=True)) == {e.pk for e in entries}
    # April: March's own 4.75 h roll over (February's expired); 16:40 h are used, 1:55 h over at 120/h.
    log(
        firm, firm.project, ("member", firm.build, date(2026, 4, 6), 500), ("member", firm.build, date(2026, 4, 7), 500)
    )
    april = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=APRIL_END)[0]
    lines = list(InvoiceLine.objects.filter(invoice=april).order_by("position"))
    assert [(line.kind, line.amount_minor) for line in lines] == [("retainer", 500_000), ("usage", 23_000)]
    assert lines[1].quantity == Decimal("1.9167") and lines[1].unit_price == Decimal("120")
    # Nothing is billed twice.
    assert ready_to_bill([contract], APRIL_END)[contract.pk].items == []


def test_carried_hours_are_usable_until_their_period_ends(firm: Firm) -> None:
    """In a period with nothing used yet, the balance is the allowance plus what was carried in, though the
    carried hours will expire at the period's end if they stay unused (they used to be left out at once)."""
    contract = retainer(firm)
    march(firm)  # 15.25 h in March: February's 10 h carried in are used first, 4.75 h of March's are left
    (april,) = ready_to_bill([contract], date(2026, 4, 15))[contract.pk].balances
    assert (april.allowance, april.carried_in, april.used, april.left_now) == (600, 285, 0, 885)
    assert april.text == "14.8 h left this month"


# --- fixed fee and progress -----------------------------------------------------------------------------


def second_project(firm: Firm, code: str = "GLX-2") -> Project:
    project = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code=code, name="Launch"
    )
    return project


def fixed_contract(firm: Firm) -> tuple[Contract, Project, Task]:
    project = second_project(firm)
    milestone = projects.task_create(viewer=firm.manager, project=project, name="Go live")
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="FF-1",
        name="Launch, fixed price",
        start_date=date(2026, 1, 1),
    )
    contracts.contract_project_add(viewer=firm.finance, contract=contract, project=project)
    line = contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Launch", price_minor=1_000_000
    )
    contracts.instalment_create(
        viewer=firm.finance, line=line, description="Kick-off", amount_minor=300_000, due_date=date(2026, 3, 15)
    )
    contracts.instalment_create(
        viewer=firm.finance, line=line, description="Go live", amount_minor=700_000, milestone=milestone
    )
    return contract, project, milestone


def test_fixed_fee_instalments_are_billed_when_due_once(firm: Firm) -> None:
    contract, project, milestone = fixed_contract(firm)
    assert ready_to_bill([contract], date(2026, 3, 14))[contract.pk].items == []
    first = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    assert (first.net_minor, first.project_id) == (300_000, project.pk)
    assert ready_to_bill([contract], MARCH_END)[contract.pk].items == []
    Task.objects.filter(pk=milestone.pk).update(status=TaskStatus.DONE)
    second = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    line = InvoiceLine.objects.get(invoice=second)
    assert (line.kind, line.amount_minor, line.description) == ("fixed", 700_000, "Launch — Go live")
    # Discarding a draft makes its instalment due again.
    invoice_discard(viewer=firm.finance, invoice=second)
    assert [i.description for i in ready_to_bill([contract], MARCH_END)[contract.pk].items] == ["Launch — Go live"]


def test_a_cancelled_milestone_blocks_its_instalment(firm: Firm) -> None:
    contract, _project, milestone = fixed_contract(firm)
    Task.objects.filter(pk=milestone.pk).update(closed=True)
    ready = ready_to_bill([contract], MARCH_END)[contract.pk]
    assert [i.amount_minor for i in ready.items] == [300_000]
    assert [b.amount_minor for b in ready.blocked] == [700_000] and "cancelled" in ready.blocked[0].reason


def test_progress_billing_bills_the_share_earned_less_what_was_billed(firm: Firm) -> None:
    project = second_project(firm)
    contract = contracts.contract_create(
        viewer=firm.finance,
        company=firm.usd,
        client=firm.client,
        reference="PB-1",
        name="Build",
        start_date=date(2026, 1, 1),
    )
    contracts.contract_project_add(viewer=firm.finance, contract=contract, project=project)
    line = contracts.billing_line_create(
        viewer=firm.finance,
        contract=contract,
        model="progress",
        name="Build",
        price_minor=1_000_000,
        progress_source="entered",
        entered_percent=Decimal("40"),
    )
    assert invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0].net_minor == 400_000
    contracts.billing_line_update(viewer=firm.finance, line=line, entered_percent=Decimal("70"))
    assert invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0].net_minor == 300_000
    with refused(Invalid):
        invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)


# --- grouping, currency, tax --------------------------------------------------------------------------------


def test_a_contract_billed_per_contract_puts_its_projects_on_one_invoice(firm: Firm) -> None:
    contract = contract_of(firm)
    other = second_project(firm)
    contracts.contract_project_add(viewer=firm.finance, contract=contract, project=other)
    contracts.contract_update(viewer=firm.finance, contract=contract, invoice_grouping="contract")
    projects.project_member_add(viewer=firm.manager, project=other, person=firm.member_person)
    march(firm)
    log(
        firm,
        other,
        ("member", projects.task_create(viewer=firm.manager, project=other, name="QA"), date(2026, 3, 5), 60),
    )
    (invoice,) = invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END)
    assert invoice.project_id is None and invoice.contract_id == contract.pk
    assert set(InvoiceLine.objects.filter(invoice=invoice).values_list("project_id", flat=True)) == {
        firm.project.pk,
        other.pk,
    }
    assert invoice.total_minutes == 975


def test_an_invoice_in_another_currency_needs_a_recent_rate_and_keeps_it(firm: Firm) -> None:
    march(firm)
    contract = contract_of(firm)
    contracts.contract_update(viewer=firm.finance, contract=contract, currency="EUR")
    exchange_rate_set(
        viewer=firm.finance, from_currency="EUR", to_currency="USD", day=date(2026, 3, 1), rate=Decimal("1.25")
    )
    with refused(Invalid, match="days earlier") as error:
        invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    assert error.value.code == "exchange_rate_too_old"
    exchange_rate_set(
        viewer=firm.finance, from_currency="EUR", to_currency="USD", day=date(2026, 3, 30), rate=Decimal("1.25")
    )
    invoice = invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)[0]
    # 15.25 h at 100 USD = 1,525.00 USD = 1,220.00 EUR at 1.25.
    assert (invoice.currency, invoice.net_minor, invoice.exchange_rate) == ("EUR", 122_000, Decimal("1.25"))
    assert invoice.exchange_rate_date == date(2026, 3, 30) and invoice.company_currency == "USD"


@pytest.mark.parametrize(("rounding", "tax"), [("per_line", 190 + 3 * 1), ("per_document", 192)])
def test_lines_are_taxed_by_the_contracts_code_rounded_as_the_company_says(firm: Firm, rounding: str, tax: int) -> None:
    log(firm, firm.project, ("member", firm.build, date(2026, 3, 2), 6))
    firm.usd.tax_rounding = rounding
    firm.usd.save()
    code = contracts.tax_code_create(
        viewer=firm.finance, company=firm.usd, code="S19", name="VAT", kind="standard", rate=19
    )
    contracts.contract_update(viewer=firm.finance, contract=contract_of(firm), tax_code_id=code.pk)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    # 6 minutes at 100/h = 10.00, 19 % = 1.90 either way.
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (1_000, 190, 1_190)
    # Three lines of 0.03: 0.0057 each rounds to 0.01 per line, while 0.09 × 19 % = 0.0171 adds 0.02 to the
    # document's 10.00 (10.09 × 19 % = 1.9171 → 1.92).
    for n in range(3):
        review.invoice_line_add(
            viewer=firm.finance, invoice_id=invoice.pk, kind="manual", description=f"Fee {n}", amount_minor=3
        )
    invoice.refresh_from_db()
    assert (invoice.net_minor, invoice.tax_minor, invoice.total_minor) == (1_009, tax, 1_009 + tax)
    row = InvoiceTaxRow.objects.get(invoice=invoice)
    assert (row.category, row.rate, row.taxable_minor, row.tax_minor) == ("S", Decimal("19"), 1_009, tax)
    assert sum(InvoiceLine.objects.filter(invoice=invoice).values_list("tax_minor", flat=True)) == tax


def test_a_tax_code_that_does_not_fit_the_client_is_refused_on_a_line(firm: Firm) -> None:
    march(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    reverse = contracts.tax_code_create(
        viewer=firm.finance, company=firm.usd, code="RC", name="Reverse charge", kind="reverse_charge", rate=0
    )
    with refused(Invalid) as error:
        review.invoice_line_add(
            viewer=firm.finance,
            invoice_id=invoice.pk,
            kind="manual",
            description="Travel",
            amount_minor=100,
            tax_code_id=reverse.pk,
        )
    assert error.value.code == "tax_code_does_not_fit"


# --- review -------------------------------------------------------------------------------------------------


def test_a_draft_is_written_down_with_a_reason_discounted_and_held(firm: Firm) -> None:
    entries = march(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    build = InvoiceLine.objects.get(invoice=invoice, task=firm.build, role__name="Consultant")
    assert build.amount_minor == build.standard_minor == 130_000  # 13 h of build at 100
    with refused(Invalid, match="why"):
        review.invoice_line_adjust(
            viewer=firm.finance, invoice_id=invoice.pk, line_id=build.pk, amount_minor=100_000, reason=""
        )
    review.invoice_line_adjust(
        viewer=firm.finance, invoice_id=invoice.pk, line_id=build.pk, amount_minor=100_000, reason="Ramp-up"
    )
    build.refresh_from_db()
    assert (build.amount_minor, build.standard_minor, build.adjustment_reason) == (100_000, 130_000, "Ramp-up")
    invoice.refresh_from_db()
    assert invoice.net_minor == 152_500 - 30_000
    discount = review.invoice_line_add(
        viewer=firm.finance, invoice_id=invoice.pk, kind="discount", description="Loyalty", amount_minor=2_500
    )
    assert discount.amount_minor == -2_500
    invoice.refresh_from_db()
    assert invoice.net_minor == 120_000
    with refused(Invalid):
        review.invoice_line_add(
            viewer=firm.finance, invoice_id=invoice.pk, kind="discount", description="Too much", amount_minor=10**9
        )
    # Hold the 4-hour entry for a later invoice: the line shrinks by 4 h, its write-down stays.
    review.invoice_time_hold(viewer=firm.finance, invoice_id=invoice.pk, entry_ids=[entries[1].pk], note="Disputed")
    build.refresh_from_db()
    assert (build.minutes, build.standard_minor, build.amount_minor) == (540, 90_000, 60_000)
    assert TimeHold.objects.get(time_entry=entries[1]).reason == HoldReason.HELD
    invoice.refresh_from_db()
    assert invoice.net_minor == 60_000 + 22_500 - 2_500
    with refused(Invalid):
        invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    review.time_release(viewer=firm.finance, entry_ids=[entries[1].pk])
    later = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    assert later.total_minutes == 240


def test_an_issued_invoice_cannot_be_reviewed(firm: Firm) -> None:
    from margin.billing.actions import invoice_issue

    march(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MARCH_END)
    invoice_issue(viewer=firm.finance, invoice=invoice, issue_date=date(2026, 4, 1))
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    assert line is not None
    with refused(Conflict):
        review.invoice_line_adjust(
            viewer=firm.finance, invoice_id=invoice.pk, line_id=line.pk, amount_minor=1, reason="x"
        )
    assert Invoice.objects.get(pk=invoice.pk).net_minor == 152_500


def test_time_no_billing_line_takes_is_reported_once(firm: Firm) -> None:
    contract, project, _milestone = fixed_contract(firm)
    projects.project_member_add(viewer=firm.manager, project=project, person=firm.member_person)
    task = projects.task_create(viewer=firm.manager, project=project, name="Workshop")
    contracts.bill_rate_set(
        viewer=firm.finance,
        project=project,
        role=firm.consultant,
        valid_from=date(2020, 1, 1),
        hourly_rate=Decimal(100),
    )
    log(firm, project, ("member", task, date(2026, 3, 5), 90))
    ready = ready_to_bill([contract], MARCH_END)[contract.pk]
    assert ready.unassigned_minutes == 90
