"""A summary task's duration is its rolled-up working time, and every view of the plan says the same number:
the Plan's data (API), the Tasks tab, the task page and the MS Project export (one place computes it: the
reschedule stores what the engine rolled up)."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from margin.api.tests.conftest import Api
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import project_export_mspdi
from margin.projects import actions
from margin.projects.models import Task
from margin.web.views.tasks import task_rows
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


def test_a_summary_shows_its_rolled_up_duration_everywhere(firm: Firm) -> None:
    """Phase holds Design (2 days) → Build (3 days): it lasts 5 working days, not the 1 day it was created with."""
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    phase = actions.task_create(viewer=firm.manager, project=firm.project, name="Phase")
    Task.objects.filter(pk=phase.pk).update(position=0)
    for task, days in ((firm.design, 2), (firm.build, 3)):
        Task.objects.filter(pk=task.pk).update(parent=phase)
        actions.task_schedule_update(viewer=firm.manager, task=task, duration_minutes=days * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    five_days = 5 * 480

    assert Task.objects.get(pk=phase.pk).duration_minutes == five_days
    client = Client()
    client.force_login(firm.manager_user)
    gantt = Api(client).get(f"/projects/{firm.project.pk}/gantt").json()
    assert {t["name"]: t["duration_minutes"] for t in gantt["tasks"]}["Phase"] == five_days
    assert next(r for r in task_rows(firm.project) if r.id == phase.pk).duration_text == "5d"
    page = client.get(reverse("web:task", args=[phase.pk]))
    assert "5d" in page.content.decode()
    exported = {t.name: t for t in mspdi.read(project_export_mspdi(firm.project, costs=True)).tasks}
    assert exported["Phase"].summary and exported["Phase"].duration_minutes == five_days
    # Shortening a subtask shortens its summary at once.
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=480)
    assert Task.objects.get(pk=phase.pk).duration_minutes == 3 * 480
