"""Writes on clients and their contacts."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.money import is_currency
from margin.core.text import clean_text
from margin.crm.models import (
    MAX_BILLING_INCREMENT,
    MAX_PAYMENT_TERMS_DAYS,
    BillingRounding,
    Client,
    Contact,
    TaxTreatment,
)

FIELDS = [
    "name",
    "currency",
    "billing_email",
    "billing_address",
    "country",
    "tax_id",
    "active",
    "billing_increment_minutes",
    "billing_rounding",
    "payment_terms_days",
    "tax_treatment",
]


def _check_may_edit(viewer: Viewer) -> None:
    if viewer.role not in ("admin", "finance", "manager"):
        raise Forbidden("Only administrators, finance and project managers may edit clients.")


def _clean(values: dict[str, object]) -> dict[str, object]:
    cleaned: dict[str, object] = {}
    limits = {"name": 200, "billing_email": 254, "billing_address": 2000, "country": 2, "tax_id": 64}
    for field, limit in limits.items():
        if field in values:
            cleaned[field] = clean_text(
                str(values[field] or ""), field=field.replace("_", " "), max_length=limit, required=field == "name"
            )
    if "country" in cleaned:
        cleaned["country"] = str(cleaned["country"]).upper()
    if "currency" in values:
        currency = str(values["currency"] or "").upper()
        if not is_currency(currency):
            raise Invalid(f"Unknown currency {values['currency']!r}.", field="currency")
        cleaned["currency"] = currency
    if "active" in values:
        cleaned["active"] = bool(values["active"])
    if "billing_increment_minutes" in values:
        cleaned["billing_increment_minutes"] = check_billing_increment(values["billing_increment_minutes"])
    if "billing_rounding" in values:
        cleaned["billing_rounding"] = check_billing_rounding(values["billing_rounding"])
    if "payment_terms_days" in values:
        cleaned["payment_terms_days"] = check_payment_terms(values["payment_terms_days"])
    if cleaned.get("billing_email"):
        check_email(str(cleaned["billing_email"]), field="billing_email")
    if cleaned.get("country") and not str(cleaned["country"]).isalpha():
        raise Invalid("A country is a two-letter ISO code, e.g. DE.", field="country")
    if "tax_treatment" in values and values["tax_treatment"] not in TaxTreatment.values:
        raise Invalid(
            "A client's tax treatment is domestic, eu_business (reverse charge) or export.", field="tax_treatment"
        )
    if "tax_treatment" in values:
        cleaned["tax_treatment"] = str(values["tax_treatment"])
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid(f"A client has no field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    return cleaned


def check_email(email: str, *, field: str) -> str:
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid(f"{email!r} is not an e-mail address.", field=field) from None
    return email


def check_payment_terms(value: object) -> int:
    """Days from issue to due date: 0 (due on receipt) up to a year."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAYMENT_TERMS_DAYS:
        raise Invalid(
            f"Payment terms are a whole number of days from 0 (on receipt) to {MAX_PAYMENT_TERMS_DAYS}.",
            field="payment_terms_days",
        )
    return value


