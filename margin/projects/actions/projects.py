"""Writes on projects, their members and their tasks."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.money import MAX_ABS_AMOUNT
from margin.core.text import clean_text
from margin.crm.models import Client
from margin.notifications.actions import project_followers_add
from margin.projects.models import Project, ProjectMember, ProjectStatus, Task
from margin.projects.queries import can_create_projects, can_manage, in_scope

PROJECT_FIELDS = [
    "code",
    "name",
    "status",
    "manager",
    "start_date",
    "end_date",
    "budget_minutes",
    "budget_amount_minor",
    "notes_required",
]
TASK_FIELDS = [
    "name",
    "parent",
    "planned_start",
    "planned_finish",
    "estimate_minutes",
    "billable",
    "closed",
    "deadline",
]
EARLIEST_DEADLINE = date(2000, 1, 1)
LATEST_DEADLINE = date(2199, 12, 31)  # refuses typos like 20266-03-02; no plan runs two centuries
MAX_BUDGET_MINUTES = 10_000_000 * 60  # ten million hours: refuses typos, allows any real project


def check_scope(viewer: Viewer, project: Project) -> None:
    if not in_scope(viewer, project):
        raise NotFound("No such project.")


def check_writable(project: Project) -> None:
    """An archived project is read-only: its details, members, plan and rates stay as they were put away.
    (Its time can still be approved and invoiced: archiving is about the plan, not the money.)"""
    if project.archived_at is not None:
        raise Conflict(
            f"Project {project.code} is archived and read-only; unarchive it to change it.", code="project_archived"
        )


def _check_manager(manager: Person, company: Company | int) -> None:
    """A project is managed by someone of its own company (they approve its time, in its currency)."""
    company_id = company if isinstance(company, int) else company.pk
    if manager.company_id != company_id:
        raise Invalid(
            f"{manager.name} works for {manager.company.name}, not for the project's company; "
            "choose a manager of the project's company.",
            field="manager",
        )


def _check_dates(start: date | None, finish: date | None, field: str) -> None:
    if start and finish and finish < start:
        raise Invalid("The finish date is before the start date.", field=field)


def _check_budget(budget_minutes: int, budget_amount_minor: int) -> None:
    if not 0 <= budget_minutes <= MAX_BUDGET_MINUTES:
        raise Invalid("The hours budget must be between 0 and 10 million hours.", field="budget_minutes")
    if not 0 <= budget_amount_minor < int(MAX_ABS_AMOUNT) * 100:
        raise Invalid("The money budget is out of range.", field="budget_amount")


@transaction.atomic
def project_create(
    *,
    viewer: Viewer,
    company: Company,
    client: Client,
    manager: Person,
    code: str,
    name: str,
    budget_minutes: int = 0,
    budget_amount_minor: int = 0,
    start_date: date | None = None,
    end_date: date | None = None,
    status: str = ProjectStatus.ACTIVE,
    is_template: bool = False,
) -> Project:
    """A new project (or, with ``is_template``, a template: a project kept to be copied, never billed), with its
    manager as its first member."""
    if not can_create_projects(viewer):
        raise Forbidden("Only administrators and project managers may create projects.")
    if company.id not in viewer.company_ids or client.organisation_id != viewer.organisation_id:
        raise NotFound("No such company or client.")
    if manager.organisation_id != viewer.organisation_id:
        raise NotFound("No such manager.")
    _check_manager(manager, company)
    if status not in ProjectStatus.values:
        raise Invalid(f"Unknown status {status!r}.", field="status")
    code = clean_text(code, field="code", max_length=32, required=True)
    if Project.objects.filter(organisation_id=viewer.organisation_id, code=code).exists():
        raise Conflict(f"A project with code {code!r} exists already.", field="code")
    _check_dates(start_date, end_date, "end_date")
    _check_budget(budget_minutes, budget_amount_minor)
    project = Project.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        client=client,
        manager=manager,
        code=code,
        name=clean_text(name, field="name", max_length=200, required=True),
        # A project bills in its company's currency until exchange rates arrive (ADR 0006).
        currency=company.base_currency,
        status=status,
        start_date=start_date,
        end_date=end_date,
        budget_minutes=budget_minutes,
        budget_amount_minor=budget_amount_minor,
        is_template=is_template,
    )
    ProjectMember.objects.create(project=project, person=manager)
    if manager.user_id is not None:  # the team follows its project (margin.notifications.actions)
        project_followers_add(
            organisation_id=project.organisation_id, project_id=project.pk, user_ids=[manager.user_id]
        )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.create",
        obj=project,
        after=audit.snapshot(project, [*PROJECT_FIELDS, "is_template"]),
    )
    return project


@transaction.atomic
def project_update(*, viewer: Viewer, project: Project, **changes: object) -> Project:
    check_scope(viewer, project)
    # Work on a locked copy: concurrent edits queue, and a refused change leaves the caller's object
    # as it was; on success the caller's object is refreshed and returned.
    given, project = project, Project.objects.select_for_update().get(pk=project.pk)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change it.")
    check_writable(project)
    before = audit.snapshot(project, PROJECT_FIELDS)
    for field, value in changes.items():
        if field in ("name", "code"):
            value = clean_text(str(value or ""), field=field, max_length=200 if field == "name" else 32, required=True)
        elif field == "status" and value not in ProjectStatus.values:
            raise Invalid(f"Unknown status {value!r}.", field="status")
        elif field == "notes_required" and not isinstance(value, bool):
            raise Invalid("notes_required is yes or no.", field="notes_required")
        elif field == "manager":
            if not isinstance(value, Person) or value.organisation_id != viewer.organisation_id:
                raise NotFound("No such manager.")
            _check_manager(value, project.company_id)
            ProjectMember.objects.get_or_create(project=project, person=value)
        elif field not in PROJECT_FIELDS:
            raise Invalid(f"{field} cannot be changed here.", field=field)
        setattr(project, field, value)
    if "code" in changes and (
        Project.objects.filter(organisation_id=project.organisation_id, code=project.code)
        .exclude(pk=project.pk)
        .exists()
    ):
        raise Conflict(f"A project with code {project.code!r} exists already.", field="code")
    _check_dates(project.start_date, project.end_date, "end_date")
    _check_budget(project.budget_minutes, project.budget_amount_minor)
    project.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.update",
        obj=project,
        before=before,
        after=audit.snapshot(project, PROJECT_FIELDS),
    )
    given.refresh_from_db()
    return given


@transaction.atomic
def project_member_add(*, viewer: Viewer, project: Project, person: Person) -> ProjectMember:
    check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may add members.")
    check_writable(project)
    if person.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if person.company.base_currency != project.currency:
        # Their cost is in another currency than the project's: it cannot be valued until exchange
        # rates exist (ADR 0006).
        raise Invalid(
            f"{person.name} is costed in {person.company.base_currency} and project {project.code} bills in "
            f"{project.currency}; people of another currency cannot join yet.",
            field="person",
        )
    member, created = ProjectMember.objects.get_or_create(project=project, person=person)
    if created:
        if person.user_id is not None:
            project_followers_add(
                organisation_id=project.organisation_id, project_id=project.pk, user_ids=[person.user_id]
            )
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="project.member_add",
            obj=member,
            after={"project": project.pk, "person": person.pk},
        )
    return member


@transaction.atomic
def project_member_remove(*, viewer: Viewer, project: Project, person: Person) -> None:
    """Take a person off a project: they log no more time on it; their time, tasks and assignments stay."""
    check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may remove members.")
    check_writable(project)
    if person.pk == project.manager_id:
        raise Invalid(f"{person.name} manages project {project.code}; choose another manager first.", field="person")
    member = ProjectMember.objects.filter(project=project, person=person).first()
    if member is None:
        raise NotFound(f"{person.name} is not a member of project {project.code}.")
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.member_remove",
        obj=member,
        before={"project": project.pk, "person": person.pk},
    )
    member.delete()


def _check_parent(project: Project, parent: Task | None, task: Task | None = None) -> None:
    if parent is None:
        return
    if parent.project_id != project.pk:
        raise NotFound("No such parent task in this project.")
    ancestor: Task | None = parent
    while ancestor is not None:
        if task is not None and ancestor.pk == task.pk:
            raise Invalid("A task cannot be placed under itself or one of its subtasks.", field="parent")
        ancestor = ancestor.parent


def check_deadline(deadline: object) -> None:
    """A deadline is a date (not a datetime) from 2000 to 2199, or None; it never moves the schedule."""
    if deadline is None:
        return
    if not isinstance(deadline, date) or isinstance(deadline, datetime):
        raise Invalid("The deadline must be a date, e.g. 2026-03-02.", field="deadline")
    if deadline < EARLIEST_DEADLINE:
        raise Invalid("The deadline cannot be before 2000-01-01.", field="deadline")
    if deadline > LATEST_DEADLINE:
        raise Invalid("The deadline cannot be after 2199-12-31.", field="deadline")


def _check_estimate(minutes: int) -> None:
    if not 0 <= minutes <= MAX_BUDGET_MINUTES:
        raise Invalid("The estimate must be between 0 and 10 million hours.", field="estimate_minutes")


@transaction.atomic
def task_create(
    *,
    viewer: Viewer,
    project: Project,
    name: str,
    parent: Task | None = None,
    planned_start: date | None = None,
    planned_finish: date | None = None,
    estimate_minutes: int = 0,
    billable: bool = True,
    deadline: date | None = None,
) -> Task:
    check_scope(viewer, project)
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may add tasks.")
    check_writable(project)
    _check_parent(project, parent)
    _check_dates(planned_start, planned_finish, "planned_finish")
    _check_estimate(estimate_minutes)
    check_deadline(deadline)
    siblings = Task.objects.filter(project=project, parent=parent)
    task = Task.objects.create(
        project=project,
        parent=parent,
        position=siblings.count(),
        name=clean_text(name, field="name", max_length=200, required=True),
        planned_start=planned_start,
        planned_finish=planned_finish,
        estimate_minutes=estimate_minutes,
        billable=billable,
        deadline=deadline,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.create",
        obj=task,
        after=audit.snapshot(task, TASK_FIELDS),
    )
    return task


@transaction.atomic
def task_update(*, viewer: Viewer, task: Task, **changes: object) -> Task:
    check_scope(viewer, task.project)
    # A locked copy, as in project_update.
    given, task = task, Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task.pk)
    project = task.project
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change tasks.")
    check_writable(project)
    before = audit.snapshot(task, TASK_FIELDS)
    for field, value in changes.items():
        if field not in TASK_FIELDS:
            raise Invalid(f"{field} cannot be changed here.", field=field)
        if field == "name":
            value = clean_text(str(value or ""), field="name", max_length=200, required=True)
        if field == "parent":
            _check_parent(project, value if isinstance(value, Task) else None, task)
        if field == "deadline":
            check_deadline(value)
        setattr(task, field, value)
    _check_dates(task.planned_start, task.planned_finish, "planned_finish")
    _check_estimate(task.estimate_minutes)
    task.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="task.update",
        obj=task,
        before=before,
        after=audit.snapshot(task, TASK_FIELDS),
    )
    given.refresh_from_db()
    return given
