"""Time policy per company, period close (lock dates) and approval delegates.

Mounted at the API root: `/periods…`, `/companies/{id}/time-policy`, `/people/{id}/start-date`,
`/people/{id}/log-for-others`, `/approval-delegates…`.
"""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import company_time_policy_set, log_for_others_set, person_start_date_set
from margin.accounts.models import Company, Membership
from margin.accounts.queries import company_get, person_get
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.periods import (
    ChecklistAmountOut,
    ChecklistItemOut,
    ChecklistOut,
    DelegateIn,
    DelegateOut,
    LogForOthersIn,
    LogForOthersOut,
    PeriodChangeOut,
    PeriodCloseIn,
    PeriodLockOut,
    PeriodReopenIn,
    StartDateIn,
    StartDateOut,
    TimePolicyIn,
    TimePolicyOut,
)
from margin.api.security import viewer_of
from margin.closing.actions import period_close, period_reopen
from margin.closing.models import PeriodLock
from margin.closing.queries import changes_since_close, close_checklist, period_lock_get, period_locks_visible
from margin.core.errors import Forbidden
from margin.core.models import AuditEntry
from margin.projects.queries import project_get
from margin.timesheets.actions import approval_delegate_add, approval_delegate_remove, effective_max_future_days
from margin.timesheets.models import ApprovalDelegate
from margin.timesheets.queries import approval_delegate_get, approval_delegates_visible

router = Router(tags=["time policy and period close"])


# time policy ------------------------------------------------------------------------------------


def _policy_out(company_id: int) -> TimePolicyOut:
    company = Company.objects.get(pk=company_id)
    return TimePolicyOut(
        company_id=company.pk,
        max_day_minutes=company.max_day_minutes,
        max_future_days=company.max_future_days,
        max_future_days_in_force=effective_max_future_days(company),
        submit_period=company.submit_period,
        locked_through=company.locked_through,
    )


@router.get("/companies/{company_id}/time-policy", response=responses(TimePolicyOut), summary="A company's time policy")
def time_policy_detail(request: HttpRequest, company_id: Id) -> TimePolicyOut:
    return _policy_out(company_get(viewer_of(request), company_id).pk)


@router.put(
    "/companies/{company_id}/time-policy",
    response=responses(TimePolicyOut),
    summary="Set a company's time policy (administrators)",
)
def time_policy_put(request: HttpRequest, company_id: Id, payload: TimePolicyIn) -> TimePolicyOut:
    viewer = viewer_of(request)
    company = company_get(viewer, company_id)
    company_time_policy_set(viewer=viewer, company=company, **payload.model_dump())
    return _policy_out(company.pk)


@router.put(
    "/people/{person_id}/start-date",
    response=responses(StartDateOut),
    summary="Set the day a person started; no time before it (administrators)",
)
def start_date_put(request: HttpRequest, person_id: Id, payload: StartDateIn) -> StartDateOut:
    viewer = viewer_of(request)
    person = person_start_date_set(viewer=viewer, person=person_get(viewer, person_id), start_date=payload.start_date)
    return StartDateOut(person_id=person.pk, start_date=person.start_date)


@router.put(
    "/people/{person_id}/log-for-others",
    response=responses(LogForOthersOut),
    summary="Allow a person to log, change and submit time for others (administrators)",
)
def log_for_others_put(request: HttpRequest, person_id: Id, payload: LogForOthersIn) -> LogForOthersOut:
    viewer = viewer_of(request)
    person = person_get(viewer, person_id)
    membership: Membership = log_for_others_set(viewer=viewer, person=person, allowed=payload.allowed)
    return LogForOthersOut(person_id=person.pk, can_log_for_others=membership.can_log_for_others)


# period close ------------------------------------------------------------------------------------


class PeriodFilter(Schema):
    company_id: Id | None = None
    standing: bool | None = None


@router.get("/periods", response=responses(list[PeriodLockOut]), summary="Period closes and reopens, newest first")
@paginate(Pages)
def period_list(request: HttpRequest, filters: Query[PeriodFilter]) -> QuerySet[PeriodLock]:
    locks = period_locks_visible(viewer_of(request)).order_by("-closed_at", "-id")
    if filters.company_id:
        locks = locks.filter(company_id=filters.company_id)
    if filters.standing is not None:
        locks = locks.filter(reopened_at__isnull=filters.standing)
    return locks


