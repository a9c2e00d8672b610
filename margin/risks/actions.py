"""Writes of RAID and change control: one transaction each, checked, audited, and published as events.

Who: whoever manages the project (its manager, an administrator: `margin.projects.queries.can_manage`) logs and
changes risks, issues, decisions and change requests, and decides and applies changes. People named on them
(owners, deciders) must be on the project, so the events that tell them cannot leak a project to someone
who cannot see it.

Applying a change request (`change_request_apply`) is the one step that reaches into other apps: under the
change request's and the project's row locks it raises the project's budget (`project_update`), moves the
covering contract's value (`contract_value_change`), adds the proposed tasks to the plan (`task_create`,
`task_schedule_update`, `dependency_create`: each reschedules) and saves a baseline if asked
(`baseline_save_valued`). Any refusal on the way rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer, viewer_for
from margin.contracts.actions import contract_value_change
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.money import MAX_ABS_AMOUNT
from margin.core.text import clean_text
from margin.crm.models import Contact
from margin.notifications.events import publish
from margin.projects.actions import (
    MAX_BUDGET_MINUTES,
    check_writable,
    dependency_create,
    project_update,
    task_create,
    task_schedule_update,
)
from margin.projects.models import Project, Task
from margin.projects.queries import can_manage, in_scope, is_member
from margin.projects.rules import DAY  # the plan's working day, as the Gantt and the task forms count it
from margin.rates.actions import baseline_save_valued
from margin.risks.models import (
    MAX_LEVEL,
    ChangeRequest,
    ChangeRequestTask,
    ChangeStatus,
    Decision,
    Issue,
    IssueSeverity,
    IssueStatus,
    Risk,
    RiskResponse,
    RiskStatus,
)

RISK_FIELDS = [
    "title",
    "description",
    "category",
    "probability",
    "impact",
    "score",
    "owner",
    "response",
    "mitigation",
    "contingency_minor",
    "residual_probability",
    "residual_impact",
    "residual_score",
    "review_date",
    "status",
]
RISK_WRITABLE = frozenset(
    {
        "title",
        "description",
        "category",
        "probability",
        "impact",
        "owner",
        "response",
        "mitigation",
        "mitigation_tasks",
        "contingency_minor",
        "residual_probability",
        "residual_impact",
        "review_date",
        "status",
    }
)
ISSUE_FIELDS = ["title", "description", "severity", "owner", "due_date", "status", "resolution"]
ISSUE_WRITABLE = frozenset({"title", "description", "severity", "owner", "due_date", "tasks", "status"})
DECISION_FIELDS = ["title", "decision", "rationale", "decided_by", "decided_on", "risk", "issue", "change_request"]
DECISION_WRITABLE = frozenset(DECISION_FIELDS)
CHANGE_FIELDS = [
    "title",
    "description",
    "requested_by_name",
    "requested_by_contact",
    "schedule_days",
    "effort_minutes",
    "cost_minor",
    "price_minor",
    "save_baseline",
    "status",
]
CHANGE_WRITABLE = frozenset(CHANGE_FIELDS) - {"status"}
MAX_TEXT = 10_000
MAX_SCHEDULE_DAYS = 10_000
MAX_PROPOSED_TASKS = 100
MAX_MINOR = int(MAX_ABS_AMOUNT) * 100


# --- shared checks ----------------------------------------------------------------------------------------


def _project_locked(viewer: Viewer, project: Project, what: str) -> Project:
    """The project, locked (numbers are allocated and changes applied one at a time), once the viewer may
    manage it and it is not archived."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not can_manage(viewer, project):
        raise Forbidden(f"Only the project's manager or an administrator may {what}.")
    locked = Project.objects.select_for_update().get(pk=project.pk)
    check_writable(locked)
    return locked


def _next_number(model: type[Risk | Issue | Decision | ChangeRequest], project: Project) -> int:
    """The next reference number of a kind on a project (the caller holds the project's lock)."""
    highest = model.objects.filter(project=project).aggregate(n=Max("number"))["n"]
    return int(highest or 0) + 1


def _level(value: object, field: str, what: str, *, optional: bool = False) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise Invalid(f"{what} is required (1 to {MAX_LEVEL}).", field=field)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LEVEL:
        raise Invalid(f"{what} must be a whole number from 1 to {MAX_LEVEL}.", field=field)
    return value


