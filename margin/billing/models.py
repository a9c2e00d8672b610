"""Invoices: drafted from approved time, issued with a gapless number, immutable afterwards."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class Invoice(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="invoices")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="invoices")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    # Time up to and including this date was taken.
    period_end = models.DateField()
    number = models.CharField(max_length=32, null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    total_minor = models.BigIntegerField(default=0)
    total_minutes = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="invoice_number_unique_per_company"),
            models.CheckConstraint(
                condition=(models.Q(status="draft") & models.Q(number__isnull=True))
                | (models.Q(status="issued") & models.Q(number__isnull=False) & models.Q(issue_date__isnull=False)),
                name="invoice_number_iff_issued",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"


class InvoiceLine(models.Model):
    """Hours × rate for one task and role (or one person's override rate)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    task = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=400)
    minutes = models.BigIntegerField()
    hourly_rate = models.DecimalField(max_digits=14, decimal_places=4)
    amount_minor = models.BigIntegerField()
    # The sum of the billed entries' own valuations (each rounded on approval). It can differ from
    # amount_minor, rounded once per line, by a few minor units; profitability uses it to take
    # exactly the billed time out of WIP.
    time_value_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["invoice", "position", "id"]


class BilledTime(models.Model):
    """Which invoice line billed which time entry. The entry is the primary key, so an entry is
    billed at most once by construction; invoicing fills this table with INSERT … SELECT."""

    time_entry = models.OneToOneField(
        "timesheets.TimeEntry", primary_key=True, on_delete=models.PROTECT, related_name="billing"
    )
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_time")

    class Meta:
        verbose_name_plural = "billed time"

    def __str__(self) -> str:
        return f"entry {self.pk} on line {self.line_id}"


class InvoiceSequence(models.Model):
    """The last number a company used in a year. Locked (SELECT … FOR UPDATE) while issuing."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "year"], name="one_sequence_per_company_year")]


class BilledExpense(models.Model):
    """Which invoice line billed which approved, billable expense line (one invoice line per expense,
    its amount the expense with markup). The expense line is the primary key, so an expense is billed
    at most once by construction."""

    expense_line = models.OneToOneField(
        "expenses.ExpenseLine", primary_key=True, on_delete=models.PROTECT, related_name="billing"
    )
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_expenses")

    class Meta:
        verbose_name_plural = "billed expenses"

    def __str__(self) -> str:
        return f"expense {self.pk} on line {self.line_id}"
