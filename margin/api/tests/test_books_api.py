"""The books through the API: the chart, posting, manual entries and reversals, the trial balance and the
verification; refusals say why and change nothing; the journal costs a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.api.tests.conftest import error_of, unchanged
from margin.books.models import Account, JournalEntry
from margin.books.rules import Role
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm

TODAY = timezone.localdate()


def _roles(firm: Firm) -> dict[str, int]:
    return {a.role: a.pk for a in Account.objects.filter(company=firm.usd) if a.role}


def test_post_list_read_reverse_balance_and_verify(firm: Firm, api_as: Any) -> None:
    issued_invoice(firm, 11_900, tax_minor=1_900, number="2026-0201")
    api = api_as(firm.finance_user)
    posted = api.post(f"/books/companies/{firm.usd.pk}/post", {})
    assert posted.status_code == 200, posted.content
    assert posted.json() == {"posted": 1, "first_seq": 1, "last_seq": 1, "problems": []}
    roles = _roles(firm)
    manual = api.post(
        f"/books/companies/{firm.usd.pk}/entries",
        {
            "date": TODAY.isoformat(),
            "description": "Office rent",
            "lines": [
                {"account_id": roles[Role.EXPENSES], "debit_minor": 50_000},
                {"account_id": roles[Role.BANK], "credit_minor": 50_000, "description": "Transfer"},
            ],
        },
    )
    assert manual.status_code == 201, manual.content
    entry = manual.json()
    assert entry["seq"] == 2 and entry["lines"][0]["debit"]["amount"] == "500.00"
    assert entry["lines"][1]["credit"]["amount_minor"] == 50_000 and entry["lines"][0]["credit"] is None
    listed = api.get(f"/books/companies/{firm.usd.pk}/entries").json()
    assert [e["seq"] for e in listed["items"]] == [2, 1]
    reversed_ = api.post(f"/books/entries/{entry['id']}/reverse", {"reason": "Paid by the landlord's agent"})
    assert reversed_.status_code == 201 and reversed_.json()["reverses_id"] == entry["id"]
    assert api.get(f"/books/entries/{entry['id']}").json()["reversed_by_id"] == reversed_.json()["id"]
    balance = api.get(f"/books/companies/{firm.usd.pk}/trial-balance").json()
    assert balance["balances"] is True and balance["debit"] == balance["credit"]
    codes = {r["code"]: r["closing"]["amount_minor"] for r in balance["rows"]}
    assert codes["1100"] == 11_900 and codes["2200"] == -1_900 and codes["1000"] == 0
    verified = api.get(f"/books/companies/{firm.usd.pk}/verification").json()
    assert verified == {"company_id": firm.usd.pk, "intact": True, "entries": 3, "lines": 7, "first_break": None}


def test_refusals_answer_why_and_change_nothing(firm: Firm, api_as: Any) -> None:
    api = api_as(firm.finance_user)
    assert api.post(f"/books/companies/{firm.usd.pk}/chart").status_code == 201
    error_of(api.post(f"/books/companies/{firm.usd.pk}/chart"), 409)
    roles = _roles(firm)
    url = f"/books/companies/{firm.usd.pk}/entries"
    unbalanced = {
        "date": TODAY.isoformat(),
        "description": "Typo",
        "lines": [
            {"account_id": roles[Role.EXPENSES], "debit_minor": 100},
            {"account_id": roles[Role.BANK], "credit_minor": 10},
        ],
    }
    error_of(api.post(url, unbalanced), 422, "unbalanced")
    both = {**unbalanced, "lines": [{"account_id": roles[Role.BANK], "debit_minor": 1, "credit_minor": 1}] * 2}
    error_of(api.post(url, both), 422, "debit_or_credit")
    assert api_as(None).post(url, unbalanced).status_code == 401
    error_of(
        api.post(f"/books/companies/{firm.usd.pk}/accounts", {"code": "1000", "name": "Dup", "kind": "asset"}),
        422,
        "duplicate_code",
    )
    issued_invoice(firm, 5_000, number="2026-0202")
    api.post(f"/books/companies/{firm.usd.pk}/post", {})
    invoice_entry = JournalEntry.objects.get(source_kind="invoice")
    error_of(api.post(f"/books/entries/{invoice_entry.pk}/reverse", {"reason": "Wrong"}), 409)
    with unchanged(invoice_entry):
        assert JournalEntry.objects.count() == 1
    error_of(api_as(firm.manager_user).get(f"/books/companies/{firm.usd.pk}/trial-balance"), 403)
    rival = api_as(User.objects.get(pk=firm.other_admin.user_id))
    error_of(rival.get(f"/books/entries/{invoice_entry.pk}"), 404)
    error_of(rival.get(f"/books/companies/{firm.usd.pk}/verification"), 404)


def test_the_journal_costs_the_same_queries_for_more_entries(firm: Firm, api_as: Any) -> None:
    api = api_as(firm.finance_user)
    for n in range(2):
        issued_invoice(firm, 1_000 + n, number=f"2026-03{n:02d}")
    api.post(f"/books/companies/{firm.usd.pk}/post", {})
    with CaptureQueriesContext(connection) as few:
        assert api.get(f"/books/companies/{firm.usd.pk}/entries").status_code == 200
    for n in range(2, 12):
        issued_invoice(firm, 1_000 + n, number=f"2026-03{n:02d}")
    api.post(f"/books/companies/{firm.usd.pk}/post", {})
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/books/companies/{firm.usd.pk}/entries").json()["items"]) == 12
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_statements_and_the_revaluation(firm: Firm, api_as: Any) -> None:
    issued_invoice(firm, 11_900, tax_minor=1_900, number="2026-0401")
    api = api_as(firm.finance_user)
    api.post(f"/books/companies/{firm.usd.pk}/post", {})
    period = {"date_from": "2000-01-01", "date_to": TODAY.isoformat()}
    pnl = api.get(f"/books/companies/{firm.usd.pk}/profit-and-loss", period).json()
    assert pnl["result"]["amount_minor"] == 10_000 and pnl["total_expenses"]["amount_minor"] == 0
    sheet = api.get(f"/books/companies/{firm.usd.pk}/balance-sheet", {"as_of": TODAY.isoformat()}).json()
    assert sheet["balances"] is True and sheet["total_assets"]["amount_minor"] == 11_900
    both = api.get("/books/consolidated", {**period, "currency": "USD"})
    assert both.status_code == 422  # the EUR company has no EUR→USD rate: said, not guessed
    alone = api.get("/books/consolidated", period)
    assert alone.status_code in (200, 422)
    error_of(
        api.get(
            f"/books/companies/{firm.usd.pk}/profit-and-loss", {"date_from": "2026-02-01", "date_to": "2026-01-01"}
        ),
        422,
    )
    revalued = api.post(f"/books/companies/{firm.usd.pk}/fx-revaluation", {"as_of": TODAY.isoformat()})
    assert revalued.status_code == 201 and revalued.json() == []  # nothing open in another currency


def test_the_verification_names_a_row_changed_behind_the_guards(firm: Firm, api_as: Any) -> None:
    from margin.books.tests.test_journal import _tamper

    for n in range(3):
        issued_invoice(firm, 1_000 + n, number=f"2026-06{n:02d}")
    api = api_as(firm.finance_user)
    api.post(f"/books/companies/{firm.usd.pk}/post", {})
    second = JournalEntry.objects.get(company=firm.usd, seq=2)
    _tamper("UPDATE books_journalline SET amount_minor = amount_minor + 1 WHERE entry_id = %s", [second.pk])
    found = api.get(f"/books/companies/{firm.usd.pk}/verification").json()
    assert found["intact"] is False and found["entries"] == 1
    assert found["first_break"] == {"seq": 2, "entry_id": second.pk, "reason": "Entry #2 does not balance."}


def test_an_expense_category_posts_to_its_own_account(firm: Firm, api_as: Any) -> None:
    from margin.expenses.models import ExpenseCategory

    travel = ExpenseCategory.objects.create(organisation_id=firm.usd.organisation_id, name="Travel")
    api = api_as(firm.finance_user)
    assert api.post(f"/books/companies/{firm.usd.pk}/chart").status_code == 201
    added = api.post(f"/books/companies/{firm.usd.pk}/accounts", {"code": "6100", "name": "Travel", "kind": "expense"})
    url = f"/books/companies/{firm.usd.pk}/expense-categories"
    mapped = api.put(f"{url}/{travel.pk}", {"account_id": added.json()["id"]})
    assert mapped.status_code == 200 and mapped.json()["account_id"] == added.json()["id"]
    assert [c["account_id"] for c in api.get(url).json() if c["category_id"] == travel.pk] == [added.json()["id"]]
    bank = _roles(firm)[Role.BANK]
    error_of(api.put(f"{url}/{travel.pk}", {"account_id": bank}), 422)  # not an expense account
    assert api.put(f"{url}/{travel.pk}", {"account_id": None}).json()["account_id"] is None
    error_of(api_as(firm.manager_user).put(f"{url}/{travel.pk}", {"account_id": None}), 403)
