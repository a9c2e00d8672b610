"""Xero: the journal as a CSV for Xero's "Import manual journals" screen."""
