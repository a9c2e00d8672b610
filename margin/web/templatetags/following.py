"""`{% follow_state viewer project as following %}`: whether the viewer follows the project (for the follow
button on pages whose views do not compute it, such as the project's overview)."""

from __future__ import annotations

from django import template

from margin.accounts.queries import Viewer
from margin.notifications.queries import is_following
from margin.projects.models import Project

register = template.Library()


@register.simple_tag
def follow_state(viewer: Viewer, project: Project) -> bool:
    return is_following(viewer, project.pk)
