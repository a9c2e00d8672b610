"""Who works on a task is its person assignments (ADR 0011): every task's old ``assignee`` becomes an assignment of
that person at 100 % (unless the task already assigns them), then the column goes."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def assignees_to_assignments(apps: Any, schema_editor: Any) -> None:
    Task = apps.get_model("projects", "Task")
    Assignment = apps.get_model("projects", "Assignment")
    assigned = set(Assignment.objects.filter(person__isnull=False).values_list("task_id", "person_id"))
    rows = [
        Assignment(task_id=task_id, person_id=person_id, units=100)
        for task_id, person_id in Task.objects.filter(assignee__isnull=False).values_list("id", "assignee_id")
        if (task_id, person_id) not in assigned
    ]
    Assignment.objects.bulk_create(rows, batch_size=500)


def assignments_to_assignees(apps: Any, schema_editor: Any) -> None:
    """Backwards: each task's person assigned at the most units (then the lowest id) becomes its assignee."""
    Task = apps.get_model("projects", "Task")
    Assignment = apps.get_model("projects", "Assignment")
    lead: dict[int, int] = {}
    for task_id, person_id in (
        Assignment.objects.filter(person__isnull=False)
        .order_by("task_id", "-units", "id")
        .values_list("task_id", "person_id")
    ):
        lead.setdefault(task_id, person_id)
    for task_id, person_id in lead.items():
        Task.objects.filter(pk=task_id).update(assignee_id=person_id)


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_task_deadline")]

    operations = [
        migrations.RunPython(assignees_to_assignments, assignments_to_assignees),
        migrations.RemoveField(model_name="task", name="assignee"),
    ]
