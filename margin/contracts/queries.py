"""Reads of contracts and rate cards, shaped for the pure rules (`pricing`, `rates.rules`).

A contract is money (its prices, rates and billing), so it follows the money rule: finance and
administrators see their companies' contracts; a project manager those covering a project they manage
(read only); anyone else gets 404, as for anything invisible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from margin.accounts.queries import Viewer
from margin.contracts.models import BillingLine, BillRate, Contract, CoveredProject, Instalment, TaxCode
from margin.contracts.pricing import CLIENT, CONTRACT, ORGANISATION, CardRate, candidates, explain, rate_applying
from margin.core.errors import NotFound
from margin.projects.models import Project
from margin.projects.queries import projects_money_visible
from margin.rates.rules import BillingIncrement


def contracts_visible(viewer: Viewer) -> QuerySet[Contract]:
    """Contracts of the viewer's companies that they may see the money of."""
    base = Contract.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if not viewer.is_finance:
        base = base.filter(covered__project__in=projects_money_visible(viewer)).distinct()
    return base.select_related("client", "company", "tax_code")


def contract_get(viewer: Viewer, contract_id: int) -> Contract:
    contract = contracts_visible(viewer).filter(pk=contract_id).first()
    if contract is None:
        raise NotFound("No such contract.")
    return contract


@dataclass(frozen=True)
class ContractRow:
    """A contract as a list shows it: how many projects it covers and its billing lines."""

    contract: Contract
    project_count: int
    lines: list[BillingLine]


def contracts_listed(viewer: Viewer) -> list[ContractRow]:
    """The visible contracts for a list, in two queries however many contracts there are."""
    projects = (
        CoveredProject.objects.filter(contract=OuterRef("pk")).order_by().values("contract").annotate(n=Count("pk"))
    )
    lines = Prefetch("billing_lines", queryset=BillingLine.objects.order_by("position", "id"))
    found = (
        contracts_visible(viewer)
        .annotate(project_count=Coalesce(Subquery(projects.values("n"), output_field=IntegerField()), 0))
        .prefetch_related(lines)
    )
    return [ContractRow(c, int(c.project_count), list(c.billing_lines.all())) for c in found]


def contract_of(project: Project) -> Contract | None:
    """The contract covering a project, if any."""
    return Contract.objects.filter(covered__project=project).select_related("client", "company").first()


def covered_projects(contract: Contract) -> QuerySet[Project]:
    return Project.objects.filter(coverage__contract=contract).order_by("code")


def billing_lines_of(contract: Contract) -> list[BillingLine]:
    return list(BillingLine.objects.filter(contract=contract).select_related("tax_code").order_by("position", "id"))


def instalments_of(contract: Contract) -> list[Instalment]:
    return list(
        Instalment.objects.filter(billing_line__contract=contract)
        .select_related("milestone", "billing_line")
        .order_by("billing_line__position", "position", "id")
    )


def tax_codes_of(company_id: int, *, active_only: bool = False) -> QuerySet[TaxCode]:
    codes = TaxCode.objects.filter(company_id=company_id)
    return codes.filter(active=True) if active_only else codes


# --- bill rates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ProjectCards:
    organisation_id: int
    client_id: int
    contract_id: int | None
    currency: str


def _cards_of(project_ids: Iterable[int]) -> dict[int, _ProjectCards]:
    rows = Project.objects.filter(id__in=list(project_ids)).values_list(
        "id", "organisation_id", "client_id", "coverage__contract_id", "currency"
    )
    return {pid: _ProjectCards(org, client, contract, ccy) for pid, org, client, contract, ccy in rows}


