"""Every existing project gets a time-and-materials contract of its own (ADR 0019): its client's payment terms,
its currency, its rate card (now the contract's) and its billing increment (now the contract's), a time line
and an expenses line at cost. Nothing about how its time is valued or billed changes."""

from django.db import migrations


def forwards(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Contract = apps.get_model("contracts", "Contract")
    CoveredProject = apps.get_model("contracts", "CoveredProject")
    BillingLine = apps.get_model("contracts", "BillingLine")
    RateCard = apps.get_model("contracts", "RateCard")
    cards = {card.project_id: card for card in RateCard.objects.exclude(project_id=None)}
    for project in Project.objects.select_related("client").order_by("id").iterator():
        card = cards.get(project.pk)
        contract = Contract.objects.create(
            organisation_id=project.organisation_id,
            company_id=project.company_id,
            client_id=project.client_id,
            reference=project.code[:40],
            name=project.name,
            currency=project.currency,
            payment_terms_days=project.client.payment_terms_days,
            start_date=project.start_date or project.created_at.date(),
            status="closed" if project.status == "closed" else "active",
            billing_increment_minutes=card.billing_increment_minutes if card else None,
            billing_rounding=card.billing_rounding if card else None,
        )
        CoveredProject.objects.create(contract=contract, project_id=project.pk)
        BillingLine.objects.create(contract=contract, position=0, model="time", name="Time and materials")
        BillingLine.objects.create(contract=contract, position=1, model="expenses", name="Expenses")
        if card is not None:
            card.contract_id = contract.pk
            card.save(update_fields=["contract"])


def backwards(apps, schema_editor):
    RateCard = apps.get_model("contracts", "RateCard")
    for card in RateCard.objects.exclude(contract_id=None).select_related("contract"):
        covered = card.contract.covered.first()
        card.project_id = covered.project_id if covered else None
        card.billing_increment_minutes = card.contract.billing_increment_minutes
        card.billing_rounding = card.contract.billing_rounding
        card.contract_id = None
        card.save()
    apps.get_model("contracts", "Contract").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contracts", "0002_contracts_billing_lines_tax_codes")]

    operations = [migrations.RunPython(forwards, backwards)]
