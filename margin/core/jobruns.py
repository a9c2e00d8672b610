"""Progress of background jobs, written outside the job's own transactions so it shows at once."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from margin.core.errors import NotFound
from margin.core.models import JobRun, JobRunStatus


def job_run_start(*, organisation_id: int, user_id: int | None, kind: str) -> JobRun:
    return JobRun.objects.create(organisation_id=organisation_id, created_by_id=user_id, kind=kind)


def job_run_progress(job_run_id: int, done: int, total: int) -> None:
    JobRun.objects.filter(pk=job_run_id).update(status=JobRunStatus.RUNNING, done=done, total=total)


def job_run_finish(job_run_id: int, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    JobRun.objects.filter(pk=job_run_id).update(
        status=JobRunStatus.FAILED if error else JobRunStatus.DONE,
        message=error,
        result=result,
        finished_at=timezone.now(),
    )


def job_run_get(*, organisation_id: int, job_run_id: int) -> JobRun:
    """A job run of this organisation; NotFound for anything else."""
    run = JobRun.objects.filter(organisation_id=organisation_id, pk=job_run_id).first()
    if run is None:
        raise NotFound("No such job.")
    return run
