"""Concurrency on PostgreSQL, with real threads and real transactions.

(a) Two invoice runs on the same project at the same moment: every entry is billed exactly once.
(b) Many drafts of one company issued at once: numbers run 0001..N with no gap and no duplicate.
(c) Two requests filling the same person-day at once: the 24-hour rule still holds.
(d) Parallel writes to one empty week-grid cell: one entry, not one per writer.
(e) Concurrent resends of one POST with one Idempotency-Key: the work is done once.

SQLite serialises writers for the whole database (IMMEDIATE transactions), so these races only exist
on PostgreSQL, where row locks (`SELECT … FOR UPDATE`) do the work; the tests are skipped on SQLite.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from margin.billing.actions import invoice_draft_create, invoice_issue, invoices_draft_all
from margin.billing.models import Invoice, InvoiceLine, InvoiceSequence
from margin.core.errors import DomainError, Invalid
from margin.core.models import AuditEntry
from margin.core.periods import week_start
from margin.timesheets.actions import ImportRow, time_entries_import, time_entry_create, week_cell_set
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]

TODAY = timezone.localdate()
MONDAY = week_start(TODAY) - timedelta(days=7)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together by a barrier; each result is a value or a DomainError."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except DomainError as error:
            results[i] = error
        except BaseException as error:
            results[i] = error
        finally:
            connection.close()  # each thread has its own connection; close it

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return results


def approved_history(firm: Firm, days: int) -> int:
    """Approved billable time of Tom and Lea on firm.project for `days` days back; returns total minutes."""
    rows = []
    for d in range(days):
        day = MONDAY - timedelta(days=d)
        rows += [
            ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, day, 240),
            ImportRow(firm.project.pk, firm.design.pk, firm.member_person.pk, day, 125),
            ImportRow(firm.project.pk, firm.build.pk, firm.member2_person.pk, day, 300),
        ]
    time_entries_import(viewer=firm.admin, rows=rows, approved=True)
    return sum(r.minutes for r in rows)


def assert_billed_once(total_minutes: int) -> None:
    billed = TimeEntry.objects.filter(billing__isnull=False)
    assert billed.count() == TimeEntry.objects.count()  # every entry is on a line ...
    assert billed.aggregate(m=Sum("minutes"))["m"] == total_minutes  # ... and minutes are conserved
    for invoice in Invoice.objects.all():
        lines = InvoiceLine.objects.filter(invoice=invoice)
        assert invoice.total_minor == lines.aggregate(t=Sum("amount_minor"))["t"]
        assert invoice.total_minutes == lines.aggregate(m=Sum("minutes"))["m"]
        assert invoice.total_minutes == billed.filter(billing__line__invoice=invoice).aggregate(m=Sum("minutes"))["m"]
        for line in lines:
            assert line.minutes == TimeEntry.objects.filter(billing__line=line).aggregate(m=Sum("minutes"))["m"]
    assert sum(Invoice.objects.values_list("total_minutes", flat=True)) == total_minutes


def test_two_drafts_of_one_project_at_once_bill_each_entry_once(firm: Firm) -> None:
    total = approved_history(firm, days=60)
    results = race(
        lambda: invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=TODAY),
        lambda: invoice_draft_create(viewer=firm.admin, project=firm.project, up_to=TODAY),
    )
    invoices = [r for r in results if isinstance(r, Invoice)]
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(invoices) == 1 and Invoice.objects.count() == 1
    # The second waited for the first (project row lock) and then found nothing left to bill.
    assert len(refusals) == 1 and isinstance(refusals[0], Invalid), refusals
    assert invoices[0].total_minutes == total
    assert_billed_once(total)
    assert AuditEntry.objects.filter(action="invoice.draft").count() == 1


def test_the_invoice_run_and_a_single_draft_racing(firm: Firm) -> None:
    total = approved_history(firm, days=40)
    results = race(
        lambda: invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=TODAY),
        lambda: invoice_draft_create(viewer=firm.admin, project=firm.project, up_to=TODAY),
        lambda: invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=TODAY - timedelta(days=20)),
    )
    assert Invoice.objects.count() >= 1
    assert all(isinstance(r, (Invoice, list, Invalid)) for r in results), results
    # Whatever the order, no entry is on two invoices and nothing is lost once the rest is drafted.
    invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=TODAY)
    assert_billed_once(total)


@pytest.mark.parametrize("threads", [8])
def test_issuing_many_drafts_at_once_gives_gapless_numbers(firm: Firm, threads: int) -> None:
    approved_history(firm, days=threads)
    drafts = [
        invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MONDAY - timedelta(days=threads - 1 - i))
        for i in range(threads)
    ]
    assert len({d.pk for d in drafts}) == threads
    results = race(*[(lambda d=d: invoice_issue(viewer=firm.finance, invoice=d)) for d in drafts])
    assert all(isinstance(r, Invoice) for r in results), results
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"{TODAY.year}-{n:04d}" for n in range(1, threads + 1)]
    assert InvoiceSequence.objects.get(company=firm.usd, year=TODAY.year).last_number == threads
    assert AuditEntry.objects.filter(action="invoice.issue").count() == threads


def test_issuing_the_same_draft_twice_at_once_numbers_it_once(firm: Firm) -> None:
    approved_history(firm, days=3)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=TODAY)
    results = race(
        lambda: invoice_issue(viewer=firm.finance, invoice=draft),
        lambda: invoice_issue(viewer=firm.admin, invoice=draft),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Invoice"]
    assert list(Invoice.objects.values_list("number", flat=True)) == [f"{TODAY.year}-0001"]
    assert InvoiceSequence.objects.get(company=firm.usd, year=TODAY.year).last_number == 1


def test_two_requests_cannot_both_fill_the_same_day(firm: Firm) -> None:
    def log(task: Any) -> Callable[[], Any]:
        return lambda: time_entry_create(
            viewer=firm.member, project=firm.project, task=task, work_date=MONDAY, minutes=13 * 60
        )

    results = race(log(firm.build), log(firm.design))
    assert sorted(type(r).__name__ for r in results) == ["Invalid", "TimeEntry"]
    assert TimeEntry.objects.aggregate(m=Sum("minutes"))["m"] == 13 * 60


@pytest.mark.parametrize("writers", [2, 8])
def test_parallel_writes_to_one_empty_week_cell_leave_one_entry(firm: Firm, writers: int) -> None:
    """A double submit (2) and a burst (8) on one empty cell: FOR UPDATE on no row locks nothing, so
    the cell's writes must queue on a row that exists."""
    for round_ in range(3):
        day = MONDAY - timedelta(days=round_)
        TimeEntry.objects.filter(work_date=day).delete()

        def put(minutes: int, day: Any = day) -> Callable[[], Any]:
            return lambda: week_cell_set(viewer=firm.member, task=firm.build, work_date=day, minutes=minutes)

        race(*(put(30 + i) for i in range(writers)))
        cell = TimeEntry.objects.filter(person=firm.member_person, task=firm.build, work_date=day)
        assert cell.count() == 1, f"round {round_}: {cell.count()} entries in one cell"
        assert cell.get().minutes in {30 + i for i in range(writers)}


def test_concurrent_resends_with_one_idempotency_key_do_the_work_once(firm: Firm) -> None:
    """Four copies of one POST at the same moment: one entry; every answer is the same 201."""
    from django.test import Client

    from margin.accounts.actions import api_token_create

    _, secret = api_token_create(user=firm.member_user, name="retry")
    body = {"project_id": firm.project.pk, "task_id": firm.build.pk, "work_date": MONDAY.isoformat(), "minutes": 45}

    def send() -> Any:
        client = Client(headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "once"})
        return client.post("/api/v1/time-entries", body, content_type="application/json")

    answers = race(*[send] * 4)
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.content for a in answers}) == 1
    assert sum(a.has_header("Idempotency-Replayed") for a in answers) == 3
    assert TimeEntry.objects.count() == 1
