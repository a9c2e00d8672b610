"""Time entries: log, change, submit a week, approve or reject; the week grid."""

from datetime import date
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import Viewer, person_get
from margin.api.pagination import Pages
from margin.api.schemas.common import Count, Id, responses
from margin.api.schemas.timesheets import (
    DecisionIn,
    RejectIn,
    TimeEntryIn,
    TimeEntryOut,
    TimeEntryPatch,
    WeekCellIn,
    WeekIn,
    WeekOut,
)
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.core.periods import week_start
from margin.projects.queries import project_get, task_get
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    week_cell_set,
)
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import (
    Week,
    approvals_pending,
    time_entries_filtered,
    time_entries_visible,
    time_entry_get,
    week_of,
    week_subject_get,
)

router = Router(tags=["time entries"])


class EntryFilter(Schema):
    project_id: Id | None = None
    person_id: Id | None = None
    status: Literal["draft", "submitted", "approved", "rejected"] | None = None
    date_from: date | None = None
    date_to: date | None = None


@router.get("", response=responses(list[TimeEntryOut]), summary="List time entries you can see (newest first)")
@paginate(Pages)
def entry_list(request: HttpRequest, filters: Query[EntryFilter]) -> QuerySet[TimeEntry]:
    entries = time_entries_visible(viewer_of(request)).order_by("-work_date", "-id")
    return time_entries_filtered(entries, **filters.dict())


@router.get("/approvals", response=responses(list[TimeEntryOut]), summary="Submitted time waiting for your approval")
@paginate(Pages)
def approval_list(request: HttpRequest) -> QuerySet[TimeEntry]:
    return approvals_pending(viewer_of(request))


def _week_person(viewer: Viewer, person_id: int | None) -> int:
    person = week_subject_get(viewer, person_id)
    if person is None:
        raise Invalid("You have no person record to log time as.", field="person_id")
    return person.pk


@router.get("/week", response=responses(WeekOut), summary="A week as a grid of tasks × 7 days")
def week_detail(request: HttpRequest, params: Query[WeekIn]) -> Week:
    viewer = viewer_of(request)
    return week_of(_week_person(viewer, params.person_id), week_start(params.week))


@router.put(
    "/week/cells",
    response=responses(WeekOut),
    summary="Set one cell of my week (task × day) to a total; 0 empties it. Answers the week.",
)
def week_cell_put(request: HttpRequest, payload: WeekCellIn) -> Week:
    viewer = viewer_of(request)
    task = task_get(viewer, payload.task_id)
    week_cell_set(viewer=viewer, task=task, work_date=payload.work_date, minutes=payload.minutes, note=payload.note)
    return week_of(_week_person(viewer, None), week_start(payload.work_date))


@router.post(
    "/submit",
    response=responses(Count),
    summary="Submit the draft and rejected entries of the week (or month, per the company's policy) holding `week`",
)
def week_submit(request: HttpRequest, payload: WeekIn) -> Count:
    viewer = viewer_of(request)
    person = person_get(viewer, payload.person_id) if payload.person_id is not None else None
    return Count(count=time_entries_submit(viewer=viewer, day=payload.week, person=person))


@router.post("/approve", response=responses(Count), summary="Approve submitted entries (values them)")
def entries_approve(request: HttpRequest, payload: DecisionIn) -> Count:
    return Count(count=time_entries_approve(viewer=viewer_of(request), entry_ids=payload.entry_ids))


@router.post("/reject", response=responses(Count), summary="Reject submitted entries, with a reason")
def entries_reject(request: HttpRequest, payload: RejectIn) -> Count:
    count = time_entries_reject(viewer=viewer_of(request), entry_ids=payload.entry_ids, reason=payload.reason)
    return Count(count=count)


@router.post("", response=responses(TimeEntryOut, 201), summary="Log time")
def entry_add(request: HttpRequest, payload: TimeEntryIn) -> Status[TimeEntry]:
    viewer = viewer_of(request)
    entry = time_entry_create(
        viewer=viewer,
        project=project_get(viewer, payload.project_id),
        task=task_get(viewer, payload.task_id) if payload.task_id is not None else None,
        person=person_get(viewer, payload.person_id) if payload.person_id is not None else None,
        work_date=payload.work_date,
        minutes=payload.minutes,
        billable=payload.billable,
        note=payload.note,
        category=payload.category,
    )
    return Status(201, entry)


@router.get("/{int:entry_id}", response=responses(TimeEntryOut), summary="Get a time entry")
def entry_detail(request: HttpRequest, entry_id: Id) -> TimeEntry:
    return time_entry_get(viewer_of(request), entry_id)


@router.patch(
    "/{int:entry_id}",
    response=responses(TimeEntryOut),
    summary="Change a draft, rejected or (unbilled) approved entry; an approved one goes back for approval",
)
def entry_change(request: HttpRequest, entry_id: Id, payload: TimeEntryPatch) -> TimeEntry:
    viewer = viewer_of(request)
    entry = time_entry_get(viewer, entry_id)
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude_none=True)
    if "task_id" in changes:
        changes["task"] = task_get(viewer, changes.pop("task_id"))
    return time_entry_update(viewer=viewer, entry=entry, **changes)


@router.delete("/{int:entry_id}", response=responses(None, 204), summary="Delete a draft or rejected entry")
def entry_delete(request: HttpRequest, entry_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    time_entry_delete(viewer=viewer, entry=time_entry_get(viewer, entry_id))
    return Status(204, None)
