"""Time entries: logging, the week grid, submit, approve (valuation snapshot), reject, bulk import."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Membership, Person
from margin.accounts.queries import viewer_for
from margin.contracts.actions import bill_rate_set
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.rates.actions import cost_rate_set
from margin.timesheets.actions import (
    ImportRow,
    time_entries_approve,
    time_entries_import,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    week_cell_set,
)
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import (
    approvals_pending,
    day_minutes,
    tasks_open_to,
    time_entries_visible,
    time_entry_get,
    week_of,
)
from tests.checks import audit_row, audit_rows, refused
from tests.firm import PASSWORD, RATE_FROM, Firm

TODAY = timezone.localdate()
MONDAY = week_start(TODAY) - timedelta(days=7)  # last week: every day of it is in the past


def log(firm: Firm, *, minutes: int = 60, day: int = 0, viewer: str = "member", **extra: object) -> TimeEntry:
    values: dict[str, object] = {"project": firm.project, "task": firm.build, **extra}
    return time_entry_create(
        viewer=getattr(firm, viewer),
        work_date=MONDAY + timedelta(days=day),
        minutes=minutes,
        **values,  # type: ignore[arg-type]
    )


def submitted(firm: Firm, *entries: TimeEntry, viewer: str = "member") -> list[TimeEntry]:
    time_entries_submit(viewer=getattr(firm, viewer), monday=MONDAY)
    return [TimeEntry.objects.get(pk=e.pk) for e in entries]


def approved(firm: Firm, *entries: TimeEntry) -> list[TimeEntry]:
    submitted(firm, *entries)
    time_entries_approve(viewer=firm.manager, entry_ids=[e.pk for e in entries])
    return [TimeEntry.objects.get(pk=e.pk) for e in entries]


# --- logging time ------------------------------------------------------------------------------


def test_time_entry_create(firm: Firm) -> None:
    entry = log(firm, minutes=90, note="  wireframes ")
    assert (entry.status, entry.minutes, entry.note, entry.billable) == ("draft", 90, "wireframes", True)
    assert (entry.person_id, entry.company_id, entry.currency) == (firm.member_person.pk, firm.usd.pk, "USD")
    assert not hasattr(entry, "billing") and entry.bill_amount_minor == 0
    row = audit_row("time_entry.create", entry)
    assert (row.actor_id, row.organisation_id, row.before) == (firm.member_user.pk, firm.admin.organisation_id, None)
    assert row.after == {
        "project": firm.project.pk,
        "task": firm.build.pk,
        "person": firm.member_person.pk,
        "work_date": MONDAY.isoformat(),
        "minutes": 90,
        "billable": True,
        "category": "work",
        "billable_minutes": 90,
        "note": "wireframes",
        "status": "draft",
    }


def test_billable_defaults_to_the_task_and_can_be_overridden(firm: Firm) -> None:
    internal = projects.task_create(viewer=firm.manager, project=firm.project, name="Internal", billable=False)
    assert log(firm, task=internal).billable is False
    assert log(firm, task=internal, billable=True, day=1).billable is True
    assert log(firm, billable=False, day=2).billable is False
    assert log(firm, task=None, day=3).billable is True  # no task: billable


def test_an_admin_may_log_for_someone_else_a_member_may_not(firm: Firm) -> None:
    entry = log(firm, viewer="admin", person=firm.member2_person)
    assert entry.person_id == firm.member2_person.pk
    assert audit_row("time_entry.create", entry).actor_id == firm.admin_user.pk
    with refused(Forbidden, match="someone else"):
        log(firm, person=firm.member2_person)
    rival = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        log(firm, viewer="admin", person=rival)


@pytest.mark.parametrize(
    ("minutes", "match"),
    [(0, "above zero"), (-30, "above zero"), (24 * 60 + 1, "longer than 24 hours"), (10**12, "24 hours")],
)
def test_bad_durations_are_refused(firm: Firm, minutes: int, match: str) -> None:
    with refused(Invalid, match=match):
        log(firm, minutes=minutes)


@pytest.mark.parametrize("minutes", ["90", 1.5, True, None])
def test_durations_must_be_whole_minutes(firm: Firm, minutes: object) -> None:
    with refused(Invalid, match="whole number"):
        log(firm, minutes=minutes)  # type: ignore[arg-type]


def test_no_more_than_24_hours_per_person_day_across_entries(firm: Firm) -> None:
    log(firm, minutes=20 * 60)
    with refused(Invalid, match="at most 4:00 more"):
        log(firm, minutes=4 * 60 + 1, task=firm.design)
    log(firm, minutes=4 * 60, task=firm.design)  # exactly 24 hours is fine
    assert day_minutes(firm.member_person.pk, MONDAY) == 24 * 60
    with refused(Invalid, match="at most 0:00 more"):
        log(firm, minutes=1)
    # The limit is per person: Lea's day is her own.
    assert log(firm, viewer="member2", minutes=8 * 60).minutes == 480


def test_rejected_time_does_not_count_towards_the_day(firm: Firm) -> None:
    entry = log(firm, minutes=20 * 60)
    submitted(firm, entry)
    time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Too much")
    assert log(firm, minutes=8 * 60, task=firm.design).minutes == 480


def test_work_dates_far_ahead_or_long_ago_are_refused(firm: Firm) -> None:
    ahead = int(settings.MARGIN["MAX_FUTURE_DAYS"])
    with refused(Invalid, match="days ahead"):
        time_entry_create(viewer=firm.member, project=firm.project, work_date=TODAY + timedelta(ahead + 1), minutes=60)
    with refused(Invalid, match="days ahead"):
        time_entry_create(viewer=firm.member, project=firm.project, work_date=date(9999, 12, 31), minutes=60)
    with refused(Invalid, match="too far in the past"):
        time_entry_create(viewer=firm.member, project=firm.project, work_date=date(1999, 12, 31), minutes=60)
    entry = time_entry_create(viewer=firm.member, project=firm.project, work_date=TODAY + timedelta(ahead), minutes=60)
    assert entry.work_date == TODAY + timedelta(ahead)


def test_closed_projects_closed_tasks_and_summary_tasks_take_no_time(firm: Firm) -> None:
    projects.task_update(viewer=firm.manager, task=firm.design, closed=True)
    with refused(Invalid, match="closed"):
        log(firm, task=firm.design)
    projects.task_create(viewer=firm.manager, project=firm.project, name="Backend", parent=firm.build)
    with refused(Invalid, match="summary task"):
        log(firm, task=firm.build)
    projects.project_update(viewer=firm.manager, project=firm.project, status="closed")
    with refused(Invalid, match="is closed"):
        log(firm, task=None)


def test_only_members_log_time_and_only_on_their_organisations_projects(firm: Firm) -> None:
    outsider_user = User.objects.create_user(username="olga", password=PASSWORD)
    accounts.person_create(
        viewer=firm.admin,
        company=firm.usd,
        role=firm.consultant,
        name="Olga",
        email="olga@example.test",
        user=outsider_user,
        access_role="member",
    )
    with refused(Forbidden, match="not a member"):
        log(firm, viewer="admin", person=Person.objects.get(user=outsider_user))
    with refused(Forbidden, match="not a member"):
        time_entry_create(viewer=viewer_for(outsider_user), project=firm.project, work_date=MONDAY, minutes=60)
    with refused(NotFound):
        log(firm, project=firm.other_project, task=None)
    with refused(NotFound):
        log(firm, viewer="other_admin", project=firm.project, task=None)
    other_task = projects.task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    with refused(NotFound, match="task"):
        log(firm, task=other_task)


def test_notes_are_checked(firm: Firm) -> None:
    with refused(Invalid, match="NUL"):
        log(firm, note="bad\x00note")
    with refused(Invalid, match="longer than 2000"):
        log(firm, note="n" * 2001)


# --- editing and deleting ----------------------------------------------------------------------


def test_time_entry_update(firm: Firm) -> None:
    entry = log(firm, minutes=60)
    updated = time_entry_update(viewer=firm.member, entry=entry, minutes=75, note="more", task=firm.design)
    assert (updated.minutes, updated.note, updated.task_id, updated.status) == (75, "more", firm.design.pk, "draft")
    row = audit_row("time_entry.update", entry)
    assert row.actor_id == firm.member_user.pk
    assert (row.before["minutes"], row.after["minutes"]) == (60, 75)
    assert (row.before["task"], row.after["task"]) == (firm.build.pk, firm.design.pk)


def test_time_entry_update_refusals(firm: Firm) -> None:
    entry = log(firm, minutes=60)
    log(firm, minutes=23 * 60, task=firm.design)
    with refused(Invalid, entry, match="more than 24 hours"):
        time_entry_update(viewer=firm.member, entry=entry, minutes=61)
    with refused(Invalid, entry, match="above zero"):
        time_entry_update(viewer=firm.member, entry=entry, minutes=0)
    with refused(Invalid, entry, match="cannot be changed"):
        time_entry_update(viewer=firm.member, entry=entry, status="approved")
    with refused(Invalid, entry, match="cannot be changed"):
        time_entry_update(viewer=firm.member, entry=entry, bill_amount_minor=10**9)
    with refused(Invalid, entry, match="days ahead"):
        time_entry_update(viewer=firm.member, entry=entry, work_date=TODAY + timedelta(days=400))
    with refused(Forbidden, entry, match="Only the person"):
        time_entry_update(viewer=firm.member2, entry=entry, minutes=30)
    with refused(Forbidden, entry, match="Only the person"):
        time_entry_update(viewer=firm.manager, entry=entry, minutes=30)
    with refused(NotFound, entry):
        time_entry_update(viewer=firm.other_admin, entry=entry, minutes=30)
    with refused(NotFound, entry):
        time_entry_delete(viewer=firm.other_admin, entry=entry)
    assert audit_rows("time_entry.update") == []


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_submitted_and_approved_entries_cannot_be_edited_or_deleted(firm: Firm, state: str) -> None:
    (entry,) = approved(firm, log(firm)) if state == "approved" else submitted(firm, log(firm))
    assert entry.status == state
    if state == "submitted":  # an approved entry can be edited: it goes back for approval (test_policies)
        with refused(Conflict, entry, match=f"is {state}"):
            time_entry_update(viewer=firm.member, entry=entry, minutes=30)
        with refused(Conflict, entry, match=f"is {state}"):
            time_entry_update(viewer=firm.admin, entry=entry, note="admin fix")
    with refused(Conflict, entry, match=f"is {state}"):
        time_entry_delete(viewer=firm.member, entry=entry)
    with refused(Conflict, entry, match=f"is {state}"):
        week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY, minutes=30)


def test_a_rejected_entry_goes_back_to_draft_when_edited(firm: Firm) -> None:
    (entry,) = submitted(firm, log(firm))
    assert time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Wrong task") == 1
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason, entry.decided_by_id) == (
        "rejected",
        "Wrong task",
        firm.manager_user.pk,
    )
    row = audit_row("time_entry.reject", entry)
    assert (row.actor_id, row.before, row.after) == (
        firm.manager_user.pk,
        {"status": "submitted"},
        {"status": "rejected", "reason": "Wrong task"},
    )
    updated = time_entry_update(viewer=firm.member, entry=entry, task=firm.design)
    assert updated.status == "draft"
    row = audit_row("time_entry.update", entry)
    assert (row.before["status"], row.after["status"]) == ("rejected", "draft")


def test_time_entry_delete(firm: Firm) -> None:
    entry = log(firm, minutes=45)
    pk = entry.pk
    with refused(Forbidden, entry):
        time_entry_delete(viewer=firm.member2, entry=entry)
    time_entry_delete(viewer=firm.member, entry=entry)
    assert not TimeEntry.objects.filter(pk=pk).exists()
    row = audit_rows("time_entry.delete")[0]
    assert (row.object_id, row.actor_id, row.after) == (pk, firm.member_user.pk, None)
    assert row.before["minutes"] == 45 and row.before["status"] == "draft"


# --- the week grid -----------------------------------------------------------------------------


def test_week_cell_set_creates_updates_merges_and_empties(firm: Firm) -> None:
    tom, day = firm.member, MONDAY + timedelta(days=2)

    created = week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=90, note="kick-off")
    assert created is not None and (created.minutes, created.note, created.status) == (90, "kick-off", "draft")
    assert audit_row("time_entry.create", created).after["minutes"] == 90

    updated = week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=120)
    assert updated is not None and updated.pk == created.pk
    assert (updated.minutes, updated.note) == (120, "kick-off")  # note None keeps the note
    assert audit_row("time_entry.update", created).after["minutes"] == 120

    second = time_entry_create(viewer=tom, project=firm.project, task=firm.design, work_date=day, minutes=30)
    merged = week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=200, note="")
    assert merged is not None and merged.pk == created.pk
    assert list(TimeEntry.objects.filter(task=firm.design, work_date=day).values_list("minutes", "note")) == [(200, "")]
    assert audit_row("time_entry.delete").object_id == second.pk

    assert week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=0) is None
    assert not TimeEntry.objects.filter(task=firm.design, work_date=day).exists()
    assert len(audit_rows("time_entry.delete")) == 2
    with refused(Invalid, match="above zero"):
        week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=-5)
    with refused(Invalid, match="24 hours"):
        week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=25 * 60)
    assert week_cell_set(viewer=tom, task=firm.design, work_date=day, minutes=0) is None  # empty stays empty


def test_week_of_builds_the_grid(firm: Firm) -> None:
    log(firm, minutes=60, day=0)
    log(firm, minutes=30, day=0, task=firm.design)
    log(firm, minutes=30, day=0, task=firm.design, note="second")
    log(firm, minutes=120, day=4)
    week = week_of(firm.member_person.pk, MONDAY, extra_task_ids=[firm.build.pk])
    assert [(r.task_name, r.total) for r in week.rows] == [("Build", 180), ("Design", 60)]
    design = week.rows[1].cells[0]
    assert (design.minutes, len(design.entry_ids), design.status, design.editable) == (60, 2, "draft", True)
    assert week.day_totals == [120, 0, 0, 0, 120, 0, 0] and week.total == 240 and week.has_drafts
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    week = week_of(firm.member_person.pk, MONDAY)
    assert not week.has_drafts and not week.rows[0].cells[0].editable
    empty = week_of(firm.member_person.pk, MONDAY - timedelta(days=7), extra_task_ids=[firm.design.pk])
    assert [(r.task_name, r.total) for r in empty.rows] == [("Design", 0)]


def test_tasks_open_to_lists_leaf_tasks_of_open_projects(firm: Firm) -> None:
    assert list(tasks_open_to(firm.member_person.pk)) == [firm.design, firm.build]
    child = projects.task_create(viewer=firm.manager, project=firm.project, name="Backend", parent=firm.build)
    projects.task_update(viewer=firm.manager, task=firm.design, closed=True)
    assert list(tasks_open_to(firm.member_person.pk)) == [child]
    projects.project_update(viewer=firm.manager, project=firm.project, status="closed")
    assert list(tasks_open_to(firm.member_person.pk)) == []


# --- submitting --------------------------------------------------------------------------------


def test_submit_a_week(firm: Firm) -> None:
    drafts = [log(firm, day=d) for d in (0, 3, 6)]
    log(firm, day=7)  # next week: not part of it
    assert time_entries_submit(viewer=firm.member, monday=MONDAY) == 3
    for entry in TimeEntry.objects.filter(pk__in=[e.pk for e in drafts]):
        assert entry.status == "submitted" and entry.submitted_at is not None
        row = audit_row("time_entry.submit", entry)
        assert (row.actor_id, row.before, row.after) == (
            firm.member_user.pk,
            {"status": "draft"},
            {"status": "submitted"},
        )
    assert TimeEntry.objects.filter(status="draft").count() == 1


def test_submitting_an_empty_week_is_refused(firm: Firm) -> None:
    with refused(Invalid, match="nothing to submit"):
        time_entries_submit(viewer=firm.member, monday=MONDAY)
    submitted(firm, log(firm))
    with refused(Invalid, match="nothing to submit"):  # everything is submitted already
        time_entries_submit(viewer=firm.member, monday=MONDAY)


def test_resubmitting_rejected_time_records_where_it_came_from(firm: Firm) -> None:
    (entry,) = submitted(firm, log(firm))
    time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Split it")
    assert time_entries_submit(viewer=firm.member, monday=MONDAY) == 1
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason) == ("submitted", "")
    assert audit_rows("time_entry.submit", entry)[-1].before == {"status": "rejected"}


def test_an_admin_submits_for_someone_else(firm: Firm) -> None:
    log(firm)
    with refused(Forbidden):
        time_entries_submit(viewer=firm.member2, monday=MONDAY, person=firm.member_person)
    assert time_entries_submit(viewer=firm.admin, monday=MONDAY, person=firm.member_person) == 1


# --- approving: the valuation snapshot ---------------------------------------------------------


def test_approval_stores_the_valuation_snapshot(firm: Firm) -> None:
    tom = log(firm, minutes=90)
    lea = log(firm, viewer="member2", minutes=30, day=1)
    internal = log(firm, minutes=45, day=2, billable=False)
    bill_rate_set(
        viewer=firm.manager,
        project=firm.project,
        person=firm.member2_person,
        valid_from=RATE_FROM,
        hourly_rate=Decimal(120),
    )
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_submit(viewer=firm.member2, monday=MONDAY)
    assert set(approvals_pending(firm.manager)) == {tom, lea, internal}
    assert time_entries_approve(viewer=firm.manager, entry_ids=[tom.pk, lea.pk, internal.pk]) == 3
    tom, lea, internal = (TimeEntry.objects.get(pk=e.pk) for e in (tom, lea, internal))

    # Tom: consultant at 100/h, costs 40/h.
    assert (tom.status, tom.role_id, tom.bill_rate, tom.cost_rate) == ("approved", firm.consultant.pk, 100, 40)
    assert (tom.bill_amount_minor, tom.cost_amount_minor) == (15000, 6000)
    assert (tom.decided_by_id, tom.decided_at is not None) == (firm.manager_user.pk, True)
    # Lea: her own override of 120/h beats her role's 100/h; she costs 45/h.
    assert (lea.bill_rate, lea.bill_amount_minor, lea.cost_amount_minor) == (120, 6000, 2250)
    # Non-billable time is worth nothing to the client but still costs.
    assert (internal.bill_amount_minor, internal.cost_amount_minor) == (0, 3000)
    row = audit_row("time_entry.approve", tom)
    assert (row.actor_id, row.before) == (firm.manager_user.pk, {"status": "submitted"})
    assert row.after == {
        "status": "approved",
        "bill_rate": "100.0000",
        "bill_amount_minor": 15000,
        "cost_rate": "40.0000",
        "cost_amount_minor": 6000,
    }
    assert list(approvals_pending(firm.manager)) == []


def test_valuation_uses_the_rates_in_force_on_the_work_date(firm: Firm) -> None:
    change = MONDAY + timedelta(days=2)
    bill_rate_set(
        viewer=firm.manager, project=firm.project, role=firm.consultant, valid_from=change, hourly_rate=Decimal(200)
    )
    cost_rate_set(viewer=firm.finance, person=firm.member_person, valid_from=change, hourly_cost=Decimal(50))
    before, after = approved(firm, log(firm, day=1), log(firm, day=2))
    assert (before.bill_amount_minor, before.cost_amount_minor) == (10000, 4000)
    assert (after.bill_amount_minor, after.cost_amount_minor) == (20000, 5000)
    # Later rate changes do not touch approved time: it keeps its snapshot.
    bill_rate_set(
        viewer=firm.manager, project=firm.project, role=firm.consultant, valid_from=change, hourly_rate=Decimal(1)
    )
    after.refresh_from_db()
    assert after.bill_amount_minor == 20000


def test_rounding_of_an_entry_is_half_up_to_the_cent(firm: Firm) -> None:
    bill_rate_set(
        viewer=firm.manager,
        project=firm.project,
        role=firm.consultant,
        valid_from=RATE_FROM,
        hourly_rate=Decimal("0.3"),
    )
    (entry,) = approved(firm, log(firm, minutes=1))
    assert entry.bill_amount_minor == 1  # 0.005 → 0.01


def _person_without_rates(firm: Firm, *, cost: bool, role_name: str = "Intern") -> Person:
    role = accounts.role_create(viewer=firm.admin, name=role_name)
    person = accounts.person_create(
        viewer=firm.admin, company=firm.usd, role=role, name="Ivy", email="ivy@example.test"
    )
    if cost:
        cost_rate_set(viewer=firm.finance, person=person, valid_from=RATE_FROM, hourly_cost=Decimal(20))
    projects.project_member_add(viewer=firm.manager, project=firm.project, person=person)
    return person


def test_approval_without_a_bill_rate_is_refused_with_a_clear_message(firm: Firm) -> None:
    ivy = _person_without_rates(firm, cost=True)
    entry = log(firm, viewer="admin", person=ivy)
    tom = log(firm)
    time_entries_submit(viewer=firm.admin, monday=MONDAY, person=ivy)
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    what = r"GLX-1 has no bill rate for Intern \(Ivy's role\) on \d+ \w{3} \d{4}, .* the project's Rates tab"
    with refused(Invalid, entry, tom, match=what):
        time_entries_approve(viewer=firm.manager, entry_ids=[tom.pk, entry.pk])  # all or nothing
    # Non-billable time needs no bill rate.
    time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Not billable")
    time_entry_update(viewer=firm.admin, entry=entry, billable=False)
    time_entries_submit(viewer=firm.admin, monday=MONDAY, person=ivy)
    assert time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk]) == 1


def test_approval_without_a_cost_rate_is_refused(firm: Firm) -> None:
    ivy = _person_without_rates(firm, cost=False)
    bill_rate_set(viewer=firm.manager, project=firm.project, person=ivy, valid_from=RATE_FROM, hourly_rate=Decimal(80))
    entry = log(firm, viewer="admin", person=ivy)
    time_entries_submit(viewer=firm.admin, monday=MONDAY, person=ivy)
    with refused(Invalid, entry, match=r"Ivy has no cost rate on .*Settings → People → Ivy"):
        time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])


def test_approving_your_own_time_is_refused(firm: Firm) -> None:
    own = log(firm, viewer="manager")
    time_entries_submit(viewer=firm.manager, monday=MONDAY)
    with refused(Forbidden, own, match="your own time"):
        time_entries_approve(viewer=firm.manager, entry_ids=[own.pk])
    with refused(Forbidden, own, match="your own time"):
        time_entries_reject(viewer=firm.manager, entry_ids=[own.pk], reason="no")
    assert time_entries_approve(viewer=firm.admin, entry_ids=[own.pk]) == 1  # an administrator may


def test_approval_refusals(firm: Firm) -> None:
    draft = log(firm)
    with refused(Conflict, draft, match="draft, not submitted"):
        time_entries_approve(viewer=firm.manager, entry_ids=[draft.pk])
    (entry,) = submitted(firm, draft)
    with refused(Invalid, entry, match="at least one"):
        time_entries_approve(viewer=firm.manager, entry_ids=[])
    with refused(NotFound, entry):
        time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk, 10**9])
    with refused(NotFound, entry):
        time_entries_approve(viewer=firm.other_admin, entry_ids=[entry.pk])
    with refused(Forbidden, entry):  # Tom may see his entry but not approve it
        time_entries_approve(viewer=firm.member, entry_ids=[entry.pk])
    with refused(NotFound, entry):  # Lea may not even see it
        time_entries_approve(viewer=firm.member2, entry_ids=[entry.pk])
    with refused(Invalid, entry, match="required"):
        time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="  ")
    with refused(Invalid, entry, match="NUL"):
        time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="no\x00")
    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])
    with refused(Conflict, match="approved, not submitted"):  # approving twice
        time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])


# --- bulk import -------------------------------------------------------------------------------


def _row(firm: Firm, day: int = 0, minutes: int = 60, **extra: object) -> ImportRow:
    values: dict[str, object] = {
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "person_id": firm.member_person.pk,
        "work_date": MONDAY + timedelta(days=day),
        "minutes": minutes,
        **extra,
    }
    return ImportRow(**values)  # type: ignore[arg-type]


def test_import_drafts(firm: Firm) -> None:
    rows = [_row(firm, day=d) for d in range(5)] + [_row(firm, person_id=firm.member2_person.pk, note="x")]
    assert len(time_entries_import(viewer=firm.admin, rows=rows)) == 6
    assert TimeEntry.objects.filter(status="draft").count() == 6
    row = audit_row("time_entry.import")
    assert (row.actor_id, row.after) == (firm.admin_user.pk, {"rows": 6, "approved": False})


def test_import_approved_values_entries_like_approval(firm: Firm) -> None:
    assert len(time_entries_import(viewer=firm.admin, rows=[_row(firm, minutes=90)], approved=True)) == 1
    entry = TimeEntry.objects.get()
    assert (entry.status, entry.bill_amount_minor, entry.cost_amount_minor) == ("approved", 15000, 6000)
    assert entry.decided_by_id == firm.admin_user.pk


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        ({"minutes": 0}, Invalid, "Row 3: Enter a duration above zero"),
        ({"minutes": 1441}, Invalid, "Row 3: One entry cannot be longer"),
        ({"work_date": date(2999, 1, 1)}, Invalid, "Row 3: The date"),
        ({"project_id": 10**9}, NotFound, "Row 3"),
        ({"person_id": 10**9}, NotFound, "Row 3"),
        ({"task_id": 10**9}, NotFound, "Row 3"),
        ({"note": "\x00"}, Invalid, "NUL"),
    ],
)
def test_import_is_all_or_nothing(firm: Firm, bad: dict[str, object], error: type, match: str) -> None:
    rows = [_row(firm, day=0), _row(firm, day=1), _row(firm, day=2, **bad), _row(firm, day=3)]
    with refused(error, match=match):
        time_entries_import(viewer=firm.admin, rows=rows)


def test_import_refusals(firm: Firm) -> None:
    with refused(Forbidden):
        time_entries_import(viewer=firm.finance, rows=[_row(firm)])
    with refused(Invalid, match="no rows"):
        time_entries_import(viewer=firm.admin, rows=[])
    with refused(Invalid, match="more than 24 hours"):  # across rows
        time_entries_import(viewer=firm.admin, rows=[_row(firm, minutes=800), _row(firm, minutes=800)])
    log(firm, minutes=23 * 60)
    with refused(Invalid, match="more than 24 hours"):  # rows plus what is logged already
        time_entries_import(viewer=firm.admin, rows=[_row(firm, minutes=61)])
    with refused(NotFound):  # another organisation's project
        time_entries_import(viewer=firm.admin, rows=[_row(firm, project_id=firm.other_project.pk, task_id=None)])
    with refused(NotFound):
        time_entries_import(viewer=firm.other_admin, rows=[_row(firm)])
    ivy = _person_without_rates(firm, cost=True)
    with refused(Invalid, match="no bill rate"):  # approved import values entries: no rate, no import
        time_entries_import(viewer=firm.admin, rows=[_row(firm, person_id=ivy.pk)], approved=True)


def test_import_refuses_closed_and_summary_tasks(firm: Firm) -> None:
    child = projects.task_create(viewer=firm.manager, project=firm.project, name="Backend", parent=firm.build)
    with refused(Invalid, match="Row 1: 'Build' is a summary task"):
        time_entries_import(viewer=firm.admin, rows=[_row(firm)])
    projects.task_update(viewer=firm.manager, task=child, closed=True)
    with refused(Invalid, match="Row 1: Task 'Backend' is closed"):
        time_entries_import(viewer=firm.admin, rows=[_row(firm, task_id=child.pk)])
    projects.project_update(viewer=firm.manager, project=firm.project, status="closed")
    with refused(Invalid, match="Row 1: Project GLX-1 is closed"):
        time_entries_import(viewer=firm.admin, rows=[_row(firm, task_id=None)])


# --- who sees which entries --------------------------------------------------------------------


def test_time_entries_visible(firm: Firm) -> None:
    tom, lea, maya = log(firm), log(firm, viewer="member2"), log(firm, viewer="manager")
    assert set(time_entries_visible(firm.member)) == {tom}
    assert set(time_entries_visible(firm.member2)) == {lea}
    assert set(time_entries_visible(firm.manager)) == {tom, lea, maya}  # she manages the project
    assert set(time_entries_visible(firm.finance)) == {tom, lea, maya}
    assert set(time_entries_visible(firm.other_admin)) == set()
    assert time_entry_get(firm.member, tom.pk) == tom
    for viewer, entry in ((firm.member, lea), (firm.member2, tom), (firm.other_admin, maya)):
        with pytest.raises(NotFound):
            time_entry_get(viewer, entry.pk)


def test_company_restriction_hides_entries(firm: Firm) -> None:
    """Maya restricted to the EUR company no longer sees the time of her USD project."""
    tom = log(firm)
    Membership.objects.get(user=firm.manager_user).companies.set([firm.eur])
    restricted = viewer_for(firm.manager_user)
    assert list(time_entries_visible(restricted)) == []
    with pytest.raises(NotFound):
        time_entry_get(restricted, tom.pk)
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    assert list(approvals_pending(restricted)) == []
    with refused(NotFound):
        time_entries_approve(viewer=restricted, entry_ids=[tom.pk])
