"""Time entries: integer minutes against a project (and task), approved, valued, then billed once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TimeEntry(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(
        "projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="time_entries")
    work_date = models.DateField()
    minutes = models.IntegerField()
    billable = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Valuation snapshot, written on approval (ARCHITECTURE §3): reports sum these, invoices copy them.
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    bill_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    bill_amount_minor = models.BigIntegerField(default=0)
    cost_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    cost_amount_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    # Set when an invoice takes the entry: one column, so an entry can be on one invoice line only.
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="time_entries"
    )

    class Meta:
        verbose_name_plural = "time entries"
        ordering = ["work_date", "id"]
        indexes = [
            models.Index(fields=["person", "work_date"]),
            models.Index(fields=["project", "status", "work_date"]),
            models.Index(fields=["project", "invoice_line"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0) & models.Q(minutes__lte=24 * 60), name="time_entry_minutes_range"
            ),
            models.CheckConstraint(
                condition=models.Q(invoice_line__isnull=True) | models.Q(status="approved"),
                name="time_entry_billed_only_when_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.work_date} {self.minutes}m"
