"""Time off, skills and certifications, bookings, staffing requests and plans, utilisation targets."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_person_manager"),
        ("core", "0004_job_run_heartbeat"),
        ("projects", "0009_demand_moves_to_resourcing"),
        ("resourcing", "0001_demand_moves_here"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SkillCategory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "skill categories",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Skill",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("description", models.TextField(blank=True, default="")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="skills",
                        to="resourcing.skillcategory",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="StaffingRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_day", models.DateField()),
                ("last_day", models.DateField()),
                ("minutes_per_day", models.PositiveIntegerField()),
                (
                    "priority",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "Low"), (2, "Normal"), (3, "High"), (4, "Urgent")], default=2
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("filled", "Filled"), ("cancelled", "Cancelled")],
                        default="open",
                        max_length=16,
                    ),
                ),
                ("note", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staffing_requests",
                        to="projects.project",
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.role",
                    ),
                ),
            ],
            options={
                "ordering": ["-priority", "first_day", "id"],
            },
        ),
        migrations.CreateModel(
            name="StaffingPlan",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("running", "Running"),
                            ("proposed", "Proposed"),
                            ("accepted", "Accepted"),
                            ("discarded", "Discarded"),
                            ("failed", "Failed"),
                        ],
                        default="running",
                        max_length=16,
                    ),
                ),
                ("result", models.JSONField(blank=True, null=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "job_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.jobrun",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                ("requests", models.ManyToManyField(blank=True, related_name="plans", to="resourcing.staffingrequest")),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="RequestSkill",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("min_level", models.PositiveSmallIntegerField(default=1)),
                (
                    "skill",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="resourcing.skill"
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="skills",
                        to="resourcing.staffingrequest",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Booking",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_day", models.DateField()),
                ("last_day", models.DateField()),
                (
                    "unit",
                    models.CharField(
                        choices=[("hours", "Hours per day"), ("percent", "% of capacity")],
                        default="hours",
                        max_length=8,
                    ),
                ),
                ("minutes_per_day", models.PositiveIntegerField(blank=True, null=True)),
                ("percent", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[("soft", "Soft (tentative)"), ("hard", "Hard (confirmed)")],
                        default="soft",
                        max_length=8,
                    ),
                ),
                ("forced_reason", models.TextField(blank=True, default="")),
                ("note", models.CharField(blank=True, default="", max_length=200)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bookings",
                        to="accounts.person",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="bookings", to="projects.project"
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.role",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="bookings",
                        to="resourcing.staffingrequest",
                    ),
                ),
            ],
            options={
                "ordering": ["first_day", "id"],
            },
        ),
        migrations.CreateModel(
            name="TimeOff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("vacation", "Vacation"), ("sick", "Sick leave"), ("other", "Other")],
                        default="vacation",
                        max_length=16,
                    ),
                ),
                ("first_day", models.DateField()),
                ("last_day", models.DateField()),
                ("minutes_per_day", models.PositiveIntegerField(blank=True, null=True)),
                ("note", models.TextField(blank=True, default="")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Requested"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="requested",
                        max_length=16,
                    ),
                ),
                ("requested_at", models.DateTimeField(auto_now_add=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("decision_note", models.TextField(blank=True, default="")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="time_off", to="accounts.person"
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-first_day", "-id"],
            },
        ),
        migrations.CreateModel(
            name="UtilisationTarget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateField()),
                ("percent", models.PositiveSmallIntegerField()),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.person",
                    ),
                ),
                (
                    "role",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.role",
                    ),
                ),
            ],
            options={
                "ordering": ["valid_from", "id"],
            },
        ),
        migrations.CreateModel(
            name="PersonSkill",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField()),
                ("years", models.PositiveSmallIntegerField(default=0)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="skills", to="accounts.person"
                    ),
                ),
                (
                    "skill",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="holders", to="resourcing.skill"
                    ),
                ),
            ],
            options={
                "ordering": ["person", "skill__name"],
                "indexes": [models.Index(fields=["skill", "level"], name="personskill_skill_level")],
                "constraints": [
                    models.UniqueConstraint(fields=("person", "skill"), name="one_level_per_person_skill"),
                    models.CheckConstraint(
                        condition=models.Q(("level__gte", 1), ("level__lte", 5)), name="skill_level_1_to_5"
                    ),
                    models.CheckConstraint(condition=models.Q(("years__lte", 70)), name="skill_years_lte_70"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Certification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200)),
                ("issuer", models.CharField(blank=True, default="", max_length=200)),
                ("reference", models.CharField(blank=True, default="", max_length=100)),
                ("obtained_on", models.DateField()),
                ("expires_on", models.DateField(blank=True, null=True)),
                ("reminded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.organisation"
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="certifications", to="accounts.person"
                    ),
                ),
                (
                    "skill",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="certifications",
                        to="resourcing.skill",
                    ),
                ),
            ],
            options={
                "ordering": ["expires_on", "name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("expires_on__isnull", True), ("expires_on__gte", models.F("obtained_on")), _connector="OR"
                        ),
                        name="certification_expires_after_obtained",
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="skillcategory",
            constraint=models.UniqueConstraint(fields=("organisation", "name"), name="skill_category_unique_in_org"),
        ),
        migrations.AddConstraint(
            model_name="skill",
            constraint=models.UniqueConstraint(fields=("organisation", "name"), name="skill_name_unique_in_org"),
        ),
        migrations.AddIndex(
            model_name="staffingrequest",
            index=models.Index(fields=["organisation", "status"], name="staffingrequest_org_status"),
        ),
        migrations.AddConstraint(
            model_name="staffingrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_day__gte", models.F("first_day"))), name="request_ends_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="staffingrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("minutes_per_day__gt", 0), ("minutes_per_day__lte", 1440)),
                name="request_minutes_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="requestskill",
            constraint=models.UniqueConstraint(fields=("request", "skill"), name="one_row_per_request_skill"),
        ),
        migrations.AddConstraint(
            model_name="requestskill",
            constraint=models.CheckConstraint(
                condition=models.Q(("min_level__gte", 1), ("min_level__lte", 5)), name="request_skill_level_1_to_5"
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["person", "first_day"], name="booking_person_first_day"),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["organisation", "last_day"], name="booking_org_last_day"),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["project", "first_day"], name="booking_project_first_day"),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_day__gte", models.F("first_day"))), name="booking_ends_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(("person__isnull", False), ("role__isnull", False), _connector="OR"),
                name="booking_person_or_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("minutes_per_day__gt", 0),
                        ("minutes_per_day__lte", 1440),
                        ("percent__isnull", True),
                        ("unit", "hours"),
                    ),
                    models.Q(
                        ("minutes_per_day__isnull", True),
                        ("percent__gt", 0),
                        ("percent__lte", 500),
                        ("unit", "percent"),
                    ),
                    _connector="OR",
                ),
                name="booking_load_matches_unit",
            ),
        ),
        migrations.AddIndex(
            model_name="timeoff",
            index=models.Index(fields=["person", "first_day"], name="timeoff_person_first_day"),
        ),
        migrations.AddConstraint(
            model_name="timeoff",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_day__gte", models.F("first_day"))), name="timeoff_ends_after_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="timeoff",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("minutes_per_day__isnull", True),
                    models.Q(("minutes_per_day__gt", 0), ("minutes_per_day__lte", 1440)),
                    _connector="OR",
                ),
                name="timeoff_minutes_per_day_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="utilisationtarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("percent__lte", 100)), name="utilisation_target_lte_100"
            ),
        ),
        migrations.AddConstraint(
            model_name="utilisationtarget",
            constraint=models.CheckConstraint(
                condition=models.Q(("person__isnull", True), ("role__isnull", True), _connector="OR"),
                name="utilisation_target_person_or_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="utilisationtarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", False)),
                fields=("person", "valid_from"),
                name="one_target_per_person_day",
            ),
        ),
        migrations.AddConstraint(
            model_name="utilisationtarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("role__isnull", False)),
                fields=("role", "valid_from"),
                name="one_target_per_role_day",
            ),
        ),
        migrations.AddConstraint(
            model_name="utilisationtarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", True), ("role__isnull", True)),
                fields=("organisation", "valid_from"),
                name="one_default_target_per_day",
            ),
        ),
    ]
