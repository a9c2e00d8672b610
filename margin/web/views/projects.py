"""Project page: header, the WBS with estimate vs logged, recent time; for those who may see the project's
money (`projects.queries.money_visible`) its profitability and invoices; for finance the "draft invoice
up to a date" form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from margin.accounts.queries import Viewer
from margin.billing.actions import invoice_draft_create
from margin.billing.queries import invoices_visible
from margin.contracts.actions import billing_increment_set
from margin.contracts.queries import billing_increment_of, contract_of
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.crm.models import MAX_BILLING_INCREMENT, BillingRounding
from margin.projects.models import Project, Task
from margin.projects.queries import can_manage, money_visible, project_get, tasks_of
from margin.reporting.queries import project_profitability
from margin.timesheets.queries import minutes_by_task, time_entries_visible
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.forms import InvoiceDraftForm, TablerForm, add_domain_error
from margin.web.pages import page
from margin.web.views.revenue import revenue_chart

RECENT_ENTRIES = 15


@dataclass
class TaskLine:
    """A task of the WBS as shown: its depth, and estimate and logged time rolled up from subtasks."""

    task: Task
    depth: int
    estimate_minutes: int
    logged_minutes: int
    is_summary: bool

    @property
    def burn_pct(self) -> int | None:
        if self.estimate_minutes <= 0:
            return None
        return round(100 * self.logged_minutes / self.estimate_minutes)


def wbs(project: Project) -> list[TaskLine]:
    """Tasks in tree order (parents before their children), with roll-ups."""
    tasks = list(tasks_of(project))
    logged = minutes_by_task(project.pk)
    children: dict[int | None, list[Task]] = {}
    for task in tasks:
        children.setdefault(task.parent_id, []).append(task)
    lines: list[TaskLine] = []

    def visit(task: Task, depth: int) -> tuple[int, int]:
        line = TaskLine(task, depth, task.estimate_minutes, logged.get(task.pk, 0), task.pk in children)
        lines.append(line)
        child_estimate = child_logged = 0
        for child in children.get(task.pk, []):
            estimate, minutes = visit(child, depth + 1)
            child_estimate += estimate
            child_logged += minutes
        line.logged_minutes += child_logged
        if line.estimate_minutes == 0:
            line.estimate_minutes = child_estimate
        return line.estimate_minutes, line.logged_minutes

    for root in children.get(None, []):
        visit(root, 0)
    return lines


# --- the project's billing increment (its contract; else the client's) -----------------------------


class BillingIncrementForm(TablerForm):
    """Blank minutes: follow the client's increment; blank rounding: the client's rounding."""

    minutes = forms.IntegerField(
        label="Increment (minutes)",
        required=False,
        min_value=0,
        max_value=MAX_BILLING_INCREMENT,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "min": 0, "max": MAX_BILLING_INCREMENT, "placeholder": "client's"}
        ),
    )
    rounding = forms.ChoiceField(
        label="Rounding",
        required=False,
        choices=[("", "The client's rounding"), *BillingRounding.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def may_set_increment(viewer: Viewer, project: Project) -> bool:
    """As `contracts.actions.billing_increment_set` allows: the project's manager (or an administrator), finance."""
    return can_manage(viewer, project) or viewer.is_finance


def _increment_context(viewer: Viewer, project: Project, form: BillingIncrementForm | None = None) -> dict[str, Any]:
    effective, source, client_own = billing_increment_of(project)
    contract = contract_of(project)
    if form is None and may_set_increment(viewer, project):
        initial: dict[str, object] = {"minutes": None, "rounding": ""}
        if contract is not None and contract.billing_increment_minutes is not None:
            initial = {"minutes": contract.billing_increment_minutes, "rounding": contract.billing_rounding or ""}
        form = BillingIncrementForm(initial=initial)
    return {
        "project": project,
        "increment": {"effective": effective, "source": source, "client": client_own},
        "increment_form": form,
    }


def _revenue_context(viewer: Viewer, project: Project) -> dict[str, Any]:
    """Finance sees the covering contract's revenue recognised and billed to date as a chart."""
    contract = contract_of(project) if viewer.is_finance and not project.is_template else None
    if contract is None:
        return {}
    return {"revenue_contract": contract, "revenue_chart": revenue_chart(contract)}


def _project_page(
    request: HtmxRequest,
    viewer: Viewer,
    project: Project,
    draft_form: InvoiceDraftForm | None,
    status: int = 200,
    increment_form: BillingIncrementForm | None = None,
) -> HttpResponse:
    entries = (
        time_entries_visible(viewer)
        .filter(project=project)
        .select_related("person", "task")
        .order_by("-work_date", "-id")[:RECENT_ENTRIES]
    )
    shows_money = money_visible(viewer, project)
    invoices = invoices_visible(viewer).filter(project=project).order_by("-created_at", "-id")
    untasked = minutes_by_task(project.pk).get(None, 0)
    context: dict[str, Any] = {
        "project": project,
        "money_visible": shows_money,
        "figures": project_profitability(project) if shows_money else None,
        "tasks": wbs(project),
        "untasked_minutes": untasked,
        "entries": entries,
        "invoices": invoices,
        "can_manage": can_manage(viewer, project),
        "draft_form": draft_form,
        "tab": "overview",
        **_increment_context(viewer, project, increment_form),
        **_revenue_context(viewer, project),
    }
    return page(request, viewer, "web/projects/project.html", context, active="projects", status=status)


@viewer_view
def project_detail(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    invoiced = viewer.is_finance and not project.is_template  # a template is never invoiced
    form = InvoiceDraftForm(initial={"up_to": timezone.localdate()}) if invoiced else None
    return _project_page(request, viewer, project, form)


@require_POST
@viewer_view
def invoice_draft(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    require_finance(viewer)
    form = InvoiceDraftForm(request.POST)
    if form.is_valid():
        try:
            invoice = invoice_draft_create(viewer=viewer, project=project, up_to=form.cleaned_data["up_to"])
        except (Invalid, Conflict) as error:
            form.add_error(None, error.message)
        else:
            url = reverse("web:invoice", args=[invoice.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        context = {"project": project, "draft_form": form}
        return render(request, "web/projects/project.html#draft_form", context, status=422)
    return _project_page(request, viewer, project, form, status=422)


@require_POST
@viewer_view
def billing_increment(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    """Set (or clear: back to the client's) the project's billing increment and rounding."""
    project = project_get(viewer, project_id)
    form = BillingIncrementForm(request.POST)
    done = ""
    if form.is_valid():
        minutes, rounding = form.cleaned_data["minutes"], form.cleaned_data["rounding"] or None
        try:
            billing_increment_set(viewer=viewer, project=project, minutes=minutes, rounding=rounding)
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            add_domain_error(form, error, {"billing_increment_minutes": "minutes", "billing_rounding": "rounding"})
        else:
            done = "Saved: time logged or changed from now on is billed this way."
            project = project_get(viewer, project.pk)
    status = 422 if form.errors else 200
    if request.htmx:
        context = {**_increment_context(viewer, project, form if form.errors else None), "increment_done": done}
        return render(request, "web/projects/project.html#billing_increment", context, status=status)
    if status == 200:
        messages.success(request, done)
        return redirect("web:project", project.pk)
    draft = InvoiceDraftForm(initial={"up_to": timezone.localdate()}) if viewer.is_finance else None
    return _project_page(request, viewer, project, draft, status=422, increment_form=form)
