"""Reads of projects and tasks, through the access rule: admins and finance see every project of
their companies; project managers and members see the projects they manage or belong to.

The money rule lives here too (`money_visible` and its queryset forms): a project's revenue, cost,
margin, bill and cost rates, amounts and invoices are for finance, administrators and the project's
manager. Every screen, API operation and export that shows money asks it; nobody else re-states it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core.errors import Forbidden, NotFound
from margin.projects.models import CalendarException, Project, ProjectMember, Task, WorkCalendar


def projects_visible(viewer: Viewer) -> QuerySet[Project]:
    """Every project the viewer may see; project managers also see their companies' templates (to start from)."""
    projects = Project.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if viewer.sees_all_projects:
        return projects
    if viewer.person_id is None:
        return projects.none()
    is_member = ProjectMember.objects.filter(project_id=OuterRef("pk"), person_id=viewer.person_id)
    own: Q = Q(manager_id=viewer.person_id) | Q(Exists(is_member))
    if can_create_projects(viewer):
        own |= Q(is_template=True)
    return projects.filter(own)


def projects_of_person(person_id: int | None) -> QuerySet[Project]:
    """The projects someone manages or belongs to ("my projects")."""
    if person_id is None:
        return Project.objects.none()
    is_member = ProjectMember.objects.filter(project_id=OuterRef("pk"), person_id=person_id)
    return Project.objects.filter(Q(manager_id=person_id) | Q(Exists(is_member)))


def projects_listed(viewer: Viewer) -> QuerySet[Project]:
    """The projects of the default lists and pickers: visible, neither templates nor archived."""
    return projects_visible(viewer).filter(is_template=False, archived_at__isnull=True)


def templates_visible(viewer: Viewer) -> QuerySet[Project]:
    """The templates a new project can start from (not archived)."""
    return projects_visible(viewer).filter(is_template=True, archived_at__isnull=True)


def can_create_projects(viewer: Viewer) -> bool:
    """Administrators and project managers create projects (and templates)."""
    return viewer.role in ("admin", "manager")


def project_get(viewer: Viewer, project_id: int) -> Project:
    project = projects_visible(viewer).select_related("client", "company", "manager").filter(id=project_id).first()
    if project is None:
        raise NotFound("No such project.")
    return project


def in_scope(viewer: Viewer, project: Project) -> bool:
    """The project is of the viewer's organisation and of a company they may see.

    Actions check this on the objects they are handed, so an object of another organisation or of
    a hidden company is refused as not found even when a caller skipped the access function."""
    return project.organisation_id == viewer.organisation_id and project.company_id in viewer.company_ids


def can_manage(viewer: Viewer, project: Project) -> bool:
    """Managing a project: planning it and approving its time."""
    return in_scope(viewer, project) and (
        viewer.is_admin or (viewer.person_id is not None and project.manager_id == viewer.person_id)
    )


# --- money: who sees a project's revenue, cost, margin, rates and invoices ------------------------

MONEY_REFUSED = "Only finance, administrators and the project's manager see its money."


def money_visible(viewer: Viewer, project: Project) -> bool:
    """May the viewer see this project's money (revenue, cost, margin, bill and cost rates, amounts,
    invoices)? Finance and administrators for every project of their companies; a manager for the
    projects they manage. Members see their own hours, never the money."""
    if not in_scope(viewer, project):
        return False
    return viewer.is_finance or (viewer.person_id is not None and project.manager_id == viewer.person_id)


def require_money_visible(viewer: Viewer, project: Project) -> None:
    """Forbidden (403: the project itself is visible) unless the viewer may see its money."""
    if not money_visible(viewer, project):
        raise Forbidden(MONEY_REFUSED)


def money_visible_q(viewer: Viewer, *, project_field: str = "project") -> Q:
    """The money rule as a filter on rows that belong to a project (``project_field`` names the
    project; "" for projects themselves). Rows outside the viewer's organisation and companies never
    match."""
    prefix = f"{project_field}__" if project_field else ""
    scope = Q(**{f"{prefix}organisation_id": viewer.organisation_id, f"{prefix}company_id__in": viewer.company_ids})
    if viewer.is_finance:
        return scope
    if viewer.person_id is None:
        return Q(pk__in=[])
    return scope & Q(**{f"{prefix}manager_id": viewer.person_id})


def projects_money_visible(viewer: Viewer) -> QuerySet[Project]:
    """The projects whose money the viewer may see (a subset of `projects_visible`)."""
    return Project.objects.filter(money_visible_q(viewer, project_field=""))


