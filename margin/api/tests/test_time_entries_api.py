"""Time entries through the API: log, change, delete, the week grid, submit, approve, reject."""

from __future__ import annotations

from datetime import timedelta

import pytest

from margin.api.tests.conftest import error_of, last_monday, unchanged
from margin.billing.actions import invoice_draft_create
from margin.core.models import AuditEntry
from margin.projects import actions as projects
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm
from tests.scenarios import approved_entries


@pytest.fixture
def tom(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.member_user)


@pytest.fixture
def maya(firm: Firm, api_as):  # type: ignore[no-untyped-def]
    return api_as(firm.manager_user)


def _log(firm: Firm, who, minutes: int = 90, day: int = 0, task=None) -> dict:  # type: ignore[no-untyped-def]
    response = who.post(
        "/time-entries",
        {
            "project_id": firm.project.pk,
            "task_id": (task or firm.design).pk,
            "work_date": (last_monday() + timedelta(days=day)).isoformat(),
            "minutes": minutes,
            "note": "Wireframes",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_log_get_change_delete(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    entry = _log(firm, tom)
    assert (entry["minutes"], entry["status"], entry["billable"], entry["note"]) == (90, "draft", True, "Wireframes")
    assert entry["person_id"] == firm.member_person.pk
    assert entry["bill_amount"] is None and entry["billed"] is False
    assert AuditEntry.objects.filter(action="time_entry.create", object_id=entry["id"]).exists()
    assert tom.get(f"/time-entries/{entry['id']}").json() == entry

    changed = tom.patch(f"/time-entries/{entry['id']}", {"minutes": 120, "task_id": firm.build.pk, "billable": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["minutes"], changed.json()["task_id"], changed.json()["billable"]) == (
        120,
        firm.build.pk,
        False,
    )
    assert changed.json()["note"] == "Wireframes"

    assert tom.delete(f"/time-entries/{entry['id']}").status_code == 204
    assert not TimeEntry.objects.filter(pk=entry["id"]).exists()
    assert AuditEntry.objects.filter(action="time_entry.delete", object_id=entry["id"]).exists()


def test_list_filters_and_visibility(firm: Firm, tom, maya, api_as) -> None:  # type: ignore[no-untyped-def]
    _log(firm, tom, day=0)
    _log(firm, tom, day=1, task=firm.build)
    _log(firm, api_as(firm.member2_user), day=0)
    mine = tom.get("/time-entries").json()
    assert mine["count"] == 2
    assert [e["work_date"] for e in mine["items"]] == sorted((e["work_date"] for e in mine["items"]), reverse=True)
    assert maya.get("/time-entries").json()["count"] == 3  # the manager sees the project's time
    assert maya.get("/time-entries", {"person_id": firm.member2_person.pk}).json()["count"] == 1
    day = last_monday() + timedelta(days=1)
    assert maya.get("/time-entries", {"date_from": day.isoformat()}).json()["count"] == 1
    assert maya.get("/time-entries", {"status": "submitted"}).json()["count"] == 0
    error_of(maya.get("/time-entries", {"status": "lost"}), 422, "validation_error")


def test_entries_of_others_are_404(firm: Firm, tom, api_as) -> None:  # type: ignore[no-untyped-def]
    lea_entry = _log(firm, api_as(firm.member2_user))
    hidden = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="GLX-2", name="Data"
    )
    entry = TimeEntry.objects.get(pk=lea_entry["id"])
    with unchanged(entry):
        error_of(tom.get(f"/time-entries/{entry.pk}"), 404, "not_found")
        error_of(tom.patch(f"/time-entries/{entry.pk}", {"minutes": 30}), 404, "not_found")
        error_of(tom.delete(f"/time-entries/{entry.pk}"), 404, "not_found")
        # A project Tom is not on, and one of another organisation: 404, not "you are not a member".
        for project in (hidden, firm.other_project):
            body = {"project_id": project.pk, "work_date": last_monday().isoformat(), "minutes": 60}
            error_of(tom.post("/time-entries", body), 404, "not_found")


def test_task_of_another_organisation_is_404(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    foreign_task = firm.other_project.tasks.create(name="Theirs")
    body = {
        "project_id": firm.project.pk,
        "task_id": foreign_task.pk,
        "work_date": last_monday().isoformat(),
        "minutes": 60,
    }
    with unchanged():
        error_of(tom.post("/time-entries", body), 404, "not_found")


def test_manager_may_see_but_not_edit_members_time(firm: Firm, tom, maya) -> None:  # type: ignore[no-untyped-def]
    entry = TimeEntry.objects.get(pk=_log(firm, tom)["id"])
    assert maya.get(f"/time-entries/{entry.pk}").status_code == 200
    with unchanged(entry):
        error_of(maya.patch(f"/time-entries/{entry.pk}", {"minutes": 30}), 403, "forbidden")
        error_of(maya.delete(f"/time-entries/{entry.pk}"), 403, "forbidden")


def test_submitted_entries_cannot_be_edited_approved_ones_go_back(firm: Firm, tom, maya) -> None:  # type: ignore[no-untyped-def]
    entry = TimeEntry.objects.get(pk=_log(firm, tom)["id"])
    submitted = tom.post("/time-entries/submit", {"week": (last_monday() + timedelta(days=3)).isoformat()})
    assert submitted.json() == {"count": 1}
    entry.refresh_from_db()
    with unchanged(entry):
        body = error_of(tom.patch(f"/time-entries/{entry.pk}", {"minutes": 30}), 409, "conflict")
        assert "submitted" in body["detail"]
        error_of(tom.delete(f"/time-entries/{entry.pk}"), 409, "conflict")
    assert maya.post("/time-entries/approve", {"entry_ids": [entry.pk]}).json() == {"count": 1}
    entry.refresh_from_db()
    with unchanged(entry):
        body = error_of(tom.delete(f"/time-entries/{entry.pk}"), 409, "conflict")
        assert "approved" in body["detail"]
        error_of(
            tom.put(
                "/time-entries/week/cells",
                {"task_id": firm.design.pk, "work_date": entry.work_date.isoformat(), "minutes": 30},
            ),
            409,
        )
    # Editing an approved entry (not billed) sends it back for approval (issue 4).
    changed = tom.patch(f"/time-entries/{entry.pk}", {"note": "later"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["status"], changed.json()["note"], changed.json()["bill_amount"]) == (
        "submitted",
        "later",
        None,
    )


def test_week_grid_cells_and_submit(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    monday = last_monday()
    put = tom.put(
        "/time-entries/week/cells", {"task_id": firm.build.pk, "work_date": monday.isoformat(), "minutes": 90}
    )
    assert put.status_code == 200, put.content
    week = put.json()
    assert week["monday"] == monday.isoformat() and len(week["days"]) == 7
    assert week["total"] == 90 and week["day_totals"][0] == 90 and week["has_drafts"] is True
    [row] = week["rows"]
    assert (row["task_id"], row["total"], row["cells"][0]["minutes"], row["cells"][0]["editable"]) == (
        firm.build.pk,
        90,
        90,
        True,
    )
    # Setting the cell again replaces its total; 0 empties it.
    tom.put("/time-entries/week/cells", {"task_id": firm.build.pk, "work_date": monday.isoformat(), "minutes": 120})
    tom.put(
        "/time-entries/week/cells",
        {"task_id": firm.design.pk, "work_date": (monday + timedelta(1)).isoformat(), "minutes": 30},
    )
    week = tom.get("/time-entries/week", {"week": (monday + timedelta(days=4)).isoformat()}).json()
    assert week["total"] == 150 and TimeEntry.objects.count() == 2
    emptied = tom.put(
        "/time-entries/week/cells",
        {"task_id": firm.design.pk, "work_date": (monday + timedelta(1)).isoformat(), "minutes": 0},
    )
    assert emptied.json()["total"] == 120 and TimeEntry.objects.count() == 1

    assert tom.post("/time-entries/submit", {"week": monday.isoformat()}).json() == {"count": 1}
    week = tom.get("/time-entries/week", {"week": monday.isoformat()}).json()
    assert week["has_drafts"] is False and week["rows"][0]["cells"][0]["status"] == "submitted"
    with unchanged():
        error_of(tom.post("/time-entries/submit", {"week": monday.isoformat()}), 422, "invalid")  # nothing left
        error_of(
            tom.put(
                "/time-entries/week/cells", {"task_id": firm.build.pk, "work_date": monday.isoformat(), "minutes": 1441}
            ),
            422,
            "validation_error",
        )


def test_someone_elses_week(firm: Firm, tom, api_as) -> None:  # type: ignore[no-untyped-def]
    _log(firm, api_as(firm.member2_user))
    admin = api_as(firm.admin_user)
    week = admin.get("/time-entries/week", {"week": last_monday().isoformat(), "person_id": firm.member2_person.pk})
    assert week.json()["total"] == 90
    error_of(
        tom.get("/time-entries/week", {"week": last_monday().isoformat(), "person_id": firm.member2_person.pk}), 403
    )
    other_person = firm.other_project.manager_id
    error_of(admin.get("/time-entries/week", {"week": last_monday().isoformat(), "person_id": other_person}), 404)
    with unchanged():
        error_of(
            tom.post("/time-entries/submit", {"week": last_monday().isoformat(), "person_id": firm.member2_person.pk}),
            403,
        )


def test_approve_and_reject(firm: Firm, tom, maya, api_as) -> None:  # type: ignore[no-untyped-def]
    a, b = _log(firm, tom, minutes=120, task=firm.build), _log(firm, tom, minutes=60, day=1)
    tom.post("/time-entries/submit", {"week": last_monday().isoformat()})
    pending = maya.get("/time-entries/approvals").json()
    assert {e["id"] for e in pending["items"]} == {a["id"], b["id"]}

    assert maya.post("/time-entries/approve", {"entry_ids": [a["id"]]}).json() == {"count": 1}
    approved = maya.get(f"/time-entries/{a['id']}").json()
    assert approved["status"] == "approved"
    assert approved["bill_rate"] == "100.0000"
    assert approved["bill_amount"] == {"amount_minor": 20000, "amount": "200.00", "currency": "USD"}

    assert maya.post("/time-entries/reject", {"entry_ids": [b["id"]], "reason": "Wrong task"}).json() == {"count": 1}
    rejected = tom.get(f"/time-entries/{b['id']}").json()
    assert (rejected["status"], rejected["rejection_reason"]) == ("rejected", "Wrong task")
    assert AuditEntry.objects.filter(action="time_entry.reject", object_id=b["id"]).exists()
    # A rejected entry can be corrected, which makes it a draft again.
    fixed = tom.patch(f"/time-entries/{b['id']}", {"task_id": firm.build.pk})
    assert fixed.json()["status"] == "draft"


def test_approval_refusals(firm: Firm, tom, maya, api_as) -> None:  # type: ignore[no-untyped-def]
    monday = last_monday()
    tom_entry = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=60
    )
    maya_entry = time_entry_create(
        viewer=firm.manager, project=firm.project, task=firm.build, work_date=monday, minutes=60
    )
    lea_entry = time_entry_create(
        viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday, minutes=60
    )
    for viewer in (firm.member, firm.manager, firm.member2):
        time_entries_submit(viewer=viewer, monday=monday)
    draft = time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.design, work_date=monday + timedelta(1), minutes=30
    )
    entries = (tom_entry, maya_entry, lea_entry, draft)
    with unchanged(*entries):
        # A member sees their own entry but may not approve it: 403. Lea's entry is not visible to Tom: 404.
        error_of(tom.post("/time-entries/approve", {"entry_ids": [tom_entry.pk]}), 403, "forbidden")
        error_of(tom.post("/time-entries/approve", {"entry_ids": [lea_entry.pk]}), 404, "not_found")
        error_of(tom.post("/time-entries/reject", {"entry_ids": [tom_entry.pk], "reason": "no"}), 403, "forbidden")
        # Finance sees every entry but does not approve time.
        error_of(api_as(firm.finance_user).post("/time-entries/approve", {"entry_ids": [tom_entry.pk]}), 403)
        # A manager may not approve their own time.
        error_of(maya.post("/time-entries/approve", {"entry_ids": [maya_entry.pk]}), 403, "forbidden")
        error_of(maya.post("/time-entries/approve", {"entry_ids": [tom_entry.pk, draft.pk]}), 409, "conflict")
        error_of(maya.post("/time-entries/approve", {"entry_ids": [tom_entry.pk, 10**12]}), 404, "not_found")
        error_of(maya.post("/time-entries/approve", {"entry_ids": []}), 422, "validation_error")
        error_of(maya.post("/time-entries/approve", {"entry_ids": [10**30]}), 422, "validation_error")
        error_of(maya.post("/time-entries/approve", {"entry_ids": list(range(1, 1002))}), 422, "validation_error")
        error_of(maya.post("/time-entries/reject", {"entry_ids": [tom_entry.pk], "reason": ""}), 422)
        error_of(maya.post("/time-entries/reject", {"entry_ids": [tom_entry.pk], "reason": "\u0000"}), 422)
    assert TimeEntry.objects.filter(status=EntryStatus.SUBMITTED).count() == 3


def test_billed_entries_cannot_change(firm: Firm, tom) -> None:  # type: ignore[no-untyped-def]
    [entry] = approved_entries(firm, count=1)
    assert tom.get(f"/time-entries/{entry.pk}").json()["billed"] is False
    invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=entry.work_date)
    entry.refresh_from_db()
    assert tom.get(f"/time-entries/{entry.pk}").json()["billed"] is True
    with unchanged(entry):
        error_of(tom.patch(f"/time-entries/{entry.pk}", {"minutes": 10}), 409, "conflict")
