"""Progress of background jobs, written outside the job's own transactions so it shows at once.

A job body runs inside `job_run_running(run_id)`: the run turns RUNNING (committed before the work
starts) and a heartbeat thread touches `heartbeat_at` every HEARTBEAT while the body runs. If the
worker dies (killed, out of memory, the machine restarted) the heartbeat stops; a run whose heartbeat
is older than STALE_AFTER is failed with a message saying so (`job_runs_reap`), when the run is read
(`job_run_get`, which every polling screen and the API use) and whenever a new job starts. A job's
work is one transaction or commits its own steps, so a dead run left nothing half-done: the user
starts it again.

Progress (`job_run_progress`) is only for steps that are committed as they go (or that read and check
before writing): a job that does its writing in one transaction reports no per-step progress, since
none of it exists until the commit (the invoice run, the ECB import).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from margin.core.errors import NotFound
from margin.core.models import JobRun, JobRunStatus

HEARTBEAT = timedelta(seconds=15)
STALE_AFTER = timedelta(minutes=2)  # eight missed heartbeats: the worker is gone
STALE_MESSAGE = (
    "The background worker stopped while running this job (it was restarted or killed), so the job did not "
    "finish and nothing of it was saved. Start it again."
)
log = logging.getLogger(__name__)


def job_run_start(*, organisation_id: int, user_id: int | None, kind: str) -> JobRun:
    job_runs_reap()
    return JobRun.objects.create(organisation_id=organisation_id, created_by_id=user_id, kind=kind)


def _beat(job_run_id: int, stop: threading.Event) -> None:
    """The heartbeat thread: its own database connection, closed when the job ends."""
    try:
        while not stop.wait(HEARTBEAT.total_seconds()):
            try:
                JobRun.objects.filter(pk=job_run_id, status=JobRunStatus.RUNNING).update(heartbeat_at=timezone.now())
            except Exception:  # a busy database: the next beat tries again; STALE_AFTER allows many misses
                log.warning("job run %s: heartbeat not written", job_run_id, exc_info=True)
    finally:
        connection.close()


@contextmanager
def job_run_running(job_run_id: int) -> Iterator[None]:
    """Mark the run RUNNING and keep its heartbeat going while the block runs (in the worker)."""
    now = timezone.now()
    JobRun.objects.filter(pk=job_run_id).update(status=JobRunStatus.RUNNING, started_at=now, heartbeat_at=now)
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(job_run_id, stop), name=f"job-run-{job_run_id}-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=5)


def job_run_progress(job_run_id: int, done: int, total: int) -> None:
    JobRun.objects.filter(pk=job_run_id).update(
        status=JobRunStatus.RUNNING, done=done, total=total, heartbeat_at=timezone.now()
    )


def job_run_finish(job_run_id: int, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    JobRun.objects.filter(pk=job_run_id).update(
        status=JobRunStatus.FAILED if error else JobRunStatus.DONE,
        message=error,
        result=result,
        finished_at=timezone.now(),
    )


def job_runs_reap(*, now: datetime | None = None, job_run_id: int | None = None) -> int:
    """Fail the running runs whose heartbeat stopped (all of them, or the one given); returns how many."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale = JobRun.objects.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff),  # null: before heartbeats
        status=JobRunStatus.RUNNING,
    )
    if job_run_id is not None:
        stale = stale.filter(pk=job_run_id)
    return stale.update(status=JobRunStatus.FAILED, message=STALE_MESSAGE, finished_at=now)


def job_run_get(*, organisation_id: int, job_run_id: int) -> JobRun:
    """A job run of this organisation (failed first if its worker died); NotFound for anything else."""
    run = JobRun.objects.filter(organisation_id=organisation_id, pk=job_run_id).first()
    if run is None:
        raise NotFound("No such job.")
    if run.status == JobRunStatus.RUNNING and job_runs_reap(job_run_id=run.pk):
        run.refresh_from_db()
    return run
