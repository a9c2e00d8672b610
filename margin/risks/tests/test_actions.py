"""RAID and change control: each action's state change, audit row and events; refusals change nothing; other
organisations' and invisible projects' items answer 404; applying a change request moves budget, contract, plan
and baseline in one transaction (twice or unapproved: 409; a failure half-way: nothing kept)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from margin.contracts import actions as contracts
from margin.contracts.models import BillingLine, BillingModel, Contract
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import Notification
from margin.crm import actions as crm
from margin.notifications.models import Event
from margin.projects.models import Baseline, Dependency, Project, Task
from margin.rates.actions import exchange_rate_set
from margin.risks.actions import (
    ProposedTask,
    change_request_apply,
    change_request_approve,
    change_request_create,
    change_request_reject,
    change_request_submit,
    change_request_update,
    decision_create,
    issue_create,
    issue_resolve,
    issue_update,
    risk_close,
    risk_create,
    risk_update,
)
from margin.risks.models import ChangeRequest, ChangeRequestTask, ChangeStatus, IssueStatus, Risk, RiskStatus
from margin.risks.queries import (
    change_request_get,
    issue_get,
    portfolio_risk_matrix,
    risk_get,
    risk_matrix,
    risks_of,
)
from tests.checks import audit_row, refused
from tests.firm import Firm


def _told(firm_user_id: int, kind: str) -> list[str]:
    return list(Notification.objects.filter(user_id=firm_user_id, kind=kind).values_list("text", flat=True))


# --- risks ------------------------------------------------------------------------------------------------


def test_a_risk_gets_its_reference_score_audit_and_tells_its_owner(firm: Firm) -> None:
    risk = risk_create(
        viewer=firm.manager,
        project=firm.project,
        title="Key architect may leave",
        probability=3,
        impact=4,
        owner=firm.member_person,
        mitigation_tasks=[firm.design],
        residual_probability=2,
        residual_impact=2,
        contingency_minor=250_000,
    )
    assert (risk.reference, risk.score, risk.residual_score, risk.currency) == ("R-1", 12, 4, "USD")
    assert list(risk.mitigation_tasks.all()) == [firm.design]
    after = audit_row("risk.create", risk).after
    assert after is not None and after["score"] == 12 and after["mitigation_tasks"] == [firm.design.pk]
    assert _told(firm.member_user.pk, "assignment.owner") == ["You own risk R-1 Key architect may leave on GLX-1"]
    assert _told(firm.member_user.pk, "risk.raised") == ["R-1 Key architect may leave logged on GLX-1 (score 12)"]
    assert _told(firm.manager_user.pk, "risk.raised") == []  # the actor is not told of their own act
    assert _told(firm.member2_user.pk, "risk.raised") == []  # neither owner nor manager
    second = risk_create(viewer=firm.admin, project=firm.project, title="Scope creep", probability=1, impact=1)
    assert second.reference == "R-2"
    assert _told(firm.manager_user.pk, "risk.raised") == ["R-2 Scope creep logged on GLX-1 (score 1)"]


@pytest.mark.parametrize(
    ("details", "error", "match"),
    [
        ({"probability": 6}, Invalid, "from 1 to 5"),
        ({"impact": 0}, Invalid, "from 1 to 5"),
        ({"residual_probability": 2}, Invalid, "both the residual"),
        ({"response": "ignore"}, Invalid, "Unknown response"),
        ({"title": "  "}, Invalid, "Title is required"),
        ({"contingency_minor": -1}, Invalid, "zero or more"),
    ],
)
def test_bad_risks_are_refused_and_nothing_is_written(
    firm: Firm, details: dict[str, object], error: type[Exception], match: str
) -> None:
    values: dict[str, object] = {"title": "Risk", "probability": 2, "impact": 2, **details}
    with refused(error, firm.project, match=match):  # type: ignore[arg-type]
        risk_create(viewer=firm.manager, project=firm.project, **values)  # type: ignore[arg-type]


def test_who_may_log_risks_and_whom_they_name(firm: Firm) -> None:
    with refused(Forbidden, firm.project, match="manager or an administrator"):
        risk_create(viewer=firm.member, project=firm.project, title="R", probability=1, impact=1)
    with refused(NotFound):
        risk_create(viewer=firm.other_admin, project=firm.project, title="R", probability=1, impact=1)
    finn = firm.finance_user.person  # not on the project: would be told of a project they may not see
    with refused(Invalid, match="not on project GLX-1"):
        risk_create(viewer=firm.manager, project=firm.project, title="R", probability=1, impact=1, owner=finn)
    other_task = Task.objects.create(project=firm.other_project, name="Theirs")
    with refused(NotFound, match="No such task"):
        risk_create(
            viewer=firm.manager, project=firm.project, title="R", probability=1, impact=1, mitigation_tasks=[other_task]
        )


def test_a_risk_answers_404_outside_its_projects(firm: Firm) -> None:
    risk = risk_create(viewer=firm.manager, project=firm.project, title="R", probability=2, impact=3)
    assert risk_get(firm.member, risk.pk) == risk  # members see their project's register
    with pytest.raises(NotFound):
        risk_get(firm.other_admin, risk.pk)
    lone = Project.objects.create(
        organisation_id=firm.project.organisation_id,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="SOLO",
        name="Solo",
        currency="USD",
    )
    hidden = risk_create(viewer=firm.admin, project=lone, title="Hidden", probability=1, impact=1)
    with pytest.raises(NotFound):
        risk_get(firm.member, hidden.pk)


def test_changing_a_risk_audits_before_and_after_and_tells_of_the_new_score(firm: Firm) -> None:
    risk = risk_create(
        viewer=firm.manager, project=firm.project, title="R", probability=2, impact=2, owner=firm.member_person
    )
    risk_update(viewer=firm.manager, risk=risk, probability=5, owner=firm.member2_person)
    risk.refresh_from_db()
    assert (risk.score, risk.owner_id) == (10, firm.member2_person.pk)
    row = audit_row("risk.update", risk)
    assert row.before is not None and row.after is not None
    assert (row.before["score"], row.after["score"]) == (4, 10)
    changed = Event.objects.get(kind="risk.changed", object_id=risk.pk)
    assert (changed.text, changed.url) == (
        "R-1 R on GLX-1: score 4 → 10",
        f"/projects/{firm.project.pk}/raid/risks/{risk.pk}/",
    )
    assert _told(firm.member2_user.pk, "assignment.owner") == ["You own risk R-1 R on GLX-1"]
    with refused(Invalid, risk, match="cannot be changed"):
        risk_update(viewer=firm.manager, risk=risk, number=9)
    with refused(Forbidden, risk):
        risk_update(viewer=firm.member, risk=risk, impact=1)
    risk_close(viewer=firm.manager, risk=risk, occurred=True)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OCCURRED


def test_the_heat_matrix_counts_open_risks_per_cell_in_one_query(firm: Firm, django_assert_num_queries: object) -> None:
    for p, i in [(5, 5), (5, 5), (1, 3), (4, 2)]:
        risk_create(
            viewer=firm.manager,
            project=firm.project,
            title=f"{p}x{i}",
            probability=p,
            impact=i,
            residual_probability=1,
            residual_impact=i,
        )
    closed = risk_create(viewer=firm.manager, project=firm.project, title="Gone", probability=5, impact=5)
    risk_close(viewer=firm.manager, risk=closed)
    risk_create(viewer=firm.other_admin, project=firm.other_project, title="Theirs", probability=5, impact=5)
    with django_assert_num_queries(1):  # type: ignore[operator]
        matrix = risk_matrix(firm.project)
    assert (matrix.count(5, 5), matrix.count(1, 3), matrix.count(4, 2), matrix.total) == (2, 1, 1, 4)
    residual = risk_matrix(firm.project, residual=True)
    assert (residual.count(1, 5), residual.count(1, 3), residual.count(1, 2), residual.total) == (2, 1, 1, 4)
    assert portfolio_risk_matrix(firm.admin).total == 4
    assert portfolio_risk_matrix(firm.other_admin).count(5, 5) == 1
    assert [r.title for r in risks_of(firm.project, probability=5, impact=5, status="open")] == ["5x5", "5x5"]
    assert [r.title for r in risks_of(firm.project, min_score=8)] == ["5x5", "5x5", "Gone", "4x2"]


# --- issues and decisions ---------------------------------------------------------------------------------


def test_an_issue_is_resolved_with_a_resolution(firm: Firm) -> None:
    issue = issue_create(
        viewer=firm.manager,
        project=firm.project,
        title="Test server down",
        severity="high",
        owner=firm.member_person,
        due_date=date(2026, 3, 6),
        tasks=[firm.build],
    )
    assert issue.reference == "I-1" and list(issue.tasks.all()) == [firm.build]
    assert _told(firm.member_user.pk, "issue.raised") == ["I-1 Test server down (high) logged on GLX-1"]
    with refused(Invalid, issue, match="Say how"):
        issue_resolve(viewer=firm.manager, issue=issue, resolution=" ")
    with refused(Invalid, issue, match="with its resolution"):
        issue_update(viewer=firm.manager, issue=issue, status="resolved")
    issue_resolve(viewer=firm.manager, issue=issue, resolution="Restarted and monitored")
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_by_id) == (IssueStatus.RESOLVED, firm.manager_user.pk)
    assert audit_row("issue.resolve", issue).after["resolution"] == "Restarted and monitored"  # type: ignore[index]
    assert Event.objects.get(kind="issue.resolved").text == "I-1 Test server down on GLX-1 is resolved"
    with refused(Conflict, issue, match="already resolved"):
        issue_resolve(viewer=firm.manager, issue=issue, resolution="Again")
    with pytest.raises(NotFound):
        issue_get(firm.other_admin, issue.pk)


def test_an_issue_tells_its_owner_once_and_a_new_owner_when_it_changes(firm: Firm) -> None:
    issue = issue_create(viewer=firm.manager, project=firm.project, title="Backup failed", owner=firm.member_person)
    told = ["You own issue I-1 Backup failed on GLX-1"]
    assert _told(firm.member_user.pk, "assignment.owner") == told
    issue_update(viewer=firm.manager, issue=issue, severity="high", owner=firm.member_person)  # same owner
    assert _told(firm.member_user.pk, "assignment.owner") == told
    issue_update(viewer=firm.manager, issue=issue, owner=firm.member2_person)
    assert _told(firm.member2_user.pk, "assignment.owner") == told
    issue_update(viewer=firm.manager, issue=issue, owner=None)
    assert Notification.objects.filter(kind="assignment.owner").count() == 2


def test_a_decision_links_only_items_of_its_project(firm: Firm) -> None:
    risk = risk_create(viewer=firm.manager, project=firm.project, title="R", probability=2, impact=2)
    decision = decision_create(
        viewer=firm.manager,
        project=firm.project,
        title="Use the managed database",
        decision="We move to the managed service.",
        rationale="Less risk",
        decided_by=firm.manager_person,
        decided_on=date(2026, 3, 2),
        risk=risk,
    )
    assert (decision.reference, decision.risk_id) == ("D-1", risk.pk)
    assert audit_row("decision.create", decision).after["risk"] == risk.pk  # type: ignore[index]
    theirs = risk_create(viewer=firm.other_admin, project=firm.other_project, title="T", probability=1, impact=1)
    with refused(NotFound, match="No such risk"):
        decision_create(viewer=firm.manager, project=firm.project, title="D", decision="x", risk=theirs)
    with refused(Invalid, match="Decision is required"):
        decision_create(viewer=firm.manager, project=firm.project, title="D", decision="")


# --- change requests --------------------------------------------------------------------------------------


def _change(firm: Firm, **details: object) -> ChangeRequest:
    values: dict[str, object] = {
        "title": "Reporting module",
        "description": "The client asks for monthly reports.",
        "requested_by_name": "Globex CFO",
        "schedule_days": 5,
        "effort_minutes": 40 * 60,
        "cost_minor": 240_000,
        "price_minor": 600_000,
        "save_baseline": True,
        "tasks": [
            ProposedTask(name="Report design", estimate_minutes=16 * 60, duration_days=2, predecessor=firm.design),
            ProposedTask(name="Report build", estimate_minutes=24 * 60, duration_days=3),
        ],
        **details,
    }
    return change_request_create(viewer=firm.manager, project=firm.project, **values)  # type: ignore[arg-type]


def _approved(firm: Firm, **details: object) -> ChangeRequest:
    change = _change(firm, **details)
    change_request_submit(viewer=firm.manager, change=change)
    change_request_approve(viewer=firm.manager, change=change, note="Go", client_name="Jane (CFO)")
    return change


def _capped_time_line(firm: Firm, cap: int) -> BillingLine:
    line = BillingLine.objects.get(contract__covered__project=firm.project, model=BillingModel.TIME_AND_MATERIALS)
    return contracts.billing_line_update(viewer=firm.finance, line=line, cap_kind="money", cap_limit=cap)


def test_a_change_request_goes_draft_submitted_approved_applied(firm: Firm) -> None:
    line = _capped_time_line(firm, 2_000_000)
    contact = crm.contact_create(viewer=firm.admin, client=firm.client, name="Jane Roe", email="jane@globex.test")
    change = _change(firm, requested_by_contact=contact)
    assert (change.reference, change.status, change.currency) == ("CR-1", ChangeStatus.DRAFT, "USD")
    change_request_update(viewer=firm.manager, change=change, title="Monthly reporting module")
    change_request_submit(viewer=firm.manager, change=change)
    assert change.status == ChangeStatus.SUBMITTED and change.submitted_by_id == firm.manager_user.pk
    with refused(Conflict, change, match="only a draft"):
        change_request_update(viewer=firm.manager, change=change, price_minor=1)
    with refused(Forbidden, change):
        change_request_approve(viewer=firm.member, change=change)
    change_request_approve(viewer=firm.manager, change=change, note="Agreed", client_contact=contact)
    assert (change.status, change.client_approver_name) == (ChangeStatus.APPROVED, "Jane Roe")
    assert audit_row("change_request.approve", change).after["status"] == "approved"  # type: ignore[index]

    change_request_apply(viewer=firm.manager, change=change)
    change.refresh_from_db()
    firm.project.refresh_from_db()
    line.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED and change.applied_by_id == firm.manager_user.pk
    # The plan: two new tasks with their work and durations, the first after Design, all rescheduled.
    created = list(Task.objects.filter(pk__in=change.applied["tasks"]).order_by("position"))
    assert [(t.name, t.estimate_minutes, t.duration_minutes) for t in created] == [
        ("Report design", 960, 960),
        ("Report build", 1440, 1440),
    ]
    assert all(t.start is not None and t.finish is not None for t in created)
    assert Dependency.objects.filter(predecessor=firm.design, successor=created[0]).exists()
    design = Task.objects.get(pk=firm.design.pk)
    assert design.finish is not None and created[0].start is not None and created[0].start >= design.finish
    # The budget: hours by the effort, money by the price; the contract's cap by the price.
    assert (firm.project.budget_minutes, firm.project.budget_amount_minor) == (240 * 60, 3_600_000)
    assert change.applied["budget_amount_minor"] == [3_000_000, 3_600_000]
    assert line.cap_limit == 2_600_000 and change.applied["contract"]["after"] == 2_600_000
    # A baseline named after the change, and the project's history.
    baseline = Baseline.objects.get(project=firm.project)
    assert baseline.name == "After CR-1" and change.applied["baseline"] == baseline.index
    assert audit_row("project.change_apply", firm.project).after["reference"] == "CR-1"  # type: ignore[index]
    assert audit_row("project.update", firm.project).after["budget_minutes"] == 240 * 60  # type: ignore[index]
    assert audit_row("change_request.apply", change).after["status"] == "applied"  # type: ignore[index]
    assert Event.objects.filter(kind="change_request.applied", object_id=change.pk).count() == 1
    assert list(ChangeRequestTask.objects.filter(change_request=change).values_list("created_task", flat=True)) == [
        t.pk for t in created
    ]

    with refused(Conflict, change, firm.project, line, match="already applied") as info:
        change_request_apply(viewer=firm.manager, change=change)
    assert info.value.code == "already_applied"
    assert change_request_get(firm.member, change.pk) == change
    with pytest.raises(NotFound):
        change_request_get(firm.other_admin, change.pk)


def test_applying_a_change_that_is_not_approved_is_refused(firm: Firm) -> None:
    change = _change(firm)
    with refused(Conflict, change, firm.project, match="only an approved change"):
        change_request_apply(viewer=firm.manager, change=change)
    change_request_submit(viewer=firm.manager, change=change)
    change_request_reject(viewer=firm.manager, change=change, note="Not now")
    assert change.status == ChangeStatus.REJECTED
    with refused(Conflict, change, firm.project, match="rejected"):
        change_request_apply(viewer=firm.manager, change=change)
    with refused(Conflict, change, match="must be submitted"):
        change_request_approve(viewer=firm.manager, change=change)


def test_a_failure_half_way_keeps_nothing_of_the_change(firm: Firm) -> None:
    line = _capped_time_line(firm, 2_000_000)
    change = _approved(firm)
    # The second task turned invalid after approval (work beyond what a task may hold): the budget was already
    # raised, the contract moved and the first task added when it fails, and all of it must go.
    ChangeRequestTask.objects.filter(change_request=change, name="Report build").update(estimate_minutes=10**12)
    tasks_before = Task.objects.filter(project=firm.project).count()
    with refused(Invalid, change, firm.project, line, match="estimate"):
        change_request_apply(viewer=firm.manager, change=change)
    assert Task.objects.filter(project=firm.project).count() == tasks_before
    assert not Baseline.objects.filter(project=firm.project).exists()


def _fixed_fee(firm: Firm) -> BillingLine:
    """A fixed fee of 10,000.00 added to the contract covering the project (time and materials besides)."""
    contract = BillingLine.objects.get(
        contract__covered__project=firm.project, model=BillingModel.TIME_AND_MATERIALS
    ).contract
    return contracts.billing_line_create(
        viewer=firm.finance, contract=contract, model="fixed", name="Fixed fee", price_minor=1_000_000
    )


def test_applying_moves_a_fixed_fee_and_refuses_to_take_it_below_zero(firm: Firm) -> None:
    fixed = _fixed_fee(firm)
    change = _approved(firm, tasks=[], save_baseline=False, price_minor=250_000, effort_minutes=0)
    change_request_apply(viewer=firm.manager, change=change)
    fixed.refresh_from_db()
    assert fixed.price_minor == 1_250_000
    assert audit_row("billing_line.update", fixed).after["change"] == "CR-1 Reporting module"  # type: ignore[index]
    cut = _approved(firm, tasks=[], save_baseline=False, price_minor=-2_000_000, effort_minutes=0)
    firm.project.refresh_from_db()
    with refused(Invalid, cut, fixed, match="budget below zero|zero or below"):
        change_request_apply(viewer=firm.manager, change=cut)


def test_a_contract_in_another_currency_moves_by_the_price_at_the_days_rate(firm: Firm) -> None:
    fixed = _fixed_fee(firm)
    Contract.objects.filter(pk=fixed.contract_id).update(currency="EUR")  # a euro contract for the dollar project
    change = _approved(firm, tasks=[], save_baseline=False, price_minor=250_000, effort_minutes=0)
    with refused(Invalid, change, fixed, firm.project, match="No USD→EUR rate on or before"):
        change_request_apply(viewer=firm.manager, change=change)
    exchange_rate_set(
        viewer=firm.finance, from_currency="USD", to_currency="EUR", day=timezone.localdate(), rate=Decimal("0.9")
    )
    change_request_apply(viewer=firm.manager, change=change)
    fixed.refresh_from_db()
    assert fixed.price_minor == 1_225_000  # 2,500.00 USD at 0.9
    change.refresh_from_db()
    moved = change.applied["contract"]  # type: ignore[index]
    assert (moved["currency"], moved["before"], moved["after"]) == ("EUR", 1_000_000, 1_225_000)
    assert (moved["priced"], moved["priced_currency"], moved["rate"]) == (250_000, "USD", "0.9")


def test_only_the_projects_manager_applies_and_other_organisations_see_nothing(firm: Firm) -> None:
    change = _approved(firm)
    with refused(Forbidden, change, firm.project):
        change_request_apply(viewer=firm.member, change=change)
    with refused(NotFound, change, firm.project):
        change_request_apply(viewer=firm.other_admin, change=change)
    assert Risk.objects.count() == 0
