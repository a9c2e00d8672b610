"""The database refuses changes to expenses in a closed period even when code skips the actions' check
(migration expenses/0002): new lines, changed lines, deleted lines (PostgreSQL), and claims submitted,
approved or rejected with a line in the period. Reimbursing and notes pass."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseCategory, ExpenseClaim, ExpenseLine
from margin.expenses.tests.conftest import FxTable
from tests.checks import set_lock_date
from tests.firm import Firm

Cats = dict[str, ExpenseCategory]
CLOSED, OPEN, THROUGH = date(2026, 3, 10), date(2026, 4, 2), date(2026, 3, 31)


def _refused(change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match="period closed"), transaction.atomic():
        change()


def _claim(firm: Firm, cats: Cats, day: date, *, status: str = ClaimStatus.DRAFT) -> tuple[ExpenseClaim, ExpenseLine]:
    claim = actions.claim_create(viewer=firm.member, title=f"Claim {day}")
    line = actions.line_add(
        viewer=firm.member, claim=claim, date=day, category=cats["meals"], amount_minor=1_000, project=firm.project
    )
    if status != ClaimStatus.DRAFT:
        actions.claim_submit(viewer=firm.member, claim=claim)
    if status == ClaimStatus.APPROVED:
        actions.claim_approve(viewer=firm.manager, claim=claim)
    return claim, line


def test_the_database_guards_expense_lines_in_a_closed_period(firm: Firm, cats: Cats, fx: FxTable) -> None:
    _, inside = _claim(firm, cats, CLOSED)
    _, after = _claim(firm, cats, OPEN)
    set_lock_date(firm.usd, THROUGH)

    _refused(lambda: ExpenseLine.objects.filter(pk=inside.pk).update(amount_minor=5))
    _refused(lambda: ExpenseLine.objects.filter(pk=inside.pk).update(date=OPEN))  # out of the period
    _refused(lambda: ExpenseLine.objects.filter(pk=after.pk).update(date=CLOSED))  # into it
    _refused(lambda: ExpenseLine.objects.filter(pk=inside.pk).update(project=None))
    copy = ExpenseLine.objects.get(pk=after.pk)
    copy.pk, copy.date = None, CLOSED
    _refused(lambda: copy.save(force_insert=True))
    if connection.vendor == "postgresql":  # SQLite leaves deletes to the actions (the test flush uses DELETE)
        _refused(lambda: ExpenseLine.objects.filter(pk=inside.pk).delete())
    assert ExpenseLine.objects.get(pk=inside.pk).amount_minor == 1_000

    # Outside the period, and notes inside it, pass.
    ExpenseLine.objects.filter(pk=after.pk).update(amount_minor=1_500)
    ExpenseLine.objects.filter(pk=inside.pk).update(notes="Team lunch", merchant="Café")


def test_the_database_guards_decisions_on_claims_in_a_closed_period(firm: Firm, cats: Cats, fx: FxTable) -> None:
    draft, _ = _claim(firm, cats, CLOSED)
    submitted, _ = _claim(firm, cats, CLOSED, status=ClaimStatus.SUBMITTED)
    approved, _ = _claim(firm, cats, CLOSED, status=ClaimStatus.APPROVED)
    set_lock_date(firm.usd, THROUGH)

    _refused(lambda: ExpenseClaim.objects.filter(pk=draft.pk).update(status=ClaimStatus.SUBMITTED))
    for status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        _refused(lambda status=status: ExpenseClaim.objects.filter(pk=submitted.pk).update(status=status))
    assert ExpenseClaim.objects.get(pk=submitted.pk).status == ClaimStatus.SUBMITTED
    # Paying an approved claim is not accounting of the period; titles are not either.
    ExpenseClaim.objects.filter(pk=approved.pk).update(status=ClaimStatus.REIMBURSED)
    ExpenseClaim.objects.filter(pk=draft.pk).update(title="March lunches")


def test_another_companys_close_and_a_reopen(firm: Firm, cats: Cats, fx: FxTable) -> None:
    _, line = _claim(firm, cats, CLOSED)
    set_lock_date(firm.eur, THROUGH)
    ExpenseLine.objects.filter(pk=line.pk).update(amount_minor=1_100)  # not this line's companies
    set_lock_date(firm.eur, None)
    set_lock_date(firm.usd, THROUGH)
    _refused(lambda: ExpenseLine.objects.filter(pk=line.pk).update(amount_minor=1_200))
    set_lock_date(firm.usd, None)  # reopened
    ExpenseLine.objects.filter(pk=line.pk).update(amount_minor=1_200)


def test_the_triggers_exist(db: None) -> None:
    """A later migration that rebuilds these tables on SQLite drops their triggers: this notices."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's trigger list")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'expenses_%closed%'")
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "expenses_expenseline_closed_insert",
        "expenses_expenseline_closed_update",
        "expenses_expenseclaim_closed_decision",
    }
