"""Invoices: drafted from approved time, issued with a gapless number, immutable afterwards."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from margin.accounts.models import TaxRounding


class InvoiceStatus(models.TextChoices):
    """Whether the document is still being prepared or frozen. What happens to an issued invoice later
    (sent, paid, overdue, credited) is a fact kept in its own columns, and the state a person reads is
    derived from those facts by `billing.rules.invoice_state` (one rule, never stored twice)."""

    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class DocumentKind(models.TextChoices):
    """An invoice or a credit note (EN 16931 type codes 380 and 381). Both are numbered without gaps,
    each in its own sequence."""

    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class LineKind(models.TextChoices):
    TIME = "time", "Time"
    EXPENSE = "expense", "Expense"
    FIXED = "fixed", "Fixed fee instalment"
    PROGRESS = "progress", "Progress billing"
    RETAINER = "retainer", "Retainer fee"
    USAGE = "usage", "Retainer usage and overage"
    MANUAL = "manual", "Manual line"
    DISCOUNT = "discount", "Discount"


class Invoice(models.Model):
    """An invoice or a credit note of one contract: per project (`project` set) or for all the contract's
    projects (`project` None; each line names its project)."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey("crm.Client", on_delete=models.PROTECT, related_name="invoices")
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    # A credit note's invoice, and why it was made.
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.TextField(blank=True)
    # A credit note: the time and expenses of the lines it takes back in full return to unbilled (True) or
    # are written off (False) when it is issued.
    returns_work = models.BooleanField(default=True)
    # The invoice's currency (its contract's); amounts below are in it. `exchange_rate` converts them into
    # the company's currency (1 unit = rate units), from a quote dated `exchange_rate_date`.
    currency = models.CharField(max_length=3)
    company_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, default=1)
    exchange_rate_date = models.DateField(null=True, blank=True)
    tax_rounding = models.CharField(max_length=12, choices=TaxRounding.choices, default=TaxRounding.PER_LINE)
    buyer_reference = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    # Time up to and including this date was taken.
    period_end = models.DateField()
    number = models.CharField(max_length=32, null=True, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # net + tax = total (the amount due), each the sum of the lines or of the tax summary's rows.
    net_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    total_minutes = models.BigIntegerField(default=0)
    # The parties as they were when it was issued (seller, buyer, payment details): the document never
    # changes when a client moves or the company changes bank.
    parties = models.JSONField(default=dict, blank=True)
    # What happened after issue: these columns, and only these, change on an issued document.
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    paid_minor = models.BigIntegerField(default=0)
    credited_minor = models.BigIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Receivables ageing reads the index alone (receivables.queries.ageing_groups; bench/receivables.py).
            models.Index(
                fields=[
                    "company",
                    "status",
                    "kind",
                    "client",
                    "currency",
                    "exchange_rate",
                    "due_date",
                    "issue_date",
                    "total_minor",
                    "paid_minor",
                    "credited_minor",
                    "organisation",
                ],
                name="invoice_ageing_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="invoice_number_unique_per_company"),
            models.CheckConstraint(
                condition=(models.Q(kind="invoice") & models.Q(credited_invoice__isnull=True))
                | (models.Q(kind="credit_note") & models.Q(credited_invoice__isnull=False)),
                name="credit_note_iff_credited_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(total_minor=models.F("net_minor") + models.F("tax_minor")),
                name="invoice_total_is_net_plus_tax",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="draft") & models.Q(number__isnull=True))
                | (models.Q(status="issued") & models.Q(number__isnull=False) & models.Q(issue_date__isnull=False)),
                name="invoice_number_iff_issued",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"


class InvoiceLine(models.Model):
    """One line: hours × rate for one task and role (time), an expense, an instalment, a progress share,
    a retainer's fee or usage, a manual line or a discount (negative). Each names the project it bills,
    so profitability is exact per project when one invoice covers several."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.TIME)
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    billing_line = models.ForeignKey(
        "contracts.BillingLine", null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    # A credit note's line: the invoice line it takes back (some or all of).
    credited_line = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_lines"
    )
    quantity = models.DecimalField(max_digits=16, decimal_places=4, default=1)
    unit = models.CharField(max_length=3, default="HUR")  # UN/ECE rec 20: HUR hour, C62 one (a unit)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4, default=0)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    task = models.ForeignKey("projects.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("accounts.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=400)
    minutes = models.BigIntegerField()
    hourly_rate = models.DecimalField(max_digits=14, decimal_places=4)
    amount_minor = models.BigIntegerField()
    # The sum of the billed entries' own valuations (each rounded on approval). It can differ from
    # amount_minor, rounded once per line, by a few minor units; profitability uses it to take
    # exactly the billed time out of WIP.
    time_value_minor = models.BigIntegerField(default=0)
    # The line's amount before a write-up or write-down on the draft (amount_minor − standard_minor is the
    # adjustment, and `adjustment_reason` says why). Realisation = billed ÷ standard.
    standard_minor = models.BigIntegerField(default=0)
    adjustment_reason = models.CharField(max_length=400, blank=True)
    # The line's tax, as the tax code said when the line was made (the code may change later).
    tax_code = models.ForeignKey("contracts.TaxCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tax_category = models.CharField(max_length=2, blank=True)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=4, default=0)
    tax_minor = models.BigIntegerField(default=0)  # per-line rounding only; 0 when rounded per document

    class Meta:
        ordering = ["invoice", "position", "id"]


class InvoiceTaxRow(models.Model):
    """The tax summary of a document: one row per tax category and rate (EN 16931 BG-23)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="tax_rows")
    category = models.CharField(max_length=2)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    taxable_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    exemption_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["invoice", "category", "rate"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "category", "rate"], name="one_tax_row_per_rate"),
        ]


