"""A company's closed period holds for expenses as for time: no line dated on or before the lock date
is added, changed, deleted, submitted, approved or rejected; reimbursing an approved claim still is.
Every refusal names the company and the lock date and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from margin.accounts import actions as accounts
from margin.accounts.queries import viewer_for
from margin.core.errors import Conflict
from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseLine
from margin.expenses.tests.conftest import FxTable
from margin.projects import actions as projects
from margin.projects.models import Project
from tests.checks import audit_row, refused, set_lock_date
from tests.firm import Firm

Cats = dict[str, ExpenseCategory]
THROUGH = date(2026, 3, 31)  # the close
CLOSED = date(2026, 3, 10)  # a day inside it
OPEN = date(2026, 4, 2)  # a day after it
MESSAGE = r"The period up to 2026-03-31 is closed for Acme US; an expense dated 2026-03-10"


def _claim(firm: Firm, cats: Cats, *days: date, project: Project | None = None) -> ExpenseClaim:
    claim = actions.claim_create(viewer=firm.member, title="Trip")
    for day in days:
        actions.line_add(
            viewer=firm.member,
            claim=claim,
            date=day,
            category=cats["meals"],
            amount_minor=1_000,
            currency="USD",
            project=project or firm.project,
        )
    return claim


def _close(firm: Firm, company: object = None) -> None:
    set_lock_date(company or firm.usd, THROUGH)  # type: ignore[arg-type]


def _line(claim: ExpenseClaim) -> ExpenseLine:
    return ExpenseLine.objects.filter(claim=claim).order_by("date", "id").first()  # type: ignore[return-value]


def test_no_line_is_added_in_a_closed_period(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats)
    _close(firm)
    add = {"viewer": firm.member, "claim": claim, "category": cats["meals"], "amount_minor": 500, "currency": "USD"}
    with refused(Conflict, claim, match=MESSAGE) as info:
        actions.line_add(**add, date=CLOSED)
    assert (info.value.code, info.value.field, info.value.status) == ("period_closed", "date", 409)
    with refused(Conflict, claim, match="dated 2026-03-31"):  # the lock date itself is closed
        actions.line_add(**add, date=THROUGH)
    line = actions.line_add(**add, date=OPEN)  # the day after is open
    assert line.date == OPEN and audit_row("expense_line.create", line)


def test_a_line_in_a_closed_period_is_neither_changed_nor_deleted(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats, CLOSED)
    line = _line(claim)
    _close(firm)
    with refused(Conflict, claim, line, match=MESSAGE):
        actions.line_update(viewer=firm.member, line=line, amount_minor=2_000)
    with refused(Conflict, claim, line, match=MESSAGE):  # not even out of the period
        actions.line_update(viewer=firm.member, line=line, date=OPEN)
    with refused(Conflict, claim, line, match=MESSAGE):
        actions.line_delete(viewer=firm.member, line=line)
    with refused(Conflict, claim, line, match=MESSAGE):
        actions.claim_delete(viewer=firm.member, claim=claim)


def test_an_open_line_is_not_moved_into_a_closed_period(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats, OPEN)
    line = _line(claim)
    _close(firm)
    with refused(Conflict, claim, line, match=MESSAGE):
        actions.line_update(viewer=firm.member, line=line, date=CLOSED)
    changed = actions.line_update(viewer=firm.member, line=line, amount_minor=1_500)
    assert changed.amount_minor == 1_500


def test_a_claim_with_a_line_in_a_closed_period_is_not_submitted(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats, OPEN, CLOSED)
    _close(firm)
    with refused(Conflict, claim, match=MESSAGE):
        actions.claim_submit(viewer=firm.member, claim=claim)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_submitted_claim_in_a_closed_period_is_not_decided(
    firm: Firm, cats: Cats, fx: FxTable, decision: str
) -> None:
    claim = _claim(firm, cats, CLOSED, OPEN)
    actions.claim_submit(viewer=firm.member, claim=claim)
    _close(firm)
    with refused(Conflict, claim, match=MESSAGE):
        if decision == "approve":
            actions.claim_approve(viewer=firm.manager, claim=claim)
        else:
            actions.claim_reject(viewer=firm.finance, claim=claim, reason="Wrong project")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_reimbursing_an_approved_claim_in_a_closed_period_is_allowed(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats, CLOSED)
    actions.claim_submit(viewer=firm.member, claim=claim)
    actions.claim_approve(viewer=firm.manager, claim=claim)
    _close(firm)
    paid = actions.claim_reimburse(viewer=firm.finance, claim=claim)
    assert paid.status == ClaimStatus.REIMBURSED
    assert audit_row("expense_claim.reimburse", claim).after["status"] == ClaimStatus.REIMBURSED


def test_another_companys_close_does_not_apply_and_a_reopen_lifts_it(firm: Firm, cats: Cats, fx: FxTable) -> None:
    claim = _claim(firm, cats, CLOSED)
    set_lock_date(firm.eur, THROUGH)
    actions.claim_submit(viewer=firm.member, claim=claim)  # Acme EU's books are not this claim's
    actions.claim_reject(viewer=firm.finance, claim=claim, reason="Add the receipt")
    set_lock_date(firm.usd, THROUGH)
    with refused(Conflict, claim, match=MESSAGE):
        actions.claim_submit(viewer=firm.member, claim=claim)
    set_lock_date(firm.usd, None)  # reopened
    assert actions.claim_submit(viewer=firm.member, claim=claim).status == ClaimStatus.SUBMITTED


def test_a_line_on_another_companys_project_follows_that_companys_close(firm: Firm, cats: Cats, fx: FxTable) -> None:
    """The claim is Acme US's (the person's employer); the project is another company's: both books count."""
    canada = accounts.company_create(viewer=firm.admin, name="Acme Canada", base_currency="USD", tax_id="CA-1")
    admin, member = (viewer_for(u) for u in (firm.admin_user, firm.member_user))
    carl = accounts.person_create(
        viewer=admin, company=canada, role=firm.senior, name="Carl", email="carl@example.test"
    )  # a project is managed by someone of its company
    other = projects.project_create(
        viewer=admin, company=canada, client=firm.client, manager=carl, code="CA-1", name="Globex CA"
    )
    projects.project_member_add(viewer=admin, project=other, person=firm.member_person)
    claim = actions.claim_create(viewer=member, title="Toronto")
    add = {"viewer": member, "claim": claim, "category": cats["meals"], "amount_minor": 100, "currency": "USD"}
    actions.line_add(**add, date=CLOSED, project=other)
    set_lock_date(canada, THROUGH - timedelta(days=1))
    closed = r"period up to 2026-03-30 is closed for Acme Canada; an expense dated 2026-03-10"
    with refused(Conflict, claim, match=closed):
        actions.claim_submit(viewer=member, claim=claim)
    with refused(Conflict, claim, match=closed):
        actions.line_add(**add, date=CLOSED, project=other)
    # Without the project, a line is Acme US's alone, whose books are open.
    assert actions.line_add(**add, date=CLOSED).project_id is None
