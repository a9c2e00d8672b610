"""Settings → Approval delegates (approvers): the delegations the viewer gave or holds (all of them for an
administrator), adding one — for one project or for every project of a manager, optionally between two
dates — and removing one. `approval_delegate_add/remove` decide who may; their refusals are form errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.models import AccessRole, Person
from margin.accounts.queries import Viewer, people_visible, person_get
from margin.core.errors import DomainError, NotFound
from margin.projects.models import Project
from margin.projects.queries import project_get, projects_listed
from margin.timesheets.actions import approval_delegate_add, approval_delegate_remove
from margin.timesheets.models import ApprovalDelegate
from margin.timesheets.queries import approval_delegate_get, approval_delegates_visible
from margin.web.access import HtmxRequest, can_approve, viewer_view
from margin.web.forms import MAX_ID, TablerForm, add_domain_error
from margin.web.views.settings import checked_id, settings_page


def require_approver(viewer: Viewer) -> None:
    # Approvers, and anyone holding a delegation (also one that starts later or has ended).
    if not (can_approve(viewer) or approval_delegates_visible(viewer).exists()):
        raise PermissionDenied("Only project managers, their delegates and administrators see approval delegates.")


class DelegateForm(TablerForm):
    delegate = forms.TypedChoiceField(
        label="Delegate",
        coerce=int,
        error_messages={"required": "Choose who approves.", "invalid_choice": "Choose one of the people listed."},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # Text, not a choice: anything the viewer sees reaches the action, which says who may delegate what.
    scope = forms.CharField(
        label="Approvals of",
        max_length=40,
        error_messages={"required": "Choose a project or a manager."},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    valid_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    valid_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        people = list(people_visible(viewer).filter(active=True).order_by("name"))
        delegate = self.fields["delegate"]
        assert isinstance(delegate, forms.TypedChoiceField)
        delegate.choices = [("", "Choose a person…"), *((p.pk, p.name) for p in people)]
        projects, managers = delegable(viewer, people)
        self.can_delegate = bool(projects or managers)
        widget = self.fields["scope"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [
            ("", "Choose a project or a manager…"),
            ("One project", [(f"project:{p.pk}", f"{p.code} {p.name}") for p in projects]),
            ("Every project of a manager", [(f"manager:{m.pk}", f"All projects of {m.name}") for m in managers]),
        ]

    def clean_scope(self) -> tuple[str, int]:
        """`project:12` / `manager:7`."""
        kind, _, number = str(self.cleaned_data["scope"]).partition(":")
        if kind not in ("project", "manager") or not (number.isascii() and number.isdigit()) or int(number) > MAX_ID:
            raise forms.ValidationError("Choose a project or a manager.")
        return kind, int(number)


def delegable(viewer: Viewer, people: list[Person]) -> tuple[list[Project], list[Person]]:
    """What the viewer may delegate: an administrator any project of their companies and any manager's
    projects; anyone else the projects they manage, and all of their own."""
    projects = projects_listed(viewer).exclude(status="closed").order_by("code")
    if viewer.is_admin:
        return list(projects), people
    own = list(projects.filter(manager_id=viewer.person_id)) if viewer.person_id is not None else []
    me = [p for p in people if p.pk == viewer.person_id]
    return own, me if (own or viewer.role == AccessRole.MANAGER) else []


def _rows(viewer: Viewer) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = []
    for row in approval_delegates_visible(viewer).select_related("project__manager", "created_by"):
        principal_id = row.project.manager_id if row.project is not None else row.manager_id
        rows.append(
            {
                "row": row,
                "in_force": (row.valid_from is None or row.valid_from <= today)
                and (row.valid_to is None or row.valid_to >= today),
                "expired": row.valid_to is not None and row.valid_to < today,
                "removable": viewer.is_admin or principal_id == viewer.person_id,
                "mine": row.delegate_id == viewer.person_id,
            }
        )
    return rows


def _context(viewer: Viewer, form: DelegateForm | None = None, error: str = "") -> dict[str, Any]:
    form = form or DelegateForm(viewer=viewer)
    return {"rows": _rows(viewer), "form": form, "can_delegate": form.can_delegate, "error": error}


@viewer_view
def delegates(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_approver(viewer)
    return settings_page(request, viewer, "web/settings/delegates.html", _context(viewer), tab="delegates")


@require_POST
@viewer_view
def delegate_add(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_approver(viewer)
    form = DelegateForm(request.POST, viewer=viewer)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        kind, number = data["scope"]
        try:
            delegate = person_get(viewer, data["delegate"])
            row = approval_delegate_add(
                viewer=viewer,
                delegate=delegate,
                project=project_get(viewer, number) if kind == "project" else None,
                manager=person_get(viewer, number) if kind == "manager" else None,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except NotFound:
            form.add_error("scope", "Choose a project or a manager you can see.")
        except DomainError as error:
            status = error.status
            add_domain_error(form, error, {"project": "scope"})
        else:
            what = f"project {row.project.code}" if row.project is not None else f"{row.manager}'s projects"
            messages.success(request, f"{delegate.name} now approves the time of {what}.")
            return redirect("web:settings_delegates")
    context = _context(viewer, form)
    return settings_page(request, viewer, "web/settings/delegates.html", context, tab="delegates", status=status)


@require_POST
@viewer_view
def delegate_remove(request: HtmxRequest, viewer: Viewer, delegate_id: int) -> HttpResponse:
    require_approver(viewer)
    row: ApprovalDelegate = approval_delegate_get(viewer, checked_id(delegate_id))
    try:
        approval_delegate_remove(viewer=viewer, row=row)
    except DomainError as error:
        context = _context(viewer, error=error.message)
        return settings_page(
            request, viewer, "web/settings/delegates.html", context, tab="delegates", status=error.status
        )
    messages.success(request, f"{row.delegate.name} no longer approves in that delegation.")
    return redirect("web:settings_delegates")
