"""Re-rating: a rate changed with an effective date is previewed on approved, unbilled time and applied,
audited; billed time never changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from margin.billing.actions import invoice_draft_create, invoice_issue
from margin.billing.rerating import rerating_apply, rerating_preview
from margin.billing.tests.test_contract_invoicing import contract_of, march
from margin.contracts.actions import bill_rate_set
from margin.core.errors import Forbidden
from margin.timesheets.models import TimeEntry
from tests.checks import audit_row, refused
from tests.firm import Firm


def test_a_new_rate_is_previewed_then_applied_to_unbilled_time_only(firm: Firm) -> None:
    entries = march(firm)
    billed = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date(2026, 3, 3))
    invoice_issue(viewer=firm.finance, invoice=billed, issue_date=date(2026, 4, 1))
    bill_rate_set(
        viewer=firm.finance,
        project=firm.project,
        role=firm.consultant,
        valid_from=date(2026, 3, 4),
        hourly_rate=Decimal(120),
    )
    contract = contract_of(firm)
    preview = rerating_preview(viewer=firm.finance, contract=contract, since=date(2026, 3, 1))
    # Only the 4 March entries (unbilled, and under the new rate): 90 + 45 minutes, 100 → 120 an hour.
    assert [r.entry_id for r in preview.rows] == [entries[3].pk, entries[4].pk]
    assert (preview.old_minor, preview.new_minor, preview.change_minor) == (22_500, 27_000, 4_500)
    # Nothing changed yet.
    assert TimeEntry.objects.get(pk=entries[3].pk).bill_amount_minor == 15_000
    with refused(Forbidden):
        rerating_apply(viewer=firm.manager, contract=contract, since=date(2026, 3, 1))
    applied = rerating_apply(viewer=firm.finance, contract=contract, since=date(2026, 3, 1))
    assert applied.change_minor == 4_500
    entry = TimeEntry.objects.get(pk=entries[3].pk)
    assert (entry.bill_rate, entry.bill_amount_minor) == (Decimal(120), 18_000)
    assert audit_row("time.rerate", entry).before == {"bill_rate": "100.0000", "bill_amount_minor": 15_000}
    # The billed entries kept their values; a second run changes nothing.
    assert TimeEntry.objects.get(pk=entries[0].pk).bill_amount_minor == 80_000
    assert rerating_preview(viewer=firm.finance, contract=contract, since=date(2026, 3, 1)).rows == []
    later = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=date(2026, 3, 31))
    assert later.net_minor == 27_000
