"""Time is valued in one currency: people costed in another currency cannot join or be valued yet
(ADR 0006); imports follow the membership rule; a week is found from any of its days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from margin.accounts.actions import person_create
from margin.contracts.pricing import CardRate
from margin.core.errors import Forbidden, Invalid
from margin.core.periods import week_start
from margin.projects.models import ProjectMember
from margin.rates.rules import DatedRate
from margin.timesheets.actions import ImportRow, time_entries_import, time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.rules import value_entry
from tests.checks import refused
from tests.firm import Firm


def _eur_person(firm: Firm):  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username="eva", password="x")
    return person_create(
        viewer=firm.admin,
        company=firm.eur,
        role=firm.consultant,
        name="Eva",
        email="eva@example.test",
        user=user,
        access_role="member",
    )


def test_a_person_of_another_currency_cannot_join_a_project(firm: Firm) -> None:
    from margin.projects.actions import project_member_add

    eva = _eur_person(firm)
    with refused(Invalid, match="costed in EUR"):
        project_member_add(viewer=firm.manager, project=firm.project, person=eva)
    assert not ProjectMember.objects.filter(project=firm.project, person=eva).exists()


def test_valuation_refuses_a_cost_rate_in_another_currency() -> None:
    day = date(2026, 3, 2)

    def valued_with_cost_in(cost_currency: str):  # type: ignore[no-untyped-def]
        return value_entry(
            minutes=60,
            billable=True,
            work_date=day,
            person_id=1,
            person_name="Eva",
            role_id=1,
            currency="USD",
            bill_rates=[CardRate("contract", valid_from=day, rate=Decimal(100), role_id=1)],
            cost_rates=[DatedRate(day, Decimal(50), person_id=1, currency=cost_currency)],
        )

    with pytest.raises(Invalid, match="cost rate is in EUR but the project is in USD"):
        valued_with_cost_in("EUR")
    valued = valued_with_cost_in("USD")
    assert (valued.bill_amount_minor, valued.cost_amount_minor) == (10000, 5000)


def test_import_refuses_a_person_who_is_not_on_the_project(firm: Firm) -> None:
    eva = _eur_person(firm)
    day = timezone.localdate() - timedelta(days=3)
    rows = [
        ImportRow(
            project_id=firm.project.pk,
            task_id=firm.build.pk,
            person_id=firm.member_person.pk,
            work_date=day,
            minutes=60,
        ),
        ImportRow(project_id=firm.project.pk, task_id=firm.build.pk, person_id=eva.pk, work_date=day, minutes=60),
    ]
    with refused(Forbidden, match="Row 2: .* not a member"):
        time_entries_import(viewer=firm.admin, rows=rows)
    assert len(time_entries_import(viewer=firm.admin, rows=rows[:1])) == 1


def test_submit_takes_the_week_of_any_day(firm: Firm) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=60)
    assert time_entries_submit(viewer=firm.member, monday=monday + timedelta(days=3)) == 1
    assert TimeEntry.objects.get(pk=entry.pk).status == EntryStatus.SUBMITTED
