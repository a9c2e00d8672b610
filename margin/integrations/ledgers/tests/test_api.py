"""The four ledger downloads through the real URLconf: finance gets each file (named, typed, for a period),
others of the firm are refused, another organisation's company does not exist, a backwards period is refused,
and a server without the GnuCash writer says so in the API's error shape."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from margin.integrations.ledgers.tests.journal import posted_journal
from tests.firm import Firm

pytestmark = pytest.mark.django_db
NAMES = {
    "books_export_beancount": ("text/plain; charset=utf-8", ".beancount", b'option "title" "Acme EU: journal"'),
    "books_export_gnucash": ("application/x-sqlite3", ".gnucash", b"SQLite format 3\x00"),
    "books_export_xero": ("text/csv; charset=utf-8", "-xero.csv", b"Narration,Date,Description,AccountCode,"),
    "books_export_quickbooks": ("text/csv; charset=utf-8", "-quickbooks.csv", b"Journal No.,Journal Date,"),
}


def _get(user: object, name: str, company_id: int, **query: str):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.get(reverse(f"api-1:{name}", kwargs={"company_id": company_id}), query)


def _body(answer) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(answer.streaming_content) if answer.streaming else bytes(answer.content)


@pytest.mark.parametrize("name", list(NAMES))
def test_finance_downloads_each_file(firm: Firm, name: str) -> None:
    company = posted_journal(firm)
    answer = _get(firm.finance_user, name, company.pk, date_from="2026-12-01", date_to="2026-12-31")
    media, suffix, start = NAMES[name]
    assert answer.status_code == 200 and answer["Content-Type"] == media
    assert f'filename="acme-eu-journal-2026-12-01-2026-12-31{suffix}"' in answer["Content-Disposition"]
    body = _body(answer)
    assert body.startswith(start)
    if name != "books_export_gnucash":
        assert b"January rent" not in body and b"Invoice 2026-0001" in body


@pytest.mark.parametrize("name", list(NAMES))
def test_only_finance_of_the_company_may_download(firm: Firm, name: str) -> None:
    assert _get(firm.manager_user, name, firm.eur.pk).status_code == 403
    assert _get(firm.member_user, name, firm.eur.pk).status_code == 403
    other = firm.other_project.company_id
    assert _get(firm.finance_user, name, other).status_code == 404
    assert _get(firm.admin_user, name, firm.eur.pk).status_code == 200


def test_a_backwards_period_is_refused(firm: Firm) -> None:
    answer = _get(
        firm.finance_user, "books_export_beancount", firm.eur.pk, date_from="2027-01-02", date_to="2027-01-01"
    )
    assert answer.status_code == 422 and answer.json()["field"] == "date_to"


def test_without_the_gnucash_writer_the_answer_is_503(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGIN_GNUCASH_PYTHON", "/nonexistent/python")
    answer = _get(firm.finance_user, "books_export_gnucash", firm.eur.pk, date_to=date(2026, 12, 31).isoformat())
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable" and "make setup" in answer.json()["detail"]
