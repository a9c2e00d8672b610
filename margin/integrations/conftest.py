"""A planned project (WBS, every link kind, lags, a milestone, a manual task, constraints, a pool, a baseline) and
an empty project to import into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from margin.projects import actions
from margin.projects.models import Project, Task
from margin.projects.planning import to_aware
from margin.resourcing.models import Assignment, ResourcePool
from tests.firm import Firm

MONDAY = date(2026, 3, 2)


@dataclass
class Planned:
    firm: Firm
    phase: Task
    design: Task
    build: Task
    review: Task
    launch: Task
    manual: Task
    empty: Project


@pytest.fixture
def planned(firm: Firm) -> Planned:
    m = firm.manager
    actions.project_update(viewer=m, project=firm.project, start_date=MONDAY)
    phase = actions.task_create(viewer=m, project=firm.project, name="Phase 1")
    actions.task_update(viewer=m, task=firm.design, parent=phase)
    actions.task_update(viewer=m, task=firm.build, parent=phase)
    review = actions.task_create(viewer=m, project=firm.project, name="Review & sign-off", estimate_minutes=240)
    launch = actions.task_create(viewer=m, project=firm.project, name="Launch")
    manual = actions.task_create(viewer=m, project=firm.project, name="Workshop <pinned>")
    actions.task_schedule_update(viewer=m, task=firm.design, duration_minutes=2 * 480, percent_complete=50)
    actions.task_schedule_update(viewer=m, task=firm.build, duration_minutes=3 * 480)
    actions.task_schedule_update(
        viewer=m,
        task=review,
        duration_minutes=240,
        constraint="SNET",
        constraint_date=to_aware(datetime(2026, 3, 9, 9)),
    )
    actions.task_schedule_update(viewer=m, task=launch, duration_minutes=0)
    actions.task_schedule_update(
        viewer=m, task=manual, scheduling="manual", start=to_aware(datetime(2026, 3, 4, 14)), duration_minutes=120
    )
    actions.dependency_create(viewer=m, predecessor=firm.design, successor=firm.build, kind="FS", lag_minutes=60)
    actions.dependency_create(viewer=m, predecessor=firm.build, successor=review, kind="SS", lag_minutes=480)
    actions.dependency_create(viewer=m, predecessor=review, successor=launch, kind="FF", lag_minutes=-60)
    actions.dependency_create(viewer=m, predecessor=firm.design, successor=manual, kind="SF")
    pool = ResourcePool.objects.create(organisation_id=firm.project.organisation_id, name="Developers", max_units=300)
    Assignment.objects.create(task=firm.design, person=firm.member_person, units=100)
    Assignment.objects.create(task=firm.build, pool=pool, units=200)
    actions.baseline_save(viewer=m, project=firm.project, name="Signed off")
    empty = actions.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="IMP-1",
        name="Imported",
        start_date=MONDAY,
    )
    for t in (phase, review, launch, manual):
        t.refresh_from_db()
    firm.design.refresh_from_db()
    firm.build.refresh_from_db()
    return Planned(firm, phase, firm.design, firm.build, review, launch, manual, empty)
