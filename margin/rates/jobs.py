"""ECB files of many years in the background: the full history (eurofxref-hist, ~200,000 rates) takes a
few seconds to store, so the screen hands it to a django-tasks job and shows its progress (a JobRun).

The file is checked first (so a bad file is a form error at once, not a failed job), kept in Django's
storage under a name bound to the organisation and the user, and deleted when the job ends."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tasks import task

from margin.accounts.queries import Viewer, viewer_for
from margin.core.errors import DomainError, Forbidden, Invalid
from margin.core.jobruns import job_run_finish, job_run_running, job_run_start
from margin.core.models import JobRun
from margin.rates import ecb
from margin.rates.actions import EcbImport, exchange_rates_import_ecb

ECB_IMPORT = "ecb_import"
BACKGROUND_BYTES = 100_000  # the daily and 90-day files stay in the request; the history goes to a job
FOLDER = "ecb"


def ecb_import_summary(result: EcbImport) -> str:
    """What an import did, in one sentence (the screen's message and the job's result)."""
    text = (
        f"Imported {result.stored} ECB rates ({result.new} new) for {result.days} days"
        + (f", {result.first_day} to {result.last_day}" if result.first_day else "")
        + "."
    )
    if result.kept_manual:
        text += f" {result.kept_manual} rates entered by hand were kept."
    if result.skipped_currencies:
        text += f" Skipped withdrawn currencies: {', '.join(result.skipped_currencies)}."
    return text


def _path(organisation_id: int, user_id: int, token: str) -> str:
    return f"{FOLDER}/{organisation_id}/{user_id}/{token}.bin"


def ecb_import_start(*, viewer: Viewer, data: bytes) -> JobRun:
    """Check the file, keep it, and queue its import; the JobRun reports progress and the summary."""
    if not viewer.is_finance:
        raise Forbidden("Only administrators and finance may change exchange rates.")
    try:
        ecb.parse(data)
    except ecb.EcbError as error:
        raise Invalid(str(error), field="file") from None
    token = uuid.uuid4().hex
    path = default_storage.save(_path(viewer.organisation_id, viewer.user_id, token), ContentFile(data))
    run = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=ECB_IMPORT)
    ecb_import_run.enqueue(job_run_id=run.pk, user_id=viewer.user_id, path=path)
    return run


@task()
def ecb_import_run(*, job_run_id: int, user_id: int, path: str) -> None:
    viewer = viewer_for(get_user_model().objects.get(pk=user_id))
    try:
        with default_storage.open(path, "rb") as handle:
            data = bytes(handle.read())
        # One transaction: its batches are not visible before the commit, so no per-batch progress.
        with job_run_running(job_run_id):
            result = exchange_rates_import_ecb(viewer=viewer, data=data)
    except DomainError as error:
        job_run_finish(job_run_id, error=error.message)
        return
    except Exception:
        job_run_finish(job_run_id, error="The import failed unexpectedly; no rate was changed.")
        raise
    finally:
        default_storage.delete(path)
    job_run_finish(job_run_id, result={"message": ecb_import_summary(result), "stored": result.stored})
