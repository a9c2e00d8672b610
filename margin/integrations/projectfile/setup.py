"""A new project from a file, all or nothing: the project with its members and rates (``contracts.setup.project_setup``)
and the file's plan through the existing importer (MS Project XML: ``project_import_mspdi``; Jira or Trello CSV:
``tasks_import``), in one transaction. A bad file, a refused row or a refused detail of the project, and no project
is left behind: the error is the importer's (``field="file"``) or the action's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.contracts.actions import RateRow
from margin.contracts.setup import project_setup
from margin.core.errors import Invalid
from margin.crm.models import Client
from margin.integrations.msproject.exchange import project_import_mspdi
from margin.integrations.sheets.imports import tasks_import
from margin.projects.models import Project, ProjectStatus

SYSTEMS = {"msproject": "MS Project XML", "jira": "Jira CSV", "trello": "Trello CSV"}


@dataclass(frozen=True)
class FromFile:
    project: Project
    tasks: int
    warnings: tuple[str, ...]


@transaction.atomic
def project_create_from_file(
    *,
    viewer: Viewer,
    system: str,
    data: bytes,
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
    members: Sequence[Person] = (),
    rates: Sequence[RateRow] | None = None,
) -> FromFile:
    """Create the project (blank), then import the file's plan into it; the members are added first, so Jira and
    Trello rows can be assigned to them."""
    if system not in SYSTEMS:
        raise Invalid(f"Unknown kind of file {system!r}; use one of {', '.join(SYSTEMS)}.", field="system")
    if not data:
        raise Invalid("Choose a file to import.", field="file")
    project = project_setup(
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
        members=members,
        rates=rates,
    )
    if system == "msproject":
        result = project_import_mspdi(viewer=viewer, project=project, data=data)
        return FromFile(project, result.tasks, result.warnings)
    return FromFile(project, tasks_import(viewer=viewer, project=project, system=system, data=data), ())
