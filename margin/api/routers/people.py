"""People: who does the work, with their dated cost rates."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import person_create, person_update
from margin.accounts.models import Person
from margin.accounts.queries import company_get, member_user_get, people_visible, person_get, role_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.accounts import CostRateIn, CostRateOut, PersonIn, PersonOut, PersonPatch
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.rates.actions import cost_rate_delete, cost_rate_set
from margin.rates.models import CostRate
from margin.rates.queries import cost_rate_get, cost_rates_visible

router = Router(tags=["people"])


@router.get("", response=responses(list[PersonOut]), summary="List people")
@paginate(Pages)
def person_list(request: HttpRequest) -> QuerySet[Person]:
    return people_visible(viewer_of(request)).order_by("name", "id")


@router.post("", response=responses(PersonOut, 201), summary="Add a person (administrators)")
def person_add(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    viewer = viewer_of(request)
    person = person_create(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        role=role_get(viewer, payload.role_id),
        name=payload.name,
        email=payload.email,
        weekly_capacity_minutes=payload.weekly_capacity_minutes,
        start_date=payload.start_date,
        end_date=payload.end_date,
    )
    return Status(201, person)


@router.get("/{person_id}", response=responses(PersonOut), summary="Get a person")
def person_detail(request: HttpRequest, person_id: Id) -> Person:
    return person_get(viewer_of(request), person_id)


@router.patch("/{person_id}", response=responses(PersonOut), summary="Change a person (administrators)")
def person_change(request: HttpRequest, person_id: Id, payload: PersonPatch) -> Person:
    viewer = viewer_of(request)
    person = person_get(viewer, person_id)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    for field in ("name", "email", "weekly_capacity_minutes", "active"):
        if sent.get(field) is not None:
            changes[field] = sent[field]
    for field in ("start_date", "end_date"):  # null clears a date
        if field in sent:
            changes[field] = sent[field]
    if sent.get("company_id") is not None:
        changes["company"] = company_get(viewer, sent["company_id"])
    if sent.get("role_id") is not None:
        changes["role"] = role_get(viewer, sent["role_id"])
    if "user_id" in sent:
        changes["user"] = None if sent["user_id"] is None else member_user_get(viewer, sent["user_id"])
    if "manager_id" in sent:
        changes["manager"] = None if sent["manager_id"] is None else person_get(viewer, sent["manager_id"])
    return person_update(viewer=viewer, person=person, **changes)


@router.get(
    "/{person_id}/cost-rates",
    response=responses(list[CostRateOut]),
    summary="A person's cost rates (finance)",
    openapi_extra=MONEY_ONLY,
)
@paginate(Pages)
def cost_rate_list(request: HttpRequest, person_id: Id) -> list[CostRate]:
    viewer = viewer_of(request)
    return cost_rates_visible(viewer, person_get(viewer, person_id))


@router.post(
    "/{person_id}/cost-rates",
    response=responses(CostRateOut, 201),
    summary="Set a person's cost rate from a date on (finance)",
    openapi_extra=MONEY_ONLY,
)
def cost_rate_add(request: HttpRequest, person_id: Id, payload: CostRateIn) -> Status[CostRate]:
    viewer = viewer_of(request)
    rate = cost_rate_set(
        viewer=viewer,
        person=person_get(viewer, person_id),
        valid_from=payload.valid_from,
        hourly_cost=payload.hourly_cost,
    )
    return Status(201, rate)


@router.delete(
    "/{person_id}/cost-rates/{rate_id}", response=responses(None, 204), summary="Remove a dated cost rate (finance)"
)
def cost_rate_remove(request: HttpRequest, person_id: Id, rate_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    cost_rate_delete(viewer=viewer, rate=cost_rate_get(viewer, person_get(viewer, person_id), rate_id))
    return Status(204, None)
