"""What a project's tabs offer the viewer (every page with the tabs shows the same ones, whatever its view)."""

from __future__ import annotations

from django import template

from margin.accounts.queries import Viewer
from margin.projects.models import Project
from margin.projects.queries import can_manage

register = template.Library()


@register.simple_tag
def project_rights(viewer: Viewer, project: Project) -> dict[str, bool]:
    """``manage``: the Settings tab (its manager, administrators); ``rates``: the Rates tab (they and finance)."""
    manages = can_manage(viewer, project)
    return {"manage": manages, "rates": manages or viewer.is_finance}
