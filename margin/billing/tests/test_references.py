"""Billed time points at a real entry and a real line, on both databases (ADR 0023): a foreign key per row on
SQLite, set-based triggers on PostgreSQL. Written with raw SQL, past every action, as any code path could."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from margin.billing.actions import invoices_draft_all
from margin.billing.models import BilledTime, InvoiceLine
from margin.billing.tests.test_contract_invoicing import MARCH_END, march
from margin.core.errors import Conflict
from margin.timesheets.models import TimeEntry
from tests.checks import database_refuses
from tests.firm import Firm

NO_SUCH_ID = 987_654_321


@pytest.fixture
def billed(firm: Firm) -> tuple[TimeEntry, InvoiceLine]:
    march(firm)
    invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END)
    row = BilledTime.objects.select_related("time_entry", "line").order_by("pk").first()
    assert row is not None
    return row.time_entry, row.line


def refused(sql: str, params: list[object]) -> bool:
    return database_refuses(sql, params, table="billing_billedtime")


@pytest.mark.django_db
def test_billed_time_must_point_at_an_existing_entry_and_line(billed: tuple[TimeEntry, InvoiceLine]) -> None:
    entry, line = billed
    unbilled = TimeEntry.objects.filter(billing__isnull=True).first()
    insert = "INSERT INTO billing_billedtime (time_entry_id, line_id) VALUES (%s, %s)"
    assert refused(insert, [NO_SUCH_ID, line.pk])
    if unbilled is not None:
        assert refused(insert, [unbilled.pk, NO_SUCH_ID])
    assert refused("UPDATE billing_billedtime SET line_id = %s WHERE time_entry_id = %s", [NO_SUCH_ID, entry.pk])
    assert BilledTime.objects.get(pk=entry.pk).line_id == line.pk


@pytest.mark.django_db
def test_what_billed_time_points_at_cannot_be_deleted(firm: Firm, billed: tuple[TimeEntry, InvoiceLine]) -> None:
    entry, line = billed
    assert refused("DELETE FROM timesheets_timeentry WHERE id = %s", [entry.pk])
    assert refused("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk])
    assert TimeEntry.objects.filter(pk=entry.pk).exists() and InvoiceLine.objects.filter(pk=line.pk).exists()
    # Without billed time pointing at them, both go.
    assert not refused("DELETE FROM billing_billedtime WHERE line_id = %s", [line.pk])
    BilledTime.objects.filter(line=line).delete()
    assert not refused("DELETE FROM timesheets_timeentry WHERE id = %s", [entry.pk])
    assert not refused("DELETE FROM billing_invoiceline WHERE id = %s", [line.pk])


# --- PostgreSQL: a delete and a billing of the same entry at the same moment -----------------------------


def _in_thread(work: object) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())  # type: ignore[operator]
        except Exception as error:  # the test reads what happened
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _delete_entry(entry_id: int, deleted: threading.Event, release: threading.Event) -> str:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM timesheets_timeentry WHERE id = %s", [entry_id])
        deleted.set()
        release.wait(timeout=30)
    return "deleted"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")
def test_an_entry_deleted_while_it_is_billed_is_refused_whichever_commits_first(firm: Firm) -> None:
    entries = march(firm)
    victim = entries[0]

    # The invoice run first, holding its transaction open: the delete waits for it, then finds the entry billed.
    billing_done, release_run = threading.Event(), threading.Event()

    def bill() -> object:
        with transaction.atomic():
            drafts = invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END)
            billing_done.set()
            release_run.wait(timeout=30)
        return drafts

    run, run_outcome = _in_thread(bill)
    assert billing_done.wait(timeout=30)
    never = threading.Event()
    never.set()
    delete, delete_outcome = _in_thread(lambda: _delete_entry(victim.pk, threading.Event(), never))
    delete.join(timeout=1)
    assert delete.is_alive(), "the delete should wait for the invoice run"
    release_run.set()
    run.join(timeout=30)
    delete.join(timeout=30)
    assert isinstance(run_outcome[0], list)
    assert isinstance(delete_outcome[0], IntegrityError), delete_outcome
    assert BilledTime.objects.count() == len(entries)
    BilledTime.objects.all().delete()  # start again from unbilled time

    # The delete first, uncommitted: the run waits for it, then finds the entry gone and bills nothing.
    deleted, release_delete = threading.Event(), threading.Event()
    delete, delete_outcome = _in_thread(lambda: _delete_entry(victim.pk, deleted, release_delete))
    assert deleted.wait(timeout=30)
    run, run_outcome = _in_thread(lambda: invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=MARCH_END))
    run.join(timeout=1)
    assert run.is_alive(), "the invoice run should wait for the delete"
    release_delete.set()
    delete.join(timeout=30)
    run.join(timeout=30)
    assert delete_outcome == ["deleted"]
    assert isinstance(run_outcome[0], Conflict), run_outcome
    assert not BilledTime.objects.exists()
    assert not TimeEntry.objects.filter(pk=victim.pk).exists()