class HoldReason(models.TextChoices):
    HELD = "held", "Held for a later invoice"
    OVER_CAP = "over_cap", "Over the cap: waiting for a decision"
    BILL_OVER_CAP = "bill_over_cap", "Over the cap: to be billed"
    WRITTEN_OFF = "written_off", "Written off"


class TimeHold(models.Model):
    """Approved billable time that is not to be billed now: held by someone for a later invoice, over a
    contract's cap (waiting for a decision: bill it or write it off), or written off. The entry is the
    primary key: one decision per entry. Time marked "bill over cap" is billed like any other."""

    time_entry = models.OneToOneField(
        "timesheets.TimeEntry", primary_key=True, on_delete=models.CASCADE, related_name="hold"
    )
    reason = models.CharField(max_length=16, choices=HoldReason.choices)
    note = models.CharField(max_length=400, blank=True)
    billing_line = models.ForeignKey(
        "contracts.BillingLine", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)


class BilledInstalment(models.Model):
    """Which invoice line billed a fixed-fee instalment: once, by construction (its primary key)."""

    instalment = models.OneToOneField(
        "contracts.Instalment", primary_key=True, on_delete=models.PROTECT, related_name="billing"
    )
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_instalments")


class BilledPeriod(models.Model):
    """A retainer's period billed: its fee (in advance) or its usage (after the period ends), once each."""

    FEE = "fee"
    USAGE = "usage"

    billing_line = models.ForeignKey("contracts.BillingLine", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    part = models.CharField(max_length=5, choices=[(FEE, "Fee"), (USAGE, "Usage")])
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_periods")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["billing_line", "period_start", "part"], name="retainer_period_billed_once"
            ),
        ]


class BilledTime(models.Model):
    """Which invoice line billed which time entry. The entry is the primary key, so an entry is
    billed at most once by construction; invoicing fills this table with INSERT … SELECT.

    Both references are checked by the database once per statement on PostgreSQL instead of by a
    foreign key per row (`billing.references`, ADR 0023); SQLite keeps its foreign keys."""

    time_entry = models.OneToOneField(
        "timesheets.TimeEntry", primary_key=True, on_delete=models.PROTECT, related_name="billing", db_constraint=False
    )
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_time", db_constraint=False)

    class Meta:
        verbose_name_plural = "billed time"

    def __str__(self) -> str:
        return f"entry {self.pk} on line {self.line_id}"


class InvoiceSequence(models.Model):
    """The last number a company used in a year. Locked (SELECT … FOR UPDATE) while issuing."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices, default=DocumentKind.INVOICE)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "kind", "year"], name="one_sequence_per_company_kind_year")
        ]


class BilledExpense(models.Model):
    """Which invoice line billed which approved, billable expense line (one invoice line per expense,
    its amount the expense with markup). The expense line is the primary key, so an expense is billed
    at most once by construction."""

    expense_line = models.OneToOneField(
        "expenses.ExpenseLine", primary_key=True, on_delete=models.PROTECT, related_name="billing"
    )
    line = models.ForeignKey(InvoiceLine, on_delete=models.CASCADE, related_name="billed_expenses")

    class Meta:
        verbose_name_plural = "billed expenses"

    def __str__(self) -> str:
        return f"expense {self.pk} on line {self.line_id}"


class CreditedTime(models.Model):
    """Time an issued credit note took back from an invoice line. Its link to that line is then removed
    (the database allows exactly that on an issued invoice), so the time is unbilled again — or written
    off, as the credit note said — and this row keeps the history. It can be billed once more, and the
    credit note took the first billing back: billed once, net."""

    time_entry = models.ForeignKey("timesheets.TimeEntry", on_delete=models.PROTECT, related_name="+")
    original_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="+")
    credit_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_time")
    written_off = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["time_entry", "original_line"], name="time_credited_once_per_line")
        ]


class CreditedExpense(models.Model):
    """An expense an issued credit note took back (like CreditedTime)."""

    expense_line = models.ForeignKey("expenses.ExpenseLine", on_delete=models.PROTECT, related_name="+")
    original_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="+")
    credit_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_expenses")
    written_off = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["expense_line", "original_line"], name="expense_credited_once_per_line")
        ]


class CreditedInstalment(models.Model):
    """A fixed-fee instalment an issued credit note took back in full. When the note returns work, the
    instalment's billing link is removed (the database allows exactly that on an issued invoice), so the
    instalment is due again; when it writes work off, the link stays and the instalment is never billed again."""

    instalment = models.ForeignKey("contracts.Instalment", on_delete=models.PROTECT, related_name="+")
    original_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="+")
    credit_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_instalments")
    written_off = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instalment", "original_line"], name="instalment_credited_once_per_line")
        ]


class CreditedPeriod(models.Model):
    """A retainer period's fee or usage an issued credit note took back in full (like CreditedInstalment):
    billable again when the note returns work, settled for good when it writes work off."""

    billing_line = models.ForeignKey("contracts.BillingLine", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    part = models.CharField(max_length=5, choices=[(BilledPeriod.FEE, "Fee"), (BilledPeriod.USAGE, "Usage")])
    original_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="+")
    credit_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_periods")
    written_off = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["billing_line", "period_start", "part", "original_line"], name="period_credited_once_per_line"
            )
        ]


class WrittenOffExpense(models.Model):
    """A billable expense that will not be billed (written off when its invoice line was credited)."""

    expense_line = models.OneToOneField(
        "expenses.ExpenseLine", primary_key=True, on_delete=models.CASCADE, related_name="write_off"
    )
    note = models.CharField(max_length=400, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)
