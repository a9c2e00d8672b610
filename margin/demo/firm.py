"""The demo firm, Northwind Consulting, built through the real actions and deterministic for an anchor date.

`build_demo_firm(anchor=...)` makes one organisation with a US company (USD) and a German one (EUR),
7 job roles, 8 clients, 25 people (an administrator, two in finance, five project managers, the rest
members), 12 projects with a work breakdown and a rate card, and 13 weeks of time ending the week
before `anchor`:

- the older weeks are approved (loaded with the bulk import, as history from another system would be);
- the week before last was logged, submitted and decided by the project managers, a few entries rejected
  with a reason;
- last week is partly draft, partly submitted (waiting in the managers' approvals);
- the first two months are invoiced and issued (so invoice numbers exist) and one draft is pending;
- expense categories (travel, meals, lodging, mileage at a dated rate per company, per diem per country)
  and six claims in every state: reimbursed (billed on the first invoice), approved (one with a line in
  euros, one of billable expenses not invoiced yet), submitted to a manager, rejected, and a draft.

Every random choice comes from `random.Random(SEED)` and every date from `anchor`, so two builds with
the same anchor give the same figures. The plan (who logs what, when) is made first, without the
database; the build then replays it through the actions.
"""

from __future__ import annotations

import calendar
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from margin.accounts import actions as accounts
from margin.accounts.models import Company, Organisation, Person, Role
from margin.accounts.queries import Viewer, viewer_for
from margin.billing import actions as billing
from margin.billing.models import Invoice
from margin.core.money import Money
from margin.crm import actions as crm
from margin.crm.models import Client
from margin.expenses import actions as expenses
from margin.expenses.models import ClaimStatus, DistanceUnit, ExpenseCategory, ExpenseKind
from margin.projects import actions as projects
from margin.projects.actions import assignment_create
from margin.projects.models import Project, ProjectStatus, Task
from margin.projects.planning import to_aware
from margin.rates import actions as rates
from margin.timesheets import actions as timesheets
from margin.timesheets.actions import ImportRow
from margin.timesheets.models import TimeEntry

SEED = 2026
DEMO_PASSWORD = "margin-demo"
ORGANISATION_NAME = "Northwind Consulting"
ORGANISATION_SLUG = "northwind"
EMAIL_DOMAIN = "northwind.example"
WEEKS = 13  # of time, ending the week before the anchor

# The build, step by step (a progress bar shows these).
STEPS = (
    "organisation and people",
    "clients",
    "projects, tasks and rates",
    "history (approved time) and expenses",
    "invoices of the first two months",
    "the last two weeks",
    "draft invoice",
)

# --------------------------------------------------------------------------------------------------
# What the firm is made of (plain data)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    currency: str
    country: str
    tax_id: str
    address: str
    email: str


COMPANIES = (
    CompanySpec(
        "us",
        "Northwind Consulting Inc.",
        "USD",
        "US",
        "EIN 84-2719364",
        "200 Atlantic Avenue, Suite 400\nBoston, MA 02110\nUnited States",
        f"billing@{EMAIL_DOMAIN}",
    ),
    CompanySpec(
        "de",
        "Northwind Consulting GmbH",
        "EUR",
        "DE",
        "DE318452967",
        "Friedrichstraße 68\n10117 Berlin\nGermany",
        f"rechnung@{EMAIL_DOMAIN}",
    ),
)

PRINCIPAL, PM, SENIOR, CONSULTANT, DEVELOPER, DESIGNER, FINANCE = (
    "Principal",
    "Project Manager",
    "Senior Consultant",
    "Consultant",
    "Developer",
    "Designer",
    "Finance & Operations",
)
ROLES = (PRINCIPAL, PM, SENIOR, CONSULTANT, DEVELOPER, DESIGNER, FINANCE)
# What each job role works on (matched against the tags of tasks).
ROLE_TAGS: dict[str, frozenset[str]] = {
    PRINCIPAL: frozenset({"lead"}),
    PM: frozenset({"pm"}),
    SENIOR: frozenset({"consult", "lead"}),
    CONSULTANT: frozenset({"consult"}),
    DEVELOPER: frozenset({"dev"}),
    DESIGNER: frozenset({"design"}),
}
# Standard hourly bill rates per company currency; a project's rate card scales them.
BILL_RATES: dict[str, dict[str, int]] = {
    "USD": {PRINCIPAL: 260, PM: 185, SENIOR: 175, CONSULTANT: 140, DEVELOPER: 150, DESIGNER: 135},
    "EUR": {PRINCIPAL: 230, PM: 165, SENIOR: 155, CONSULTANT: 125, DEVELOPER: 135, DESIGNER: 120},
}


@dataclass(frozen=True)
class ClientSpec:
    name: str
    currency: str
    country: str
    tax_id: str
    address: str
    email: str


CLIENTS = (
    ClientSpec(
        "Bluefin Logistics",
        "USD",
        "US",
        "EIN 91-4827310",
        "1200 Harbor Way\nSeattle, WA 98134",
        "ap@bluefin-logistics.example",
    ),
    ClientSpec(
        "Cedar Health Partners",
        "USD",
        "US",
        "EIN 93-1175402",
        "455 NW Everett Street\nPortland, OR 97209",
        "invoices@cedarhealth.example",
    ),
    ClientSpec(
        "Summit Outdoor Co.",
        "USD",
        "US",
        "EIN 84-3390218",
        "1600 Wynkoop Street\nDenver, CO 80202",
        "payables@summit-outdoor.example",
    ),
    ClientSpec(
        "Lakeshore Credit Union",
        "USD",
        "US",
        "EIN 36-2218854",
        "330 N Wabash Avenue\nChicago, IL 60611",
        "vendor.payments@lakeshore-cu.example",
    ),
    ClientSpec(
        "Ironbridge Manufacturing",
        "USD",
        "US",
        "EIN 25-1480937",
        "75 Industrial Parkway\nPittsburgh, PA 15222",
        "accounts.payable@ironbridge.example",
    ),
    ClientSpec(
        "Alpenwerk Maschinenbau AG",
        "EUR",
        "DE",
        "DE129274114",
        "Landsberger Straße 302\n80687 München\nDeutschland",
        "kreditoren@alpenwerk.example",
    ),
    ClientSpec(
        "Rheinland Energie GmbH",
        "EUR",
        "DE",
        "DE812365490",
        "Rheinuferstraße 12\n50668 Köln\nDeutschland",
        "eingangsrechnungen@rheinland-energie.example",
    ),
    ClientSpec(
        "Nordlicht Versicherung AG",
        "EUR",
        "DE",
        "DE267981133",
        "Ballindamm 40\n20095 Hamburg\nDeutschland",
        "rechnungen@nordlicht-versicherung.example",
    ),
)


