"""Background job runs: a dead worker's run is failed visibly, a live one keeps its heartbeat."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from margin.core import jobruns
from margin.core.errors import NotFound
from margin.core.jobruns import (
    STALE_AFTER,
    STALE_MESSAGE,
    job_run_finish,
    job_run_get,
    job_run_progress,
    job_run_running,
    job_run_start,
    job_runs_reap,
)
from margin.core.models import JobRun, JobRunStatus
from tests.firm import Firm


def _run(firm: Firm) -> JobRun:
    return job_run_start(organisation_id=firm.admin.organisation_id, user_id=firm.admin.user_id, kind="test")


def _age(run: JobRun, by: timedelta) -> None:
    JobRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - by)


def test_running_marks_the_run_and_its_heartbeat(firm: Firm) -> None:
    run = _run(firm)
    assert (run.status, run.heartbeat_at, run.counted) == (JobRunStatus.QUEUED, None, False)
    with job_run_running(run.pk):
        run.refresh_from_db()
        assert run.status == JobRunStatus.RUNNING and run.started_at and run.heartbeat_at
        assert not run.counted and run.percent == 0  # no steps counted: the screen shows work, not a share
    job_run_finish(run.pk, result={})
    run.refresh_from_db()
    assert (run.status, run.percent, run.counted) == (JobRunStatus.DONE, 100, True)


def test_a_run_whose_heartbeat_stopped_is_failed_when_read(firm: Firm) -> None:
    run = _run(firm)
    with job_run_running(run.pk):
        pass
    JobRun.objects.filter(pk=run.pk).update(status=JobRunStatus.RUNNING)  # the worker died before finishing
    _age(run, STALE_AFTER - timedelta(seconds=5))
    assert job_run_get(organisation_id=run.organisation_id, job_run_id=run.pk).status == JobRunStatus.RUNNING
    _age(run, STALE_AFTER + timedelta(seconds=5))
    seen = job_run_get(organisation_id=run.organisation_id, job_run_id=run.pk)
    assert (seen.status, seen.message) == (JobRunStatus.FAILED, STALE_MESSAGE)
    assert seen.finished and seen.finished_at is not None


def test_a_run_stuck_from_before_heartbeats_is_failed_too(firm: Firm) -> None:
    run = _run(firm)
    job_run_progress(run.pk, 4, 4)  # "running 100 %" forever, as a killed worker left it
    JobRun.objects.filter(pk=run.pk).update(heartbeat_at=None, created_at=timezone.now() - timedelta(hours=1))
    assert job_runs_reap() == 1
    assert JobRun.objects.get(pk=run.pk).status == JobRunStatus.FAILED


def test_progress_keeps_the_heartbeat_and_finished_runs_are_left_alone(firm: Firm) -> None:
    live, done = _run(firm), _run(firm)
    job_run_progress(live.pk, 1, 3)
    job_run_finish(done.pk, result={})
    _age(done, STALE_AFTER * 2)
    assert job_runs_reap() == 0
    assert {r.status for r in JobRun.objects.all()} == {JobRunStatus.RUNNING, JobRunStatus.DONE}


def test_starting_a_job_reaps_the_dead_ones(firm: Firm) -> None:
    dead = _run(firm)
    job_run_progress(dead.pk, 0, 0)
    _age(dead, STALE_AFTER + timedelta(minutes=1))
    _run(firm)
    assert JobRun.objects.get(pk=dead.pk).status == JobRunStatus.FAILED


def test_a_run_of_another_organisation_is_not_found(firm: Firm) -> None:
    run = _run(firm)
    with pytest.raises(NotFound):
        job_run_get(organisation_id=firm.other_admin.organisation_id, job_run_id=run.pk)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_while_the_job_runs(firm: Firm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobruns, "HEARTBEAT", timedelta(milliseconds=50))
    run = _run(firm)
    with job_run_running(run.pk):
        first = JobRun.objects.get(pk=run.pk).heartbeat_at
        time.sleep(0.5)
        later = JobRun.objects.get(pk=run.pk).heartbeat_at
    assert first is not None and later is not None and later > first
    time.sleep(0.2)
    stopped = JobRun.objects.get(pk=run.pk).heartbeat_at
    time.sleep(0.2)
    assert JobRun.objects.get(pk=run.pk).heartbeat_at == stopped  # the thread ended with the job
