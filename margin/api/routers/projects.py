"""Projects, with their members, tasks, bill rates and profitability."""

from collections.abc import Sequence
from typing import Any, overload

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, company_get, person_get, role_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.accounts import PersonOut
from margin.api.schemas.common import Id, Title, responses
from margin.api.schemas.crm import BillingIncrementIn, BillingIncrementOut
from margin.api.schemas.projects import (
    BillRateIn,
    BillRateOut,
    MemberIn,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ProjectStatusIn,
    TaskIn,
    TaskOut,
    TaskPatch,
)
from margin.api.schemas.reporting import ProjectFiguresOut
from margin.api.security import viewer_of
from margin.contracts.actions import RateRow, bill_rate_set, billing_increment_set, rate_card_save
from margin.contracts.models import BillRate
from margin.contracts.queries import bill_rates_of, billing_increment_of
from margin.contracts.setup import project_setup
from margin.core.errors import NotFound
from margin.crm.queries import client_get
from margin.projects.actions import (
    project_member_add,
    project_member_remove,
    project_update,
    task_create,
    task_delete,
    task_update,
)
from margin.projects.models import Project, Task
from margin.projects.queries import (
    members_of,
    project_get,
    projects_money_visible,
    projects_of_person,
    projects_visible,
    require_money_visible,
    task_get,
    tasks_of,
)
from margin.reporting.queries import ProjectFigures, profitability, project_figures_get

router = Router(tags=["projects"])


class ProjectFilter(Schema):
    status: ProjectStatusIn | None = None
    client_id: Id | None = None
    company_id: Id | None = None
    manager_id: Id | None = None
    mine: bool = Field(False, description="Only projects you manage or belong to")
    template: bool = Field(False, description="Templates instead of projects")
    archived: bool = Field(False, description="Archived projects instead of the current ones")
    q: Title = Field("", description="Part of the code or name")


@router.get(
    "", response=responses(list[ProjectOut]), summary="List projects (not templates, not archived, unless asked)"
)
@paginate(Pages)
def project_list(request: HttpRequest, filters: Query[ProjectFilter]) -> QuerySet[Project]:
    viewer = viewer_of(request)
    projects = projects_visible(viewer).select_related("client").order_by("code", "id")
    projects = projects.filter(is_template=filters.template, archived_at__isnull=not filters.archived)
    if filters.mine:
        projects = projects.filter(pk__in=projects_of_person(viewer.person_id))
    for name in ("status", "client_id", "company_id", "manager_id"):
        if getattr(filters, name):
            projects = projects.filter(**{name: getattr(filters, name)})
    if filters.q.strip():
        projects = projects.filter(Q(code__icontains=filters.q.strip()) | Q(name__icontains=filters.q.strip()))
    return projects


class FiguresPages(Sequence[ProjectFigures]):
    """Profitability of a page of projects, computed only for the page asked for."""

    def __init__(self, projects: QuerySet[Project]) -> None:
        self.projects = projects

    def __len__(self) -> int:
        return self.projects.count()

    @overload
    def __getitem__(self, index: int) -> ProjectFigures: ...

    @overload
    def __getitem__(self, index: slice) -> list[ProjectFigures]: ...

    def __getitem__(self, index: int | slice) -> ProjectFigures | list[ProjectFigures]:
        page = index if isinstance(index, slice) else slice(index, index + 1)
        ids = list(self.projects.values_list("id", flat=True)[page])
        figures = profitability(Project.objects.filter(id__in=ids))
        return figures if isinstance(index, slice) else figures[0]


