"""A risk, an issue, a decision and a draft change request on GLX-1, for the test worlds that call every operation
(tests/roles.py, the money matrix): the ids their paths name."""

from __future__ import annotations

from margin.accounts.queries import Viewer
from margin.risks.actions import ProposedTask, change_request_create, decision_create, issue_create, risk_create
from tests.firm import Firm


def raid_ids(firm: Firm, manager: Viewer) -> dict[str, object]:
    risk = risk_create(
        viewer=manager,
        project=firm.project,
        title="Data migration slips",
        probability=3,
        impact=4,
        owner=firm.member_person,
        contingency_minor=123_456,
    )
    issue = issue_create(viewer=manager, project=firm.project, title="Test data missing", owner=firm.member_person)
    decision = decision_create(
        viewer=manager, project=firm.project, title="Freeze the scope", decision="No new reports before go-live."
    )
    change = change_request_create(
        viewer=manager,
        project=firm.project,
        title="Extra report",
        cost_minor=65_432,
        price_minor=98_765,
        tasks=[ProposedTask(name="Build the report", estimate_minutes=600, duration_days=2)],
    )
    return {"risk_id": risk.pk, "issue_id": issue.pk, "decision_id": decision.pk, "change_request_id": change.pk}
