"""The demo firm's skills: a consultancy's taxonomy (technology, delivery, industry), each person's 3–7 skills at
levels that fit their job role, most confirmed by their line manager (an administrator where they have none),
and certifications — one lapsing within 30 days (the demo member's) and one expired.

Deterministic: the same firm gets the same skills on every load (its own seeded generator, no dates but the
anchor's)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.demo.specs import CONSULTANT, DEMO_MEMBER, DESIGNER, DEVELOPER, FINANCE, PEOPLE, PM, PRINCIPAL, SEED, SENIOR
from margin.resourcing.actions import (
    CertificationInput,
    certification_add,
    person_skill_confirm,
    person_skill_set,
    skill_category_create,
    skill_create,
)
from margin.resourcing.models import Skill

TAXONOMY: dict[str, tuple[tuple[str, str], ...]] = {
    "Technology": (
        ("Python", "Python services, scripts and data work"),
        ("Django", "Web applications on Django"),
        ("Java", "Java and Spring back ends"),
        (".NET", "C# and .NET applications"),
        ("React", "React front ends"),
        ("TypeScript", "Typed JavaScript, front and back end"),
        ("PostgreSQL", "Schema design, tuning, operations"),
        ("AWS", "Amazon Web Services: architecture and operations"),
        ("Azure", "Microsoft Azure: architecture and operations"),
        ("SAP S/4HANA", "SAP ERP: finance, logistics, configuration"),
        ("Data engineering", "Pipelines, warehouses, dbt, Spark"),
        ("DevOps", "CI/CD, containers, infrastructure as code"),
        ("UX design", "Research, flows, prototypes"),
    ),
    "Delivery": (
        ("Project management", "Plans, budgets, risks, reporting"),
        ("Scrum", "Agile delivery in sprints"),
        ("Business analysis", "Requirements, processes, acceptance"),
        ("Solution architecture", "Designing systems end to end"),
        ("Change management", "Training, adoption, communication"),
        ("Financial control", "Budgets, invoicing, month-end"),
    ),
    "Industry": (
        ("Finance sector", "Banks, credit unions, insurers"),
        ("Healthcare", "Hospitals, clinics, health records"),
        ("Manufacturing", "Plants, MES, product data"),
        ("Retail", "Shops, e-commerce, customer data"),
        ("Energy & utilities", "Grids, metering, utilities"),
        ("Logistics", "Warehouses, transport, supply chain"),
    ),
}

# For each job role: the skills it always has (with a typical level) and those it may have.
CORE: dict[str, tuple[tuple[str, int], ...]] = {
    PRINCIPAL: (("Solution architecture", 5), ("Project management", 4)),
    PM: (("Project management", 4), ("Scrum", 4)),
    SENIOR: (("Solution architecture", 4), ("Business analysis", 4)),
    CONSULTANT: (("Business analysis", 3), ("Change management", 3)),
    DEVELOPER: (("PostgreSQL", 3),),
    DESIGNER: (("UX design", 4),),
    FINANCE: (("Financial control", 4),),
}
EXTRA: dict[str, tuple[str, ...]] = {
    PRINCIPAL: ("Finance sector", "Healthcare", "Business analysis", "AWS"),
    PM: ("Business analysis", "Change management", "Finance sector", "Healthcare", "Retail", "Logistics"),
    SENIOR: ("SAP S/4HANA", "Azure", "AWS", "Data engineering", "Manufacturing", "Energy & utilities", "Scrum"),
    CONSULTANT: ("Scrum", "SAP S/4HANA", "Retail", "Healthcare", "Logistics", "Project management"),
    DEVELOPER: (
        "Python",
        "Django",
        "Java",
        ".NET",
        "React",
        "TypeScript",
        "AWS",
        "Azure",
        "DevOps",
        "Data engineering",
    ),
    DESIGNER: ("React", "TypeScript", "Retail", "Healthcare", "Business analysis"),
    FINANCE: ("SAP S/4HANA", "Project management", "Finance sector"),
}
# (username, certification, issuer, skill, obtained days before the anchor, expires days after it: None never)
CERTIFICATIONS: tuple[tuple[str, str, str, str, int, int | None], ...] = (
    (DEMO_MEMBER, "AWS Certified Solutions Architect – Associate", "Amazon Web Services", "AWS", 3 * 365 - 18, 18),
    ("sofia", "Microsoft Certified: Azure Fundamentals", "Microsoft", "Azure", 2 * 365 + 40, -40),
    ("maya", "Project Management Professional (PMP)", "PMI", "Project management", 400, 3 * 365 - 400),
    ("maya", "Professional Scrum Master I", "Scrum.org", "Scrum", 900, None),
    ("lucas", "SAP Certified Application Associate – S/4HANA Finance", "SAP", "SAP S/4HANA", 500, 2 * 365),
    ("greta", "PRINCE2 Practitioner", "PeopleCert", "Project management", 700, 5 * 365 - 700),
    ("ethan", "AWS Certified Developer – Associate", "Amazon Web Services", "AWS", 200, 3 * 365 - 200),
    ("noah", "Microsoft Certified: Azure Developer Associate", "Microsoft", "Azure", 300, 65),
)
UNCONFIRMED_SHARE = 0.2  # about one level in five is still a self-assessment


def demo_skills(admin: Viewer, viewers: dict[str, Viewer], people: dict[str, Person], anchor: date) -> None:
    """Build the taxonomy, everyone's skills and a few certifications (as of ``anchor``)."""
    rng = random.Random(SEED + 12)  # noqa: S311 (demo data, not secrets)
    skills: dict[str, Skill] = {}
    for category_name, entries in TAXONOMY.items():
        category = skill_category_create(viewer=admin, name=category_name)
        for name, description in entries:
            skills[name] = skill_create(viewer=admin, category=category, name=name, description=description)
    by_user = {viewer.user_id: viewer for viewer in viewers.values()}
    for spec in PEOPLE:
        person = people[spec.username]
        own = viewers[spec.username]
        manager = person.manager
        confirmer = by_user.get(manager.user_id) if manager is not None and manager.user_id else None
        if confirmer is None and own.user_id != admin.user_id:
            confirmer = admin
        picked = list(CORE[spec.role])
        extras = rng.sample(EXTRA[spec.role], k=min(len(EXTRA[spec.role]), rng.randint(2, 4)))
        picked += [(name, rng.choice((2, 3, 3, 4, 4, 5))) for name in extras]
        for name, level in picked[:7]:
            level = max(1, min(5, level + rng.choice((-1, 0, 0, 0, 1))))
            years = max(0, min(30, level * 2 + rng.randint(-2, 3)))
            held = person_skill_set(viewer=own, person=person, skill=skills[name], level=level, years=years)
            if confirmer is not None and rng.random() >= UNCONFIRMED_SHARE:
                person_skill_confirm(viewer=confirmer, person_skill=held)
    for username, name, issuer, skill, obtained_ago, expires_in in CERTIFICATIONS:
        if username not in people:
            continue
        certification_add(
            viewer=viewers[username],
            person=people[username],
            data=CertificationInput(
                name=name,
                issuer=issuer,
                obtained_on=anchor - timedelta(days=obtained_ago),
                expires_on=anchor + timedelta(days=expires_in) if expires_in is not None else None,
                skill=skills[skill],
            ),
        )