def check_billing_increment(value: object) -> int:
    """0 (bill the exact minutes) up to 60 minutes."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BILLING_INCREMENT:
        raise Invalid(
            f"A billing increment is a whole number of minutes from 0 (exact) to {MAX_BILLING_INCREMENT}.",
            field="billing_increment_minutes",
        )
    return value


def check_billing_rounding(value: object) -> str:
    if value not in BillingRounding.values:
        raise Invalid("Round billable time up or to the nearest increment.", field="billing_rounding")
    return str(value)


@transaction.atomic
def client_create(*, viewer: Viewer, name: str, currency: str, **details: object) -> Client:
    _check_may_edit(viewer)
    values = _clean({"name": name, "currency": currency, **details})
    if Client.objects.filter(organisation_id=viewer.organisation_id, name=values["name"]).exists():
        raise Conflict(f"A client named {values['name']!r} exists already.", field="name")
    client = Client.objects.create(organisation_id=viewer.organisation_id, **values)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="client.create",
        obj=client,
        after=audit.snapshot(client, FIELDS),
    )
    return client


@transaction.atomic
def client_update(*, viewer: Viewer, client: Client, **changes: object) -> Client:
    if client.organisation_id != viewer.organisation_id:
        raise NotFound("No such client.")
    _check_may_edit(viewer)
    # A locked copy: a refused change leaves the caller's object as it was; on success it is refreshed.
    given, client = client, Client.objects.select_for_update().get(pk=client.pk)
    values = _clean(changes)
    if "name" in values and (
        Client.objects.filter(organisation_id=viewer.organisation_id, name=values["name"])
        .exclude(pk=client.pk)
        .exists()
    ):
        raise Conflict(f"A client named {values['name']!r} exists already.", field="name")
    before = audit.snapshot(client, FIELDS)
    for field, value in values.items():
        setattr(client, field, value)
    client.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="client.update",
        obj=client,
        before=before,
        after=audit.snapshot(client, FIELDS),
    )
    given.refresh_from_db()
    return given


# --- contacts ------------------------------------------------------------------------------------

CONTACT_FIELDS = ["name", "email", "phone", "role", "primary", "billing"]
_PHONE = re.compile(r"\+?[0-9 ()./-]{3,40}")


def _contact_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid(f"A contact has no field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    for field, limit in {"name": 200, "email": 254, "phone": 40, "role": 100}.items():
        if field in values:
            cleaned[field] = clean_text(values[field], field=field, max_length=limit, required=field == "name")
    if cleaned.get("email"):
        cleaned["email"] = check_email(cleaned["email"].lower(), field="email")
    if cleaned.get("phone") and not _PHONE.fullmatch(cleaned["phone"]):
        raise Invalid("A phone number has digits, spaces and + ( ) . / - only, e.g. +49 30 1234567.", field="phone")
    for flag in ("primary", "billing"):
        if flag in values:
            cleaned[flag] = bool(values[flag])
    return cleaned


def _check_contact(contact: Contact) -> None:
    """A contact who receives invoices needs an e-mail address to receive them at."""
    if contact.billing and not contact.email:
        raise Invalid(f"{contact.name} receives invoices: give an e-mail address.", field="email")


def _one_primary(contact: Contact) -> None:
    """At most one primary contact per client: the new primary takes the flag from the old one."""
    if contact.primary:
        Contact.objects.filter(client_id=contact.client_id, primary=True).exclude(pk=contact.pk).update(primary=False)


@transaction.atomic
def contact_create(*, viewer: Viewer, client: Client, name: str, **details: Any) -> Contact:
    """Someone at a client (administrators, finance and project managers, who edit clients)."""
    if client.organisation_id != viewer.organisation_id:
        raise NotFound("No such client.")
    _check_may_edit(viewer)
    values = _contact_values({"name": name, **details})
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one primary at a time
    contact = Contact(organisation_id=viewer.organisation_id, client=client, **values)
    _check_contact(contact)
    if contact.primary:
        Contact.objects.filter(client=client, primary=True).update(primary=False)
    contact.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contact.create",
        obj=contact,
        after={"client": client.pk, **audit.snapshot(contact, CONTACT_FIELDS)},
    )
    return contact


@transaction.atomic
def contact_update(*, viewer: Viewer, contact: Contact, **changes: Any) -> Contact:
    if contact.organisation_id != viewer.organisation_id:
        raise NotFound("No such contact.")
    _check_may_edit(viewer)
    values = _contact_values(changes)
    Client.objects.select_for_update().filter(pk=contact.client_id).first()
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    before = audit.snapshot(locked, CONTACT_FIELDS)
    for field, value in values.items():
        setattr(locked, field, value)
    _check_contact(locked)
    _one_primary(locked)
    locked.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contact.update",
        obj=locked,
        before=before,
        after=audit.snapshot(locked, CONTACT_FIELDS),
    )
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_delete(*, viewer: Viewer, contact: Contact) -> None:
    if contact.organisation_id != viewer.organisation_id:
        raise NotFound("No such contact.")
    _check_may_edit(viewer)
    before = {"client": contact.client_id, **audit.snapshot(contact, CONTACT_FIELDS)}
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contact.delete",
        obj=contact,
        before=before,
    )
    Contact.objects.filter(pk=contact.pk).delete()
