"""Tables of revenue recognition: how each billing line recognises revenue, the estimates and price changes
people entered (kept as history), and the revenue runs with their per-line figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from margin.revenue.rules import CATCH_UP, METHODS, PROSPECTIVE


class RecognitionPlan(models.Model):
    """The method a billing line recognises by, when someone chose one (without a row: the model's default,
    `rules.DEFAULT_METHOD`), and the service dates a straight line spreads over."""

    billing_line = models.OneToOneField("contracts.BillingLine", on_delete=models.CASCADE, related_name="recognition")
    method = models.CharField(max_length=16, choices=METHODS)
    service_start = models.DateField(null=True, blank=True)
    service_end = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_end__isnull=True)
                | models.Q(service_start__isnull=True)
                | models.Q(service_end__gte=models.F("service_start")),
                name="recognition_service_dates_ordered",
            ),
        ]


class Estimate(models.Model):
    """An estimate at completion entered over the plan's, with its reason; the newest effective on a run's
    date applies. Rows are never changed: they are the history of the estimates."""

    billing_line = models.ForeignKey("contracts.BillingLine", on_delete=models.CASCADE, related_name="estimates")
    effective = models.DateField()
    total_cost_minor = models.BigIntegerField(null=True, blank=True)
    total_minutes = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["billing_line", "-effective", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_cost_minor__isnull=False) | models.Q(total_minutes__isnull=False),
                name="estimate_says_something",
            ),
            models.CheckConstraint(
                condition=(models.Q(total_cost_minor__isnull=True) | models.Q(total_cost_minor__gte=0))
                & (models.Q(total_minutes__isnull=True) | models.Q(total_minutes__gte=0)),
                name="estimate_not_negative",
            ),
        ]


class Modification(models.Model):
    """A change of a fixed or progress line's price, and how revenue treats it (ASC 606-10-25-13), with where the
    line stood when it was made. Never changed: the history of the contract's price."""

    TREATMENTS = [(PROSPECTIVE, "Prospectively"), (CATCH_UP, "Cumulative catch-up")]

    billing_line = models.ForeignKey("contracts.BillingLine", on_delete=models.CASCADE, related_name="modifications")
    effective = models.DateField()
    previous_price_minor = models.BigIntegerField()
    price_minor = models.BigIntegerField()
    treatment = models.CharField(max_length=12, choices=TREATMENTS)
    progress = models.DecimalField(max_digits=13, decimal_places=12)
    recognised_minor = models.BigIntegerField()
    reason = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["billing_line", "effective", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="modification_price_positive"),
        ]


class RunStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    REVERSED = "reversed", "Reversed"


class RevenueRun(models.Model):
    """A company's month-end recognition: the figures of every billing line as of `period_end`, and the journal
    entry that carries the period's movements. One standing run per company and period; a reversed run stays
    as history beside its reversal."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.POSTED)
    currency = models.CharField(max_length=3)
    entry = models.ForeignKey("books.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reversal_entry = models.ForeignKey(
        "books.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverse_reason = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["company_id", "-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period_end"],
                condition=models.Q(status="posted"),
                name="revenuerun_one_standing_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="revenuerun_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Revenue {self.period_start}–{self.period_end}"


class RevenueLine(models.Model):
    """One billing line's figures in a run: in the contract's currency, and the balances the journal carries in
    the company's (converted on the period's last day)."""

    run = models.ForeignKey(RevenueRun, on_delete=models.CASCADE, related_name="lines")
    billing_line = models.ForeignKey("contracts.BillingLine", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=16, choices=METHODS)
    currency = models.CharField(max_length=3)
    progress = models.DecimalField(max_digits=13, decimal_places=12)
    price_minor = models.BigIntegerField(null=True, blank=True)
    cost_to_date_minor = models.BigIntegerField(default=0)
    estimated_cost_minor = models.BigIntegerField(null=True, blank=True)
    recognised_minor = models.BigIntegerField()
    recognised_period_minor = models.BigIntegerField()
    billed_minor = models.BigIntegerField()
    contract_asset_minor = models.BigIntegerField()
    contract_liability_minor = models.BigIntegerField()
    backlog_minor = models.BigIntegerField()
    expected_loss_minor = models.BigIntegerField(default=0)
    loss_provision_minor = models.BigIntegerField(default=0)
    rate = models.DecimalField(max_digits=24, decimal_places=12, default=1)
    asset_company_minor = models.BigIntegerField(default=0)
    liability_company_minor = models.BigIntegerField(default=0)
    provision_company_minor = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["run", "contract_id", "billing_line_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "billing_line"], name="revenueline_one_per_billing_line"),
        ]
