"""A project's RAID tab (risks with the heat matrix, issues, decisions, change requests), a page per risk, issue
and change request, and the portfolio's heat matrix (Projects → Risk matrix).

Views only translate: reads are :mod:`margin.risks.queries`, writes :mod:`margin.risks.actions` (which check who
may do what); a refusal comes back as a form error (or a message on a workflow button), never a 500.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Invalid
from margin.core.money import Money, minor_units
from margin.crm.models import Contact
from margin.projects.models import Project, Task
from margin.projects.queries import can_manage, members_of, money_visible, project_get, tasks_of
from margin.risks import actions
from margin.risks.models import (
    MAX_LEVEL,
    ChangeStatus,
    IssueSeverity,
    IssueStatus,
    RiskResponse,
    RiskStatus,
)
from margin.risks.queries import (
    HeatMatrix,
    change_request_get,
    change_requests_of,
    decision_get,
    decisions_of,
    issue_get,
    issues_of,
    portfolio_risk_matrix,
    portfolio_risks,
    proposed_tasks_of,
    risk_get,
    risk_matrix,
    risks_of,
)
from margin.web.access import HtmxRequest, viewer_view
from margin.web.forms_firm import StyledForm, refuse
from margin.web.pages import page
from margin.web.views.settings import checked_id

ACTIVE = "projects"
LEVELS = [(n, str(n)) for n in range(1, MAX_LEVEL + 1)]
PROPOSED_ROWS = 5


# --- the heat matrix ----------------------------------------------------------------------------------------


def level_colour(score: int) -> str:
    """The colour of a cell of the 5×5 matrix by its score: red (15 and over), amber (6–14), green."""
    if score >= 15:
        return "red"
    if score >= 6:
        return "amber"
    return "green"


def matrix_rows(matrix: HeatMatrix, chosen: tuple[int, int] | None) -> list[dict[str, Any]]:
    """The grid as the template draws it: probability 5 on top, impact 1 → 5 left to right."""
    return [
        {
            "probability": p,
            "cells": [
                {
                    "probability": p,
                    "impact": i,
                    "count": matrix.count(p, i),
                    "colour": level_colour(p * i),
                    "chosen": chosen == (p, i),
                }
                for i in range(1, MAX_LEVEL + 1)
            ],
        }
        for p in range(MAX_LEVEL, 0, -1)
    ]


def _level_arg(request: HtmxRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_LEVEL else None


# --- forms --------------------------------------------------------------------------------------------------


def _people_choices(project: Project) -> list[tuple[str, str]]:
    return [("", "—"), *((str(p.pk), p.name) for p in members_of(project))]


def _task_choices(project: Project) -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in tasks_of(project)]


def _pick_person(project: Project, value: str) -> Person | None:
    if not value:
        return None
    person = members_of(project).filter(pk=int(value)).first()
    if person is None:
        raise Invalid("Choose someone on the project.", field="owner")
    return person


def _pick_tasks(project: Project, values: list[str]) -> list[Task]:
    ids = {int(v) for v in values}
    tasks = list(tasks_of(project).filter(pk__in=ids))
    if len(tasks) != len(ids):
        raise Invalid("Choose tasks of this project.", field="tasks")
    return tasks


def _amount_minor(form: forms.Form, field: str, amount: Decimal | None, currency: str) -> int | None:
    """An amount typed in the project's currency → minor units (a form error for too many decimals)."""
    if amount is None:
        return 0
    places = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        form.add_error(field, f"{currency} amounts have {places} decimals at most.")
        return None
    return Money(amount, currency).to_minor()


def _amount(minor: int, currency: str) -> Decimal | None:
    return Money.from_minor(minor, currency).amount if minor else None


