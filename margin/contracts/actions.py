"""Writes on contracts, their billing lines and instalments, rate cards and tax codes.

A project's Rates tab and billing increment edit the project's **contract**: a project without one gets a
time-and-materials contract of its own the first time its rates are set (the way every existing project was
given one when contracts arrived, ADR 0019), so there is always exactly one place its prices live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from margin.accounts.models import Company, Person, Role
from margin.accounts.queries import Viewer
from margin.contracts import taxes
from margin.contracts.models import (
    BillingLine,
    BillingModel,
    BillRate,
    CapKind,
    Contract,
    ContractStatus,
    CoveredProject,
    Instalment,
    InvoiceGrouping,
    ProgressSource,
    RateCard,
    RetainerFrequency,
    RetainerUnit,
    Rollover,
    TaxCode,
    TaxKind,
)
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.crm.actions import check_billing_increment, check_billing_rounding, check_payment_terms
from margin.crm.models import Client
from margin.projects.actions import check_writable
from margin.projects.models import Project, Task
from margin.projects.queries import can_manage, in_scope
from margin.rates.actions import check_rate
from margin.rates.queries import convert
from margin.rates.rules import currency_code

CONTRACT_FIELDS = [
    "reference",
    "name",
    "client_reference",
    "currency",
    "payment_terms_days",
    "start_date",
    "end_date",
    "status",
    "invoice_grouping",
    "billing_increment_minutes",
    "billing_rounding",
    "tax_code_id",
]


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may change contracts.")


def _check_contract_scope(viewer: Viewer, contract: Contract) -> None:
    if contract.organisation_id != viewer.organisation_id or contract.company_id not in viewer.company_ids:
        raise NotFound("No such contract.")


# --- the contract of a project ------------------------------------------------------------------------


def _free_reference(company_id: int, wanted: str) -> str:
    reference, n = wanted[:40], 2
    while Contract.objects.filter(company_id=company_id, reference=reference).exists():
        reference, n = f"{wanted[:36]}-{n}", n + 1
    return reference


def contract_of_project_ensure(*, viewer: Viewer, project: Project) -> Contract:
    """The contract covering `project`, creating its own time-and-materials contract when it has none (with
    the client's payment terms, in the project's currency, and an expenses line at cost). Called inside the
    caller's transaction, after the caller checked who may do what."""
    covered = CoveredProject.objects.select_related("contract").filter(project=project).first()
    if covered is not None:
        return covered.contract
    contract = Contract.objects.create(
        organisation_id=project.organisation_id,
        company_id=project.company_id,
        client_id=project.client_id,
        reference=_free_reference(project.company_id, project.code),
        name=project.name,
        currency=project.currency,
        payment_terms_days=project.client.payment_terms_days,
        start_date=project.start_date or timezone.localdate(),
    )
    CoveredProject.objects.create(contract=contract, project=project)
    BillingLine.objects.bulk_create(
        [
            BillingLine(
                contract=contract, position=0, model=BillingModel.TIME_AND_MATERIALS, name="Time and materials"
            ),
            BillingLine(contract=contract, position=1, model=BillingModel.EXPENSES, name="Expenses"),
        ]
    )
    audit.record(
        organisation_id=project.organisation_id,
        actor_id=viewer.user_id,
        action="contract.create",
        obj=contract,
        after={**audit.snapshot(contract, CONTRACT_FIELDS), "projects": [project.pk], "for_project": project.pk},
    )
    return contract


def _card_of(contract: Contract) -> RateCard:
    card, _ = RateCard.objects.select_for_update().get_or_create(
        contract=contract,
        defaults={"organisation_id": contract.organisation_id, "currency": contract.company.base_currency},
    )
    return card


def _may_set_project_rates(viewer: Viewer, project: Project) -> None:
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not (can_manage(viewer, project) or viewer.is_finance):
        raise Forbidden("Only the project's manager or finance may set its rates.")
    check_writable(project)


# --- rate cards ---------------------------------------------------------------------------------------

EARLIEST_RATE_FROM = date(1990, 1, 1)
LATEST_RATE_FROM = date(2199, 12, 31)


