"""Writes on organisations, companies, roles, people, users (invitations, access, deactivation) and API
tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from margin.accounts import rules
from margin.accounts.models import (
    AccessRole,
    ApiToken,
    Company,
    Invitation,
    Membership,
    Organisation,
    Person,
    Role,
    SubmitPeriod,
)
from margin.accounts.queries import Viewer, invitation_find, margin_number, membership_get, organisation_of
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from margin.core.money import is_currency
from margin.core.text import clean_text

TOKEN_PREFIX = "mgn_"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("Only an administrator may do this.")


@transaction.atomic
def organisation_create(*, name: str, slug: str, admin: User) -> Organisation:
    """Set up a new firm with its first administrator (used by sign-up and the demo)."""
    name = clean_text(name, field="name", max_length=200, required=True)
    slug = clean_text(slug, field="slug", max_length=64, required=True)
    if not SLUG.fullmatch(slug):
        raise Invalid("A slug has lower-case letters, digits and dashes only.", field="slug")
    if Organisation.objects.filter(slug=slug).exists():
        raise Conflict(f"The slug {slug!r} is taken.", field="slug")
    organisation = Organisation.objects.create(name=name, slug=slug)
    Membership.objects.create(organisation=organisation, user=admin, role=AccessRole.ADMIN)
    audit.record(
        organisation_id=organisation.pk,
        actor_id=admin.pk,
        action="organisation.create",
        obj=organisation,
        after={"name": organisation.name},
    )
    return organisation


@transaction.atomic
def organisation_found(*, name: str, slug: str, username: str, email: str, password: str) -> Organisation:
    """A new firm and a new user as its first administrator, both or neither (`manage.py create_organisation`).
    Refuses a taken slug or username, and a password Django's validators reject."""
    username = clean_text(username, field="username", max_length=150, required=True)
    email = _check_email(clean_text(email, field="email", max_length=254, required=True).lower())
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"A user named {username!r} exists already.", field="username")
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), field="password") from None
    user.set_password(password)
    user.save()
    return organisation_create(name=name, slug=slug, admin=user)


COMPANY_FIELDS = [
    "name",
    "legal_name",
    "base_currency",
    "tax_id",
    "address",
    "country",
    "email",
    "invoice_number_format",
    "bank_name",
    "iban",
    "bic",
    "fiscal_year_start_month",
]
_COMPANY_TEXT = {"name": 200, "legal_name": 200, "tax_id": 64, "address": 2000, "country": 2, "email": 254,
                 "bank_name": 200}  # fmt: skip


def _check_email(email: str, field: str = "email") -> str:
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(f"{email!r} is not an e-mail address.", field=field) from None
    return email