def _choice(value: object, choices: type[models.TextChoices], field: str, what: str) -> str:
    if value not in choices.values:
        raise Invalid(f"Unknown {what} {value!r}; use {', '.join(choices.values)}.", field=field)
    return str(value)


def _person(project: Project, person: object, field: str) -> Person | None:
    """A person named on a RAID item: of the organisation and on the project (its manager or a member)."""
    if person is None:
        return None
    if not isinstance(person, Person) or person.organisation_id != project.organisation_id:
        raise NotFound("No such person.")
    if not is_member(project, person.pk):
        raise Invalid(f"{person.name} is not on project {project.code}; add them to the team first.", field=field)
    return person


def _tasks(project: Project, tasks: Iterable[object], field: str) -> list[Task]:
    found: list[Task] = []
    for task in tasks:
        if not isinstance(task, Task) or task.project_id != project.pk:
            raise NotFound("No such task in this project.")
        found.append(task)
    return found


def _day(value: object, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or not date(2000, 1, 1) <= value <= date(2199, 12, 31):
        raise Invalid("Give a date between 2000-01-01 and 2199-12-31.", field=field)
    return value


def _minor(value: object, field: str, what: str, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= MAX_MINOR or (value < 0 and not signed):
        raise Invalid(f"{what} must be a whole number of minor units{'' if signed else ', zero or more'}.", field=field)
    return value


def _user_of(person: Person | None) -> list[int]:
    return [person.user_id] if person is not None and person.user_id is not None else []


def _manager_user(project: Project) -> list[int]:
    return list(Person.objects.filter(pk=project.manager_id, user__isnull=False).values_list("user_id", flat=True))


def _publish(
    viewer: Viewer,
    project: Project,
    obj: Risk | Issue | Decision | ChangeRequest,
    kind: str,
    text: str,
    recipients: Iterable[int],
    **data: Any,
) -> None:
    publish(
        organisation_id=project.organisation_id,
        kind=kind,
        text=text,
        recipients=recipients,
        actor_id=viewer.user_id,
        project_id=project.pk,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        url=object_url(obj),
        data={"reference": obj.reference, "title": obj.title, "project": project.code, **data},
    )


def _tell_new_owner(viewer: Viewer, project: Project, obj: Risk | Issue, previous_owner_id: int | None) -> None:
    """The owner of a risk or issue hears that they own it (a personal kind: their own channels only), once:
    when the item is logged with an owner, or when the owner changes."""
    if obj.owner is None or obj.owner.pk == previous_owner_id:
        return
    what = "risk" if isinstance(obj, Risk) else "issue"
    text = f"You own {what} {obj.reference} {obj.title} on {project.code}"
    _publish(viewer, project, obj, "assignment.owner", text, _user_of(obj.owner))


def object_url(obj: Risk | Issue | Decision | ChangeRequest) -> str:
    """The web page of a RAID item (decisions are listed on the project's decisions log)."""
    base = f"/projects/{obj.project_id}/raid"
    if isinstance(obj, Risk):
        return f"{base}/risks/{obj.pk}/"
    if isinstance(obj, Issue):
        return f"{base}/issues/{obj.pk}/"
    if isinstance(obj, ChangeRequest):
        return f"{base}/changes/{obj.pk}/"
    return f"{base}/decisions/"


def _known(changes: dict[str, Any], writable: frozenset[str]) -> None:
    for field in changes:
        if field not in writable:
            raise Invalid(f"{field} cannot be changed here.", field=field)


# --- risks ------------------------------------------------------------------------------------------------


def _apply_risk(risk: Risk, project: Project, values: dict[str, Any]) -> list[Task] | None:
    """Check `values` and set them on `risk`; returns the mitigation tasks when given (set after saving)."""
    _known(values, RISK_WRITABLE)
    for field in ("title", "description", "category", "mitigation"):
        if field in values:
            limit = {"title": 200, "category": 100}.get(field, MAX_TEXT)
            setattr(risk, field, clean_text(values[field], field=field, max_length=limit, required=field == "title"))
    for field, what in (("probability", "The probability"), ("impact", "The impact")):
        if field in values:
            setattr(risk, field, _level(values[field], field, what))
    for field, what in (
        ("residual_probability", "The residual probability"),
        ("residual_impact", "The residual impact"),
    ):
        if field in values:
            setattr(risk, field, _level(values[field], field, what, optional=True))
    if (risk.residual_probability is None) != (risk.residual_impact is None):
        missing = "residual_impact" if risk.residual_impact is None else "residual_probability"
        raise Invalid("Give both the residual probability and the residual impact, or neither.", field=missing)
    if "owner" in values:
        risk.owner = _person(project, values["owner"], "owner")
    if "response" in values:
        risk.response = _choice(values["response"], RiskResponse, "response", "response")
    if "status" in values:
        risk.status = _choice(values["status"], RiskStatus, "status", "status")
    if "contingency_minor" in values:
        risk.contingency_minor = _minor(values["contingency_minor"], "contingency_minor", "The contingency")
    if "review_date" in values:
        risk.review_date = _day(values["review_date"], "review_date")
    risk.score = risk.probability * risk.impact
    risk.residual_score = (
        risk.residual_probability * risk.residual_impact
        if risk.residual_probability is not None and risk.residual_impact is not None
        else None
    )
    if "mitigation_tasks" in values:
        return _tasks(project, values["mitigation_tasks"] or [], "mitigation_tasks")
    return None


def _risk_picture(risk: Risk) -> dict[str, Any]:
    return {**audit.snapshot(risk, RISK_FIELDS), "mitigation_tasks": sorted(t.pk for t in risk.mitigation_tasks.all())}


@transaction.atomic
def risk_create(*, viewer: Viewer, project: Project, title: str, probability: int, impact: int, **details: Any) -> Risk:
    """Log a risk (R-n) on a project; its owner hears of it, as does the project's manager."""
    project = _project_locked(viewer, project, "log risks")
    risk = Risk(
        organisation_id=project.organisation_id,
        project=project,
        currency=project.currency,
        created_by_id=viewer.user_id,
        updated_by_id=viewer.user_id,
    )
    tasks = _apply_risk(risk, project, {"title": title, "probability": probability, "impact": impact, **details})
    risk.number = _next_number(Risk, project)
    risk.save()
    if tasks is not None:
        risk.mitigation_tasks.set(tasks)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="risk.create",
        obj=risk,
        after=_risk_picture(risk),
    )
    _publish(
        viewer,
        project,
        risk,
        "risk.raised",
        f"{risk.reference} {risk.title} logged on {project.code} (score {risk.score})",
        [*_manager_user(project), *_user_of(risk.owner)],
        score=risk.score,
    )
    _tell_new_owner(viewer, project, risk, None)
    return risk


@transaction.atomic
def risk_update(*, viewer: Viewer, risk: Risk, **changes: Any) -> Risk:
    """Change a risk (its status too: open, closed, occurred). A new score or status is told to its owner and the
    project's manager; a new owner is told they own it."""
    project = _project_locked(viewer, risk.project, "change risks")
    given, risk = risk, Risk.objects.select_for_update().get(pk=risk.pk)
    before = _risk_picture(risk)
    tasks = _apply_risk(risk, project, changes)
    risk.updated_by_id = viewer.user_id
    risk.save()
    if tasks is not None:
        risk.mitigation_tasks.set(tasks)
    after = _risk_picture(risk)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="risk.update",
        obj=risk,
        before=before,
        after=after,
    )
    moved = [k for k in ("score", "residual_score", "status") if before[k] != after[k]]
    if moved:
        _publish(
            viewer,
            project,
            risk,
            "risk.changed",
            f"{risk.reference} {risk.title} on {project.code}: "
            + ", ".join(f"{k.replace('_', ' ')} {before[k] or '–'} → {after[k] or '–'}" for k in moved),
            [*_manager_user(project), *_user_of(risk.owner)],
            score=risk.score,
            status=risk.status,
        )
    _tell_new_owner(viewer, project, risk, before["owner"])
    given.refresh_from_db()
    return given