@dataclass(frozen=True)
class PersonSpec:
    first: str
    last: str
    company: str  # CompanySpec.key
    role: str
    access: str  # admin / finance / manager / member
    hourly_cost: int
    # Projects they work on and the share of their time each takes (renormalised over the projects
    # that are running on a given day).
    assignments: tuple[tuple[str, float], ...] = ()
    # Logged per working day, in quarter hours (20..32: 5 to 8 hours).
    day_quarters: tuple[int, int] = (20, 32)
    cost_raise: int = 0  # a raise of this many per hour from mid-period on

    @property
    def username(self) -> str:
        return self.first.lower()

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first}.{self.last}@{EMAIL_DOMAIN}".lower()


PEOPLE = (
    # Northwind Consulting Inc. (16)
    PersonSpec(
        "Ada",
        "Brennan",
        "us",
        PRINCIPAL,
        "admin",
        120,
        (("BLF-WMS", 0.3), ("SOC-SHOP", 0.3), ("LCU-APP", 0.4)),
        (8, 16),
    ),
    PersonSpec("Felix", "Romero", "us", FINANCE, "finance", 70),
    PersonSpec("Maya", "Chen", "us", PM, "manager", 85, (("BLF-WMS", 0.55), ("CHP-PORTAL", 0.45))),
    PersonSpec("Omar", "Haddad", "us", PM, "manager", 82, (("SOC-SHOP", 0.5), ("IRB-PDM", 0.25), ("IRB-ERP", 0.25))),
    PersonSpec("Priya", "Nair", "us", PM, "manager", 80, (("LCU-APP", 0.6), ("SOC-CDP", 0.4))),
    PersonSpec("Liam", "Walsh", "us", SENIOR, "member", 78, (("BLF-WMS", 0.6), ("IRB-PDM", 0.4))),
    PersonSpec(
        "Sofia", "Alvarez", "us", CONSULTANT, "member", 60, (("BLF-WMS", 0.5), ("CHP-PORTAL", 0.5)), cost_raise=4
    ),
    PersonSpec("Ethan", "Brooks", "us", DEVELOPER, "member", 72, (("BLF-WMS", 1.0),)),
    PersonSpec("Chloe", "Martin", "us", DESIGNER, "member", 62, (("CHP-PORTAL", 0.6), ("LCU-APP", 0.4))),
    PersonSpec("Noah", "Patel", "us", DEVELOPER, "member", 68, (("CHP-PORTAL", 0.7), ("SOC-SHOP", 0.3)), cost_raise=4),
    PersonSpec("Grace", "Kim", "us", CONSULTANT, "member", 58, (("SOC-SHOP", 0.6), ("SOC-CDP", 0.4)), cost_raise=3),
    PersonSpec("Lucas", "Reed", "us", SENIOR, "member", 76, (("IRB-PDM", 0.5), ("IRB-ERP", 0.5))),
    PersonSpec("Hannah", "Scott", "us", DEVELOPER, "member", 70, (("LCU-APP", 0.7), ("IRB-ERP", 0.3))),
    PersonSpec("Ben", "Turner", "us", CONSULTANT, "member", 55, (("IRB-ERP", 0.5), ("SOC-CDP", 0.5))),
    PersonSpec("Zoe", "Carter", "us", DESIGNER, "member", 60, (("SOC-SHOP", 0.5), ("BLF-WMS", 0.5))),
    PersonSpec("Ryan", "Foster", "us", DEVELOPER, "member", 66, (("SOC-SHOP", 0.6), ("LCU-APP", 0.4))),
    # Northwind Consulting GmbH (9)
    PersonSpec("Nora", "Weiss", "de", FINANCE, "finance", 65),
    PersonSpec("Greta", "Vogel", "de", PM, "manager", 78, (("ALP-MES", 0.6), ("NLV-CLM", 0.4))),
    PersonSpec("Jonas", "Keller", "de", PM, "manager", 76, (("RHE-SMA", 0.6), ("RHE-GRID", 0.4))),
    PersonSpec("Lena", "Fischer", "de", SENIOR, "member", 72, (("ALP-MES", 0.6), ("RHE-GRID", 0.4))),
    PersonSpec("Paul", "Becker", "de", DEVELOPER, "member", 64, (("ALP-MES", 1.0),), cost_raise=3),
    PersonSpec("Mia", "Hoffmann", "de", DESIGNER, "member", 58, (("NLV-CLM", 0.5), ("RHE-SMA", 0.5))),
    PersonSpec("Tobias", "Wagner", "de", CONSULTANT, "member", 54, (("NLV-CLM", 0.6), ("RHE-SMA", 0.4)), cost_raise=3),
    PersonSpec("Anna", "Schulz", "de", DEVELOPER, "member", 62, (("RHE-SMA", 0.6), ("RHE-GRID", 0.4))),
    PersonSpec("Max", "Richter", "de", CONSULTANT, "member", 52, (("RHE-GRID", 0.5), ("ALP-MES", 0.5))),
)

# The logins `manage.py demo --print-logins` shows (username of each kind of user).
DEMO_LOGINS = (("admin", "ada"), ("finance", "felix"), ("manager", "maya"), ("member", "liam"))
DEMO_MANAGER = "maya"
TIMESHEET_KEEPER = "nora"  # may log time for others (Settings → People)


@dataclass(frozen=True)
class TaskSpec:
    name: str
    tags: frozenset[str]
    weight: int
    notes: tuple[str, ...]
    billable: bool = True


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    start: float  # fraction of the project's span
    finish: float
    tasks: tuple[TaskSpec, ...]


def _t(name: str, tags: str, weight: int, notes: tuple[str, ...], billable: bool = True) -> TaskSpec:
    return TaskSpec(name, frozenset(tags.split()), weight, notes, billable)


