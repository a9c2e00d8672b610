"""Writes on clients."""

from __future__ import annotations

from django.db import transaction

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.money import is_currency
from margin.core.text import clean_text
from margin.crm.models import MAX_BILLING_INCREMENT, BillingRounding, Client

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
    return cleaned


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