def bill_rates_by_project(project_ids: Iterable[int]) -> dict[int, list[CardRate]]:
    """Every rate that may price time on each project: its contract's card, its client's and the
    organisation's default, in the project's currency. Two queries for any number of projects."""
    projects = _cards_of(project_ids)
    if not projects:
        return {}
    contract_ids = {p.contract_id for p in projects.values() if p.contract_id is not None}
    client_ids = {p.client_id for p in projects.values()}
    org_ids = {p.organisation_id for p in projects.values()}
    rows = BillRate.objects.filter(
        Q(rate_card__contract_id__in=contract_ids)
        | Q(rate_card__client_id__in=client_ids)
        | Q(rate_card__organisation_id__in=org_ids, rate_card__client__isnull=True, rate_card__contract__isnull=True)
    ).values_list(
        "rate_card__contract_id",
        "rate_card__client_id",
        "rate_card__organisation_id",
        "rate_card__currency",
        "valid_from",
        "hourly_rate",
        "role_id",
        "person_id",
    )
    by_contract: dict[int, list[CardRate]] = defaultdict(list)
    by_client: dict[tuple[int, str], list[CardRate]] = defaultdict(list)
    by_org: dict[tuple[int, str], list[CardRate]] = defaultdict(list)
    for contract_id, client_id, org_id, currency, valid_from, rate, role_id, person_id in rows:
        if contract_id is not None:
            by_contract[contract_id].append(CardRate(CONTRACT, valid_from, rate, role_id, person_id))
        elif client_id is not None:
            by_client[(client_id, currency)].append(CardRate(CLIENT, valid_from, rate, role_id, person_id))
        else:
            by_org[(org_id, currency)].append(CardRate(ORGANISATION, valid_from, rate, role_id, person_id))
    return {
        pid: [
            *(by_contract.get(p.contract_id, []) if p.contract_id is not None else []),
            *by_client.get((p.client_id, p.currency), []),
            *by_org.get((p.organisation_id, p.currency), []),
        ]
        for pid, p in projects.items()
    }


@dataclass(frozen=True)
class RateExplanation:
    """Which rate prices a person's hour on a project on a day, and the reasoning, card by card."""

    rate: CardRate | None
    text: str
    steps: list[tuple[str, str, str]]  # (card, target, the rate in force there or "—")


def rate_explained(
    project: Project, *, person_id: int, person_name: str, role_id: int | None, role_name: str, day: date
) -> RateExplanation:
    rates = bill_rates_by_project([project.pk]).get(project.pk, [])
    row = rate_applying(rates, person_id=person_id, role_id=role_id, day=day)
    steps = [
        (c.scope, c.target, f"{c.row.rate.normalize():f} from {c.row.valid_from.isoformat()}" if c.row else "—")
        for c in candidates(rates, person_id=person_id, role_id=role_id, day=day)
    ]
    return RateExplanation(
        row, explain(row, person_name=person_name, role_name=role_name, currency=project.currency), steps
    )


def bill_rates_of(project_id: int) -> list[BillRate]:
    """The rows of the rate card of a project's contract (what the project's Rates tab edits)."""
    return list(
        BillRate.objects.filter(rate_card__contract__covered__project_id=project_id)
        .select_related("role", "person")
        # Role rates first, then personal overrides, the same on both databases (NULLs sort differently).
        .order_by(F("role__name").asc(nulls_last=True), F("person__name").asc(nulls_last=True), "valid_from")
    )


def contract_rates(contract: Contract) -> list[BillRate]:
    """The rows of a contract's own rate card (none when it has no card)."""
    return list(
        BillRate.objects.filter(rate_card__contract=contract)
        .select_related("rate_card", "role", "person")
        .order_by(F("role__name").asc(nulls_first=True), F("person__name").asc(nulls_first=True), "valid_from")
    )


# --- billing increments -----------------------------------------------------------------------------


def billing_increments_by_project(project_ids: Iterable[int]) -> dict[int, BillingIncrement]:
    """The billing increment of each project, in one query: its contract's when the contract sets one (with
    its rounding, or the client's when it sets none), else the project's client's."""
    rows = Project.objects.filter(id__in=list(project_ids)).values_list(
        "id",
        "client__billing_increment_minutes",
        "client__billing_rounding",
        "coverage__contract__billing_increment_minutes",
        "coverage__contract__billing_rounding",
    )
    table: dict[int, BillingIncrement] = {}
    for project_id, client_step, client_rounding, contract_step, contract_rounding in rows:
        if contract_step is not None:
            table[project_id] = BillingIncrement(contract_step, contract_rounding or client_rounding)
        else:
            table[project_id] = BillingIncrement(client_step, client_rounding)
    return table


def billing_increment_of(project: Project) -> tuple[BillingIncrement, str, BillingIncrement]:
    """(what applies to the project's time, "project" (its contract) or "client", the client's own increment)."""
    client = project.client
    own = BillingIncrement(client.billing_increment_minutes, client.billing_rounding)
    effective = billing_increments_by_project([project.pk])[project.pk]
    overridden = CoveredProject.objects.filter(
        project_id=project.pk, contract__billing_increment_minutes__isnull=False
    ).exists()
    return effective, "project" if overridden else "client", own
