"""Shapes of an invoice's documents: sending it to the client."""

from __future__ import annotations

from ninja import Field, Schema

from margin.api.schemas.common import Email, Note


class InvoiceSendIn(Schema):
    to: Email | None = Field(None, description="Recipient e-mail address. Default: the client's billing e-mail")
    message: Note = Field("", description="A message above the standard text of the e-mail")
