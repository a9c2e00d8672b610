"""Who may write on invoices: finance and administrators, within their organisation and companies."""

from __future__ import annotations

from margin.accounts.queries import Viewer
from margin.billing.models import Invoice
from margin.core.errors import Forbidden, NotFound


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may invoice.")


def check_scope(viewer: Viewer, invoice: Invoice) -> None:
    """NotFound for an invoice of another organisation or of a company the viewer does not work for."""
    if invoice.organisation_id != viewer.organisation_id or invoice.company_id not in viewer.company_ids:
        raise NotFound("No such invoice.")
