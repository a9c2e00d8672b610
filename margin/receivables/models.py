"""Payments received from clients, what they settle, and the bank statements they may come from.

A `Payment` is money a client paid into one of our companies' bank accounts, in one currency. The client
paid `amount_minor + bank_charges_minor`: the bank kept the charges, and those settle invoices too. The
payment's `PaymentAllocation`s say which issued invoices it settles and by how much; what is not allocated is
credit on the client's account, to be allocated later. `billing.Invoice.paid_minor` is always the sum of an
invoice's allocations (written in the same transaction as they change).

A `BankStatement` is a file finance uploaded; each of its `StatementLine`s becomes at most one payment
(accepting a matching suggestion). Every text read from a file is kept as text, as it was written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    CHEQUE = "cheque", "Cheque"
    CASH = "cash", "Cash"
    OTHER = "other", "Other"


class BankStatement(models.Model):
    """A bank statement file of one company's account, as uploaded."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    # Lines of the file identical to lines imported before for the company (an overlapping export): skipped.
    duplicate_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"Statement #{self.pk}"


class StatementLine(models.Model):
    """One transaction of a statement: money in (positive) or out (negative), as the bank wrote it."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()  # in the file, the header being line 1
    date = models.DateField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    counterparty = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["statement", "line_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_number"], name="statement_line_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.counterparty} {self.reference}"


class Payment(models.Model):
    """Money a client paid to a company, in one currency (see the module's docstring)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    currency = models.CharField(max_length=3)
    # What reached the bank account, and what the bank kept on the way: the client paid the sum of both.
    amount_minor = models.BigIntegerField()
    bank_charges_minor = models.BigIntegerField(default=0)
    reference = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER)
    note = models.TextField(blank=True)
    # The statement line it was recorded from (a line makes at most one payment).
    statement_line = models.OneToOneField(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["client", "received_on"], name="payment_client_date"),
            models.Index(fields=["company", "received_on"], name="payment_company_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=models.Q(bank_charges_minor__gte=0), name="payment_charges_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} of {self.client_id} on {self.received_on}"

    @property
    def settles_minor(self) -> int:
        """What the client paid: it can settle this much of their invoices."""
        return self.amount_minor + self.bank_charges_minor


class PaymentAllocation(models.Model):
    """Part of a payment settling one issued invoice (one row per payment and invoice)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="allocations")
    amount_minor = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "invoice"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="one_allocation_per_payment_and_invoice"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} of payment {self.payment_id} on invoice {self.invoice_id}"
