"""Contracts: how work is sold. Their billing lines and instalments, the projects they cover, tax codes,
the client and default rate cards, and why a rate applied."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import Viewer, company_get, person_get, role_get
from margin.api.money import MONEY_ONLY
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.contracts import (
    BillingLineIn,
    BillingLineOut,
    BillingLinePatch,
    CardRateIn,
    CardRateOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    InstalmentIn,
    InstalmentOut,
    RateCardIn,
    RateExplanationOut,
    RateStepOut,
    TaxCodeIn,
    TaxCodeOut,
)
from margin.api.schemas.projects import ProjectOut
from margin.api.security import viewer_of
from margin.contracts.actions import (
    RateRow,
    billing_line_create,
    billing_line_delete,
    billing_line_update,
    client_rate_card_save,
    contract_create,
    contract_project_add,
    contract_update,
    default_rate_card_save,
    instalment_create,
    require_finance,
    tax_code_create,
)
from margin.contracts.models import BillingLine, BillRate, Contract, Instalment, TaxCode
from margin.contracts.queries import (
    billing_lines_of,
    contract_get,
    contracts_visible,
    covered_projects,
    instalments_of,
    rate_explained,
    tax_codes_of,
)
from margin.core.errors import NotFound
from margin.crm.queries import client_get
from margin.projects.models import Project
from margin.projects.queries import project_get, require_money_visible, task_get

router = Router(tags=["contracts"])


@router.get("", response=responses(list[ContractOut]), summary="List contracts")
@paginate(Pages)
def contract_list(request: HttpRequest) -> QuerySet[Contract]:
    return contracts_visible(viewer_of(request)).order_by("reference", "id")


@router.post("", response=responses(ContractOut, 201), summary="Create a contract")
def contract_add(request: HttpRequest, payload: ContractIn) -> Status[Contract]:
    viewer = viewer_of(request)
    details = payload.model_dump(exclude_none=True)
    company = company_get(viewer, details.pop("company_id"))
    client = client_get(viewer, details.pop("client_id"))
    contract = contract_create(
        viewer=viewer,
        company=company,
        client=client,
        reference=details.pop("reference"),
        name=details.pop("name"),
        start_date=details.pop("start_date"),
        **details,
    )
    return Status(201, contract_get(viewer, contract.pk))


@router.get("/{contract_id}", response=responses(ContractOut), summary="Get a contract")
def contract_detail(request: HttpRequest, contract_id: Id) -> Contract:
    return contract_get(viewer_of(request), contract_id)


@router.patch("/{contract_id}", response=responses(ContractOut), summary="Change a contract")
def contract_change(request: HttpRequest, contract_id: Id, payload: ContractPatch) -> Contract:
    viewer = viewer_of(request)
    contract = contract_get(viewer, contract_id)
    contract_update(viewer=viewer, contract=contract, **payload.model_dump(exclude_unset=True))
    return contract_get(viewer, contract_id)


@router.get("/{contract_id}/projects", response=responses(list[ProjectOut]), summary="The projects a contract covers")
def contract_projects(request: HttpRequest, contract_id: Id) -> QuerySet[Project]:
    return covered_projects(contract_get(viewer_of(request), contract_id)).select_related("client", "company")


@router.put(
    "/{contract_id}/projects/{project_id}", response=responses(ProjectOut), summary="Cover a project by this contract"
)
def contract_project_put(request: HttpRequest, contract_id: Id, project_id: Id) -> Project:
    viewer = viewer_of(request)
    contract = contract_get(viewer, contract_id)
    project = project_get(viewer, project_id)
    contract_project_add(viewer=viewer, contract=contract, project=project)
    return project


# --- billing lines ------------------------------------------------------------------------------------


def _line_get(viewer: Viewer, contract: Contract, line_id: int) -> BillingLine:
    line = BillingLine.objects.select_related("contract").filter(contract=contract, pk=line_id).first()
    if line is None:
        raise NotFound("No such billing line.")
    return line


@router.get("/{contract_id}/lines", response=responses(list[BillingLineOut]), summary="A contract's billing lines")
def line_list(request: HttpRequest, contract_id: Id) -> list[BillingLine]:
    return billing_lines_of(contract_get(viewer_of(request), contract_id))


@router.post("/{contract_id}/lines", response=responses(BillingLineOut, 201), summary="Add a billing line")
def line_add(request: HttpRequest, contract_id: Id, payload: BillingLineIn) -> Status[BillingLine]:
    viewer = viewer_of(request)
    contract = contract_get(viewer, contract_id)
    details = payload.model_dump()
    line = billing_line_create(
        viewer=viewer, contract=contract, model=details.pop("model"), name=details.pop("name"), **details
    )
    return Status(201, _line_get(viewer, contract, line.pk))


@router.patch(
    "/{contract_id}/lines/{billing_line_id}", response=responses(BillingLineOut), summary="Change a billing line"
)
def line_change(request: HttpRequest, contract_id: Id, billing_line_id: Id, payload: BillingLinePatch) -> BillingLine:
    viewer = viewer_of(request)
    contract = contract_get(viewer, contract_id)
    line = _line_get(viewer, contract, billing_line_id)
    billing_line_update(viewer=viewer, line=line, **payload.model_dump(exclude_unset=True))
    return _line_get(viewer, contract, billing_line_id)


@router.delete("/{contract_id}/lines/{billing_line_id}", response=responses(None, 204), summary="Remove a billing line")
def line_remove(request: HttpRequest, contract_id: Id, billing_line_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    billing_line_delete(viewer=viewer, line=_line_get(viewer, contract_get(viewer, contract_id), billing_line_id))
    return Status(204, None)


@router.get("/{contract_id}/instalments", response=responses(list[InstalmentOut]), summary="A contract's instalments")
def instalment_list(request: HttpRequest, contract_id: Id) -> list[Instalment]:
    return instalments_of(contract_get(viewer_of(request), contract_id))


@router.post(
    "/{contract_id}/lines/{billing_line_id}/instalments",
    response=responses(InstalmentOut, 201),
    summary="Add an instalment to a fixed fee",
)
def instalment_add(
    request: HttpRequest, contract_id: Id, billing_line_id: Id, payload: InstalmentIn
) -> Status[Instalment]:
    viewer = viewer_of(request)
    line = _line_get(viewer, contract_get(viewer, contract_id), billing_line_id)
    milestone = task_get(viewer, payload.milestone_task_id) if payload.milestone_task_id is not None else None
    instalment = instalment_create(
        viewer=viewer,
        line=line,
        description=payload.description,
        amount_minor=payload.amount_minor,
        due_date=payload.due_date,
        milestone=milestone,
    )
    return Status(201, Instalment.objects.select_related("billing_line__contract").get(pk=instalment.pk))


# --- tax codes ----------------------------------------------------------------------------------------

# Operations outside /contracts: a company's tax codes, the client and default rate cards, the rate explanation.
around_router = Router(tags=["contracts"])


@around_router.get(
    "/companies/{company_id}/tax-codes", response=responses(list[TaxCodeOut]), summary="A company's tax codes"
)
def tax_code_list(request: HttpRequest, company_id: Id) -> QuerySet[TaxCode]:
    viewer = viewer_of(request)
    require_finance(viewer)
    return tax_codes_of(company_get(viewer, company_id).pk)


@around_router.post(
    "/companies/{company_id}/tax-codes", response=responses(TaxCodeOut, 201), summary="Add a tax code to a company"
)
def tax_code_add(request: HttpRequest, company_id: Id, payload: TaxCodeIn) -> Status[TaxCode]:
    viewer = viewer_of(request)
    company = company_get(viewer, company_id)
    return Status(201, tax_code_create(viewer=viewer, company=company, **payload.model_dump()))


# --- rate cards above the contract's ------------------------------------------------------------------


def _rows(viewer: Viewer, rates: list[CardRateIn]) -> list[RateRow]:
    return [
        RateRow(
            valid_from=r.valid_from,
            hourly_rate=r.hourly_rate,
            role=role_get(viewer, r.role_id) if r.role_id is not None else None,
            person=person_get(viewer, r.person_id) if r.person_id is not None else None,
        )
        for r in rates
    ]


@around_router.put(
    "/clients/{client_id}/rate-card",
    response=responses(list[CardRateOut]),
    summary="Replace a client's rate card in a currency",
)
def client_card_put(request: HttpRequest, client_id: Id, payload: RateCardIn) -> list[BillRate]:
    viewer = viewer_of(request)
    client = client_get(viewer, client_id)
    rows = _rows(viewer, payload.rates)
    return client_rate_card_save(viewer=viewer, client=client, currency=payload.currency, rows=rows)


@around_router.put(
    "/organisation/rate-card",
    response=responses(list[CardRateOut]),
    summary="Replace the organisation's default rate card in a currency",
)
def default_card_put(request: HttpRequest, payload: RateCardIn) -> list[BillRate]:
    viewer = viewer_of(request)
    return default_rate_card_save(viewer=viewer, currency=payload.currency, rows=_rows(viewer, payload.rates))


@around_router.get(
    "/projects/{project_id}/rate-explanation",
    response=responses(RateExplanationOut),
    summary="Which bill rate prices a person's hour on a project on a day, and why",
    openapi_extra=MONEY_ONLY,
)
def rate_explanation(
    request: HttpRequest,
    project_id: Id,
    person_id: int,
    day: date = Query(...),  # noqa: B008
) -> RateExplanationOut:
    viewer = viewer_of(request)
    project = project_get(viewer, project_id)
    require_money_visible(viewer, project)
    person = person_get(viewer, person_id)
    found = rate_explained(
        project,
        person_id=person.pk,
        person_name=person.name,
        role_id=person.role_id,
        role_name=person.role.name if person.role_id else "",
        day=day,
    )
    return RateExplanationOut(
        hourly_rate=f"{found.rate.rate:f}" if found.rate else None,
        card=found.rate.scope if found.rate else None,
        text=found.text,
        steps=[RateStepOut(card=c, target=t, found=f) for c, t, f in found.steps],
    )
