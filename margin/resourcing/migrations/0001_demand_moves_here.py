"""Pools, assignments and leveling proposals move here from ``projects`` with their rows (ADR 0032): the
models join this app's state on their old tables, which are then renamed ``resourcing_*`` on both databases;
``projects`` 0009 drops them from its state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0013_person_manager"),
        ("core", "0004_job_run_heartbeat"),
        ("projects", "0008_project_templates_and_archive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LevelingProposal",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("method", models.CharField(max_length=16)),
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
                            "project",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="leveling_proposals",
                                to="projects.project",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "projects_levelingproposal",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ResourcePool",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("role", "Role"), ("team", "Team"), ("equipment", "Equipment")],
                                default="role",
                                max_length=16,
                            ),
                        ),
                        ("max_units", models.PositiveIntegerField(default=100)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="resource_pools",
                                to="accounts.organisation",
                            ),
                        ),
                        (
                            "role",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="accounts.role",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "projects_resourcepool",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="Assignment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("units", models.PositiveIntegerField(default=100)),
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
                            "task",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="assignments",
                                to="projects.task",
                            ),
                        ),
                        (
                            "pool",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="resourcing.resourcepool",
                            ),
                        ),
                    ],
                    options={"db_table": "projects_assignment"},
                ),
                migrations.AddConstraint(
                    model_name="resourcepool",
                    constraint=models.UniqueConstraint(fields=("organisation", "name"), name="pool_name_unique_in_org"),
                ),
                migrations.AddConstraint(
                    model_name="resourcepool",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("max_units__gt", 0)), name="pool_max_units_gt_0"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assignment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("person__isnull", False), ("pool__isnull", True)),
                            models.Q(("person__isnull", True), ("pool__isnull", False)),
                            _connector="OR",
                        ),
                        name="assignment_person_xor_pool",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assignment",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("units__gt", 0)), name="assignment_units_gt_0"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assignment",
                    constraint=models.UniqueConstraint(
                        fields=("task", "person"), name="one_assignment_per_task_person"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="assignment",
                    constraint=models.UniqueConstraint(fields=("task", "pool"), name="one_assignment_per_task_pool"),
                ),
            ],
        ),
        migrations.AlterModelTable(name="resourcepool", table=None),
        migrations.AlterModelTable(name="assignment", table=None),
        migrations.AlterModelTable(name="levelingproposal", table=None),
    ]
