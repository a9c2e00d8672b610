"""What an hour costs the firm (effective-dated) and what a currency is worth in another. Bill rates moved to
`margin.contracts` (ADR 0019)."""

from __future__ import annotations

from django.db import models


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
