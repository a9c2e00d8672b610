"""The running totals per (project, status, billable) stay the sums of the entries, whatever writes them:
actions, bulk import, queryset updates and deletes (the database keeps them, ADR 0022)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from margin.core.periods import week_start
from margin.timesheets.actions import (
    ImportRow,
    time_entries_approve,
    time_entries_import,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from margin.timesheets.models import EntryStatus, ProjectTimeTotal, TimeEntry
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def summed() -> dict[tuple[int, str, bool], tuple[int, int, int, int]]:
    """What the totals must be: the entries grouped afresh."""
    rows = (
        TimeEntry.objects.values("project_id", "status", "billable")
        .annotate(n=Count("id"), m=Sum("minutes"), c=Sum("cost_amount_minor"), b=Sum("bill_amount_minor"))
        .order_by()
    )
    return {(r["project_id"], r["status"], r["billable"]): (r["n"], r["m"], r["c"], r["b"]) for r in rows}


def kept() -> dict[tuple[int, str, bool], tuple[int, int, int, int]]:
    """The running totals, without keys that have gone back to nothing."""
    return {
        (t.project_id, t.status, t.billable): (t.entries, t.minutes, t.cost_minor, t.bill_minor)
        for t in ProjectTimeTotal.objects.all()
        if t.entries or t.minutes or t.cost_minor or t.bill_minor
    }


def test_totals_follow_every_write(firm: Firm) -> None:
    assert kept() == summed() == {}
    one = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    two = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY + timedelta(days=1), minutes=90
    )
    three = time_entry_create(
        viewer=firm.member,
        project=firm.project,
        task=firm.build,
        work_date=MONDAY + timedelta(days=2),
        minutes=30,
        billable=False,
    )
    assert (
        kept()
        == summed()
        == {(firm.project.pk, "draft", True): (2, 150, 0, 0), (firm.project.pk, "draft", False): (1, 30, 0, 0)}
    )

    time_entry_update(viewer=firm.member, entry=one, minutes=120, note="longer")
    time_entry_delete(viewer=firm.member, entry=three)
    assert kept() == summed() == {(firm.project.pk, "draft", True): (2, 210, 0, 0)}

    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[one.pk])
    time_entries_reject(viewer=firm.manager, entry_ids=[two.pk], reason="wrong task")
    totals = kept()
    assert totals == summed()
    approved = TimeEntry.objects.get(pk=one.pk)
    assert approved.bill_amount_minor > 0 and approved.cost_amount_minor > 0
    assert totals[(firm.project.pk, EntryStatus.APPROVED, True)] == (
        1,
        120,
        approved.cost_amount_minor,
        approved.bill_amount_minor,
    )

    # Writes that go round the actions move them too: a queryset update (a re-rating) and a delete.
    TimeEntry.objects.filter(pk=one.pk).update(bill_amount_minor=12345, project=firm.other_project)
    TimeEntry.objects.filter(pk=two.pk).delete()
    assert kept() == summed()
    assert (firm.other_project.pk, EntryStatus.APPROVED, True) in kept()
    # A change that moves no sum (the note) leaves the rows as they were.
    before = list(ProjectTimeTotal.objects.order_by("pk").values_list("pk", "entries", "minutes"))
    TimeEntry.objects.filter(pk=one.pk).update(note="typo fixed")
    assert list(ProjectTimeTotal.objects.order_by("pk").values_list("pk", "entries", "minutes")) == before


def test_a_bulk_import_is_counted_once(firm: Firm) -> None:
    rows = [
        ImportRow(
            project_id=firm.project.pk,
            task_id=firm.build.pk,
            person_id=firm.member.person_id,
            work_date=MONDAY + timedelta(days=i % 5),
            minutes=15 * (1 + i % 4),
            billable=i % 3 != 0,
        )
        for i in range(40)
    ]
    time_entries_import(viewer=firm.admin, rows=rows, approved=True)
    totals = kept()
    assert totals == summed()
    assert sum(n for n, *_ in totals.values()) == 40
    assert sum(m for _, m, *_ in totals.values()) == sum(r.minutes for r in rows)
