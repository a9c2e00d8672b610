"""List endpoints cost the same number of queries whatever the number of rows they list.

Each case lists a little, counts the queries, adds more rows, and lists again under
`django_assert_max_num_queries(<the first count>)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.accounts import actions as accounts
from margin.api.tests.conftest import last_monday
from margin.billing.actions import invoice_draft_create
from margin.billing.models import Invoice
from margin.crm import actions as crm
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.rates import actions as rates
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm

serial = count(1)


def _projects(firm: Firm, k: int) -> None:
    """k projects with a task, Tom as member, a rate card and a draft entry of Tom."""
    for _ in range(k):
        project = projects.project_create(
            viewer=firm.admin,
            company=firm.usd,
            client=firm.client,
            manager=firm.manager_person,
            code=f"P-{next(serial)}",
            name="P",
        )
        task = projects.task_create(viewer=firm.admin, project=project, name="Work")
        projects.project_member_add(viewer=firm.admin, project=project, person=firm.member_person)
        rates.bill_rate_set(
            viewer=firm.admin, project=project, role=firm.consultant, valid_from=last_monday(), hourly_rate=Decimal(90)
        )
        time_entry_create(viewer=firm.member, project=project, task=task, work_date=last_monday(), minutes=5)


def _entries(firm: Firm, k: int) -> None:
    """k draft entries of Tom on firm.project, each on a task of its own (so the week grid grows too)."""
    for i in range(k):
        task = projects.task_create(viewer=firm.manager, project=firm.project, name=f"T{next(serial)}")
        time_entry_create(
            viewer=firm.member, project=firm.project, task=task, work_date=last_monday() + timedelta(i % 5), minutes=5
        )


def _submitted(firm: Firm, k: int) -> None:
    _entries(firm, k)
    time_entries_submit(viewer=firm.member, monday=last_monday())


def _approve_all(firm: Firm) -> None:
    time_entries_submit(viewer=firm.member, monday=last_monday())
    ids = list(TimeEntry.objects.filter(status=EntryStatus.SUBMITTED).values_list("id", flat=True))
    time_entries_approve(viewer=firm.admin, entry_ids=ids)


def _invoices(firm: Firm, k: int) -> None:
    _projects(firm, k)
    _approve_all(firm)
    for project in Project.objects.filter(code__startswith="P-", invoices__isnull=True):
        invoice_draft_create(viewer=firm.finance, project=project, up_to=last_monday())


def _invoice_lines(firm: Firm, k: int) -> None:
    """One draft of firm.project whose lines (one per task) grow with k."""
    Invoice.objects.all().delete()
    _entries(firm, k)
    _approve_all(firm)
    invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=last_monday() + timedelta(6))


def _clients(firm: Firm, k: int) -> None:
    for _ in range(k):
        crm.client_create(viewer=firm.admin, name=f"C{next(serial)}", currency="USD")


def _roles(firm: Firm, k: int) -> None:
    for _ in range(k):
        accounts.role_create(viewer=firm.admin, name=f"R{next(serial)}")


def _companies(firm: Firm, k: int) -> None:
    for _ in range(k):
        accounts.company_create(viewer=firm.admin, name=f"Co{next(serial)}", base_currency="USD")


def _people(firm: Firm, k: int) -> None:
    for _ in range(k):
        person = accounts.person_create(
            viewer=firm.admin, company=firm.usd, role=firm.senior, name="P", email=f"p{next(serial)}@example.test"
        )
        projects.project_member_add(viewer=firm.admin, project=firm.project, person=person)


def _users(firm: Firm, k: int) -> None:
    for _ in range(k):
        accounts.user_invite(
            viewer=firm.admin, email=f"u{next(serial)}@example.test", access_role="member", company_ids=[firm.usd.pk]
        )


def _tasks(firm: Firm, k: int) -> None:
    for _ in range(k):
        projects.task_create(viewer=firm.admin, project=firm.project, name="T")


def _bill_rates(firm: Firm, k: int) -> None:
    for _ in range(k):
        day = last_monday() - timedelta(days=next(serial))
        rates.bill_rate_set(
            viewer=firm.admin, project=firm.project, role=firm.consultant, valid_from=day, hourly_rate=Decimal(100)
        )


def _cost_rates(firm: Firm, k: int) -> None:
    for _ in range(k):
        day = last_monday() - timedelta(days=next(serial))
        rates.cost_rate_set(viewer=firm.admin, person=firm.member_person, valid_from=day, hourly_cost=Decimal(40))


def _lines_path(firm: Firm) -> str:
    return f"/invoices/{Invoice.objects.get(project=firm.project).pk}/lines"


def _contacts(firm: Firm, k: int) -> None:
    for _ in range(k):
        crm.contact_create(viewer=firm.admin, client=firm.client, name=f"Contact {next(serial)}")


# name: (who asks, the path, how to add k rows)
CASES: dict[str, tuple[str, Callable[[Firm], str], Callable[[Firm, int], None]]] = {
    "projects": ("admin_user", lambda f: "/projects", _projects),
    "profitability": ("admin_user", lambda f: "/projects/profitability", _projects),
    "clients": ("admin_user", lambda f: "/clients", _clients),
    "contacts": ("manager_user", lambda f: f"/clients/{f.client.pk}/contacts", _contacts),
    "roles": ("admin_user", lambda f: "/roles", _roles),
    "companies": ("admin_user", lambda f: "/companies", _companies),
    "people": ("admin_user", lambda f: "/people", _people),
    "users": ("admin_user", lambda f: "/users", _users),
    "members": ("admin_user", lambda f: f"/projects/{f.project.pk}/members", _people),
    "tasks": ("admin_user", lambda f: f"/projects/{f.project.pk}/tasks", _tasks),
    "bill rates": ("admin_user", lambda f: f"/projects/{f.project.pk}/rates", _bill_rates),
    "cost rates": ("admin_user", lambda f: f"/people/{f.member_person.pk}/cost-rates", _cost_rates),
    "time entries": ("member_user", lambda f: "/time-entries", _entries),
    "approvals": ("manager_user", lambda f: "/time-entries/approvals", _submitted),
    "week grid": ("member_user", lambda f: f"/time-entries/week?week={last_monday().isoformat()}", _entries),
    "invoices": ("finance_user", lambda f: "/invoices", _invoices),
    "invoice lines": ("finance_user", _lines_path, _invoice_lines),
}


def _size(body: dict) -> int:  # type: ignore[type-arg]
    return len(body["rows"] if "rows" in body else body["items"])


@pytest.mark.parametrize("name", list(CASES))
def test_list_queries_do_not_grow_with_rows(name: str, firm: Firm, api_as, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    who, path_of, grow = CASES[name]
    client = api_as(getattr(firm, who))
    grow(firm, 2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(path_of(firm))
    assert response.status_code == 200, response.content
    size = _size(response.json())

    grow(firm, 10)
    path = path_of(firm)
    with django_assert_max_num_queries(len(few)):
        response = client.get(path)
    assert response.status_code == 200, response.content
    assert _size(response.json()) > size, "the list did not grow: the test would prove nothing"
