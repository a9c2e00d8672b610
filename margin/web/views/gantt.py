"""The project's plan: a Gantt chart (frappe-gantt) with a task list, fed and changed through /api/v1.

The page only carries the URLs and the viewer's rights; static/web/gantt.js reads the Gantt data from the API,
sends every drag, resize, indent/outdent and link to it, and redraws from the answer."""

from __future__ import annotations

from django.http import HttpResponse

from margin.accounts.queries import Viewer
from margin.projects.models import Baseline
from margin.projects.queries import can_manage, project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page


@viewer_view
def project_gantt(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    context = {
        "project": project,
        "can_manage": can_manage(viewer, project),
        "tab": "plan",
        "baseline_slots": list(Baseline.objects.filter(project=project).values_list("index", flat=True)),
    }
    return page(request, viewer, "web/projects/gantt.html", context, active="home")
