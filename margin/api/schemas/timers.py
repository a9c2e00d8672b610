"""Shapes of the timer (my running stopwatch)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from margin.api.schemas.common import Id, Note


class TimerOut(Schema):
    project_id: int
    project_code: str
    project_name: str
    task_id: int | None
    task_name: str | None
    note: str
    started_at: datetime
    elapsed_seconds: int = Field(description="Seconds since it started, by the server's clock")


class TimerState(Schema):
    running: bool
    timer: TimerOut | None = Field(None, description="The running timer; null when none runs")
    server_time: datetime


class TimerStartIn(Schema):
    task_id: Id | None = Field(None, description="The task to time (its project is implied)")
    project_id: Id | None = Field(None, description="A project without a task; required when task_id is absent")
    note: Note = ""
    replace: bool = Field(False, description="Stop the running timer first (logging its time) instead of answering 409")