class RiskForm(StyledForm):
    title = forms.CharField(label="Title", max_length=200)
    category = forms.CharField(label="Category", max_length=100, required=False)
    description = forms.CharField(
        label="Description", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    probability = forms.TypedChoiceField(label="Probability (1–5)", choices=LEVELS, coerce=int, initial=3)
    impact = forms.TypedChoiceField(label="Impact (1–5)", choices=LEVELS, coerce=int, initial=3)
    owner = forms.ChoiceField(label="Owner", required=False)
    response = forms.ChoiceField(label="Response", choices=RiskResponse.choices, initial=RiskResponse.MITIGATE)
    mitigation = forms.CharField(
        label="Mitigation", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    mitigation_tasks = forms.MultipleChoiceField(label="Mitigation tasks (in the plan)", required=False)
    contingency = forms.DecimalField(label="Contingency cost", required=False, min_value=Decimal(0), max_digits=17)
    residual_probability = forms.TypedChoiceField(
        label="Residual probability", choices=[("", "—"), *LEVELS], coerce=int, required=False, empty_value=None
    )
    residual_impact = forms.TypedChoiceField(
        label="Residual impact", choices=[("", "—"), *LEVELS], coerce=int, required=False, empty_value=None
    )
    review_date = forms.DateField(label="Review on", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="Status", choices=RiskStatus.choices, initial=RiskStatus.OPEN, required=False)

    def __init__(self, project: Project, *args: Any, money: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["owner"].choices = _people_choices(project)  # type: ignore[attr-defined]
        self.fields["mitigation_tasks"].choices = _task_choices(project)  # type: ignore[attr-defined]
        self.fields["mitigation_tasks"].widget.attrs["size"] = 5
        if not money:
            del self.fields["contingency"]

    def values(self) -> dict[str, Any] | None:
        """The action's keyword arguments, or None after adding a form error."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            k: data[k]
            for k in (
                "title",
                "category",
                "description",
                "probability",
                "impact",
                "response",
                "mitigation",
                "residual_probability",
                "residual_impact",
                "review_date",
                "status",
            )
        }
        values["status"] = data["status"] or RiskStatus.OPEN
        values["owner"] = _pick_person(self.project, data["owner"])
        values["mitigation_tasks"] = _pick_tasks(self.project, data["mitigation_tasks"])
        if "contingency" in self.fields:
            minor = _amount_minor(self, "contingency", data["contingency"], self.project.currency)
            if minor is None:
                return None
            values["contingency_minor"] = minor
        return values


class IssueForm(StyledForm):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label="Severity", choices=IssueSeverity.choices, initial=IssueSeverity.MEDIUM)
    owner = forms.ChoiceField(label="Owner", required=False)
    due_date = forms.DateField(label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tasks = forms.MultipleChoiceField(label="Linked tasks", required=False)
    status = forms.ChoiceField(label="Status", choices=IssueStatus.choices, initial=IssueStatus.OPEN)

    def __init__(self, project: Project, *args: Any, resolved: bool = False, **kwargs: Any) -> None:
        """`resolved`: the issue being edited is resolved. Only then is "Resolved" offered (kept as it is);
        otherwise resolving goes through Resolve, which asks how."""
        super().__init__(*args, **kwargs)
        self.project = project
        if not resolved:
            self.fields["status"].choices = [  # type: ignore[attr-defined]
                (s.value, s.label) for s in IssueStatus if s != IssueStatus.RESOLVED
            ]
        self.fields["owner"].choices = _people_choices(project)  # type: ignore[attr-defined]
        self.fields["tasks"].choices = _task_choices(project)  # type: ignore[attr-defined]
        self.fields["tasks"].widget.attrs["size"] = 4

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "severity": data["severity"],
            "owner": _pick_person(self.project, data["owner"]),
            "due_date": data["due_date"],
            "tasks": _pick_tasks(self.project, data["tasks"]),
            "status": data["status"],
        }


class DecisionForm(StyledForm):
    title = forms.CharField(label="Title", max_length=200)
    decision = forms.CharField(label="The decision", max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}))
    rationale = forms.CharField(
        label="Rationale", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    decided_by = forms.ChoiceField(label="Decided by", required=False)
    decided_on = forms.DateField(label="Decided on", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, project: Project, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["decided_by"].choices = _people_choices(project)  # type: ignore[attr-defined]


class ChangeForm(StyledForm):
    title = forms.CharField(label="Title", max_length=200)
    description = forms.CharField(
        label="Description", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_by_name = forms.CharField(label="Requested by", required=False, max_length=200)
    requested_by_contact = forms.ChoiceField(label="Client contact", required=False)
    schedule_days = forms.IntegerField(
        label="Schedule impact (working days)", initial=0, min_value=-10_000, max_value=10_000
    )
    effort_hours = forms.DecimalField(label="Effort (hours)", required=False, max_digits=12, decimal_places=2)
    cost = forms.DecimalField(label="Cost impact", required=False, max_digits=17)
    price = forms.DecimalField(label="Price impact", required=False, max_digits=17)
    save_baseline = forms.BooleanField(label="Save a new baseline when applied", required=False)

    def __init__(self, project: Project, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["requested_by_contact"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(c.pk), c.name) for c in Contact.objects.filter(client_id=project.client_id).order_by("name")),
        ]
        tasks = [("", "—"), *_task_choices(project)]
        summaries = [
            ("", "—"),
            *((str(t.pk), t.name) for t in tasks_of(project).filter(children__isnull=False).distinct()),
        ]
        for n in range(1, PROPOSED_ROWS + 1):
            self.fields[f"task{n}_name"] = forms.CharField(required=False, max_length=200, label=f"Task {n}")
            self.fields[f"task{n}_hours"] = forms.DecimalField(
                required=False, min_value=Decimal(0), max_digits=12, decimal_places=2, label="Hours"
            )
            self.fields[f"task{n}_days"] = forms.IntegerField(
                required=False, min_value=0, max_value=10_000, label="Days"
            )
            self.fields[f"task{n}_parent"] = forms.ChoiceField(required=False, choices=summaries, label="Under")
            self.fields[f"task{n}_after"] = forms.ChoiceField(required=False, choices=tasks, label="After")
        for name, field in self.fields.items():
            if name.startswith("task"):
                field.widget.attrs["class"] = field.widget.attrs.get("class", "") + " form-control-sm"
                field.widget.attrs["aria-label"] = f"{field.label} ({name[:5].replace('task', 'task ')})"

    def task_rows(self) -> list[dict[str, Any]]:
        return [
            {key: self[f"task{n}_{key}"] for key in ("name", "hours", "days", "parent", "after")}
            for n in range(1, PROPOSED_ROWS + 1)
        ]

    def values(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        currency = self.project.currency
        cost, price = (_amount_minor(self, f, data[f], currency) for f in ("cost", "price"))
        if cost is None or price is None:
            return None
        contact_id = data["requested_by_contact"]
        contact = (
            Contact.objects.filter(client_id=self.project.client_id, pk=int(contact_id)).first() if contact_id else None
        )
        hours = data["effort_hours"]
        tasks: list[actions.ProposedTask] = []
        project_tasks = {t.pk: t for t in tasks_of(self.project)}
        for n in range(1, PROPOSED_ROWS + 1):
            name = data[f"task{n}_name"]
            if not name:
                continue
            task_hours = data[f"task{n}_hours"]
            parent, after = data[f"task{n}_parent"], data[f"task{n}_after"]
            tasks.append(
                actions.ProposedTask(
                    name=name,
                    estimate_minutes=int(task_hours * 60) if task_hours is not None else 0,
                    duration_days=data[f"task{n}_days"] if data[f"task{n}_days"] is not None else 1,
                    parent=project_tasks.get(int(parent)) if parent else None,
                    predecessor=project_tasks.get(int(after)) if after else None,
                )
            )
        return {
            "title": data["title"],
            "description": data["description"],
            "requested_by_name": data["requested_by_name"],
            "requested_by_contact": contact,
            "schedule_days": data["schedule_days"],
            "effort_minutes": int(hours * 60) if hours is not None else 0,
            "cost_minor": cost,
            "price_minor": price,
            "save_baseline": data["save_baseline"],
            "tasks": tasks,
        }


# --- the pages ----------------------------------------------------------------------------------------------


def _require_manage(viewer: Viewer, project: Project) -> None:
    if not can_manage(viewer, project) or project.archived_at is not None:
        raise PermissionDenied("Only the project's manager or an administrator may change its RAID log.")


def _context(viewer: Viewer, project: Project, section: str, **extra: Any) -> dict[str, Any]:
    return {
        "project": project,
        "tab": "raid",
        "section": section,
        "manages": can_manage(viewer, project) and project.archived_at is None,
        "sees_money": money_visible(viewer, project),
        **extra,
    }


@viewer_view
def raid_risks(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    """The risk register with the heat matrix; a cell (?p=&i=) filters the register to it."""
    project = project_get(viewer, checked_id(project_id))
    residual = request.GET.get("view") == "residual"
    p, i = _level_arg(request, "p"), _level_arg(request, "i")
    status = request.GET.get("status", "open" if p else "")
    status = status if status in RiskStatus.values else ""
    chosen = (p, i) if p is not None and i is not None else None
    rows = risks_of(
        project,
        status=status or None,
        probability=p if chosen else None,
        impact=i if chosen else None,
        residual=residual,
    )
    context = _context(
        viewer,
        project,
        "risks",
        risks=list(rows),
        matrix=matrix_rows(risk_matrix(project, residual=residual), chosen),
        residual=residual,
        chosen=chosen,
        status=status,
        statuses=RiskStatus.choices,
    )
    return page(request, viewer, "web/risks/risks.html", context, active=ACTIVE)


def _risk_form_page(
    request: HtmxRequest, viewer: Viewer, project: Project, form: RiskForm, risk: Any = None, status: int = 200
) -> HttpResponse:
    context = _context(viewer, project, "risks", form=form, risk=risk)
    return page(request, viewer, "web/risks/risk_form.html", context, active=ACTIVE, status=status)


@viewer_view
def risk_new(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    _require_manage(viewer, project)
    money = money_visible(viewer, project)
    if request.method != "POST":
        return _risk_form_page(request, viewer, project, RiskForm(project, money=money))
    form = RiskForm(project, request.POST, money=money)
    if not form.is_valid():
        return _risk_form_page(request, viewer, project, form, status=422)
    try:
        values = form.values()
        if values is None:
            return _risk_form_page(request, viewer, project, form, status=422)
        risk = actions.risk_create(viewer=viewer, project=project, **values)
    except DomainError as error:
        refuse(form, error, {"contingency_minor": "contingency"})
        return _risk_form_page(request, viewer, project, form, status=form.refusal_status)
    messages.success(request, f"Risk {risk.reference} logged.")
    return redirect("web:risk", project.pk, risk.pk)


@viewer_view
def risk_edit(request: HtmxRequest, viewer: Viewer, project_id: int, risk_id: int) -> HttpResponse:
    risk = risk_get(viewer, checked_id(risk_id))
    project = risk.project
    if project.pk != project_id:
        return redirect("web:risk_edit", project.pk, risk.pk)
    _require_manage(viewer, project)
    money = money_visible(viewer, project)
    if request.method != "POST":
        initial = {
            "title": risk.title,
            "category": risk.category,
            "description": risk.description,
            "probability": risk.probability,
            "impact": risk.impact,
            "owner": str(risk.owner_id or ""),
            "response": risk.response,
            "mitigation": risk.mitigation,
            "mitigation_tasks": [str(t.pk) for t in risk.mitigation_tasks.all()],
            "contingency": _amount(risk.contingency_minor, risk.currency),
            "residual_probability": risk.residual_probability,
            "residual_impact": risk.residual_impact,
            "review_date": risk.review_date,
            "status": risk.status,
        }
        return _risk_form_page(request, viewer, project, RiskForm(project, initial=initial, money=money), risk)
    form = RiskForm(project, request.POST, money=money)
    if not form.is_valid():
        return _risk_form_page(request, viewer, project, form, risk, status=422)
    try:
        values = form.values()
        if values is None:
            return _risk_form_page(request, viewer, project, form, risk, status=422)
        actions.risk_update(viewer=viewer, risk=risk, **values)
    except DomainError as error:
        refuse(form, error, {"contingency_minor": "contingency"})
        return _risk_form_page(request, viewer, project, form, risk, status=form.refusal_status)
    messages.success(request, f"Risk {risk.reference} saved.")
    return redirect("web:risk", project.pk, risk.pk)


@viewer_view
def risk_page(request: HtmxRequest, viewer: Viewer, project_id: int, risk_id: int) -> HttpResponse:
    risk = risk_get(viewer, checked_id(risk_id))
    if risk.project_id != project_id:
        return redirect("web:risk", risk.project_id, risk.pk)
    context = _context(
        viewer,
        risk.project,
        "risks",
        risk=risk,
        colour=level_colour(risk.score),
        residual_colour=level_colour(risk.residual_score) if risk.residual_score else "",
        decisions=list(risk.decisions.order_by("-decided_on")),
        statuses=RiskStatus.choices,
        target_type="risk",
        target_id=risk.pk,
    )
    return page(request, viewer, "web/risks/risk.html", context, active=ACTIVE)


@require_POST
@viewer_view
def risk_close_view(request: HtmxRequest, viewer: Viewer, project_id: int, risk_id: int) -> HttpResponse:
    risk = risk_get(viewer, checked_id(risk_id))
    status = str(request.POST.get("status", ""))
    try:
        actions.risk_update(viewer=viewer, risk=risk, status=status)
        messages.success(request, f"Risk {risk.reference} is {status.replace('_', ' ')}.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:risk", risk.project_id, risk.pk)


# --- issues -------------------------------------------------------------------------------------------------


def _issues_page(
    request: HtmxRequest, viewer: Viewer, project: Project, form: IssueForm | None = None, status: int = 200
) -> HttpResponse:
    wanted = request.GET.get("status", "")
    context = _context(
        viewer,
        project,
        "issues",
        issues=list(issues_of(project, status=wanted if wanted in IssueStatus.values else None)),
        form=form or IssueForm(project),
        status=wanted,
        statuses=IssueStatus.choices,
    )
    return page(request, viewer, "web/risks/issues.html", context, active=ACTIVE, status=status)


@viewer_view
def raid_issues(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    if request.method != "POST":
        return _issues_page(request, viewer, project)
    form = IssueForm(project, request.POST)
    if not form.is_valid():
        return _issues_page(request, viewer, project, form, status=422)
    try:
        issue = actions.issue_create(viewer=viewer, project=project, **form.values())
    except DomainError as error:
        refuse(form, error)
        return _issues_page(request, viewer, project, form, status=form.refusal_status)
    messages.success(request, f"Issue {issue.reference} logged.")
    return redirect("web:issue", project.pk, issue.pk)


def _issue_page(
    request: HtmxRequest, viewer: Viewer, issue: Any, form: IssueForm | None = None, status: int = 200
) -> HttpResponse:
    project = issue.project
    initial = {
        "title": issue.title,
        "description": issue.description,
        "severity": issue.severity,
        "owner": str(issue.owner_id or ""),
        "due_date": issue.due_date,
        "tasks": [str(t.pk) for t in issue.tasks.all()],
        "status": issue.status,
    }
    resolved = issue.status == IssueStatus.RESOLVED
    context = _context(
        viewer,
        project,
        "issues",
        issue=issue,
        form=form or IssueForm(project, initial=initial, resolved=resolved),
        resolve_error=getattr(request, "_resolve_error", ""),
        target_type="issue",
        target_id=issue.pk,
    )
    return page(request, viewer, "web/risks/issue.html", context, active=ACTIVE, status=status)


@viewer_view
def issue_page(request: HtmxRequest, viewer: Viewer, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_get(viewer, checked_id(issue_id))
    if issue.project_id != project_id:
        return redirect("web:issue", issue.project_id, issue.pk)
    if request.method != "POST":
        return _issue_page(request, viewer, issue)
    form = IssueForm(issue.project, request.POST, resolved=issue.status == IssueStatus.RESOLVED)
    if not form.is_valid():
        return _issue_page(request, viewer, issue, form, status=422)
    try:
        actions.issue_update(viewer=viewer, issue=issue, **form.values())
    except DomainError as error:
        refuse(form, error)
        return _issue_page(request, viewer, issue, form, status=form.refusal_status)
    messages.success(request, f"Issue {issue.reference} saved.")
    return redirect("web:issue", issue.project_id, issue.pk)


@require_POST
@viewer_view
def issue_resolve_view(request: HtmxRequest, viewer: Viewer, project_id: int, issue_id: int) -> HttpResponse:
    issue = issue_get(viewer, checked_id(issue_id))
    try:
        actions.issue_resolve(viewer=viewer, issue=issue, resolution=str(request.POST.get("resolution", ""))[:10_000])
    except DomainError as error:
        request._resolve_error = error.message  # type: ignore[attr-defined]
        return _issue_page(request, viewer, issue, status=error.status)
    messages.success(request, f"Issue {issue.reference} resolved.")
    return redirect("web:issue", issue.project_id, issue.pk)


# --- decisions ----------------------------------------------------------------------------------------------


def _decisions_page(
    request: HtmxRequest, viewer: Viewer, project: Project, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    context = _context(
        viewer, project, "decisions", decisions=list(decisions_of(project)), form=form or DecisionForm(project)
    )
    return page(request, viewer, "web/risks/decisions.html", context, active=ACTIVE, status=status)


@viewer_view
def raid_decisions(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    if request.method != "POST":
        return _decisions_page(request, viewer, project)
    form = DecisionForm(project, request.POST)
    if not form.is_valid():
        return _decisions_page(request, viewer, project, form, status=422)
    data = form.cleaned_data
    try:
        values: dict[str, Any] = {
            "title": data["title"],
            "decision": data["decision"],
            "rationale": data["rationale"],
            "decided_by": _pick_person(project, data["decided_by"]),
        }
        if data["decided_on"]:
            values["decided_on"] = data["decided_on"]
        decision = actions.decision_create(viewer=viewer, project=project, **values)
    except DomainError as error:
        refuse(form, error)
        return _decisions_page(request, viewer, project, form, status=form.refusal_status)
    messages.success(request, f"Decision {decision.reference} recorded.")
    return redirect("web:raid_decisions", project.pk)


@viewer_view
def decision_page(request: HtmxRequest, viewer: Viewer, project_id: int, decision_id: int) -> HttpResponse:
    decision = decision_get(viewer, checked_id(decision_id))
    return redirect(f"/projects/{decision.project_id}/raid/decisions/#decision-{decision.pk}")


# --- change requests ----------------------------------------------------------------------------------------


@viewer_view
def raid_changes(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    context = _context(viewer, project, "changes", changes=list(change_requests_of(project)))
    return page(request, viewer, "web/risks/changes.html", context, active=ACTIVE)


def _change_form_page(
    request: HtmxRequest, viewer: Viewer, project: Project, form: ChangeForm, change: Any = None, status: int = 200
) -> HttpResponse:
    context = _context(viewer, project, "changes", form=form, change=change)
    return page(request, viewer, "web/risks/change_form.html", context, active=ACTIVE, status=status)


def _save_change(request: HtmxRequest, viewer: Viewer, project: Project, change: Any) -> HttpResponse:
    form = ChangeForm(project, request.POST)
    if not form.is_valid():
        return _change_form_page(request, viewer, project, form, change, status=422)
    try:
        values = form.values()
        if values is None:
            return _change_form_page(request, viewer, project, form, change, status=422)
        if change is None:
            change = actions.change_request_create(viewer=viewer, project=project, **values)
        else:
            actions.change_request_update(viewer=viewer, change=change, **values)
    except DomainError as error:
        refuse(form, error, {"cost_minor": "cost", "price_minor": "price", "effort_minutes": "effort_hours"})
        return _change_form_page(request, viewer, project, form, change, status=form.refusal_status)
    messages.success(request, f"Change request {change.reference} saved.")
    return redirect("web:change_request", project.pk, change.pk)


@viewer_view
def change_new(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    _require_manage(viewer, project)
    if request.method != "POST":
        return _change_form_page(request, viewer, project, ChangeForm(project))
    return _save_change(request, viewer, project, None)


@viewer_view
def change_edit(request: HtmxRequest, viewer: Viewer, project_id: int, change_request_id: int) -> HttpResponse:
    change = change_request_get(viewer, checked_id(change_request_id))
    project = change.project
    _require_manage(viewer, project)
    if request.method == "POST":
        return _save_change(request, viewer, project, change)
    initial: dict[str, Any] = {
        "title": change.title,
        "description": change.description,
        "requested_by_name": change.requested_by_name,
        "requested_by_contact": str(change.requested_by_contact_id or ""),
        "schedule_days": change.schedule_days,
        "effort_hours": Decimal(change.effort_minutes) / 60 if change.effort_minutes else None,
        "cost": _amount(change.cost_minor, change.currency),
        "price": _amount(change.price_minor, change.currency),
        "save_baseline": change.save_baseline,
    }
    for n, proposed in enumerate(proposed_tasks_of(change)[:PROPOSED_ROWS], start=1):
        initial |= {
            f"task{n}_name": proposed.name,
            f"task{n}_hours": Decimal(proposed.estimate_minutes) / 60,
            f"task{n}_days": proposed.duration_days,
            f"task{n}_parent": str(proposed.parent_id or ""),
            f"task{n}_after": str(proposed.predecessor_id or ""),
        }
    return _change_form_page(request, viewer, project, ChangeForm(project, initial=initial), change)


@viewer_view
def change_page(request: HtmxRequest, viewer: Viewer, project_id: int, change_request_id: int) -> HttpResponse:
    change = change_request_get(viewer, checked_id(change_request_id))
    if change.project_id != project_id:
        return redirect("web:change_request", change.project_id, change.pk)
    project = change.project
    applied = change.applied or {}
    created = {t.pk: t for t in tasks_of(project).filter(pk__in=applied.get("tasks", []))}
    context = _context(
        viewer,
        project,
        "changes",
        change=change,
        proposed=list(proposed_tasks_of(change)),
        created=[created[pk] for pk in applied.get("tasks", []) if pk in created],
        applied=applied,
        contacts=list(Contact.objects.filter(client_id=project.client_id).order_by("name")),
        states=ChangeStatus,
        target_type="change_request",
        target_id=change.pk,
    )
    return page(request, viewer, "web/risks/change.html", context, active=ACTIVE)


@require_POST
@viewer_view
def change_step(
    request: HtmxRequest, viewer: Viewer, project_id: int, change_request_id: int, step: str
) -> HttpResponse:
    """Submit, approve, reject or apply; a refusal (applied twice, not approved…) is a message, nothing changed."""
    change = change_request_get(viewer, checked_id(change_request_id))
    note = str(request.POST.get("note", ""))[:10_000]
    try:
        if step == "submit":
            actions.change_request_submit(viewer=viewer, change=change)
        elif step == "approve":
            contact_id = str(request.POST.get("client_contact", ""))
            contact = (
                Contact.objects.filter(client_id=change.project.client_id, pk=int(contact_id)).first()
                if contact_id.isdigit()
                else None
            )
            actions.change_request_approve(
                viewer=viewer,
                change=change,
                note=note,
                client_contact=contact,
                client_name=str(request.POST.get("client_name", ""))[:200],
            )
        elif step == "reject":
            actions.change_request_reject(viewer=viewer, change=change, note=note)
        else:
            actions.change_request_apply(viewer=viewer, change=change)
        messages.success(request, f"Change request {change.reference}: {change.get_status_display().lower()}.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:change_request", change.project_id, change.pk)


# --- the portfolio ------------------------------------------------------------------------------------------


@viewer_view
def risk_portfolio(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Projects → Risk matrix: the open risks of every project the viewer sees; a cell lists its risks."""
    residual = request.GET.get("view") == "residual"
    p, i = _level_arg(request, "p"), _level_arg(request, "i")
    chosen = (p, i) if p is not None and i is not None else None
    rows = portfolio_risks(viewer, probability=p if chosen else None, impact=i if chosen else None, residual=residual)
    context = {
        "matrix": matrix_rows(portfolio_risk_matrix(viewer, residual=residual), chosen),
        "risks": list(rows[:200]),
        "residual": residual,
        "chosen": chosen,
    }
    return page(request, viewer, "web/risks/portfolio.html", context, active=ACTIVE)


URLS = [
    path("risks/", risk_portfolio, name="risk_portfolio"),
    path("projects/<int:project_id>/raid/", raid_risks, name="raid"),
    path("projects/<int:project_id>/raid/risks/new/", risk_new, name="risk_new"),
    path("projects/<int:project_id>/raid/risks/<int:risk_id>/", risk_page, name="risk"),
    path("projects/<int:project_id>/raid/risks/<int:risk_id>/edit/", risk_edit, name="risk_edit"),
    path("projects/<int:project_id>/raid/risks/<int:risk_id>/status/", risk_close_view, name="risk_status"),
    path("projects/<int:project_id>/raid/issues/", raid_issues, name="raid_issues"),
    path("projects/<int:project_id>/raid/issues/<int:issue_id>/", issue_page, name="issue"),
    path("projects/<int:project_id>/raid/issues/<int:issue_id>/resolve/", issue_resolve_view, name="issue_resolve"),
    path("projects/<int:project_id>/raid/decisions/", raid_decisions, name="raid_decisions"),
    path("projects/<int:project_id>/raid/decisions/<int:decision_id>/", decision_page, name="decision"),
    path("projects/<int:project_id>/raid/changes/", raid_changes, name="raid_changes"),
    path("projects/<int:project_id>/raid/changes/new/", change_new, name="change_new"),
    path("projects/<int:project_id>/raid/changes/<int:change_request_id>/", change_page, name="change_request"),
    path("projects/<int:project_id>/raid/changes/<int:change_request_id>/edit/", change_edit, name="change_edit"),
    *(
        path(
            f"projects/<int:project_id>/raid/changes/<int:change_request_id>/{step}/",
            change_step,
            {"step": step},
            name=f"change_{step}",
        )
        for step in ("submit", "approve", "reject", "apply")
    ),
]
