"""Projects and their work breakdown (tasks)."""

from __future__ import annotations

from django.db import models


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    CLOSED = "closed", "Closed"


class Scheduling(models.TextChoices):
    AUTO = "auto", "Automatic"
    MANUAL = "manual", "Manual"


class Constraint(models.TextChoices):
    """MS Project's constraint types (the values of margin.scheduling.network.ConstraintType)."""

    ASAP = "ASAP", "As soon as possible"
    ALAP = "ALAP", "As late as possible"
    SNET = "SNET", "Start no earlier than"
    SNLT = "SNLT", "Start no later than"
    FNET = "FNET", "Finish no earlier than"
    FNLT = "FNLT", "Finish no later than"
    MSO = "MSO", "Must start on"
    MFO = "MFO", "Must finish on"


class LinkKind(models.TextChoices):
    FS = "FS", "Finish-to-start"
    SS = "SS", "Start-to-start"
    FF = "FF", "Finish-to-finish"
    SF = "SF", "Start-to-finish"


class TaskStatus(models.TextChoices):
    """Where a task stands on the board (each board column maps to one status)."""

    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    REVIEW = "review", "In review"
    DONE = "done", "Done"


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
    # The project's own working calendar (e.g. from an imported MS Project file); None: its company's, else the
    # organisation default (see margin.projects.planning.calendar_row_of).
    calendar = models.ForeignKey(
        "WorkCalendar", null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    members = models.ManyToManyField("accounts.Person", through="ProjectMember", related_name="projects")
    # Every time entry on the project must say what was done.
    notes_required = models.BooleanField(default=False)
    # A template is a project kept to be copied (its tasks, links, durations and role assignments): never billed,
    # no time on it, listed under Templates (margin.projects.actions.copies).
    is_template = models.BooleanField(default=False)
    # Archived: a closed project put away, out of the default lists and read-only
    # (margin.projects.actions.lifecycle, check_writable).
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="project_code_unique_in_org"),
            models.CheckConstraint(condition=models.Q(budget_minutes__gte=0), name="project_budget_minutes_gte_0"),
            models.CheckConstraint(condition=models.Q(budget_amount_minor__gte=0), name="project_budget_amount_gte_0"),
            models.CheckConstraint(
                condition=models.Q(archived_at__isnull=True) | models.Q(status=ProjectStatus.CLOSED),
                name="project_archived_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


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
    # Scheduling input (see margin.scheduling.network): working minutes on the project's calendar.
    duration_minutes = models.BigIntegerField(default=480)
    scheduling = models.CharField(max_length=8, choices=Scheduling.choices, default=Scheduling.AUTO)
    constraint = models.CharField(max_length=4, choices=Constraint.choices, default=Constraint.ASAP)
    constraint_date = models.DateTimeField(null=True, blank=True)
    percent_complete = models.PositiveSmallIntegerField(default=0)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_finish = models.DateTimeField(null=True, blank=True)
    # The computed schedule, written by margin.projects.actions.project_reschedule (a manual task's start is
    # also its input: it stays where the user put it).
    start = models.DateTimeField(null=True, blank=True)
    finish = models.DateTimeField(null=True, blank=True)
    total_float_minutes = models.BigIntegerField(default=0)
    critical = models.BooleanField(default=False)
    # Delivery: the board. Who works on the task is its person Assignments (ADR 0011), not a field here.
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.TODO)
    board_position = models.PositiveIntegerField(default=0)
    # How far resource leveling pushed the task's start (working minutes), once a leveled plan is accepted.
    leveling_delay_minutes = models.BigIntegerField(default=0)
    # MS Project's Deadline: a date the task should finish by. It never moves the schedule; a task whose finish
    # (local date) falls after it is flagged as missing it (margin.projects.planning.deadline_missed).
    deadline = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(estimate_minutes__gte=0), name="task_estimate_gte_0"),
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=0), name="task_duration_gte_0"),
            models.CheckConstraint(condition=models.Q(percent_complete__lte=100), name="task_percent_lte_100"),
            models.CheckConstraint(
                condition=models.Q(planned_finish__gte=models.F("planned_start"))
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_finish__isnull=True),
                name="task_finish_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Dependency(models.Model):
    """A link between two tasks of one project; lag in working minutes (negative: a lead) or a % of the
    predecessor's duration."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dependencies")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")
    kind = models.CharField(max_length=2, choices=LinkKind.choices, default=LinkKind.FS)
    lag_minutes = models.BigIntegerField(default=0)
    lag_percent = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="one_link_per_task_pair"),
            models.CheckConstraint(condition=~models.Q(predecessor=models.F("successor")), name="link_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id} ({self.kind})"


class WorkCalendar(models.Model):
    """Working time: the organisation default (no company, no person), a company's or a person's.

    ``week`` maps a weekday ("0" = Monday … "6") to a list of ``[start, end]`` minutes since midnight; a
    weekday left out is inherited from ``parent`` (see margin.scheduling.calendars)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="calendars")
    company = models.ForeignKey(
        "accounts.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="calendars"
    )
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=200)
    week = models.JSONField(default=dict, blank=True)
    country = models.CharField(max_length=2, blank=True, default="")
    subdivision = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CalendarException(models.Model):
    """A date made non-working (``intervals`` empty) or working at given ``[start, end]`` intervals."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    intervals = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_exception_per_day")]


class Baseline(models.Model):
    """One of a project's 11 saved plans (slot 0 "Baseline", 1–10 "Baseline1"…), with the project's totals."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="baselines")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    start = models.DateTimeField()
    finish = models.DateTimeField()
    duration_minutes = models.BigIntegerField(default=0)
    work_minutes = models.BigIntegerField(default=0)
    cost_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["project", "index"]
        constraints = [
            models.UniqueConstraint(fields=["project", "index"], name="one_baseline_per_slot"),
            models.CheckConstraint(condition=models.Q(index__lte=10), name="baseline_index_lte_10"),
        ]


class BaselineTask(models.Model):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="tasks")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="baseline_rows")
    start = models.DateTimeField()
    finish = models.DateTimeField()
    duration_minutes = models.BigIntegerField(default=0)
    work_minutes = models.BigIntegerField(default=0)
    cost_minor = models.BigIntegerField(default=0)
    summary = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["baseline", "task"], name="one_row_per_baseline_task")]


class BoardColumn(models.Model):
    """A Kanban column of a project, mapped to one task status, with an optional WIP limit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="board_columns")
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=TaskStatus.choices)
    position = models.PositiveSmallIntegerField(default=0)
    wip_limit = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["project", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "status"], name="one_column_per_status")]

    def __str__(self) -> str:
        return self.name