_MANAGEMENT = PhaseSpec(
    "Project management",
    0.0,
    1.0,
    (
        _t(
            "Planning and status reporting",
            "pm lead",
            3,
            ("Weekly status report", "Steering committee", "Sprint planning", "Risk review with the client"),
        ),
        _t(
            "Internal coordination",
            "pm lead",
            1,
            ("Internal staffing sync", "Team retrospective", "Handover to a new team member"),
            billable=False,
        ),
    ),
)

TEMPLATES: dict[str, tuple[PhaseSpec, ...]] = {
    "software": (
        PhaseSpec(
            "Discovery",
            0.0,
            0.2,
            (
                _t(
                    "Stakeholder interviews",
                    "consult lead design",
                    2,
                    ("Interviews with the operations team", "Workshop with client stakeholders", "Synthesis notes"),
                ),
                _t(
                    "Requirements backlog",
                    "consult pm",
                    2,
                    ("Refined user stories", "Backlog grooming with the product owner", "Acceptance criteria"),
                ),
            ),
        ),
        PhaseSpec(
            "Design",
            0.15,
            0.4,
            (
                _t(
                    "Solution architecture",
                    "dev consult lead",
                    3,
                    ("Architecture review", "Integration design with client IT", "Data model draft"),
                ),
                _t("UX and visual design", "design", 3, ("Wireframes", "Usability test session", "Design system")),
            ),
        ),
        PhaseSpec(
            "Build",
            0.3,
            0.8,
            (
                _t(
                    "Back end and integrations",
                    "dev",
                    8,
                    ("API endpoints", "Fixed integration defects", "Code review", "Sprint work"),
                ),
                _t("Front end", "dev design", 6, ("Built UI screens", "Accessibility fixes", "Sprint work")),
                _t("Data migration", "dev consult", 3, ("Mapping legacy data", "Migration dry run")),
            ),
        ),
        PhaseSpec(
            "Test and launch",
            0.7,
            1.0,
            (
                _t("QA and test automation", "dev consult", 3, ("Regression suite", "Test plan", "Bug triage")),
                _t("UAT support", "consult design pm", 2, ("UAT session with key users", "Triaged UAT findings")),
                _t("Go-live and hypercare", "dev consult pm", 2, ("Cut-over rehearsal", "Hypercare support")),
            ),
        ),
        _MANAGEMENT,
    ),
    "analytics": (
        PhaseSpec(
            "Discovery",
            0.0,
            0.25,
            (
                _t(
                    "Data assessment",
                    "consult dev lead",
                    3,
                    ("Profiled source systems", "Data quality review", "Access to data sources"),
                ),
                _t(
                    "Use-case workshops",
                    "consult design lead",
                    2,
                    ("Use-case workshop", "Prioritised use cases with the client"),
                ),
            ),
        ),
        PhaseSpec(
            "Build",
            0.2,
            0.8,
            (
                _t("Data pipelines", "dev", 6, ("Ingestion jobs", "Pipeline monitoring", "Sprint work")),
                _t(
                    "Models and analytics",
                    "consult dev",
                    5,
                    ("Feature engineering", "Model evaluation", "Back-testing results"),
                ),
                _t("Dashboards", "design dev", 3, ("Dashboard layout", "KPI definitions with the client")),
            ),
        ),
        PhaseSpec(
            "Rollout",
            0.75,
            1.0,
            (
                _t("Training", "consult design", 2, ("Training session", "Training material")),
                _t(
                    "Handover and documentation",
                    "consult dev pm",
                    2,
                    ("Runbook", "Handover to client IT"),
                ),
            ),
        ),
        _MANAGEMENT,
    ),
    "process": (
        PhaseSpec(
            "Analysis",
            0.0,
            0.25,
            (
                _t(
                    "Process mapping",
                    "consult design lead",
                    3,
                    ("Current-state process map", "Shadowed the claims team", "Pain-point analysis"),
                ),
                _t("Requirements", "consult pm", 2, ("Requirements workshop", "Signed-off requirements")),
            ),
        ),
        PhaseSpec(
            "Implementation",
            0.2,
            0.8,
            (
                _t("Configuration", "consult dev", 4, ("Configured workflows", "Master data set-up")),
                _t("Integrations", "dev", 5, ("Interface to the ERP", "Message mapping", "Sprint work")),
                _t("Automation scripts", "dev", 3, ("Automation scripts", "Code review")),
                _t("User interface", "design", 2, ("Screen design", "Usability review")),
            ),
        ),
        PhaseSpec(
            "Rollout",
            0.7,
            1.0,
            (
                _t("Testing", "consult dev", 3, ("System test", "Defect fixing")),
                _t(
                    "Training and change management",
                    "consult design pm",
                    2,
                    ("Key-user training", "Change impact assessment"),
                ),
            ),
        ),
        _MANAGEMENT,
    ),
}


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    company: str
    client: str
    manager: str  # username
    start_week: int  # relative to the first week of time (may be before it)
    end_week: int
    template: str
    burn: float  # hours burn the project is at after the last week (sets the hours budget)
    status: str = ProjectStatus.ACTIVE  # the status it ends up in
    rate_factor: Decimal = Decimal(1)
    rate_increase: bool = False  # role rates go up 6 % mid-period
    overrides: tuple[tuple[str, int], ...] = ()  # (username, hourly rate)
    budget_hours: int = 0  # fixed budget (a planned project has no time to size it by)


