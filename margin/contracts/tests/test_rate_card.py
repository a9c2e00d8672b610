"""The rate card as a table (rate_card_save) and the New project flow's one transaction (project_setup)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.accounts import actions as accounts
from margin.contracts.actions import RateRow, billing_increment_set, rate_card_save
from margin.contracts.models import BillRate
from margin.contracts.queries import bill_rates_of
from margin.contracts.setup import project_setup, rate_rows_of
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.projects import actions as projects
from margin.projects.models import Project, Task
from tests.checks import audit_row, audit_rows, refused
from tests.firm import RATE_FROM, Firm

JAN = date(2027, 1, 1)


def _table(project: Project) -> set[tuple[str, date, Decimal]]:
    return {((r.role or r.person).name, r.valid_from, r.hourly_rate) for r in bill_rates_of(project.pk)}  # type: ignore[union-attr]


def test_the_table_adds_changes_and_removes_rows_with_one_audit_row(firm: Firm) -> None:
    rows = [
        RateRow(RATE_FROM, Decimal(100), role=firm.consultant),
        RateRow(JAN, Decimal("110.50"), role=firm.consultant),  # a raise from January: the 2020 rate stays history
        RateRow(RATE_FROM, Decimal(140), role=firm.senior),  # was 150
        RateRow(RATE_FROM, Decimal(90), person=firm.member_person),  # Tom's override
    ]
    rate_card_save(viewer=firm.manager, project=firm.project, rows=rows)
    assert _table(firm.project) == {
        ("Consultant", RATE_FROM, Decimal(100)),
        ("Consultant", JAN, Decimal("110.50")),
        ("Senior Consultant", RATE_FROM, Decimal(140)),
        ("Tom", RATE_FROM, Decimal(90)),
    }
    row = audit_row("rate_card.save")
    assert row.actor_id == firm.manager_user.pk and len(row.before["rates"]) == 2 and len(row.after["rates"]) == 4
    rate_card_save(viewer=firm.finance, project=firm.project, rows=rows[:2])  # finance may too; two rows removed
    assert _table(firm.project) == {("Consultant", RATE_FROM, Decimal(100)), ("Consultant", JAN, Decimal("110.50"))}
    rate_card_save(viewer=firm.finance, project=firm.project, rows=rows[:2])  # the same table again: no change
    assert len(audit_rows("rate_card.save")) == 2


@pytest.mark.parametrize(
    ("rows", "error", "match"),
    [
        (
            lambda f: [RateRow(JAN, Decimal(100), role=f.consultant), RateRow(JAN, Decimal(120), role=f.consultant)],
            Invalid,
            "Consultant has two rates from 2027-01-01",
        ),
        (
            lambda f: [
                RateRow(JAN, Decimal(1), person=f.member_person),
                RateRow(JAN, Decimal(2), person=f.member_person),
            ],
            Invalid,
            "Tom has two rates from 2027-01-01",
        ),
        (lambda f: [RateRow(JAN, Decimal(1), role=f.consultant, person=f.member_person)], Invalid, "not both"),
        (lambda f: [RateRow(JAN, Decimal(1))], Invalid, "Row 1: give either a role or a person"),
        (lambda f: [RateRow(JAN, Decimal(-5), role=f.senior)], Invalid, r"Row 1 \(Senior Consultant\): A rate must be"),
        (lambda f: [RateRow(JAN, Decimal("1.00001"), role=f.senior)], Invalid, "at most 4 decimals"),
        (lambda f: [RateRow(date(1900, 1, 1), Decimal(1), role=f.senior)], Invalid, "between 1990 and 2199"),
    ],
)
def test_bad_tables_change_nothing(firm: Firm, rows: object, error: type, match: str) -> None:
    with refused(error, firm.project, match=match):
        rate_card_save(viewer=firm.manager, project=firm.project, rows=rows(firm))  # type: ignore[operator]


def test_who_may_save_the_table(firm: Firm) -> None:
    rows = [RateRow(JAN, Decimal(1), role=firm.consultant)]
    with refused(Forbidden):
        rate_card_save(viewer=firm.member, project=firm.project, rows=rows)
    with refused(NotFound):
        rate_card_save(viewer=firm.other_admin, project=firm.project, rows=rows)
    with refused(NotFound):
        rate_card_save(viewer=firm.admin, project=firm.project, rows=[RateRow(JAN, Decimal(1), role=_rival_role(firm))])


def _rival_role(firm: Firm) -> object:
    from margin.accounts.models import Role

    return Role.objects.get(organisation_id=firm.other_admin.organisation_id)


def test_an_archived_project_refuses_its_rates(firm: Firm) -> None:
    projects.project_update(viewer=firm.manager, project=firm.project, status="closed")
    projects.project_archive(viewer=firm.manager, project=firm.project)
    project = Project.objects.get(pk=firm.project.pk)
    with refused(Conflict, project, match="archived"):
        rate_card_save(viewer=firm.finance, project=project, rows=[RateRow(JAN, Decimal(1), role=firm.senior)])
    with refused(Conflict, project, match="archived"):
        billing_increment_set(viewer=firm.finance, project=project, minutes=15)


# --- project_setup ------------------------------------------------------------------------------------


def _setup(firm: Firm, **overrides: object) -> Project:
    values: dict[str, object] = {
        "viewer": firm.manager,
        "company": firm.usd,
        "client": firm.client,
        "manager": firm.manager_person,
        "code": "NEW-1",
        "name": "New one",
        "start_date": date(2026, 3, 2),
        **overrides,
    }
    return project_setup(**values)  # type: ignore[arg-type]


def test_a_blank_project_with_members_and_rates(firm: Firm) -> None:
    project = _setup(
        firm,
        budget_minutes=100 * 60,
        budget_amount_minor=1_500_000,
        members=[firm.member_person, firm.member2_person],
        rates=[RateRow(RATE_FROM, Decimal(95), role=firm.consultant)],
    )
    assert set(project.memberships.values_list("person__name", flat=True)) == {"Maya", "Tom", "Lea"}
    assert _table(project) == {("Consultant", RATE_FROM, Decimal(95))}
    assert project.coverage.contract.rate_card.currency == "USD"
    assert len(audit_rows("project.member_add")) == 2 + 2  # the firm's two, and these two
    assert audit_row("rate_card.save").after["project"] == project.pk


def test_from_a_template_the_rates_and_increment_come_along_unless_a_table_is_given(firm: Firm) -> None:
    template = _setup(firm, code="TPL", name="Template", is_template=True, rates=rate_rows_of(firm.project))
    billing_increment_set(viewer=firm.manager, project=template, minutes=15, rounding="up")
    projects.task_create(viewer=firm.manager, project=template, name="Kick-off")
    made = _setup(firm, source=template, start_date=date(2026, 4, 6))
    assert _table(made) == _table(firm.project)
    assert (made.coverage.contract.billing_increment_minutes, made.coverage.contract.billing_rounding) == (15, "up")
    assert list(Task.objects.filter(project=made).values_list("name", flat=True)) == ["Kick-off"]
    own = _setup(firm, code="NEW-2", source=template, rates=[RateRow(JAN, Decimal(200), role=firm.senior)])
    assert _table(own) == {("Senior Consultant", JAN, Decimal(200))}
    bare = _setup(firm, code="NEW-3", source=template, rates=[])
    assert not BillRate.objects.filter(rate_card__contract__covered__project=bare).exists()


def test_setup_refusals_change_nothing(firm: Firm) -> None:
    eur_boss = accounts.person_create(
        viewer=firm.admin, company=firm.eur, role=firm.senior, name="Eve", email="e@x.test"
    )
    with refused(Invalid, match=r"rates of GLX-1 are in USD and NEW-1 bills in EUR"):
        _setup(firm, viewer=firm.admin, company=firm.eur, manager=eur_boss, source=firm.project)
    with refused(Invalid, match="Consultant has two rates"):
        _setup(firm, rates=[RateRow(JAN, Decimal(1), role=firm.consultant)] * 2, members=[firm.member_person])
    with refused(Invalid, match="Give the day the new project starts"):
        _setup(firm, source=firm.project, start_date=None)
    with refused(Conflict, match="exists already"):
        _setup(firm, code="GLX-1", rates=[RateRow(JAN, Decimal(1), role=firm.consultant)])
    with refused(Invalid, match="not for the project's company"):
        _setup(firm, viewer=firm.admin, company=firm.eur)
