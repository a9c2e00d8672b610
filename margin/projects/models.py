"""Projects and their work breakdown (tasks)."""

from __future__ import annotations

from django.db import models


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    CLOSED = "closed", "Closed"


class Project(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="projects")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="projects")
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    manager = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="managed_projects")
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget_minutes = models.BigIntegerField(default=0)
    budget_amount_minor = models.BigIntegerField(default=0)
    members = models.ManyToManyField("accounts.Person", through="ProjectMember", related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="project_code_unique_in_org"),
            models.CheckConstraint(condition=models.Q(budget_minutes__gte=0), name="project_budget_minutes_gte_0"),
            models.CheckConstraint(condition=models.Q(budget_amount_minor__gte=0), name="project_budget_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="project_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="one_membership_per_project")]


class Task(models.Model):
    """A node of the work breakdown structure. Time is logged against leaf tasks."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    planned_start = models.DateField(null=True, blank=True)
    planned_finish = models.DateField(null=True, blank=True)
    estimate_minutes = models.BigIntegerField(default=0)
    billable = models.BooleanField(default=True)
    closed = models.BooleanField(default=False)

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimate_minutes__gte=0), name="task_estimate_gte_0"),
            models.CheckConstraint(
                condition=models.Q(planned_finish__gte=models.F("planned_start"))
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__isnull=True),
                name="task_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name
