"""The home each person lands on: the parts that fit their hats, their main hat's first.

- **The firm** (administrators): revenue, cost and margin per currency, margin by project, the projects over
  budget, every project's figures;
- **Invoicing** (finance and administrators): `reporting.invoicing`;
- **Your projects** (whoever manages an open project): `reporting.health`;
- **My work** (whoever belongs to an open project): `reporting.work` — never any money;
- **Getting started** (administrators of a firm not yet set up): what is done and what is next, from the first
  company to the first project, so an empty firm's home says what to do instead of showing empty figures.

A manager who also logs time sees their projects, then their work; a member who manages one project sees
both too. Every part with money reads it through the money rule (`projects.queries`), so a part cannot show
money its reader may not see even if a later change offered it to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from margin.accounts.models import Company, Membership, Person, Role
from margin.accounts.queries import Viewer
from margin.crm.models import Client
from margin.projects.models import Project, ProjectStatus
from margin.projects.queries import projects_visible
from margin.reporting.health import ProjectHealth, projects_managed_health
from margin.reporting.invoicing import Invoicing, invoicing_of
from margin.reporting.queries import Figures, ProjectFigures, profitability_visible, totals_by_currency
from margin.reporting.work import MyWork, my_work, works_on_projects

SETUP, FIRM, INVOICING, PROJECTS, WORK = "setup", "firm", "invoicing", "projects", "work"
TITLES = {
    SETUP: "Getting started",
    FIRM: "The firm",
    INVOICING: "Invoicing",
    PROJECTS: "Your projects",
    WORK: "My work",
}


@dataclass(frozen=True)
class SetupStep:
    """One step of setting a firm up; the interface words it and links it to its screen by `key`."""

    key: str  # company, roles, people, client, project (needed); me, users (optional)
    done: bool
    needed: bool = True


def firm_setup(viewer: Viewer) -> list[SetupStep]:
    """The set-up steps of the viewer's firm, in the order they can be done (a step needs the ones before it)."""
    org = viewer.organisation_id
    return [
        SetupStep("company", Company.objects.filter(organisation_id=org).exists()),
        SetupStep("roles", Role.objects.filter(organisation_id=org).exists()),
        # Someone whose time can be valued: time is approved at the person's cost rate.
        SetupStep("people", Person.objects.filter(organisation_id=org, cost_rates__isnull=False).exists()),
        SetupStep("me", viewer.person_id is not None, needed=False),
        SetupStep("users", Membership.objects.filter(organisation_id=org).count() > 1, needed=False),
        SetupStep("client", Client.objects.filter(organisation_id=org).exists()),
        SetupStep("project", Project.objects.filter(organisation_id=org, is_template=False).exists()),
    ]


@dataclass(frozen=True)
class FirmFigures:
    figures: list[ProjectFigures]
    totals: list[Figures]  # per currency

    @property
    def logged_minutes(self) -> int:
        return sum(f.logged_minutes for f in self.figures)

    @property
    def approved_minutes(self) -> int:
        return sum(f.approved_minutes for f in self.figures)

    @property
    def budget_minutes(self) -> int:
        return sum(f.budget_minutes for f in self.figures if f.budget_minutes)

    @property
    def over_budget(self) -> list[ProjectFigures]:
        return [f for f in self.figures if (f.hours_burn_pct or 0) > 100 or (f.money_burn_pct or 0) > 100]


@dataclass(frozen=True)
class Home:
    sections: list[str]  # the parts shown, in order
    setup: list[SetupStep] | None = None
    firm: FirmFigures | None = None
    invoicing: Invoicing | None = None
    projects: list[ProjectHealth] | None = None
    work: MyWork | None = None

    @property
    def parts(self) -> list[tuple[str, str]]:
        """(key, title) of each part shown."""
        return [(key, TITLES[key]) for key in self.sections]

    @property
    def title(self) -> str:
        return TITLES[self.sections[0]] if self.sections else "Welcome"


def manages_projects(viewer: Viewer) -> bool:
    if viewer.person_id is None:
        return False
    managed = projects_visible(viewer).filter(manager_id=viewer.person_id, is_template=False)
    return managed.exclude(status=ProjectStatus.CLOSED).exists()


def home_of(viewer: Viewer, today: date) -> Home:
    """The parts of the home this viewer gets, each read only when it is shown."""
    sections = []
    setup = firm_setup(viewer) if viewer.is_admin else None
    if setup is not None and not all(step.done for step in setup if step.needed):
        sections.append(SETUP)
    if viewer.is_admin:
        sections.append(FIRM)
    if viewer.is_finance:
        sections.append(INVOICING)
    if manages_projects(viewer):
        sections.append(PROJECTS)
    if viewer.person_id is not None and works_on_projects(viewer.person_id):
        sections.append(WORK)
    firm = None
    if FIRM in sections:
        figures = profitability_visible(viewer)
        firm = FirmFigures(figures, totals_by_currency(figures))
    return Home(
        sections=sections,
        setup=setup if SETUP in sections else None,
        firm=firm,
        invoicing=invoicing_of(viewer, today) if INVOICING in sections else None,
        projects=projects_managed_health(viewer, today) if PROJECTS in sections else None,
        work=my_work(viewer.person_id, today) if WORK in sections and viewer.person_id is not None else None,
    )
