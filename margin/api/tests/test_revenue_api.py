"""Revenue recognition through the API: the issue's four-month story, previewed, run, reversed and charted;
refusals say why and change nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from margin.api.tests.conftest import error_of
from margin.revenue.models import RevenueRun
from margin.revenue.tests.scenario import MONTHS, fixed_price_story
from tests.firm import Firm


def test_preview_run_reverse_and_history(firm: Firm, api_as: Any) -> None:
    story = fixed_price_story(firm)
    api = api_as(firm.finance_user)
    company = f"/revenue/companies/{firm.usd.pk}"
    preview = api.get(f"{company}/preview", {"year": 2026, "month": 6})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    [line] = [x for x in body["lines"] if x["billing_line_id"] == story.line.pk]
    assert line["recognised_period"]["amount"] == "8000.00" and line["contract_liability"]["amount"] == "1000.00"
    assert body["already_run"] is False and body["journal"]
    for year, month in MONTHS:
        created = api.post(f"{company}/runs", {"year": year, "month": month})
        assert created.status_code == 201, created.content
    runs = api.get(f"{company}/runs").json()
    assert [r["period_end"] for r in runs["items"]] == ["2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30"]
    history = api.get(f"/revenue/contracts/{story.contract.pk}/history").json()
    assert [(p["recognised_to_date"]["amount_minor"], p["billed_to_date"]["amount_minor"]) for p in history] == [
        (800_000, 900_000),
        (1_600_000, 900_000),
        (2_400_000, 1_800_000),
        (3_000_000, 3_000_000),
    ]
    latest = runs["items"][0]["id"]
    error_of(api.post(f"{company}/runs", {"year": 2026, "month": 9}), 409)
    error_of(api.post(f"/revenue/runs/{runs['items'][1]['id']}/reverse", {"reason": "Not the latest"}), 409)
    reversed_ = api.post(f"/revenue/runs/{latest}/reverse", {"reason": "Cost estimate revised"})
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    assert api.get(f"/revenue/runs/{latest}").json()["lines"][0]["recognised_to_date"]["amount_minor"] >= 0


def test_refusals_say_why_and_change_nothing(firm: Firm, api_as: Any) -> None:
    story = fixed_price_story(firm, months=1)
    api = api_as(firm.finance_user)
    line = f"/revenue/billing-lines/{story.line.pk}"
    error_of(
        api.post(f"{line}/estimates", {"effective": "2026-06-30", "total_cost_minor": 10, "reason": "x"}),
        422,
        "below_incurred",
    )
    error_of(api.put(f"{line}/recognition", {"method": "delivered"}), 422, "method_not_for_model")
    error_of(api.post(f"/revenue/companies/{firm.usd.pk}/runs", {"year": 2026, "month": 13}), 422)
    error_of(api_as(firm.manager_user).get(f"/revenue/companies/{firm.usd.pk}/runs"), 403)
    changed = api.post(
        f"{line}/modifications",
        {"price_minor": 3_300_000, "effective": "2026-06-30", "treatment": "prospective", "reason": "Scope added"},
    )
    assert changed.status_code == 201 and changed.json()["previous_price_minor"] == 3_000_000
    assert RevenueRun.objects.count() == 0
    assert api.put(f"{line}/recognition", {"method": "milestones"}).json()["method"] == "milestones"
    assert date(2026, 6, 30)


def test_a_loss_contract_books_its_loss_at_once(firm: Firm, api_as: Any) -> None:
    story = fixed_price_story(firm, months=1)
    api = api_as(firm.finance_user)
    raised = api.post(
        f"/revenue/billing-lines/{story.line.pk}/estimates",
        {"effective": "2026-06-30", "total_cost_minor": 3_600_000, "reason": "Rework found in testing"},
    )
    assert raised.status_code == 201, raised.content
    preview = api.get(f"/revenue/companies/{firm.usd.pk}/preview", {"year": 2026, "month": 6}).json()
    [line] = [x for x in preview["lines"] if x["billing_line_id"] == story.line.pk]
    assert (line["recognised_to_date"]["amount_minor"], line["loss_provision"]["amount_minor"]) == (266_667, 546_667)
    run = api.post(f"/revenue/companies/{firm.usd.pk}/runs", {"year": 2026, "month": 6}).json()
    entry = api.get(f"/books/entries/{run['journal_entry_id']}").json()
    losses = [x for x in entry["lines"] if x["account_code"] in ("7000", "2400")]
    assert sorted((x["account_code"], (x["debit"] or x["credit"])["amount_minor"]) for x in losses) == [
        ("2400", 546_667),
        ("7000", 546_667),
    ]
