"""Invoices: list, run with progress, draft detail, issue, discard, printable page, access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.accounts.actions import company_update
from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.models import Invoice, InvoiceStatus
from margin.core.models import AuditEntry, JobRun
from margin.crm.actions import contact_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def _draft(firm: Firm, last_monday: date) -> Invoice:
    return invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=last_monday + timedelta(days=6))


def _invoices() -> list[tuple[int, str, str | None]]:
    return list(Invoice.objects.order_by("id").values_list("id", "status", "number"))


def test_invoice_screens_are_for_finance_and_admins(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    # The project's manager may see its invoices (the printable one) but works none of them; a member of the
    # project may not see them at all: an invisible object is a 404.
    manager = sign_in(firm.manager_user)
    assert manager.get(reverse("web:invoices")).status_code == 403
    assert manager.get(reverse("web:invoice", args=[invoice.pk])).status_code == 403
    assert manager.post(reverse("web:invoice_issue", args=[invoice.pk]), {"payment_days": 30}).status_code == 403
    assert manager.get(reverse("web:invoice_print", args=[invoice.pk])).status_code == 200
    member = sign_in(firm.member_user)
    assert member.get(reverse("web:invoices")).status_code == 403
    for name in ("web:invoice", "web:invoice_print"):
        assert member.get(reverse(name, args=[invoice.pk])).status_code == 404
    assert member.post(reverse("web:invoice_issue", args=[invoice.pk]), {"payment_days": 30}).status_code == 404
    for user in (firm.finance_user, firm.admin_user):
        client = sign_in(user)
        assert client.get(reverse("web:invoices")).status_code == 200
        assert client.get(reverse("web:invoice", args=[invoice.pk])).status_code == 200
    assert _invoices() == [(invoice.pk, "draft", None)]


def test_invoice_list(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(firm.finance_user)
    html = client.get(reverse("web:invoices")).content.decode()
    assert f"Draft #{invoice.pk}" in html and "Globex" in html and "GLX-1" in html and "950.00 USD" in html
    assert f"Draft #{invoice.pk}" not in client.get(reverse("web:invoices"), {"status": "issued"}).content.decode()


def test_another_organisations_invoice_is_404(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(User.objects.get(username="rival-admin"))
    for name in ("web:invoice", "web:invoice_print"):
        assert client.get(reverse(name, args=[invoice.pk])).status_code == 404
    assert client.post(reverse("web:invoice_issue", args=[invoice.pk]), {"payment_days": 30}).status_code == 404
    assert client.post(reverse("web:invoice_discard", args=[invoice.pk])).status_code == 404
    assert _invoices() == [(invoice.pk, "draft", None)]


def test_draft_detail_and_issue(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(firm.finance_user)
    detail = client.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    assert "Build — Consultant" in detail and "Design — Consultant" in detail
    assert "8.00" in detail and "1.50" in detail and "950.00 USD" in detail
    assert "Issue invoice" in detail and "Discard draft" in detail
    terms = firm.client.payment_terms_days
    assert f'name="payment_days" value="{terms}"' in detail and f"Globex's terms: {terms} days." in detail
    response = client.post(
        reverse("web:invoice_issue", args=[invoice.pk]), {"issue_date": "", "payment_days": "14"}, **HTMX
    )
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number is not None
    assert invoice.due_date == invoice.issue_date + timedelta(days=14)  # type: ignore[operator]
    html = response.content.decode()
    assert f"Invoice {invoice.number} is issued." in html
    assert 'id="page-title" hx-swap-oob="true"' in html
    assert "Issue invoice" not in html


def test_issuing_twice_or_with_bad_terms_changes_nothing(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(firm.finance_user)
    url = reverse("web:invoice_issue", args=[invoice.pk])
    before, audit_before = _invoices(), AuditEntry.objects.count()
    for data in (
        {"payment_days": "-1"},
        {"payment_days": "9" * 30},
        {"payment_days": "30", "issue_date": "2026-13-01"},
    ):
        response = client.post(url, data, **HTMX)
        assert response.status_code == 422, data
        assert "invalid-feedback" in response.content.decode()
    far = client.post(url, {"payment_days": "30", "issue_date": "2001-01-01"}, **HTMX)
    assert far.status_code == 422
    assert "within a year" in far.content.decode()
    assert _invoices() == before
    assert AuditEntry.objects.count() == audit_before
    invoice_issue(viewer=firm.finance, invoice=invoice)
    issued = _invoices()
    again = client.post(url, {"payment_days": "30"}, **HTMX)
    assert again.status_code == 409
    assert "issued already" in again.content.decode()
    assert _invoices() == issued


def test_discard_a_draft(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(firm.finance_user)
    response = client.post(reverse("web:invoice_discard", args=[invoice.pk]), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("web:invoices")
    assert not Invoice.objects.exists()
    assert not TimeEntry.objects.filter(billing__isnull=False).exists()


def test_an_issued_invoice_cannot_be_discarded(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = invoice_issue(viewer=firm.finance, invoice=_draft(firm, last_monday))
    response = sign_in(firm.finance_user).post(reverse("web:invoice_discard", args=[invoice.pk]))
    assert response.status_code == 409
    assert Invoice.objects.filter(pk=invoice.pk, status="issued").exists()


def test_invoice_run_drafts_and_reports_progress(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    client = sign_in(firm.finance_user)
    up_to = (last_monday + timedelta(days=6)).isoformat()
    response = client.post(reverse("web:invoice_run"), {"company": firm.usd.pk, "up_to": up_to}, **HTMX)
    assert response.status_code == 200
    run = JobRun.objects.get()
    assert run.status == "done"  # jobs run immediately in tests
    invoice = Invoice.objects.get()
    html = response.content.decode()
    assert 'id="run-progress"' in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    assert reverse("web:invoice", args=[invoice.pk]) in html
    poll = client.get(reverse("web:invoice_run_status", args=[run.pk]), **HTMX)
    assert poll.status_code == 200
    assert "1 draft invoice created" in poll.content.decode()


def test_a_run_in_one_transaction_shows_work_going_on(sign_in: Callable[[User], Client], firm: Firm) -> None:
    from margin.core.jobruns import job_run_running, job_run_start

    run = job_run_start(organisation_id=firm.finance.organisation_id, user_id=firm.finance.user_id, kind="invoice_run")
    with job_run_running(run.pk):
        html = sign_in(firm.finance_user).get(reverse("web:invoice_run_status", args=[run.pk]), **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in html and 'data-status="running"' in html
    assert "projects</span>" not in html and "aria-valuenow" not in html  # no made-up count or share
    assert "they all appear when the run is done" in html


def test_a_run_whose_worker_died_is_shown_failed_and_polling_stops(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    from margin.core.jobruns import STALE_AFTER, job_run_running, job_run_start

    run = job_run_start(organisation_id=firm.finance.organisation_id, user_id=firm.finance.user_id, kind="invoice_run")
    with job_run_running(run.pk):
        pass
    dead = timezone.now() - STALE_AFTER - timedelta(seconds=1)
    JobRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=dead)
    html = sign_in(firm.finance_user).get(reverse("web:invoice_run_status", args=[run.pk]), **HTMX).content.decode()
    assert 'data-status="failed"' in html and 'hx-trigger="every 1s"' not in html
    assert "background worker stopped while running this job" in html
    assert JobRun.objects.get(pk=run.pk).finished_at is not None


def test_a_running_job_keeps_polling(sign_in: Callable[[User], Client], firm: Firm) -> None:
    from margin.core.jobruns import job_run_progress, job_run_start

    run = job_run_start(organisation_id=firm.finance.organisation_id, user_id=firm.finance.user_id, kind="invoice_run")
    job_run_progress(run.pk, 3, 10)
    html = sign_in(firm.finance_user).get(reverse("web:invoice_run_status", args=[run.pk]), **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "3 / 10 projects" in html
    assert 'style="width: 30%"' in html


def test_a_job_run_of_another_organisation_is_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    from margin.core.jobruns import job_run_start

    run = job_run_start(organisation_id=firm.other_admin.organisation_id, user_id=None, kind="invoice_run")
    assert sign_in(firm.finance_user).get(reverse("web:invoice_run_status", args=[run.pk])).status_code == 404


def test_invoice_run_rejects_bad_input(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.finance_user)
    from margin.accounts.models import Company

    rival = Company.objects.get(name="Rival")
    for data in ({"company": rival.pk, "up_to": "2026-01-01"}, {"company": firm.usd.pk, "up_to": "nope"}, {}):
        response = client.post(reverse("web:invoice_run"), data, **HTMX)
        assert response.status_code == 422, data
    assert not JobRun.objects.exists()
    assert not Invoice.objects.exists()


def test_printable_invoice(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    invoice = _draft(firm, last_monday)
    client = sign_in(firm.finance_user)
    draft = client.get(reverse("web:invoice_print", args=[invoice.pk])).content.decode()
    assert 'class="watermark"' in draft and "DRAFT" in draft
    assert "Acme US" in draft and "US-1" in draft and "1 Main St" in draft
    assert "950.00 USD" in draft
    invoice_issue(viewer=firm.finance, invoice=invoice, issue_date=date(2026, 3, 2))
    issued = client.get(reverse("web:invoice_print", args=[invoice.pk])).content.decode()
    assert 'class="watermark"' not in issued
    assert "2026-0001" in issued
    assert "2 March 2026" in issued
    assert "Pay by bank transfer" not in issued  # the company has no bank account yet
    # the project's manager sees the invoice of their project (print only)
    assert sign_in(firm.manager_user).get(reverse("web:invoice_print", args=[invoice.pk])).status_code == 200


def test_the_printable_invoice_says_whom_it_is_for_and_how_to_pay(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    """The client's contact who receives invoices (the primary one first) and the company's bank account."""
    company_update(viewer=firm.admin, company=firm.usd, bank_name="First <Bank>", iban="DE89370400440532013000")
    contact_create(viewer=firm.admin, client=firm.client, name="Zed Ledger", email="z@acme.test", billing=True)
    contact_create(viewer=firm.admin, client=firm.client, name="Ann Payable", role="AP", email="a@acme.test")
    invoice = _draft(firm, last_monday)
    printed = sign_in(firm.finance_user).get(reverse("web:invoice_print", args=[invoice.pk])).content.decode()
    assert "Attn. Zed Ledger" in printed
    assert "First &lt;Bank&gt;" in printed and "DE89 3704 0044 0532 0130 00" in printed
    contact_create(
        viewer=firm.admin, client=firm.client, name="Bea Primary", email="b@acme.test", billing=True, primary=True
    )
    printed = sign_in(firm.finance_user).get(reverse("web:invoice_print", args=[invoice.pk])).content.decode()
    assert "Attn. Bea Primary" in printed and "Zed Ledger" not in printed


def test_forms_work_without_htmx_too(
    sign_in: Callable[[User], Client], firm: Firm, approved: list[TimeEntry], last_monday: date
) -> None:
    client = sign_in(firm.finance_user)
    up_to = (last_monday + timedelta(days=6)).isoformat()
    run = client.post(reverse("web:invoice_run"), {"company": firm.usd.pk, "up_to": up_to})
    job = JobRun.objects.get()
    assert run.status_code == 302
    assert run["Location"] == reverse("web:invoice_run_status", args=[job.pk])
    status_page = client.get(run["Location"])
    assert status_page.status_code == 200
    assert "1 draft invoice created" in status_page.content.decode()
    invoice = Invoice.objects.get()
    issued = client.post(reverse("web:invoice_issue", args=[invoice.pk]), {"payment_days": "30"})
    assert issued.status_code == 302
    invoice.refresh_from_db()
    assert invoice.number is not None
    page = client.get(issued["Location"]).content.decode()
    assert f"Invoice {invoice.number} is issued." in page
    bad = client.post(reverse("web:invoice_issue", args=[invoice.pk]), {"payment_days": "30"})
    assert bad.status_code == 409
    assert "issued already" in bad.content.decode()
