"""Tenancy and people: the firm (organisation), its legal entities (companies), who may do what."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """The firm. Every tenant row carries organisation_id (the future shard key)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class SubmitPeriod(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class Company(models.Model):
    """A legal entity of the firm: it employs people, runs projects and issues invoices."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    base_currency = models.CharField(max_length=3)
    tax_id = models.CharField(max_length=64, blank=True)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    email = models.EmailField(blank=True)
    # How invoice numbers are written: {YYYY} or {YY} the year, {NNNN} the number with at least as many
    # digits as Ns (accounts.rules.check_invoice_number_format); sequences restart every year.
    invoice_number_format = models.CharField(max_length=64, default="{YYYY}-{NNNN}")
    # Where clients pay: printed on invoices. The IBAN is kept in its electronic form (no spaces).
    bank_name = models.CharField(max_length=200, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    # The month the company's fiscal year starts in (1 = January): reports by fiscal year count from it.
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    # Time policy (issue 4): how much a person may log a day, how far ahead, and the period people submit.
    max_day_minutes = models.PositiveIntegerField(default=24 * 60)
    # None: the installation's default (settings.MARGIN["MAX_FUTURE_DAYS"]).
    max_future_days = models.PositiveSmallIntegerField(null=True, blank=True)
    submit_period = models.CharField(max_length=8, choices=SubmitPeriod.choices, default=SubmitPeriod.WEEK)

    class Meta:
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="company_name_unique_in_org"),
            models.CheckConstraint(
                condition=models.Q(max_day_minutes__gte=1) & models.Q(max_day_minutes__lte=24 * 60),
                name="company_max_day_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1) & models.Q(fiscal_year_start_month__lte=12),
                name="company_fiscal_year_start_month_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AccessRole(models.TextChoices):
    ADMIN = "admin", "Administrator"
    FINANCE = "finance", "Finance"
    MANAGER = "manager", "Project manager"
    MEMBER = "member", "Team member"


class Membership(models.Model):
    """A user's access to an organisation: one role, and optionally a subset of its companies."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=AccessRole.choices, default=AccessRole.MEMBER)
    # May log, change and submit time for other people of their companies (a team assistant, say).
    can_log_for_others = models.BooleanField(default=False)
    # Empty means every company of the organisation.
    companies = models.ManyToManyField(Company, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Role(models.Model):
    """A job role people hold and rate cards price (Consultant, Senior Developer...)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="role_name_unique_in_org")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who does the work: employed by one company, holding one job role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="people")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="people")
    # Contracted working minutes per week (capacity), 40 h by default.
    weekly_capacity_minutes = models.PositiveIntegerField(default=40 * 60)
    active = models.BooleanField(default=True)
    # No time may be logged before this day (None: no limit).
    start_date = models.DateField(null=True, blank=True)
    # Their last day: no time may be logged after it (None: still employed).
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="person_email_unique_in_org"),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="person_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class CalendarFeed(models.Model):
    """A user's private iCalendar address: the token in the URL is the only credential (reset to revoke)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