PROJECTS = (
    ProjectSpec(
        "BLF-WMS",
        "Warehouse management system rollout",
        "us",
        "Bluefin Logistics",
        "maya",
        -8,
        24,
        "software",
        0.58,
        rate_increase=True,
        overrides=(("liam", 190),),
    ),
    ProjectSpec(
        "CHP-PORTAL",
        "Patient portal redesign",
        "us",
        "Cedar Health Partners",
        "maya",
        -4,
        16,
        "software",
        1.06,
        rate_factor=Decimal("0.95"),
    ),
    ProjectSpec(
        "LCU-LOS",
        "Loan origination discovery",
        "us",
        "Lakeshore Credit Union",
        "maya",
        WEEKS + 2,
        WEEKS + 14,
        "process",
        0.0,
        status=ProjectStatus.PLANNED,
        budget_hours=480,
    ),
    ProjectSpec(
        "SOC-SHOP",
        "E-commerce replatforming",
        "us",
        "Summit Outdoor Co.",
        "omar",
        -10,
        20,
        "software",
        0.72,
        rate_factor=Decimal("1.05"),
        rate_increase=True,
    ),
    ProjectSpec(
        "IRB-PDM",
        "Predictive maintenance pilot",
        "us",
        "Ironbridge Manufacturing",
        "omar",
        -6,
        9,  # ends on the second invoice cut-off, whatever this says
        "analytics",
        0.97,
        status=ProjectStatus.CLOSED,
    ),
    ProjectSpec("IRB-ERP", "ERP data migration", "us", "Ironbridge Manufacturing", "omar", 5, 26, "process", 0.22),
    ProjectSpec("LCU-APP", "Member mobile app", "us", "Lakeshore Credit Union", "priya", -2, 22, "software", 0.47),
    ProjectSpec(
        "SOC-CDP",
        "Customer data platform",
        "us",
        "Summit Outdoor Co.",
        "priya",
        -3,
        20,
        "analytics",
        0.40,
        status=ProjectStatus.ON_HOLD,
    ),
    ProjectSpec(
        "ALP-MES",
        "Shop-floor MES integration",
        "de",
        "Alpenwerk Maschinenbau AG",
        "greta",
        -5,
        21,
        "process",
        0.63,
        rate_increase=True,
        overrides=(("lena", 170),),
    ),
    ProjectSpec(
        "NLV-CLM",
        "Claims process automation",
        "de",
        "Nordlicht Versicherung AG",
        "greta",
        -1,
        18,
        "process",
        0.55,
        rate_factor=Decimal("0.95"),
    ),
    ProjectSpec("RHE-SMA", "Smart meter analytics", "de", "Rheinland Energie GmbH", "jonas", -7, 17, "analytics", 0.81),
    ProjectSpec(
        "RHE-GRID",
        "Grid maintenance planning",
        "de",
        "Rheinland Energie GmbH",
        "jonas",
        3,
        22,
        "analytics",
        0.30,
        rate_factor=Decimal("1.05"),
    ),
)
ON_HOLD_FROM_WEEK = 8  # the on-hold project stopped at the start of this week


# Expenses. Categories: (name, kind, billable by default).
EXPENSE_CATEGORIES = (
    ("Travel", ExpenseKind.RECEIPT, True),
    ("Lodging", ExpenseKind.RECEIPT, True),
    ("Meals", ExpenseKind.RECEIPT, False),
    ("Mileage", ExpenseKind.MILEAGE, True),
    ("Per diem", ExpenseKind.PER_DIEM, False),
)
# Mileage per company: (unit, rate from the hiring date, rate from mid-period on).
MILEAGE_RATES = {"us": (DistanceUnit.MI, "0.655", "0.70"), "de": (DistanceUnit.KM, "0.30", "0.30")}
# Daily allowances per company and country.
PER_DIEM_RATES = {"us": (("US", "59"), ("DE", "64")), "de": (("DE", "28"), ("AT", "35"))}
EUR_USD = Decimal("1.0850")  # the one exchange rate the demo enters (for a ticket paid in euros)


@dataclass(frozen=True)
class ExpenseSpec:
    day: int  # days after the Monday of the claim's week
    category: str
    project: str | None  # code; None: not on a project
    amount: str = ""  # receipts, in `currency` (default: the claim's)
    currency: str = ""
    merchant: str = ""
    distance: str = ""  # mileage, in the company's unit
    days: str = ""  # per diem
    country: str = ""
    markup: int = 0


@dataclass(frozen=True)
class ClaimSpec:
    username: str
    title: str
    week: int  # of the 13 weeks
    state: str  # ClaimStatus
    lines: tuple[ExpenseSpec, ...]
    reason: str = ""  # of a rejection


CLAIMS = (
    ClaimSpec(
        "liam",
        "Bluefin kick-off workshop, Memphis",
        1,  # before the first invoice cut-off: billed on the first invoice
        ClaimStatus.REIMBURSED,
        (
            ExpenseSpec(0, "Travel", "BLF-WMS", "412.80", merchant="Delta Air Lines", markup=10),
            ExpenseSpec(0, "Lodging", "BLF-WMS", "378.00", merchant="Hampton Inn Memphis"),
            ExpenseSpec(1, "Meals", "BLF-WMS", "46.50", merchant="Central BBQ"),
            ExpenseSpec(2, "Mileage", "BLF-WMS", distance="84"),
        ),
    ),
    ClaimSpec(
        "noah",
        "UX conference, Berlin",
        4,
        ClaimStatus.APPROVED,
        (
            ExpenseSpec(1, "Travel", None, "450.00", "EUR", merchant="UX Berlin e.V."),
            ExpenseSpec(1, "Per diem", None, days="2", country="DE"),
        ),
    ),
    ClaimSpec(
        "lena",
        "Werksbesuch Alpenwerk, Augsburg",
        WEEKS - 2,  # after the second cut-off: billable and not invoiced yet
        ClaimStatus.APPROVED,
        (
            ExpenseSpec(0, "Travel", "ALP-MES", "129.90", merchant="Deutsche Bahn"),
            ExpenseSpec(0, "Lodging", "ALP-MES", "238.00", merchant="Hotel Augusta", markup=5),
            ExpenseSpec(1, "Per diem", "ALP-MES", days="1.5", country="DE"),
            ExpenseSpec(2, "Mileage", "RHE-GRID", distance="46"),
        ),
    ),
    ClaimSpec(
        "sofia",
        "Cedar Health on-site week",
        WEEKS - 2,
        ClaimStatus.SUBMITTED,  # waiting for Maya, who manages both projects
        (
            ExpenseSpec(1, "Mileage", "CHP-PORTAL", distance="126"),
            ExpenseSpec(1, "Meals", "CHP-PORTAL", "38.20", merchant="Panera Bread"),
            ExpenseSpec(3, "Lodging", "BLF-WMS", "189.00", merchant="Residence Inn"),
        ),
    ),
    ClaimSpec(
        "tobias",
        "Kundentermin Nordlicht, Hamburg",
        WEEKS - 2,
        ClaimStatus.REJECTED,
        (
            ExpenseSpec(2, "Travel", "NLV-CLM", "89.90", merchant="Deutsche Bahn"),
            ExpenseSpec(2, "Lodging", "NLV-CLM", "164.00", merchant="Hotel Atlantic"),
        ),
        reason="The hotel receipt is missing: attach it and submit the claim again.",
    ),
    ClaimSpec(
        "chloe",
        "Design sprint",
        WEEKS - 1,
        ClaimStatus.DRAFT,
        (
            ExpenseSpec(1, "Travel", "CHP-PORTAL", "31.75", merchant="Yellow Cab"),
            ExpenseSpec(2, "Meals", "LCU-APP", "22.40", merchant="Sweetgreen"),
        ),
    ),
)
DRAFT_INVOICE_PROJECT = "BLF-WMS"

