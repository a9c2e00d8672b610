"""Books screens: the journal (filter, post the documents, a manual entry, reversal, exports), one entry, the
trial balance, the chart of accounts and the verification. Finance's only: 403 for a member, 404 for another
organisation's company; refusals are form errors with their status and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.books import actions
from margin.books.models import Account, JournalEntry
from margin.books.queries import role_accounts
from margin.core.models import AuditEntry
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm

DAY = date(2026, 11, 2)


def _manual(firm: Firm, description: str = "Owner's capital") -> JournalEntry:
    actions.chart_install(viewer=firm.finance, company=firm.usd)
    roles = role_accounts(firm.usd.pk)
    capital = Account.objects.get(company=firm.usd, code="3000")
    return actions.entry_post(
        viewer=firm.finance,
        company=firm.usd,
        day=DAY,
        description=description,
        lines=[
            actions.ManualLine(roles["bank"].pk, debit_minor=500_000),
            actions.ManualLine(capital.pk, credit_minor=500_000),
        ],
    )


def _entry_form(firm: Firm, lines: list[tuple[Account, str, str]], **extra: str) -> dict[str, object]:
    return {
        "date": DAY.isoformat(),
        "description": "Accrued rent",
        "line_account": [str(a.pk) for a, _, _ in lines] + [""],
        "line_debit": [d for _, d, _ in lines] + [""],
        "line_credit": [c for _, _, c in lines] + [""],
        "line_description": ["" for _ in lines] + [""],
        **extra,
    }


def test_every_books_screen_renders_for_finance(sign_in: Callable[[User], Client], firm: Firm) -> None:
    entry = _manual(firm, "Capital <script>alert(1)</script>")
    client = sign_in(firm.finance_user)
    home = client.get(reverse("web:books"))
    assert home.status_code == 302 and home["Location"].startswith("/books/")
    company = firm.usd.pk
    journal = client.get(reverse("web:books_journal", args=[company])).content.decode()
    assert "#1" in journal and "1000</span>Bank" in journal and "5,000.00" in journal
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in journal and "<script>alert(1)" not in journal
    assert entry.hash[:10] in journal
    assert f"/api/v1/books/companies/{company}/export.beancount" in journal
    assert f"/api/v1/books/companies/{company}/export-quickbooks.csv" in journal
    # The links download with the browser's session (the API's session authentication).
    ledger = client.get(f"/api/v1/books/companies/{company}/export.beancount")
    assert ledger.status_code == 200 and b"Capital" in b"".join(ledger.streaming_content)  # type: ignore[attr-defined]
    detail = client.get(reverse("web:books_entry", args=[entry.pk]))
    assert detail.status_code == 200 and b'data-testid="reverse-entry"' in detail.content
    balance = client.get(reverse("web:books_trial_balance", args=[company]), {"date_to": "2026-12-31"})
    assert balance.status_code == 200 and "Balances ✓" in balance.content.decode()
    chart = client.get(reverse("web:books_accounts", args=[company]))
    assert chart.status_code == 200 and b"Contract assets (unbilled revenue)" in chart.content
    verified = client.get(reverse("web:books_verification", args=[company])).content.decode()
    assert "Intact: 1 entry, 2 lines" in verified
    row = client.get(reverse("web:books_entry_line", args=[company]))
    assert row.status_code == 200 and b'name="line_account"' in row.content
    nav = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-books"' in nav and 'data-testid="nav-revenue"' in nav


def test_members_get_403_and_other_organisations_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    entry = _manual(firm)
    account = Account.objects.filter(company=firm.usd).first()
    assert account is not None
    member = sign_in(firm.member_user)
    assert 'data-testid="nav-books"' not in member.get(reverse("web:home")).content.decode()
    company = firm.usd.pk
    for url in [
        reverse("web:books"),
        reverse("web:books_journal", args=[company]),
        reverse("web:books_trial_balance", args=[company]),
        reverse("web:books_accounts", args=[company]),
        reverse("web:books_verification", args=[company]),
    ]:
        assert member.get(url).status_code == 403, url
    assert member.post(reverse("web:books_journal_sync", args=[company])).status_code == 403
    assert member.get(reverse("web:books_entry", args=[entry.pk])).status_code == 404
    finance = sign_in(firm.finance_user)
    other = firm.other_project.company_id
    for url in [
        reverse("web:books_journal", args=[other]),
        reverse("web:books_trial_balance", args=[other]),
        reverse("web:books_accounts", args=[other]),
        reverse("web:books_verification", args=[other]),
    ]:
        assert finance.get(url).status_code == 404, url
    assert finance.post(reverse("web:books_chart_install", args=[other])).status_code == 404
    other_account = Account.objects.create(
        organisation_id=firm.other_project.organisation_id, company_id=other, code="1000", name="Bank", kind="asset"
    )
    changed = finance.post(
        reverse("web:books_account_change", args=[other_account.pk]), {"code": "1", "name": "Mine", "active": "on"}
    )
    assert changed.status_code == 404 and Account.objects.get(pk=other_account.pk).name == "Bank"


def test_a_manual_entry_posts_and_an_unbalanced_one_changes_nothing(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    actions.chart_install(viewer=firm.finance, company=firm.usd)
    bank = Account.objects.get(company=firm.usd, code="1000")
    expenses = Account.objects.get(company=firm.usd, code="6000")
    client = sign_in(firm.finance_user)
    url = reverse("web:books_entry_new", args=[firm.usd.pk])
    unbalanced = client.post(url, _entry_form(firm, [(expenses, "1.200,00", ""), (bank, "", "1000")]))
    assert unbalanced.status_code == 422
    text = unbalanced.content.decode()
    assert "does not balance: debits 1,200.00 USD and credits 1,000.00 USD differ by 200.00 USD" in text
    assert 'data-testid="form-error"' in text
    assert 'value="1.200,00"' in text  # what was typed is shown again
    bad_amount = client.post(url, _entry_form(firm, [(expenses, "abc", ""), (bank, "", "10")]))
    assert bad_amount.status_code == 422 and "is not an amount" in bad_amount.content.decode()
    one_line = client.post(url, _entry_form(firm, [(expenses, "10", "")]))
    assert one_line.status_code == 422 and "at least two lines" in one_line.content.decode()
    both = client.post(url, _entry_form(firm, [(expenses, "10", "10"), (bank, "", "10")]))
    assert both.status_code == 422 and "either a debit or a credit" in both.content.decode()
    assert not JournalEntry.objects.exists()

    posted = client.post(url, _entry_form(firm, [(expenses, "1,200.00", ""), (bank, "", "1200")]))
    assert posted.status_code == 302, posted.content[:3000]
    entry = JournalEntry.objects.get()
    assert posted["Location"] == reverse("web:books_entry", args=[entry.pk])
    assert sorted(entry.lines.values_list("amount_minor", flat=True)) == [-120_000, 120_000]

    # Reverse asks for a reason; without one nothing is posted.
    reverse_url = reverse("web:books_entry_reverse", args=[entry.pk])
    assert client.post(reverse_url, {"reason": ""}).status_code == 422
    assert JournalEntry.objects.count() == 1
    done = client.post(reverse_url, {"reason": "Posted twice"})
    assert done.status_code == 302
    reversal = JournalEntry.objects.get(reverses=entry)
    assert "Posted twice" in reversal.description
    again = client.post(reverse_url, {"reason": "Once more"})
    assert again.status_code == 409 and "reversed already" in again.content.decode()
    assert JournalEntry.objects.count() == 2
    filtered = client.get(reverse("web:books_journal", args=[firm.usd.pk]), {"source_kind": "reversal"})
    assert "Reversal of #1" in filtered.content.decode() and "#2" in filtered.content.decode()
    assert 'data-testid="entry-1"' not in filtered.content.decode()
    by_account = client.get(reverse("web:books_journal", args=[firm.usd.pk]), {"account": str(bank.pk)})
    assert 'data-testid="entry-1"' in by_account.content.decode()
    bad_filter = client.get(reverse("web:books_journal", args=[firm.usd.pk]), {"date_from": "2026-13-40"})
    assert bad_filter.status_code == 422


def test_post_documents_shows_what_was_posted(sign_in: Callable[[User], Client], firm: Firm) -> None:
    invoice = issued_invoice(firm, 100_000, number="2026-0901")
    client = sign_in(firm.finance_user)
    posted = client.post(reverse("web:books_journal_sync", args=[firm.usd.pk]), follow=True)
    text = posted.content.decode()
    assert posted.status_code == 200 and "1 entry posted (#1–#1)" in text
    assert reverse("web:invoice", args=[invoice.pk]) in text  # the entry links to its invoice
    assert AuditEntry.objects.filter(action="journal.post").count() == 1
    again = client.post(reverse("web:books_journal_sync", args=[firm.usd.pk]), follow=True)
    assert "Nothing to post" in again.content.decode()
    assert JournalEntry.objects.count() == 1


def test_the_chart_of_accounts_screen(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.finance_user)
    url = reverse("web:books_accounts", args=[firm.usd.pk])
    assert b"Install the default chart" in client.get(url).content
    assert client.post(reverse("web:books_chart_install", args=[firm.usd.pk])).status_code == 302
    installed = Account.objects.filter(company=firm.usd).count()
    again = client.post(reverse("web:books_chart_install", args=[firm.usd.pk]))
    assert again.status_code == 409 and Account.objects.filter(company=firm.usd).count() == installed
    new = reverse("web:books_account_new", args=[firm.usd.pk])
    added = client.post(new, {"code": "6100", "name": "Software", "kind": "expense", "role": ""})
    assert added.status_code == 302
    duplicate = client.post(new, {"code": "6100", "name": "Again", "kind": "expense", "role": ""})
    assert duplicate.status_code == 422 and "exists already" in duplicate.content.decode()
    assert Account.objects.filter(company=firm.usd).count() == installed + 1
    software = Account.objects.get(company=firm.usd, code="6100")
    change = reverse("web:books_account_change", args=[software.pk])
    moved = client.post(change, {"code": "6100", "name": "Software and tools", "role": "expenses", "active": "on"})
    assert moved.status_code == 302
    assert role_accounts(firm.usd.pk)["expenses"].pk == software.pk
    retire = client.post(change, {"code": "6100", "name": "Software and tools", "role": "expenses"})
    assert retire.status_code == 422 and "map the role to another account" in retire.content.decode()
    assert Account.objects.get(pk=software.pk).active


def test_statements_show_the_result_a_balanced_sheet_and_the_group(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    from margin.books.actions import journal_sync
    from margin.rates.models import ExchangeRate
    from margin.receivables.tests.factories import issued_invoice

    issued_invoice(firm, 11_900, tax_minor=1_900, number="2026-0501")
    journal_sync(viewer=firm.finance, company=firm.usd)
    client = sign_in(firm.finance_user)
    url = reverse("web:books_statements", args=[firm.usd.pk])
    page = client.get(url, {"date_from": "2000-01-01", "date_to": date.today().isoformat(), "currency": "USD"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="profit-and-loss"' in text and "100.00" in text
    assert 'data-testid="sheet-badge">Balances ✓' in text
    assert 'data-testid="consolidated"' in text or 'data-testid="group-problem"' in text
    ExchangeRate.objects.create(
        organisation_id=firm.usd.organisation_id,
        from_currency="EUR",
        to_currency="USD",
        rate="1.1",
        day=date(2020, 1, 1),
    )
    grouped = client.get(url, {"date_from": "2026-01-01", "date_to": date.today().isoformat(), "currency": "USD"})
    assert 'data-testid="translation-rates"' in grouped.content.decode()
    assert client.get(url, {"currency": "XX1"}).status_code == 422
    revalued = client.post(reverse("web:books_revalue", args=[firm.usd.pk]), {"as_of": date.today().isoformat()})
    assert revalued.status_code == 302
    assert sign_in(firm.member_user).get(url).status_code == 403