def risk_close(*, viewer: Viewer, risk: Risk, occurred: bool = False) -> Risk:
    """Close a risk: it passed (closed) or it happened (occurred; log the issue it became)."""
    return risk_update(viewer=viewer, risk=risk, status=RiskStatus.OCCURRED if occurred else RiskStatus.CLOSED)


# --- issues -----------------------------------------------------------------------------------------------


def _apply_issue(issue: Issue, project: Project, values: dict[str, Any]) -> list[Task] | None:
    _known(values, ISSUE_WRITABLE)
    for field in ("title", "description"):
        if field in values:
            limit = 200 if field == "title" else MAX_TEXT
            setattr(issue, field, clean_text(values[field], field=field, max_length=limit, required=field == "title"))
    if "severity" in values:
        issue.severity = _choice(values["severity"], IssueSeverity, "severity", "severity")
    if "owner" in values:
        issue.owner = _person(project, values["owner"], "owner")
    if "due_date" in values:
        issue.due_date = _day(values["due_date"], "due_date")
    if "status" in values:
        status = _choice(values["status"], IssueStatus, "status", "status")
        if status == IssueStatus.RESOLVED and status != issue.status:
            raise Invalid("Resolve an issue with its resolution (Resolve).", field="status")
        issue.status = status
    if "tasks" in values:
        return _tasks(project, values["tasks"] or [], "tasks")
    return None