@dataclass(frozen=True)
class MoneyScope:
    """The money rule read once for a whole answer: `covers(project_id)` without a query per row.
    Only for rows already read through an access function (it does not check the organisation)."""

    everything: bool
    project_ids: frozenset[int]

    @property
    def any(self) -> bool:
        """Some project's money is visible (a list or export then has money columns at all)."""
        return self.everything or bool(self.project_ids)

    def covers(self, project_id: int | None) -> bool:
        if project_id is None:
            return False
        return self.everything or project_id in self.project_ids


def money_scope(viewer: Viewer) -> MoneyScope:
    """Finance and administrators: every project; a manager: the projects they manage (one query)."""
    if viewer.is_finance:
        return MoneyScope(everything=True, project_ids=frozenset())
    return MoneyScope(
        everything=False, project_ids=frozenset(projects_money_visible(viewer).values_list("id", flat=True))
    )


def tasks_of(project: Project) -> QuerySet[Task]:
    return Task.objects.filter(project=project).order_by("position", "id")


def task_get(viewer: Viewer, task_id: int) -> Task:
    task = Task.objects.filter(id=task_id, project__in=projects_visible(viewer)).select_related("project").first()
    if task is None:
        raise NotFound("No such task.")
    return task


def is_member(project: Project, person_id: int) -> bool:
    return (
        project.manager_id == person_id or ProjectMember.objects.filter(project=project, person_id=person_id).exists()
    )


def members_of(project: Project) -> QuerySet[Person]:
    """The people on a project (its manager included), by name."""
    return (
        Person.objects.filter(project_memberships__project=project)
        .select_related("role", "company")
        .order_by("name", "id")
    )


def members_to_copy(source: Project) -> list[Person]:
    """Who joins a copy unless the user says otherwise: a project's team; nobody from a template (its members are
    the people who wrote it, not a team)."""
    return [] if source.is_template else list(members_of(source))


# --- working calendars ----------------------------------------------------------------------------


def calendars_visible(viewer: Viewer) -> QuerySet[WorkCalendar]:
    """The organisation default, and the calendars of the companies (and their people) the viewer may see."""
    return (
        WorkCalendar.objects.filter(organisation_id=viewer.organisation_id)
        .filter(
            Q(company__isnull=True, person__isnull=True)
            | Q(company_id__in=viewer.company_ids)
            | Q(person__company_id__in=viewer.company_ids)
        )
        .select_related("company", "person", "parent")
    )


def person_calendar_in_force(viewer: Viewer, person: Person) -> tuple[WorkCalendar | None, str]:
    """The calendar a person's work is planned on and whose it is: their own ("person"), else their company's
    ("company"), else the organisation default ("default"); (None, "standard") when there is none at all."""
    rows = calendars_visible(viewer).filter(
        Q(person_id=person.pk)
        | Q(company_id=person.company_id, person__isnull=True)
        | Q(company__isnull=True, person__isnull=True)
    )
    by_kind: dict[str, WorkCalendar] = {}
    for row in rows.order_by("id"):
        kind = "person" if row.person_id else "company" if row.company_id else "default"
        by_kind.setdefault(kind, row)
    for kind in ("person", "company", "default"):
        if kind in by_kind:
            return by_kind[kind], kind
    return None, "standard"


def calendar_get(viewer: Viewer, calendar_id: int) -> WorkCalendar:
    calendar = calendars_visible(viewer).filter(id=calendar_id).first()
    if calendar is None:
        raise NotFound("No such calendar.")
    return calendar


def calendar_exception_get(viewer: Viewer, exception_id: int) -> CalendarException:
    exception = (
        CalendarException.objects.filter(id=exception_id, calendar__in=calendars_visible(viewer))
        .select_related("calendar")
        .first()
    )
    if exception is None:
        raise NotFound("No such calendar exception.")
    return exception


def calendar_scope_ok(viewer: Viewer, calendar: WorkCalendar) -> bool:
    """The calendar is of the viewer's organisation and (for a company's or person's) of a company they see."""
    if calendar.organisation_id != viewer.organisation_id:
        return False
    if calendar.person is not None:
        return calendar.person.company_id in viewer.company_ids
    return calendar.company_id is None or calendar.company_id in viewer.company_ids


def can_edit_calendar(viewer: Viewer, calendar: WorkCalendar) -> bool:
    """Administrators edit calendars: an administrator limited to some companies edits those companies' and
    their people's calendars; the organisation default only an administrator of every company."""
    if not viewer.is_admin or not calendar_scope_ok(viewer, calendar):
        return False
    if calendar.company_id is None and calendar.person_id is None:
        return viewer_sees_every_company(viewer)
    return True


def viewer_sees_every_company(viewer: Viewer) -> bool:
    every = set(Company.objects.filter(organisation_id=viewer.organisation_id).values_list("id", flat=True))
    return every <= set(viewer.company_ids)
