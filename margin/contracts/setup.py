"""The New project flow in one transaction: a project — blank, from a template or as a copy of another — with its
members and its rate card.

The project and its plan are ``margin.projects``'s (``project_create``, ``project_copy``, ``project_member_add``),
the rate card is its contract's, this app's (``rate_card_save``, ``billing_increment_set``); contracts sit above
projects, so the use case that needs both lives here. Each step keeps its own checks and audit row; any refusal and
nothing is kept.
The MS Project / Jira / Trello file flow calls this, then the importer, in the same transaction
(``margin.integrations.projectfile``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.contracts.actions import RateRow, billing_increment_set, contract_of_project_ensure, rate_card_save
from margin.contracts.queries import bill_rates_of, contract_of
from margin.core.errors import Invalid
from margin.crm.models import Client
from margin.projects.actions import project_copy, project_create, project_member_add
from margin.projects.models import Project, ProjectStatus
from margin.projects.planning import project_start_of


def rate_rows_of(project: Project) -> list[RateRow]:
    """A project's rate card as table rows (role rates first, then personal overrides, by date)."""
    rows = [RateRow(r.valid_from, r.hourly_rate, role=r.role, person=r.person) for r in bill_rates_of(project.pk)]
    return sorted(rows, key=lambda r: (r.role is None, r.who, r.valid_from))


def _copy_card(viewer: Viewer, source: Project, project: Project) -> None:
    """The source's rates and billing increment, when it bills in the same currency; else the caller must say."""
    contract = contract_of(source)
    if contract is None:
        return
    rows = rate_rows_of(source)
    if rows and source.currency != project.currency:
        raise Invalid(
            f"The rates of {source.code} are in {source.currency} and {project.code} bills in {project.currency}: "
            "give the new project's rates.",
            field="rates",
        )
    if rows:
        rate_card_save(viewer=viewer, project=project, rows=rows)
    if contract.billing_increment_minutes is not None:
        billing_increment_set(
            viewer=viewer,
            project=project,
            minutes=contract.billing_increment_minutes,
            rounding=contract.billing_rounding,
        )


@transaction.atomic
def project_setup(
    *,
    viewer: Viewer,
    company: Company,
    client: Client,
    manager: Person,
    code: str,
    name: str,
    start_date: date | None = None,
    end_date: date | None = None,
    budget_minutes: int = 0,
    budget_amount_minor: int = 0,
    status: str = ProjectStatus.ACTIVE,
    is_template: bool = False,
    source: Project | None = None,
    members: Sequence[Person] = (),
    rates: Sequence[RateRow] | None = None,
    move_to_working_day: bool = False,
) -> Project:
    """Create a project (``source`` None: blank; else from the template or project ``source``, whose plan is copied
    with dates relative to ``start_date``), add ``members`` and set its rate card: ``rates`` when given (the whole
    table; empty: no rates), else the source's (refused when the source bills in another currency)."""
    if source is None:
        project = project_create(
            viewer=viewer,
            company=company,
            client=client,
            manager=manager,
            code=code,
            name=name,
            start_date=start_date,
            end_date=end_date,
            budget_minutes=budget_minutes,
            budget_amount_minor=budget_amount_minor,
            status=status,
            is_template=is_template,
        )
        for person in members:
            project_member_add(viewer=viewer, project=project, person=person)
    else:
        if start_date is None:
            raise Invalid(
                f"Give the day the new project starts: the plan of {source.code} moves to it.", field="start_date"
            )
        project = project_copy(
            viewer=viewer,
            source=source,
            company=company,
            client=client,
            manager=manager,
            code=code,
            name=name,
            start_date=start_date,
            end_date=end_date,
            budget_minutes=budget_minutes,
            budget_amount_minor=budget_amount_minor,
            status=status,
            is_template=is_template,
            members=members,
            move_to_working_day=move_to_working_day,
        )
    if rates is not None:
        if rates:
            rate_card_save(viewer=viewer, project=project, rows=rates)
    elif source is not None:
        _copy_card(viewer, source, project)
    if not project.is_template:
        # Every project is billed under a contract: its own time-and-materials one until finance moves it.
        contract_of_project_ensure(viewer=viewer, project=project)
    project.refresh_from_db()  # and forget the rate card cached on it before the increment was set
    return project


@transaction.atomic
def project_template_save(*, viewer: Viewer, project: Project, code: str, name: str) -> Project:
    """Save as template: a template with the project's plan (from the project's start, or the next working day),
    its budgets and rate card, its company, client and manager; not its team, time or progress."""
    return project_setup(
        viewer=viewer,
        source=project,
        company=project.company,
        client=project.client,
        manager=project.manager,
        code=code,
        name=name,
        start_date=project_start_of(project),
        budget_minutes=project.budget_minutes,
        budget_amount_minor=project.budget_amount_minor,
        status=ProjectStatus.PLANNED,
        is_template=True,
        move_to_working_day=True,
    )
