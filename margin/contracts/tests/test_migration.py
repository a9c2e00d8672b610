"""The data migration that gave every existing project a contract: its rate card and billing increment move
onto it, and its time is valued exactly as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from margin.contracts.models import BillingLine, Contract
from margin.contracts.pricing import rate_applying
from margin.contracts.queries import bill_rates_by_project, billing_increments_by_project

# The state just before the data migration, in every app it touches (a later migration of accounts is
# taken back too, so that rows created through the old models fit the tables).
BEFORE = [("contracts", "0002_contracts_billing_lines_tax_codes"), ("accounts", "0010_sign_in_failure")]
AFTER = [("contracts", "0003_every_project_gets_a_contract")]


@pytest.mark.django_db(transaction=True)
def test_every_project_gets_its_own_contract_with_its_card_and_increment() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    org = apps.get_model("accounts", "Organisation").objects.create(name="Old", slug="old")
    company = apps.get_model("accounts", "Company").objects.create(organisation=org, name="Old Co", base_currency="EUR")
    role = apps.get_model("accounts", "Role").objects.create(organisation=org, name="Consultant")
    ann = apps.get_model("accounts", "Person").objects.create(
        organisation=org, company=company, name="Ann", email="ann@old.test", role=role
    )
    client = apps.get_model("crm", "Client").objects.create(
        organisation=org, name="C", currency="EUR", payment_terms_days=14
    )
    project_model = apps.get_model("projects", "Project")
    priced = project_model.objects.create(
        organisation=org,
        company=company,
        client=client,
        code="OLD-1",
        name="Priced",
        currency="EUR",
        manager=ann,
        start_date=date(2026, 2, 1),
    )
    bare = project_model.objects.create(
        organisation=org, company=company, client=client, code="OLD-2", name="Bare", currency="EUR", manager=ann
    )
    card = apps.get_model("contracts", "RateCard").objects.create(
        organisation=org, project=priced, currency="EUR", billing_increment_minutes=15, billing_rounding="nearest"
    )
    apps.get_model("contracts", "BillRate").objects.create(
        rate_card=card, role=role, valid_from=date(2026, 1, 1), hourly_rate=Decimal("120")
    )
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    first = Contract.objects.get(covered__project_id=priced.pk)
    assert (first.reference, first.name, first.currency, first.payment_terms_days) == ("OLD-1", "Priced", "EUR", 14)
    assert (first.start_date, first.billing_increment_minutes, first.billing_rounding) == (
        date(2026, 2, 1),
        15,
        "nearest",
    )
    assert list(BillingLine.objects.filter(contract=first).values_list("model", flat=True)) == ["time", "expenses"]
    second = Contract.objects.get(covered__project_id=bare.pk)
    assert second.reference == "OLD-2" and second.billing_increment_minutes is None
    # Valued as before: the card's rate, the card's increment.
    rates = bill_rates_by_project([priced.pk])[priced.pk]
    assert rate_applying(rates, person_id=ann.pk, role_id=role.pk, day=date(2026, 3, 1)).rate == 120  # type: ignore[union-attr]
    assert billing_increments_by_project([priced.pk])[priced.pk].minutes == 15
    assert bill_rates_by_project([bare.pk])[bare.pk] == []
