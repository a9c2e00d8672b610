"""Reads of expenses and the access functions: your own claims, the claims you may approve, and
(finance, admins) every claim of your companies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import Invalid, NotFound
from margin.expenses.models import (
    ClaimStatus,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseLine,
    MileageRate,
    PerDiemRate,
    Receipt,
)
from margin.rates.queries import exchange_rate_find


def claims_visible(viewer: Viewer) -> QuerySet[ExpenseClaim]:
    """Your own claims; submitted (or later) claims with a line on a project you manage; every claim of
    your companies for finance."""
    scope: Q = Q(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if not viewer.is_finance:
        if viewer.person_id is None:
            return ExpenseClaim.objects.none()
        managed = ExpenseLine.objects.filter(claim_id=OuterRef("pk"), project__manager_id=viewer.person_id)
        # A manager sees claims on their projects once submitted, not the drafts being written.
        scope = scope & (Q(person_id=viewer.person_id) | (Q(Exists(managed)) & ~Q(status=ClaimStatus.DRAFT)))
    return ExpenseClaim.objects.filter(scope).select_related("person")


def claim_get(viewer: Viewer, claim_id: int) -> ExpenseClaim:
    claim = claims_visible(viewer).select_related("company").filter(id=claim_id).first()
    if claim is None:
        raise NotFound("No such expense claim.")
    return claim


def line_get(viewer: Viewer, line_id: int) -> ExpenseLine:
    line = (
        ExpenseLine.objects.filter(id=line_id, claim__in=claims_visible(viewer))
        .select_related("claim", "category", "project")
        .first()
    )
    if line is None:
        raise NotFound("No such expense line.")
    return line


def receipt_get(viewer: Viewer, receipt_id: int) -> Receipt:
    receipt = (
        Receipt.objects.filter(id=receipt_id, line__claim__in=claims_visible(viewer)).select_related("line").first()
    )
    if receipt is None:
        raise NotFound("No such receipt.")
    return receipt


def lines_of(claim: ExpenseClaim) -> QuerySet[ExpenseLine]:
    return (
        ExpenseLine.objects.filter(claim=claim)
        .select_related("category", "project", "task")
        .prefetch_related("receipts")
        .order_by("date", "id")
    )


def claims_to_approve(viewer: Viewer) -> QuerySet[ExpenseClaim]:
    """Submitted claims the viewer may decide: finance sees every one of their companies (but their
    own, unless admin); a manager sees those whose every project line is on a project they manage."""
    submitted = claims_visible(viewer).filter(status=ClaimStatus.SUBMITTED)
    if viewer.is_admin:
        return submitted
    if viewer.person_id is not None:
        submitted = submitted.exclude(person_id=viewer.person_id)
    if viewer.is_finance:
        return submitted
    if viewer.person_id is None:
        return submitted.none()
    foreign = ExpenseLine.objects.filter(claim_id=OuterRef("pk")).exclude(project__manager_id=viewer.person_id)
    return submitted.exclude(Exists(foreign))


def categories_visible(viewer: Viewer) -> QuerySet[ExpenseCategory]:
    return ExpenseCategory.objects.filter(organisation_id=viewer.organisation_id).order_by("name")


def category_get(viewer: Viewer, category_id: int) -> ExpenseCategory:
    category = categories_visible(viewer).filter(id=category_id).first()
    if category is None:
        raise NotFound("No such expense category.")
    return category


def mileage_rate_on(company_id: int, unit: str, day: date) -> MileageRate:
    rate = MileageRate.objects.filter(company_id=company_id, unit=unit, valid_from__lte=day).order_by("-valid_from")
    found = rate.first()
    if found is None:
        raise Invalid(f"No mileage rate per {unit} on or before {day.isoformat()}.", field="distance")
    return found


def per_diem_rate_on(company_id: int, country: str, day: date) -> PerDiemRate:
    rate = PerDiemRate.objects.filter(company_id=company_id, country=country, valid_from__lte=day).order_by(
        "-valid_from"
    )
    found = rate.first()
    if found is None:
        raise Invalid(f"No per-diem rate for {country} on or before {day.isoformat()}.", field="country")
    return found


def exchange_rate(organisation_id: int, from_ccy: str, to_ccy: str, day: date) -> tuple[Decimal, date]:
    """The rate (1 from = rate to) that applies on a day, and the date of the quote it came from
    (`margin.rates.queries.exchange_rate_find`). Invalid, naming the pair and the date, when there is none."""
    found = exchange_rate_find(organisation_id, from_ccy, to_ccy, day)
    return found.rate, found.day or day
