"""Bill rates (per role, per-person overrides, dated) and cost rates: audited, validated, scoped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.accounts.models import Membership, Person, Role
from margin.accounts.queries import viewer_for
from margin.contracts.actions import bill_rate_set
from margin.contracts.models import BillRate
from margin.contracts.pricing import rate_applying as bill_rate_for
from margin.contracts.queries import bill_rates_by_project, bill_rates_of
from margin.core.errors import Forbidden, Invalid, NotFound
from margin.rates.actions import cost_rate_set
from margin.rates.models import CostRate
from margin.rates.queries import cost_rates_by_person, cost_rates_of
from tests.checks import audit_row, audit_rows, refused
from tests.firm import RATE_FROM, Firm

APRIL = date(2026, 4, 1)


def test_bill_rate_set_for_a_role_from_a_date(firm: Firm) -> None:
    rate = bill_rate_set(
        viewer=firm.manager, project=firm.project, role=firm.consultant, valid_from=APRIL, hourly_rate=Decimal("120")
    )
    assert (rate.rate_card.contract.covered.get().project_id, rate.rate_card.currency, rate.hourly_rate) == (
        firm.project.pk,
        "USD",
        120,
    )
    row = audit_row("bill_rate.set", rate)
    assert row.actor_id == firm.manager_user.pk and row.before is None
    assert row.after == {
        "project": firm.project.pk,
        "role": firm.consultant.pk,
        "person": None,
        "valid_from": "2026-04-01",
        "hourly_rate": "120",
    }
    table = bill_rates_by_project([firm.project.pk])[firm.project.pk]
    role_id = firm.consultant.pk
    assert bill_rate_for(table, person_id=0, role_id=role_id, day=date(2026, 3, 31)).rate == 100  # type: ignore[union-attr]
    assert bill_rate_for(table, person_id=0, role_id=role_id, day=APRIL).rate == 120  # type: ignore[union-attr]


def test_setting_the_same_date_again_replaces_the_rate(firm: Firm) -> None:
    first = bill_rate_set(
        viewer=firm.finance, project=firm.project, role=firm.consultant, valid_from=RATE_FROM, hourly_rate=Decimal(105)
    )
    assert (
        BillRate.objects.filter(rate_card__contract__covered__project=firm.project, role=firm.consultant).count() == 1
    )
    row = audit_rows("bill_rate.set", first)[-1]
    assert (row.actor_id, row.before) == (firm.finance_user.pk, {"hourly_rate": "100.0000"})
    assert row.after["hourly_rate"] == "105"


def test_person_override(firm: Firm) -> None:
    override = bill_rate_set(
        viewer=firm.manager,
        project=firm.project,
        person=firm.member_person,
        valid_from=APRIL,
        hourly_rate=Decimal("95.5"),
    )
    assert audit_row("bill_rate.set", override).after["person"] == firm.member_person.pk
    table = bill_rates_by_project([firm.project.pk])[firm.project.pk]
    tom, role = firm.member_person.pk, firm.consultant.pk
    assert bill_rate_for(table, person_id=tom, role_id=role, day=APRIL).rate == Decimal("95.5")  # type: ignore[union-attr]
    assert bill_rate_for(table, person_id=tom, role_id=role, day=date(2026, 3, 1)).rate == 100  # type: ignore[union-attr]
    lea = firm.member2_person.pk
    assert bill_rate_for(table, person_id=lea, role_id=role, day=APRIL).rate == 100  # type: ignore[union-attr]
    assert [r.person_id for r in bill_rates_of(firm.project.pk)] == [None, None, firm.member_person.pk]


@pytest.mark.parametrize(
    ("rate", "match"),
    [
        (Decimal("-1"), "between 0 and 1,000,000"),
        (Decimal("1000000"), "between 0 and 1,000,000"),
        (Decimal("1e30"), "between 0 and 1,000,000"),
        (Decimal("NaN"), "between 0 and 1,000,000"),
        (Decimal("Infinity"), "between 0 and 1,000,000"),
        (Decimal("10.12345"), "4 decimals"),
    ],
)
def test_bill_rate_set_refuses_bad_rates(firm: Firm, rate: Decimal, match: str) -> None:
    with refused(Invalid, match=match):
        bill_rate_set(viewer=firm.manager, project=firm.project, role=firm.senior, valid_from=APRIL, hourly_rate=rate)


def test_bill_rate_set_refusals(firm: Firm) -> None:
    base = {"project": firm.project, "valid_from": APRIL, "hourly_rate": Decimal("1")}
    with refused(Invalid, match="either a role or a person"):
        bill_rate_set(viewer=firm.manager, role=firm.senior, person=firm.member_person, **base)  # type: ignore[arg-type]
    with refused(Invalid, match="either a role or a person"):
        bill_rate_set(viewer=firm.manager, **base)  # type: ignore[arg-type]
    with refused(Forbidden):
        bill_rate_set(viewer=firm.member, role=firm.senior, **base)  # type: ignore[arg-type]
    rival_role = Role.objects.get(organisation_id=firm.other_admin.organisation_id)
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        bill_rate_set(viewer=firm.manager, role=rival_role, **base)  # type: ignore[arg-type]
    with refused(NotFound):
        bill_rate_set(viewer=firm.manager, person=rival_person, **base)  # type: ignore[arg-type]
    with refused(NotFound):  # an admin of the rival firm cannot price our project
        bill_rate_set(viewer=firm.other_admin, role=rival_role, **base)  # type: ignore[arg-type]
    with refused(NotFound):
        bill_rate_set(
            viewer=firm.admin, project=firm.other_project, role=firm.senior, valid_from=APRIL, hourly_rate=Decimal(1)
        )


def test_cost_rate_set(firm: Firm) -> None:
    rate = cost_rate_set(viewer=firm.finance, person=firm.member_person, valid_from=APRIL, hourly_cost=Decimal("42.5"))
    assert (rate.currency, rate.organisation_id) == ("USD", firm.admin.organisation_id)
    row = audit_row("cost_rate.set", rate)
    assert row.actor_id == firm.finance_user.pk and row.before is None
    assert row.after == {"person": firm.member_person.pk, "valid_from": "2026-04-01", "hourly_cost": "42.5"}
    assert [r.hourly_cost for r in cost_rates_of(firm.member_person.pk)] == [40, Decimal("42.5")]
    assert len(cost_rates_by_person([firm.member_person.pk])[firm.member_person.pk]) == 2
    again = cost_rate_set(viewer=firm.admin, person=firm.member_person, valid_from=APRIL, hourly_cost=Decimal(44))
    assert again.pk == rate.pk and audit_rows("cost_rate.set", rate)[-1].before == {"hourly_cost": "42.5000"}


def test_cost_rate_set_refusals(firm: Firm) -> None:
    with refused(Forbidden, match="finance"):
        cost_rate_set(viewer=firm.manager, person=firm.member_person, valid_from=APRIL, hourly_cost=Decimal(1))
    rival_person = Person.objects.get(organisation_id=firm.other_admin.organisation_id)
    with refused(NotFound):
        cost_rate_set(viewer=firm.finance, person=rival_person, valid_from=APRIL, hourly_cost=Decimal(1))
    with refused(Invalid):
        cost_rate_set(viewer=firm.finance, person=firm.member_person, valid_from=APRIL, hourly_cost=Decimal(-5))
    Membership.objects.get(user=firm.finance_user).companies.set([firm.eur])
    with refused(NotFound):  # finance restricted to the EUR company cannot price the USD company's people
        cost_rate_set(
            viewer=viewer_for(firm.finance_user), person=firm.member_person, valid_from=APRIL, hourly_cost=Decimal(1)
        )
    assert CostRate.objects.filter(person=firm.member_person).count() == 1
