"""Tenancy and people: the firm (organisation), its legal entities (companies), who may do what."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """The firm. Every tenant row carries organisation_id (the future shard key)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every member must sign in with a second factor (TOTP); those without one are sent to set it up.
    require_two_factor = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class SubmitPeriod(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class TaxRounding(models.TextChoices):
    """Where an invoice's tax is rounded: on each line (then summed), or once per rate on the document."""

    PER_LINE = "per_line", "Per line"
    PER_DOCUMENT = "per_document", "Per document"


class PageSize(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "Letter", "US Letter"


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
    # Credit notes have their own gapless sequence, written the same way.
    credit_note_number_format = models.CharField(max_length=64, default="CN-{YYYY}-{NNNN}")
    tax_rounding = models.CharField(max_length=12, choices=TaxRounding.choices, default=TaxRounding.PER_LINE)
    # An invoice in another currency is converted with a quote at most this many days old; older is refused.
    max_exchange_rate_age_days = models.PositiveSmallIntegerField(default=7)
    invoice_page_size = models.CharField(max_length=8, choices=PageSize.choices, default=PageSize.A4)
    # The logo printed on invoices (PNG, JPEG or SVG, checked on upload).
    logo = models.FileField(upload_to="logos/", blank=True)
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
    # The lock date (ADR 0028): nothing of the company dated on or before it (time, expenses, invoices,
    # credit notes, payments) may change. Written only by `closing.actions` under this row's lock, beside
    # the close's history row; kept here, at the bottom of the layers, so every dated app and its database
    # triggers can read it without knowing `closing`. None: nothing is closed.
    locked_through = models.DateField(null=True, blank=True)

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
    # Their line manager: approves their time off and confirms their skills (None: an administrator does).
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
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
    # Every token expires (settings.MARGIN["API_TOKEN_DAYS"] by default, at most ["API_TOKEN_MAX_DAYS"]).
    expires_at = models.DateTimeField()
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


class Invitation(models.Model):
    """An e-mail invitation to set a password for an account an administrator made. Only a SHA-256 of
    the link's secret is stored; a new invitation, an accepted one or a deactivation voids the others."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    key_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation of {self.email}"


class TwoFactorDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238, 30-second steps, 6 digits). Unconfirmed until the first
    code is entered. `last_step` is the time step of the last accepted code: a code is good once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Two-factor device of {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for signing in without the authenticator. Only a SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique_per_user")]

    def __str__(self) -> str:
        return f"Recovery code of {self.user_id}"


class SignInFailure(models.Model):
    """A failed sign-in (password or second factor), kept for throttling: by the name typed (lower-cased,
    whether or not an account has it) and by the address it came from. Rows older than a day are pruned."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Failed sign-in of {self.username} from {self.address}"
