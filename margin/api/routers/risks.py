"""RAID and change control: a project's risks (with the heat matrix, and the portfolio's), issues, decisions
and change requests (submit, approve, reject, apply). Who may do what is the actions' business
(:mod:`margin.risks.actions`); an item of another organisation or of a project the caller cannot see answers
404."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, person_get
from margin.api.schemas.common import Id, responses
from margin.api.schemas.risks import (
    ChangeRequestIn,
    ChangeRequestOut,
    ChangeRequestPatch,
    ChangeStatusValue,
    DecideIn,
    DecisionOut,
    DecisionPatch,
    IssueFilter,
    IssueIn,
    IssueOut,
    IssuePatch,
    MatrixOut,
    ProposedTaskIn,
    RaidDecisionIn,
    ResolveIn,
    RiskFilter,
    RiskIn,
    RiskOut,
    RiskPatch,
)
from margin.api.security import viewer_of
from margin.crm.models import Contact
from margin.crm.queries import contact_get
from margin.projects.models import Project, Task
from margin.projects.queries import project_get, task_get
from margin.risks import actions
from margin.risks.models import ChangeRequest, Decision, Issue, Risk
from margin.risks.queries import (
    HeatMatrix,
    change_request_get,
    change_requests_of,
    decision_get,
    decisions_of,
    issue_get,
    issues_of,
    portfolio_risk_matrix,
    risk_get,
    risk_matrix,
    risks_of,
)

router = Router(tags=["risks and change control"])
MAX_ROWS = 2000


def _person(viewer: Viewer, person_id: int | None) -> Person | None:
    return person_get(viewer, person_id) if person_id is not None else None


def _tasks(viewer: Viewer, ids: list[int] | None) -> list[Task]:
    return [task_get(viewer, pk) for pk in ids or []]


def _task(viewer: Viewer, task_id: int | None) -> Task | None:
    return task_get(viewer, task_id) if task_id is not None else None


def _contact(viewer: Viewer, project: Project, contact_id: int | None) -> Contact | None:
    return contact_get(viewer, project.client, contact_id) if contact_id is not None else None


def _matrix(matrix: HeatMatrix, residual: bool) -> dict[str, Any]:
    return {"residual": residual, "counts": [list(row) for row in matrix.counts], "open_risks": matrix.total}


def _risk(viewer: Viewer, risk_id: int) -> Risk:
    return risk_get(viewer, risk_id)


# --- risks ------------------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/risks", response=responses(list[RiskOut]), summary="A project's risk register")
def risk_list(request: HttpRequest, project_id: Id, filters: Query[RiskFilter]) -> list[Risk]:
    project = project_get(viewer_of(request), project_id)
    rows = risks_of(
        project,
        status=filters.status,
        owner_id=filters.owner_id,
        min_score=filters.min_score,
        probability=filters.probability,
        impact=filters.impact,
        residual=filters.residual,
    )
    return list(rows[:MAX_ROWS])


@router.post("/projects/{project_id}/risks", response=responses(RiskOut, 201), summary="Log a risk")
def risk_add(request: HttpRequest, project_id: Id, payload: RiskIn) -> Status[Risk]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    values: dict[str, Any] = payload.model_dump()
    values["owner"] = _person(viewer, values.pop("owner_id"))
    values["mitigation_tasks"] = _tasks(viewer, values.pop("mitigation_task_ids"))
    risk = actions.risk_create(viewer=viewer, project=project, **values)
    return Status(201, _risk(viewer, risk.pk))


@router.get("/risks/{risk_id}", response=responses(RiskOut), summary="One risk")
def risk_detail(request: HttpRequest, risk_id: Id) -> Risk:
    return _risk(viewer_of(request), risk_id)


@router.patch("/risks/{risk_id}", response=responses(RiskOut), summary="Change a risk (its status too)")
def risk_change(request: HttpRequest, risk_id: Id, payload: RiskPatch) -> Risk:
    viewer = viewer_of(request)
    risk = _risk(viewer, risk_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        changes["owner"] = _person(viewer, changes.pop("owner_id"))
    if "mitigation_task_ids" in changes:
        changes["mitigation_tasks"] = _tasks(viewer, changes.pop("mitigation_task_ids"))
    actions.risk_update(viewer=viewer, risk=risk, **changes)
    return _risk(viewer, risk_id)


@router.get("/projects/{project_id}/risk-matrix", response=responses(MatrixOut), summary="A project's heat matrix")
def project_risk_matrix(request: HttpRequest, project_id: Id, residual: bool = False) -> dict[str, Any]:
    project = project_get(viewer_of(request), project_id)
    return _matrix(risk_matrix(project, residual=residual), residual)


@router.get("/risk-matrix", response=responses(MatrixOut), summary="The heat matrix of every project you see")
def portfolio_matrix(request: HttpRequest, residual: bool = False) -> dict[str, Any]:
    return _matrix(portfolio_risk_matrix(viewer_of(request), residual=residual), residual)


# --- issues -----------------------------------------------------------------------------------------------


@router.get("/projects/{project_id}/issues", response=responses(list[IssueOut]), summary="A project's issues log")
def issue_list(request: HttpRequest, project_id: Id, filters: Query[IssueFilter]) -> list[Issue]:
    project = project_get(viewer_of(request), project_id)
    return list(issues_of(project, status=filters.status, owner_id=filters.owner_id)[:MAX_ROWS])


@router.post("/projects/{project_id}/issues", response=responses(IssueOut, 201), summary="Log an issue")
def issue_add(request: HttpRequest, project_id: Id, payload: IssueIn) -> Status[Issue]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    values: dict[str, Any] = payload.model_dump()
    values["owner"] = _person(viewer, values.pop("owner_id"))
    values["tasks"] = _tasks(viewer, values.pop("task_ids"))
    issue = actions.issue_create(viewer=viewer, project=project, **values)
    return Status(201, issue_get(viewer, issue.pk))


@router.get("/issues/{issue_id}", response=responses(IssueOut), summary="One issue")
def issue_detail(request: HttpRequest, issue_id: Id) -> Issue:
    return issue_get(viewer_of(request), issue_id)


@router.patch("/issues/{issue_id}", response=responses(IssueOut), summary="Change an issue")
def issue_change(request: HttpRequest, issue_id: Id, payload: IssuePatch) -> Issue:
    viewer = viewer_of(request)
    issue = issue_get(viewer, issue_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        changes["owner"] = _person(viewer, changes.pop("owner_id"))
    if "task_ids" in changes:
        changes["tasks"] = _tasks(viewer, changes.pop("task_ids"))
    actions.issue_update(viewer=viewer, issue=issue, **changes)
    return issue_get(viewer, issue_id)


@router.post("/issues/{issue_id}/resolve", response=responses(IssueOut), summary="Resolve an issue")
def issue_resolve(request: HttpRequest, issue_id: Id, payload: ResolveIn) -> Issue:
    viewer = viewer_of(request)
    actions.issue_resolve(viewer=viewer, issue=issue_get(viewer, issue_id), resolution=payload.resolution)
    return issue_get(viewer, issue_id)


# --- decisions --------------------------------------------------------------------------------------------


def _links(viewer: Viewer, values: dict[str, Any]) -> None:
    if "decided_by_id" in values:
        values["decided_by"] = _person(viewer, values.pop("decided_by_id"))
    for name, get in (("risk", risk_get), ("issue", issue_get), ("change_request", change_request_get)):
        if f"{name}_id" in values:
            pk = values.pop(f"{name}_id")
            values[name] = get(viewer, pk) if pk is not None else None


@router.get(
    "/projects/{project_id}/decisions", response=responses(list[DecisionOut]), summary="A project's decisions log"
)
def decision_list(request: HttpRequest, project_id: Id) -> list[Decision]:
    return list(decisions_of(project_get(viewer_of(request), project_id))[:MAX_ROWS])


@router.post("/projects/{project_id}/decisions", response=responses(DecisionOut, 201), summary="Record a decision")
def decision_add(request: HttpRequest, project_id: Id, payload: RaidDecisionIn) -> Status[Decision]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    values: dict[str, Any] = payload.model_dump()
    if values["decided_on"] is None:
        values.pop("decided_on")
    _links(viewer, values)
    decision = actions.decision_create(viewer=viewer, project=project, **values)
    return Status(201, decision_get(viewer, decision.pk))


@router.get("/decisions/{decision_id}", response=responses(DecisionOut), summary="One decision")
def decision_detail(request: HttpRequest, decision_id: Id) -> Decision:
    return decision_get(viewer_of(request), decision_id)


@router.patch("/decisions/{decision_id}", response=responses(DecisionOut), summary="Change a decision")
def decision_change(request: HttpRequest, decision_id: Id, payload: DecisionPatch) -> Decision:
    viewer = viewer_of(request)
    decision = decision_get(viewer, decision_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    _links(viewer, changes)
    actions.decision_update(viewer=viewer, decision=decision, **changes)
    return decision_get(viewer, decision_id)


# --- change requests --------------------------------------------------------------------------------------


def _proposed(viewer: Viewer, tasks: list[ProposedTaskIn]) -> list[actions.ProposedTask]:
    return [
        actions.ProposedTask(
            name=t.name,
            estimate_minutes=t.estimate_minutes,
            duration_days=t.duration_days,
            parent=_task(viewer, t.parent_id),
            predecessor=_task(viewer, t.predecessor_id),
        )
        for t in tasks
    ]


def _change(viewer: Viewer, change_request_id: int) -> ChangeRequest:
    return change_request_get(viewer, change_request_id)


@router.get(
    "/projects/{project_id}/change-requests",
    response=responses(list[ChangeRequestOut]),
    summary="A project's change requests, newest first",
)
def change_request_list(
    request: HttpRequest, project_id: Id, status: ChangeStatusValue | None = None
) -> list[ChangeRequest]:
    project = project_get(viewer_of(request), project_id)
    return list(change_requests_of(project, status=status).prefetch_related("proposed_tasks")[:MAX_ROWS])


@router.post(
    "/projects/{project_id}/change-requests",
    response=responses(ChangeRequestOut, 201),
    summary="Write a change request (a draft)",
)
def change_request_add(request: HttpRequest, project_id: Id, payload: ChangeRequestIn) -> Status[ChangeRequest]:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    values: dict[str, Any] = payload.model_dump(exclude={"tasks"})
    values["requested_by_contact"] = _contact(viewer, project, values.pop("requested_by_contact_id"))
    change = actions.change_request_create(
        viewer=viewer, project=project, tasks=_proposed(viewer, payload.tasks), **values
    )
    return Status(201, _change(viewer, change.pk))


@router.get("/change-requests/{change_request_id}", response=responses(ChangeRequestOut), summary="One change request")
def change_request_detail(request: HttpRequest, change_request_id: Id) -> ChangeRequest:
    return _change(viewer_of(request), change_request_id)


@router.patch("/change-requests/{change_request_id}", response=responses(ChangeRequestOut), summary="Change a draft")
def change_request_change(request: HttpRequest, change_request_id: Id, payload: ChangeRequestPatch) -> ChangeRequest:
    viewer = viewer_of(request)
    change = _change(viewer, change_request_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude={"tasks"})
    if "requested_by_contact_id" in changes:
        changes["requested_by_contact"] = _contact(viewer, change.project, changes.pop("requested_by_contact_id"))
    tasks = _proposed(viewer, payload.tasks) if payload.tasks is not None else None
    actions.change_request_update(viewer=viewer, change=change, tasks=tasks, **changes)
    return _change(viewer, change_request_id)


@router.post(
    "/change-requests/{change_request_id}/submit",
    response=responses(ChangeRequestOut),
    summary="Submit a draft for a decision",
)
def change_request_submit(request: HttpRequest, change_request_id: Id) -> ChangeRequest:
    viewer = viewer_of(request)
    actions.change_request_submit(viewer=viewer, change=_change(viewer, change_request_id))
    return _change(viewer, change_request_id)


@router.post(
    "/change-requests/{change_request_id}/approve",
    response=responses(ChangeRequestOut),
    summary="Approve a submitted change request (the project's manager; the client's approver recorded)",
)
def change_request_approve(request: HttpRequest, change_request_id: Id, payload: DecideIn) -> ChangeRequest:
    viewer = viewer_of(request)
    change = _change(viewer, change_request_id)
    actions.change_request_approve(
        viewer=viewer,
        change=change,
        note=payload.note,
        client_contact=_contact(viewer, change.project, payload.client_contact_id),
        client_name=payload.client_name,
    )
    return _change(viewer, change_request_id)


@router.post(
    "/change-requests/{change_request_id}/reject",
    response=responses(ChangeRequestOut),
    summary="Reject a submitted change request",
)
def change_request_reject(request: HttpRequest, change_request_id: Id, payload: DecideIn) -> ChangeRequest:
    viewer = viewer_of(request)
    actions.change_request_reject(viewer=viewer, change=_change(viewer, change_request_id), note=payload.note)
    return _change(viewer, change_request_id)


@router.post(
    "/change-requests/{change_request_id}/apply",
    response=responses(ChangeRequestOut),
    summary="Apply an approved change: budget, contract value, new tasks in the plan, a baseline if asked",
)
def change_request_apply(request: HttpRequest, change_request_id: Id) -> ChangeRequest:
    viewer = viewer_of(request)
    actions.change_request_apply(viewer=viewer, change=_change(viewer, change_request_id))
    return _change(viewer, change_request_id)