def _issue_picture(issue: Issue) -> dict[str, Any]:
    return {**audit.snapshot(issue, ISSUE_FIELDS), "tasks": sorted(t.pk for t in issue.tasks.all())}


@transaction.atomic
def issue_create(*, viewer: Viewer, project: Project, title: str, **details: Any) -> Issue:
    project = _project_locked(viewer, project, "log issues")
    issue = Issue(organisation_id=project.organisation_id, project=project, created_by_id=viewer.user_id)
    tasks = _apply_issue(issue, project, {"title": title, **details})
    if issue.status == IssueStatus.RESOLVED:
        raise Invalid("A new issue cannot start resolved.", field="status")
    issue.number = _next_number(Issue, project)
    issue.save()
    if tasks is not None:
        issue.tasks.set(tasks)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="issue.create",
        obj=issue,
        after=_issue_picture(issue),
    )
    _publish(
        viewer,
        project,
        issue,
        "issue.raised",
        f"{issue.reference} {issue.title} ({issue.get_severity_display().lower()}) logged on {project.code}",
        [*_manager_user(project), *_user_of(issue.owner)],
        severity=issue.severity,
    )
    _tell_new_owner(viewer, project, issue, None)
    return issue


@transaction.atomic
def issue_update(*, viewer: Viewer, issue: Issue, **changes: Any) -> Issue:
    project = _project_locked(viewer, issue.project, "change issues")
    given, issue = issue, Issue.objects.select_for_update().get(pk=issue.pk)
    before = _issue_picture(issue)
    tasks = _apply_issue(issue, project, changes)
    if issue.status in (IssueStatus.OPEN, IssueStatus.IN_PROGRESS):
        issue.resolved_at, issue.resolved_by_id = None, None  # reopened
    issue.save()
    if tasks is not None:
        issue.tasks.set(tasks)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="issue.update",
        obj=issue,
        before=before,
        after=_issue_picture(issue),
    )
    _tell_new_owner(viewer, project, issue, before["owner"])
    given.refresh_from_db()
    return given


@transaction.atomic
def issue_resolve(*, viewer: Viewer, issue: Issue, resolution: str) -> Issue:
    """Resolve an issue: how it was resolved is required."""
    project = _project_locked(viewer, issue.project, "resolve issues")
    given, issue = issue, Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status in (IssueStatus.RESOLVED, IssueStatus.CLOSED):
        raise Conflict(f"{issue.reference} is already {issue.get_status_display().lower()}.", field="status")
    text = clean_text(resolution, field="resolution", max_length=MAX_TEXT)
    if not text:
        raise Invalid("Say how the issue was resolved.", field="resolution")
    before = _issue_picture(issue)
    issue.status, issue.resolution = IssueStatus.RESOLVED, text
    issue.resolved_at, issue.resolved_by_id = timezone.now(), viewer.user_id
    issue.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="issue.resolve",
        obj=issue,
        before=before,
        after=_issue_picture(issue),
    )
    _publish(
        viewer,
        project,
        issue,
        "issue.resolved",
        f"{issue.reference} {issue.title} on {project.code} is resolved",
        [*_manager_user(project), *_user_of(issue.owner)],
    )
    given.refresh_from_db()
    return given