@router.get(
    "/profitability",
    response=responses(list[ProjectFiguresOut]),
    summary="Profitability of every project whose money you may see (finance, administrators: all; a manager: theirs)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def profitability_list(request: HttpRequest) -> FiguresPages:
    return FiguresPages(projects_money_visible(viewer_of(request)).order_by("code", "id"))


def rate_rows(viewer: Viewer, rates: list[BillRateIn]) -> list[RateRow]:
    """The rows of a rate card as sent, each role or person fetched through its access function."""
    return [
        RateRow(
            valid_from=r.valid_from,
            hourly_rate=r.hourly_rate,
            role=role_get(viewer, r.role_id) if r.role_id is not None else None,
            person=person_get(viewer, r.person_id) if r.person_id is not None else None,
        )
        for r in rates
    ]


@router.post("", response=responses(ProjectOut, 201), summary="Create a project (or template), its members and rates")
def project_add(request: HttpRequest, payload: ProjectIn) -> Status[Project]:
    viewer = viewer_of(request)
    project = project_setup(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        client=client_get(viewer, payload.client_id),
        manager=person_get(viewer, payload.manager_id),
        code=payload.code,
        name=payload.name,
        status=payload.status,
        start_date=payload.start_date,
        end_date=payload.end_date,
        budget_minutes=payload.budget_minutes,
        budget_amount_minor=payload.budget_amount_minor,
        is_template=payload.is_template,
        members=[person_get(viewer, pk) for pk in payload.member_ids],
        rates=rate_rows(viewer, payload.rates),
    )
    return Status(201, project_get(viewer, project.pk))


@router.get("/{project_id}", response=responses(ProjectOut), summary="Get a project")
def project_detail(request: HttpRequest, project_id: Id) -> Project:
    return project_get(viewer_of(request), project_id)


@router.patch("/{project_id}", response=responses(ProjectOut), summary="Change a project")
def project_change(request: HttpRequest, project_id: Id, payload: ProjectPatch) -> Project:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude_none=True)
    if "manager_id" in changes:
        changes["manager"] = person_get(viewer, changes.pop("manager_id"))
    project_update(viewer=viewer, project=project, **changes)
    return project_get(viewer, project_id)


# members --------------------------------------------------------------------------------------
@router.get("/{project_id}/members", response=responses(list[PersonOut]), summary="People on a project")
@paginate(Pages)
def member_list(request: HttpRequest, project_id: Id) -> QuerySet[Person]:
    return members_of(project_get(viewer_of(request), project_id))


@router.post("/{project_id}/members", response=responses(PersonOut, 201), summary="Add a person to a project")
def member_add(request: HttpRequest, project_id: Id, payload: MemberIn) -> Status[Person]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    person = person_get(viewer, payload.person_id)
    project_member_add(viewer=viewer, project=project, person=person)
    return Status(201, person)


