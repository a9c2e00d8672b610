"""Notifications: what the signed-in user has been told (rejections, reminders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from margin.api.schemas.common import Id


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="What it is about: time.rejected, time.reminder, ...")
    text: str
    url: str = Field(description="Where to act on it (a path of the web app), or empty")
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(Schema):
    ids: Annotated[list[Id], Field(max_length=1000)] | None = Field(
        None, description="The notifications to mark read; omitted or null: all of yours"
    )


class UnreadOut(Schema):
    unread: int