# --- decisions --------------------------------------------------------------------------------------------


def _apply_decision(decision: Decision, project: Project, values: dict[str, Any]) -> None:
    _known(values, DECISION_WRITABLE)
    if "title" in values:
        decision.title = clean_text(values["title"], field="title", max_length=200, required=True)
    if "decision" in values:
        decision.decision = clean_text(values["decision"], field="decision", max_length=MAX_TEXT, required=True)
    if "rationale" in values:
        decision.rationale = clean_text(values["rationale"], field="rationale", max_length=MAX_TEXT)
    if "decided_by" in values:
        decision.decided_by = _person(project, values["decided_by"], "decided_by")
    if "decided_on" in values:
        decision.decided_on = _day(values["decided_on"], "decided_on") or timezone.localdate()
    for field, model in (("risk", Risk), ("issue", Issue), ("change_request", ChangeRequest)):
        if field in values:
            linked = values[field]
            if linked is not None and (not isinstance(linked, model) or linked.project_id != project.pk):
                raise NotFound(f"No such {field.replace('_', ' ')} in this project.")
            setattr(decision, field, linked)


@transaction.atomic
def decision_create(*, viewer: Viewer, project: Project, title: str, decision: str, **details: Any) -> Decision:
    project = _project_locked(viewer, project, "record decisions")
    row = Decision(
        organisation_id=project.organisation_id,
        project=project,
        created_by_id=viewer.user_id,
        decided_on=timezone.localdate(),
    )
    _apply_decision(row, project, {"title": title, "decision": decision, **details})
    row.number = _next_number(Decision, project)
    row.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="decision.create",
        obj=row,
        after=audit.snapshot(row, DECISION_FIELDS),
    )
    _publish(
        viewer,
        project,
        row,
        "decision.recorded",
        f"{row.reference} {row.title} decided on {project.code}",
        [*_manager_user(project), *_user_of(row.decided_by)],
    )
    return row


@transaction.atomic
def decision_update(*, viewer: Viewer, decision: Decision, **changes: Any) -> Decision:
    project = _project_locked(viewer, decision.project, "change decisions")
    given, row = decision, Decision.objects.select_for_update().get(pk=decision.pk)
    before = audit.snapshot(row, DECISION_FIELDS)
    _apply_decision(row, project, changes)
    row.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="decision.update",
        obj=row,
        before=before,
        after=audit.snapshot(row, DECISION_FIELDS),
    )
    given.refresh_from_db()
    return given


# --- change requests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedTask:
    """A task a change request adds to the plan: under `parent` (a summary task) and after `predecessor`."""

    name: str
    estimate_minutes: int = 0
    duration_days: int = 1
    parent: Task | None = None
    predecessor: Task | None = None


def _check_proposed(project: Project, tasks: Sequence[ProposedTask]) -> list[ChangeRequestTask]:
    if len(tasks) > MAX_PROPOSED_TASKS:
        raise Invalid(f"A change request adds at most {MAX_PROPOSED_TASKS} tasks.", field="tasks")
    rows: list[ChangeRequestTask] = []
    for n, proposed in enumerate(tasks):
        name = clean_text(proposed.name, field="tasks", max_length=200)
        if not name:
            raise Invalid(f"Proposed task {n + 1} needs a name.", field="tasks")
        estimate, days = proposed.estimate_minutes, proposed.duration_days
        if isinstance(estimate, bool) or not isinstance(estimate, int) or not 0 <= estimate <= MAX_BUDGET_MINUTES:
            raise Invalid(f"{name}: the work must be between 0 and 10 million hours.", field="tasks")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_SCHEDULE_DAYS:
            raise Invalid(f"{name}: the duration must be 0 to {MAX_SCHEDULE_DAYS} working days.", field="tasks")
        for linked in (proposed.parent, proposed.predecessor):
            if linked is not None and (not isinstance(linked, Task) or linked.project_id != project.pk):
                raise NotFound("No such task in this project.")
        rows.append(
            ChangeRequestTask(
                position=n,
                name=name,
                estimate_minutes=estimate,
                duration_days=days,
                parent=proposed.parent,
                predecessor=proposed.predecessor,
            )
        )
    return rows


