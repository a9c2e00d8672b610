"""A small, complete firm for tests, built through the real actions (so tests exercise them).

`build_firm()` returns a `Firm` with: one organisation; a USD company and an EUR company; an admin,
a finance user, a project manager and two members (all with people, roles and cost rates); a client;
a USD project managed by the manager with two tasks and a role rate card; and a second organisation
with its own project (for 404 tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from margin.accounts import actions as accounts
from margin.accounts.models import Company, Person, Role
from margin.accounts.queries import Viewer, viewer_for
from margin.contracts import actions as contracts
from margin.crm import actions as crm
from margin.crm.models import Client
from margin.projects import actions as projects
from margin.projects.models import Project, Task
from margin.rates import actions as rates

PASSWORD = "margin-test-pass"
RATE_FROM = date(2020, 1, 1)


@dataclass
class Firm:
    admin: Viewer
    finance: Viewer
    manager: Viewer
    member: Viewer
    member2: Viewer
    admin_user: User
    finance_user: User
    manager_user: User
    member_user: User
    member2_user: User
    usd: Company
    eur: Company
    consultant: Role
    senior: Role
    manager_person: Person
    member_person: Person
    member2_person: Person
    client: Client
    project: Project
    design: Task
    build: Task
    other_admin: Viewer
    other_project: Project


def _user(username: str) -> User:
    return User.objects.create_user(username=username, email=f"{username}@example.test", password=PASSWORD)


def _org(slug: str) -> tuple[Viewer, User]:
    admin_user = _user(f"{slug}-admin")
    accounts.organisation_create(name=f"{slug.title()} Partners", slug=slug, admin=admin_user)
    return viewer_for(admin_user), admin_user


def build_firm() -> Firm:
    admin, admin_user = _org("acme")
    usd = accounts.company_create(viewer=admin, name="Acme US", base_currency="USD", tax_id="US-1")
    eur = accounts.company_create(viewer=admin, name="Acme EU", base_currency="EUR", tax_id="DE-1")
    admin = viewer_for(admin_user)  # now sees both companies
    consultant = accounts.role_create(viewer=admin, name="Consultant")
    senior = accounts.role_create(viewer=admin, name="Senior Consultant")

    def person(username: str, role: Role, access: str, cost: str) -> tuple[Person, User]:
        user = _user(username)
        p = accounts.person_create(
            viewer=admin,
            company=usd,
            role=role,
            name=username.title(),
            email=f"{username}@example.test",
            user=user,
            access_role=access,
        )
        rates.cost_rate_set(viewer=admin, person=p, valid_from=RATE_FROM, hourly_cost=Decimal(cost))
        return p, user

    accounts.person_create(
        viewer=admin,
        company=usd,
        role=senior,
        name="Ada Admin",
        email="acme-admin@example.test",
        user=admin_user,
        access_role="admin",
    )
    finance_user = _user("finn")
    accounts.person_create(
        viewer=admin,
        company=usd,
        role=consultant,
        name="Finn Finance",
        email="finn@example.test",
        user=finance_user,
        access_role="finance",
    )
    manager_person, manager_user = person("maya", senior, "manager", "60")
    member_person, member_user = person("tom", consultant, "member", "40")
    member2_person, member2_user = person("lea", consultant, "member", "45")

    client = crm.client_create(viewer=admin, name="Globex", currency="USD", billing_address="1 Main St")
    project = projects.project_create(
        viewer=admin,
        company=usd,
        client=client,
        manager=manager_person,
        code="GLX-1",
        name="Globex portal",
        budget_minutes=200 * 60,
        budget_amount_minor=3_000_000,
    )
    manager = viewer_for(manager_user)
    projects.project_member_add(viewer=manager, project=project, person=member_person)
    projects.project_member_add(viewer=manager, project=project, person=member2_person)
    design = projects.task_create(viewer=manager, project=project, name="Design", estimate_minutes=40 * 60)
    build = projects.task_create(viewer=manager, project=project, name="Build", estimate_minutes=120 * 60)
    contracts.bill_rate_set(
        viewer=manager, project=project, role=consultant, valid_from=RATE_FROM, hourly_rate=Decimal("100")
    )
    contracts.bill_rate_set(
        viewer=manager, project=project, role=senior, valid_from=RATE_FROM, hourly_rate=Decimal("150")
    )

    other_admin, other_user = _org("rival")
    other_usd = accounts.company_create(viewer=other_admin, name="Rival", base_currency="USD")
    other_admin = viewer_for(other_user)
    other_role = accounts.role_create(viewer=other_admin, name="Consultant")
    other_person = accounts.person_create(
        viewer=other_admin,
        company=other_usd,
        role=other_role,
        name="Rita",
        email="rita@example.test",
        user=other_user,
        access_role="admin",
    )
    other_client = crm.client_create(viewer=other_admin, name="Initech", currency="USD")
    other_project = projects.project_create(
        viewer=other_admin, company=other_usd, client=other_client, manager=other_person, code="INI-1", name="Initech"
    )
    return Firm(
        admin=viewer_for(admin_user),
        finance=viewer_for(finance_user),
        manager=viewer_for(manager_user),
        member=viewer_for(member_user),
        member2=viewer_for(member2_user),
        admin_user=admin_user,
        finance_user=finance_user,
        manager_user=manager_user,
        member_user=member_user,
        member2_user=member2_user,
        usd=usd,
        eur=eur,
        consultant=consultant,
        senior=senior,
        manager_person=manager_person,
        member_person=member_person,
        member2_person=member2_person,
        client=client,
        project=project,
        design=design,
        build=build,
        other_admin=viewer_for(other_user),
        other_project=other_project,
    )