NON_BILLABLE_NOTES = ("Rework on our side, not billed", "Onboarding, not billed to the client")
REJECTION_REASONS = (
    "Please log this on the right task; it was the data migration, not this.",
    "This looks too long for that day; please check the hours.",
    "The workshop was cancelled that day; please correct the entry.",
    "Split this between the two projects you worked on.",
)

# --------------------------------------------------------------------------------------------------
# The calendar of the demo, from the anchor date
# --------------------------------------------------------------------------------------------------


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_working_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class DemoCalendar:
    anchor: date
    first_monday: date  # week 0
    last_monday: date  # week WEEKS - 1: last week
    cutoffs: tuple[date, date]  # the two invoiced months end on these days
    mid_period: date  # rate increases and cost raises start here

    @classmethod
    def of(cls, anchor: date) -> DemoCalendar:
        this_monday = anchor - timedelta(days=anchor.weekday())
        first = this_monday - timedelta(weeks=WEEKS)
        # The first two month ends at least ten days into the period.
        first_cutoff = _month_end(first + timedelta(days=10))
        second_cutoff = _month_end(first_cutoff + timedelta(days=1))
        return cls(
            anchor=anchor,
            first_monday=first,
            last_monday=this_monday - timedelta(weeks=1),
            cutoffs=(first_cutoff, second_cutoff),
            mid_period=first_cutoff + timedelta(days=1),
        )

    def week(self, number: int) -> date:
        return self.first_monday + timedelta(weeks=number)

    def issue_date(self, cutoff: date) -> date:
        return _next_working_day(cutoff + timedelta(days=2))

    def project_dates(self, spec: ProjectSpec) -> tuple[date, date]:
        start = self.week(spec.start_week)
        end = self.cutoffs[1] if spec.status == ProjectStatus.CLOSED else self.week(spec.end_week) + timedelta(days=4)
        return start, end

    def logging_window(self, spec: ProjectSpec) -> tuple[date, date]:
        """The days time is logged on a project (within its dates, before it was put on hold)."""
        start, end = self.project_dates(spec)
        if spec.status == ProjectStatus.ON_HOLD:
            end = self.week(ON_HOLD_FROM_WEEK) - timedelta(days=1)
        return start, end


def _round5(amount: Decimal) -> Decimal:
    return (amount / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 5


def role_rates(spec: ProjectSpec, company: CompanySpec) -> dict[str, Decimal]:
    return {role: _round5(Decimal(rate) * spec.rate_factor) for role, rate in BILL_RATES[company.currency].items()}


def increased(rate: Decimal) -> Decimal:
    return _round5(rate * Decimal("1.06"))


# --------------------------------------------------------------------------------------------------
# The plan: who logs what and when (no database)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedTask:
    phase: str
    spec: TaskSpec
    start: date
    finish: date


def planned_tasks(spec: ProjectSpec, cal: DemoCalendar) -> list[PlannedTask]:
    start, end = cal.project_dates(spec)
    span = (end - start).days
    tasks: list[PlannedTask] = []
    for phase in TEMPLATES[spec.template]:
        phase_start = start + timedelta(days=round(span * phase.start))
        phase_end = start + timedelta(days=round(span * phase.finish))
        tasks.extend(PlannedTask(phase.name, task, phase_start, phase_end) for task in phase.tasks)
    return tasks


@dataclass(frozen=True)
class PlannedEntry:
    username: str
    code: str
    task: str
    work_date: date
    minutes: int
    billable: bool
    note: str
    week: int
    reject_reason: str = ""


@dataclass
class Plan:
    calendar: DemoCalendar
    entries: list[PlannedEntry]
    submit_last_week: list[str]  # usernames who submitted last week (the others left it in draft)
    logged_minutes: dict[str, int] = field(default_factory=dict)  # by project code

    def budget_minutes(self, spec: ProjectSpec) -> int:
        if spec.budget_hours:
            return spec.budget_hours * 60
        hours = self.logged_minutes.get(spec.code, 0) / 60 / spec.burn
        return max(100, round(hours / 10) * 10) * 60


def _pick_tasks(tasks: list[PlannedTask], role: str, day: date) -> list[PlannedTask]:
    running = [t for t in tasks if t.start <= day <= t.finish]
    tags = ROLE_TAGS.get(role, frozenset())
    mine = [t for t in running if t.spec.tags & tags]
    if mine:
        return mine
    return [t for t in running if t.phase != _MANAGEMENT.name] or running or tasks


def _split(total: int, shares: list[float]) -> list[int]:
    """Split `total` quarter hours by shares (the last one takes the rest)."""
    weight = sum(shares)
    parts, left = [], total
    for share in shares[:-1]:
        part = min(left, round(total * share / weight))
        parts.append(part)
        left -= part
    parts.append(left)
    return parts


def make_plan(anchor: date) -> Plan:
    """Every time entry of the demo firm, decided by a seeded random generator."""
    rng = random.Random(SEED)  # noqa: S311 - demo data must be reproducible, not secret
    cal = DemoCalendar.of(anchor)
    specs = {p.code: p for p in PROJECTS}
    windows = {code: cal.logging_window(spec) for code, spec in specs.items() if spec.status != ProjectStatus.PLANNED}
    tasks = {code: planned_tasks(spec, cal) for code, spec in specs.items()}
    entries: list[PlannedEntry] = []
    for person in PEOPLE:
        if not person.assignments:
            continue
        for week in range(WEEKS):
            for weekday in range(5):
                day = cal.week(week) + timedelta(days=weekday)
                if rng.random() < 0.04:  # a day off
                    continue
                running = [
                    (code, share)
                    for code, share in person.assignments
                    if code in windows and windows[code][0] <= day <= windows[code][1]
                ]
                if not running:
                    continue
                total = rng.randint(*person.day_quarters)
                for (code, _), quarters in zip(running, _split(total, [s for _, s in running]), strict=True):
                    if quarters <= 0:
                        continue
                    choices = _pick_tasks(tasks[code], person.role, day)
                    weights = [t.spec.weight for t in choices]
                    if quarters >= 12 and len(choices) > 1 and rng.random() < 0.45:
                        first = rng.randint(4, quarters - 4)
                        picked = rng.sample(choices, 2)
                        parts = [(picked[0], first), (picked[1], quarters - first)]
                    else:
                        parts = [(rng.choices(choices, weights)[0], quarters)]
                    for task, q in parts:
                        billable = task.spec.billable
                        note = rng.choice(task.spec.notes)
                        if billable and rng.random() < 0.03:
                            billable, note = False, rng.choice(NON_BILLABLE_NOTES)
                        entries.append(
                            PlannedEntry(person.username, code, task.spec.name, day, q * 15, billable, note, week)
                        )
    # The week before last: a few entries rejected by the project's manager (never the manager's own).
    managers = {p.code: p.manager for p in PROJECTS}
    candidates = [
        i for i, e in enumerate(entries) if e.week == WEEKS - 2 and e.username != managers[e.code] and e.minutes >= 120
    ]
    for number, index in enumerate(sorted(rng.sample(candidates, len(REJECTION_REASONS)))):
        entry = entries[index]
        entries[index] = replace(entry, reject_reason=REJECTION_REASONS[number])
    loggers = [p.username for p in PEOPLE if p.assignments]
    submitters = [u for u in loggers if rng.random() < 0.55]
    logged: dict[str, int] = defaultdict(int)
    for e in entries:
        if not e.reject_reason:
            logged[e.code] += e.minutes
    return Plan(calendar=cal, entries=entries, submit_last_week=submitters, logged_minutes=dict(logged))


# --------------------------------------------------------------------------------------------------
# The build: replay the plan through the actions
# --------------------------------------------------------------------------------------------------


@dataclass
class _Built:
    admin: Viewer
    viewers: dict[str, Viewer]  # by username
    people: dict[str, Person]
    companies: dict[str, Company]
    projects: dict[str, Project] = field(default_factory=dict)
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)  # (code, task name)


