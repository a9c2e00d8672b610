"""Background entry points for billing: take ids, call one action, report progress."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django_tasks import task

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, company_get, viewer_for
from margin.billing.actions import invoices_draft_all, require_finance
from margin.core.errors import DomainError, NotFound
from margin.core.jobruns import job_run_finish, job_run_progress, job_run_running, job_run_start
from margin.core.models import JobRun

INVOICE_RUN = "invoice_run"


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