@router.delete(
    "/{project_id}/members/{person_id}",
    response=responses(None, 204),
    summary="Take a person off a project (their time and assignments stay; they log no more)",
)
def member_remove(request: HttpRequest, project_id: Id, person_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    project_member_remove(viewer=viewer, project=project, person=person_get(viewer, person_id))
    return Status(204, None)


# tasks ----------------------------------------------------------------------------------------
def _task_of(viewer: Viewer, project_id: int, task_id: int) -> Task:
    """A task of this project (404 for a task of another project, even a visible one)."""
    task = task_get(viewer, task_id)
    if task.project_id != project_id:
        raise NotFound("No such task in this project.")
    return task


def _parent(viewer: Viewer, changes: dict[str, Any]) -> None:
    if "parent_id" in changes:
        changes["parent"] = task_get(viewer, changes.pop("parent_id"))


@router.get("/{project_id}/tasks", response=responses(list[TaskOut]), summary="Tasks of a project (WBS order)")
@paginate(Pages)
def task_list(request: HttpRequest, project_id: Id) -> QuerySet[Task]:
    return tasks_of(project_get(viewer_of(request), project_id))


@router.post("/{project_id}/tasks", response=responses(TaskOut, 201), summary="Add a task")
def task_add(request: HttpRequest, project_id: Id, payload: TaskIn) -> Status[Task]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    values: dict[str, Any] = payload.model_dump()
    parent_id = values.pop("parent_id")
    parent = task_get(viewer, parent_id) if parent_id is not None else None
    return Status(201, task_create(viewer=viewer, project=project, parent=parent, **values))


@router.get("/{project_id}/tasks/{task_id}", response=responses(TaskOut), summary="Get a task")
def task_detail(request: HttpRequest, project_id: Id, task_id: Id) -> Task:
    viewer = viewer_of(request)
    return _task_of(viewer, project_get(viewer, project_id).pk, task_id)


@router.patch("/{project_id}/tasks/{task_id}", response=responses(TaskOut), summary="Change a task")
def task_change(request: HttpRequest, project_id: Id, task_id: Id, payload: TaskPatch) -> Task:
    viewer = viewer_of(request)
    task = _task_of(viewer, project_get(viewer, project_id).pk, task_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude_none=True)
    if "deadline" in payload.model_fields_set:
        changes["deadline"] = payload.deadline  # null clears the deadline
    _parent(viewer, changes)
    return task_update(viewer=viewer, task=task, **changes)


@router.delete(
    "/{project_id}/tasks/{task_id}",
    response=responses(None, 204),
    summary="Delete a task (not a summary task, not one with time logged); reschedules the plan",
)
def task_remove(request: HttpRequest, project_id: Id, task_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    task = _task_of(viewer, project_get(viewer, project_id).pk, task_id)
    task_delete(viewer=viewer, task=task)
    return Status(204, None)


# rates ----------------------------------------------------------------------------------------
@router.get(
    "/{project_id}/rates",
    response=responses(list[BillRateOut]),
    summary="Bill rates of a project (403 unless you may see its money)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def rate_list(request: HttpRequest, project_id: Id) -> list[BillRate]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    require_money_visible(viewer, project)
    return bill_rates_of(project.pk)


@router.post(
    "/{project_id}/rates",
    response=responses(BillRateOut, 201),
    summary="Set a role's bill rate (or a person's override) from a date on",
    openapi_extra=MONEY_ONLY,
)
def rate_set(request: HttpRequest, project_id: Id, payload: BillRateIn) -> Status[BillRate]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    rate = bill_rate_set(
        viewer=viewer,
        project=project,
        valid_from=payload.valid_from,
        hourly_rate=payload.hourly_rate,
        role=role_get(viewer, payload.role_id) if payload.role_id is not None else None,
        person=person_get(viewer, payload.person_id) if payload.person_id is not None else None,
    )
    return Status(201, rate)


@router.put(
    "/{project_id}/rates",
    response=responses(list[BillRateOut]),
    summary="Replace the rate card: every dated row, as a table (one rate per role or person and date)",
)
def rate_card_put(request: HttpRequest, project_id: Id, payload: list[BillRateIn]) -> list[BillRate]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    rate_card_save(viewer=viewer, project=project, rows=rate_rows(viewer, payload))
    return bill_rates_of(project.pk)


def _increment_out(project: Project) -> BillingIncrementOut:
    effective, source, client = billing_increment_of(project)
    return BillingIncrementOut(
        billing_increment_minutes=effective.minutes,
        billing_rounding=effective.rounding,
        source=source,
        client_increment_minutes=client.minutes,
        client_rounding=client.rounding,
    )


@router.get(
    "/{project_id}/billing-increment",
    response=responses(BillingIncrementOut),
    summary="The billing increment that applies to a project's time (its own, or its client's)",
)
def increment_get(request: HttpRequest, project_id: Id) -> BillingIncrementOut:
    return _increment_out(project_get(viewer_of(request), project_id))


@router.put(
    "/{project_id}/billing-increment",
    response=responses(BillingIncrementOut),
    summary="Override the client's billing increment for this project (null minutes: use the client's)",
)
def increment_set(request: HttpRequest, project_id: Id, payload: BillingIncrementIn) -> BillingIncrementOut:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    billing_increment_set(
        viewer=viewer,
        project=project,
        minutes=payload.billing_increment_minutes,
        rounding=payload.billing_rounding,
    )
    return _increment_out(Project.objects.select_related("client").get(pk=project.pk))


@router.get(
    "/{project_id}/profitability",
    response=responses(ProjectFiguresOut),
    summary="Billed, WIP, cost, margin and budget burn of a project (403 unless you may see its money)",
    openapi_extra=MONEY_ONLY,
)
def project_profitability(request: HttpRequest, project_id: Id) -> ProjectFigures:
    viewer = viewer_of(request)
    return project_figures_get(viewer, project_get(viewer, project_id))
