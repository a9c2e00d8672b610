"""Billed time cannot be edited at all (issue 4): an approved entry may go back for approval when it is
changed, but not once an invoice has taken it — not even by an administrator, nor into a closed period."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from margin.billing.actions import invoice_draft_create
from margin.core.errors import Conflict
from margin.core.periods import week_start
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from margin.timesheets.models import TimeEntry
from tests.checks import refused
from tests.firm import Firm

TODAY = timezone.localdate()
MONDAY = week_start(TODAY) - timedelta(days=7)


def test_billed_entries_cannot_be_edited_or_deleted(firm: Firm) -> None:
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    time_entries_submit(viewer=firm.member, day=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[entry.pk])
    invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=TODAY)
    entry = TimeEntry.objects.get(pk=entry.pk)
    with refused(Conflict, entry, match="billed"):
        time_entry_update(viewer=firm.member, entry=entry, minutes=30)
    with refused(Conflict, entry, match="billed"):
        time_entry_update(viewer=firm.admin, entry=entry, note="fix")
    with refused(Conflict, entry, match="billed"):
        time_entry_delete(viewer=firm.admin, entry=entry)
