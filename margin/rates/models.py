"""Prices and costs, effective-dated: what an hour is billed at and what it costs the firm."""

from __future__ import annotations

from django.db import models

from margin.crm.models import MAX_BILLING_INCREMENT, BillingRounding


class RateCard(models.Model):
    """A project's bill rates: per role, with per-person overrides, each valid from a date."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="rate_card")
    currency = models.CharField(max_length=3)
    # The project's (contract's) billing increment, overriding its client's; None: the client's.
    billing_increment_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    billing_rounding = models.CharField(max_length=8, choices=BillingRounding.choices, null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billing_increment_minutes__lte=MAX_BILLING_INCREMENT),
                name="rate_card_billing_increment_range",
            ),
        ]

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


class RateSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    ECB = "ecb", "ECB reference rate"


class ExchangeRate(models.Model):
    """One unit of `from_currency` is worth `rate` units of `to_currency` on `day` (and on later days
    until the next row of the pair: lookups take the latest row on or before a day, see
    `margin.rates.queries.exchange_rate_on`). ECB imports store EUR→X rows."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    day = models.DateField()
    # 12 decimals: a weak currency quoted against a strong one (1 IDR = 0.0000566549 EUR) keeps its digits.
    rate = models.DecimalField(max_digits=24, decimal_places=12)
    source = models.CharField(max_length=8, choices=RateSource.choices, default=RateSource.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["from_currency", "to_currency", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "from_currency", "to_currency", "day"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_gt_0"),
            models.CheckConstraint(
                condition=~models.Q(from_currency=models.F("to_currency")), name="exchange_rate_two_currencies"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_currency}→{self.to_currency} {self.day}: {self.rate}"
