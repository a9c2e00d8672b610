"""How work is sold: contracts, their billing lines, instalments, rate cards and tax codes.

A **contract** belongs to a client and a company, covers one or more projects and says how their work is
billed: in which currency the invoices are, on what payment terms, per project or per client, and through
which **billing lines** (time and materials, optionally capped; a fixed fee in instalments; progress
billing; a retainer; re-billed expenses). Rate cards live here too, at three levels (the organisation's
default, a client's, a contract's; see `margin.contracts.pricing` for which rate wins), so that every rule
of how an hour becomes money has one home. Rate cards and bill rates kept their tables when they moved
here from `rates` (ADR 0019).
"""

from __future__ import annotations

from django.db import models

from margin.crm.models import MAX_BILLING_INCREMENT, MAX_PAYMENT_TERMS_DAYS, BillingRounding


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class InvoiceGrouping(models.TextChoices):
    """Whether one invoice covers one project or all of the contract's projects."""

    PER_PROJECT = "project", "One invoice per project"
    PER_CONTRACT = "contract", "One invoice for all the contract's projects"


class Contract(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="contracts")
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="contracts")
    # The firm's reference (unique per company), and the client's (their PO or buyer reference, BT-10/13).
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    client_reference = models.CharField(max_length=100, blank=True)
    # The currency its invoices are in. Time is valued in the company's currency (ADR 0006) and an invoice
    # in another currency is converted with the dated rate, which the invoice keeps.
    currency = models.CharField(max_length=3)
    payment_terms_days = models.PositiveSmallIntegerField(default=30)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    invoice_grouping = models.CharField(
        max_length=8, choices=InvoiceGrouping.choices, default=InvoiceGrouping.PER_PROJECT
    )
    # The contract's billing increment, overriding its client's; None: the client's.
    billing_increment_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    billing_rounding = models.CharField(max_length=8, choices=BillingRounding.choices, null=True, blank=True)
    tax_code = models.ForeignKey("TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["company", "reference"], name="contract_reference_unique_per_company"),
            models.CheckConstraint(
                condition=models.Q(billing_increment_minutes__lte=MAX_BILLING_INCREMENT),
                name="contract_billing_increment_range",
            ),
            models.CheckConstraint(
                condition=models.Q(payment_terms_days__lte=MAX_PAYMENT_TERMS_DAYS), name="contract_payment_terms_range"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class CoveredProject(models.Model):
    """A project the contract covers. A project is covered by one contract at most (its time is billed by
    exactly one set of rules)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="covered")
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="coverage")

    def __str__(self) -> str:
        return f"{self.project_id} under {self.contract_id}"


class BillingModel(models.TextChoices):
    TIME_AND_MATERIALS = "time", "Time and materials"
    FIXED_FEE = "fixed", "Fixed fee"
    PROGRESS = "progress", "Progress billing"
    RETAINER = "retainer", "Retainer"
    EXPENSES = "expenses", "Expenses"


class CapKind(models.TextChoices):
    NONE = "none", "No cap"
    MINUTES = "minutes", "Hours"
    MONEY = "money", "Amount"


class ProgressSource(models.TextChoices):
    PLAN = "plan", "From the plan"
    ENTERED = "entered", "Entered"


class RetainerFrequency(models.TextChoices):
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"


class RetainerUnit(models.TextChoices):
    MINUTES = "minutes", "Hours"
    MONEY = "money", "Amount"


class Rollover(models.TextChoices):
    NONE = "none", "None"
    PERIODS = "periods", "For some periods"
    UNLIMITED = "unlimited", "Unlimited"


class BillingLine(models.Model):
    """One way the contract bills. Each model uses its own columns; the others stay at their defaults (a
    check constraint per model keeps the required ones filled). Amounts are integer minor units of the
    contract's currency; minutes are minutes."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="billing_lines")
    position = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=8, choices=BillingModel.choices)
    name = models.CharField(max_length=200)
    tax_code = models.ForeignKey("TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Time and materials: not to exceed (minutes or minor units); time over it is held for a decision.
    cap_kind = models.CharField(max_length=8, choices=CapKind.choices, default=CapKind.NONE)
    cap_limit = models.BigIntegerField(null=True, blank=True)
    # Fixed fee and progress billing: the price.
    price_minor = models.BigIntegerField(null=True, blank=True)
    # Progress billing: % complete from the plan, or as entered.
    progress_source = models.CharField(max_length=8, choices=ProgressSource.choices, default=ProgressSource.PLAN)
    entered_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Retainer: an allowance per period, a fee billed per period, roll-over and overage.
    frequency = models.CharField(max_length=8, choices=RetainerFrequency.choices, default=RetainerFrequency.MONTH)
    allowance_unit = models.CharField(max_length=8, choices=RetainerUnit.choices, default=RetainerUnit.MINUTES)
    allowance = models.BigIntegerField(null=True, blank=True)
    fee_minor = models.BigIntegerField(null=True, blank=True)
    rollover = models.CharField(max_length=10, choices=Rollover.choices, default=Rollover.NONE)
    rollover_periods = models.PositiveSmallIntegerField(default=0)
    overage_rate = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    # Expenses: the markup applied when a claim line gives none.
    markup_percent = models.DecimalField(max_digits=7, decimal_places=2, default=0)

    class Meta:
        ordering = ["contract", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cap_kind="none", cap_limit__isnull=True)
                | (~models.Q(cap_kind="none") & models.Q(cap_limit__gt=0)),
                name="billing_line_cap_limit_iff_capped",
            ),
            models.CheckConstraint(
                condition=~models.Q(model__in=["fixed", "progress"]) | models.Q(price_minor__gt=0),
                name="billing_line_fixed_price_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(model="retainer")
                | (models.Q(allowance__gt=0) & models.Q(fee_minor__gte=0) & models.Q(start_date__isnull=False)),
                name="billing_line_retainer_terms",
            ),
            models.CheckConstraint(
                condition=models.Q(entered_percent__isnull=True)
                | (models.Q(entered_percent__gte=0) & models.Q(entered_percent__lte=100)),
                name="billing_line_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="billing_line_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Instalment(models.Model):
    """Part of a fixed fee: due on a date, or when a milestone task is finished."""

    billing_line = models.ForeignKey(BillingLine, on_delete=models.CASCADE, related_name="instalments")
    position = models.PositiveIntegerField(default=0)
    description = models.CharField(max_length=200)
    amount_minor = models.BigIntegerField()
    due_date = models.DateField(null=True, blank=True)
    milestone = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["billing_line", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(due_date__isnull=True, milestone__isnull=False)
                | models.Q(due_date__isnull=False, milestone__isnull=True),
                name="instalment_date_xor_milestone",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class TaxKind(models.TextChoices):
    """The kinds of `margin.contracts.taxes`, each with its EN 16931 VAT category code."""

    STANDARD = "standard", "Standard rate"
    REDUCED = "reduced", "Reduced rate"
    ZERO = "zero", "Zero rate"
    EXEMPT = "exempt", "Exempt"
    REVERSE_CHARGE = "reverse_charge", "Reverse charge"
    EXPORT = "export", "Export"
    OUTSIDE_SCOPE = "outside_scope", "Outside the scope of VAT"


class TaxCode(models.Model):
    """A company's VAT code: a kind and a rate (percent)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="tax_codes")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=TaxKind.choices)
    rate = models.DecimalField(max_digits=6, decimal_places=3)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["company", "-rate", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="tax_code_unique_per_company"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0) & models.Q(rate__lt=100), name="tax_code_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.rate:f} %)"


class RateScope(models.TextChoices):
    ORGANISATION = "organisation", "Organisation default"
    CLIENT = "client", "Client"
    CONTRACT = "contract", "Contract"


class RateCard(models.Model):
    """Bill rates at one level: the organisation's default (neither client nor contract), a client's, or a
    contract's, in one currency (the currency time is valued in: the company's)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("crm.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    contract = models.OneToOneField(Contract, null=True, blank=True, on_delete=models.CASCADE, related_name="rate_card")
    currency = models.CharField(max_length=3)

    class Meta:
        db_table = "rates_ratecard"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client__isnull=True) | models.Q(contract__isnull=True),
                name="rate_card_one_scope",
            ),
            models.UniqueConstraint(
                fields=["organisation", "currency"],
                condition=models.Q(client__isnull=True, contract__isnull=True),
                name="rate_card_one_default_per_currency",
            ),
            models.UniqueConstraint(
                fields=["client", "currency"],
                condition=models.Q(client__isnull=False),
                name="rate_card_one_per_client_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} rate card {self.pk}"

    @property
    def scope(self) -> str:
        if self.contract_id is not None:
            return RateScope.CONTRACT
        return RateScope.CLIENT if self.client_id is not None else RateScope.ORGANISATION


class BillRate(models.Model):
    """A rate valid from a date until the card's next row for the same target: a person's own rate, a role's,
    or (neither) everyone's on this card."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rates")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("accounts.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    hourly_rate = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        db_table = "rates_billrate"
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__isnull=True) | models.Q(person__isnull=True), name="bill_rate_role_or_person"
            ),
            models.CheckConstraint(condition=models.Q(hourly_rate__gte=0), name="bill_rate_gte_0"),
            models.UniqueConstraint(fields=["rate_card", "role", "valid_from"], name="bill_rate_role_unique_date"),
            models.UniqueConstraint(fields=["rate_card", "person", "valid_from"], name="bill_rate_person_unique_date"),
            models.UniqueConstraint(
                fields=["rate_card", "valid_from"],
                condition=models.Q(role__isnull=True, person__isnull=True),
                name="bill_rate_default_unique_date",
            ),
        ]
