"""Writes on rate cards and cost rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.projects.actions import baseline_save
from margin.projects.models import Baseline, Project
from margin.projects.queries import can_manage, in_scope
from margin.rates.costing import planned_task_costs
from margin.rates.models import BillRate, CostRate, RateCard

MAX_RATE = Decimal("1000000")


def _check_rate(rate: Decimal, field: str) -> None:
    if not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
        raise Invalid("A rate must be between 0 and 1,000,000 per hour.", field=field)
    if rate != rate.quantize(Decimal("0.0001")):
        raise Invalid("A rate has at most 4 decimals.", field=field)


@transaction.atomic
def bill_rate_set(
    *,
    viewer: Viewer,
    project: Project,
    valid_from: date,
    hourly_rate: Decimal,
    role: Role | None = None,
    person: Person | None = None,
) -> BillRate:
    """Set the bill rate of a role (or a person's override) on a project from a date on."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not (can_manage(viewer, project) or viewer.is_finance):
        raise Forbidden("Only the project's manager or finance may set its rates.")
    if (role is None) == (person is None):
        raise Invalid("Give either a role or a person, not both.", field="role")
    for other in (role, person):
        if other is not None and other.organisation_id != viewer.organisation_id:
            raise NotFound("No such role or person.")
    _check_rate(hourly_rate, "hourly_rate")
    card, _ = RateCard.objects.get_or_create(
        project=project, defaults={"organisation_id": project.organisation_id, "currency": project.currency}
    )
    existing = BillRate.objects.filter(rate_card=card, role=role, person=person, valid_from=valid_from).first()
    before = {"hourly_rate": str(existing.hourly_rate)} if existing else None
    rate, _ = BillRate.objects.update_or_create(
        rate_card=card, role=role, person=person, valid_from=valid_from, defaults={"hourly_rate": hourly_rate}
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="bill_rate.set",
        obj=rate,
        before=before,
        after={
            "project": project.pk,
            "role": getattr(role, "pk", None),
            "person": getattr(person, "pk", None),
            "valid_from": valid_from.isoformat(),
            "hourly_rate": str(hourly_rate),
        },
    )
    return rate


@transaction.atomic
def cost_rate_set(*, viewer: Viewer, person: Person, valid_from: date, hourly_cost: Decimal) -> CostRate:
    """What an hour of this person costs the firm from a date on (in their company's currency)."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may set cost rates.")
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    _check_rate(hourly_cost, "hourly_cost")
    existing = CostRate.objects.filter(person=person, valid_from=valid_from).first()
    before = {"hourly_cost": str(existing.hourly_cost)} if existing else None
    rate, _ = CostRate.objects.update_or_create(
        person=person,
        valid_from=valid_from,
        defaults={
            "hourly_cost": hourly_cost,
            "currency": person.company.base_currency,
            "organisation_id": person.organisation_id,
        },
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="cost_rate.set",
        obj=rate,
        before=before,
        after={"person": person.pk, "valid_from": valid_from.isoformat(), "hourly_cost": str(hourly_cost)},
    )
    return rate


@transaction.atomic
def baseline_save_valued(
    *, viewer: Viewer, project: Project, index: int | None = None, name: str | None = None, overwrite: bool = False
) -> Baseline:
    """Save the current plan as a baseline with each task's planned cost (``margin.rates.costing``).

    Every caller that saves a baseline goes through here, so no baseline is saved without its costs. The
    permission checks and the audit row are ``projects.actions.baseline_save``'s; the costs are read in the
    same transaction, under the plan's lock (taken here first, so the costs and the dates are of one plan)."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may change the plan.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    return baseline_save(
        viewer=viewer,
        project=project,
        index=index,
        name=name,
        overwrite=overwrite,
        task_costs=planned_task_costs(project),
    )