@dataclass(frozen=True)
class RateRow:
    """One row of a rate card: a role's rate, one person's, or (neither) everyone's, from a date on."""

    valid_from: date
    hourly_rate: Decimal
    role: Role | None = None
    person: Person | None = None

    @property
    def who(self) -> str:
        if self.role is not None:
            return self.role.name
        return self.person.name if self.person is not None else "Everyone"

    @property
    def key(self) -> tuple[int | None, int | None, date]:
        return (getattr(self.role, "pk", None), getattr(self.person, "pk", None), self.valid_from)


def _check_rows(viewer: Viewer, rows: Sequence[RateRow], *, everyone_allowed: bool) -> None:
    seen: set[tuple[int | None, int | None, date]] = set()
    for number, row in enumerate(rows, start=1):
        if row.role is not None and row.person is not None:
            raise Invalid(f"Row {number}: give either a role or a person, not both.", field="rates")
        if row.role is None and row.person is None and not everyone_allowed:
            raise Invalid(f"Row {number}: give either a role or a person.", field="rates")
        other = row.role if row.role is not None else row.person
        if other is not None and other.organisation_id != viewer.organisation_id:
            raise NotFound("No such role or person.")
        if not EARLIEST_RATE_FROM <= row.valid_from <= LATEST_RATE_FROM:
            raise Invalid(f"Row {number} ({row.who}): the date must be between 1990 and 2199.", field="rates")
        try:
            check_rate(row.hourly_rate, "rates")
        except Invalid as error:
            raise Invalid(f"Row {number} ({row.who}): {error.message}", field="rates") from None
        if row.key in seen:
            raise Invalid(
                f"{row.who} has two rates from {row.valid_from.isoformat()}; one rate per date (a later date "
                "takes over from that day on).",
                field="rates",
                code="overlapping_rates",
            )
        seen.add(row.key)


def _table_picture(rates: Sequence[BillRate]) -> list[dict[str, object]]:
    return sorted(
        (
            {
                "role": r.role_id,
                "person": r.person_id,
                "valid_from": r.valid_from.isoformat(),
                "hourly_rate": format(Decimal(r.hourly_rate).normalize(), "f"),
            }
            for r in rates
        ),
        key=lambda r: (str(r["role"]), str(r["person"]), str(r["valid_from"])),
    )


def _card_replace(viewer: Viewer, card: RateCard, rows: Sequence[RateRow], subject: dict[str, Any]) -> list[BillRate]:
    """Make `card` exactly `rows`: new rows added, changed rates updated, rows left out removed; one audit row
    holds the table before and after."""
    existing = {(r.role_id, r.person_id, r.valid_from): r for r in BillRate.objects.filter(rate_card=card)}
    before = _table_picture(list(existing.values()))
    wanted = {row.key: row for row in rows}
    BillRate.objects.filter(pk__in=[r.pk for key, r in existing.items() if key not in wanted]).delete()
    for key, row in wanted.items():
        current = existing.get(key)
        if current is None:
            BillRate.objects.create(
                rate_card=card, role=row.role, person=row.person, valid_from=row.valid_from, hourly_rate=row.hourly_rate
            )
        elif current.hourly_rate != row.hourly_rate:
            current.hourly_rate = row.hourly_rate
            current.save(update_fields=["hourly_rate"])
    saved = list(BillRate.objects.filter(rate_card=card))
    after = _table_picture(saved)
    if after != before:
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="rate_card.save",
            obj=card,
            before={**subject, "rates": before},
            after={**subject, "rates": after},
        )
    return saved


@transaction.atomic
def rate_card_save(*, viewer: Viewer, project: Project, rows: Sequence[RateRow]) -> list[BillRate]:
    """Make the rate card of the project's contract exactly ``rows`` (the table as edited). The dated rows are
    the card's history: a rate change from a date is a new row, and the row before it still values the time
    before that date. One rate per role (or person) and date: two are refused (``overlapping_rates``)."""
    _may_set_project_rates(viewer, project)
    _check_rows(viewer, rows, everyone_allowed=False)
    contract = contract_of_project_ensure(viewer=viewer, project=project)
    card = _card_of(contract)
    return _card_replace(viewer, card, rows, {"project": project.pk, "contract": contract.pk})


