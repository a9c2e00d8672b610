"""Small building blocks for tests that need time in a given state."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_approve, time_entries_submit, time_entry_create
from margin.timesheets.models import TimeEntry
from tests.firm import Firm


def approved_entries(firm: Firm, *, count: int, minutes: int = 60, weeks_ago: int = 1) -> list[TimeEntry]:
    """`count` entries of the member on firm.project (Build), submitted and approved by the manager,
    spread over the days of the week that began `weeks_ago` weeks back."""
    monday = week_start(timezone.localdate()) - timedelta(days=7 * weeks_ago)
    entries = [
        time_entry_create(
            viewer=firm.member,
            project=firm.project,
            task=firm.build,
            work_date=monday + timedelta(days=i % 7),
            minutes=minutes,
        )
        for i in range(count)
    ]
    time_entries_submit(viewer=firm.member, monday=monday)
    time_entries_approve(viewer=firm.manager, entry_ids=[e.pk for e in entries])
    return list(TimeEntry.objects.filter(pk__in=[e.pk for e in entries]))
