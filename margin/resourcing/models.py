"""Tables of resourcing: the plan's demand (pools, assignments, leveling proposals, moved here from ``projects``
with their rows), time off, skills and certifications, bookings, staffing requests and utilisation targets.

Durations are integer minutes; a booking's load is either minutes per day or a percentage of the person's
capacity on each day (:mod:`margin.resourcing.capacity`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class PoolKind(models.TextChoices):
    ROLE = "role", "Role"
    TEAM = "team", "Team"
    EQUIPMENT = "equipment", "Equipment"


class LevelingStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"


class ResourcePool(models.Model):
    """A resource of several units: a role, a team or equipment (MS Project's Max Units: 1200 = 12 at 100 %)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="resource_pools")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=PoolKind.choices, default=PoolKind.ROLE)
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    max_units = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="pool_name_unique_in_org"),
            models.CheckConstraint(condition=Q(max_units__gt=0), name="pool_max_units_gt_0"),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A task asks for some units of a person (usually 100 %) or of a pool for its duration: the plan's demand.

    The plan (``projects``) reads and copies a task's assignments through the reverse relation
    ``task.assignments`` (ADR 0032), so it never imports this app."""

    task = models.ForeignKey("projects.Task", on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    pool = models.ForeignKey(ResourcePool, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField(default=100)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(pool__isnull=True))
                | (Q(person__isnull=True) & Q(pool__isnull=False)),
                name="assignment_person_xor_pool",
            ),
            models.CheckConstraint(condition=Q(units__gt=0), name="assignment_units_gt_0"),
            models.UniqueConstraint(fields=["task", "person"], name="one_assignment_per_task_person"),
            models.UniqueConstraint(fields=["task", "pool"], name="one_assignment_per_task_pool"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.person_id or self.pool_id} at {self.units} %"


class LevelingProposal(models.Model):
    """A leveled plan waiting for the manager to accept or discard it (with each task's delay)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="leveling_proposals")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=16)  # "heuristic" or "cpsat"
    status = models.CharField(max_length=16, choices=LevelingStatus.choices, default=LevelingStatus.RUNNING)
    job_run = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # {task id: {"start": iso, "finish": iso, "delay_minutes": int}}, the makespan and the bound.
    result = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Leveling of {self.project_id} ({self.method}, {self.status})"


# --- time off ------------------------------------------------------------------------------------------------


class TimeOffKind(models.TextChoices):
    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick leave"
    OTHER = "other", "Other"


class TimeOffStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class TimeOff(models.Model):
    """A person away from ``first_day`` to ``last_day``: whole days, or ``minutes_per_day`` of each working day
    (a half day). Only approved time off lowers capacity; the person's manager approves it."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="time_off")
    kind = models.CharField(max_length=16, choices=TimeOffKind.choices, default=TimeOffKind.VACATION)
    first_day = models.DateField()
    last_day = models.DateField()
    # None: the whole of each working day.
    minutes_per_day = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=TimeOffStatus.choices, default=TimeOffStatus.REQUESTED)
    requested_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-first_day", "-id"]
        indexes = [models.Index(fields=["person", "first_day"], name="timeoff_person_first_day")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="timeoff_ends_after_start"),
            models.CheckConstraint(
                condition=Q(minutes_per_day__isnull=True) | Q(minutes_per_day__gt=0, minutes_per_day__lte=24 * 60),
                name="timeoff_minutes_per_day_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} away {self.first_day}–{self.last_day} ({self.kind}, {self.status})"


# --- skills --------------------------------------------------------------------------------------------------

MIN_LEVEL = 1
MAX_LEVEL = 5


class SkillCategory(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "skill categories"
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="skill_category_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="skills")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="skill_name_unique_in_org")]

    def __str__(self) -> str:
        return self.name


class PersonSkill(models.Model):
    """A person's level (1 novice … 5 expert) in a skill and years of practice. The person assesses it; a
    manager confirms it (a new self-assessment clears the confirmation)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="holders")
    level = models.PositiveSmallIntegerField()
    years = models.PositiveSmallIntegerField(default=0)
    confirmed_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "skill__name"]
        indexes = [models.Index(fields=["skill", "level"], name="personskill_skill_level")]
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="one_level_per_person_skill"),
            models.CheckConstraint(condition=Q(level__gte=MIN_LEVEL, level__lte=MAX_LEVEL), name="skill_level_1_to_5"),
            models.CheckConstraint(condition=Q(years__lte=70), name="skill_years_lte_70"),
        ]

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class Certification(models.Model):
    """A certificate a person holds (optionally evidence of a skill), with the day it lapses."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="certifications")
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="certifications")
    name = models.CharField(max_length=200)
    issuer = models.CharField(max_length=200, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    obtained_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    # The expiry reminder sent for this ``expires_on`` (None: not yet); renewing clears it.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("obtained_on")),
                name="certification_expires_after_obtained",
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- bookings and staffing -----------------------------------------------------------------------------------


class BookingKind(models.TextChoices):
    SOFT = "soft", "Soft (tentative)"
    HARD = "hard", "Hard (confirmed)"


class BookingUnit(models.TextChoices):
    HOURS = "hours", "Hours per day"
    PERCENT = "percent", "% of capacity"


class Booking(models.Model):
    """A person, or a placeholder for a role (no person), booked on a project from ``first_day`` to
    ``last_day``: ``minutes_per_day`` of each working day, or ``percent`` of their capacity on each day.

    A hard booking may take someone above 100 % only when forced with a reason (``forced_reason``)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="bookings")
    person = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    unit = models.CharField(max_length=8, choices=BookingUnit.choices, default=BookingUnit.HOURS)
    minutes_per_day = models.PositiveIntegerField(null=True, blank=True)
    percent = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=8, choices=BookingKind.choices, default=BookingKind.SOFT)
    forced_reason = models.TextField(blank=True, default="")
    note = models.CharField(max_length=200, blank=True, default="")
    request = models.ForeignKey(
        "StaffingRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_day", "id"]
        indexes = [
            models.Index(fields=["person", "first_day"], name="booking_person_first_day"),
            models.Index(fields=["organisation", "last_day"], name="booking_org_last_day"),
            models.Index(fields=["project", "first_day"], name="booking_project_first_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(role__isnull=False), name="booking_person_or_role"
            ),
            models.CheckConstraint(
                condition=(
                    Q(unit=BookingUnit.HOURS, minutes_per_day__gt=0, minutes_per_day__lte=24 * 60, percent__isnull=True)
                    | Q(unit=BookingUnit.PERCENT, percent__gt=0, percent__lte=500, minutes_per_day__isnull=True)
                ),
                name="booking_load_matches_unit",
            ),
        ]

    def __str__(self) -> str:
        who = f"person {self.person_id}" if self.person_id else f"role {self.role_id}"
        return f"{who} on {self.project_id} {self.first_day}–{self.last_day} ({self.kind})"

    @property
    def placeholder(self) -> bool:
        return self.person_id is None


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class RequestPriority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class StaffingRequest(models.Model):
    """A project asks for someone: a role, skills at minimum levels, a window and hours per day."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="staffing_requests")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    minutes_per_day = models.PositiveIntegerField()
    priority = models.PositiveSmallIntegerField(choices=RequestPriority.choices, default=RequestPriority.NORMAL)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    note = models.TextField(blank=True, default="")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-priority", "first_day", "id"]
        indexes = [models.Index(fields=["organisation", "status"], name="staffingrequest_org_status")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="request_ends_after_start"),
            models.CheckConstraint(
                condition=Q(minutes_per_day__gt=0, minutes_per_day__lte=24 * 60), name="request_minutes_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.pk} on {self.project_id} ({self.status})"


class RequestSkill(models.Model):
    request = models.ForeignKey(StaffingRequest, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(default=MIN_LEVEL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "skill"], name="one_row_per_request_skill"),
            models.CheckConstraint(
                condition=Q(min_level__gte=MIN_LEVEL, min_level__lte=MAX_LEVEL), name="request_skill_level_1_to_5"
            ),
        ]


class StaffingPlanStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DISCARDED = "discarded", "Discarded"
    FAILED = "failed", "Failed"


class StaffingPlan(models.Model):
    """The optimiser's answer for a batch of open requests, waiting for the manager to accept it (which books
    the chosen people, hard) or discard it. ``result`` holds the pairs, the objective, its bound and the gap."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=StaffingPlanStatus.choices, default=StaffingPlanStatus.RUNNING)
    job_run = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requests = models.ManyToManyField(StaffingRequest, related_name="plans", blank=True)
    result = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class UtilisationTarget(models.Model):
    """The share of capacity someone is expected to bill, from ``valid_from`` on: for a person, else for a role,
    else (neither) the organisation's default. The latest target on or before a day applies."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    percent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="utilisation_target_lte_100"),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(role__isnull=True), name="utilisation_target_person_or_role"
            ),
            models.UniqueConstraint(
                fields=["person", "valid_from"], condition=Q(person__isnull=False), name="one_target_per_person_day"
            ),
            models.UniqueConstraint(
                fields=["role", "valid_from"], condition=Q(role__isnull=False), name="one_target_per_role_day"
            ),
            models.UniqueConstraint(
                fields=["organisation", "valid_from"],
                condition=Q(person__isnull=True, role__isnull=True),
                name="one_default_target_per_day",
            ),
        ]