def _people(cal: DemoCalendar) -> _Built:
    password = make_password(DEMO_PASSWORD)  # hashed once: every demo user shares it

    def user(spec: PersonSpec) -> User:
        return User.objects.create(
            username=spec.username, email=spec.email, first_name=spec.first, last_name=spec.last, password=password
        )

    admin_spec = next(p for p in PEOPLE if p.access == "admin")
    users = {admin_spec.username: user(admin_spec)}
    accounts.organisation_create(name=ORGANISATION_NAME, slug=ORGANISATION_SLUG, admin=users[admin_spec.username])
    admin = viewer_for(users[admin_spec.username])
    companies = {
        c.key: accounts.company_create(
            viewer=admin,
            name=c.name,
            legal_name=c.name,
            base_currency=c.currency,
            tax_id=c.tax_id,
            address=c.address,
            country=c.country,
            email=c.email,
        )
        for c in COMPANIES
    }
    admin = viewer_for(users[admin_spec.username])  # now sees both companies
    roles: dict[str, Role] = {name: accounts.role_create(viewer=admin, name=name) for name in ROLES}
    people: dict[str, Person] = {}
    for spec in PEOPLE:
        account = users.get(spec.username) or user(spec)
        people[spec.username] = accounts.person_create(
            viewer=admin,
            company=companies[spec.company],
            role=roles[spec.role],
            name=spec.name,
            email=spec.email,
            user=account,
            access_role=spec.access,
        )
        users[spec.username] = account
    viewers = {username: viewer_for(account) for username, account in users.items()}
    finance = viewers[next(p.username for p in PEOPLE if p.access == "finance")]
    hired = date(cal.first_monday.year - 1, 1, 1)
    for spec in PEOPLE:
        person = people[spec.username]
        rates.cost_rate_set(viewer=finance, person=person, valid_from=hired, hourly_cost=Decimal(spec.hourly_cost))
        if spec.cost_raise:
            rates.cost_rate_set(
                viewer=finance,
                person=person,
                valid_from=cal.mid_period,
                hourly_cost=Decimal(spec.hourly_cost + spec.cost_raise),
            )
    # Everyone joined before the demo's history begins (no time may be logged before a start date), and
    # the GmbH's finance lead keeps the timesheets of colleagues who are on the road.
    for person in people.values():
        accounts.person_start_date_set(viewer=admin, person=person, start_date=hired)
    accounts.log_for_others_set(viewer=admin, person=people[TIMESHEET_KEEPER], allowed=True)
    return _Built(admin=viewers[admin_spec.username], viewers=viewers, people=people, companies=companies)


def _clients(built: _Built) -> dict[str, Client]:
    return {
        c.name: crm.client_create(
            viewer=built.admin,
            name=c.name,
            currency=c.currency,
            billing_email=c.email,
            billing_address=c.address,
            country=c.country,
            tax_id=c.tax_id,
        )
        for c in CLIENTS
    }


