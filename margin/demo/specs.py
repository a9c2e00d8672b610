"""What the demo firm, Northwind Consulting, is made of: plain data, no dates and no database.

Weeks are counted from the first week of the firm's history (week 0); week `WEEKS` is the week of the anchor
(the day the demo is loaded), so every date follows from the anchor (`margin.demo.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from margin.expenses.models import ClaimStatus, DistanceUnit, ExpenseKind
from margin.projects.models import LinkKind, ProjectStatus

SEED = 2026  # of the random generator (a seed, not a year)
DEMO_PASSWORD = "margin-demo"
ORGANISATION_NAME = "Northwind Consulting"
ORGANISATION_SLUG = "northwind"
EMAIL_DOMAIN = "northwind.example"
WEEKS = 26  # of history, ending the week before the anchor's; the anchor's week is week WEEKS

# --------------------------------------------------------------------------------------------------
# Companies, roles, clients, people
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
    # Its working calendar: the organisation's standard week and the public holidays of this region.
    calendar: str
    subdivision: str
    max_day_minutes: int = 24 * 60
    closed: tuple[tuple[int, int, str], ...] = ()  # (month, day, why): the office's own days off, every year


COMPANIES = (
    CompanySpec(
        "us",
        "Northwind Consulting Inc.",
        "USD",
        "US",
        "EIN 84-2719364",
        "200 Atlantic Avenue, Suite 400\nBoston, MA 02110\nUnited States",
        f"billing@{EMAIL_DOMAIN}",
        calendar="Boston office",
        subdivision="MA",
    ),
    CompanySpec(
        "de",
        "Northwind Consulting GmbH",
        "EUR",
        "DE",
        "DE318452967",
        "Friedrichstraße 68\n10117 Berlin\nGermany",
        f"rechnung@{EMAIL_DOMAIN}",
        calendar="Berlin office",
        subdivision="BE",
        max_day_minutes=10 * 60,  # the German working-time law's daily maximum
        closed=((12, 24, "Heiligabend: office closed"), (12, 31, "Silvester: office closed")),
    ),
)
STANDARD_CALENDAR = "Standard"  # the organisation default both company calendars derive from

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
    billing_increment_minutes: int = 0  # 0: billed exactly as logged


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
        billing_increment_minutes=30,  # their contract bills started half hours
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
    joined_week: int | None = None  # None: before the history begins

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
    PersonSpec("Maya", "Chen", "us", PM, "manager", 85, (("BLF-WMS", 0.55), ("CHP-PORTAL", 0.45), ("LCU-LOS", 0.2))),
    PersonSpec("Omar", "Haddad", "us", PM, "manager", 82, (("SOC-SHOP", 0.5), ("IRB-PDM", 0.25), ("IRB-ERP", 0.25))),
    PersonSpec("Priya", "Nair", "us", PM, "manager", 80, (("LCU-APP", 0.5), ("SOC-CDP", 0.3), ("SOC-SHOP", 0.2))),
    PersonSpec("Liam", "Walsh", "us", SENIOR, "member", 78, (("BLF-WMS", 0.6), ("IRB-PDM", 0.4))),
    PersonSpec(
        "Sofia", "Alvarez", "us", CONSULTANT, "member", 60, (("BLF-WMS", 0.5), ("CHP-PORTAL", 0.5)), cost_raise=4
    ),
    PersonSpec("Ethan", "Brooks", "us", DEVELOPER, "member", 72, (("BLF-WMS", 1.0),)),
    PersonSpec(
        "Chloe",
        "Martin",
        "us",
        DESIGNER,
        "member",
        62,
        (("CHP-PORTAL", 0.5), ("LCU-APP", 0.3), ("SOC-SHOP", 0.2), ("LCU-LOS", 0.2)),
    ),
    PersonSpec("Noah", "Patel", "us", DEVELOPER, "member", 68, (("CHP-PORTAL", 0.7), ("SOC-SHOP", 0.3)), cost_raise=4),
    PersonSpec("Grace", "Kim", "us", CONSULTANT, "member", 58, (("SOC-SHOP", 0.6), ("SOC-CDP", 0.4)), cost_raise=3),
    PersonSpec("Lucas", "Reed", "us", SENIOR, "member", 76, (("IRB-PDM", 0.5), ("IRB-ERP", 0.5))),
    PersonSpec(
        "Hannah", "Scott", "us", DEVELOPER, "member", 70, (("LCU-APP", 0.5), ("IRB-ERP", 0.3), ("BLF-WMS", 0.2))
    ),
    PersonSpec(
        "Ben",
        "Turner",
        "us",
        CONSULTANT,
        "member",
        55,
        (("IRB-ERP", 0.4), ("SOC-CDP", 0.3), ("SOC-SHOP", 0.3), ("LCU-LOS", 0.4)),
    ),
    PersonSpec("Zoe", "Carter", "us", DESIGNER, "member", 60, (("SOC-SHOP", 0.5), ("BLF-WMS", 0.5))),
    PersonSpec(
        "Ryan",
        "Foster",
        "us",
        DEVELOPER,
        "member",
        66,
        (("SOC-SHOP", 0.6), ("LCU-APP", 0.4), ("LCU-LOS", 0.5)),
        joined_week=12,
    ),
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
DEMO_MEMBER = "liam"
TIMESHEET_KEEPER = "nora"  # may log time for others (Settings → People)

# --------------------------------------------------------------------------------------------------
# Plans: templates of a work breakdown with durations and links
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSpec:
    predecessor: str  # a task name of the same template
    kind: str = LinkKind.FS
    lag: float = 0  # in the template's relative days (scaled with the durations)
    # One link per pair of tasks (as in MS Project).


@dataclass(frozen=True)
class TaskSpec:
    name: str
    tags: frozenset[str]
    weight: int  # how much of the people's time it takes beside other running tasks
    notes: tuple[str, ...]
    days: float | None  # relative duration (scaled to fit the project); 0: a milestone; None: the whole project
    after: tuple[LinkSpec, ...] = ()
    billable: bool = True
    deadline: bool = False  # a deadline on the day the signed-off plan finishes it

    @property
    def milestone(self) -> bool:
        return self.days == 0


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    tasks: tuple[TaskSpec, ...]


def _t(
    name: str,
    tags: str,
    weight: int,
    notes: tuple[str, ...],
    days: float | None,
    *after: LinkSpec,
    billable: bool = True,
    deadline: bool = False,
) -> TaskSpec:
    return TaskSpec(name, frozenset(tags.split()), weight, notes, days, after, billable, deadline)


def _milestone(name: str, *after: LinkSpec, deadline: bool = False) -> TaskSpec:
    return TaskSpec(name, frozenset(), 0, (), 0, after, deadline=deadline)


FS, SS, FF = LinkKind.FS, LinkKind.SS, LinkKind.FF

_MANAGEMENT = PhaseSpec(
    "Project management",
    (
        _t(
            "Planning and status reporting",
            "pm",
            3,
            ("Weekly status report", "Steering committee", "Sprint planning", "Risk review with the client"),
            None,
        ),
        _t(
            "Internal coordination",
            "pm",
            1,
            ("Internal staffing sync", "Team retrospective", "Handover to a new team member"),
            None,
            billable=False,
        ),
    ),
)

TEMPLATES: dict[str, tuple[PhaseSpec, ...]] = {
    "software": (
        PhaseSpec(
            "Discovery",
            (
                _t(
                    "Stakeholder interviews",
                    "consult lead design",
                    2,
                    ("Interviews with the operations team", "Workshop with client stakeholders", "Synthesis notes"),
                    10,
                ),
                _t(
                    "Requirements backlog",
                    "consult pm",
                    2,
                    ("Refined user stories", "Backlog grooming with the product owner", "Acceptance criteria"),
                    12,
                    LinkSpec("Stakeholder interviews", SS, 4),
                ),
                _milestone("Requirements signed off", LinkSpec("Requirements backlog")),
            ),
        ),
        PhaseSpec(
            "Design",
            (
                _t(
                    "Solution architecture",
                    "dev consult lead",
                    3,
                    ("Architecture review", "Integration design with client IT", "Data model draft"),
                    15,
                    LinkSpec("Requirements signed off"),
                ),
                _t(
                    "UX and visual design",
                    "design",
                    3,
                    ("Wireframes", "Usability test session", "Design system"),
                    18,
                    LinkSpec("Stakeholder interviews"),
                ),
                _milestone("Design approved", LinkSpec("Solution architecture"), LinkSpec("UX and visual design")),
            ),
        ),
        PhaseSpec(
            "Build",
            (
                _t(
                    "Back end and integrations",
                    "dev",
                    8,
                    ("API endpoints", "Fixed integration defects", "Code review", "Sprint work"),
                    40,
                    LinkSpec("Design approved"),
                ),
                _t(
                    "Front end",
                    "dev design",
                    6,
                    ("Built UI screens", "Accessibility fixes", "Sprint work"),
                    32,
                    LinkSpec("Back end and integrations", SS, 8),
                ),
                _t(
                    "Data migration",
                    "dev consult",
                    3,
                    ("Mapping legacy data", "Migration dry run"),
                    20,
                    LinkSpec("Solution architecture", FS, 5),
                ),
            ),
        ),
        PhaseSpec(
            "Test and launch",
            (
                _t(
                    "QA and test automation",
                    "dev consult",
                    3,
                    ("Regression suite", "Test plan", "Bug triage"),
                    20,
                    LinkSpec("Back end and integrations", SS, 20),
                    LinkSpec("Front end", FF, 3),
                ),
                _t(
                    "UAT support",
                    "consult design pm",
                    2,
                    ("UAT session with key users", "Triaged UAT findings"),
                    8,
                    LinkSpec("QA and test automation"),
                    LinkSpec("Data migration"),
                ),
                _milestone("Go-live", LinkSpec("UAT support"), deadline=True),
                _t(
                    "Hypercare",
                    "dev consult pm",
                    2,
                    ("Cut-over support", "Hypercare support", "Handover to client IT"),
                    8,
                    LinkSpec("Go-live"),
                ),
            ),
        ),
        _MANAGEMENT,
    ),
    "analytics": (
        PhaseSpec(
            "Discovery",
            (
                _t(
                    "Data assessment",
                    "consult dev lead",
                    3,
                    ("Profiled source systems", "Data quality review", "Access to data sources"),
                    10,
                ),
                _t(
                    "Use-case workshops",
                    "consult design lead",
                    2,
                    ("Use-case workshop", "Prioritised use cases with the client"),
                    8,
                    LinkSpec("Data assessment", SS, 3),
                ),
                _milestone("Use cases prioritised", LinkSpec("Use-case workshops")),
            ),
        ),
        PhaseSpec(
            "Build",
            (
                _t(
                    "Data pipelines",
                    "dev",
                    6,
                    ("Ingestion jobs", "Pipeline monitoring", "Sprint work"),
                    30,
                    LinkSpec("Data assessment"),
                ),
                _t(
                    "Models and analytics",
                    "consult dev",
                    5,
                    ("Feature engineering", "Model evaluation", "Back-testing results"),
                    28,
                    LinkSpec("Use cases prioritised"),
                    LinkSpec("Data pipelines", SS, 8),
                ),
                _t(
                    "Dashboards",
                    "design dev",
                    3,
                    ("Dashboard layout", "KPI definitions with the client"),
                    15,
                    LinkSpec("Data pipelines", SS, 10),
                    LinkSpec("Models and analytics", FF, 3),
                ),
            ),
        ),
        PhaseSpec(
            "Rollout",
            (
                _t(
                    "Training",
                    "consult design",
                    2,
                    ("Training session", "Training material"),
                    6,
                    LinkSpec("Dashboards"),
                ),
                _t(
                    "Handover and documentation",
                    "consult dev pm",
                    2,
                    ("Runbook", "Handover to client IT"),
                    6,
                    LinkSpec("Training", SS, 2),
                    LinkSpec("Data pipelines"),
                ),
                _milestone(
                    "Handover accepted", LinkSpec("Training"), LinkSpec("Handover and documentation"), deadline=True
                ),
            ),
        ),
        _MANAGEMENT,
    ),
    "process": (
        PhaseSpec(
            "Analysis",
            (
                _t(
                    "Process mapping",
                    "consult design lead",
                    3,
                    ("Current-state process map", "Shadowed the claims team", "Pain-point analysis"),
                    12,
                ),
                _t(
                    "Requirements",
                    "consult pm",
                    2,
                    ("Requirements workshop", "Signed-off requirements"),
                    10,
                    LinkSpec("Process mapping", SS, 4),
                ),
                _milestone("Requirements signed off", LinkSpec("Requirements")),
            ),
        ),
        PhaseSpec(
            "Implementation",
            (
                _t(
                    "Configuration",
                    "consult dev",
                    4,
                    ("Configured workflows", "Master data set-up"),
                    22,
                    LinkSpec("Requirements signed off"),
                ),
                _t(
                    "Integrations",
                    "dev",
                    5,
                    ("Interface to the ERP", "Message mapping", "Sprint work"),
                    24,
                    LinkSpec("Configuration", SS, 5),
                ),
                _t(
                    "Automation scripts",
                    "dev",
                    3,
                    ("Automation scripts", "Code review"),
                    12,
                    LinkSpec("Configuration"),
                ),
                _t(
                    "User interface",
                    "design",
                    2,
                    ("Screen design", "Usability review"),
                    10,
                    LinkSpec("Configuration", FF, 2),
                ),
            ),
        ),
        PhaseSpec(
            "Rollout",
            (
                _t(
                    "Testing",
                    "consult dev",
                    3,
                    ("System test", "Defect fixing"),
                    10,
                    LinkSpec("Integrations"),
                    LinkSpec("Automation scripts"),
                ),
                _t(
                    "Training and change management",
                    "consult design pm",
                    2,
                    ("Key-user training", "Change impact assessment"),
                    8,
                    LinkSpec("Testing", SS, 5),
                ),
                _milestone("Go-live", LinkSpec("Testing"), LinkSpec("Training and change management"), deadline=True),
            ),
        ),
        _MANAGEMENT,
    ),
}

# --------------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    company: str
    client: str
    manager: str  # username
    start_week: int
    end_week: int  # the signed-off plan is fitted to end this week (a closed project: at a past month end)
    template: str
    status: str = ProjectStatus.ACTIVE  # the status it ends up in
    rate_factor: Decimal = Decimal(1)
    rate_increase: bool = False  # role rates go up 6 % mid-period
    overrides: tuple[tuple[str, int], ...] = ()  # (username, hourly rate)
    # How the work went against the signed-off plan: started tasks take `pace` times their planned
    # duration; `late` tasks could not start before this many working days after their planned start.
    pace: float = 1.0
    late: tuple[tuple[str, int], ...] = ()
    budget_factor: float = 1.1  # hours budget = the estimates × this (below 1: a budget that runs out)
    budget_hours: int = 0  # a fixed budget instead (a planned project)


PROJECTS = (
    ProjectSpec(
        "BLF-WMS",
        "Warehouse management system rollout",
        "us",
        "Bluefin Logistics",
        "maya",
        2,
        38,
        "software",
        rate_increase=True,
        overrides=(("liam", 190),),
        pace=1.15,
    ),
    ProjectSpec(
        "CHP-PORTAL",
        "Patient portal redesign",
        "us",
        "Cedar Health Partners",
        "maya",
        6,
        31,
        "software",
        rate_factor=Decimal("0.95"),
        budget_factor=0.85,
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
        status=ProjectStatus.PLANNED,
        budget_hours=480,
    ),
    ProjectSpec(
        "SOC-SHOP",
        "E-commerce replatforming",
        "us",
        "Summit Outdoor Co.",
        "omar",
        0,
        32,
        "software",
        rate_factor=Decimal("1.05"),
        rate_increase=True,
        pace=1.05,
    ),
    ProjectSpec(
        "IRB-PDM",
        "Predictive maintenance pilot",
        "us",
        "Ironbridge Manufacturing",
        "omar",
        3,
        17,  # ends on the month end before the last invoiced one, whatever this says
        "analytics",
        status=ProjectStatus.CLOSED,
    ),
    ProjectSpec("IRB-ERP", "ERP data migration", "us", "Ironbridge Manufacturing", "omar", 14, 40, "process"),
    ProjectSpec("LCU-APP", "Member mobile app", "us", "Lakeshore Credit Union", "priya", 10, 36, "software", pace=0.95),
    ProjectSpec(
        "SOC-CDP",
        "Customer data platform",
        "us",
        "Summit Outdoor Co.",
        "priya",
        8,
        34,
        "analytics",
        status=ProjectStatus.ON_HOLD,
    ),
    ProjectSpec(
        "ALP-MES",
        "Shop-floor MES integration",
        "de",
        "Alpenwerk Maschinenbau AG",
        "greta",
        1,
        33,
        "process",
        rate_increase=True,
        overrides=(("lena", 170),),
        late=(("Integrations", 10),),  # the client's middleware access came two weeks late
    ),
    ProjectSpec(
        "NLV-CLM",
        "Claims process automation",
        "de",
        "Nordlicht Versicherung AG",
        "greta",
        12,
        32,
        "process",
        rate_factor=Decimal("0.95"),
    ),
    ProjectSpec(
        "RHE-SMA", "Smart meter analytics", "de", "Rheinland Energie GmbH", "jonas", 3, 28, "analytics", pace=1.05
    ),
    ProjectSpec(
        "RHE-GRID",
        "Grid maintenance planning",
        "de",
        "Rheinland Energie GmbH",
        "jonas",
        16,
        38,
        "analytics",
        rate_factor=Decimal("1.05"),
    ),
)
ON_HOLD_FROM_WEEK = 20  # the on-hold project stopped at the start of this week
DRAFT_INVOICE_PROJECT = "BLF-WMS"
# An over-allocation for leveling to solve: the project being planned has this person at these units on two of
# its tasks that overlap.
OVERLOAD = ("LCU-LOS", "ryan", (("Integrations", 80), ("Automation scripts", 60)))
WIP_LIMITED = ("BLF-WMS", 5)  # the project whose "In progress" column has a WIP limit, and the limit
DELEGATE = ("IRB-ERP", "lucas")  # the project's manager lets this senior approve its time too

# --------------------------------------------------------------------------------------------------
# Expenses
# --------------------------------------------------------------------------------------------------

# Categories: (name, kind, billable by default).
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
PER_DIEM_RATES = {"us": (("US", "59"), ("DE", "64"), ("GB", "71")), "de": (("DE", "28"), ("AT", "35"))}
# Daily reference rates from the euro (as the ECB quotes them): where the random walk of each starts.
EXCHANGE_RATES = {"USD": Decimal("1.0850"), "GBP": Decimal("0.8560")}


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
    week: int
    state: str  # ClaimStatus
    lines: tuple[ExpenseSpec, ...]
    reason: str = ""  # of a rejection


CLAIMS = (
    ClaimSpec(
        "liam",
        "Bluefin kick-off workshop, Memphis",
        2,
        ClaimStatus.REIMBURSED,  # billable, and billed on the month's invoice
        (
            ExpenseSpec(0, "Travel", "BLF-WMS", "412.80", merchant="Delta Air Lines", markup=10),
            ExpenseSpec(0, "Lodging", "BLF-WMS", "378.00", merchant="Hampton Inn Memphis"),
            ExpenseSpec(1, "Meals", "BLF-WMS", "46.50", merchant="Central BBQ"),
            ExpenseSpec(2, "Mileage", "BLF-WMS", distance="84"),
        ),
    ),
    ClaimSpec(
        "omar",
        "Retail technology conference, London",
        9,
        ClaimStatus.REIMBURSED,
        (
            ExpenseSpec(0, "Travel", None, "486.20", "GBP", merchant="British Airways"),
            ExpenseSpec(1, "Lodging", None, "612.00", "GBP", merchant="The Hoxton, Holborn"),
            ExpenseSpec(1, "Per diem", None, days="2", country="GB"),
        ),
    ),
    ClaimSpec(
        "noah",
        "UX conference, Berlin",
        15,
        ClaimStatus.APPROVED,
        (
            ExpenseSpec(1, "Travel", None, "450.00", "EUR", merchant="UX Berlin e.V."),
            ExpenseSpec(1, "Per diem", None, days="2", country="DE"),
        ),
    ),
    ClaimSpec(
        "lena",
        "Werksbesuch Alpenwerk, Augsburg",
        WEEKS - 2,  # after the last invoiced month: billable and not invoiced yet
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

NON_BILLABLE_NOTES = ("Rework on our side, not billed", "Onboarding, not billed to the client")
REJECTION_REASONS = (
    "Please log this on the right task; it was the data migration, not this.",
    "This looks too long for that day; please check the hours.",
    "The workshop was cancelled that day; please correct the entry.",
    "Split this between the two projects you worked on.",
)
