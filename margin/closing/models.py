"""The history of period closes: each close and reopen of a company's lock date (ADR 0028).

The standing lock date itself is `accounts.Company.locked_through`, which `closing.actions` writes beside
these rows: the apps below `closing` (time, expenses, billing, receivables) and their triggers read it there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PeriodLock(models.Model):
    """A closed period: nothing of the company dated on or before `through` (time, expenses, invoices,
    credit notes, payments) may change while the lock stands (reopened_at is null).

    Locks stack: closing March while January is closed adds a row; reopening March leaves January
    closed. Rows are never deleted, so they are the history of closes and reopens.
    """

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="period_locks")
    through = models.DateField()
    note = models.TextField(blank=True)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["company_id", "-closed_at", "-id"]
        indexes = [models.Index(fields=["company", "through"], name="periodlock_company_through")]
        constraints = [
            # One standing lock per company and date.
            models.UniqueConstraint(
                fields=["company", "through"],
                condition=models.Q(reopened_at__isnull=True),
                name="periodlock_one_standing_per_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} closed through {self.through}"

    @property
    def standing(self) -> bool:
        return self.reopened_at is None
