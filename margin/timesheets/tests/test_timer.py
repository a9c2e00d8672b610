"""The timer: one running per person, stop → a draft entry through the entry rules, refusals change nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import AuditEntry
from margin.projects.models import ProjectStatus
from margin.timesheets.actions import time_entry_create, timer_discard, timer_start, timer_stop
from margin.timesheets.models import EntryStatus, TimeEntry, Timer
from tests.checks import refused
from tests.firm import Firm

# Timers started minutes "ago" must not cross midnight when the suite runs just after it.
pytestmark = pytest.mark.usefixtures("midday")


def _age(timer: Timer, **delta: float) -> Timer:
    Timer.objects.filter(pk=timer.pk).update(started_at=timezone.now() - timedelta(**delta))
    timer.refresh_from_db()
    return timer


def test_start_then_stop_makes_a_draft_entry_for_today(firm: Firm) -> None:
    timer = timer_start(viewer=firm.member, project=firm.project, task=firm.design, note="Wireframes")
    _age(timer, minutes=42, seconds=5)
    entry = timer_stop(viewer=firm.member)
    assert (entry.minutes, entry.status, entry.task_id, entry.note) == (
        43,
        EntryStatus.DRAFT,
        firm.design.pk,
        "Wireframes",
    )
    assert entry.work_date == timezone.localdate()
    assert entry.person_id == firm.member_person.pk
    assert not Timer.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="timer.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["timer.start", "timer.stop"]


def test_a_few_seconds_count_as_one_minute(firm: Firm) -> None:
    timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    assert timer_stop(viewer=firm.member).minutes == 1


def test_a_second_running_timer_is_refused_naming_the_first(firm: Firm) -> None:
    first = timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    with refused(Conflict, first, match="already running on 'Design'") as info:
        timer_start(viewer=firm.member, project=firm.project, task=firm.build)
    assert info.value.code == "timer_running"


def test_stop_and_start_logs_the_first_and_starts_the_second(firm: Firm) -> None:
    _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design), minutes=30)
    second = timer_start(viewer=firm.member, project=firm.project, task=firm.build, replace=True)
    assert second.task_id == firm.build.pk
    assert list(TimeEntry.objects.values_list("task_id", "minutes")) == [(firm.design.pk, 30)]
    assert Timer.objects.count() == 1


def test_restarting_the_same_task_keeps_the_running_timer(firm: Firm) -> None:
    first = _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design, note="a"), minutes=5)
    for _ in range(3):
        again = timer_start(viewer=firm.member, project=firm.project, task=firm.design, replace=True)
    assert (again.pk, again.started_at, again.note) == (first.pk, first.started_at, "a")
    renoted = timer_start(viewer=firm.member, project=firm.project, task=firm.design, note="b", replace=True)
    assert (renoted.pk, Timer.objects.get().note) == (first.pk, "b")
    assert not TimeEntry.objects.exists()
    assert AuditEntry.objects.filter(action="timer.update").count() == 1


def test_switching_tasks_within_a_minute_logs_nothing(firm: Firm) -> None:
    for task in [firm.design, firm.build, firm.design, firm.build]:
        timer_start(viewer=firm.member, project=firm.project, task=task, replace=True)
    assert not TimeEntry.objects.exists()
    assert Timer.objects.get().task_id == firm.build.pk
    assert AuditEntry.objects.filter(action="timer.discard").count() == 3


def test_a_timer_of_a_minute_or_more_is_logged_when_replaced(firm: Firm) -> None:
    _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design), seconds=61)
    timer_start(viewer=firm.member, project=firm.project, task=firm.build, replace=True)
    assert list(TimeEntry.objects.values_list("task_id", "minutes")) == [(firm.design.pk, 2)]


def test_the_database_allows_one_timer_per_person(firm: Firm) -> None:
    timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    with pytest.raises(IntegrityError), transaction.atomic():
        Timer.objects.create(
            organisation_id=firm.project.organisation_id,
            person=firm.member_person,
            project=firm.project,
            task=firm.build,
            started_at=timezone.now(),
        )


def test_two_people_may_each_run_one(firm: Firm) -> None:
    timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    timer_start(viewer=firm.member2, project=firm.project, task=firm.design)
    assert Timer.objects.count() == 2


def test_discard_logs_nothing(firm: Firm) -> None:
    _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design), minutes=20)
    timer_discard(viewer=firm.member)
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()
    assert AuditEntry.objects.filter(action="timer.discard").count() == 1


def test_stop_or_discard_without_a_timer_is_404(firm: Firm) -> None:
    with refused(NotFound, match="No timer is running"):
        timer_stop(viewer=firm.member)
    with refused(NotFound, match="No timer is running"):
        timer_discard(viewer=firm.member)


def test_a_timer_over_midnight_is_refused_and_kept(firm: Firm) -> None:
    timer = timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time()))
    Timer.objects.filter(pk=timer.pk).update(started_at=midnight - timedelta(minutes=30))
    timer.refresh_from_db()
    with refused(Invalid, timer, match="(past midnight|more than 24 hours).*Discard it"):
        timer_stop(viewer=firm.member)


def test_a_timer_over_24_hours_is_refused(firm: Firm) -> None:
    timer = _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design), hours=25)
    with refused(Invalid, timer, match="more than 24 hours"):
        timer_stop(viewer=firm.member)


def test_stop_goes_through_the_day_total_rule(firm: Firm) -> None:
    today = timezone.localdate()
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=today, minutes=24 * 60 - 1)
    timer = _age(timer_start(viewer=firm.member, project=firm.project, task=firm.design), minutes=5)
    with refused(Invalid, timer, match="more than 24 hours on"):
        timer_stop(viewer=firm.member)


def test_stop_on_a_project_closed_meanwhile_is_refused(firm: Firm) -> None:
    timer = timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    type(firm.project).objects.filter(pk=firm.project.pk).update(status=ProjectStatus.CLOSED)
    with refused(Invalid, timer, match="closed"):
        timer_stop(viewer=firm.member)


def test_start_is_refused_on_a_closed_task_a_foreign_project_or_a_non_member(firm: Firm) -> None:
    type(firm.design).objects.filter(pk=firm.design.pk).update(closed=True)
    firm.design.refresh_from_db()
    with refused(Invalid, match="closed"):
        timer_start(viewer=firm.member, project=firm.project, task=firm.design)
    with refused(NotFound):
        timer_start(viewer=firm.member, project=firm.other_project)
    with refused(Forbidden, match="not a member"):
        timer_start(viewer=firm.finance, project=firm.project, task=firm.build)


def test_start_refuses_a_task_of_another_project(firm: Firm) -> None:
    from margin.projects.actions import task_create

    foreign = task_create(viewer=firm.other_admin, project=firm.other_project, name="Theirs")
    with refused(NotFound):
        timer_start(viewer=firm.member, project=firm.project, task=foreign)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")
def test_racing_tabs_start_one_timer_and_stop_it_once(firm: Firm) -> None:
    from tests.test_concurrency import race

    starts = race(*[lambda: timer_start(viewer=firm.member, project=firm.project, task=firm.design)] * 4)
    assert sum(isinstance(r, Timer) for r in starts) == 1
    assert all(isinstance(r, Conflict) for r in starts if not isinstance(r, Timer))
    Timer.objects.update(started_at=timezone.now() - timedelta(minutes=10))
    stops = race(*[lambda: timer_stop(viewer=firm.member)] * 3)
    assert sum(isinstance(r, TimeEntry) for r in stops) == 1
    assert all(isinstance(r, NotFound) for r in stops if not isinstance(r, TimeEntry))
    assert TimeEntry.objects.count() == 1 and not Timer.objects.exists()
