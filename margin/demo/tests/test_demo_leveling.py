"""Leveling every project of the demo firm (what `manage.py demo` builds) never breaks a link further and never
moves a task that has started."""

from __future__ import annotations

from margin.accounts.queries import Viewer, viewer_for
from margin.demo.firm import build_demo_firm
from margin.projects.actions import leveling
from margin.projects.leveling import links_broken
from margin.projects.models import Project
from margin.projects.planning import network_of


def _broken(project: Project) -> dict[tuple[int, int, int], int]:
    plan = network_of(project)
    return links_broken(plan, plan.schedule())


def test_demo_plans_level_without_breaking_a_link_or_moving_started_work(db: None) -> None:
    organisation = build_demo_firm()  # as of today, like `manage.py demo`
    projects = list(Project.objects.filter(organisation=organisation).exclude(status="closed").order_by("id"))
    leveled = started_somewhere = 0
    for project in projects:
        if not project.tasks.exists():
            continue
        manager = _manager_viewer(project)
        started = {  # leaf tasks with work done (a summary's % is its subtasks')
            t.pk: (t.start, t.finish)
            for t in project.tasks.filter(children__isnull=True)
            if t.actual_start is not None or t.percent_complete > 0
        }
        started_somewhere += len(started)
        broken = _broken(project)
        proposal = leveling.leveling_run(viewer=manager, project=project)
        assert proposal.result is not None
        for task_id in started:
            assert proposal.result["tasks"].get(str(task_id), {"delay_minutes": 0})["delay_minutes"] == 0
        leveling.leveling_accept(viewer=manager, proposal=proposal, acknowledge_violations=True)
        after = _broken(project)
        assert all(short <= broken.get(key, 0) for key, short in after.items()), (project.code, broken, after)
        for task in project.tasks.filter(pk__in=started):
            assert (task.start, task.finish) == started[task.pk], task.name
        leveled += 1
    assert leveled >= 3 and started_somewhere > 0


def _manager_viewer(project: Project) -> Viewer:
    return viewer_for(project.manager.user)
