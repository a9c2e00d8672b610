"""Worked vs billable minutes: billing increments (client, project override; up / nearest), non-billable
categories, valuation and invoices billing the rounded minutes (set-based)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction
from django.utils import timezone

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.models import InvoiceLine
from margin.contracts.actions import billing_increment_set
from margin.contracts.queries import billing_increment_of, billing_increments_by_project
from margin.core.errors import Forbidden, Invalid
from margin.core.periods import week_start
from margin.crm.actions import client_update
from margin.rates.rules import BillingIncrement, billable_minutes
from margin.timesheets.actions import (
    ImportRow,
    time_entries_approve,
    time_entries_import,
    time_entries_submit,
    time_entry_create,
    time_entry_update,
    week_cell_set,
)
from margin.timesheets.models import TimeEntry
from tests.checks import audit_row, refused
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def log(firm: Firm, minutes: int, *, day: int = 0, **extra: object) -> TimeEntry:
    values: dict[str, object] = {"project": firm.project, "task": firm.build, **extra}
    return time_entry_create(
        viewer=firm.member,
        work_date=MONDAY + timedelta(days=day),
        minutes=minutes,
        **values,  # type: ignore[arg-type]
    )


def increment(firm: Firm, minutes: int, rounding: str = "up") -> None:
    client_update(viewer=firm.admin, client=firm.client, billing_increment_minutes=minutes, billing_rounding=rounding)


# --- the rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "rounding", "worked", "billed"),
    [
        (0, "up", 7, 7),
        (6, "up", 1, 6),
        (6, "up", 6, 6),
        (6, "up", 7, 12),
        (6, "nearest", 8, 6),
        (6, "nearest", 9, 12),  # halves go up
        (6, "nearest", 2, 6),  # never below one increment
        (15, "up", 16, 30),
        (15, "up", 60, 60),
        (15, "nearest", 22, 15),
        (15, "nearest", 23, 30),
        (15, "nearest", 52, 45),
        (15, "up", 1439, 1440),
    ],
)
def test_billable_minutes_rule(step: int, rounding: str, worked: int, billed: int) -> None:
    assert billable_minutes(worked, BillingIncrement(step, rounding)) == billed
    assert billable_minutes(worked, BillingIncrement(step, rounding), billable=False) == 0


# --- entries ----------------------------------------------------------------------------------------


def test_entries_bill_the_client_increment(firm: Firm) -> None:
    assert log(firm, 7).billable_minutes == 7  # no increment: exact
    increment(firm, 15)
    entry = log(firm, 7, day=1)
    assert (entry.minutes, entry.billable_minutes) == (7, 15)
    entry = time_entry_update(viewer=firm.member, entry=entry, minutes=16)
    assert entry.billable_minutes == 30
    assert audit_row("time_entry.update", entry).after["billable_minutes"] == 30  # type: ignore[index]
    entry = time_entry_update(viewer=firm.member, entry=entry, billable=False)
    assert entry.billable_minutes == 0
    increment(firm, 6, "nearest")
    assert log(firm, 8, day=2).billable_minutes == 6


def test_project_override_wins_over_the_client(firm: Firm) -> None:
    increment(firm, 15)
    card = billing_increment_set(viewer=firm.manager, project=firm.project, minutes=6, rounding="nearest")
    assert audit_row("billing_increment.set", card).after == {
        "project": firm.project.pk,
        "billing_increment_minutes": 6,
        "billing_rounding": "nearest",
    }
    assert billing_increments_by_project([firm.project.pk]) == {firm.project.pk: BillingIncrement(6, "nearest")}
    assert log(firm, 8).billable_minutes == 6
    billing_increment_set(viewer=firm.manager, project=firm.project, minutes=6)  # the client's rounding (up)
    assert log(firm, 8, day=1).billable_minutes == 12
    effective, source, _ = billing_increment_of(firm.project)
    assert (effective, source) == (BillingIncrement(6, "up"), "project")
    billing_increment_set(viewer=firm.manager, project=firm.project, minutes=None)  # back to the client's
    assert log(firm, 8, day=2).billable_minutes == 15
    assert billing_increment_of(firm.project)[1] == "client"


def test_increment_refusals(firm: Firm) -> None:
    with refused(Invalid, firm.client, match="from 0 \\(exact\\) to 60"):
        increment(firm, 61)
    with refused(Invalid, firm.client, match="up or to the nearest"):
        increment(firm, 15, "down")
    with refused(Forbidden):
        billing_increment_set(viewer=firm.member, project=firm.project, minutes=15)
    with refused(Invalid, match="from 0 \\(exact\\) to 60"):
        billing_increment_set(viewer=firm.manager, project=firm.project, minutes=-6)


def test_week_grid_and_import_compute_billable_minutes(firm: Firm) -> None:
    increment(firm, 15)
    cell = week_cell_set(viewer=firm.member, task=firm.design, work_date=MONDAY, minutes=50)
    assert cell is not None and cell.billable_minutes == 60
    cell = week_cell_set(viewer=firm.member, task=firm.design, work_date=MONDAY, minutes=20)
    assert cell is not None and cell.billable_minutes == 30
    time_entries_import(
        viewer=firm.admin,
        rows=[
            ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, MONDAY, 10),
            ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, MONDAY, 31),
            ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, MONDAY, 31, billable=False),
            ImportRow(firm.project.pk, None, firm.member_person.pk, MONDAY, 45, category="training"),
        ],
    )
    imported = TimeEntry.objects.exclude(task=firm.design).order_by("id")
    assert [(e.minutes, e.billable, e.category, e.billable_minutes) for e in imported] == [
        (10, True, "work", 15),
        (31, True, "work", 45),
        (31, False, "work", 0),
        (45, False, "training", 0),
    ]
    with refused(Invalid, match="Row 1: 'holiday' is not a time category"):
        time_entries_import(
            viewer=firm.admin,
            rows=[ImportRow(firm.project.pk, None, firm.member_person.pk, MONDAY, 45, category="holiday")],
        )


# --- categories ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["internal", "sales", "training", "leave"])
def test_non_billable_categories_force_billable_off(firm: Firm, category: str) -> None:
    increment(firm, 15)
    entry = log(firm, 50, category=category, billable=True)
    assert (entry.category, entry.billable, entry.billable_minutes) == (category, False, 0)


def test_changing_the_category_of_an_entry(firm: Firm) -> None:
    entry = log(firm, 50)
    entry = time_entry_update(viewer=firm.member, entry=entry, category="sales")
    assert (entry.billable, entry.billable_minutes) == (False, 0)
    # Back to client work: billable is the caller's to say again (it stays off until they do).
    entry = time_entry_update(viewer=firm.member, entry=entry, category="work", billable=True)
    assert (entry.billable, entry.billable_minutes) == (True, 50)
    with refused(Invalid, entry, match="not a time category"):
        time_entry_update(viewer=firm.member, entry=entry, category="holiday")
    with refused(Invalid, match="not a time category"):
        log(firm, 30, category="holiday")


def test_the_database_refuses_billable_leave_and_billed_minutes_on_unbillable_time(firm: Firm) -> None:
    entry = log(firm, 50)
    with pytest.raises(DatabaseError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(category="leave")
    with pytest.raises(DatabaseError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(billable=False)  # still 50 billable minutes


# --- valuation and invoices ------------------------------------------------------------------------------


def _approve(firm: Firm, *entries: TimeEntry) -> list[TimeEntry]:
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[e.pk for e in entries])
    return [TimeEntry.objects.get(pk=e.pk) for e in entries]


def test_valuation_bills_rounded_minutes_and_costs_worked_ones(firm: Firm) -> None:
    increment(firm, 15)
    (entry,) = _approve(firm, log(firm, 50))  # bills 60 at 100/h, costs 50 at 40/h
    assert (entry.billable_minutes, entry.bill_amount_minor, entry.cost_amount_minor) == (60, 10000, 3333)


def test_invoices_bill_the_rounded_minutes(firm: Firm) -> None:
    increment(firm, 6)
    entries = _approve(
        firm,
        log(firm, 7, day=0),  # 12
        log(firm, 25, day=1),  # 30
        log(firm, 61, day=2),  # 66
        log(firm, 30, day=3, category="internal"),  # not billed
        log(firm, 20, day=4, task=firm.design),  # 24
    )
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MONDAY + timedelta(days=6))
    lines = {line.description: line for line in InvoiceLine.objects.filter(invoice=invoice)}
    build, design = lines["Build — Consultant"], lines["Design — Consultant"]
    assert (build.minutes, build.amount_minor) == (108, 18000)  # 1.8 h × 100
    assert (design.minutes, design.amount_minor) == (24, 4000)
    assert (invoice.total_minutes, invoice.total_minor) == (132, 22000)
    # The lines agree with the entries' own valuations, and every billable entry is linked once.
    assert build.time_value_minor + design.time_value_minor == invoice.total_minor
    billed = TimeEntry.objects.filter(billing__line__invoice=invoice)
    assert sorted(billed.values_list("id", flat=True)) == sorted(e.pk for e in entries if e.billable)
    # Once issued, what was billed (the billable minutes) is frozen in the database too.
    invoice_issue(viewer=firm.finance, invoice=invoice)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        billed.update(billable_minutes=1)


def test_existing_time_is_billed_as_worked_by_the_data_migration(firm: Firm) -> None:
    billable, internal = log(firm, 50), log(firm, 20, day=1, billable=False)
    TimeEntry.objects.filter(pk=billable.pk).update(billable_minutes=0)  # as before the column existed
    migration = importlib.import_module("margin.timesheets.migrations.0005_billable_minutes")
    migration.bill_existing_time_as_worked(apps, None)
    assert TimeEntry.objects.get(pk=billable.pk).billable_minutes == 50
    assert TimeEntry.objects.get(pk=internal.pk).billable_minutes == 0
