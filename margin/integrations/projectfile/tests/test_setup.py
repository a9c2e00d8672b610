"""A new project from a file: the project, its members and rates and the file's plan in one transaction; a bad
file or a refused detail leaves no project behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from margin.contracts.actions import RateRow
from margin.contracts.queries import bill_rates_of
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.integrations.conftest import Planned
from margin.integrations.msproject.exchange import project_export_mspdi
from margin.integrations.projectfile.setup import project_create_from_file
from margin.integrations.sheets.tests.test_import import JIRA
from margin.projects.models import Dependency, Project, Task
from tests.checks import assigned, audit_row, refused
from tests.firm import Firm

START = date(2026, 3, 2)


def _from_file(firm: Firm, system: str, data: bytes, **overrides: object) -> Project:
    values: dict[str, object] = {
        "viewer": firm.manager,
        "system": system,
        "data": data,
        "company": firm.usd,
        "client": firm.client,
        "manager": firm.manager_person,
        "code": "FILE-1",
        "name": "From a file",
        "start_date": START,
        "members": [firm.member_person],
        "rates": [RateRow(START, Decimal(120), role=firm.consultant)],
        **overrides,
    }
    return project_create_from_file(**values).project  # type: ignore[arg-type]


def test_an_ms_project_file_becomes_a_new_project(planned: Planned) -> None:
    firm = planned.firm
    project = _from_file(firm, "msproject", project_export_mspdi(firm.project, costs=True))
    tasks = Task.objects.filter(project=firm.project).count()
    assert Task.objects.filter(project=project).count() == tasks == 6
    assert Dependency.objects.filter(project=project).count() == 4
    assert [r.role.name for r in bill_rates_of(project.pk) if r.role] == ["Consultant"]
    assert set(project.memberships.values_list("person__name", flat=True)) == {"Maya", "Tom"}
    assert audit_row("project.import_mspdi", project).after["tasks"] == 6
    assert audit_row("project.create", project)


def test_a_jira_file_assigns_rows_to_the_members_given(firm: Firm) -> None:
    project = _from_file(firm, "jira", JIRA)
    tasks = {t.name: t for t in Task.objects.filter(project=project)}
    assert set(tasks) == {"Relaunch", "Subtask first", "Design pages", "Unknown person"}
    assert assigned(tasks["Design pages"]) == ["Tom"]


@pytest.mark.parametrize(
    ("system", "data", "overrides", "error", "match"),
    [
        ("msproject", b"<Project><Tasks>", {}, Invalid, ""),
        ("msproject", b"", {}, Invalid, "Choose a file"),
        ("jira", b"Summary,Status\r\n,Done\r\n", {}, Invalid, "Columns missing"),
        ("trello", JIRA, {}, Invalid, ""),
        ("excel", JIRA, {}, Invalid, "Unknown kind of file"),
        ("jira", JIRA, {"code": "GLX-1"}, Conflict, "exists already"),
        ("jira", JIRA, {"rates": [RateRow(START, Decimal(-1), role=None)]}, Invalid, "Row 1"),
        ("jira", JIRA, {"manager": "member2_person"}, Forbidden, ""),
    ],
)
def test_a_bad_file_or_detail_leaves_no_project(
    firm: Firm, system: str, data: bytes, overrides: dict[str, object], error: type, match: str
) -> None:
    if overrides.get("manager") == "member2_person":
        overrides = {**overrides, "manager": firm.member2_person}
    with refused(error, match=match or None):
        _from_file(firm, system, data, **overrides)
