"""People: who does the work, with their dated cost rates."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import person_create
from margin.accounts.models import Person
from margin.accounts.queries import company_get, people_visible, person_get, role_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.accounts import CostRateIn, CostRateOut, PersonIn, PersonOut
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of
from margin.rates.actions import cost_rate_set
from margin.rates.models import CostRate
from margin.rates.queries import cost_rates_visible

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
    )
    return Status(201, person)


@router.get("/{person_id}", response=responses(PersonOut), summary="Get a person")
def person_detail(request: HttpRequest, person_id: Id) -> Person:
    return person_get(viewer_of(request), person_id)


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
