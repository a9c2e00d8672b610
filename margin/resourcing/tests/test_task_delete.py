"""Deleting a task: refused for summary tasks (for tasks with time see margin/api/tests/test_task_delete_api.py);
otherwise its links and assignments go and the plan is rescheduled."""

from __future__ import annotations

from margin.core.errors import Conflict, Forbidden, NotFound
from margin.projects.actions import dependency_create, project_reschedule, task_create, task_delete
from margin.projects.models import Dependency, Task
from margin.resourcing.actions import assignment_create
from margin.resourcing.models import Assignment
from tests.checks import audit_rows, refused
from tests.firm import Firm


def test_delete_removes_links_and_assignments_and_reschedules(firm: Firm) -> None:
    extra = task_create(viewer=firm.manager, project=firm.project, name="Extra")
    dependency_create(viewer=firm.manager, predecessor=firm.design, successor=extra, lag_minutes=480 * 5)
    dependency_create(viewer=firm.manager, predecessor=extra, successor=firm.build)
    assignment_create(viewer=firm.manager, task=extra, person=firm.member_person)
    project_reschedule(viewer=firm.manager, project=firm.project)
    before = Task.objects.get(pk=firm.build.pk).start
    moved = task_delete(viewer=firm.manager, task=extra)
    assert not Task.objects.filter(pk=extra.pk).exists()
    assert not Dependency.objects.filter(project=firm.project).exists() and not Assignment.objects.exists()
    build = Task.objects.get(pk=firm.build.pk)
    assert before is not None and build.start is not None and build.start < before
    assert firm.build.pk in [m.task for m in moved]
    (row,) = audit_rows("task.delete", extra)
    assert row.before is not None and row.before["name"] == "Extra" and row.after is None


def test_delete_refusals_change_nothing(firm: Firm) -> None:
    sub = task_create(viewer=firm.manager, project=firm.project, name="Sub", parent=firm.design)
    with refused(Conflict, firm.design, sub, match="1 subtask"):
        task_delete(viewer=firm.manager, task=firm.design)
    with refused(Forbidden, sub):
        task_delete(viewer=firm.member, task=sub)
    with refused(NotFound, sub):
        task_delete(viewer=firm.other_admin, task=sub)