def _apply_change(change: ChangeRequest, project: Project, values: dict[str, Any]) -> None:
    _known(values, CHANGE_WRITABLE)
    if "title" in values:
        change.title = clean_text(values["title"], field="title", max_length=200, required=True)
    if "description" in values:
        change.description = clean_text(values["description"], field="description", max_length=MAX_TEXT)
    if "requested_by_name" in values:
        change.requested_by_name = clean_text(values["requested_by_name"], field="requested_by_name", max_length=200)
    if "requested_by_contact" in values:
        change.requested_by_contact = _contact(project, values["requested_by_contact"], "requested_by_contact")
    if "schedule_days" in values:
        days = values["schedule_days"]
        if isinstance(days, bool) or not isinstance(days, int) or abs(days) > MAX_SCHEDULE_DAYS:
            raise Invalid(
                f"The schedule impact must be within {MAX_SCHEDULE_DAYS} working days.", field="schedule_days"
            )
        change.schedule_days = days
    if "effort_minutes" in values:
        effort = values["effort_minutes"]
        if isinstance(effort, bool) or not isinstance(effort, int) or abs(effort) > MAX_BUDGET_MINUTES:
            raise Invalid("The effort must be within 10 million hours.", field="effort_minutes")
        change.effort_minutes = effort
    if "cost_minor" in values:
        change.cost_minor = _minor(values["cost_minor"], "cost_minor", "The cost impact", signed=True)
    if "price_minor" in values:
        change.price_minor = _minor(values["price_minor"], "price_minor", "The price impact", signed=True)
    if "save_baseline" in values:
        if not isinstance(values["save_baseline"], bool):
            raise Invalid("save_baseline is yes or no.", field="save_baseline")
        change.save_baseline = values["save_baseline"]


def _contact(project: Project, contact: object, field: str) -> Contact | None:
    """A contact of the project's client (the client asks for changes and approves them)."""
    if contact is None:
        return None
    if not isinstance(contact, Contact) or contact.client_id != project.client_id:
        raise NotFound("No such contact of the project's client.")
    return contact


def _change_picture(change: ChangeRequest) -> dict[str, Any]:
    tasks = [
        {
            "name": t.name,
            "estimate_minutes": t.estimate_minutes,
            "duration_days": t.duration_days,
            "parent": t.parent_id,
            "predecessor": t.predecessor_id,
        }
        for t in ChangeRequestTask.objects.filter(change_request=change).order_by("position", "id")
    ]
    return {**audit.snapshot(change, CHANGE_FIELDS), "tasks": tasks}


def _store_tasks(change: ChangeRequest, rows: list[ChangeRequestTask]) -> None:
    ChangeRequestTask.objects.filter(change_request=change).delete()
    for row in rows:
        row.change_request = change
    ChangeRequestTask.objects.bulk_create(rows)


@transaction.atomic
def change_request_create(
    *, viewer: Viewer, project: Project, title: str, tasks: Sequence[ProposedTask] = (), **details: Any
) -> ChangeRequest:
    """A draft change request (CR-n) with the tasks it proposes."""
    project = _project_locked(viewer, project, "write change requests")
    change = ChangeRequest(
        organisation_id=project.organisation_id,
        project=project,
        currency=project.currency,
        created_by_id=viewer.user_id,
    )
    _apply_change(change, project, {"title": title, **details})
    rows = _check_proposed(project, tasks)
    change.number = _next_number(ChangeRequest, project)
    change.save()
    _store_tasks(change, rows)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="change_request.create",
        obj=change,
        after=_change_picture(change),
    )
    return change


def _locked_change(viewer: Viewer, change: ChangeRequest, what: str) -> tuple[Project, ChangeRequest]:
    project = _project_locked(viewer, change.project, what)
    return project, ChangeRequest.objects.select_for_update().get(pk=change.pk)


@transaction.atomic
def change_request_update(
    *, viewer: Viewer, change: ChangeRequest, tasks: Sequence[ProposedTask] | None = None, **changes: Any
) -> ChangeRequest:
    """Change a draft (once submitted, a change request is decided as it was written)."""
    project, locked = _locked_change(viewer, change, "change change requests")
    if locked.status != ChangeStatus.DRAFT:
        raise Conflict(
            f"{locked.reference} is {locked.get_status_display().lower()}; only a draft can be changed.",
            field="status",
        )
    before = _change_picture(locked)
    _apply_change(locked, project, changes)
    rows = _check_proposed(project, tasks) if tasks is not None else None
    locked.save()
    if rows is not None:
        _store_tasks(locked, rows)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="change_request.update",
        obj=locked,
        before=before,
        after=_change_picture(locked),
    )
    change.refresh_from_db()
    return change


