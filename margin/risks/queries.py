"""Reads of RAID and change control, through the projects' access rule: whoever sees a project sees its risks,
issues, decisions and change requests; anything of another organisation or of a project the viewer cannot see
answers 404. A change request's cost and price follow the project's money rule (`money_visible`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.projects.models import Project
from margin.projects.queries import projects_visible
from margin.risks.models import (
    MAX_LEVEL,
    ChangeRequest,
    ChangeRequestTask,
    Decision,
    Issue,
    Risk,
    RiskStatus,
)


def risks_visible(viewer: Viewer) -> QuerySet[Risk]:
    return Risk.objects.filter(organisation_id=viewer.organisation_id, project__in=projects_visible(viewer))


def issues_visible(viewer: Viewer) -> QuerySet[Issue]:
    return Issue.objects.filter(organisation_id=viewer.organisation_id, project__in=projects_visible(viewer))


def decisions_visible(viewer: Viewer) -> QuerySet[Decision]:
    return Decision.objects.filter(organisation_id=viewer.organisation_id, project__in=projects_visible(viewer))


def change_requests_visible(viewer: Viewer) -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.filter(organisation_id=viewer.organisation_id, project__in=projects_visible(viewer))


def risk_get(viewer: Viewer, pk: int) -> Risk:
    risk = risks_visible(viewer).select_related("project", "owner").filter(pk=pk).first()
    if risk is None:
        raise NotFound("No such risk.")
    return risk


def issue_get(viewer: Viewer, pk: int) -> Issue:
    issue = issues_visible(viewer).select_related("project", "owner").filter(pk=pk).first()
    if issue is None:
        raise NotFound("No such issue.")
    return issue


def decision_get(viewer: Viewer, pk: int) -> Decision:
    decision = (
        decisions_visible(viewer)
        .select_related("project", "decided_by", "risk", "issue", "change_request")
        .filter(pk=pk)
        .first()
    )
    if decision is None:
        raise NotFound("No such decision.")
    return decision


def change_request_get(viewer: Viewer, pk: int) -> ChangeRequest:
    change = (
        change_requests_visible(viewer)
        .select_related("project", "requested_by_contact", "client_approver_contact")
        .filter(pk=pk)
        .first()
    )
    if change is None:
        raise NotFound("No such change request.")
    return change


# --- lists ------------------------------------------------------------------------------------------------


def risks_of(
    project: Project,
    *,
    status: str | None = None,
    owner_id: int | None = None,
    min_score: int | None = None,
    probability: int | None = None,
    impact: int | None = None,
    residual: bool = False,
) -> QuerySet[Risk]:
    """A project's register, highest score first. ``probability``/``impact`` pick one cell of the heat matrix
    (of the residual levels with ``residual``)."""
    rows = Risk.objects.filter(project=project).select_related("owner").prefetch_related("mitigation_tasks")
    if status:
        rows = rows.filter(status=status)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if min_score is not None:
        rows = rows.filter(residual_score__gte=min_score) if residual else rows.filter(score__gte=min_score)
    if probability is not None:
        rows = rows.filter(residual_probability=probability) if residual else rows.filter(probability=probability)
    if impact is not None:
        rows = rows.filter(residual_impact=impact) if residual else rows.filter(impact=impact)
    return rows.order_by("-score", "number")


def issues_of(project: Project, *, status: str | None = None, owner_id: int | None = None) -> QuerySet[Issue]:
    rows = Issue.objects.filter(project=project).select_related("owner").prefetch_related("tasks")
    if status:
        rows = rows.filter(status=status)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    return rows.order_by("number")


def decisions_of(project: Project) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(project=project)
        .select_related("decided_by", "risk", "issue", "change_request")
        .order_by("-decided_on", "-number")
    )


def change_requests_of(project: Project, *, status: str | None = None) -> QuerySet[ChangeRequest]:
    rows = ChangeRequest.objects.filter(project=project).select_related("requested_by_contact")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-number")


def proposed_tasks_of(change: ChangeRequest) -> QuerySet[ChangeRequestTask]:
    return ChangeRequestTask.objects.filter(change_request=change).select_related(
        "parent", "predecessor", "created_task"
    )


# --- the heat matrix --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatMatrix:
    """Counts of open risks per probability × impact: ``counts[p - 1][i - 1]``."""

    counts: tuple[tuple[int, ...], ...]

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    def count(self, probability: int, impact: int) -> int:
        return self.counts[probability - 1][impact - 1]


def _matrix(rows: QuerySet[Risk], residual: bool) -> HeatMatrix:
    p, i = ("residual_probability", "residual_impact") if residual else ("probability", "impact")
    grid = [[0] * MAX_LEVEL for _ in range(MAX_LEVEL)]
    found = rows.filter(status=RiskStatus.OPEN, **{f"{p}__isnull": False}).values(p, i).annotate(n=Count("id"))
    for row in found.order_by():
        grid[row[p] - 1][row[i] - 1] = row["n"]
    return HeatMatrix(tuple(tuple(r) for r in grid))


def risk_matrix(project: Project, *, residual: bool = False) -> HeatMatrix:
    """A project's heat matrix of open risks (one GROUP BY query); residual levels with ``residual`` (risks
    without a residual assessment are left out)."""
    return _matrix(Risk.objects.filter(project=project), residual)


def portfolio_risk_matrix(viewer: Viewer, *, residual: bool = False) -> HeatMatrix:
    """The heat matrix over every project the viewer can see (templates and archived projects left out)."""
    return _matrix(
        risks_visible(viewer).filter(project__is_template=False, project__archived_at__isnull=True), residual
    )


def portfolio_risks(
    viewer: Viewer, *, probability: int | None = None, impact: int | None = None, residual: bool = False
) -> QuerySet[Risk]:
    """The open risks of the portfolio (one cell of the matrix when given), highest score first."""
    rows = risks_visible(viewer).filter(
        status=RiskStatus.OPEN, project__is_template=False, project__archived_at__isnull=True
    )
    if probability is not None:
        rows = rows.filter(residual_probability=probability) if residual else rows.filter(probability=probability)
    if impact is not None:
        rows = rows.filter(residual_impact=impact) if residual else rows.filter(impact=impact)
    return rows.select_related("project", "owner").order_by("-score", "project__code", "number")
