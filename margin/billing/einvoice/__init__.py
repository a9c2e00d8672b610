"""E-invoices: one pure data model of an invoice or credit note, written out as Factur-X CII and Peppol UBL.

`document` holds the data (no Django, integer minor units); `cii` and `ubl` serialise it; `pdfa` renders the
human-readable PDF/A-3 and embeds the CII in it; `validate` runs the official XSDs and CEN EN 16931 schematron
rules offline so that tests (and callers) can prove a file would be accepted before anyone sends it.
"""
