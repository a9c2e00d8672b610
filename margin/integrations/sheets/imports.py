"""Preview (dry run) and all-or-nothing import of task rows into a project, through the real actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Forbidden, Invalid
from margin.integrations.jira import sheet as jira
from margin.integrations.sheets.rows import SheetError, TaskRow, in_tree_order
from margin.integrations.trello import sheet as trello
from margin.projects import actions
from margin.projects.models import Project, Task
from margin.projects.queries import can_manage, members_of

PARSERS: dict[str, Callable[[bytes], list[TaskRow]]] = {"jira": jira.parse, "trello": trello.parse}
LABELS = {"jira": "Jira", "trello": "Trello"}
APPEND = 1_000_000  # a board position past the end of any column


@dataclass
class Preview:
    rows: list[TaskRow]
    assignees: dict[int, Person]  # line → the member a row goes to

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0


def _members(project: Project) -> dict[str, Person]:
    index: dict[str, Person] = {}
    for person in members_of(project):
        index.setdefault(person.name.strip().lower(), person)
        if person.email:
            index.setdefault(person.email.strip().lower(), person)
    return index


def tasks_preview(*, project: Project, system: str, data: bytes) -> Preview:
    """Parse a tool's CSV export and check every row against the project; nothing is written."""
    if system not in PARSERS:
        raise Invalid(f"Unknown source {system!r}.", field="system")
    try:
        rows = PARSERS[system](data)
    except SheetError as error:
        raise Invalid(str(error), field="file") from None
    members = _members(project)
    assignees: dict[int, Person] = {}
    for row in rows:
        if row.due is not None:
            try:
                actions.check_deadline(row.due)
            except Invalid as error:
                reason = error.message.rstrip(".")
                row.errors.append(f"the due date {row.due.isoformat()}: {reason[:1].lower()}{reason[1:]}")
        if row.assignee:
            person = members.get(row.assignee.lower())
            if person is None:
                row.warnings.append(f"{row.assignee!r} is not a member of the project: left unassigned")
            else:
                assignees[row.line] = person
    return Preview(rows, assignees)


@transaction.atomic
def tasks_import(*, viewer: Viewer, project: Project, system: str, data: bytes) -> int:
    """Create a task for every row (parents first), with its estimate, status, assignee and due date, which
    becomes the task's deadline (the scheduler, not the file, places its dates: a due date kept as a planned
    finish would be lost at the next reschedule). Any row error or refused action and nothing is kept. Returns the
    number of tasks created."""
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may import tasks.")
    preview = tasks_preview(project=project, system=system, data=data)
    if not preview.ok:
        bad = next(row for row in preview.rows if row.errors)
        raise Invalid(
            f"{preview.error_count} row(s) have errors, nothing was imported; "
            f"line {bad.line}: {'; '.join(bad.errors)}.",
            field="file",
        )
    created: dict[str, Task] = {}
    parents = {row.parent_key for row in preview.rows if row.parent_key}
    for row in in_tree_order(preview.rows):
        try:
            task = actions.task_create(
                viewer=viewer,
                project=project,
                name=row.name,
                parent=created[row.parent_key] if row.parent_key else None,
                deadline=row.due,
                estimate_minutes=row.estimate_minutes,
            )
            created[row.key] = task
            person = preview.assignees.get(row.line)
            if row.key not in parents and (row.status != "todo" or person is not None):
                actions.task_board_move(viewer=viewer, task=task, status=row.status, position=APPEND, assignee=person)
        except DomainError as error:
            raise Invalid(f"Line {row.line} ({row.name!r}): {error.message}", field="file") from None
    try:
        actions.project_reschedule(viewer=viewer, project=project)  # the new tasks get their dates at once
    except DomainError as error:
        raise Invalid(f"The imported plan cannot be scheduled: {error.message}", field="file") from None
    return len(created)