def _company_values(values: dict[str, Any]) -> dict[str, Any]:
    """The given company fields, checked and normalised (Invalid names the first field at fault)."""
    unknown = set(values) - set(COMPANY_FIELDS)
    if unknown:
        raise Invalid(f"A company has no field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for field, limit in _COMPANY_TEXT.items():
        if field in values:
            label = field.replace("_", " ")
            cleaned[field] = clean_text(values[field], field=label, max_length=limit, required=field == "name")
    if "country" in cleaned:
        cleaned["country"] = cleaned["country"].upper()
        if cleaned["country"] and not cleaned["country"].isalpha():
            raise Invalid("A country is a two-letter ISO code, e.g. DE.", field="country")
    if "email" in cleaned:
        _check_email(cleaned["email"])
    if "base_currency" in values:
        currency = str(values["base_currency"] or "")
        if not is_currency(currency):
            raise Invalid(f"Unknown currency {values['base_currency']!r}.", field="base_currency")
        cleaned["base_currency"] = currency
    if "invoice_number_format" in values:
        pattern = clean_text(values["invoice_number_format"], field="invoice number format", max_length=64)
        cleaned["invoice_number_format"] = rules.check_invoice_number_format(pattern)
    if "iban" in values:
        cleaned["iban"] = rules.check_iban(clean_text(values["iban"], field="iban", max_length=64))
    if "bic" in values:
        cleaned["bic"] = rules.check_bic(clean_text(values["bic"], field="bic", max_length=32))
    if "fiscal_year_start_month" in values:
        cleaned["fiscal_year_start_month"] = rules.check_month(values["fiscal_year_start_month"])
    return cleaned


def _company_audit(company: Company) -> dict[str, Any]:
    return audit.snapshot(company, COMPANY_FIELDS)


@transaction.atomic
def company_create(*, viewer: Viewer, name: str, base_currency: str, **details: Any) -> Company:
    """A new legal entity of the firm (administrators). An administrator limited to some companies is given
    the new one too: whoever creates a company can see it."""
    _require_admin(viewer)
    values = _company_values({"name": name, "base_currency": base_currency, **details})
    if Company.objects.filter(organisation_id=viewer.organisation_id, name=values["name"]).exists():
        raise Conflict(f"A company named {values['name']!r} exists already.", field="name")
    company = Company.objects.create(organisation_id=viewer.organisation_id, **values)
    membership = Membership.objects.get(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    if membership.companies.exists():
        membership.companies.add(company)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="company.create",
        obj=company,
        after=_company_audit(company),
    )
    return company


@transaction.atomic
def company_update(*, viewer: Viewer, company: Company, **changes: Any) -> Company:
    """Change a company's details, invoice number format, bank account or fiscal year (administrators).
    Its base currency changes only while nothing is priced in it yet (projects, invoices, cost rates)."""
    _require_admin(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    values = _company_values(changes)
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if "name" in values and (
        Company.objects.filter(organisation_id=viewer.organisation_id, name=values["name"])
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise Conflict(f"A company named {values['name']!r} exists already.", field="name")
    if values.get("base_currency", locked.base_currency) != locked.base_currency and (
        Company.objects.filter(pk=locked.pk)
        .filter(Q(projects__isnull=False) | Q(invoices__isnull=False) | Q(people__cost_rates__isnull=False))
        .exists()
    ):
        raise Conflict(
            f"{locked.name} has projects, invoices or cost rates in {locked.base_currency}; its base currency "
            "cannot change any more.",
            field="base_currency",
        )
    before = _company_audit(locked)
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(values) or None)
    after = _company_audit(locked)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="company.update",
        obj=locked,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    company.refresh_from_db()
    return company


@transaction.atomic
def organisation_update(*, viewer: Viewer, name: str) -> Organisation:
    """Rename the firm (administrators). Its slug stays: addresses and sign-in use it."""
    _require_admin(viewer)
    name = clean_text(name, field="name", max_length=200, required=True)
    organisation = Organisation.objects.select_for_update().get(pk=viewer.organisation_id)
    before = {"name": organisation.name}
    organisation.name = name
    organisation.save(update_fields=["name"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="organisation.update",
        obj=organisation,
        before=before,
        after={"name": name},
    )
    return organisation


@transaction.atomic
def role_create(*, viewer: Viewer, name: str) -> Role:
    _require_admin(viewer)
    name = clean_text(name, field="name", max_length=100, required=True)
    if Role.objects.filter(organisation_id=viewer.organisation_id, name=name).exists():
        raise Conflict(f"A role named {name!r} exists already.", field="name")
    role = Role.objects.create(organisation_id=viewer.organisation_id, name=name)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="role.create",
        obj=role,
        after={"name": name},
    )
    return role


@transaction.atomic
def role_update(*, viewer: Viewer, role: Role, name: str) -> Role:
    """Rename a job role (administrators): rate cards and people keep it, under its new name."""
    _require_admin(viewer)
    if role.organisation_id != viewer.organisation_id:
        raise NotFound("No such role.")
    name = clean_text(name, field="name", max_length=100, required=True)
    if Role.objects.filter(organisation_id=viewer.organisation_id, name=name).exclude(pk=role.pk).exists():
        raise Conflict(f"A role named {name!r} exists already.", field="name")
    locked = Role.objects.select_for_update().get(pk=role.pk)
    before = {"name": locked.name}
    locked.name = name
    locked.save(update_fields=["name"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="role.update",
        obj=locked,
        before=before,
        after={"name": name},
    )
    role.refresh_from_db()
    return role


def _check_capacity(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 7 * 24 * 60:
        raise Invalid("Weekly capacity must be between 0 and 168 hours.", field="weekly_capacity_minutes")
    return minutes


def _check_dates(start_date: date | None, end_date: date | None) -> None:
    if start_date is not None and end_date is not None and end_date < start_date:
        raise Invalid(f"The last day ({end_date}) is before the start date ({start_date}).", field="end_date")


def _check_user_free(viewer: Viewer, user: User, person_id: int) -> None:
    """A user linked to a person must be a member of the organisation and linked to nobody else."""
    if not Membership.objects.filter(organisation_id=viewer.organisation_id, user=user).exists():
        raise NotFound(f"{user.get_username()} is not a user of this organisation.")
    if Person.objects.filter(user=user).exclude(pk=person_id).exists():
        raise Conflict(f"The user {user.get_username()} is linked to another person already.", field="user")


@transaction.atomic
def person_create(
    *,
    viewer: Viewer,
    company: Company,
    role: Role,
    name: str,
    email: str,
    user: User | None = None,
    access_role: str | None = None,
    weekly_capacity_minutes: int = 40 * 60,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Person:
    """Add a person to a company; with `user` and `access_role`, also let them sign in."""
    _require_admin(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if role.organisation_id != viewer.organisation_id:
        raise NotFound("No such role.")
    _check_capacity(weekly_capacity_minutes)
    _check_dates(start_date, end_date)
    email = _check_email(clean_text(email, field="email", max_length=254, required=True).lower())
    if Person.objects.filter(organisation_id=viewer.organisation_id, email=email).exists():
        raise Conflict(f"Someone with e-mail {email} exists already.", field="email")
    if user is not None and Person.objects.filter(user=user).exists():
        raise Conflict(f"The user {user.get_username()} is linked to a person already.", field="user")
    if user is not None and (access_role is None or access_role not in AccessRole.values):
        raise Invalid("Choose an access role for a person who signs in.", field="access_role")
    person = Person.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        role=role,
        user=user,
        name=clean_text(name, field="name", max_length=200, required=True),
        email=email,
        weekly_capacity_minutes=weekly_capacity_minutes,
        start_date=start_date,
        end_date=end_date,
    )
    if user is not None and access_role is not None:
        Membership.objects.update_or_create(
            organisation_id=viewer.organisation_id, user=user, defaults={"role": access_role}
        )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="person.create",
        obj=person,
        after=audit.snapshot(person, PERSON_FIELDS),
    )
    return person


PERSON_FIELDS = [
    "name",
    "email",
    "company",
    "role",
    "user",
    "weekly_capacity_minutes",
    "active",
    "start_date",
    "end_date",
    "manager",
]


def _check_manager(viewer: Viewer, person: Person, manager: Person | None) -> None:
    """A line manager is someone else of the organisation, and not one of the person's own reports (at any
    depth): a loop would leave nobody to approve their time off."""
    if manager is None:
        return
    if manager.organisation_id != viewer.organisation_id:
        raise NotFound("No such person.")
    if manager.pk == person.pk:
        raise Invalid(f"{person.name} cannot be their own line manager.", field="manager")
    seen: set[int] = {person.pk}
    above: int | None = manager.pk
    while above is not None and above not in seen:
        seen.add(above)
        above = Person.objects.filter(pk=above).values_list("manager_id", flat=True).first()
    if above == person.pk:
        raise Invalid(
            f"{manager.name} reports to {person.name} already; a line manager cannot be one of their reports.",
            field="manager",
        )


@transaction.atomic
def person_update(*, viewer: Viewer, person: Person, **changes: Any) -> Person:
    """Change a person (administrators): name, e-mail, company, job role, weekly capacity, active, start and
    end date, their line manager (`manager=None` clears it), and the user they sign in as (`user=None` unlinks
    it; the user must be a member already).

    Refused: an end date with time logged after it; another company in another currency while the person has
    cost rates (those are in their company's currency)."""
    _require_admin(viewer)
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise Invalid(f"A person has no field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    locked = Person.objects.select_for_update().select_related("company").get(pk=person.pk)
    values = dict(changes)
    if "name" in values:
        values["name"] = clean_text(values["name"], field="name", max_length=200, required=True)
    if "email" in values:
        email = _check_email(clean_text(values["email"], field="email", max_length=254, required=True).lower())
        if Person.objects.filter(organisation_id=viewer.organisation_id, email=email).exclude(pk=locked.pk).exists():
            raise Conflict(f"Someone with e-mail {email} exists already.", field="email")
        values["email"] = email
    if "weekly_capacity_minutes" in values:
        _check_capacity(values["weekly_capacity_minutes"])
    if "active" in values:
        values["active"] = bool(values["active"])
    if "role" in values and values["role"].organisation_id != viewer.organisation_id:
        raise NotFound("No such role.")
    company = values.get("company", locked.company)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if company.base_currency != locked.company.base_currency and locked.cost_rates.exists():
        raise Conflict(
            f"{locked.name}'s cost rates are in {locked.company.base_currency}; a company in "
            f"{company.base_currency} cannot take them. Add the person to that company anew instead.",
            field="company",
        )
    start = values.get("start_date", locked.start_date)
    end = values.get("end_date", locked.end_date)
    _check_dates(start, end)
    if "end_date" in values and end is not None:
        after_end = locked.time_entries.filter(work_date__gt=end)
        if after_end.exists():
            last = max(after_end.values_list("work_date", flat=True))
            raise Conflict(
                f"{locked.name} has {after_end.count()} time entr{'y' if after_end.count() == 1 else 'ies'} after "
                f"{end} (the last on {last}); move or delete them first.",
                field="end_date",
            )
    if values.get("user") is not None:
        _check_user_free(viewer, values["user"], locked.pk)
    if "manager" in values:
        _check_manager(viewer, locked, values["manager"])
    before = audit.snapshot(locked, PERSON_FIELDS)
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(values) or None)
    after = audit.snapshot(locked, PERSON_FIELDS)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="person.update",
        obj=locked,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    person.refresh_from_db()
    return person


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token_expiry(expires_in_days: int | None) -> datetime:
    longest = margin_number("API_TOKEN_MAX_DAYS")
    days = margin_number("API_TOKEN_DAYS") if expires_in_days is None else expires_in_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise Invalid(f"A token lasts between 1 and {longest} days.", field="expires_in_days")
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new personal token; the secret is returned once and only its hash is kept. It expires after
    `expires_in_days` (default settings.MARGIN["API_TOKEN_DAYS"], at most ["API_TOKEN_MAX_DAYS"])."""
    name = clean_text(name, field="name", max_length=100, required=True)
    expires_at = _token_expiry(expires_in_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:12], key_hash=_hash(secret), expires_at=expires_at
        )
    except IntegrityError:  # pragma: no cover - a 256-bit collision
        raise Conflict("Could not create a token; try again.") from None
    membership = Membership.objects.filter(user=user).first()
    if membership is not None:
        audit.record(
            organisation_id=membership.organisation_id,
            actor_id=user.pk,
            action="api_token.create",
            obj=token,
            after={"name": name, "prefix": token.prefix, "expires_at": expires_at.isoformat()},
        )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(id=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    membership = Membership.objects.filter(user=user).first()
    if membership is not None:
        audit.record(
            organisation_id=membership.organisation_id,
            actor_id=user.pk,
            action="api_token.revoke",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def api_token_authenticate(secret: str) -> User:
    """The user a bearer secret belongs to; `Unauthenticated` saying why not (unknown or revoked, expired,
    a deactivated user). Touches last_used_at at most once a minute."""
    token = None
    if secret.startswith(TOKEN_PREFIX) and len(secret) <= 100:
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is None:
        raise Unauthenticated("This API token is not valid (unknown or revoked).")
    now = timezone.now()
    if token.expires_at <= now:
        raise Unauthenticated(f"This API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; create a new one.")
    if not token.user.is_active:
        raise Unauthenticated("The account of this API token is deactivated.")
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- time policy (issue 4) -----------------------------------------------------------------------

TIME_POLICY_FIELDS = ["max_day_minutes", "max_future_days", "submit_period"]


@transaction.atomic
def company_time_policy_set(
    *,
    viewer: Viewer,
    company: Company,
    max_day_minutes: int,
    max_future_days: int | None,
    submit_period: str,
) -> Company:
    """A company's time policy: the most a person may log a day, how far ahead dates may be (None:
    the installation's default) and whether people submit by week or by month. Administrators."""
    _require_admin(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if isinstance(max_day_minutes, bool) or not isinstance(max_day_minutes, int) or not 1 <= max_day_minutes <= 1440:
        raise Invalid("The daily maximum must be between 0:01 and 24:00 hours.", field="max_day_minutes")
    if max_future_days is not None and (
        isinstance(max_future_days, bool) or not isinstance(max_future_days, int) or not 0 <= max_future_days <= 366
    ):
        raise Invalid("Days ahead must be between 0 and 366.", field="max_future_days")
    if submit_period not in SubmitPeriod.values:
        raise Invalid("The submit period is week or month.", field="submit_period")
    company = Company.objects.select_for_update().get(pk=company.pk)
    before = audit.snapshot(company, TIME_POLICY_FIELDS)
    company.max_day_minutes = max_day_minutes
    company.max_future_days = max_future_days
    company.submit_period = submit_period
    company.save(update_fields=TIME_POLICY_FIELDS)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="company.time_policy",
        obj=company,
        before=before,
        after=audit.snapshot(company, TIME_POLICY_FIELDS),
    )
    return company


@transaction.atomic
def person_start_date_set(*, viewer: Viewer, person: Person, start_date: date | None) -> Person:
    """The day a person started: no time can be logged before it (None: no limit). Administrators."""
    _require_admin(viewer)
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(person, ["start_date"])
    person.start_date = start_date
    person.save(update_fields=["start_date"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="person.start_date",
        obj=person,
        before=before,
        after=audit.snapshot(person, ["start_date"]),
    )
    return person


@transaction.atomic
def log_for_others_set(*, viewer: Viewer, person: Person, allowed: bool) -> Membership:
    """Give or take a signed-in person's permission to log, change and submit time for other people
    of their companies. Administrators."""
    _require_admin(viewer)
    if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    membership = (
        Membership.objects.select_for_update().filter(organisation_id=viewer.organisation_id, user_id=person.user_id)
        if person.user_id is not None
        else Membership.objects.none()
    ).first()
    if membership is None:
        raise Invalid(f"{person.name} does not sign in; only a user can log time for others.", field="person")
    before = {"can_log_for_others": membership.can_log_for_others}
    membership.can_log_for_others = bool(allowed)
    membership.save(update_fields=["can_log_for_others"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="membership.log_for_others",
        obj=membership,
        before=before,
        after={"can_log_for_others": membership.can_log_for_others, "person": person.pk},
    )
    return membership


# --- users: invitations, access, deactivation (issue 9) -----------------------------------------------------

ACCESS_FIELDS = ["role", "can_log_for_others", "companies"]


def _access_picture(membership: Membership) -> dict[str, object]:
    return {
        "role": membership.role,
        "can_log_for_others": membership.can_log_for_others,
        "companies": sorted(membership.companies.values_list("id", flat=True)),
    }


def _companies_given(viewer: Viewer, company_ids: list[int]) -> list[Company]:
    """The companies of an access restriction; an administrator gives access only to companies they see,
    and only an administrator of every company gives access to every company (an empty list)."""
    companies = list(Company.objects.filter(organisation_id=viewer.organisation_id, id__in=set(company_ids)))
    if len(companies) != len(set(company_ids)) or any(c.pk not in viewer.company_ids for c in companies):
        raise NotFound("No such company.", field="company_ids")
    if not companies:
        every = set(Company.objects.filter(organisation_id=viewer.organisation_id).values_list("id", flat=True))
        if not every <= viewer.company_ids:
            raise Forbidden(
                "You may only give access to the companies you administer; choose them.", field="company_ids"
            )
    return companies


def _clean_email(email: str) -> str:
    email = clean_text(email, field="email", max_length=254, required=True).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid(f"{email!r} is not an e-mail address.", field="email") from None
    return email


def _send_invitation(invitation: Invitation, secret: str, organisation: Organisation) -> None:
    """E-mail the set-password link once the transaction commits (a refused invitation mails nobody)."""
    link = str(settings.MARGIN["BASE_URL"]) + reverse("web:invitation", args=[secret])
    days = settings.MARGIN["INVITATION_DAYS"]
    body = (
        f"You are invited to {organisation.name} on Margin.\n\n"
        f"Choose your password here (the link works for {days} days, once):\n{link}\n\n"
        f"Your username is {invitation.user.get_username()}.\n"
        "If you did not expect this, ignore this e-mail.\n"
    )
    email = invitation.email
    transaction.on_commit(
        lambda: send_mail(f"Your Margin account at {organisation.name}", body, None, [email], fail_silently=False)
    )


def _new_invitation(*, viewer: Viewer, user: User) -> Invitation:
    Invitation.objects.filter(user=user, accepted_at__isnull=True, voided_at__isnull=True).update(
        voided_at=timezone.now()
    )
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation_id=viewer.organisation_id,
        user=user,
        email=user.email,
        key_hash=_hash(secret),
        invited_by_id=viewer.user_id,
        expires_at=timezone.now() + timedelta(days=margin_number("INVITATION_DAYS")),
    )
    _send_invitation(invitation, secret, organisation_of(viewer))
    return invitation


@transaction.atomic
def user_invite(
    *,
    viewer: Viewer,
    email: str,
    access_role: str,
    company_ids: list[int],
    can_log_for_others: bool = False,
    first_name: str = "",
    last_name: str = "",
) -> Invitation:
    """Make an account (username = e-mail, no password yet) with its access role and company restriction,
    and e-mail a link to set the password. A person of the organisation with this e-mail and no account is
    linked to it. Administrators."""
    _require_admin(viewer)
    email = _clean_email(email)
    if access_role not in AccessRole.values:
        raise Invalid("Choose an access role: admin, finance, manager or member.", field="access_role")
    companies = _companies_given(viewer, company_ids)
    if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists():
        raise Conflict(
            f"An account with the e-mail {email} exists already. A deactivated user is reactivated in "
            "Settings → Users; an invitation can be sent again from there.",
            field="email",
        )
    user = User.objects.create_user(
        username=email,
        email=email,
        first_name=clean_text(first_name, field="first_name", max_length=150),
        last_name=clean_text(last_name, field="last_name", max_length=150),
    )  # no password: unusable until the invitation is accepted
    membership = Membership.objects.create(
        organisation_id=viewer.organisation_id,
        user=user,
        role=access_role,
        can_log_for_others=bool(can_log_for_others),
    )
    membership.companies.set(companies)
    Person.objects.filter(organisation_id=viewer.organisation_id, email__iexact=email, user__isnull=True).update(
        user=user
    )
    invitation = _new_invitation(viewer=viewer, user=user)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="user.invite",
        obj=user,
        after={"email": email, **_access_picture(membership), "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


@transaction.atomic
def user_invite_again(*, viewer: Viewer, user_id: int) -> Invitation:
    """A new set-password link for someone who has not set a password yet (the old links stop working)."""
    _require_admin(viewer)
    membership = membership_get(viewer, user_id)
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if not user.is_active:
        raise Conflict(f"{user.get_username()} is deactivated; reactivate them first.", field="user")
    if user.has_usable_password():
        raise Conflict(
            f"{user.get_username()} has set a password already; they can reset it from the sign-in page.",
            field="user",
        )
    invitation = _new_invitation(viewer=viewer, user=user)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="user.invite_again",
        obj=user,
        after={"email": user.email, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, password: str) -> User:
    """Set the password of an invited account through its link. Refused (nothing changed) for an unknown,
    used, replaced or expired link, a deactivated account, or a password the validators refuse."""
    invitation = invitation_find(secret, for_update=True)
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    try:
        validate_password(password, user)
    except ValidationError as refused:
        raise Invalid(" ".join(refused.messages), field="password") from None
    user.set_password(password)
    user.save(update_fields=["password"])
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=now)
    Invitation.objects.filter(user=user, accepted_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    audit.record(
        organisation_id=invitation.organisation_id,
        actor_id=user.pk,
        action="user.invitation_accept",
        obj=user,
        after={"invitation": invitation.pk},
    )
    return user


@transaction.atomic
def user_access_set(
    *, viewer: Viewer, user_id: int, access_role: str, company_ids: list[int], can_log_for_others: bool
) -> Membership:
    """A user's access role, company restriction and permission to log time for others. Administrators;
    nobody removes their own administrator role (another administrator must)."""
    _require_admin(viewer)
    membership = membership_get(viewer, user_id)
    if access_role not in AccessRole.values:
        raise Invalid("Choose an access role: admin, finance, manager or member.", field="access_role")
    if membership.user_id == viewer.user_id and access_role != AccessRole.ADMIN:
        raise Invalid(
            "You cannot take away your own administrator role; ask another administrator.", field="access_role"
        )
    companies = _companies_given(viewer, company_ids)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = _access_picture(membership)
    membership.role = access_role
    membership.can_log_for_others = bool(can_log_for_others)
    membership.save(update_fields=["role", "can_log_for_others"])
    membership.companies.set(companies)
    after = _access_picture(membership)
    if after != before:
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="membership.access",
            obj=membership,
            before=before,
            after={**after, "user": membership.user_id},
        )
    return membership


def _set_active(*, viewer: Viewer, user_id: int, active: bool) -> User:
    _require_admin(viewer)
    membership = membership_get(viewer, user_id)
    if membership.user_id == viewer.user_id:
        raise Invalid("You cannot deactivate your own account.", field="user")
    user = User.objects.select_for_update().get(pk=membership.user_id)
    if user.is_active == active:
        state = "active" if active else "deactivated"
        raise Conflict(f"{user.get_username()} is {state} already.", field="user")
    user.is_active = active
    user.save(update_fields=["is_active"])
    now = timezone.now()
    after: dict[str, object] = {"is_active": active}
    if not active:
        # Sign-in, sessions and tokens all stop: Django refuses inactive users, and the links and tokens go.
        after["invitations_voided"] = Invitation.objects.filter(
            user=user, accepted_at__isnull=True, voided_at__isnull=True
        ).update(voided_at=now)
        after["api_tokens_revoked"] = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="user.reactivate" if active else "user.deactivate",
        obj=user,
        before={"is_active": not active},
        after=after,
    )
    return user


@transaction.atomic
def user_deactivate(*, viewer: Viewer, user_id: int) -> User:
    """Stop a user signing in (password, SSO, sessions, API tokens, invitation links); everything they did
    stays, with their name on it. Administrators; not themselves."""
    return _set_active(viewer=viewer, user_id=user_id, active=False)


@transaction.atomic
def user_reactivate(*, viewer: Viewer, user_id: int) -> User:
    """Let a deactivated user sign in again (their revoked API tokens stay revoked). Administrators."""
    return _set_active(viewer=viewer, user_id=user_id, active=True)


@transaction.atomic
def user_password_set(*, user: User, password: str, reason: str) -> User:
    """A new password for `user` (reason: `change` or `reset`), checked by the password validators.
    Sessions signed in with the old password end (Django's session hash)."""
    try:
        validate_password(password, user)
    except ValidationError as refused:
        raise Invalid(" ".join(refused.messages), field="password") from None
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    membership = Membership.objects.filter(user=user).order_by("id").first()
    if membership is not None:
        audit.record(
            organisation_id=membership.organisation_id,
            actor_id=user.pk,
            action=f"user.password_{reason}",
            obj=user,
        )
    return user


@transaction.atomic
def password_reset_requested(*, user: User) -> None:
    """Record that a password-reset link was e-mailed to `user` (Django's reset view sends it)."""
    membership = Membership.objects.filter(user=user).order_by("id").first()
    if membership is not None:
        audit.record(
            organisation_id=membership.organisation_id,
            actor_id=None,
            action="user.password_reset_request",
            obj=user,
        )
