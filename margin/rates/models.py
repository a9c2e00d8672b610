"""Prices and costs, effective-dated: what an hour is billed at and what it costs the firm."""

from __future__ import annotations

from django.db import models


class RateCard(models.Model):
    """A project's bill rates: per role, with per-person overrides, each valid from a date."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="rate_card")
    currency = models.CharField(max_length=3)

    def __str__(self) -> str:
        return f"Rate card of {self.project_id}"


class BillRate(models.Model):
    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    hourly_rate = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role__isnull=False) & models.Q(person__isnull=True))
                | (models.Q(role__isnull=True) & models.Q(person__isnull=False)),
                name="bill_rate_role_xor_person",
            ),
            models.CheckConstraint(condition=models.Q(hourly_rate__gte=0), name="bill_rate_gte_0"),
            models.UniqueConstraint(fields=["rate_card", "role", "valid_from"], name="bill_rate_role_unique_date"),
            models.UniqueConstraint(fields=["rate_card", "person", "valid_from"], name="bill_rate_person_unique_date"),
        ]


class CostRate(models.Model):
    """What an hour of a person costs the firm, in the person's company currency."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="cost_rates")
    valid_from = models.DateField()
    hourly_cost = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["person", "valid_from"], name="cost_rate_unique_date"),
            models.CheckConstraint(condition=models.Q(hourly_cost__gte=0), name="cost_rate_gte_0"),
        ]
