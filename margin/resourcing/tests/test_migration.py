"""Pools, assignments and leveling proposals move from projects to resourcing with their rows (ADR 0032)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from margin.resourcing.models import Assignment, LevelingProposal, ResourcePool

BEFORE = [("projects", "0008_project_templates_and_archive"), ("accounts", "0012_company_locked_through")]
AFTER = [("projects", "0009_demand_moves_to_resourcing"), ("resourcing", "0001_demand_moves_here")]


@pytest.mark.django_db(transaction=True)
def test_the_rows_move_with_their_tables() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    # Clients as they stand now (their later migrations do not depend on these and stay applied).
    apps = executor.loader.project_state([*BEFORE, ("crm", "0005_client_tax_treatment")]).apps
    org = apps.get_model("accounts", "Organisation").objects.create(name="Old", slug="old")
    company = apps.get_model("accounts", "Company").objects.create(organisation=org, name="Old Co", base_currency="EUR")
    role = apps.get_model("accounts", "Role").objects.create(organisation=org, name="Consultant")
    ann = apps.get_model("accounts", "Person").objects.create(
        organisation=org, company=company, name="Ann", email="ann@old.test", role=role
    )
    client = apps.get_model("crm", "Client").objects.create(
        organisation=org, name="C", currency="EUR", payment_terms_days=14, billing_increment_minutes=1
    )
    project = apps.get_model("projects", "Project").objects.create(
        organisation=org, company=company, client=client, code="OLD-1", name="Old", currency="EUR", manager=ann
    )
    task = apps.get_model("projects", "Task").objects.create(project=project, name="Design")
    pool = apps.get_model("projects", "ResourcePool").objects.create(organisation=org, name="Crew", max_units=300)
    apps.get_model("projects", "Assignment").objects.create(task=task, person=ann, units=50)
    apps.get_model("projects", "Assignment").objects.create(task=task, pool=pool, units=200)
    apps.get_model("projects", "LevelingProposal").objects.create(project=project, method="heuristic")

    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ResourcePool.objects.get().name == "Crew"
    assert set(Assignment.objects.values_list("person_id", "pool_id", "units")) == {
        (ann.pk, None, 50),
        (None, pool.pk, 200),
    }
    assert LevelingProposal.objects.get().project_id == project.pk
    tables = set(connection.introspection.table_names())
    assert {"resourcing_assignment", "resourcing_resourcepool", "resourcing_levelingproposal"} <= tables
    assert not tables & {"projects_assignment", "projects_resourcepool", "projects_levelingproposal"}
