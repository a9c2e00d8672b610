"""Who may do what in resourcing: one place for the rules every screen and endpoint applies.

- Staffing a project (booking people on it, asking for people, accepting a staffing plan) is managing it:
  an administrator, or the project's manager.
- Seeing everyone's load (the heatmap, utilisation, candidates) is for administrators, finance and project
  managers; a team member sees their own bookings and utilisation only.
"""

from __future__ import annotations

from margin.accounts.models import AccessRole
from margin.accounts.queries import Viewer
from margin.core.errors import Forbidden
from margin.projects.models import Project
from margin.projects.queries import can_manage

RESOURCE_VIEWERS = frozenset({AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER})


def can_staff(viewer: Viewer, project: Project) -> bool:
    return can_manage(viewer, project)


def can_see_resources(viewer: Viewer) -> bool:
    return viewer.role in RESOURCE_VIEWERS


def require_can_see_resources(viewer: Viewer) -> None:
    if not can_see_resources(viewer):
        raise Forbidden("Only administrators, finance and project managers see everyone's load.")
