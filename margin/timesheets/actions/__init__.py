"""Writes on time entries: log, edit, submit, approve (valuing them), reject, bulk import.

A package of short modules; every public name is re-exported here, so callers import from
`margin.timesheets.actions` as before:

- `policy`: who may log for whom, the company's time policy, the closed-period check, target checks,
  billable minutes (shared by the others; imports none of them)
- `entries`: create, update, delete, the week grid's cells, submit
- `approval`: approve (valuing the entries), reject
- `imports`: bulk import (all rows or none)
- `delegates`: approval delegates (period close is the `closing` app's)
- `timer`: start, stop, discard

A test that swaps out a function must patch the module whose code calls it (e.g.
`entries.check_period_open`), not this package.
"""

from __future__ import annotations

from margin.timesheets.actions.approval import time_entries_approve, time_entries_reject, value_entries
from margin.timesheets.actions.delegates import DELEGATE_FIELDS, approval_delegate_add, approval_delegate_remove
from margin.timesheets.actions.entries import (
    ENTRY_FIELDS,
    VALUATION_FIELDS,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    week_cell_set,
)
from margin.timesheets.actions.imports import ImportRow, check_may_import, time_entries_import
from margin.timesheets.actions.policy import (
    EDITABLE,
    check_period_open,
    effective_max_future_days,
    may_log_for_ids,
)
from margin.timesheets.actions.timer import TIMER_FIELDS, timer_discard, timer_minutes, timer_start, timer_stop
from margin.timesheets.queries import may_log_for  # the rule is a read; actions callers import it here too

__all__ = [
    "DELEGATE_FIELDS",
    "EDITABLE",
    "ENTRY_FIELDS",
    "TIMER_FIELDS",
    "VALUATION_FIELDS",
    "ImportRow",
    "approval_delegate_add",
    "approval_delegate_remove",
    "check_may_import",
    "check_period_open",
    "effective_max_future_days",
    "may_log_for",
    "may_log_for_ids",
    "time_entries_approve",
    "time_entries_import",
    "time_entries_reject",
    "time_entries_submit",
    "time_entry_create",
    "time_entry_delete",
    "time_entry_update",
    "timer_discard",
    "timer_minutes",
    "timer_start",
    "timer_stop",
    "value_entries",
    "week_cell_set",
]
