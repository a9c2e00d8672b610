"""QuickBooks Online: the journal as a CSV for its "Import journal entries" screen."""
