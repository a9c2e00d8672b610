"""The project's plan: a Gantt chart (frappe-gantt) with a task list, fed and changed through /api/v1.

The page only carries the URLs and the viewer's rights; static/web/gantt.js reads the Gantt data from the API,
sends every drag, resize, indent/outdent and link to it, and redraws from the answer."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError
from margin.core.money import Money
from margin.projects.models import Baseline, BaselineTask, Project
from margin.projects.queries import can_manage, money_visible, project_get
from margin.reporting.earned_value import project_earned_value
from margin.resourcing.queries.time_off import project_team_time_off
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page


def _earned_value(project: Project, slots: list[int]) -> dict[str, object] | None:
    """SPI, CPI, EAC and VAC today against the project's first saved baseline (None without a baseline)."""
    if not slots:
        return None
    index = min(slots)
    today = timezone.localdate()
    try:
        report = project_earned_value(project, baseline_index=index, status_date=today)
    except DomainError:
        return None
    figures, currency = report.project, report.currency
    baseline = Baseline.objects.filter(project=project, index=index).values_list("name", flat=True).first()
    # Leaf tasks of the baseline with planned work but no cost (nobody assigned, no cost rate): EV undercounts.
    unvalued = BaselineTask.objects.filter(
        baseline__project=project, baseline__index=index, summary=False, work_minutes__gt=0, cost_minor=0
    ).count()

    def money(minor: int) -> str:
        return str(Money.from_minor(minor, currency))

    return {
        "baseline_name": baseline or f"baseline {index}",
        "status_date": today,
        "bac": money(figures.bac),
        "pv": money(figures.pv),
        "ev": money(figures.ev),
        "ac": money(figures.ac),
        "unvalued": unvalued,
        "spi": figures.spi,
        "cpi": figures.cpi,
        "eac": None if figures.eac is None else str(Money.from_minor(figures.eac, currency)),
        "vac": None if figures.vac is None else str(Money.from_minor(figures.vac, currency)),
    }


@viewer_view
def project_gantt(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, project_id)
    baselines = list(Baseline.objects.filter(project=project).order_by("index").values("index", "name", "saved_at"))
    slots = [b["index"] for b in baselines]
    context = {
        "project": project,
        "can_manage": can_manage(viewer, project),
        "tab": "plan",
        "baselines": baselines,
        # Earned value is money (planned, earned and actual cost).
        "earned_value": _earned_value(project, slots) if money_visible(viewer, project) else None,
        # The team's approved time off inside the project's window (resourcing).
        "team_time_off": project_team_time_off(project),
    }
    return page(request, viewer, "web/projects/gantt.html", context, active="projects")
