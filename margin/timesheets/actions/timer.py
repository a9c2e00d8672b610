"""The timer: start, stop (a draft entry through time_entry_create), discard."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.models import Project, Task
from margin.projects.queries import in_scope
from margin.timesheets.actions.entries import time_entry_create
from margin.timesheets.actions.policy import _check_target
from margin.timesheets.models import TimeEntry, Timer

# --- Timer (my week's stopwatch) -------------------------------------------------------------------
# One running timer per person (a unique row per person in the database). Stopping turns it into a
# draft entry of the day it started, through time_entry_create and so through every entry rule.

TIMER_FIELDS = ["person", "project", "task", "note", "started_at"]
# A timer replaced by another before this has passed was a misclick or a switch, not work to log.
MIN_LOGGED = timedelta(minutes=1)


def _timer_person(viewer: Viewer) -> Person:
    if viewer.person_id is None:
        raise Invalid("You have no person record to log time as.", field="person")
    # Locking the person's row serialises two tabs starting or stopping at the same moment.
    return Person.objects.select_for_update().get(pk=viewer.person_id)


def _running_text(timer: Timer) -> str:
    where = timer.task.name if timer.task is not None else timer.project.name
    started = timezone.localtime(timer.started_at)
    return f"{where!r} ({timer.project.code}), running since {started:%a %d %b %H:%M}"


def timer_minutes(timer: Timer, now: datetime) -> int:
    """Minutes the timer has run: whole seconds rounded up to the minute (a started minute counts), at least 1."""
    seconds = max(int((now - timer.started_at).total_seconds()), 0)
    return max(1, math.ceil(seconds / 60))


@transaction.atomic
def timer_start(
    *,
    viewer: Viewer,
    project: Project,
    task: Task | None = None,
    note: str = "",
    replace: bool = False,
) -> Timer:
    """Start my timer on a task (or a project). A running timer is refused (409, naming it) unless
    `replace` asks to stop it first, which logs its time like a stop.

    Replacing is what a "start" button does, so pressing it again must not leave a trail of entries:
    restarting on the timer's own task (or project) keeps the running timer (and its start), taking
    the new note if one is given; a replaced timer that ran less than a minute is discarded, not
    logged as a one-minute entry. An explicit stop still logs every started minute.
    """
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    who = _timer_person(viewer)
    _check_target(project, task, who)
    note = clean_text(note, field="note", max_length=2000)
    running = Timer.objects.filter(person=who).select_related("project", "task").first()
    if running is not None:
        if not replace:
            raise Conflict(
                f"Your timer is already running on {_running_text(running)}. Stop it first, or stop and start.",
                code="timer_running",
            )
        if running.project_id == project.pk and running.task_id == (task.pk if task else None):
            return _timer_renote(viewer, running, note)
        if timezone.now() - running.started_at < MIN_LOGGED:
            _timer_discard_locked(viewer, running)
        else:
            _timer_stop_locked(viewer, running)
    timer = Timer.objects.create(
        organisation_id=project.organisation_id,
        person=who,
        project=project,
        task=task,
        note=note,
        started_at=timezone.now(),
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.start",
        obj=timer,
        after=audit.snapshot(timer, TIMER_FIELDS),
    )
    return timer


def _timer_renote(viewer: Viewer, timer: Timer, note: str) -> Timer:
    """The same target started again: the running timer goes on; a new note replaces the old one."""
    if note and note != timer.note:
        before = audit.snapshot(timer, TIMER_FIELDS)
        timer.note = note
        timer.save(update_fields=["note"])
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="timer.update",
            obj=timer,
            before=before,
            after=audit.snapshot(timer, TIMER_FIELDS),
        )
    return timer


def _timer_discard_locked(viewer: Viewer, timer: Timer) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.discard",
        obj=timer,
        before=audit.snapshot(timer, TIMER_FIELDS),
    )
    timer.delete()


def _timer_stop_locked(viewer: Viewer, timer: Timer) -> TimeEntry:
    now = timezone.now()
    started_day = timezone.localdate(timer.started_at)
    if now - timer.started_at > timedelta(hours=24):
        raise Invalid(
            f"Your timer on {_running_text(timer)} has run for more than 24 hours. "
            "Discard it and log the time in My week."
        )
    if timezone.localdate(now) != started_day:
        raise Invalid(
            f"Your timer on {_running_text(timer)} ran past midnight, and one entry cannot span two days. "
            "Discard it and log the time of each day in My week."
        )
    entry = time_entry_create(
        viewer=viewer,
        project=timer.project,
        task=timer.task,
        work_date=started_day,
        minutes=timer_minutes(timer, now),
        note=timer.note,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="timer.stop",
        obj=timer,
        before=audit.snapshot(timer, TIMER_FIELDS),
        after={"time_entry": entry.pk, "minutes": entry.minutes},
    )
    timer.delete()
    return entry


@transaction.atomic
def timer_stop(*, viewer: Viewer) -> TimeEntry:
    """Stop my timer: its minutes (rounded up, at least 1) become a draft entry for the day it started."""
    who = _timer_person(viewer)
    timer = Timer.objects.filter(person=who).select_related("project", "task").first()
    if timer is None:
        raise NotFound("No timer is running.")
    return _timer_stop_locked(viewer, timer)


@transaction.atomic
def timer_discard(*, viewer: Viewer) -> None:
    """Throw my running timer away without logging anything."""
    who = _timer_person(viewer)
    timer = Timer.objects.filter(person=who).first()
    if timer is None:
        raise NotFound("No timer is running.")
    _timer_discard_locked(viewer, timer)
