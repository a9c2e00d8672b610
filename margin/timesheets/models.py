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
    # No single-column indexes on project and person: the composite indexes below start with them.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="time_entries", db_index=False
    )
    task = models.ForeignKey(
        "projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="time_entries", db_index=False)
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
    # Which invoice line billed the entry lives in billing.BilledTime (one row per entry at most):
    # invoicing appends rows there instead of rewriting 100,000 wide rows here (ADR 0007).

    class Meta:
        verbose_name_plural = "time entries"
        ordering = ["work_date", "id"]
        indexes = [
            models.Index(fields=["person", "work_date"]),
            # Serves the invoice run (project, approved, billable, up to a date) and, covering the
            # amounts, lets profitability sum a project's time from the index alone.
            models.Index(
                fields=[
                    "project",
                    "status",
                    "billable",
                    "work_date",
                    "minutes",
                    "bill_amount_minor",
                    "cost_amount_minor",
                ],
                name="timeentry_project_figures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0) & models.Q(minutes__lte=24 * 60), name="time_entry_minutes_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.work_date} {self.minutes}m"
