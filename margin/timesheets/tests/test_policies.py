"""Issue 4 rules on time: company policy, logging for others, re-approval, approvers and delegates,
submitting by month, and period close (lock dates) — each refusal changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Membership, Person
from margin.accounts.queries import viewer_for
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.periods import week_start
from margin.projects import actions as projects
from margin.rates.actions import cost_rate_set
from margin.timesheets import rules
from margin.timesheets.actions import (
    ImportRow,
    approval_delegate_add,
    approval_delegate_remove,
    check_period_open,
    time_entries_approve,
    time_entries_import,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    week_cell_set,
)
from margin.timesheets.models import ApprovalDelegate, EntryStatus, TimeEntry
from margin.timesheets.queries import (
    approvals_pending,
    time_entries_visible,
    time_entry_get,
)
from tests.checks import audit_row, audit_rows, refused, set_lock_date
from tests.firm import RATE_FROM, Firm

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


def fresh(entry: TimeEntry) -> TimeEntry:
    return TimeEntry.objects.get(pk=entry.pk)


def allow_logging_for_others(firm: Firm) -> None:
    accounts.log_for_others_set(viewer=firm.admin, person=firm.member2_person, allowed=True)
    firm.member2 = viewer_for(firm.member2_user)


# --- pure rules ----------------------------------------------------------------------------------


def test_submit_period_of() -> None:
    assert rules.submit_period_of(date(2026, 3, 4), "week") == (date(2026, 3, 2), date(2026, 3, 8))
    assert rules.submit_period_of(date(2026, 2, 14), "month") == (date(2026, 2, 1), date(2026, 2, 28))
    assert rules.submit_period_of(date(2028, 2, 29), "month") == (date(2028, 2, 1), date(2028, 2, 29))
    assert rules.submit_period_of(date(2026, 12, 31), "month") == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(Invalid):
        rules.submit_period_of(date(2026, 1, 1), "fortnight")


def test_pure_policy_rules() -> None:
    rules.check_day_total(already_minutes=400, new_minutes=80, work_date=date(2026, 1, 5), limit=480)
    with pytest.raises(Invalid, match=r"daily maximum of 8:00 hours.*at most 1:20 more"):
        rules.check_day_total(already_minutes=400, new_minutes=81, work_date=date(2026, 1, 5), limit=480)
    rules.check_start_date(date(2026, 1, 5), start_date=date(2026, 1, 5), person_name="Tom")
    with pytest.raises(Invalid, match="Tom started on 2026-01-05"):
        rules.check_start_date(date(2026, 1, 4), start_date=date(2026, 1, 5), person_name="Tom")
    rules.check_note("", required=False, project_code="X")
    with pytest.raises(Invalid, match="requires a note"):
        rules.check_note("  ", required=True, project_code="X")
    rules.check_period_open(date(2026, 2, 1), locked_through=date(2026, 1, 31), company_name="Acme")
    with pytest.raises(Conflict, match="up to 2026-01-31 is closed for Acme"):
        rules.check_period_open(date(2026, 1, 31), locked_through=date(2026, 1, 31), company_name="Acme")


# --- company time policy -------------------------------------------------------------------------


def _policy(firm: Firm, **values: object) -> None:
    current = {"max_day_minutes": 24 * 60, "max_future_days": None, "submit_period": "week", **values}
    accounts.company_time_policy_set(viewer=firm.admin, company=firm.usd, **current)  # type: ignore[arg-type]


def test_company_time_policy_set_and_refusals(firm: Firm) -> None:
    _policy(firm, max_day_minutes=8 * 60, max_future_days=0, submit_period="month")
    firm.usd.refresh_from_db()
    assert (firm.usd.max_day_minutes, firm.usd.max_future_days, firm.usd.submit_period) == (480, 0, "month")
    row = audit_row("company.time_policy", firm.usd)
    assert row.before == {"max_day_minutes": 1440, "max_future_days": None, "submit_period": "week"}
    assert row.after == {"max_day_minutes": 480, "max_future_days": 0, "submit_period": "month"}
    for bad, match in [
        ({"max_day_minutes": 0}, "daily maximum"),
        ({"max_day_minutes": 1441}, "daily maximum"),
        ({"max_future_days": -1}, "Days ahead"),
        ({"submit_period": "year"}, "week or month"),
    ]:
        with refused(Invalid, firm.usd, match=match):
            _policy(firm, **bad)
    with refused(Forbidden, firm.usd):
        accounts.company_time_policy_set(
            viewer=firm.finance, company=firm.usd, max_day_minutes=60, max_future_days=None, submit_period="week"
        )
    with refused(NotFound, firm.usd):
        accounts.company_time_policy_set(
            viewer=firm.other_admin, company=firm.usd, max_day_minutes=60, max_future_days=None, submit_period="week"
        )


def test_max_minutes_per_day_is_enforced_everywhere(firm: Firm) -> None:
    _policy(firm, max_day_minutes=8 * 60)
    entry = log(firm, minutes=7 * 60)
    with refused(Invalid, entry, match="daily maximum of 8:00 hours"):
        log(firm, minutes=61, task=firm.design)
    with refused(Invalid, entry, match="daily maximum of 8:00 hours"):
        time_entry_update(viewer=firm.member, entry=entry, minutes=8 * 60 + 1)
    with refused(Invalid, entry, match="daily maximum of 8:00 hours"):
        week_cell_set(viewer=firm.member, task=firm.design, work_date=MONDAY, minutes=90, note="x")
    row = ImportRow(firm.project.pk, firm.design.pk, firm.member_person.pk, MONDAY, 61)
    with refused(Invalid, match="daily maximum of 8:00 hours"):
        time_entries_import(viewer=firm.admin, rows=[row])
    assert log(firm, minutes=60, task=firm.design).minutes == 60  # exactly the maximum is fine


def test_days_ahead_follow_the_company_policy(firm: Firm) -> None:
    tomorrow = TODAY + timedelta(days=1)
    _policy(firm, max_future_days=0)
    with refused(Invalid, match="more than 0 days ahead"):
        time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=tomorrow, minutes=60)
    with refused(Invalid, match="Row 1: .*0 days ahead"):
        time_entries_import(
            viewer=firm.admin, rows=[ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, tomorrow, 60)]
        )
    _policy(firm, max_future_days=None)  # the installation's default (31 days) again
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=tomorrow, minutes=60)
    assert entry.work_date == tomorrow


def test_notes_required_on_a_project(firm: Firm) -> None:
    projects.project_update(viewer=firm.manager, project=firm.project, notes_required=True)
    assert audit_rows("project.update")[-1].after["notes_required"] is True
    with refused(Invalid, match="GLX-1 requires a note"):
        log(firm)
    with refused(Invalid, match="requires a note"):
        log(firm, note="   ")
    with refused(Invalid, match="requires a note"):
        week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY, minutes=60)
    with refused(Invalid, match="Row 1: Project GLX-1 requires a note"):
        time_entries_import(
            viewer=firm.admin, rows=[ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, MONDAY, 60)]
        )
    entry = log(firm, note="Sprint review")
    with refused(Invalid, entry, match="requires a note"):
        time_entry_update(viewer=firm.member, entry=entry, note="")
    cell = week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY, minutes=90)  # keeps its note
    assert cell is not None and (cell.minutes, cell.note) == (90, "Sprint review")
    with refused(Invalid, match="yes or no"):
        projects.project_update(viewer=firm.manager, project=firm.project, notes_required="maybe")


def test_no_time_before_a_persons_start_date(firm: Firm) -> None:
    accounts.person_start_date_set(viewer=firm.admin, person=firm.member_person, start_date=MONDAY + timedelta(days=1))
    assert audit_row("person.start_date", firm.member_person).after == {"start_date": str(MONDAY + timedelta(days=1))}
    with refused(Invalid, match="Tom started on"):
        log(firm, day=0)
    with refused(Invalid, match="Row 1: Tom started on"):
        time_entries_import(
            viewer=firm.admin, rows=[ImportRow(firm.project.pk, firm.build.pk, firm.member_person.pk, MONDAY, 60)]
        )
    entry = log(firm, day=1)
    with refused(Invalid, entry, match="started on"):
        time_entry_update(viewer=firm.member, entry=entry, work_date=MONDAY)
    with refused(Forbidden, firm.member_person):
        accounts.person_start_date_set(viewer=firm.manager, person=firm.member_person, start_date=None)


# --- logging time for others ---------------------------------------------------------------------


def test_logging_for_others_needs_the_permission(firm: Firm) -> None:
    with refused(Forbidden, match="log time for someone else"):
        log(firm, viewer="member2", person=firm.member_person)
    with refused(Forbidden, match="log time for someone else"):
        log(firm, viewer="manager", person=firm.member_person)  # managing the project is not enough
    with refused(Forbidden, firm.member2_person):
        accounts.log_for_others_set(viewer=firm.manager, person=firm.member2_person, allowed=True)

    allow_logging_for_others(firm)
    assert Membership.objects.get(user=firm.member2_user).can_log_for_others
    assert audit_row("membership.log_for_others").after == {
        "can_log_for_others": True,
        "person": firm.member2_person.pk,
    }
    entry = log(firm, viewer="member2", person=firm.member_person, minutes=45)
    assert entry.person_id == firm.member_person.pk
    row = audit_row("time_entry.create", entry)
    assert row.actor_id == firm.member2_user.pk and row.after["person"] == firm.member_person.pk  # actor ≠ person
    assert time_entry_get(firm.member2, entry.pk) == entry  # they can see whose time they log

    updated = time_entry_update(viewer=firm.member2, entry=entry, minutes=50)
    assert updated.minutes == 50 and audit_row("time_entry.update", entry).actor_id == firm.member2_user.pk
    assert time_entries_submit(viewer=firm.member2, day=MONDAY, person=firm.member_person) == 1
    assert audit_rows("time_entry.submit")[0].actor_id == firm.member2_user.pk

    accounts.log_for_others_set(viewer=firm.admin, person=firm.member2_person, allowed=False)
    firm.member2 = viewer_for(firm.member2_user)
    with refused(Forbidden):
        log(firm, viewer="member2", person=firm.member_person)


def test_logging_for_others_stays_inside_the_companies(firm: Firm) -> None:
    allow_logging_for_others(firm)
    eur_person = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.consultant, name="Eve", email="eve@example.test"
    )
    # Tom's colleague may only log for people of the companies they see.
    Membership.objects.get(user=firm.member2_user).companies.set([firm.usd])
    member2 = viewer_for(firm.member2_user)
    with refused(NotFound):
        time_entries_submit(viewer=member2, day=MONDAY, person=eur_person)
    with refused(Invalid, match="does not sign in"):
        accounts.log_for_others_set(viewer=firm.admin, person=eur_person, allowed=True)


def test_a_member_may_not_edit_or_delete_someone_elses_entry(firm: Firm) -> None:
    entry = log(firm)
    with refused(Forbidden, entry, match="Only the person"):
        time_entry_update(viewer=firm.member2, entry=entry, minutes=30)
    with refused(Forbidden, entry, match="Only the person"):
        time_entry_delete(viewer=firm.member2, entry=entry)
    with refused(Forbidden, match="someone else"):
        time_entries_submit(viewer=firm.member2, day=MONDAY, person=firm.member_person)


# --- re-approval ---------------------------------------------------------------------------------


def _approved(firm: Firm, *entries: TimeEntry) -> list[TimeEntry]:
    time_entries_submit(viewer=firm.member, day=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[e.pk for e in entries])
    return [fresh(e) for e in entries]


def test_editing_an_approved_entry_sends_it_back_for_approval(firm: Firm) -> None:
    (entry,) = _approved(firm, log(firm, minutes=60))
    assert (entry.status, entry.bill_amount_minor, entry.cost_amount_minor) == ("approved", 10_000, 4_000)

    same = time_entry_update(viewer=firm.member, entry=entry, minutes=60)  # no change: stays approved
    assert fresh(same).status == "approved" and audit_rows("time_entry.update") == []

    changed = time_entry_update(viewer=firm.member, entry=entry, minutes=90)
    entry = fresh(changed)
    assert (entry.status, entry.minutes) == ("submitted", 90)
    assert (entry.bill_rate, entry.bill_amount_minor, entry.cost_rate, entry.cost_amount_minor) == (None, 0, None, 0)
    assert entry.role_id is None and entry.decided_at is None and entry.decided_by_id is None
    row = audit_row("time_entry.update", entry)
    assert row.before["status"] == "approved" and row.before["bill_amount_minor"] == 10_000
    assert row.after["status"] == "submitted" and row.after["sent_back_for_approval"] is True
    assert row.after["bill_amount_minor"] == 0
    assert entry in approvals_pending(firm.manager)

    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])  # valued again on approval
    entry = fresh(entry)
    assert (entry.status, entry.bill_amount_minor, entry.cost_amount_minor) == ("approved", 15_000, 6_000)


def test_approved_entries_cannot_be_deleted(firm: Firm) -> None:
    (entry,) = _approved(firm, log(firm))
    with refused(Conflict, entry, match="is approved"):
        time_entry_delete(viewer=firm.member, entry=entry)
    with refused(Conflict, entry, match="is approved"):
        week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY, minutes=30)
    # Billed entries cannot be edited at all: margin/billing/tests/test_billed_time_locked.py


def test_a_rejected_entry_carries_the_reason_until_resubmitted(firm: Firm) -> None:
    entry = log(firm)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    time_entries_reject(viewer=firm.manager, entry_ids=[entry.pk], reason="Wrong task, use Design")
    seen = time_entry_get(firm.member, entry.pk)
    assert (seen.status, seen.rejection_reason) == ("rejected", "Wrong task, use Design")
    time_entry_update(viewer=firm.member, entry=entry, task=firm.design)
    assert fresh(entry).rejection_reason == "Wrong task, use Design"  # still visible while fixing it
    time_entries_submit(viewer=firm.member, day=MONDAY)
    assert (fresh(entry).status, fresh(entry).rejection_reason) == ("submitted", "")


# --- approvers and delegates ---------------------------------------------------------------------


def test_administrators_cannot_approve_their_own_time(firm: Firm) -> None:
    me = Person.objects.get(user=firm.admin_user)
    cost_rate_set(viewer=firm.admin, person=me, valid_from=RATE_FROM, hourly_cost=Decimal(70))
    projects.project_member_add(viewer=firm.admin, project=firm.project, person=me)
    own = log(firm, viewer="admin")
    time_entries_submit(viewer=firm.admin, day=MONDAY)
    assert own not in approvals_pending(firm.admin)
    with refused(Forbidden, own, match="your own time"):
        time_entries_approve(viewer=firm.admin, entry_ids=[own.pk])
    assert time_entries_approve(viewer=firm.manager, entry_ids=[own.pk]) == 1


def test_finance_and_members_cannot_approve(firm: Firm) -> None:
    entry = log(firm)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    with refused(Forbidden, entry, match="manager, their delegate or an administrator"):
        time_entries_approve(viewer=firm.finance, entry_ids=[entry.pk])
    with refused(NotFound, entry):
        time_entries_approve(viewer=firm.member2, entry_ids=[entry.pk])


def test_a_project_delegate_approves_in_the_managers_stead(firm: Firm) -> None:
    entry = log(firm)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    with refused(NotFound, entry):
        time_entries_approve(viewer=firm.member2, entry_ids=[entry.pk])
    row = approval_delegate_add(viewer=firm.manager, delegate=firm.member2_person, project=firm.project)
    assert audit_row("approval_delegate.add", row).after["delegate"] == firm.member2_person.pk
    assert list(approvals_pending(firm.member2)) == [entry]
    assert entry in time_entries_visible(firm.member2)
    assert time_entries_approve(viewer=firm.member2, entry_ids=[entry.pk]) == 1
    assert fresh(entry).decided_by_id == firm.member2_user.pk

    own = log(firm, viewer="member2", day=1)
    time_entries_submit(viewer=firm.member2, day=MONDAY)
    assert own not in approvals_pending(firm.member2)
    with refused(Forbidden, own, match="your own time"):  # a delegate cannot approve their own time
        time_entries_approve(viewer=firm.member2, entry_ids=[own.pk])

    approval_delegate_remove(viewer=firm.manager, row=row)
    assert not ApprovalDelegate.objects.exists()
    assert list(approvals_pending(firm.member2)) == []


def test_a_managers_delegate_covers_their_projects_within_the_dates(firm: Firm) -> None:
    entry = log(firm)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    later = approval_delegate_add(
        viewer=firm.manager,
        delegate=firm.member2_person,
        manager=firm.manager_person,
        valid_from=TODAY + timedelta(days=3),
        valid_to=TODAY + timedelta(days=10),
    )
    assert list(approvals_pending(firm.member2)) == []  # not yet in force
    with refused(NotFound, entry):
        time_entries_approve(viewer=firm.member2, entry_ids=[entry.pk])
    approval_delegate_remove(viewer=firm.admin, row=later)
    approval_delegate_add(
        viewer=firm.admin,
        delegate=firm.member2_person,
        manager=firm.manager_person,
        valid_from=TODAY - timedelta(days=1),
        valid_to=TODAY,
    )
    assert time_entries_reject(viewer=firm.member2, entry_ids=[entry.pk], reason="Split it") == 1


def test_delegation_refusals(firm: Firm) -> None:
    with refused(Forbidden, match="Only the manager"):
        approval_delegate_add(viewer=firm.member, delegate=firm.member2_person, project=firm.project)
    with refused(Forbidden, match="Only the manager"):
        approval_delegate_add(viewer=firm.manager, delegate=firm.member2_person, manager=firm.member_person)
    with refused(Invalid, match="one project or of one manager"):
        approval_delegate_add(viewer=firm.admin, delegate=firm.member2_person)
    with refused(Invalid, match="one project or of one manager"):
        approval_delegate_add(
            viewer=firm.admin, delegate=firm.member2_person, project=firm.project, manager=firm.manager_person
        )
    with refused(Invalid, match="approves this time already"):
        approval_delegate_add(viewer=firm.admin, delegate=firm.manager_person, project=firm.project)
    with refused(Invalid, match="ends? on or after"):
        approval_delegate_add(
            viewer=firm.admin,
            delegate=firm.member2_person,
            project=firm.project,
            valid_from=TODAY,
            valid_to=TODAY - timedelta(days=1),
        )
    with refused(NotFound):
        approval_delegate_add(viewer=firm.other_admin, delegate=firm.member2_person, project=firm.other_project)
    row = approval_delegate_add(viewer=firm.admin, delegate=firm.member2_person, project=firm.project)
    with refused(Forbidden, row):
        approval_delegate_remove(viewer=firm.member2, row=row)
    with refused(NotFound, row):
        approval_delegate_remove(viewer=firm.other_admin, row=row)


# --- submitting a week or a month ----------------------------------------------------------------


def test_submit_by_week_or_by_month(firm: Firm) -> None:
    # Last month (all of it in the past): its first Monday, the Monday after, and the day before it began.
    first = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)

    def on(day: date) -> TimeEntry:
        return time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=day, minutes=60)

    a, b, before = on(monday), on(monday + timedelta(days=7)), on(first - timedelta(days=1))
    assert time_entries_submit(viewer=firm.member, day=monday + timedelta(days=2)) == 1  # week: a only
    assert (fresh(a).status, fresh(b).status) == ("submitted", "draft")

    _policy(firm, submit_period="month")
    assert time_entries_submit(viewer=firm.member, day=monday) == 1  # the month: b too, not the month before
    assert (fresh(b).status, fresh(before).status) == ("submitted", "draft")
    with refused(Invalid, match="nothing to submit in this month"):
        time_entries_submit(viewer=firm.member, day=first)
    assert audit_rows("time_entry.submit")[-1].after == {"status": "submitted"}


# --- period close --------------------------------------------------------------------------------


def test_nothing_in_a_closed_period_can_change(firm: Firm) -> None:
    log(firm, day=0, minutes=60)
    submitted_inside = log(firm, day=1, minutes=60, task=firm.design)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    draft_inside = log(firm, day=2, minutes=30)  # a draft left behind
    set_lock_date(firm.usd, MONDAY + timedelta(days=2))
    closed = "closed for Acme US"

    with refused(Conflict, match=closed):
        log(firm, day=2, task=firm.design)
    with refused(Conflict, draft_inside, match=closed):
        time_entry_update(viewer=firm.member, entry=draft_inside, minutes=45)
    with refused(Conflict, draft_inside, match=closed):
        time_entry_update(viewer=firm.admin, entry=draft_inside, note="admin")
    with refused(Conflict, draft_inside, match=closed):
        time_entry_delete(viewer=firm.member, entry=draft_inside)
    with refused(Conflict, draft_inside, match=closed):
        week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY + timedelta(days=2), minutes=90)
    with refused(Conflict, draft_inside, match=closed):
        week_cell_set(viewer=firm.member, task=firm.build, work_date=MONDAY + timedelta(days=2), minutes=0)
    with refused(Conflict, draft_inside, match=closed):
        time_entries_submit(viewer=firm.member, day=MONDAY)
    with refused(Conflict, submitted_inside, match=closed):
        time_entries_approve(viewer=firm.manager, entry_ids=[submitted_inside.pk])
    with refused(Conflict, submitted_inside, match=closed):
        time_entries_reject(viewer=firm.manager, entry_ids=[submitted_inside.pk], reason="no")
    rows = [
        ImportRow(firm.project.pk, firm.build.pk, firm.member2_person.pk, MONDAY + timedelta(days=3), 60),
        ImportRow(firm.project.pk, firm.build.pk, firm.member2_person.pk, MONDAY + timedelta(days=1), 60),
    ]
    with refused(Conflict, match=f"Row 2: .*{closed}"):
        time_entries_import(viewer=firm.admin, rows=rows)
    with refused(Conflict, match=closed):
        check_period_open(firm.usd.pk, MONDAY + timedelta(days=5), MONDAY)

    # After the lock date, and in the other company, time goes on as usual.
    after = log(firm, day=3, task=firm.design)
    time_entry_update(viewer=firm.member, entry=after, minutes=90)
    time_entries_import(viewer=firm.admin, rows=rows[:1])


def test_a_closed_period_of_one_company_leaves_the_other_open(firm: Firm) -> None:
    set_lock_date(firm.eur, MONDAY + timedelta(days=6))
    assert log(firm, day=1).status == EntryStatus.DRAFT  # GLX-1 is a USD project