@transaction.atomic
def bill_rate_set(
    *,
    viewer: Viewer,
    project: Project,
    valid_from: date,
    hourly_rate: Decimal,
    role: Role | None = None,
    person: Person | None = None,
) -> BillRate:
    """Set the bill rate of a role (or a person's own rate) on the project's contract from a date on."""
    _may_set_project_rates(viewer, project)
    if (role is None) == (person is None):
        raise Invalid("Give either a role or a person, not both.", field="role")
    for other in (role, person):
        if other is not None and other.organisation_id != viewer.organisation_id:
            raise NotFound("No such role or person.")
    check_rate(hourly_rate, "hourly_rate")
    card = _card_of(contract_of_project_ensure(viewer=viewer, project=project))
    existing = BillRate.objects.filter(rate_card=card, role=role, person=person, valid_from=valid_from).first()
    before = {"hourly_rate": str(existing.hourly_rate)} if existing else None
    rate, _ = BillRate.objects.update_or_create(
        rate_card=card, role=role, person=person, valid_from=valid_from, defaults={"hourly_rate": hourly_rate}
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="bill_rate.set",
        obj=rate,
        before=before,
        after={
            "project": project.pk,
            "role": getattr(role, "pk", None),
            "person": getattr(person, "pk", None),
            "valid_from": valid_from.isoformat(),
            "hourly_rate": str(hourly_rate),
        },
    )
    return rate


@transaction.atomic
def client_rate_card_save(*, viewer: Viewer, client: Client, currency: str, rows: Sequence[RateRow]) -> list[BillRate]:
    """A client's own rates (they apply to its projects whose contract's card has none for the hour)."""
    require_finance(viewer)
    if client.organisation_id != viewer.organisation_id:
        raise NotFound("No such client.")
    currency = currency_code(currency)
    _check_rows(viewer, rows, everyone_allowed=True)
    card, _ = RateCard.objects.select_for_update().get_or_create(
        client=client, currency=currency, defaults={"organisation_id": viewer.organisation_id}
    )
    return _card_replace(viewer, card, rows, {"client": client.pk, "currency": currency})


@transaction.atomic
def default_rate_card_save(*, viewer: Viewer, currency: str, rows: Sequence[RateRow]) -> list[BillRate]:
    """The organisation's default rates in a currency (its list prices)."""
    require_finance(viewer)
    currency = currency_code(currency)
    _check_rows(viewer, rows, everyone_allowed=True)
    card, _ = RateCard.objects.select_for_update().get_or_create(
        organisation_id=viewer.organisation_id, client=None, contract=None, currency=currency
    )
    return _card_replace(viewer, card, rows, {"organisation": viewer.organisation_id, "currency": currency})


# --- billing increments ---------------------------------------------------------------------------