def _move(
    viewer: Viewer, change: ChangeRequest, *, source: str, target: str, action: str, what: str, **values: Any
) -> tuple[Project, ChangeRequest]:
    """Lock, check the state, set `values`, save, audit: the common part of submit, approve and reject."""
    project, locked = _locked_change(viewer, change, what)
    if locked.status != source:
        raise Conflict(
            f"{locked.reference} is {locked.get_status_display().lower()}; it must be {source} to be {target}.",
            field="status",
        )
    before = audit.snapshot(locked, [*CHANGE_FIELDS, "decision_note"])
    locked.status = target
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=locked,
        before=before,
        after=audit.snapshot(locked, [*CHANGE_FIELDS, "decision_note", "client_approver_name"]),
    )
    change.refresh_from_db()
    return project, locked


@transaction.atomic
def change_request_submit(*, viewer: Viewer, change: ChangeRequest) -> ChangeRequest:
    """Submit a draft for a decision; the project's manager hears of it."""
    project, locked = _move(
        viewer,
        change,
        source=ChangeStatus.DRAFT,
        target=ChangeStatus.SUBMITTED,
        action="change_request.submit",
        what="submit change requests",
        submitted_by_id=viewer.user_id,
        submitted_at=timezone.now(),
    )
    _publish(
        viewer,
        project,
        locked,
        "change_request.submitted",
        f"{locked.reference} {locked.title} on {project.code} waits for a decision",
        _manager_user(project),
    )
    return change


def _decided(viewer: Viewer, project: Project, change: ChangeRequest, verb: str) -> None:
    people = [*_manager_user(project), *[u for u in (change.created_by_id, change.submitted_by_id) if u is not None]]
    _publish(
        viewer,
        project,
        change,
        "change_request.decided",
        f"{change.reference} {change.title} on {project.code} was {verb}",
        _still_seeing(project, people),
        status=change.status,
    )


def _still_seeing(project: Project, user_ids: Iterable[int]) -> list[int]:
    """The users among `user_ids` who are still on the project (its manager or a member), or administrators or
    finance of its company: who wrote a change request may have left the project since."""
    seeing: list[int] = []
    for user in get_user_model().objects.filter(pk__in=set(user_ids)):
        try:
            someone = viewer_for(user)
        except NotFound:
            continue
        if someone.organisation_id != project.organisation_id or project.company_id not in someone.company_ids:
            continue
        if someone.sees_all_projects or (someone.person_id is not None and is_member(project, someone.person_id)):
            seeing.append(user.pk)
    return seeing


@transaction.atomic
def change_request_approve(
    *,
    viewer: Viewer,
    change: ChangeRequest,
    note: str = "",
    client_contact: Contact | None = None,
    client_name: str = "",
) -> ChangeRequest:
    """Approve a submitted change request (the project's manager), optionally recording the client's approver."""
    contact = _contact(change.project, client_contact, "client_contact")
    name = clean_text(client_name, field="client_name", max_length=200)
    project, locked = _move(
        viewer,
        change,
        source=ChangeStatus.SUBMITTED,
        target=ChangeStatus.APPROVED,
        action="change_request.approve",
        what="decide change requests",
        decided_by_id=viewer.user_id,
        decided_at=timezone.now(),
        decision_note=clean_text(note, field="note", max_length=MAX_TEXT),
        client_approver_contact=contact,
        client_approver_name=name or (contact.name if contact is not None else ""),
    )
    _decided(viewer, project, locked, "approved")
    return change


@transaction.atomic
def change_request_reject(*, viewer: Viewer, change: ChangeRequest, note: str = "") -> ChangeRequest:
    project, locked = _move(
        viewer,
        change,
        source=ChangeStatus.SUBMITTED,
        target=ChangeStatus.REJECTED,
        action="change_request.reject",
        what="decide change requests",
        decided_by_id=viewer.user_id,
        decided_at=timezone.now(),
        decision_note=clean_text(note, field="note", max_length=MAX_TEXT),
    )
    _decided(viewer, project, locked, "rejected")
    return change


