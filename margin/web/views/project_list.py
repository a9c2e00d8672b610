"""Projects: the list of projects (or templates, or archived ones) with filters, sorting and budget burn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.crm.models import Client
from margin.projects.models import Project
from margin.projects.queries import can_create_projects, money_visible, projects_of_person, projects_visible
from margin.reporting.queries import ProjectFigures, profitability
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page
from margin.web.project_forms import SORTS, ProjectFilterForm

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    project: Project
    figures: ProjectFigures | None  # None: the viewer may not see this project's money


def _filtered(viewer: Viewer, data: dict[str, Any]) -> Any:
    projects = projects_visible(viewer).select_related("client", "company", "manager")
    kind = data.get("kind") or ""
    if kind == "templates":
        projects = projects.filter(is_template=True, archived_at__isnull=True)
    elif kind == "archived":
        projects = projects.filter(archived_at__isnull=False)
    else:
        projects = projects.filter(is_template=False, archived_at__isnull=True)
    if data.get("status"):
        projects = projects.filter(status=data["status"])
    for name in ("client", "company", "manager"):
        if data.get(name):
            projects = projects.filter(**{f"{name}_id": data[name]})
    if data.get("mine"):
        projects = projects.filter(pk__in=projects_of_person(viewer.person_id))
    text = (data.get("q") or "").strip()
    if text:
        projects = projects.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(client__name__icontains=text))
    sort = data.get("sort") or "code"
    field = SORTS[sort.lstrip("-")]
    return projects.order_by(f"-{field}" if sort.startswith("-") else field, "code", "id")


@viewer_view
def project_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    visible = projects_visible(viewer)
    form = ProjectFilterForm(
        request.GET,
        clients=Client.objects.filter(pk__in=visible.values("client_id")).order_by("name"),
        companies=Company.objects.filter(pk__in=visible.values("company_id")).order_by("name"),
        managers=Person.objects.filter(pk__in=visible.values("manager_id")).order_by("name"),
    )
    form.is_valid()  # a bad value drops that filter only: the valid ones stay in cleaned_data
    data = form.cleaned_data
    projects_page = Paginator(_filtered(viewer, data), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [p for p in projects_page if money_visible(viewer, p)]
    figures = {f.project_id: f for f in profitability(Project.objects.filter(pk__in=[p.pk for p in shown]))}
    query = request.GET.copy()
    query.pop("page", None)
    sort = data.get("sort") or "code"
    context = {
        "form": form,
        "rows": [Row(p, figures.get(p.pk)) for p in projects_page],
        "page_obj": projects_page,
        "kind": data.get("kind") or "",
        "sort": sort,
        "query": query.urlencode(),
        "sort_links": _sort_links(request, sort),
        "can_create": can_create_projects(viewer),
        "any_money": bool(shown),
    }
    return page(request, viewer, "web/projects/list.html", context, active="projects")


def _sort_links(request: HtmxRequest, current: str) -> dict[str, str]:
    """For each sortable column, the query string that sorts by it (again: the other way round)."""
    links = {}
    for key in SORTS:
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if current == key else key
        links[key] = query.urlencode()
    return links
