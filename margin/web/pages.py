"""Rendering whole pages: the layout needs to know who is signed in and which menu entry is active."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from margin.accounts.models import AccessRole, Person
from margin.accounts.queries import Viewer
from margin.core.notifications import unread_count
from margin.projects.queries import can_create_projects
from margin.web.access import can_approve, can_edit_clients


def _initials(name: str) -> str:
    parts = [p for p in name.replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def layout_context(request: HttpRequest, viewer: Viewer, active: str) -> dict[str, Any]:
    person = None
    if viewer.person_id is not None:
        person = Person.objects.filter(pk=viewer.person_id).values_list("name", flat=True).first()
    name = person or request.user.get_username()
    return {
        "viewer": viewer,
        "active": active,
        "me_name": name,
        "me_initials": _initials(name),
        "me_role": AccessRole(viewer.role).label,
        "nav_approvals": can_approve(viewer),
        "nav_clients": can_edit_clients(viewer),
        "nav_invoices": viewer.is_finance,
        "nav_new_project": can_create_projects(viewer),
        "unread_notifications": unread_count(organisation_id=viewer.organisation_id, user_id=viewer.user_id),
    }


def page(
    request: HttpRequest,
    viewer: Viewer,
    template: str,
    context: dict[str, Any],
    *,
    active: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render a full page inside the application layout."""
    return render(request, template, {**layout_context(request, viewer, active), **context}, status=status)
