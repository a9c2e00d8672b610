"""DELETE /api/v1/projects/{pid}/tasks/{tid}."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from margin.api.tests.conftest import Api, error_of, unchanged
from margin.core.periods import week_start
from margin.projects.actions import task_create
from margin.projects.models import Task
from margin.timesheets.actions import time_entry_create
from tests.firm import Firm


def test_delete_a_task(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    extra = task_create(viewer=firm.manager, project=firm.project, name="Extra")
    api = api_as(firm.manager_user)
    assert api.delete(f"/projects/{firm.project.pk}/tasks/{extra.pk}").status_code == 204
    assert not Task.objects.filter(pk=extra.pk).exists()
    task_create(viewer=firm.manager, project=firm.project, name="Sub", parent=firm.design)
    with unchanged(firm.design):
        error_of(api.delete(f"/projects/{firm.project.pk}/tasks/{firm.design.pk}"), 409)
    with unchanged(firm.build):
        error_of(api_as(firm.member_user).delete(f"/projects/{firm.project.pk}/tasks/{firm.build.pk}"), 403)
        error_of(api.delete(f"/projects/{firm.other_project.pk}/tasks/{firm.build.pk}"), 404)
        rival = User.objects.get(pk=firm.other_admin.user_id)
        error_of(api_as(rival).delete(f"/projects/{firm.project.pk}/tasks/{firm.build.pk}"), 404)


def test_a_task_with_time_is_not_deleted(api_as: Callable[[User | None], Api], firm: Firm) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=30)
    with unchanged(firm.build):
        body = error_of(api_as(firm.manager_user).delete(f"/projects/{firm.project.pk}/tasks/{firm.build.pk}"), 409)
    assert "Time is logged" in body["detail"]
