"""Signals other apps listen to without timesheets knowing them (they sit above it in the layers)."""

from django.dispatch import Signal

# Sent inside `period_close`'s transaction, before the close is written: apps with dated records the
# close also locks (expenses) take their own table locks here, so no write in flight lands in the period.
# Keyword arguments: company_id, through.
period_closing = Signal()
