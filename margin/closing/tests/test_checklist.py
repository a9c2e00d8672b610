"""The close checklist: what is left to do in a company's period up to a date, and what of it blocks the
close (time not approved, instalments due but not drafted) or only warns (approved time not invoiced)."""

from __future__ import annotations

from datetime import date

import pytest

from margin.billing.actions import invoice_draft_for_contract
from margin.billing.tests.test_contract_invoicing import MARCH_END, fixed_contract, march
from margin.closing.actions import period_close
from margin.closing.queries import CHECKLIST_PROVIDERS, close_checklist
from margin.closing.rules import ChecklistItem
from margin.core.errors import Conflict
from margin.timesheets.actions import time_entries_submit, time_entry_create
from tests.checks import refused, set_lock_date
from tests.firm import Firm


def _items(firm: Firm, through: date) -> dict[str, ChecklistItem]:
    return {item.key: item for item in close_checklist(firm.usd, through)}


def test_an_empty_period_blocks_nothing(firm: Firm) -> None:
    items = close_checklist(firm.usd, MARCH_END)
    assert [i.key for i in items] == [
        "unapproved_time",
        "unbilled_time",
        "undrafted_instalments",
        "revenue_not_run",
        "not_in_journal",
    ]
    assert len(CHECKLIST_PROVIDERS) == 5
    assert all(i.count == 0 and not i.blocks for i in items)
    assert all(i.target.startswith("web:") for i in items)


def test_time_not_approved_blocks_and_earlier_closed_time_is_left_out(firm: Firm) -> None:
    log = {"viewer": firm.member, "project": firm.project, "task": firm.build, "minutes": 60}
    time_entry_create(**log, work_date=date(2026, 3, 2))  # type: ignore[arg-type]
    time_entry_create(**log, work_date=date(2026, 3, 3))  # type: ignore[arg-type]
    time_entries_submit(viewer=firm.member, day=date(2026, 3, 2))  # submitted: still not approved
    time_entry_create(**log, work_date=date(2026, 3, 10))  # type: ignore[arg-type]
    time_entry_create(**log, work_date=date(2026, 4, 1))  # type: ignore[arg-type]  # after the date
    item = _items(firm, MARCH_END)["unapproved_time"]
    assert (item.count, item.blocking, item.blocks, item.amounts) == (3, True, True, ())
    set_lock_date(firm.usd, date(2026, 3, 5))  # the first week is closed already: it cannot change any more
    assert _items(firm, MARCH_END)["unapproved_time"].count == 1
    with refused(Conflict, match="Time not yet approved: 1"):
        period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END)


def test_approved_time_not_invoiced_warns_with_its_amount(firm: Firm) -> None:
    march(firm)  # 915 minutes approved at 100/h
    item = _items(firm, MARCH_END)["unbilled_time"]
    assert (item.count, item.blocking, item.blocks) == (5, False, False)
    assert item.amounts == (("USD", 152_500),)
    assert _items(firm, date(2026, 3, 1))["unbilled_time"].count == 0
    lock = period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END)  # a warning does not block
    assert lock.through == MARCH_END


@pytest.mark.parametrize("drafted", [False, True])
def test_instalments_due_and_not_drafted_block(firm: Firm, drafted: bool) -> None:
    contract, _project, _milestone = fixed_contract(firm)  # 3,000.00 due 15 March; 7,000.00 at go-live
    assert _items(firm, date(2026, 3, 14))["undrafted_instalments"].count == 0
    if drafted:
        invoice_draft_for_contract(viewer=firm.finance, contract=contract, up_to=MARCH_END)
    item = _items(firm, MARCH_END)["undrafted_instalments"]
    if drafted:
        assert (item.count, item.blocks) == (0, False)
        return
    assert (item.count, item.blocks, item.amounts) == (1, True, (("USD", 300_000),))
    with refused(Conflict, match="Fixed-fee instalments due but not drafted: 1"):
        period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END)
    lock = period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END, override_reason="Billed in April")
    assert lock.standing


def test_once_revenue_runs_a_month_without_its_run_blocks_and_the_close_posts_the_journal(firm: Firm) -> None:
    from margin.books.models import JournalEntry
    from margin.closing.actions import period_close
    from margin.core.errors import Conflict
    from margin.receivables.tests.factories import issued_invoice
    from margin.revenue.actions import revenue_run_post

    revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=1)
    items = {i.key: i for i in close_checklist(firm.usd, MARCH_END)}
    assert (items["revenue_not_run"].count, items["revenue_not_run"].blocks) == (2, True)  # February and March
    with pytest.raises(Conflict):
        period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END)
    revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=2)
    revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=3)
    invoice = issued_invoice(firm, 5_000, issue_date=MARCH_END, number="2026-0901")
    assert {i.key: i.count for i in close_checklist(firm.usd, MARCH_END)}["not_in_journal"] == 1
    period_close(viewer=firm.finance, company=firm.usd, through=MARCH_END, override_reason="Time carried forward")
    assert JournalEntry.objects.filter(source_kind="invoice", source_id=invoice.pk, date=MARCH_END).exists()
