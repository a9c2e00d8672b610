"""The timer: what runs now, start, stop (→ a draft time entry), discard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from margin.api.schemas.common import responses
from margin.api.schemas.timers import TimerOut, TimerStartIn, TimerState
from margin.api.schemas.timesheets import TimeEntryOut
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.projects.queries import project_get, task_get
from margin.timesheets.actions import timer_discard, timer_start, timer_stop
from margin.timesheets.models import TimeEntry, Timer
from margin.timesheets.queries import time_entry_get, timer_current

router = Router(tags=["timer"])


def timer_state(timer: Timer | None) -> TimerState:
    now = timezone.now()
    if timer is None:
        return TimerState(running=False, timer=None, server_time=now)
    return TimerState(
        running=True,
        server_time=now,
        timer=TimerOut(
            project_id=timer.project_id,
            project_code=timer.project.code,
            project_name=timer.project.name,
            task_id=timer.task_id,
            task_name=timer.task.name if timer.task is not None else None,
            note=timer.note,
            started_at=timer.started_at,
            elapsed_seconds=max(0, int((now - timer.started_at).total_seconds())),
        ),
    )


@router.get("/current", response=responses(TimerState), summary="My running timer, if any")
def timer_detail(request: HttpRequest) -> TimerState:
    return timer_state(timer_current(viewer_of(request)))


@router.post(
    "/start",
    response=responses(TimerState, 201),
    summary="Start my timer on a task (409 names a running timer unless replace=true stops it first)",
)
def timer_begin(request: HttpRequest, payload: TimerStartIn) -> Status[TimerState]:
    viewer = viewer_of(request)
    if payload.task_id is not None:
        task = task_get(viewer, payload.task_id)
        project = task.project
        if payload.project_id is not None and payload.project_id != project.pk:
            raise Invalid("That task is not in that project.", field="task_id")
    elif payload.project_id is not None:
        task, project = None, project_get(viewer, payload.project_id)
    else:
        raise Invalid("Choose a task (or a project) to time.", field="task_id")
    timer_start(viewer=viewer, project=project, task=task, note=payload.note, replace=payload.replace)
    return Status(201, timer_state(timer_current(viewer)))


@router.post("/stop", response=responses(TimeEntryOut), summary="Stop my timer: answers the draft entry it became")
def timer_end(request: HttpRequest) -> TimeEntry:
    viewer = viewer_of(request)
    entry = timer_stop(viewer=viewer)
    return time_entry_get(viewer, entry.pk)


@router.delete("/current", response=responses(None, 204), summary="Discard my timer without logging its time")
def timer_remove(request: HttpRequest) -> Status[None]:
    timer_discard(viewer=viewer_of(request))
    return Status(204, None)
