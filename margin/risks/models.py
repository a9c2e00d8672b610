"""RAID and change control: a project's risks, issues, decisions and change requests.

Every row carries its organisation and project; each kind has a reference number of its own per project
(R-1, I-1, D-1, CR-1), allocated under the project's row lock by the actions. Money (a risk's contingency, a
change request's cost and price) is integer minor units of the project's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

MAX_LEVEL = 5  # probability and impact are 1–5; a score is their product (1–25)


class RiskResponse(models.TextChoices):
    AVOID = "avoid", "Avoid"
    MITIGATE = "mitigate", "Mitigate"
    TRANSFER = "transfer", "Transfer"
    ACCEPT = "accept", "Accept"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    OCCURRED = "occurred", "Occurred"


class IssueSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    APPLIED = "applied", "Applied"


def _level(name: str) -> models.Q:
    return models.Q(**{f"{name}__gte": 1, f"{name}__lte": MAX_LEVEL})


class Risk(models.Model):
    """Something that may go wrong: how likely (probability 1–5), how bad (impact 1–5), what is done about it,
    and what is left once the response works (the residual probability and impact)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="risks")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    probability = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    # Stored for filtering and sorting; a check constraint keeps it equal to probability × impact.
    score = models.PositiveSmallIntegerField()
    owner = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="risks_owned"
    )
    response = models.CharField(max_length=10, choices=RiskResponse.choices, default=RiskResponse.MITIGATE)
    mitigation = models.TextField(blank=True, default="")
    mitigation_tasks = models.ManyToManyField("projects.Task", blank=True, related_name="mitigated_risks")
    contingency_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    residual_probability = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_score = models.PositiveSmallIntegerField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="risk_number_unique_per_project"),
            models.CheckConstraint(condition=_level("probability"), name="risk_probability_1_5"),
            models.CheckConstraint(condition=_level("impact"), name="risk_impact_1_5"),
            models.CheckConstraint(
                condition=models.Q(score=models.F("probability") * models.F("impact")), name="risk_score_is_p_x_i"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    residual_probability__isnull=True, residual_impact__isnull=True, residual_score__isnull=True
                )
                | (
                    _level("residual_probability")
                    & _level("residual_impact")
                    & models.Q(residual_score=models.F("residual_probability") * models.F("residual_impact"))
                ),
                name="risk_residual_is_p_x_i",
            ),
            models.CheckConstraint(condition=models.Q(contingency_minor__gte=0), name="risk_contingency_gte_0"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "probability", "impact"], name="risk_matrix")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"R-{self.number}"


class Issue(models.Model):
    """Something that has gone wrong and needs handling. A resolved issue says how it was resolved."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="issues")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    severity = models.CharField(max_length=10, choices=IssueSeverity.choices, default=IssueSeverity.MEDIUM)
    owner = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="issues_owned"
    )
    due_date = models.DateField(null=True, blank=True)
    tasks = models.ManyToManyField("projects.Task", blank=True, related_name="issues")
    status = models.CharField(max_length=12, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    resolution = models.TextField(blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="issue_number_unique_per_project"),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | ~models.Q(resolution=""),
                name="issue_resolved_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"I-{self.number}"


class Decision(models.Model):
    """A decision taken on the project, why, by whom and when; optionally about a risk, issue or change."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    decision = models.TextField()
    rationale = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions_taken"
    )
    decided_on = models.DateField()
    risk = models.ForeignKey(Risk, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    issue = models.ForeignKey(Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    change_request = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="decision_number_unique_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"D-{self.number}"


class ChangeRequest(models.Model):
    """A change to the project's scope: what it adds to the plan (its proposed tasks), how it moves the schedule,
    the effort, cost and price, and its way through draft → submitted → approved | rejected → applied.

    Applying an approved change adds its tasks to the plan, raises the budget (and the covering contract's value)
    and, if asked, saves a baseline, in one transaction; `applied` keeps what it changed (ids, before → after)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="change_requests")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    requested_by_name = models.CharField(max_length=200, blank=True, default="")
    requested_by_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule_days = models.IntegerField(default=0)
    effort_minutes = models.BigIntegerField(default=0)
    cost_minor = models.BigIntegerField(default=0)
    price_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT)
    save_baseline = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")
    client_approver_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_approver_name = models.CharField(max_length=200, blank=True, default="")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying did: {"tasks": [ids], "budget_minutes": [before, after], "budget_amount_minor": [before,
    # after], "contract": {...} | None, "baseline": index | None}.
    applied = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="change_request_number_unique_per_project"),
            models.CheckConstraint(
                condition=~models.Q(status="applied") | models.Q(applied_at__isnull=False),
                name="change_request_applied_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"CR-{self.number}"


class ChangeRequestTask(models.Model):
    """A task the change request proposes to add to the plan: its work and duration, optionally under a summary
    task and after a predecessor (FS) of the plan. `created_task` is the task applying made."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="proposed_tasks")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    estimate_minutes = models.BigIntegerField(default=0)
    duration_days = models.PositiveIntegerField(default=1)
    parent = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    predecessor = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_task = models.ForeignKey(
        "projects.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["change_request", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimate_minutes__gte=0), name="cr_task_estimate_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name
