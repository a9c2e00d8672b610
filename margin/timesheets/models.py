"""Time entries: integer minutes against a project (and task), approved, valued, then billed once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TimeCategory(models.TextChoices):
    """What the time was spent on. Only client work can be billed: the others force `billable` off."""

    WORK = "work", "Client work"
    INTERNAL = "internal", "Internal"
    SALES = "sales", "Sales"
    TRAINING = "training", "Training"
    LEAVE = "leave", "Leave"


class TimeEntry(models.Model):
    # References without database foreign keys: on PostgreSQL statement-level triggers check them
    # (timesheets.references, ADR 0026); SQLite keeps the foreign keys it was created with.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    # No single-column indexes on project and person: the composite indexes below start with them.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="time_entries", db_index=False, db_constraint=False
    )
    task = models.ForeignKey(
        "projects.Task",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_entries",
        db_constraint=False,
    )
    person = models.ForeignKey(
        "accounts.Person", on_delete=models.PROTECT, related_name="time_entries", db_index=False, db_constraint=False
    )
    work_date = models.DateField()
    minutes = models.IntegerField()  # worked
    billable = models.BooleanField(default=True)
    category = models.CharField(max_length=16, choices=TimeCategory.choices, default=TimeCategory.WORK)
    # What the client is billed: the worked minutes rounded to the billing increment of the project (its
    # rate card) or else its client (margin.rates.rules.billable_minutes), computed whenever the entry is
    # created, changed or imported; 0 for non-billable time. Valuation and invoices use these.
    billable_minutes = models.IntegerField(default=0)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Valuation snapshot, written on approval (ARCHITECTURE §3): reports sum these, invoices copy them.
    role = models.ForeignKey(
        "accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
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
            # Serves the invoice run and the unbilled-work lists (project, approved, billable, up to a date).
            # Profitability no longer sums entries (ProjectTimeTotal), so the amounts that once made this
            # index covering are gone: it is a fifth cheaper to keep up on a bulk load.
            models.Index(
                fields=["project", "status", "billable", "work_date"],
                name="timeentry_project_figures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gt=0) & models.Q(minutes__lte=24 * 60), name="time_entry_minutes_range"
            ),
            models.CheckConstraint(
                condition=models.Q(billable_minutes__gte=0) & (models.Q(billable=True) | models.Q(billable_minutes=0)),
                name="time_entry_billable_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(category="work") | models.Q(billable=False),
                name="time_entry_only_work_is_billable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.work_date} {self.minutes}m"


class ApprovalDelegate(models.Model):
    """Someone who approves time in another's stead: for one project, or for every project a manager
    manages; optionally only between two dates (a holiday cover)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="approval_delegates"
    )
    manager = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="approval_delegations"
    )
    delegate = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="approvals_delegated")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(project__isnull=False) & models.Q(manager__isnull=True))
                | (models.Q(project__isnull=True) & models.Q(manager__isnull=False)),
                name="approvaldelegate_project_xor_manager",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="approvaldelegate_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate_id} approves for {self.project_id or self.manager_id}"


class Timer(models.Model):
    """A running stopwatch on a task: at most one per person (a unique row per person), turned into a
    draft time entry for the day it started when it is stopped."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField("accounts.Person", on_delete=models.CASCADE, related_name="timer")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True)
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"timer of {self.person_id} since {self.started_at:%Y-%m-%d %H:%M}"


class ProjectTimeTotal(models.Model):
    """Running totals of a project's time per (status, billable), kept by database triggers on
    timesheets_timeentry (migration 0007, ADR 0022): whatever writes time — an action, a bulk import, a
    re-rating, a raw UPDATE — moves these in the same statement, so they are always the sums of the
    entries. Profitability reads ~4 rows a project here instead of summing every entry.

    Never written from Python.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=16, choices=EntryStatus.choices)
    billable = models.BooleanField()
    entries = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    cost_minor = models.BigIntegerField(default=0)
    bill_minor = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The triggers' ON CONFLICT target: one row per key.
            models.UniqueConstraint(fields=["project", "status", "billable"], name="projecttimetotal_key")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.status} {self.billable}: {self.entries} entries"
