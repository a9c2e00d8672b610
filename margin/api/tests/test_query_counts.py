"""List endpoints cost the same number of queries whatever the number of rows they list.

Each case lists a little, counts the queries, adds more rows, and lists again under
`django_assert_max_num_queries(<the first count>)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from margin.accounts import actions as accounts
from margin.api.tests.conftest import Api, last_monday
from margin.billing.actions import invoice_draft_create
from margin.billing.models import Invoice
from margin.contracts import actions as contracts
from margin.core.notifications import Message, notify
from margin.crm import actions as crm
from margin.expenses import actions as expenses
from margin.expenses.models import ExpenseCategory, ExpenseClaim
from margin.projects import actions as projects
from margin.projects.models import Project, WorkCalendar
from margin.rates import actions as rates
from margin.resourcing import actions as resourcing
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm

serial = count(1)
Grow = Callable[[Firm, int], None]


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
        contracts.bill_rate_set(
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
        contracts.bill_rate_set(
            viewer=firm.admin, project=firm.project, role=firm.consultant, valid_from=day, hourly_rate=Decimal(100)
        )


def _cost_rates(firm: Firm, k: int) -> None:
    for _ in range(k):
        day = last_monday() - timedelta(days=next(serial))
        rates.cost_rate_set(viewer=firm.admin, person=firm.member_person, valid_from=day, hourly_cost=Decimal(40))


def _posting(who: str, path: Callable[[Firm], str], body: Callable[[Firm, int], dict]) -> Grow:  # type: ignore[type-arg]
    """Rows made through the API itself: `k` POSTs of `body(firm, n)` to `path(firm)` as `who`."""

    def grow(firm: Firm, k: int) -> None:
        client = Client()
        client.force_login(getattr(firm, who))
        for _ in range(k):
            response = Api(client).post(path(firm), body(firm, next(serial)))
            assert response.status_code in (200, 201), response.content

    return grow


def _calendar(firm: Firm) -> str:
    calendar = WorkCalendar.objects.filter(organisation_id=firm.admin.organisation_id, name="QC").first()
    if calendar is None:
        calendar = projects.calendar_create(viewer=firm.admin, name="QC").calendar
    return f"/calendars/{calendar.pk}"


def _person_calendars(firm: Firm, k: int) -> None:
    for _ in range(k):
        person = accounts.person_create(
            viewer=firm.admin, company=firm.usd, role=firm.senior, name="K", email=f"k{next(serial)}@example.test"
        )
        projects.calendar_create(viewer=firm.admin, name=f"Own {person.pk}", person=person)


def _day(n: int) -> str:
    return (date(2020, 1, 1) + timedelta(days=n)).isoformat()


def _claims(firm: Firm, k: int, *, submit: bool = False) -> None:
    category = ExpenseCategory.objects.filter(name="QC").first() or expenses.category_create(
        viewer=firm.finance, name="QC", billable_default=False
    )
    for _ in range(k):
        claim = expenses.claim_create(viewer=firm.member, title=f"C{next(serial)}")
        expenses.line_add(
            viewer=firm.member, claim=claim, date=last_monday(), category=category, amount_minor=1000, currency="USD"
        )
        if submit:
            expenses.claim_submit(viewer=firm.member, claim=claim)


def _claim_lines(firm: Firm, k: int) -> None:
    category = ExpenseCategory.objects.filter(name="QC").first() or expenses.category_create(
        viewer=firm.finance, name="QC", billable_default=False
    )
    claim = ExpenseClaim.objects.filter(title="Lines").first() or expenses.claim_create(
        viewer=firm.member, title="Lines"
    )
    for _ in range(k):
        expenses.line_add(
            viewer=firm.member, claim=claim, date=last_monday(), category=category, amount_minor=100, currency="USD"
        )


def _notifications(firm: Firm, k: int) -> None:
    notify(
        organisation_id=firm.admin.organisation_id,
        messages=[Message(user_id=firm.member_user.pk, kind="test", text=f"N{next(serial)}") for _ in range(k)],
    )


def _assignments(firm: Firm, k: int) -> None:
    for _ in range(k):
        person = accounts.person_create(
            viewer=firm.admin, company=firm.usd, role=firm.senior, name="A", email=f"a{next(serial)}@example.test"
        )
        projects.project_member_add(viewer=firm.admin, project=firm.project, person=person)
        resourcing.assignment_create(viewer=firm.admin, task=firm.build, person=person)


def _delegates(firm: Firm, k: int) -> None:
    """Maya (a manager) lets k new people approve for her."""
    client = Client()
    client.force_login(firm.manager_user)
    for _ in range(k):
        person = accounts.person_create(
            viewer=firm.admin, company=firm.usd, role=firm.senior, name="D", email=f"d{next(serial)}@example.test"
        )
        body = {"delegate_id": person.pk, "manager_id": firm.manager_person.pk}
        response = Api(client).post("/approval-delegates", body)
        assert response.status_code == 201, response.content


def _cards(body: dict) -> int:  # type: ignore[type-arg]
    return sum(len(column["cards"]) for column in body["columns"])


def _lines_path(firm: Firm) -> str:
    return f"/invoices/{Invoice.objects.get(project=firm.project).pk}/lines"


def _contacts(firm: Firm, k: int) -> None:
    for _ in range(k):
        crm.contact_create(viewer=firm.admin, client=firm.client, name=f"Contact {next(serial)}")


# name: (who asks, the path, how to add k rows[, how many rows the answer holds])
CASES: dict[str, tuple[Any, ...]] = {
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
    "calendars": ("admin_user", lambda f: "/calendars", _person_calendars),
    "calendar exceptions": (
        "admin_user",
        lambda f: _calendar(f) + "/exceptions",
        _posting("admin_user", lambda f: _calendar(f) + "/exceptions", lambda f, n: {"first": _day(n), "name": "Off"}),
        len,
    ),
    "exchange rates": (
        "finance_user",
        lambda f: "/exchange-rates",
        _posting(
            "finance_user",
            lambda f: "/exchange-rates",
            lambda f, n: {"from_currency": "EUR", "to_currency": "USD", "day": _day(n), "rate": "1.1"},
        ),
    ),
    "expense categories": (
        "finance_user",
        lambda f: "/expenses/categories",
        _posting("finance_user", lambda f: "/expenses/categories", lambda f, n: {"name": f"Cat{n}"}),
        len,
    ),
    "expense claims": ("member_user", lambda f: "/expenses/claims", _claims),
    "claims to approve": ("finance_user", lambda f: "/expenses/claims/approvals", partial(_claims, submit=True)),
    "claim lines": (
        "member_user",
        lambda f: f"/expenses/claims/{ExpenseClaim.objects.get(title='Lines').pk}",
        _claim_lines,
        lambda body: len(body["lines"]),
    ),
    "api tokens": (
        "member_user",
        lambda f: "/me/tokens",
        _posting("member_user", lambda f: "/me/tokens", lambda f, n: {"name": f"T{n}"}),
    ),
    "notifications": ("member_user", lambda f: "/notifications", _notifications),
    "resource pools": (
        "admin_user",
        lambda f: "/resource-pools",
        _posting("admin_user", lambda f: "/resource-pools", lambda f, n: {"name": f"Pool{n}"}),
        len,
    ),
    "assignments": ("admin_user", lambda f: f"/tasks/{f.build.pk}/assignments", _assignments, len),
    "board": ("admin_user", lambda f: f"/projects/{f.project.pk}/board", _tasks, _cards),
    "period closes": (
        "finance_user",
        lambda f: "/periods",
        _posting("finance_user", lambda f: "/periods", lambda f, n: {"company_id": f.usd.pk, "through": _day(n)}),
    ),
    "approval delegates": ("manager_user", lambda f: "/approval-delegates", _delegates),
    "gantt": ("admin_user", lambda f: f"/projects/{f.project.pk}/gantt", _tasks, lambda body: len(body["tasks"])),
}


def _size(body: dict) -> int:  # type: ignore[type-arg]
    return len(body["rows"] if "rows" in body else body["items"])


@pytest.mark.parametrize("name", list(CASES))
def test_list_queries_do_not_grow_with_rows(name: str, firm: Firm, api_as, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    who, path_of, grow, *rest = CASES[name]
    size_of = rest[0] if rest else _size
    client = api_as(getattr(firm, who))
    grow(firm, 2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(path_of(firm))
    assert response.status_code == 200, response.content
    size, allowed = size_of(response.json()), len(few)  # now: a request (of grow) clears the query log

    grow(firm, 10)
    path = path_of(firm)
    with django_assert_max_num_queries(allowed):
        response = client.get(path)
    assert response.status_code == 200, response.content
    assert size_of(response.json()) > size, "the list did not grow: the test would prove nothing"
