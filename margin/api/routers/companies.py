"""The organisation (the firm) and its companies (its legal entities)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.actions import company_create, company_update, organisation_update
from margin.accounts.models import Company, Organisation
from margin.accounts.queries import companies_visible, company_get
from margin.api.pagination import Pages
from margin.api.schemas.accounts import CompanyIn, CompanyOut, CompanyPatch, OrganisationOut, OrganisationPatch
from margin.api.schemas.common import Id, responses
from margin.api.security import viewer_of

router = Router(tags=["companies"])
organisation_router = Router(tags=["companies"])


@router.get("", response=responses(list[CompanyOut]), summary="List companies")
@paginate(Pages)
def company_list(request: HttpRequest) -> QuerySet[Company]:
    return companies_visible(viewer_of(request))


@router.post("", response=responses(CompanyOut, 201), summary="Create a company (administrators)")
def company_add(request: HttpRequest, payload: CompanyIn) -> Status[Company]:
    return Status(201, company_create(viewer=viewer_of(request), **payload.model_dump()))


@router.get("/{company_id}", response=responses(CompanyOut), summary="Get a company")
def company_detail(request: HttpRequest, company_id: Id) -> Company:
    return company_get(viewer_of(request), company_id)


@router.patch("/{company_id}", response=responses(CompanyOut), summary="Change a company (administrators)")
def company_change(request: HttpRequest, company_id: Id, payload: CompanyPatch) -> Company:
    viewer = viewer_of(request)
    company = company_get(viewer, company_id)
    return company_update(viewer=viewer, company=company, **payload.model_dump(exclude_unset=True, exclude_none=True))


@organisation_router.get("", response=responses(OrganisationOut), summary="My organisation")
def organisation_detail(request: HttpRequest) -> Organisation:
    return Organisation.objects.get(pk=viewer_of(request).organisation_id)


@organisation_router.patch("", response=responses(OrganisationOut), summary="Rename my organisation (administrators)")
def organisation_change(request: HttpRequest, payload: OrganisationPatch) -> Organisation:
    return organisation_update(viewer=viewer_of(request), name=payload.name)