@transaction.atomic
def billing_increment_set(
    *, viewer: Viewer, project: Project, minutes: int | None, rounding: str | None = None
) -> Contract:
    """Override the client's billing increment on the project's contract, or (None) go back to the client's.
    `rounding` None keeps the client's rounding. Applies to time logged or changed from now on."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not (can_manage(viewer, project) or viewer.is_finance):
        raise Forbidden("Only the project's manager or finance may set its billing increment.")
    check_writable(project)
    if minutes is not None:
        minutes = check_billing_increment(minutes)
    if rounding is not None:
        rounding = check_billing_rounding(rounding)
    if minutes is None and rounding is not None:
        raise Invalid("Give the increment the rounding applies to.", field="billing_increment_minutes")
    contract = contract_of_project_ensure(viewer=viewer, project=project)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = {
        "billing_increment_minutes": contract.billing_increment_minutes,
        "billing_rounding": contract.billing_rounding,
    }
    contract.billing_increment_minutes = minutes
    contract.billing_rounding = rounding
    contract.save(update_fields=["billing_increment_minutes", "billing_rounding"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="billing_increment.set",
        obj=contract,
        before=before,
        after={"project": project.pk, "billing_increment_minutes": minutes, "billing_rounding": rounding},
    )
    return contract


# --- contracts ------------------------------------------------------------------------------------


def _choice(value: object, choices: Sequence[str], field: str, what: str) -> str:
    if value not in choices:
        raise Invalid(f"{what} is one of {', '.join(choices)}.", field=field)
    return str(value)


def _tax_code_of(viewer: Viewer, company_id: int, code_id: object) -> TaxCode | None:
    if code_id in (None, ""):
        return None
    if isinstance(code_id, bool) or not isinstance(code_id, int | str):
        raise Invalid("A tax code is given by its id.", field="tax_code_id")
    code = TaxCode.objects.filter(pk=code_id, company_id=company_id, organisation_id=viewer.organisation_id).first()
    if code is None:
        raise Invalid("No such tax code in this company.", field="tax_code_id")
    return code


def _check_tax_fits(client: Client, code: TaxCode | None) -> None:
    if code is None:
        return
    reason = taxes.fits(
        client.tax_treatment, taxes.TaxKind(code.kind), buyer_vat_id=client.tax_id, buyer_name=client.name
    )
    if reason is not None:
        raise Invalid(reason, field="tax_code_id", code="tax_code_does_not_fit")


def _known(values: dict[str, Any], writable: frozenset[str], what: str) -> None:
    """A field no rule reads is refused, not silently dropped (a typo would otherwise change nothing). The
    writable fields are the ones the audit rows picture (CONTRACT_FIELDS, LINE_FIELDS)."""
    unknown = sorted(set(values) - writable)
    if unknown:
        raise Invalid(f"{what} has no field {unknown[0]!r} that can be set.", field=unknown[0])


def _clean_contract(viewer: Viewer, company_id: int, values: dict[str, Any]) -> dict[str, Any]:
    _known(values, frozenset(CONTRACT_FIELDS), "A contract")
    cleaned: dict[str, Any] = {}
    if "reference" in values:
        cleaned["reference"] = clean_text(values["reference"], field="reference", max_length=40, required=True)
    if "name" in values:
        cleaned["name"] = clean_text(values["name"], field="name", max_length=200, required=True)
    if "client_reference" in values:
        cleaned["client_reference"] = clean_text(
            values["client_reference"] or "", field="client_reference", max_length=100
        )
    if "currency" in values:
        cleaned["currency"] = currency_code(values["currency"])
    if "payment_terms_days" in values:
        cleaned["payment_terms_days"] = check_payment_terms(values["payment_terms_days"])
    for day in ("start_date", "end_date"):
        if day in values:
            if values[day] is not None and not isinstance(values[day], date):
                raise Invalid("Give a date as YYYY-MM-DD.", field=day)
            cleaned[day] = values[day]
    if "status" in values:
        cleaned["status"] = _choice(values["status"], ContractStatus.values, "status", "A contract's status")
    if "invoice_grouping" in values:
        cleaned["invoice_grouping"] = _choice(
            values["invoice_grouping"], InvoiceGrouping.values, "invoice_grouping", "Invoice grouping"
        )
    if "billing_increment_minutes" in values:
        minutes = values["billing_increment_minutes"]
        cleaned["billing_increment_minutes"] = None if minutes is None else check_billing_increment(minutes)
    if "billing_rounding" in values:
        rounding = values["billing_rounding"]
        cleaned["billing_rounding"] = None if rounding in (None, "") else check_billing_rounding(rounding)
    if "tax_code_id" in values:
        code = _tax_code_of(viewer, company_id, values["tax_code_id"])
        cleaned["tax_code_id"] = code.pk if code else None
    return cleaned


def _check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise Invalid("A contract ends on or after the day it starts.", field="end_date")


@transaction.atomic
def contract_create(
    *, viewer: Viewer, company: Company, client: Client, reference: str, name: str, start_date: date, **details: Any
) -> Contract:
    """A contract of `client` with `company`. Currency defaults to the company's, payment terms to the client's."""
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    if client.organisation_id != viewer.organisation_id:
        raise NotFound("No such client.")
    values = _clean_contract(
        viewer,
        company.pk,
        {
            "currency": company.base_currency,
            "payment_terms_days": client.payment_terms_days,
            **details,
            "reference": reference,
            "name": name,
            "start_date": start_date,
        },
    )
    if values["start_date"] is None:
        raise Invalid("Give the day the contract starts.", field="start_date")
    _check_dates(values["start_date"], values.get("end_date"))
    if Contract.objects.filter(company=company, reference=values["reference"]).exists():
        raise Conflict(f"{company.name} has a contract {values['reference']!r} already.", field="reference")
    tax_code_id = values.get("tax_code_id")
    _check_tax_fits(client, TaxCode.objects.filter(pk=tax_code_id).first() if tax_code_id else None)
    contract = Contract.objects.create(organisation_id=viewer.organisation_id, company=company, client=client, **values)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contract.create",
        obj=contract,
        after=audit.snapshot(contract, CONTRACT_FIELDS),
    )
    return contract


def _billed_currencies(contract: Contract) -> set[str]:
    """Currencies of issued invoices of the contract's projects (an invoice has a number once issued, whatever
    its later state; billing sits above contracts, so its status names are not read here)."""
    return set(
        contract.covered.filter(project__invoices__number__isnull=False).values_list(
            "project__invoices__currency", flat=True
        )
    )


@transaction.atomic
def contract_update(*, viewer: Viewer, contract: Contract, **changes: Any) -> Contract:
    _check_contract_scope(viewer, contract)
    require_finance(viewer)
    given, contract = contract, Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    values = _clean_contract(viewer, contract.company_id, changes)
    before = audit.snapshot(contract, CONTRACT_FIELDS)
    reference = values.get("reference", contract.reference)
    if (
        reference != contract.reference
        and Contract.objects.filter(company_id=contract.company_id, reference=reference).exists()
    ):
        raise Conflict(f"This company has a contract {values['reference']!r} already.", field="reference")
    if "currency" in values and values["currency"] != contract.currency:
        billed = _billed_currencies(contract) - {values["currency"]}
        if billed:
            raise Conflict(
                f"Time of this contract's projects is invoiced in {', '.join(sorted(billed))} already: its currency "
                "cannot change; close it and start a new contract for the work from now on.",
                field="currency",
                code="currency_already_billed",
            )
    if "tax_code_id" in values:
        _check_tax_fits(contract.client, TaxCode.objects.filter(pk=values["tax_code_id"]).first())
    for field, value in values.items():
        setattr(contract, field, value)
    _check_dates(contract.start_date, contract.end_date)
    contract.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contract.update",
        obj=contract,
        before=before,
        after=audit.snapshot(contract, CONTRACT_FIELDS),
    )
    given.refresh_from_db()
    return contract


@transaction.atomic
def contract_project_add(*, viewer: Viewer, contract: Contract, project: Project) -> CoveredProject:
    """Cover a project of the contract's client and company. A project covered by another contract moves
    only while none of its time is billed (its invoices were made under the other contract's rules)."""
    _check_contract_scope(viewer, contract)
    require_finance(viewer)
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if project.client_id != contract.client_id or project.company_id != contract.company_id:
        raise Invalid(
            f"{project.code} is {project.client.name}'s work for {project.company.name}; the contract is with "
            f"{contract.client.name} for {contract.company.name}.",
            field="project",
        )
    current = CoveredProject.objects.select_for_update().filter(project=project).first()
    if current is not None and current.contract_id == contract.pk:
        return current
    if current is not None:
        if project.invoices.exists():
            raise Conflict(
                f"{project.code} has invoices under contract {current.contract.reference}: it stays there.",
                field="project",
            )
        current.delete()
    covered = CoveredProject.objects.create(contract=contract, project=project)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="contract.project_add",
        obj=contract,
        before={"contract": current.contract_id} if current else None,
        after={"project": project.pk},
    )
    return covered


