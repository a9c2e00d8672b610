"""Reads of rate tables, shaped for the pure rules in rates.rules (one query per table)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import Forbidden
from margin.rates.models import BillRate, CostRate
from margin.rates.rules import DatedRate


def bill_rates_by_project(project_ids: Iterable[int]) -> dict[int, list[DatedRate]]:
    table: dict[int, list[DatedRate]] = defaultdict(list)
    rows = BillRate.objects.filter(rate_card__project_id__in=list(project_ids)).values_list(
        "rate_card__project_id", "valid_from", "hourly_rate", "role_id", "person_id"
    )
    for project_id, valid_from, rate, role_id, person_id in rows:
        table[project_id].append(DatedRate(valid_from=valid_from, rate=rate, role_id=role_id, person_id=person_id))
    return table


def cost_rates_by_person(person_ids: Iterable[int]) -> dict[int, list[DatedRate]]:
    table: dict[int, list[DatedRate]] = defaultdict(list)
    rows = CostRate.objects.filter(person_id__in=list(person_ids)).values_list(
        "person_id", "valid_from", "hourly_cost", "currency"
    )
    for person_id, valid_from, cost, currency in rows:
        table[person_id].append(DatedRate(valid_from=valid_from, rate=cost, person_id=person_id, currency=currency))
    return table


def bill_rates_of(project_id: int) -> list[BillRate]:
    return list(
        BillRate.objects.filter(rate_card__project_id=project_id)
        .select_related("role", "person")
        # Role rates first, then personal overrides, the same on both databases (NULLs sort differently).
        .order_by(F("role__name").asc(nulls_last=True), F("person__name").asc(nulls_last=True), "valid_from")
    )


def cost_rates_of(person_id: int) -> list[CostRate]:
    return list(CostRate.objects.filter(person_id=person_id).order_by("valid_from"))


def cost_rates_visible(viewer: Viewer, person: Person) -> list[CostRate]:
    """A person's cost rates: what their hours cost the firm, which only finance and admins see."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may see cost rates.")
    return cost_rates_of(person.pk)
