"""Writes on organisations, companies, roles, people and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from margin.accounts.models import (
    AccessRole,
    ApiToken,
    Company,
    Membership,
    Organisation,
    Person,
    Role,
    SubmitPeriod,
)
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
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
def company_create(
    *,
    viewer: Viewer,
    name: str,
    base_currency: str,
    legal_name: str = "",
    tax_id: str = "",
    address: str = "",
    country: str = "",
    email: str = "",
) -> Company:
    _require_admin(viewer)
    if not is_currency(base_currency):
        raise Invalid(f"Unknown currency {base_currency!r}.", field="base_currency")
    name = clean_text(name, field="name", max_length=200, required=True)
    if Company.objects.filter(organisation_id=viewer.organisation_id, name=name).exists():
        raise Conflict(f"A company named {name!r} exists already.", field="name")
    company = Company.objects.create(
        organisation_id=viewer.organisation_id,
        name=name,
        legal_name=clean_text(legal_name, field="legal name", max_length=200),
        base_currency=base_currency,
        tax_id=clean_text(tax_id, field="tax id", max_length=64),
        address=clean_text(address, field="address", max_length=2000),
        country=clean_text(country, field="country", max_length=2).upper(),
        email=clean_text(email, field="email", max_length=254),
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="company.create",
        obj=company,
        after=audit.snapshot(company, ["name", "base_currency", "tax_id", "country"]),
    )
    return company


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
) -> Person:
    """Add a person to a company; with `user` and `access_role`, also let them sign in."""
    _require_admin(viewer)
    if company.organisation_id != viewer.organisation_id or role.organisation_id != viewer.organisation_id:
        raise NotFound("No such company or role.")
    if not 0 <= weekly_capacity_minutes <= 7 * 24 * 60:
        raise Invalid("Weekly capacity must be between 0 and 168 hours.", field="weekly_capacity_minutes")
    email = clean_text(email, field="email", max_length=254, required=True).lower()
    if Person.objects.filter(organisation_id=viewer.organisation_id, email=email).exists():
        raise Conflict(f"Someone with e-mail {email} exists already.", field="email")
    if user is not None and Person.objects.filter(user=user).exists():
        raise Conflict(f"The user {user.get_username()} is linked to a person already.", field="user")
    person = Person.objects.create(
        organisation_id=viewer.organisation_id,
        company=company,
        role=role,
        user=user,
        name=clean_text(name, field="name", max_length=200, required=True),
        email=email,
        weekly_capacity_minutes=weekly_capacity_minutes,
    )
    if user is not None:
        if access_role not in AccessRole.values:
            raise Invalid("Choose an access role for a person who signs in.", field="access_role")
        Membership.objects.update_or_create(
            organisation_id=viewer.organisation_id, user=user, defaults={"role": access_role}
        )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="person.create",
        obj=person,
        after=audit.snapshot(person, ["name", "email", "company", "role", "user"]),
    )
    return person


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the secret is returned once and only its hash is kept."""
    name = clean_text(name, field="name", max_length=100, required=True)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        token = ApiToken.objects.create(user=user, name=name, prefix=secret[:12], key_hash=_hash(secret))
    except IntegrityError:  # pragma: no cover - a 256-bit collision
        raise Conflict("Could not create a token; try again.") from None
    membership = Membership.objects.filter(user=user).first()
    if membership is not None:
        audit.record(
            organisation_id=membership.organisation_id,
            actor_id=user.pk,
            action="api_token.create",
            obj=token,
            after={"name": name, "prefix": token.prefix},
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


def api_token_authenticate(secret: str) -> User | None:
    """The user a bearer secret belongs to, or None. Touches last_used_at at most once a minute."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
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
