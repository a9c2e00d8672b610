"""Clients: who the firm bills."""

from __future__ import annotations

from django.db import models


class BillingRounding(models.TextChoices):
    """How worked minutes become billable minutes with an increment (margin.rates.rules.billable_minutes)."""

    UP = "up", "Round up"
    NEAREST = "nearest", "Round to the nearest"


class TaxTreatment(models.TextChoices):
    """How VAT applies to what the firm sells this client (margin.contracts.taxes decides which codes fit)."""

    DOMESTIC = "domestic", "Domestic"
    EU_BUSINESS = "eu_business", "EU business (reverse charge)"
    EXPORT = "export", "Export"


MAX_BILLING_INCREMENT = 60
MAX_PAYMENT_TERMS_DAYS = 365


class Client(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    billing_email = models.EmailField(blank=True)
    billing_address = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    tax_id = models.CharField(max_length=64, blank=True)
    tax_treatment = models.CharField(max_length=12, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC)
    active = models.BooleanField(default=True)
    # Each billable time entry is billed in steps of this many minutes (0: the exact minutes), rounded as
    # `billing_rounding` says. A project's rate card may override both (rates.RateCard).
    billing_increment_minutes = models.PositiveSmallIntegerField(default=0)
    billing_rounding = models.CharField(max_length=8, choices=BillingRounding.choices, default=BillingRounding.UP)
    # Days from an invoice's issue date to its due date (the default when an invoice is issued).
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="client_name_unique_in_org"),
            models.CheckConstraint(
                condition=models.Q(billing_increment_minutes__lte=MAX_BILLING_INCREMENT),
                name="client_billing_increment_range",
            ),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS), name="client_payment_terms_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """Someone at a client: who the project talks to, who receives the invoices (`billing`), whom to call
    first (`primary`, at most one per client)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # What they do at the client ("CFO", "Project sponsor"): free text.
    role = models.CharField(max_length=100, blank=True)
    primary = models.BooleanField(default=False)
    billing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(primary=True), name="contact_one_primary_per_client"
            ),
        ]

    def __str__(self) -> str:
        return self.name
