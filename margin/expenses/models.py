"""Expenses: claims of a person, with receipt, mileage and per-diem lines, converted to the
company's currency at a dated rate stored on the line; billable lines go on the project's invoice."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class ExpenseKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    MILEAGE = "mileage", "Mileage"
    PER_DIEM = "per_diem", "Per diem"


class DistanceUnit(models.TextChoices):
    KM = "km", "km"
    MI = "mi", "mi"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REIMBURSED = "reimbursed", "Reimbursed"


class ExpenseCategory(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ExpenseKind.choices, default=ExpenseKind.RECEIPT)
    billable_default = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "expense categories"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="expense_category_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name


class MileageRate(models.Model):
    """What a company reimburses per km (or mile) from a date on, in the company's currency."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    unit = models.CharField(max_length=2, choices=DistanceUnit.choices, default=DistanceUnit.KM)
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["company", "unit", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["company", "unit", "valid_from"], name="mileage_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="mileage_rate_gte_0"),
        ]


class PerDiemRate(models.Model):
    """A company's daily allowance for a country (ISO 3166 alpha-2) from a date on."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    country = models.CharField(max_length=2)
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["company", "country", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["company", "country", "valid_from"], name="per_diem_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="per_diem_rate_gte_0"),
        ]


class ExpenseClaim(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="expense_claims")
    title = models.CharField(max_length=200)
    # The company's base currency: every line is converted to it, the claim is reimbursed in it.
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    rejection_reason = models.TextField(blank=True)
    total_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reimbursed_at = models.DateTimeField(null=True, blank=True)
    reimbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["company", "status"])]
        constraints = [models.CheckConstraint(condition=models.Q(total_minor__gte=0), name="claim_total_gte_0")]

    def __str__(self) -> str:
        return self.title


class ExpenseLine(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=ExpenseKind.choices, default=ExpenseKind.RECEIPT)
    date = models.DateField()
    category = models.ForeignKey(ExpenseCategory, on_delete=models.PROTECT, related_name="lines")
    merchant = models.CharField(max_length=200, blank=True)
    # What was spent, in the currency it was spent in.
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # The same in the claim's (company's) currency, with the rate used and the date of that rate.
    converted_minor = models.BigIntegerField()
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, default=1)
    rate_date = models.DateField()
    # Mileage: distance × the company's mileage rate on the date; per diem: days × the country's rate.
    distance = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    distance_unit = models.CharField(max_length=2, choices=DistanceUnit.choices, blank=True)
    days = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    unit_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="expense_lines"
    )
    task = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    billable = models.BooleanField(default=False)
    markup_percent = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    # Billable lines: what the client is charged, in the project's currency, markup included.
    bill_amount_minor = models.BigIntegerField(default=0)
    bill_currency = models.CharField(max_length=3, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["project", "billable"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="expense_amount_gte_0"),
            models.CheckConstraint(condition=models.Q(converted_minor__gte=0), name="expense_converted_gte_0"),
            models.CheckConstraint(condition=models.Q(bill_amount_minor__gte=0), name="expense_bill_amount_gte_0"),
            models.CheckConstraint(condition=models.Q(markup_percent__gte=0), name="expense_markup_gte_0"),
            models.CheckConstraint(
                condition=models.Q(billable=False) | models.Q(project__isnull=False),
                name="billable_expense_has_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.merchant or self.category_id} {self.amount_minor} {self.currency}"

    @property
    def rate_text(self) -> str:
        """The stored exchange rate without trailing zeros: 1.080000000000 → 1.08."""
        return f"{Decimal(self.exchange_rate).normalize():f}"


class Receipt(models.Model):
    """A receipt file of a line, stored through Django's storage API. Its type was checked by content."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(ExpenseLine, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(upload_to="receipts/", max_length=300)
    thumbnail = models.FileField(upload_to="receipts/thumbs/", max_length=300, blank=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or f"receipt {self.pk}"