@transaction.atomic
def change_request_apply(*, viewer: Viewer, change: ChangeRequest) -> ChangeRequest:
    """Apply an approved change request to the project in one transaction: the budget (hours by the effort, money
    by the price), the covering contract's value, the proposed tasks added to the plan (rescheduled), a baseline
    if asked. Applying twice or applying what is not approved is a Conflict and changes nothing."""
    # The project's lock, then the change request's (as every write here): a second apply waits, then finds it
    # applied.
    project, locked = _locked_change(viewer, change, "apply change requests")
    if locked.status == ChangeStatus.APPLIED:
        raise Conflict(f"{locked.reference} is already applied.", field="status", code="already_applied")
    if locked.status != ChangeStatus.APPROVED:
        raise Conflict(
            f"{locked.reference} is {locked.get_status_display().lower()}; only an approved change can be applied.",
            field="status",
        )
    reason = f"{locked.reference} {locked.title}"
    budget_before = (project.budget_minutes, project.budget_amount_minor)
    budget_after = (budget_before[0] + locked.effort_minutes, budget_before[1] + locked.price_minor)
    if budget_after[0] < 0 or budget_after[1] < 0:
        raise Invalid("The change would bring the project's budget below zero.", field="effort_minutes")
    if budget_after != budget_before:
        project_update(
            viewer=viewer, project=project, budget_minutes=budget_after[0], budget_amount_minor=budget_after[1]
        )
        project.refresh_from_db()
    contract = contract_value_change(
        viewer=viewer,
        project=project,
        price_minor=locked.price_minor,
        effort_minutes=locked.effort_minutes,
        reason=reason,
    )
    created: list[int] = []
    for proposed in ChangeRequestTask.objects.filter(change_request=locked).order_by("position", "id"):
        task = task_create(
            viewer=viewer,
            project=project,
            name=proposed.name,
            parent=_still_in(project, proposed.parent_id, proposed.name),
            estimate_minutes=proposed.estimate_minutes,
        )
        task_schedule_update(viewer=viewer, task=task, duration_minutes=proposed.duration_days * DAY)
        predecessor = _still_in(project, proposed.predecessor_id, proposed.name)
        if predecessor is not None:
            dependency_create(viewer=viewer, predecessor=predecessor, successor=task)
        proposed.created_task = task
        proposed.save(update_fields=["created_task"])
        created.append(task.pk)
    baseline = None
    if locked.save_baseline:
        baseline = baseline_save_valued(viewer=viewer, project=project, name=f"After {locked.reference}"[:200])
    before = audit.snapshot(locked, [*CHANGE_FIELDS, "applied"])
    locked.status = ChangeStatus.APPLIED
    locked.applied_by_id, locked.applied_at = viewer.user_id, timezone.now()
    locked.applied = {
        "tasks": created,
        "budget_minutes": [budget_before[0], budget_after[0]],
        "budget_amount_minor": [budget_before[1], budget_after[1]],
        "contract": contract,
        "baseline": baseline.index if baseline is not None else None,
    }
    locked.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="change_request.apply",
        obj=locked,
        before=before,
        after=audit.snapshot(locked, [*CHANGE_FIELDS, "applied"]),
    )
    # The project's own history shows the change: one row on the project naming what was applied.
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.change_apply",
        obj=project,
        after={"change_request": locked.pk, "reference": locked.reference, **locked.applied},
    )
    people = [*_manager_user(project), *[u for u in (locked.created_by_id, locked.submitted_by_id) if u is not None]]
    _publish(
        viewer,
        project,
        locked,
        "change_request.applied",
        f"{reason} applied to {project.code}: {len(created)} task(s) added",
        _still_seeing(project, people),
    )
    change.refresh_from_db()
    return change


def _still_in(project: Project, task_id: int | None, name: str) -> Task | None:
    """A parent or predecessor named by a proposed task, if it is still in the plan."""
    if task_id is None:
        return None
    task = Task.objects.filter(pk=task_id, project=project).first()
    if task is None:
        raise Conflict(f"{name}: the task it was placed under or after is no longer in the plan.", field="tasks")
    return task
