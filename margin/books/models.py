"""Tables of the books: accounts, journal entries and their lines.

Every stored entry is posted: there are no drafts in the journal. Its lines are written first and the entry
row last; the database refuses the entry unless its lines balance, and refuses lines for an entry that
exists already, so an unbalanced entry can never be stored and a stored one never changes
(`books.guards`, installed by the migrations). Each company's entries form a hash chain by `seq`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from margin.books.rules import GENESIS, ROLES, Kind, Source


class AccountKind(models.TextChoices):
    ASSET = Kind.ASSET, "Asset"
    LIABILITY = Kind.LIABILITY, "Liability"
    EQUITY = Kind.EQUITY, "Equity"
    INCOME = Kind.INCOME, "Income"
    EXPENSE = Kind.EXPENSE, "Expense"


ROLE_CHOICES = [(role, role.replace("_", " ").capitalize()) for role in ROLES]


class Account(models.Model):
    """An account of one company's chart. `role` marks the account the automatic postings use for it."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    role = models.CharField(max_length=24, choices=ROLE_CHOICES, null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["company_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="account_code_unique_per_company"),
            models.UniqueConstraint(
                fields=["company", "role"], condition=models.Q(role__isnull=False), name="account_one_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ExpenseCategoryAccount(models.Model):
    """The expense account of an expense category in one company (without one: the `expenses` role's)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("expenses.ExpenseCategory", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "category"], name="expense_category_account_unique"),
        ]


class JournalEntry(models.Model):
    """A posted entry: immutable, balanced, the `seq`-th link of its company's hash chain."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    date = models.DateField()
    description = models.CharField(max_length=400)
    source_kind = models.CharField(max_length=16, choices=Source.CHOICES)
    source_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    currency = models.CharField(max_length=3)
    prev_hash = models.CharField(max_length=64, default=GENESIS)
    hash = models.CharField(max_length=64)
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["company_id", "seq"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["company", "date"], name="journalentry_company_date"),
            models.Index(fields=["source_kind", "source_id"], name="journalentry_source"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "seq"], name="journalentry_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="journalentry_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.date} {self.description}"


class JournalLine(models.Model):
    """One debit (positive) or credit (negative) of an entry, in the company's currency, with the same movement
    in the document's currency and the dimensions reports group by. `company` and `date` repeat the entry's,
    so the trial balance reads this table alone."""

    # Posting writes a line per movement, so each index and foreign-key check counts (ADR 0029): the entry is
    # found through (entry, position); company and account are checked by the guards (the account's company
    # is the line's, the company is its entry's) and found through the covering index.
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines", db_index=False)
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    date = models.DateField()
    position = models.PositiveIntegerField()
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="lines", db_constraint=False, db_index=False
    )
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    amount_currency_minor = models.BigIntegerField()
    description = models.CharField(max_length=400, blank=True)
    client = models.ForeignKey("crm.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["entry_id", "position"]
        indexes = [
            # The trial balance and the ledger of an account read this index alone.
            models.Index(fields=["company", "account", "date", "amount_minor"], name="journalline_balance_cover"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="journalline_position_unique"),
            models.CheckConstraint(condition=~models.Q(amount_minor=0), name="journalline_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor}"
