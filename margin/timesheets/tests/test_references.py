"""A time entry points at existing rows on both databases (ADR 0026): foreign keys on SQLite, set-based
statement triggers on PostgreSQL. Written with raw SQL, past every action, as any code path could."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction

from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from margin.timesheets.tests.test_time_totals import MONDAY
from tests.checks import database_refuses
from tests.firm import Firm

NO_SUCH_ID = 987_654_321
COLUMNS = (
    "organisation_id, company_id, project_id, task_id, person_id, role_id, decided_by_id, work_date, minutes, "
    "billable, billable_minutes, category, note, status, rejection_reason, created_at, updated_at, "
    "bill_amount_minor, cost_amount_minor, currency"
)
INSERT = (
    f"INSERT INTO timesheets_timeentry ({COLUMNS}) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, 60, %s, 60, 'work', '', 'draft', '', %s, %s, 0, 0, 'USD')"
)


def refused(sql: str, params: list[object]) -> bool:
    return database_refuses(sql, params, table="timesheets_timeentry")


def _values(firm: Firm, **changes: object) -> list[object]:
    now = "2026-01-01 00:00:00+00:00"
    row: dict[str, object] = {
        "organisation_id": firm.usd.organisation_id,
        "company_id": firm.usd.pk,
        "project_id": firm.project.pk,
        "task_id": firm.build.pk,
        "person_id": firm.member_person.pk,
        "role_id": firm.consultant.pk,
        "decided_by_id": firm.admin_user.pk,
        "work_date": date(2026, 1, 5),
        "billable": True,
    }
    row.update(changes)
    return [*row.values(), now, now]


@pytest.mark.django_db
def test_an_entry_must_point_at_existing_rows(firm: Firm) -> None:
    assert not refused(INSERT, _values(firm))
    assert not refused(INSERT, _values(firm, task_id=None, role_id=None, decided_by_id=None))
    for column in ("organisation_id", "company_id", "project_id", "task_id", "person_id", "role_id", "decided_by_id"):
        assert refused(INSERT, _values(firm, **{column: NO_SUCH_ID})), column
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_an_update_is_checked_for_the_references_it_changes(firm: Firm) -> None:
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    update = "UPDATE timesheets_timeentry SET {} = %s WHERE id = %s"
    assert refused(update.format("task_id"), [NO_SUCH_ID, entry.pk])
    assert refused(update.format("person_id"), [NO_SUCH_ID, entry.pk])
    assert not refused(update.format("note"), ["still fine", entry.pk])
    assert not refused(update.format("task_id"), [firm.design.pk, entry.pk])
    assert TimeEntry.objects.get(pk=entry.pk).task_id == firm.build.pk


@pytest.mark.django_db
def test_what_an_entry_points_at_cannot_be_deleted(firm: Firm) -> None:
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    assert refused("DELETE FROM projects_task WHERE id = %s", [firm.build.pk])
    assert refused("DELETE FROM projects_project WHERE id = %s", [firm.project.pk])
    assert refused("DELETE FROM accounts_person WHERE id = %s", [firm.member_person.pk])
    assert refused("DELETE FROM accounts_company WHERE id = %s", [firm.usd.pk])
    # Once nothing points at it, it goes.
    TimeEntry.objects.filter(pk=entry.pk).delete()
    assert not refused("DELETE FROM projects_task WHERE id = %s", [firm.build.pk])


@pytest.mark.django_db
def test_deleting_the_user_who_approved_keeps_the_entry_without_them(firm: Firm) -> None:
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    time_entries_submit(viewer=firm.member, monday=MONDAY)
    time_entries_approve(viewer=firm.admin, entry_ids=[entry.pk])
    approver = TimeEntry.objects.get(pk=entry.pk).decided_by
    assert approver is not None
    assert refused("DELETE FROM auth_user WHERE id = %s", [approver.pk])
    get_user_model().objects.filter(pk=approver.pk).delete()  # Django sets decided_by to NULL first
    assert TimeEntry.objects.get(pk=entry.pk).decided_by_id is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's triggers replace the foreign keys")
@pytest.mark.django_db
def test_on_postgresql_triggers_not_foreign_keys_guard_the_entries() -> None:
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, "timesheets_timeentry")
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%%timeentry%%' AND NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    assert not [name for name, c in keys.items() if c["foreign_key"]]
    assert {"timesheets_timeentry_references_insert", "timesheets_timeentry_references_update"} <= names
    assert "projects_task_timeentry_delete" in names and "auth_user_timeentry_delete" in names


# --- PostgreSQL: an entry written while its task is deleted --------------------------------------------


def _hold(sql: str, params: list[object], done: threading.Event, release: threading.Event) -> object:
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            done.set()
            release.wait(timeout=30)
        return "committed"
    except IntegrityError as error:
        return error
    finally:
        done.set()
        connection.close()


def _start(sql: str, params: list[object], release: threading.Event) -> tuple[threading.Thread, list[object]]:
    done, outcome = threading.Event(), []
    thread = threading.Thread(target=lambda: outcome.append(_hold(sql, params, done, release)))
    thread.start()
    return thread, outcome


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")
@pytest.mark.parametrize("first", ["insert", "delete"])
def test_an_entry_and_the_delete_of_its_task_never_leave_it_pointing_at_nothing(firm: Firm, first: str) -> None:
    statements = {
        "insert": (INSERT, _values(firm, task_id=firm.design.pk)),
        "delete": ("DELETE FROM projects_task WHERE id = %s", [firm.design.pk]),
    }
    second = "delete" if first == "insert" else "insert"
    release = threading.Event()
    one, one_outcome = _start(*statements[first], release)
    one.join(timeout=1)  # it has run its statement and holds its transaction open
    never = threading.Event()
    never.set()
    two, two_outcome = _start(*statements[second], never)
    two.join(timeout=1)
    assert two.is_alive(), f"the {second} should wait for the {first}"
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert one_outcome == ["committed"]
    assert isinstance(two_outcome[0], IntegrityError), two_outcome
    orphans = TimeEntry.objects.exclude(task_id__isnull=True).exclude(task_id__in=[firm.design.pk, firm.build.pk])
    assert not orphans.exists()
    exists = TimeEntry.objects.filter(task_id=firm.design.pk).exists()
    assert exists == (first == "insert")
