"""Utilisation targets (admin writes, bad input refused and nothing changed, the day's target) and the plan's
resource usage (hours per person and week from scheduled tasks, over-allocation flagged)."""

from __future__ import annotations

from datetime import date, timedelta

from margin.core.errors import Forbidden, Invalid
from margin.resourcing.actions import (
    assignment_create,
    utilisation_target_delete,
    utilisation_target_set,
    utilisation_target_update,
)
from margin.resourcing.models import UtilisationTarget
from margin.resourcing.queries import project_usage, target_minutes, targets_of
from tests.checks import audit_row, refused
from tests.firm import Firm


def test_an_admin_sets_changes_and_removes_targets(firm: Firm) -> None:
    default = utilisation_target_set(viewer=firm.admin, percent=75, valid_from=date(2026, 1, 1))
    audit_row("utilisation_target.create", default)
    again = utilisation_target_set(viewer=firm.admin, percent=70, valid_from=date(2026, 1, 1))
    assert again.pk == default.pk and again.percent == 70
    role = utilisation_target_set(viewer=firm.admin, percent=80, valid_from=date(2026, 1, 1), role=firm.consultant)
    mine = utilisation_target_set(viewer=firm.admin, percent=50, valid_from=date(2026, 7, 1), person=firm.member_person)
    targets = targets_of(firm.admin.organisation_id)
    tom, role_id = firm.member_person.pk, firm.consultant.pk
    assert targets.percent_on(tom, role_id, date(2026, 6, 30)) == 80
    assert targets.percent_on(tom, role_id, date(2026, 7, 1)) == 50
    assert targets.percent_on(firm.manager_person.pk, firm.senior.pk, date(2026, 7, 1)) == 70
    assert targets.percent_on(tom, role_id, date(2025, 12, 31)) is None
    utilisation_target_update(viewer=firm.admin, target=role, percent=85)
    audit_row("utilisation_target.update", role)
    utilisation_target_delete(viewer=firm.admin, target=mine)
    audit_row("utilisation_target.delete", mine)
    assert not UtilisationTarget.objects.filter(pk=mine.pk).exists()


def test_bad_targets_change_nothing(firm: Firm) -> None:
    target = utilisation_target_set(viewer=firm.admin, percent=75, valid_from=date(2026, 1, 1))
    with refused(Invalid, target, match="0 to 100"):
        utilisation_target_set(viewer=firm.admin, percent=101, valid_from=date(2026, 2, 1))
    with refused(Invalid, target, match="0 to 100"):
        utilisation_target_set(viewer=firm.admin, percent=-1, valid_from=date(2026, 2, 1))
    with refused(Invalid, target, match="0 to 100"):
        utilisation_target_update(viewer=firm.admin, target=target, percent=150)
    with refused(Invalid, target, match="not both"):
        utilisation_target_set(
            viewer=firm.admin, percent=5, valid_from=date(2026, 2, 1), person=firm.member_person, role=firm.senior
        )
    with refused(Forbidden, target, match="administrator"):
        utilisation_target_set(viewer=firm.manager, percent=90, valid_from=date(2026, 2, 1))
    with refused(Forbidden, target):
        utilisation_target_delete(viewer=firm.finance, target=target)
    other = firm.other_project.manager
    if other is not None:
        with refused(Invalid, target, match="No such person"):
            utilisation_target_set(viewer=firm.admin, percent=5, valid_from=date(2026, 2, 1), person=other)


def test_target_minutes_weigh_each_day_by_capacity() -> None:
    days = [date(2026, 6, 29) + timedelta(days=i) for i in range(7)]
    steps = [(date(2026, 1, 1), 80), (date(2026, 7, 1), 40)]
    capacity = [480, 480, 480, 480, 480, 0, 0]
    assert target_minutes(steps, days, capacity) == (960 * 80 + 1440 * 40) // 100
    assert target_minutes([], days, capacity) == 0


def test_the_plans_usage_spreads_work_over_the_weeks_and_flags_over_allocation(firm: Firm) -> None:
    from django.utils import timezone

    from margin.projects.actions import project_reschedule
    from margin.projects.models import Task

    Task.objects.filter(pk__in=[firm.design.pk, firm.build.pk]).update(duration_minutes=10 * 480)
    assignment_create(viewer=firm.manager, task=firm.design, person=firm.member_person, units=100)
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member_person, units=100)
    project_reschedule(viewer=firm.manager, project=firm.project)
    usage = project_usage(firm.project)
    assert [r.person_id for r in usage.rows] == [firm.member_person.pk]
    tom = usage.rows[0]
    firm.design.refresh_from_db()
    firm.build.refresh_from_db()
    assert tom.total == firm.design.duration_minutes + firm.build.duration_minutes
    assert len(tom.cells) == len(usage.weeks)
    # Both tasks run in parallel at 100 % for two weeks: those weeks are over the person's capacity.
    assert timezone.localtime(firm.design.start).date() == timezone.localtime(firm.build.start).date()
    assert usage.over_weeks >= 2
    assert all(d <= 2 * c for d, c, _ in tom.cells)
