"""Large time imports in the background: the previewed file is kept in Django's storage under a name bound to the
organisation and the user, a django-tasks job imports it (all or nothing) and reports progress on a JobRun."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from margin.accounts.queries import Viewer, viewer_for
from margin.core.errors import DomainError, Invalid
from margin.core.jobruns import job_run_finish, job_run_progress, job_run_running, job_run_start
from margin.core.models import JobRun
from margin.integrations.timecsv.imports import require_importer, time_csv_import

TIME_IMPORT = "time_import"
BACKGROUND_ROWS = 2_000  # files with more lines are imported by a job, with a progress bar
FOLDER = "timecsv"
KEEP_FOR = timedelta(days=1)


def _prune(folder: str) -> None:
    """Drop this user's previewed files that were never imported (older than a day)."""
    try:
        _, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    cutoff = timezone.now() - KEEP_FOR
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def upload_keep(*, viewer: Viewer, data: bytes) -> str:
    """Keep an uploaded file until it is imported (or a day has passed); returns its token."""
    _prune(f"{FOLDER}/{viewer.organisation_id}/{viewer.user_id}")
    token = uuid.uuid4().hex
    default_storage.save(f"{FOLDER}/{viewer.organisation_id}/{viewer.user_id}/{token}.csv", ContentFile(data))
    return token


def _path(viewer: Viewer, token: str) -> str:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        raise Invalid("The previewed file was not found; upload it again.", field="file")
    return f"{FOLDER}/{viewer.organisation_id}/{viewer.user_id}/{token}.csv"


def upload_read(*, viewer: Viewer, token: str) -> bytes:
    """A kept file, for the user who uploaded it only."""
    path = _path(viewer, token)
    if not default_storage.exists(path):
        raise Invalid("The previewed file was not found; upload it again.", field="file")
    with default_storage.open(path, "rb") as handle:
        return bytes(handle.read())


def upload_drop(*, viewer: Viewer, token: str) -> None:
    path = _path(viewer, token)
    if default_storage.exists(path):
        default_storage.delete(path)


@task()
def time_import_run(*, job_run_id: int, user_id: int, token: str, order: str, approved: bool) -> None:
    user = get_user_model().objects.get(pk=user_id)
    viewer = viewer_for(user)
    try:
        data = upload_read(viewer=viewer, token=token)
        with job_run_running(job_run_id):  # progress: the file's checks (read-only), then the one commit
            count = time_csv_import(
                viewer=viewer,
                data=data,
                order=order,
                approved=approved,
                progress=lambda done, total: job_run_progress(job_run_id, done, total),
            )
    except DomainError as error:
        job_run_finish(job_run_id, error=error.message)
        return
    except Exception:
        job_run_finish(job_run_id, error="The import failed unexpectedly; nothing was imported.")
        raise
    upload_drop(viewer=viewer, token=token)
    job_run_finish(job_run_id, result={"count": count})


def time_import_start(*, viewer: Viewer, token: str, order: str = "auto", approved: bool = False) -> JobRun:
    """Queue the import of a kept file; the JobRun shows its progress and, when done, the count imported."""
    require_importer(viewer, approved=approved)
    _path(viewer, token)
    run = job_run_start(organisation_id=viewer.organisation_id, user_id=viewer.user_id, kind=TIME_IMPORT)
    time_import_run.enqueue(job_run_id=run.pk, user_id=viewer.user_id, token=token, order=order, approved=approved)
    return run