def _projects(built: _Built, clients: dict[str, Client], plan: Plan) -> None:
    cal = plan.calendar
    company_specs = {c.key: c for c in COMPANIES}
    roles = {r.name: r for r in Role.objects.filter(organisation_id=built.admin.organisation_id)}
    for spec in PROJECTS:
        start, end = cal.project_dates(spec)
        budget_minutes = plan.budget_minutes(spec)
        rate_table = role_rates(spec, company_specs[spec.company])
        blended = sum(rate_table.values(), Decimal(0)) / len(rate_table)
        budget_amount = (Decimal(budget_minutes) / 60 * blended / 1000).quantize(Decimal(1)) * 1000
        project = projects.project_create(
            viewer=built.admin,
            company=built.companies[spec.company],
            client=clients[spec.client],
            manager=built.people[spec.manager],
            code=spec.code,
            name=spec.name,
            budget_minutes=budget_minutes,
            budget_amount_minor=int(budget_amount) * 100,
            start_date=start,
            end_date=end,
            status=ProjectStatus.PLANNED if spec.status == ProjectStatus.PLANNED else ProjectStatus.ACTIVE,
        )
        built.projects[spec.code] = project
        manager = built.viewers[spec.manager]
        for person in PEOPLE:
            if any(code == spec.code for code, _ in person.assignments):
                projects.project_member_add(viewer=manager, project=project, person=built.people[person.username])
        # The work breakdown: one summary task per phase, the work under it.
        weights = sum(t.spec.weight for t in planned_tasks(spec, cal))
        for phase in TEMPLATES[spec.template]:
            leaves = [t for t in planned_tasks(spec, cal) if t.phase == phase.name]
            estimates = [budget_minutes * t.spec.weight // weights // 60 * 60 for t in leaves]
            summary = projects.task_create(
                viewer=manager,
                project=project,
                name=phase.name,
                planned_start=leaves[0].start,
                planned_finish=leaves[0].finish,
                estimate_minutes=sum(estimates),
            )
            for leaf, estimate in zip(leaves, estimates, strict=True):
                built.tasks[(spec.code, leaf.spec.name)] = projects.task_create(
                    viewer=manager,
                    project=project,
                    name=leaf.spec.name,
                    parent=summary,
                    planned_start=leaf.start,
                    planned_finish=leaf.finish,
                    estimate_minutes=estimate,
                    billable=leaf.spec.billable,
                )
        # The rate card: every role, a rate increase mid-period on some, a couple of personal rates.
        for role_name, rate in rate_table.items():
            rates.bill_rate_set(
                viewer=manager, project=project, role=roles[role_name], valid_from=start, hourly_rate=rate
            )
            if spec.rate_increase:
                rates.bill_rate_set(
                    viewer=manager,
                    project=project,
                    role=roles[role_name],
                    valid_from=cal.mid_period,
                    hourly_rate=increased(rate),
                )
        for username, personal_rate in spec.overrides:
            rates.bill_rate_set(
                viewer=manager,
                project=project,
                person=built.people[username],
                valid_from=start,
                hourly_rate=Decimal(personal_rate),
            )
        _schedule(built, spec, project, plan)


def _working_days(start: date, finish: date) -> int:
    return sum(1 for n in range((finish - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)


def _schedule(built: _Built, spec: ProjectSpec, project: Project, plan: Plan) -> None:
    """Each task scheduled over its planned dates (a duration and "start no earlier than"), assigned to the
    person who logs most on it (else a member whose role fits, else the manager), and the plan saved as
    baseline 0 with its planned cost, so earned value has money."""
    manager = built.viewers[spec.manager]
    logged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in plan.entries:
        if e.code == spec.code and not e.reject_reason:
            logged[e.task][e.username] += e.minutes
    members = [p for p in PEOPLE if any(code == spec.code for code, _ in p.assignments)]
    for leaf in planned_tasks(spec, plan.calendar):
        task = built.tasks[(spec.code, leaf.spec.name)]
        projects.task_schedule_update(
            viewer=manager,
            task=task,
            duration_minutes=max(1, _working_days(leaf.start, leaf.finish)) * 480,
            constraint="SNET",
            constraint_date=to_aware(datetime.combine(leaf.start, time(9))),
        )
        by_minutes = sorted(logged[leaf.spec.name].items(), key=lambda kv: (-kv[1], kv[0]))
        fitting = [p.username for p in members if ROLE_TAGS.get(p.role, frozenset()) & leaf.spec.tags]
        who = by_minutes[0][0] if by_minutes else (fitting[0] if fitting else spec.manager)
        assignment_create(viewer=manager, task=task, person=built.people[who])
    rates.baseline_save_valued(viewer=manager, project=project, index=0, name="Signed-off plan")


def _progress(built: _Built, plan: Plan) -> None:
    """Each task's % complete: the share of its estimate logged so far (at most 100)."""
    logged: dict[tuple[str, str], int] = defaultdict(int)
    for e in plan.entries:
        if not e.reject_reason:
            logged[(e.code, e.task)] += e.minutes
    for spec in PROJECTS:
        manager = built.viewers[spec.manager]
        for leaf in planned_tasks(spec, plan.calendar):
            task = built.tasks[(spec.code, leaf.spec.name)]
            done = logged.get((spec.code, leaf.spec.name), 0)
            if done and task.estimate_minutes:
                percent = min(100, round(100 * done / task.estimate_minutes))
                projects.task_schedule_update(viewer=manager, task=task, percent_complete=percent)


def _history(built: _Built, plan: Plan) -> None:
    """The older weeks, approved: one bulk import, valued exactly as approval values entries."""
    rows = [
        ImportRow(
            project_id=built.projects[e.code].pk,
            task_id=built.tasks[(e.code, e.task)].pk,
            person_id=built.people[e.username].pk,
            work_date=e.work_date,
            minutes=e.minutes,
            billable=e.billable,
            note=e.note,
        )
        for e in plan.entries
        if e.week < WEEKS - 2
    ]
    timesheets.time_entries_import(viewer=built.admin, rows=rows, approved=True)
    on_hold = next(p for p in PROJECTS if p.status == ProjectStatus.ON_HOLD)
    projects.project_update(
        viewer=built.viewers[on_hold.manager], project=built.projects[on_hold.code], status=ProjectStatus.ON_HOLD
    )


def _expenses(built: _Built, plan: Plan) -> None:
    """Categories, dated mileage and per-diem rates per company, one exchange rate, and `CLAIMS`
    taken through their workflow (a handful of actions: the build stays fast). No receipt files."""
    cal = plan.calendar
    us_finance = _finance_of(built, "us")
    categories: dict[str, ExpenseCategory] = {
        name: expenses.category_create(viewer=us_finance, name=name, kind=kind, billable_default=billable)
        for name, kind, billable in EXPENSE_CATEGORIES
    }
    hired = date(cal.first_monday.year - 1, 1, 1)
    for key, company in built.companies.items():
        finance = _finance_of(built, key)
        unit, first, later = MILEAGE_RATES[key]
        expenses.mileage_rate_set(viewer=finance, company=company, valid_from=hired, rate=Decimal(first), unit=unit)
        if later != first:
            expenses.mileage_rate_set(
                viewer=finance, company=company, valid_from=cal.mid_period, rate=Decimal(later), unit=unit
            )
        for country, rate in PER_DIEM_RATES[key]:
            expenses.per_diem_rate_set(
                viewer=finance, company=company, country=country, valid_from=hired, rate=Decimal(rate)
            )
    rates.exchange_rate_set(
        viewer=us_finance,
        from_currency="EUR",
        to_currency="USD",
        day=cal.first_monday - timedelta(days=7),
        rate=EUR_USD,
    )
    company_key = {p.username: p.company for p in PEOPLE}
    for spec in CLAIMS:
        viewer = built.viewers[spec.username]
        claim = expenses.claim_create(viewer=viewer, title=spec.title)
        monday = cal.week(spec.week)
        for line in spec.lines:
            currency = line.currency or claim.currency
            expenses.line_add(
                viewer=viewer,
                claim=claim,
                date=monday + timedelta(days=line.day),
                category=categories[line.category],
                amount_minor=Money(Decimal(line.amount), currency).to_minor() if line.amount else None,
                currency=currency,
                merchant=line.merchant,
                distance=Decimal(line.distance) if line.distance else None,
                distance_unit=MILEAGE_RATES[company_key[spec.username]][0] if line.distance else "",
                days=Decimal(line.days) if line.days else None,
                country=line.country,
                project=built.projects[line.project] if line.project else None,
                markup_percent=Decimal(line.markup),
            )
        if spec.state == ClaimStatus.DRAFT:
            continue
        expenses.claim_submit(viewer=viewer, claim=claim)
        finance = _finance_of(built, company_key[spec.username])
        if spec.state == ClaimStatus.REJECTED:
            expenses.claim_reject(viewer=finance, claim=claim, reason=spec.reason)
        elif spec.state in (ClaimStatus.APPROVED, ClaimStatus.REIMBURSED):
            expenses.claim_approve(viewer=finance, claim=claim)
            if spec.state == ClaimStatus.REIMBURSED:
                expenses.claim_reimburse(viewer=finance, claim=claim)


def _finance_of(built: _Built, company_key: str) -> Viewer:
    spec = next(p for p in PEOPLE if p.access == "finance" and p.company == company_key)
    return built.viewers[spec.username]


def _invoice_months(built: _Built, plan: Plan) -> None:
    """Invoice each company's projects up to each of the two cut-offs, and issue the drafts."""
    cal = plan.calendar
    for cutoff in cal.cutoffs:
        for key, company in built.companies.items():
            finance = _finance_of(built, key)
            for invoice in billing.invoices_draft_all(viewer=finance, company=company, up_to=cutoff):
                billing.invoice_issue(viewer=finance, invoice=invoice, issue_date=cal.issue_date(cutoff))
    closed = next(p for p in PROJECTS if p.status == ProjectStatus.CLOSED)
    projects.project_update(
        viewer=built.viewers[closed.manager], project=built.projects[closed.code], status=ProjectStatus.CLOSED
    )


def _recent_weeks(built: _Built, plan: Plan) -> None:
    """The last two weeks, logged by each person: the week before last submitted and decided by the
    managers (a few entries rejected), last week partly submitted and partly still draft."""
    managers = {p.code: p.manager for p in PROJECTS}
    created: list[tuple[PlannedEntry, TimeEntry]] = []
    for e in plan.entries:
        if e.week < WEEKS - 2:
            continue
        entry = timesheets.time_entry_create(
            viewer=built.viewers[e.username],
            project=built.projects[e.code],
            task=built.tasks[(e.code, e.task)],
            work_date=e.work_date,
            minutes=e.minutes,
            billable=e.billable,
            note=e.note,
        )
        created.append((e, entry))
    cal = plan.calendar
    before_last = cal.week(WEEKS - 2)
    loggers = list(dict.fromkeys(e.username for e, _ in created))
    for username in loggers:
        if any(e.username == username and e.week == WEEKS - 2 for e, _ in created):
            timesheets.time_entries_submit(viewer=built.viewers[username], monday=before_last)
    # Decisions on the week before last: each manager decides on their projects; the administrator on
    # the managers' own time.
    approve: dict[str, list[int]] = defaultdict(list)
    reject: dict[tuple[str, str], list[int]] = defaultdict(list)
    admin = next(p.username for p in PEOPLE if p.access == "admin")
    for e, entry in created:
        if e.week != WEEKS - 2:
            continue
        decider = managers[e.code] if e.username != managers[e.code] else admin
        if e.reject_reason:
            reject[(decider, e.reject_reason)].append(entry.pk)
        else:
            approve[decider].append(entry.pk)
    for decider, ids in approve.items():
        timesheets.time_entries_approve(viewer=built.viewers[decider], entry_ids=ids)
    for (decider, reason), ids in reject.items():
        timesheets.time_entries_reject(viewer=built.viewers[decider], entry_ids=ids, reason=reason)
    for username in plan.submit_last_week:
        if any(e.username == username and e.week == WEEKS - 1 for e, _ in created):
            timesheets.time_entries_submit(viewer=built.viewers[username], monday=cal.last_monday)


def _draft_invoice(built: _Built, plan: Plan) -> Invoice:
    """One draft waiting for finance: everything approved on one project up to last week."""
    project = built.projects[DRAFT_INVOICE_PROJECT]
    spec = next(p for p in PROJECTS if p.code == DRAFT_INVOICE_PROJECT)
    return billing.invoice_draft_create(
        viewer=_finance_of(built, spec.company),
        project=project,
        up_to=plan.calendar.last_monday - timedelta(days=1),
    )


def demo_firm_exists() -> bool:
    return Organisation.objects.filter(slug=ORGANISATION_SLUG).exists()


@transaction.atomic
def build_demo_firm(*, anchor: date | None = None, progress: Callable[[str], None] | None = None) -> Organisation:
    """Build Northwind Consulting in the database: all of it, or nothing if a step fails.

    `anchor` (default: today) is the day the demo is "now": time ends the week before it. `progress`
    is called with the name of each step in `STEPS` once that step is done.
    """
    plan = make_plan(anchor or timezone.localdate())

    def done(step: str) -> None:
        if progress is not None:
            progress(step)

    built = _people(plan.calendar)
    done(STEPS[0])
    clients = _clients(built)
    done(STEPS[1])
    _projects(built, clients, plan)
    done(STEPS[2])
    _history(built, plan)
    _expenses(built, plan)  # before the invoices: the first claim is billed on the first one
    done(STEPS[3])
    _invoice_months(built, plan)
    done(STEPS[4])
    _recent_weeks(built, plan)
    _progress(built, plan)
    done(STEPS[5])
    _draft_invoice(built, plan)
    done(STEPS[6])
    return Organisation.objects.get(slug=ORGANISATION_SLUG)