@router.post(
    "/periods",
    response=responses(PeriodLockOut, 201),
    summary="Close a period for a whole company: nothing dated on or before `through` may change (finance)",
)
def period_add(request: HttpRequest, payload: PeriodCloseIn) -> Status[PeriodLock]:
    viewer = viewer_of(request)
    lock = period_close(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        through=payload.through,
        note=payload.note,
        override_reason=payload.override_reason,
    )
    return Status(201, period_lock_get(viewer, lock.pk))


class ChecklistQuery(Schema):
    company: Id
    through: date


@router.get(
    "/periods/checklist",
    response=responses(ChecklistOut),
    summary="What is left to do in a company's period before it can be closed, and what blocks the close (finance)",
)
def period_checklist(request: HttpRequest, query: Query[ChecklistQuery]) -> ChecklistOut:
    viewer = viewer_of(request)
    company = company_get(viewer, query.company)
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may see the close checklist.")
    items = close_checklist(company, query.through)
    return ChecklistOut(
        company_id=company.pk,
        through=query.through,
        locked_through=company.locked_through,
        blocked=any(item.blocks for item in items),
        items=[
            ChecklistItemOut(
                key=item.key,
                label=item.label,
                count=item.count,
                amounts=[ChecklistAmountOut(currency=c, amount_minor=a) for c, a in item.amounts],
                blocking=item.blocking,
                blocks=item.blocks,
                link=reverse(item.target),
            )
            for item in items
        ],
    )


@router.get("/periods/{lock_id}", response=responses(PeriodLockOut), summary="One period close")
def period_detail(request: HttpRequest, lock_id: Id) -> PeriodLock:
    return period_lock_get(viewer_of(request), lock_id)


@router.post("/periods/{lock_id}/reopen", response=responses(PeriodLockOut), summary="Reopen a closed period (finance)")
def period_reopen_post(request: HttpRequest, lock_id: Id, payload: PeriodReopenIn) -> PeriodLock:
    viewer = viewer_of(request)
    period_reopen(viewer=viewer, lock=period_lock_get(viewer, lock_id), reason=payload.reason)
    return period_lock_get(viewer, lock_id)


@router.get(
    "/periods/{lock_id}/changes",
    response=responses(list[PeriodChangeOut]),
    summary="What changed in the period's time after it was closed (newest first)",
)
@paginate(Pages)
def period_changes(request: HttpRequest, lock_id: Id) -> QuerySet[AuditEntry]:
    viewer = viewer_of(request)
    if not viewer.is_finance:
        raise Forbidden("Only finance or an administrator may see the changes of a period.")
    return changes_since_close(period_lock_get(viewer, lock_id))


# approval delegates -----------------------------------------------------------------------------


@router.get(
    "/approval-delegates", response=responses(list[DelegateOut]), summary="Delegations of approval you gave or hold"
)
@paginate(Pages)
def delegate_list(request: HttpRequest) -> QuerySet[ApprovalDelegate]:
    return approval_delegates_visible(viewer_of(request))


@router.post(
    "/approval-delegates",
    response=responses(DelegateOut, 201),
    summary="Let someone approve time for a project, or for every project of a manager",
)
def delegate_add(request: HttpRequest, payload: DelegateIn) -> Status[ApprovalDelegate]:
    viewer = viewer_of(request)
    row = approval_delegate_add(
        viewer=viewer,
        delegate=person_get(viewer, payload.delegate_id),
        project=project_get(viewer, payload.project_id) if payload.project_id is not None else None,
        manager=person_get(viewer, payload.manager_id) if payload.manager_id is not None else None,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, approval_delegate_get(viewer, row.pk))


@router.delete("/approval-delegates/{delegate_id}", response=responses(None, 204), summary="Remove a delegation")
def delegate_delete(request: HttpRequest, delegate_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    approval_delegate_remove(viewer=viewer, row=approval_delegate_get(viewer, delegate_id))
    return Status(204, None)
