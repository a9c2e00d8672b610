"""A company's journal as the ledger exports read it (beancount, GnuCash, Xero, QuickBooks Online), and the API
that downloads them."""
