"""Templates, copies and archived projects across the apps: time and expenses never go on a template, a copy
takes no time, an archived project takes none either and keeps its rates, a removed member logs no more."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from margin.contracts.actions import bill_rate_set
from margin.contracts.setup import project_setup
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.expenses import actions as expenses
from margin.expenses.tests.conftest import make_categories
from margin.projects import actions
from margin.projects.models import Project, Task
from margin.projects.planning import to_aware
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import tasks_open_to
from tests.checks import audit_row, refused
from tests.firm import Firm

MONDAY = date(2026, 3, 2)


def _template(firm: Firm) -> Project:
    return project_setup(
        viewer=firm.manager,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="TPL",
        name="A template",
        start_date=MONDAY,
        source=firm.project,
        is_template=True,
        members=[firm.member_person],
    )


def test_a_template_takes_no_time_and_no_expenses(firm: Firm) -> None:
    template = _template(firm)
    task = Task.objects.filter(project=template).first()
    assert task is not None
    with refused(Invalid, match="TPL is a template; time is logged on projects made from it"):
        time_entry_create(viewer=firm.member, project=template, task=task, work_date=MONDAY, minutes=60)
    assert not tasks_open_to(firm.member_person.pk).filter(project=template).exists()
    cats = make_categories(firm)
    claim = expenses.claim_create(viewer=firm.member, title="Trip")
    with refused(Invalid, match="TPL is a template; expenses go on projects made from it"):
        expenses.line_add(
            viewer=firm.member,
            claim=claim,
            date=MONDAY,
            category=cats["meals"],
            amount_minor=100,
            currency="USD",
            project=template,
        )


def test_a_copy_takes_no_time_progress_or_baselines(firm: Firm) -> None:
    m = firm.manager
    actions.project_update(viewer=m, project=firm.project, start_date=MONDAY)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=120)
    actions.task_schedule_update(viewer=m, task=firm.design, percent_complete=60)
    Task.objects.filter(pk=firm.design.pk).update(actual_start=to_aware(datetime(2026, 3, 2, 9)))  # as imported
    actions.task_board_move(viewer=m, task=firm.build, status="in_progress", position=0)
    actions.baseline_save(viewer=m, project=firm.project)
    copy = actions.project_copy(
        viewer=firm.admin,
        source=firm.project,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-2",
        name="Globex portal, again",
        start_date=date(2026, 6, 1),
        members=[firm.member_person],
    )
    tasks = list(Task.objects.filter(project=copy))
    assert {t.name for t in tasks} == {"Design", "Build"}
    assert all((t.percent_complete, t.actual_start, t.status) == (0, None, "todo") for t in tasks)
    assert not TimeEntry.objects.filter(project=copy).exists()
    assert not copy.baselines.exists() and not copy.is_template
    assert audit_row("project.copy", copy).after["source"] == firm.project.pk


def test_an_archived_project_takes_no_time_and_keeps_its_rates(firm: Firm) -> None:
    actions.project_update(viewer=firm.manager, project=firm.project, status="closed")
    project = actions.project_archive(viewer=firm.manager, project=firm.project)
    with refused(Invalid, match="closed"):
        time_entry_create(viewer=firm.member, project=project, task=firm.build, work_date=MONDAY, minutes=60)
    with refused(Conflict, project, match="archived"):
        bill_rate_set(viewer=firm.finance, project=project, role=firm.senior, valid_from=MONDAY, hourly_rate=Decimal(1))


def test_a_removed_member_logs_no_more(firm: Firm) -> None:
    actions.project_member_remove(viewer=firm.manager, project=firm.project, person=firm.member_person)
    with refused(Forbidden, match="not a member"):
        time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
