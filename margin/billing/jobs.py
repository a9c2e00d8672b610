"""Background entry points for billing: take ids, call one action, report progress.

- `invoice_run`: draft every project of a company with something to bill (one transaction).
- `invoices_send`: e-mail many issued invoices (each rendered as a Factur-X PDF and a UBL), one committed send
  per invoice, so progress is real and a run stopped half-way is finished by starting it again: an invoice
  already sent is skipped.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django_tasks import task

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_get, viewer_for
from margin.billing.access import require_finance
from margin.billing.actions import invoices_draft_all
from margin.billing.documents import with_lines
from margin.billing.models import Invoice, InvoiceStatus
from margin.billing.queries import invoices_visible
from margin.billing.sending import invoice_send
from margin.core.errors import DomainError, NotFound
from margin.core.jobruns import job_run_finish, job_run_progress, job_run_running, job_run_start
from margin.core.models import JobRun

INVOICE_RUN = "invoice_run"
INVOICE_SENDING = "invoice_sending"
SEND_BATCH = 50  # invoices read (with their lines) at a time


@task()
def invoice_run(*, job_run_id: int, user_id: int, company_id: int, up_to: str) -> None:
    """Draft invoices for every project of a company with approved time up to a date.

    The run is one transaction (all drafts or none), so it reports no per-project progress: none of it
    exists before the commit. The screen shows it running (kept alive by the heartbeat) until it is done."""
    user = get_user_model().objects.get(pk=user_id)
    try:
        viewer = viewer_for(user)
        company = company_get(viewer, company_id)
        with job_run_running(job_run_id):
            invoices = invoices_draft_all(viewer=viewer, company=company, up_to=date.fromisoformat(up_to))
    except DomainError as error:
        job_run_finish(job_run_id, error=error.message)
        return
    except Exception:
        # Never leave the run "running" forever: show a failure, keep the traceback in the task result.
        job_run_finish(job_run_id, error="The invoice run failed unexpectedly; nothing was drafted.")
        raise
    job_run_progress(job_run_id, len(invoices), len(invoices))  # committed now: true from here on
    job_run_finish(job_run_id, result={"invoices": [i.pk for i in invoices], "count": len(invoices)})


def invoice_run_start(*, viewer: Viewer, company: Company, up_to: date) -> JobRun:
    """Queue an invoice run for a company; the returned JobRun shows its progress."""
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    run = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=INVOICE_RUN)
    invoice_run.enqueue(job_run_id=run.pk, user_id=viewer.user_id, company_id=company.pk, up_to=up_to.isoformat())
    return run


@task()
def invoices_send(*, job_run_id: int, user_id: int, invoice_ids: list[int], message: str = "") -> None:
    """E-mail each issued, not yet sent invoice of `invoice_ids` to its client's billing address.

    Each send commits on its own and progress counts them; an invoice that cannot be sent (no address, no tax
    category...) is reported with its reason in the result and the others go on."""
    user = get_user_model().objects.get(pk=user_id)
    try:
        viewer = viewer_for(user)
        require_finance(viewer)
    except DomainError as error:
        job_run_finish(job_run_id, error=error.message)
        return
    sent: list[int] = []
    skipped: list[int] = []
    failed: dict[str, str] = {}
    wanted = sorted(set(invoice_ids))
    try:
        with job_run_running(job_run_id):
            done = 0
            job_run_progress(job_run_id, done, len(wanted))
            for start in range(0, len(wanted), SEND_BATCH):
                batch = with_lines(invoices_visible(viewer).filter(id__in=wanted[start : start + SEND_BATCH]))
                found = {invoice.pk: invoice for invoice in batch}
                for invoice_id in wanted[start : start + SEND_BATCH]:
                    invoice = found.get(invoice_id)
                    if invoice is None or invoice.status != InvoiceStatus.ISSUED or invoice.sent_at is not None:
                        skipped.append(invoice_id)  # not visible, a draft, or sent already (a second run)
                    else:
                        try:
                            invoice_send(viewer=viewer, invoice=invoice, message=message)
                        except DomainError as error:
                            failed[invoice.number or str(invoice.pk)] = error.message
                        else:
                            sent.append(invoice_id)
                    done += 1
                    job_run_progress(job_run_id, done, len(wanted))
    except Exception:
        job_run_finish(
            job_run_id,
            error=f"Sending stopped unexpectedly after {len(sent)} invoices; start it again to send the rest.",
            result={"sent": sent, "skipped": skipped, "failed": failed, "count": len(sent)},
        )
        raise
    job_run_finish(job_run_id, result={"sent": sent, "skipped": skipped, "failed": failed, "count": len(sent)})


def invoices_send_start(*, viewer: Viewer, invoices: list[Invoice], message: str = "") -> JobRun:
    """Queue the sending of these invoices (the issued ones not sent yet); the JobRun shows its progress."""
    require_finance(viewer)
    ids = [invoice.pk for invoice in invoices]
    if invoices_visible(viewer).filter(id__in=ids).count() != len(set(ids)):
        raise NotFound("No such invoice.")
    run = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=INVOICE_SENDING)
    invoices_send.enqueue(job_run_id=run.pk, user_id=viewer.user_id, invoice_ids=ids, message=message)
    return run
