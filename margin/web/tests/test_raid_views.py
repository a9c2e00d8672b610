"""The RAID tab: the register with its heat matrix (a cell filters the register), risk, issue and change request
pages, forms that answer errors and change nothing, the change request's workflow buttons up to applying (twice:
a message, nothing changed), money only for who sees it, and 404 for another organisation."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from margin.contracts.actions import billing_line_create
from margin.contracts.models import BillingLine, BillingModel, Contract
from margin.projects.models import Task
from margin.rates.actions import exchange_rate_set
from margin.risks.actions import (
    ProposedTask,
    change_request_create,
    issue_create,
    risk_create,
)
from margin.risks.models import ChangeRequest, Issue, Risk
from tests.checks import table_counts
from tests.firm import Firm


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_register_draws_the_matrix_and_a_cell_filters_it(firm: Firm) -> None:
    for title, p, i in [("Vendor late", 5, 4), ("Vendor bankrupt", 5, 4), ("Key person leaves", 2, 3)]:
        risk_create(viewer=firm.manager, project=firm.project, title=title, probability=p, impact=i)
    tom = _client(firm.member_user)
    page = tom.get(f"/projects/{firm.project.pk}/raid/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="cell-5-4" data-count="2"' in text and 'data-testid="cell-2-3" data-count="1"' in text
    assert "raid-red" in text and "raid-green" in text
    assert "New risk" not in text  # a member reads the register
    cell = tom.get(f"/projects/{firm.project.pk}/raid/", {"p": 5, "i": 4}).content.decode()
    assert "Vendor late" in cell and "Vendor bankrupt" in cell and "Key person leaves" not in cell
    assert 'data-testid="cell-filter"' in cell
    portfolio = _client(firm.admin_user).get("/risks/", {"p": 2, "i": 3}).content.decode()
    assert "Key person leaves" in portfolio and "Vendor late" not in portfolio
    assert (
        _client(User.objects.get(username="rival-admin")).get(f"/projects/{firm.project.pk}/raid/").status_code == 404
    )


def test_logging_a_risk_through_the_form(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    url = f"/projects/{firm.project.pk}/raid/risks/new/"
    assert maya.get(url).status_code == 200
    assert _client(firm.member_user).get(url).status_code == 403
    counts = table_counts()
    bad = maya.post(
        url, {"title": "Half", "probability": 3, "impact": 4, "residual_probability": 2, "response": "mitigate"}
    )
    assert bad.status_code == 422 and "both the residual" in bad.content.decode()
    assert table_counts() == counts
    made = maya.post(
        url,
        {
            "title": "Data <script>alert(1)</script> loss",
            "probability": 3,
            "impact": 4,
            "response": "mitigate",
            "owner": firm.member_person.pk,
            "mitigation_tasks": [firm.design.pk],
            "contingency": "1250.50",
        },
    )
    risk = Risk.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/projects/{firm.project.pk}/raid/risks/{risk.pk}/"
    assert (risk.score, risk.contingency_minor, risk.owner_id) == (12, 125_050, firm.member_person.pk)
    page = maya.get(made["Location"]).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "1,250.50 USD" in page and "Design" in page
    assert "1,250.50" not in _client(firm.member_user).get(made["Location"]).content.decode()  # the project's money
    closed = maya.post(f"/projects/{firm.project.pk}/raid/risks/{risk.pk}/status/", {"status": "closed"})
    assert closed.status_code == 302
    risk.refresh_from_db()
    assert risk.status == "closed"


def test_an_issue_is_logged_and_resolved_on_its_page(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    made = maya.post(
        f"/projects/{firm.project.pk}/raid/issues/",
        {"title": "Test server down", "severity": "high", "status": "open", "tasks": [firm.build.pk]},
    )
    issue = Issue.objects.get()
    assert made.status_code == 302 and issue.reference == "I-1"
    resolve = f"/projects/{firm.project.pk}/raid/issues/{issue.pk}/resolve/"
    counts = table_counts()
    refused = maya.post(resolve, {"resolution": ""})
    assert refused.status_code == 422 and "Say how the issue was resolved." in refused.content.decode()
    assert table_counts() == counts
    assert maya.post(resolve, {"resolution": "Restarted"}).status_code == 302
    issue.refresh_from_db()
    assert issue.status == "resolved"
    assert "Restarted" in maya.get(f"/projects/{firm.project.pk}/raid/issues/").content.decode()


def test_a_resolved_issue_edited_on_its_page_stays_resolved(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    issue = issue_create(viewer=firm.manager, project=firm.project, title="Test server down")
    page_url = f"/projects/{firm.project.pk}/raid/issues/{issue.pk}/"
    open_form = maya.get(page_url).content.decode()
    assert '<option value="resolved"' not in open_form  # resolving asks how: the Resolve form, not the status
    refused = maya.post(page_url, {"title": "Test server down", "severity": "medium", "status": "resolved"})
    assert refused.status_code == 422
    issue.refresh_from_db()
    assert issue.status == "open"

    maya.post(f"{page_url}resolve/", {"resolution": "Restarted"})
    form = maya.get(page_url).content.decode()
    assert '<option value="resolved" selected>' in form
    saved = maya.post(page_url, {"title": "Test server down again", "severity": "high", "status": "resolved"})
    assert saved.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.title, issue.resolution) == ("resolved", "Test server down again", "Restarted")
    assert issue.resolved_at is not None
    maya.post(page_url, {"title": "Test server down again", "severity": "high", "status": "open"})
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_at) == ("open", None)  # reopened


def test_a_decision_is_recorded(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    url = f"/projects/{firm.project.pk}/raid/decisions/"
    assert maya.post(url, {"title": "No decision", "decision": ""}).status_code == 422
    assert maya.post(url, {"title": "Managed hosting", "decision": "Move to managed hosting."}).status_code == 302
    assert "D-1 Managed hosting" in _client(firm.member_user).get(url).content.decode()


def test_a_change_request_through_its_buttons(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    made = maya.post(
        f"/projects/{firm.project.pk}/raid/changes/new/",
        {
            "title": "Reporting module",
            "requested_by_name": "Globex CFO",
            "schedule_days": 3,
            "effort_hours": "20",
            "cost": "900",
            "price": "2500",
            "task1_name": "Monthly report",
            "task1_hours": "20",
            "task1_days": 3,
            "task1_after": firm.build.pk,
        },
    )
    change = ChangeRequest.objects.get()
    assert made.status_code == 302, made.content.decode()[:2000]
    assert (change.price_minor, change.effort_minutes, change.proposed_tasks.get().predecessor_id) == (
        250_000,
        1200,
        firm.build.pk,
    )
    base = f"/projects/{firm.project.pk}/raid/changes/{change.pk}"
    for step in ("submit", "approve", "apply"):
        assert maya.post(f"{base}/{step}/", {"client_name": "Jane"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "applied" and change.client_approver_name == "Jane"
    page = maya.get(f"{base}/").content.decode()
    assert 'data-testid="created-task"' in page and "Monthly report" in page
    assert "30,000.00 USD → 32,500.00 USD" in page  # the money budget before → after
    assert "200:00 h → 220:00 h" in page
    assert Task.objects.filter(project=firm.project, name="Monthly report").exists()
    counts = table_counts()
    again = maya.post(f"{base}/apply/", follow=True)
    assert "CR-1 is already applied." in again.content.decode()
    assert table_counts() == counts
    tom_page = _client(firm.member_user).get(f"{base}/").content.decode()
    assert "32,500.00" not in tom_page and "Monthly report" in tom_page


def test_a_change_on_a_contract_in_another_currency_says_the_rate(firm: Firm) -> None:
    contract = BillingLine.objects.get(
        contract__covered__project=firm.project, model=BillingModel.TIME_AND_MATERIALS
    ).contract
    billing_line_create(viewer=firm.finance, contract=contract, model="fixed", name="Fixed", price_minor=1_000_000)
    Contract.objects.filter(pk=contract.pk).update(currency="EUR")
    change = change_request_create(
        viewer=firm.manager, project=firm.project, title="Extra report", price_minor=250_000, save_baseline=False
    )
    maya = _client(firm.manager_user)
    base = f"/projects/{firm.project.pk}/raid/changes/{change.pk}"
    for step in ("submit", "approve"):
        maya.post(f"{base}/{step}/", {"client_name": "Jane"})
    counts = table_counts()
    refused = maya.post(f"{base}/apply/", follow=True).content.decode()
    assert "No USD→EUR rate on or before" in refused and table_counts() == counts
    exchange_rate_set(
        viewer=firm.finance, from_currency="USD", to_currency="EUR", day=timezone.localdate(), rate=Decimal("0.9")
    )
    maya.post(f"{base}/apply/")
    page = maya.get(f"{base}/").content.decode()
    assert "10,000.00 EUR → 12,250.00 EUR" in page
    assert f"(2,500.00 USD at 0.9 on {timezone.localdate().isoformat()})" in page


def test_bad_change_request_input_is_a_form_error(firm: Firm) -> None:
    maya = _client(firm.manager_user)
    counts = table_counts()
    answer = maya.post(
        f"/projects/{firm.project.pk}/raid/changes/new/", {"title": "X", "schedule_days": 0, "price": "1.005"}
    )
    assert answer.status_code == 422 and "USD amounts have 2 decimals at most." in answer.content.decode()
    assert table_counts() == counts
    change = change_request_create(
        viewer=firm.manager, project=firm.project, title="Draft", tasks=[ProposedTask(name="T")]
    )
    issue_create(viewer=firm.manager, project=firm.project, title="Something")
    rival = _client(User.objects.get(username="rival-admin"))
    assert rival.get(f"/projects/{firm.project.pk}/raid/changes/{change.pk}/").status_code == 404
    assert rival.post(f"/projects/{firm.project.pk}/raid/changes/{change.pk}/submit/").status_code == 404
