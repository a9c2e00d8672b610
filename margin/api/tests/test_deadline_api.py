"""Task deadlines through the API: set on create, change, clear with null, refused when bad; the missed flag in
the task and in the Gantt data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.core.models import AuditEntry
from margin.projects import actions
from margin.projects.models import Task
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]


@pytest.fixture
def plan(firm: Firm) -> Firm:
    """Design (2 days, Mon 5–Tue 6 January 2026) → Build (3 days, Wed 7–Fri 9), UTC in the test settings."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=date(2026, 1, 5))
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=960)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=1440)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    return firm


def test_create_with_a_deadline(firm: Firm, api_as: ApiAs) -> None:
    base = f"/projects/{firm.project.pk}/tasks"
    response = api_as(firm.manager_user).post(base, {"name": "Launch", "deadline": "2026-03-31"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["deadline"], body["deadline_missed"]) == ("2026-03-31", False)
    assert Task.objects.get(pk=body["id"]).deadline == date(2026, 3, 31)
    assert api_as(firm.member_user).get(f"{base}/{body['id']}").json()["deadline"] == "2026-03-31"


def test_patch_sets_keeps_and_clears_the_deadline(plan: Firm, api_as: ApiAs) -> None:
    maya = api_as(plan.manager_user)
    url = f"/projects/{plan.project.pk}/tasks/{plan.build.pk}"
    build = Task.objects.get(pk=plan.build.pk)
    start, finish = build.start, build.finish
    changed = maya.patch(url, {"deadline": "2026-01-08"})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["deadline"], changed.json()["deadline_missed"]) == ("2026-01-08", True)
    build.refresh_from_db()
    assert (build.deadline, build.start, build.finish) == (date(2026, 1, 8), start, finish)  # the plan stays
    # A patch without the field leaves it; an explicit null clears it.
    assert maya.patch(url, {"name": "Build it"}).json()["deadline"] == "2026-01-08"
    cleared = maya.patch(url, {"deadline": None}).json()
    assert (cleared["deadline"], cleared["deadline_missed"]) == (None, False)
    assert Task.objects.get(pk=plan.build.pk).deadline is None
    audits = AuditEntry.objects.filter(action="task.update", object_id=plan.build.pk).order_by("id")
    assert [(a.before["deadline"], a.after["deadline"]) for a in audits] == [
        (None, "2026-01-08"),
        ("2026-01-08", "2026-01-08"),
        ("2026-01-08", None),
    ]


def test_bad_deadlines_are_refused(plan: Firm, api_as: ApiAs) -> None:
    maya, tom = api_as(plan.manager_user), api_as(plan.member_user)
    base = f"/projects/{plan.project.pk}/tasks"
    with unchanged(plan.build):
        body = error_of(maya.patch(f"{base}/{plan.build.pk}", {"deadline": "1999-12-31"}), 422, "invalid")
        assert body["field"] == "deadline" and "2000-01-01" in body["detail"]
        error_of(maya.patch(f"{base}/{plan.build.pk}", {"deadline": "31/12/2026"}), 422, "validation_error")
        error_of(maya.patch(f"{base}/{plan.build.pk}", {"deadline": "2026-02-30"}), 422, "validation_error")
        error_of(maya.post(base, {"name": "Old", "deadline": "1990-01-01"}), 422, "invalid")
        error_of(tom.patch(f"{base}/{plan.build.pk}", {"deadline": "2026-01-08"}), 403, "forbidden")


def test_gantt_gives_the_deadline_and_whether_it_is_missed(plan: Firm, api_as: ApiAs) -> None:
    actions.task_update(viewer=plan.manager, task=plan.build, deadline=date(2026, 1, 8))
    actions.task_update(viewer=plan.manager, task=plan.design, deadline=date(2026, 1, 6))
    body = api_as(plan.member_user).get(f"/projects/{plan.project.pk}/gantt").json()
    design, build = body["tasks"]
    assert (design["deadline"], design["deadline_missed"]) == ("2026-01-06", False)
    assert (build["deadline"], build["deadline_missed"]) == ("2026-01-08", True)
