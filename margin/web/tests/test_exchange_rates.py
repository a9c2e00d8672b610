"""Settings → Exchange rates: list with filters, the chart data, the form, delete, the ECB upload."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from margin.rates.actions import exchange_rate_set
from margin.rates.models import ExchangeRate
from tests.checks import table_counts
from tests.firm import Firm

ECB_CSV = b"Date,USD,GBP,\n2026-11-24,1.0523,0.83425,\n2026-11-21,1.0412,0.8301,\n"


def _chart(html: str) -> dict[str, object]:
    match = re.search(r'<script id="fx-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no chart data"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_list_filters_and_chart(sign_in: Callable[[User], Client], firm: Firm) -> None:
    for day, rate in ((date(2026, 1, 2), "1.10"), (date(2026, 1, 5), "1.12")):
        exchange_rate_set(viewer=firm.finance, from_currency="EUR", to_currency="USD", day=day, rate=Decimal(rate))
    exchange_rate_set(
        viewer=firm.finance, from_currency="EUR", to_currency="GBP", day=date(2026, 1, 5), rate=Decimal("0.8")
    )
    fin = sign_in(firm.finance_user)
    html = fin.get(reverse("web:exchange_rates")).content.decode()
    assert 'data-testid="nav-exchange-rates"' in html and "Enter a rate" in html and "Import ECB" in html
    filtered = fin.get(reverse("web:exchange_rates"), {"from_currency": "eur", "to_currency": "usd"}).content.decode()
    assert filtered.count("EUR→USD</td>") == 2 and "EUR→GBP</td>" not in filtered
    chart = _chart(filtered)
    assert (chart["kind"], chart["title"]) == ("line", "EUR→USD")
    assert chart["data"] == {
        "labels": ["2026-01-02", "2026-01-05"],
        "datasets": [{"label": "EUR→USD", "unit": "USD", "data": [1.1, 1.12]}],
    }
    assert "chart.umd.min.js" in filtered and "web/charts.js" in filtered
    # Members may look (expenses use these rates) but see no forms.
    member = sign_in(firm.member_user).get(reverse("web:exchange_rates"))
    assert member.status_code == 200 and "Enter a rate" not in member.content.decode()


def test_enter_a_rate_and_refusals(sign_in: Callable[[User], Client], firm: Firm) -> None:
    fin = sign_in(firm.finance_user)
    made = fin.post(
        reverse("web:exchange_rate_new"),
        {"from_currency": "eur", "to_currency": "usd", "day": "2026-01-05", "rate": "1.1"},
    )
    assert made.status_code == 302
    assert ExchangeRate.objects.get().rate == Decimal("1.1")
    counts = table_counts()
    bad = fin.post(
        reverse("web:exchange_rate_new"),
        {"from_currency": "EUR", "to_currency": "XYZ", "day": "2026-01-05", "rate": "1"},
    )
    assert bad.status_code == 422 and "Unknown currency" in bad.content.decode()
    zero = fin.post(
        reverse("web:exchange_rate_new"),
        {"from_currency": "EUR", "to_currency": "GBP", "day": "2026-01-05", "rate": "0"},
    )
    assert zero.status_code == 422 and "above 0" in zero.content.decode()
    member = sign_in(firm.member_user).post(
        reverse("web:exchange_rate_new"),
        {"from_currency": "EUR", "to_currency": "GBP", "day": "2026-01-05", "rate": "1"},
    )
    assert member.status_code == 403
    assert table_counts() == counts
    row = ExchangeRate.objects.get()
    assert sign_in(firm.member_user).post(reverse("web:exchange_rate_delete", args=[row.pk])).status_code == 403
    fin = sign_in(firm.finance_user)  # one test client: signing in as the member signed the finance user out
    assert fin.post(reverse("web:exchange_rate_delete", args=[row.pk])).status_code == 302
    assert not ExchangeRate.objects.exists()


def test_ecb_upload(sign_in: Callable[[User], Client], firm: Firm) -> None:
    fin = sign_in(firm.finance_user)
    done = fin.post(
        reverse("web:exchange_rates_ecb"), {"file": SimpleUploadedFile("eurofxref-hist.csv", ECB_CSV)}, follow=True
    )
    assert "Imported 4 ECB rates (4 new) for 2 days" in done.content.decode()
    assert ExchangeRate.objects.count() == 4
    counts = table_counts()
    bad = fin.post(
        reverse("web:exchange_rates_ecb"), {"file": SimpleUploadedFile("x.csv", b"Date,USD\n2026-11-24,abc\n")}
    )
    assert bad.status_code == 422 and "Line 2, column 2 (USD): &#x27;abc&#x27; is not a rate" in bad.content.decode()
    assert table_counts() == counts


def test_invoice_shows_worked_next_to_billed_hours(sign_in: Callable[[User], Client], firm: Firm) -> None:
    """Billing increments (helper F): an invoice line bills the rounded minutes and shows the worked ones."""
    from margin.billing.actions import invoice_draft_create
    from margin.crm.actions import client_update
    from tests.scenarios import approved_entries

    client_update(viewer=firm.admin, client=firm.client, billing_increment_minutes=15)
    approved_entries(firm, count=3, minutes=50)  # 3 × 50 worked, 3 × 60 billed
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date.today())
    assert invoice.total_minutes == 180
    html = sign_in(firm.finance_user).get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    assert 'data-testid="invoice-worked">(2.50 worked)' in html
    assert ">Worked</th>" in html


def _history(days: int) -> bytes:
    """An eurofxref-hist.csv of `days` business days and 30 currencies (over the background threshold)."""
    currencies = "USD,JPY,BGN,CZK,DKK,GBP,HUF,PLN,RON,SEK,CHF,ISK,NOK,TRY,AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN"
    lines = [f"Date,{currencies},"]
    day = date(2026, 11, 20)
    from datetime import timedelta

    while len(lines) <= days:
        if day.weekday() < 5:
            lines.append(
                day.isoformat() + "," + ",".join(f"{1 + (i + len(lines)) % 90 / 100:.4f}" for i in range(24)) + ","
            )
        day -= timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def test_a_long_history_is_imported_by_a_job_with_progress(sign_in: Callable[[User], Client], firm: Firm) -> None:
    from margin.core.models import JobRun
    from margin.rates.jobs import BACKGROUND_BYTES

    data = _history(800)
    assert len(data) > BACKGROUND_BYTES
    client = sign_in(firm.finance_user)
    answer = client.post(reverse("web:exchange_rates_ecb"), {"file": SimpleUploadedFile("eurofxref-hist.csv", data)})
    assert answer.status_code == 200
    run = JobRun.objects.get(kind="ecb_import")
    assert (run.status, run.percent) == ("done", 100)  # the test backend runs jobs at once
    assert 'data-testid="ecb-progress"' in answer.content.decode()
    assert "Imported 19200 ECB rates (19200 new) for 800 days" in answer.content.decode()
    assert ExchangeRate.objects.count() == 800 * 24
    status = client.get(reverse("web:exchange_rates_ecb_status", args=[run.pk]), headers={"HX-Request": "true"})
    assert status.status_code == 200 and "hx-trigger" not in status.content.decode()  # finished: no more polling
    # someone else's import is not theirs to watch
    other = sign_in(firm.member_user).get(reverse("web:exchange_rates_ecb_status", args=[run.pk]))
    assert other.status_code == 404


def test_a_bad_long_file_is_a_form_error_and_no_job(sign_in: Callable[[User], Client], firm: Firm) -> None:
    from margin.core.models import JobRun

    data = _history(800).replace(b"2026-11-19", b"2026-13-19")
    counts = table_counts()
    answer = sign_in(firm.finance_user).post(
        reverse("web:exchange_rates_ecb"), {"file": SimpleUploadedFile("eurofxref-hist.csv", data)}
    )
    assert answer.status_code == 422 and "2026-13-19" in answer.content.decode()
    assert table_counts() == counts and not JobRun.objects.exists()