# --- billing lines ----------------------------------------------------------------------------------

LINE_FIELDS = [
    "model",
    "name",
    "position",
    "tax_code_id",
    "cap_kind",
    "cap_limit",
    "price_minor",
    "progress_source",
    "entered_percent",
    "frequency",
    "allowance_unit",
    "allowance",
    "fee_minor",
    "rollover",
    "rollover_periods",
    "overage_rate",
    "start_date",
    "end_date",
    "markup_percent",
]


# A billing line's fields that take one of a few values, and those values.
LINE_CHOICES: dict[str, list[str]] = {
    "cap_kind": CapKind.values,
    "progress_source": ProgressSource.values,
    "frequency": RetainerFrequency.values,
    "allowance_unit": RetainerUnit.values,
    "rollover": Rollover.values,
}


def _positive_int(value: object, field: str, what: str, *, zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not zero):
        raise Invalid(f"{what} must be a whole number {'of zero or more' if zero else 'above zero'}.", field=field)
    if value > 10**15:
        raise Invalid(f"{what} is too large.", field=field)
    return value


def _decimal(value: object, field: str, low: Decimal, high: Decimal, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise Invalid(f"{what} must be a number.", field=field) from None
    if not number.is_finite() or not low <= number <= high:
        raise Invalid(f"{what} must be between {low} and {high}.", field=field)
    return number


def _clean_line(viewer: Viewer, contract: Contract, line: BillingLine, values: dict[str, Any]) -> None:
    """Apply `values` to `line` and check the whole line for its model (the others' columns are reset)."""
    _known(values, frozenset(LINE_FIELDS), "A billing line")
    if "name" in values:
        line.name = clean_text(values["name"], field="name", max_length=200, required=True)
    if "position" in values:
        line.position = _positive_int(values["position"], "position", "A position", zero=True)
    if "tax_code_id" in values:
        code = _tax_code_of(viewer, contract.company_id, values["tax_code_id"])
        _check_tax_fits(contract.client, code)
        line.tax_code = code
    for field, choices in LINE_CHOICES.items():
        if field in values:
            setattr(line, field, _choice(values[field], choices, field, field.replace("_", " ").capitalize()))
    for field in ("cap_limit", "price_minor", "allowance", "fee_minor", "rollover_periods"):
        if field in values:
            value = values[field]
            setattr(
                line,
                field,
                None
                if value is None
                else _positive_int(
                    value, field, field.replace("_", " ").capitalize(), zero=field in ("fee_minor", "rollover_periods")
                ),
            )
    if "entered_percent" in values:
        value = values["entered_percent"]
        line.entered_percent = (
            None if value is None else _decimal(value, "entered_percent", Decimal(0), Decimal(100), "A percentage")
        )
    if "overage_rate" in values:
        value = values["overage_rate"]
        if value is not None:
            check_rate(Decimal(str(value)), "overage_rate")
        line.overage_rate = None if value is None else Decimal(str(value))
    if "markup_percent" in values:
        line.markup_percent = _decimal(
            values["markup_percent"] or 0, "markup_percent", Decimal(0), Decimal(1000), "A markup"
        )
    for day in ("start_date", "end_date"):
        if day in values:
            setattr(line, day, values[day])
    _check_line(contract, line)


def _check_line(contract: Contract, line: BillingLine) -> None:
    model = line.model
    if model == BillingModel.TIME_AND_MATERIALS:
        if line.cap_kind == CapKind.NONE:
            line.cap_limit = None
        elif not line.cap_limit:
            raise Invalid("A capped line needs its limit (minutes or an amount in minor units).", field="cap_limit")
    else:
        line.cap_kind, line.cap_limit = CapKind.NONE, None
    if model in (BillingModel.FIXED_FEE, BillingModel.PROGRESS):
        if not line.price_minor:
            raise Invalid("A fixed fee or progress line needs its price.", field="price_minor")
    else:
        line.price_minor = None
    if (
        model == BillingModel.PROGRESS
        and line.progress_source == ProgressSource.ENTERED
        and line.entered_percent is None
    ):
        line.entered_percent = Decimal(0)
    if model == BillingModel.RETAINER:
        if not line.allowance:
            raise Invalid("A retainer needs its allowance per period.", field="allowance")
        if line.fee_minor is None:
            raise Invalid(
                "A retainer needs its fee per period (0 when the hours are billed as used).", field="fee_minor"
            )
        if line.start_date is None:
            raise Invalid("A retainer needs the day its first period starts.", field="start_date")
        if line.rollover == Rollover.PERIODS and line.rollover_periods < 1:
            raise Invalid("Say for how many periods unused hours roll over (1 or more).", field="rollover_periods")
        if line.rollover != Rollover.PERIODS:
            line.rollover_periods = 0
        _check_no_overlap(contract, line)
    if line.start_date and line.end_date and line.end_date < line.start_date:
        raise Invalid("A billing line ends on or after the day it starts.", field="end_date")


def _overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Do two date ranges (an open end: for ever) share a day?"""
    return (other_end is None or start <= other_end) and (end is None or other_start <= end)


def _check_no_overlap(contract: Contract, line: BillingLine) -> None:
    """Two retainers of one contract may not cover the same day: time would draw on two allowances."""
    assert line.start_date is not None
    others = BillingLine.objects.filter(contract=contract, model=BillingModel.RETAINER).exclude(pk=line.pk)
    for other in others:
        assert other.start_date is not None
        if _overlap(line.start_date, line.end_date, other.start_date, other.end_date):
            raise Conflict(
                f"The retainer overlaps {other.name!r} ({other.start_date.isoformat()} to "
                f"{other.end_date.isoformat() if other.end_date else 'open-ended'}): end one before the other starts.",
                field="start_date",
                code="retainer_overlap",
            )


@transaction.atomic
def billing_line_create(*, viewer: Viewer, contract: Contract, model: str, name: str, **details: Any) -> BillingLine:
    _check_contract_scope(viewer, contract)
    require_finance(viewer)
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    line = BillingLine(
        contract=contract,
        model=_choice(model, BillingModel.values, "model", "A billing model"),
        position=BillingLine.objects.filter(contract=contract).count(),
    )
    _clean_line(viewer, contract, line, {"name": name, **details})
    line.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="billing_line.create",
        obj=line,
        after={"contract": contract.pk, **audit.snapshot(line, LINE_FIELDS)},
    )
    return line


@transaction.atomic
def billing_line_update(*, viewer: Viewer, line: BillingLine, **changes: Any) -> BillingLine:
    contract = line.contract
    _check_contract_scope(viewer, contract)
    require_finance(viewer)
    contract = Contract.objects.select_for_update().select_related("client").get(pk=contract.pk)
    line = BillingLine.objects.get(pk=line.pk)
    before = audit.snapshot(line, LINE_FIELDS)
    if "model" in changes and changes["model"] != line.model:
        raise Invalid("A billing line keeps its model: add a new line for another.", field="model")
    _clean_line(viewer, contract, line, changes)
    line.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="billing_line.update",
        obj=line,
        before=before,
        after=audit.snapshot(line, LINE_FIELDS),
    )
    return line


@transaction.atomic
def billing_line_delete(*, viewer: Viewer, line: BillingLine) -> None:
    _check_contract_scope(viewer, line.contract)
    require_finance(viewer)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="billing_line.delete",
        obj=line,
        before={"contract": line.contract_id, **audit.snapshot(line, LINE_FIELDS)},
    )
    line.delete()


# --- instalments --------------------------------------------------------------------------------


@transaction.atomic
def instalment_create(
    *,
    viewer: Viewer,
    line: BillingLine,
    description: str,
    amount_minor: int,
    due_date: date | None = None,
    milestone: Task | None = None,
) -> Instalment:
    """An instalment of a fixed fee: due on a date or when a milestone task of a covered project is finished.
    The instalments of a line may not add up to more than its price."""
    contract = line.contract
    _check_contract_scope(viewer, contract)
    require_finance(viewer)
    line = BillingLine.objects.select_for_update().get(pk=line.pk)
    if line.model != BillingModel.FIXED_FEE:
        raise Invalid("Instalments belong to a fixed-fee line.", field="billing_line")
    description = clean_text(description, field="description", max_length=200, required=True)
    amount_minor = _positive_int(amount_minor, "amount_minor", "An instalment's amount")
    if (due_date is None) == (milestone is None):
        raise Invalid("An instalment is due on a date or at a milestone: give one of them.", field="due_date")
    if (
        milestone is not None
        and not CoveredProject.objects.filter(contract=contract, project_id=milestone.project_id).exists()
    ):
        raise Invalid("The milestone must be a task of a project this contract covers.", field="milestone")
    planned = sum(i.amount_minor for i in Instalment.objects.filter(billing_line=line))
    assert line.price_minor is not None
    if planned + amount_minor > line.price_minor:
        raise Invalid(
            f"The instalments would add up to more than the fee ({planned + amount_minor} > {line.price_minor} "
            "in minor units).",
            field="amount_minor",
        )
    instalment = Instalment.objects.create(
        billing_line=line,
        position=Instalment.objects.filter(billing_line=line).count(),
        description=description,
        amount_minor=amount_minor,
        due_date=due_date,
        milestone=milestone,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="instalment.create",
        obj=instalment,
        after={
            "billing_line": line.pk,
            "amount_minor": amount_minor,
            "due_date": due_date.isoformat() if due_date else None,
            "milestone": milestone.pk if milestone else None,
        },
    )
    return instalment


# --- tax codes ----------------------------------------------------------------------------------

TAX_FIELDS = ["code", "name", "kind", "rate", "active"]


@transaction.atomic
def tax_code_create(
    *, viewer: Viewer, company: Company, code: str, name: str, kind: str, rate: Decimal | str | int
) -> TaxCode:
    require_finance(viewer)
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")
    code = clean_text(code, field="code", max_length=20, required=True)
    name = clean_text(name, field="name", max_length=100, required=True)
    kind = _choice(kind, TaxKind.values, "kind", "A tax kind")
    number = _decimal(rate, "rate", Decimal(0), Decimal("99.999"), "A tax rate (percent)")
    if number != number.quantize(Decimal("0.001")):
        raise Invalid("A tax rate has at most 3 decimals.", field="rate")
    taxes.check_tax_code(taxes.TaxKind(kind), number)
    if TaxCode.objects.filter(company=company, code=code).exists():
        raise Conflict(f"{company.name} has a tax code {code!r} already.", field="code")
    tax = TaxCode.objects.create(
        organisation_id=viewer.organisation_id, company=company, code=code, name=name, kind=kind, rate=number
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="tax_code.create",
        obj=tax,
        after=audit.snapshot(tax, TAX_FIELDS),
    )
    return tax


# --- an approved change of scope moves the contract's value ---------------------------------------------------


@transaction.atomic
def contract_value_change(
    *, viewer: Viewer, project: Project, price_minor: int, effort_minutes: int, reason: str
) -> dict[str, Any] | None:
    """Move the value of the contract covering `project` by an approved change of scope (`reason` names it, e.g.
    "CR-3"): a fixed-fee or progress line's price by ``price_minor``; else a capped time-and-materials line's cap
    (an amount cap by ``price_minor``, an hours cap by ``effort_minutes``). An uncapped time-and-materials contract
    has no value to move (the time billed is its value): None, as for a project without a contract. A contract
    in another currency than the project's moves by the price converted at the day's rate (kept in the answer).

    Called by change control (``margin.risks``) inside its transaction; the project's manager may do it there,
    because the change was approved through change control. Returns what changed (for the change request's
    record), or None."""
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if not can_manage(viewer, project):
        raise Forbidden("Only the project's manager or an administrator may apply a change to its contract.")
    covered = CoveredProject.objects.filter(project=project).first()
    if covered is None:
        return None
    contract = Contract.objects.select_for_update().get(pk=covered.contract_id)
    lines = list(BillingLine.objects.select_for_update().filter(contract=contract).order_by("position", "id"))
    line = next((li for li in lines if li.model in (BillingModel.FIXED_FEE, BillingModel.PROGRESS)), None)
    field, delta = "price_minor", price_minor
    if line is None:
        line = next(
            (li for li in lines if li.model == BillingModel.TIME_AND_MATERIALS and li.cap_kind != CapKind.NONE), None
        )
        if line is None:
            return None
        field, delta = "cap_limit", price_minor if line.cap_kind == CapKind.MONEY else effort_minutes
    if delta == 0:
        return None
    in_money = field == "price_minor" or line.cap_kind == CapKind.MONEY
    converted: dict[str, Any] = {}
    if in_money and contract.currency != project.currency:
        # The change is priced in the project's currency: the contract moves by that price on the day it is
        # applied, at the organisation's rate (no rate known: Invalid naming the pair, nothing changed).
        day = timezone.localdate()
        delta, rate = convert(delta, project.currency, contract.currency, day, viewer.organisation_id)
        converted = {
            "priced": price_minor,
            "priced_currency": project.currency,
            "rate": format(rate.normalize(), "f"),
            "on": str(day),
        }
    before = getattr(line, field) or 0
    after = before + delta
    if after <= 0:
        raise Invalid(
            f"The change would bring {line.name!r} of contract {contract.reference} to zero or below.",
            field="price_minor" if in_money else "effort_minutes",
        )
    if line.model == BillingModel.FIXED_FEE:
        planned = sum(Instalment.objects.filter(billing_line=line).values_list("amount_minor", flat=True))
        if after < planned:
            raise Invalid(
                f"The change would bring {line.name!r} below its instalments ({planned} minor units).",
                field="price_minor",
            )
    snapshot_before = audit.snapshot(line, LINE_FIELDS)
    setattr(line, field, after)
    line.save(update_fields=[field])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="billing_line.update",
        obj=line,
        before=snapshot_before,
        after={**audit.snapshot(line, LINE_FIELDS), "change": reason},
    )
    return {
        "contract": contract.pk,
        "reference": contract.reference,
        "currency": contract.currency,
        "line": line.pk,
        "line_name": line.name,
        "field": field,
        "unit": "minor" if in_money else "minutes",
        "before": before,
        "after": after,
        **converted,
    }
