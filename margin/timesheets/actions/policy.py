"""What every write on time shares: who may log for whom, the company's time policy, the closed-period
check, the project/task target checks and billable minutes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, company_locked_through
from margin.contracts.queries import billing_increments_by_project
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.projects.models import Project, ProjectStatus, Task
from margin.projects.queries import is_member
from margin.rates.rules import EXACT
from margin.rates.rules import billable_minutes as round_to_increment
from margin.timesheets import rules
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.queries import may_log_for

EDITABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)


def _today() -> date:
    return timezone.localdate()


def _max_future_days(company: Company | None = None) -> int:
    """How far ahead a date may be: the company's policy, else the installation's default."""
    if company is not None and company.max_future_days is not None:
        return int(company.max_future_days)
    default: Any = settings.MARGIN["MAX_FUTURE_DAYS"]
    return int(default)


def effective_max_future_days(company: Company) -> int:
    return _max_future_days(company)


def _policy(person: Person) -> Company:
    """The time policy that applies to a person: their employer's."""
    return Company.objects.get(pk=person.company_id)


def may_log_for_ids(viewer: Viewer, person_ids: set[int]) -> set[int]:
    """Of these people, those the viewer may log time for (`may_log_for`, for many at once)."""
    own = {viewer.person_id} & person_ids if viewer.person_id is not None else set()
    if not (viewer.is_admin or viewer.can_log_for_others):
        return own
    others = Person.objects.filter(
        id__in=person_ids, organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids
    ).values_list("id", flat=True)
    return own | set(others)


def _resolve_person(viewer: Viewer, person: Person | None) -> Person:
    if person is None:
        if viewer.person_id is None:
            raise Invalid("You have no person record to log time as.", field="person")
        return Person.objects.get(pk=viewer.person_id)
    if person.pk == viewer.person_id:
        return person
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    if not may_log_for(viewer, person):
        raise Forbidden(
            "You may not log time for someone else: that needs an administrator or the permission "
            "to log time for others."
        )
    return person


def check_period_open(company_id: int, *days: date) -> None:
    """The one check that a company's closed period is not touched: every write on time calls it
    (create, change, delete, the week grid, submit, approve, reject, import)."""
    through = company_locked_through(company_id)
    if through is None or not days:
        return
    name = Company.objects.values_list("name", flat=True).get(pk=company_id)
    rules.check_period_open(min(days), locked_through=through, company_name=name)


def _check_policy(*, project: Project, person: Person, work_date: date, note: str, company: Company) -> None:
    """The company's and project's rules for one entry (besides minutes, day total and the lock)."""
    rules.check_work_date(work_date, today=_today(), max_future_days=_max_future_days(company))
    rules.check_start_date(work_date, start_date=person.start_date, end_date=person.end_date, person_name=person.name)
    rules.check_note(note, required=project.notes_required, project_code=project.code)


def _check_open(project: Project, task: Task | None, *, summary: bool) -> None:
    """Time goes on open projects, on open leaf tasks."""
    if project.status == ProjectStatus.CLOSED:
        raise Invalid(f"Project {project.code} is closed; no more time can be logged on it.", field="project")
    if project.is_template:
        raise Invalid(f"{project.code} is a template; time is logged on projects made from it.", field="project")
    if task is not None and task.closed:
        raise Invalid(f"Task {task.name!r} is closed.", field="task")
    if task is not None and summary:
        raise Invalid(f"{task.name!r} is a summary task; log time on one of its subtasks.", field="task")


def _check_target(project: Project, task: Task | None, person: Person) -> None:
    if task is not None and task.project_id != project.pk:
        raise NotFound("No such task in this project.")
    _check_open(project, task, summary=task is not None and task.children.exists())
    if not is_member(project, person.pk):
        raise Forbidden(f"{person.name} is not a member of project {project.code}.")


# --- billable minutes (helper F): worked minutes rounded to the billing increment -------------------


def _billable_minutes_of(project_id: int, minutes: int, *, billable: bool) -> int:
    increment = billing_increments_by_project([project_id]).get(project_id, EXACT) if billable else EXACT
    return round_to_increment(minutes, increment, billable=billable)


def _set_billable_minutes(entries: Sequence[TimeEntry]) -> None:
    """Each entry's billable minutes from its project's increment (one query for all the projects)."""
    increments = billing_increments_by_project({e.project_id for e in entries if e.billable})
    for entry in entries:
        entry.billable_minutes = round_to_increment(
            entry.minutes, increments.get(entry.project_id, EXACT), billable=entry.billable
        )
