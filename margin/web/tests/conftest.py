"""Fixtures of the web UI tests: signed-in clients and a week of approved time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


@pytest.fixture
def sign_in(client: Client) -> Callable[[User], Client]:
    def _sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return _sign_in


@pytest.fixture
def last_monday() -> date:
    return week_start(timezone.localdate()) - timedelta(days=7)


@pytest.fixture
def submitted(firm: Firm, last_monday: date) -> list[TimeEntry]:
    """Tom's last week: 1:30 design on Monday, 8:00 build on Tuesday, submitted."""
    entries = [
        time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=90
        ),
        time_entry_create(
            viewer=firm.member,
            project=firm.project,
            task=firm.build,
            work_date=last_monday + timedelta(days=1),
            minutes=480,
        ),
    ]
    time_entries_submit(viewer=firm.member, monday=last_monday)
    return entries


@pytest.fixture
def approved(firm: Firm, submitted: list[TimeEntry]) -> list[TimeEntry]:
    time_entries_approve(viewer=firm.manager, entry_ids=[e.pk for e in submitted])
    return submitted
