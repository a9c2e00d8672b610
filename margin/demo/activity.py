"""The demo firm's following and notification settings. The team of each project follows it already (the projects
app makes a manager and every member added follow the project); here finance's demo login also follows the
manager's largest project, and the demo manager and member choose a few channels of their own, through the
actions, so the activity feed and the settings screen show real choices."""

from __future__ import annotations

from margin.accounts.queries import Viewer
from margin.demo.specs import DEMO_MANAGER, DEMO_MEMBER
from margin.notifications.actions import preferences_save, project_follow
from margin.notifications.rules import Choice
from margin.projects.models import Project

DEMO_FINANCE = "felix"


def demo_activity(viewers: dict[str, Viewer]) -> None:
    manager = viewers.get(DEMO_MANAGER)
    if manager is not None and manager.person_id is not None:
        managed = (
            Project.objects.filter(manager_id=manager.person_id, is_template=False)
            .order_by("-budget_minutes", "id")
            .values_list("id", flat=True)
            .first()
        )
        if managed is not None and DEMO_FINANCE in viewers:
            project_follow(viewer=viewers[DEMO_FINANCE], project_id=managed)
        preferences_save(
            viewer=manager,
            choices={
                "risk.raised": Choice(app=True, email="immediate", slack=False, teams=False),
                "change_request.submitted": Choice(app=True, email="immediate", slack=False, teams=False),
            },
        )
    member = viewers.get(DEMO_MEMBER)
    if member is not None:
        preferences_save(
            viewer=member,
            choices={
                "comment.created": Choice(app=True, email="off", slack=False, teams=False),
                "risk.raised": Choice(app=True, email="digest", slack=False, teams=False),
            },
        )
