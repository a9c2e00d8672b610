"""Revenue screens on the issue's story (margin/revenue/tests/scenario.py): a month's preview, posting and
reversing runs, and a contract's revenue tab (method, estimates, price changes, the chart). Finance's only: 403 for
a member, 404 for another organisation's company or contract; refusals change nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.contracts import actions as contracts
from margin.revenue.models import Estimate, Modification, RecognitionPlan, RevenueRun, RunStatus
from margin.revenue.tests.scenario import fixed_price_story
from tests.firm import Firm


def _runs(company_id: int, month: str = "") -> str:
    url = reverse("web:revenue_runs", args=[company_id])
    return f"{url}?month={month}" if month else url


def test_preview_post_and_reverse_a_month(sign_in: Callable[[User], Client], firm: Firm) -> None:
    story = fixed_price_story(firm, months=2)
    client = sign_in(firm.finance_user)
    assert client.get(reverse("web:revenue"))["Location"].startswith("/revenue/")
    preview = client.get(_runs(firm.usd.pk, "2026-06"))
    text = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="run-status">Preview' in text
    # June: $8,000 recognised (26.7 % of $30,000), $9,000 billed, a $1,000 contract liability.
    assert "FF-30" in text and "26.7 %" in text and "8,000.00" in text and "9,000.00" in text
    assert re.search(r'data-testid="contract-liability">1,000.00<', text)
    assert "2300 Contract liabilities (deferred revenue)" in text  # the entry it would post, accounts named
    assert not RevenueRun.objects.exists()

    posted = client.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": "2026-06"})
    assert posted.status_code == 302 and posted["Location"].endswith("?month=2026-06")
    run = RevenueRun.objects.get()
    shown = client.get(posted["Location"]).content.decode()
    assert "Revenue for June 2026 is recognised and posted as journal entry" in shown
    assert 'data-testid="run-status">Posted' in shown and 'data-testid="reverse-run"' in shown
    assert reverse("web:books_entry", args=[run.entry_id]) in shown

    # A month already run is refused and changes nothing.
    again = client.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": "2026-06"})
    assert again.status_code == 409 and "has been run already" in again.content.decode()
    assert RevenueRun.objects.count() == 1
    bad = client.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": "June"})
    assert bad.status_code == 422 and RevenueRun.objects.count() == 1
    assert client.get(_runs(firm.usd.pk, "1800-01")).status_code == 422

    # The next month follows by default; July shows a contract asset of $7,000.
    july = client.get(_runs(firm.usd.pk)).content.decode()
    assert "July 2026" in july and re.search(r'data-testid="contract-asset">7,000.00<', july)

    # Reverse asks for a reason; then the month may be run again.
    reverse_url = reverse("web:revenue_run_reverse", args=[run.pk])
    assert client.post(reverse_url, {"reason": ""}).status_code == 422
    assert RevenueRun.objects.get().status == RunStatus.POSTED
    assert client.post(reverse_url, {"reason": "Estimate was wrong"}).status_code == 302
    assert RevenueRun.objects.get().status == RunStatus.REVERSED
    twice = client.post(reverse_url, {"reason": "Again"})
    assert twice.status_code == 409 and "reversed already" in twice.content.decode()
    assert client.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": "2026-06"}).status_code == 302
    assert RevenueRun.objects.filter(status=RunStatus.POSTED).count() == 1
    assert story.contract.reference in client.get(_runs(firm.usd.pk, "2026-06")).content.decode()


def test_a_contract_revenue_tab(sign_in: Callable[[User], Client], firm: Firm) -> None:
    story = fixed_price_story(firm, months=2)
    client = sign_in(firm.finance_user)
    for month in ("2026-06", "2026-07"):
        client.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": month})
    url = reverse("web:contract_revenue", args=[story.contract.pk])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "% complete: cost to cost" in text
    assert "300 hours of a consultant at $40" in text  # the estimate's history
    found = re.search(r'<script id="revenue-chart-data" type="application/json">(.*?)</script>', text, re.S)
    assert found is not None
    chart = json.loads(found.group(1))
    assert chart["data"]["labels"] == ["Jun 2026", "Jul 2026"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [[8000.0, 16000.0], [9000.0, 9000.0]]
    assert 'data-testid="tab-revenue"' in client.get(reverse("web:contract", args=[story.contract.pk])).content.decode()

    line = story.line
    # An estimate below the cost already incurred ($6,400 by July's end) is refused and nothing is kept.
    estimates = reverse("web:estimate_new", args=[story.contract.pk, line.pk])
    below = client.post(estimates, {"effective": "2026-07-31", "total_cost": "1000", "reason": "Too low"})
    assert below.status_code == 422 and "cannot be below the cost already incurred" in below.content.decode()
    assert 'data-testid="field-error"' in below.content.decode()
    assert Estimate.objects.filter(billing_line=line).count() == 1
    empty = client.post(estimates, {"effective": "2026-07-31", "total_cost": "", "reason": "Nothing"})
    assert empty.status_code == 422 and Estimate.objects.filter(billing_line=line).count() == 1
    higher = client.post(
        estimates, {"effective": "2026-07-31", "total_cost": "14,000", "total_hours": "350", "reason": "Rework"}
    )
    assert higher.status_code == 302
    newest = Estimate.objects.filter(billing_line=line).order_by("-id").first()
    assert newest is not None and newest.total_cost_minor == 1_400_000 and newest.total_minutes == 350 * 60

    # A price change: prospectively, with its history.
    changes = reverse("web:modification_new", args=[story.contract.pk, line.pk])
    bad_price = client.post(
        changes, {"price": "0", "effective": "2026-08-01", "treatment": "prospective", "reason": "x"}
    )
    assert bad_price.status_code == 422 and not Modification.objects.exists()
    changed = client.post(
        changes, {"price": "33.000,00", "effective": "2026-08-01", "treatment": "prospective", "reason": "Scope added"}
    )
    assert changed.status_code == 302
    assert Modification.objects.get().price_minor == 3_300_000
    assert "Scope added" in client.get(url).content.decode()

    # The method: one that suits the line is kept; one that does not is refused.
    methods = reverse("web:recognition_set", args=[story.contract.pk, line.pk])
    wrong = client.post(methods, {"method": "delivered"})
    assert wrong.status_code == 422 and not RecognitionPlan.objects.exists()
    straight = client.post(methods, {"method": "straight_line", "service_end": "2026-09-30"})
    assert straight.status_code == 302 and RecognitionPlan.objects.get().method == "straight_line"


def test_members_get_403_and_other_organisations_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    story = fixed_price_story(firm, months=1)
    member = sign_in(firm.member_user)
    assert member.get(reverse("web:revenue")).status_code == 403
    assert member.get(_runs(firm.usd.pk)).status_code == 403
    assert member.post(reverse("web:revenue_run_new", args=[firm.usd.pk]), {"month": "2026-06"}).status_code == 403
    manager = sign_in(firm.manager_user)
    assert manager.get(reverse("web:contract_revenue", args=[story.contract.pk])).status_code in (403, 404)
    estimates = reverse("web:estimate_new", args=[story.contract.pk, story.line.pk])
    assert manager.post(estimates, {"effective": "2026-06-30", "total_cost": "1", "reason": "x"}).status_code in (
        403,
        404,
    )
    assert not RevenueRun.objects.exists()

    other = firm.other_project
    other_contract = contracts.contract_create(
        viewer=firm.other_admin,
        company=other.company,
        client=other.client,
        reference="RIV-1",
        name="Rival's",
        start_date=date(2026, 6, 1),
    )
    finance = sign_in(firm.finance_user)
    assert finance.get(_runs(other.company_id)).status_code == 404
    assert (
        finance.post(reverse("web:revenue_run_new", args=[other.company_id]), {"month": "2026-06"}).status_code == 404
    )
    assert finance.get(reverse("web:contract_revenue", args=[other_contract.pk])).status_code == 404
    # A line of this contract under another contract's address is not found either.
    assert (
        finance.post(
            reverse("web:recognition_set", args=[other_contract.pk, story.line.pk]), {"method": "hours"}
        ).status_code
        == 404
    )
    assert not RevenueRun.objects.exists() and not RecognitionPlan.objects.exists()


def test_the_project_page_shows_finance_its_contract_s_revenue_chart(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    from margin.revenue.actions import revenue_run_post

    story = fixed_price_story(firm, months=1)
    revenue_run_post(viewer=firm.finance, company=firm.usd, year=2026, month=6)
    page = sign_in(firm.finance_user).get(reverse("web:project", args=[story.project.pk]))
    assert page.status_code == 200 and b'data-testid="project-revenue"' in page.content
    assert b"project-revenue-data" in page.content and b"FF-30" in page.content
    manager = sign_in(firm.manager_user).get(reverse("web:project", args=[story.project.pk]))
    assert b'data-testid="project-revenue"' not in manager.content
