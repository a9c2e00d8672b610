"""The demo firm's RAID log: on the demo manager's largest project, risks spread across the heat matrix (one
mitigated by a task of the plan, assessed residually), two issues (one resolved), two decisions, a change request
the client asked for that was approved and applied (the budget, the contract's value and the plan moved, a baseline
saved) and one submitted, waiting for a decision; on a second project, two more risks for the portfolio's matrix.

Everything goes through the actions, so the audit rows, events and notifications are those of real use."""

from __future__ import annotations

from datetime import date, timedelta

from margin.accounts.queries import Viewer
from margin.crm.models import Contact
from margin.demo.specs import DEMO_MANAGER, OVERLOAD
from margin.projects.models import Project, ProjectStatus, Task
from margin.projects.queries import members_of
from margin.resourcing.actions import assignment_create
from margin.resourcing.models import Assignment
from margin.risks.actions import (
    ProposedTask,
    change_request_apply,
    change_request_approve,
    change_request_create,
    change_request_submit,
    decision_create,
    issue_create,
    issue_resolve,
    risk_create,
)

TEMPLATE_SOURCE = "BLF-WMS"  # margin.demo.firm.TEMPLATE's source project (firm imports this module)
# (title, category, probability, impact, response)
RISKS: tuple[tuple[str, str, int, int, str], ...] = (
    ("Client data arrives late for migration", "Schedule", 4, 5, "mitigate"),
    ("Lead architect needed on another bid", "Resources", 3, 4, "mitigate"),
    ("Scope creep in the reporting area", "Scope", 4, 3, "avoid"),
    ("Hosting provider price increase", "Cost", 2, 2, "accept"),
    ("Single sign-on vendor API changes", "Technical", 1, 5, "transfer"),
    ("Go-live clashes with the client's year end", "Schedule", 5, 5, "mitigate"),
)


def _project(viewers: dict[str, Viewer]) -> tuple[Viewer, Project] | None:
    manager = viewers.get(DEMO_MANAGER)
    if manager is None or manager.person_id is None:
        return None
    # Not the template's source (the template is a copy of its plan) nor the over-allocated project (leveling's
    # story): the change request adds tasks to the plan.
    project = (
        Project.objects.filter(
            manager_id=manager.person_id, is_template=False, archived_at__isnull=True, status=ProjectStatus.ACTIVE
        )
        .exclude(code__in=[TEMPLATE_SOURCE, OVERLOAD[0]])
        .order_by("-budget_minutes", "id")
        .first()
    )
    return (manager, project) if project is not None else None


def _leaves(project: Project) -> list[Task]:
    return list(Task.objects.filter(project=project, children__isnull=True).order_by("position", "id"))


def demo_risks(admin: Viewer, viewers: dict[str, Viewer], anchor: date) -> None:
    found = _project(viewers)
    if found is None:
        return
    manager, project = found
    team = [p for p in members_of(project) if p.pk != project.manager_id] or list(members_of(project))
    leaves = _leaves(project)
    today = anchor
    risks = []
    for n, (title, category, p, i, response) in enumerate(RISKS):
        mitigated = n == 0 and leaves
        risks.append(
            risk_create(
                viewer=manager,
                project=project,
                title=title,
                category=category,
                probability=p,
                impact=i,
                response=response,
                owner=team[n % len(team)],
                review_date=today + timedelta(days=7 * (n + 1)),
                contingency_minor=(n + 1) * 250_000 if p * i >= 12 else 0,
                **(
                    {
                        "mitigation": "Agree a data delivery plan with the client; run a trial migration early.",
                        "mitigation_tasks": leaves[:1],
                        "residual_probability": 2,
                        "residual_impact": 3,
                    }
                    if mitigated
                    else {}
                ),
            )
        )
    outage = issue_create(
        viewer=manager,
        project=project,
        title="Test environment down after the upgrade",
        severity="high",
        owner=team[0],
        due_date=today - timedelta(days=3),
        tasks=leaves[1:2],
    )
    issue_resolve(viewer=manager, issue=outage, resolution="Rolled back the database driver; upgrade re-planned.")
    issue_create(
        viewer=manager,
        project=project,
        title="Client sign-off on the wireframes is overdue",
        severity="medium",
        owner=team[-1],
        due_date=today + timedelta(days=5),
    )
    decision_create(
        viewer=manager,
        project=project,
        title="Trial migration before the build",
        decision="We run a trial migration with last month's data before the build starts.",
        rationale="Takes the largest risk off the critical path.",
        decided_by=members_of(project).get(pk=project.manager_id),
        risk=risks[0],
    )
    contact = Contact.objects.filter(client_id=project.client_id).order_by("-primary", "id").first()
    reports = change_request_create(
        viewer=manager,
        project=project,
        title="Monthly management reports",
        description="The client's CFO asks for a monthly management report pack.",
        requested_by_name=contact.name if contact is not None else "The client's CFO",
        requested_by_contact=contact,
        schedule_days=4,
        effort_minutes=32 * 60,
        cost_minor=240_000,
        price_minor=480_000,
        save_baseline=True,
        tasks=[
            ProposedTask(name="Report pack design", estimate_minutes=12 * 60, duration_days=2, predecessor=leaves[-1])
            if leaves
            else ProposedTask(name="Report pack design", estimate_minutes=12 * 60, duration_days=2),
            ProposedTask(name="Report pack build", estimate_minutes=20 * 60, duration_days=3),
        ],
    )
    change_request_submit(viewer=manager, change=reports)
    change_request_approve(
        viewer=manager,
        change=reports,
        note="Agreed in the steering committee.",
        client_contact=contact,
        client_name="" if contact is not None else "The client's CFO",
    )
    change_request_apply(viewer=manager, change=reports)
    reports.refresh_from_db()
    # The new work goes to people who have none on the over-allocated project (leveling's story stays its own).
    busy = set(Assignment.objects.filter(task__project__code=OVERLOAD[0]).values_list("person_id", flat=True))
    free = [p for p in team if p.pk not in busy] or team
    for n, task in enumerate(Task.objects.filter(pk__in=reports.applied["tasks"]).order_by("id")):
        assignment_create(viewer=manager, task=task, person=free[n % len(free)])
    decision_create(
        viewer=manager,
        project=project,
        title="Reports added to the scope",
        decision="CR-1 is approved: the report pack is built after the main delivery.",
        change_request=reports,
    )
    waiting = change_request_create(
        viewer=manager,
        project=project,
        title="Second language for the portal",
        description="Add German to the customer portal.",
        requested_by_name="Client marketing",
        schedule_days=6,
        effort_minutes=40 * 60,
        cost_minor=300_000,
        price_minor=600_000,
        tasks=[ProposedTask(name="Translate and test the portal in German", estimate_minutes=40 * 60, duration_days=5)],
    )
    change_request_submit(viewer=manager, change=waiting)
    other = (
        Project.objects.filter(
            organisation_id=admin.organisation_id, is_template=False, archived_at__isnull=True, status="active"
        )
        .exclude(pk=project.pk)
        .order_by("code")
        .first()
    )
    if other is not None:
        risk_create(viewer=admin, project=other, title="Budget overrun on testing", probability=3, impact=3)
        risk_create(viewer=admin, project=other, title="Key user unavailable in August", probability=4, impact=2)
