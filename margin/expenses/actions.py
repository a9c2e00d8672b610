"""Writes on expenses: categories and company rates, claims and their lines, receipts, and the
claim workflow draft → submitted → approved | rejected (reason) → reimbursed."""

from __future__ import annotations

import hashlib
import re
import uuid
import weakref
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, companies_locked_through
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.money import MAX_ABS_AMOUNT, is_currency
from margin.core.text import clean_text
from margin.expenses import rules
from margin.expenses.models import (
    ClaimStatus,
    DistanceUnit,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseKind,
    ExpenseLine,
    MileageRate,
    PerDiemRate,
    Receipt,
)
from margin.expenses.queries import exchange_rate, mileage_rate_on, per_diem_rate_on
from margin.projects.models import Project, ProjectStatus, Task
from margin.projects.queries import in_scope, is_member

CLAIM_FIELDS = ["title", "status", "rejection_reason", "total_minor", "currency"]
LINE_FIELDS = [
    "kind",
    "date",
    "category",
    "merchant",
    "amount_minor",
    "currency",
    "converted_minor",
    "exchange_rate",
    "rate_date",
    "distance",
    "distance_unit",
    "days",
    "country",
    "project",
    "task",
    "billable",
    "markup_percent",
    "bill_amount_minor",
    "notes",
]
EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)
MAX_MARKUP = Decimal(1000)
MAX_DISTANCE = Decimal(100_000)
MAX_DAYS = Decimal(366)
EARLIEST = date(2000, 1, 1)


def _today() -> date:
    return timezone.localdate()


def _require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may change expense settings.")


def _check_company(viewer: Viewer, company: Company) -> None:
    if company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids:
        raise NotFound("No such company.")


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid(f"{value!r} is not a number.", field=field) from None
    if not number.is_finite():
        raise Invalid("Enter a finite number.", field=field)
    return number


# --- settings: categories, mileage and per-diem rates ------------------------------------------


@transaction.atomic
def category_create(
    *, viewer: Viewer, name: str, kind: str = ExpenseKind.RECEIPT, billable_default: bool = False
) -> ExpenseCategory:
    _require_finance(viewer)
    name = clean_text(name, field="name", max_length=100).strip()
    if not name:
        raise Invalid("Name the category.", field="name")
    if kind not in ExpenseKind.values:
        raise Invalid(f"Unknown kind {kind!r}: use receipt, mileage or per_diem.", field="kind")
    if ExpenseCategory.objects.filter(organisation_id=viewer.organisation_id, name__iexact=name).exists():
        raise Conflict(f"There is already a category named {name!r}.", field="name")
    category = ExpenseCategory.objects.create(
        organisation_id=viewer.organisation_id, name=name, kind=kind, billable_default=billable_default
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_category.create",
        obj=category,
        after=audit.snapshot(category, ["name", "kind", "billable_default"]),
    )
    return category


@transaction.atomic
def mileage_rate_set(
    *, viewer: Viewer, company: Company, valid_from: date, rate: Decimal, unit: str = DistanceUnit.KM
) -> MileageRate:
    """Set the company's reimbursement per km or mile from a date (replacing a rate of that same day)."""
    _check_company(viewer, company)
    _require_finance(viewer)
    rate = _decimal(rate, "rate")
    if rate < 0 or rate > 10_000:
        raise Invalid("A mileage rate is between 0 and 10,000 per unit.", field="rate")
    if unit not in DistanceUnit.values:
        raise Invalid("The unit is km or mi.", field="unit")
    row, _ = MileageRate.objects.update_or_create(
        company=company,
        unit=unit,
        valid_from=valid_from,
        defaults={"organisation_id": company.organisation_id, "rate": rate},
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="mileage_rate.set",
        obj=row,
        after=audit.snapshot(row, ["company", "unit", "valid_from", "rate"]),
    )
    return row


@transaction.atomic
def per_diem_rate_set(
    *, viewer: Viewer, company: Company, country: str, valid_from: date, rate: Decimal
) -> PerDiemRate:
    _check_company(viewer, company)
    _require_finance(viewer)
    rate = _decimal(rate, "rate")
    country = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise Invalid("Give the country as a two-letter ISO code, such as DE.", field="country")
    if rate < 0 or rate > 100_000:
        raise Invalid("A daily allowance is between 0 and 100,000.", field="rate")
    row, _ = PerDiemRate.objects.update_or_create(
        company=company,
        country=country,
        valid_from=valid_from,
        defaults={"organisation_id": company.organisation_id, "rate": rate},
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="per_diem_rate.set",
        obj=row,
        after=audit.snapshot(row, ["company", "country", "valid_from", "rate"]),
    )
    return row


# --- claims ---------------------------------------------------------------------------------------


def _check_claim_scope(viewer: Viewer, claim: ExpenseClaim) -> None:
    if claim.organisation_id != viewer.organisation_id or claim.company_id not in viewer.company_ids:
        raise NotFound("No such expense claim.")


def _check_owner(viewer: Viewer, claim: ExpenseClaim) -> None:
    _check_claim_scope(viewer, claim)
    if claim.person_id != viewer.person_id and not viewer.is_admin:
        raise Forbidden("Only the person who made this claim may change it.")


def _check_editable(claim: ExpenseClaim) -> None:
    if claim.status not in EDITABLE:
        raise Conflict(f"This claim is {claim.get_status_display().lower()} and can no longer be changed.")


def _locked_claim(claim: ExpenseClaim) -> ExpenseClaim:
    return ExpenseClaim.objects.select_for_update().get(pk=claim.pk)


def _back_to_draft(claim: ExpenseClaim) -> None:
    """Changing a rejected claim makes it a draft again (to be submitted anew)."""
    if claim.status == ClaimStatus.REJECTED:
        claim.status = ClaimStatus.DRAFT


Dated = tuple[date, int | None]  # a line's date and the company of its project (None: no project)


def _dated(line: ExpenseLine) -> Dated:
    return line.date, (line.project.company_id if line.project is not None else None)


def check_period_open(claim: ExpenseClaim, *lines: Dated) -> None:
    """The one check that expenses stay out of a company's closed period (the companies' lock dates,
    `accounts.queries.companies_locked_through`): adding, changing (old and new version) and deleting a
    line, deleting, submitting, approving and rejecting a claim all call it. A line counts against the
    claim's company, whose books carry its cost, and against its project's company when that is
    another one (it bills the line). Without `lines`, every line of the claim is checked: one grouped
    query for the dates, one for the locks.

    Reimbursing an approved claim does not call it: paying a claim is a payment made today, not a
    change to the accounts of the closed period."""
    if not lines:
        rows = claim.lines.values_list("project__company_id").annotate(first=Min("date")).order_by()
        lines = tuple((first, company_id) for company_id, first in rows)
    firsts: dict[int, date] = {}
    for day, project_company_id in lines:
        for company_id in {claim.company_id, project_company_id} - {None}:
            assert company_id is not None
            firsts[company_id] = min(day, firsts.get(company_id, day))
    if not firsts:
        return
    locks = companies_locked_through(frozenset(firsts))
    for company_id, first in sorted(firsts.items(), key=lambda item: item[1]):
        through = locks.get(company_id)
        if through is not None and first <= through:
            name = Company.objects.values_list("name", flat=True).get(pk=company_id)
            rules.check_period_open(first, locked_through=through, company_name=name)


def _refresh_total(claim: ExpenseClaim) -> None:
    claim.total_minor = int(claim.lines.aggregate(total=Sum("converted_minor"))["total"] or 0)


@transaction.atomic
def claim_create(*, viewer: Viewer, title: str, person: Person | None = None) -> ExpenseClaim:
    if person is None:
        if viewer.person_id is None:
            raise Invalid("You have no person record to claim expenses as.", field="person")
        person = Person.objects.select_related("company").get(pk=viewer.person_id)
    elif person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
        raise NotFound("No such person.")
    elif person.pk != viewer.person_id and not viewer.is_admin:
        raise Forbidden("Only an administrator may make a claim for someone else.")
    title = clean_text(title, field="title", max_length=200).strip()
    if not title:
        raise Invalid("Give the claim a title (a trip, a month…).", field="title")
    claim = ExpenseClaim.objects.create(
        organisation_id=person.organisation_id,
        company_id=person.company_id,
        person=person,
        title=title,
        currency=person.company.base_currency,
    )
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_claim.create",
        obj=claim,
        after=audit.snapshot(claim, CLAIM_FIELDS),
    )
    return claim


@transaction.atomic
def claim_update(*, viewer: Viewer, claim: ExpenseClaim, title: str) -> ExpenseClaim:
    _check_owner(viewer, claim)
    claim = _locked_claim(claim)
    _check_editable(claim)
    before = audit.snapshot(claim, CLAIM_FIELDS)
    title = clean_text(title, field="title", max_length=200).strip()
    if not title:
        raise Invalid("Give the claim a title.", field="title")
    claim.title = title
    _back_to_draft(claim)
    claim.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_claim.update",
        obj=claim,
        before=before,
        after=audit.snapshot(claim, CLAIM_FIELDS),
    )
    return claim


@transaction.atomic
def claim_delete(*, viewer: Viewer, claim: ExpenseClaim) -> None:
    _check_owner(viewer, claim)
    claim = _locked_claim(claim)
    _check_editable(claim)
    check_period_open(claim)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_claim.delete",
        obj=claim,
        before=audit.snapshot(claim, CLAIM_FIELDS),
    )
    for receipt in Receipt.objects.filter(line__claim=claim):
        _delete_files(receipt)
    claim.delete()


# --- lines ----------------------------------------------------------------------------------------


def _check_target(viewer: Viewer, claim: ExpenseClaim, project: Project | None, task: Task | None) -> None:
    if project is None:
        if task is not None:
            raise Invalid("Choose the task's project too.", field="task")
        return
    if not in_scope(viewer, project):
        raise NotFound("No such project.")
    if project.status == ProjectStatus.CLOSED:
        raise Invalid(f"Project {project.code} is closed; no more expenses can go on it.", field="project")
    if project.is_template:
        raise Invalid(f"{project.code} is a template; expenses go on projects made from it.", field="project")
    if task is not None and task.project_id != project.pk:
        raise NotFound("No such task in this project.")
    if project.manager_id != claim.person_id and not is_member(project, claim.person_id):
        raise Forbidden(f"{claim.person.name} is not a member of project {project.code}.")


def _price(viewer: Viewer, claim: ExpenseClaim, line: ExpenseLine) -> None:
    """Validate a line and compute its amounts: the spent amount (mileage, per diem), its conversion
    to the claim's currency with the dated rate, and the billable amount with markup."""
    max_future = int(str(settings.MARGIN["MAX_FUTURE_DAYS"]))
    if line.date < EARLIEST or line.date > _today() + timedelta(days=max_future):
        raise Invalid(f"{line.date.isoformat()} is not a date an expense can have.", field="date")
    category = line.category
    if category.organisation_id != claim.organisation_id:
        raise NotFound("No such expense category.")
    line.kind = category.kind
    line.merchant = clean_text(line.merchant or "", field="merchant", max_length=200)
    line.notes = clean_text(line.notes or "", field="notes", max_length=2000)
    if line.kind == ExpenseKind.MILEAGE:
        if line.distance is None:
            raise Invalid("Enter the distance travelled.", field="distance")
        line.distance = _decimal(line.distance, "distance")
        if line.distance <= 0 or line.distance > MAX_DISTANCE:
            raise Invalid("The distance must be above zero and at most 100,000.", field="distance")
        line.distance_unit = line.distance_unit or DistanceUnit.KM
        if line.distance_unit not in DistanceUnit.values:
            raise Invalid("The unit is km or mi.", field="distance_unit")
        rate = mileage_rate_on(claim.company_id, line.distance_unit, line.date)
        line.unit_rate = rate.rate
        line.currency = claim.currency
        line.amount_minor = rules.mileage_amount(line.distance, rate.rate, claim.currency)
        line.days, line.country = None, ""
    elif line.kind == ExpenseKind.PER_DIEM:
        if line.days is None:
            raise Invalid("Enter the number of days.", field="days")
        line.days = _decimal(line.days, "days")
        if line.days <= 0 or line.days > MAX_DAYS or line.days % Decimal("0.5"):
            raise Invalid("Days are above zero, in halves, at most 366.", field="days")
        line.country = (line.country or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", line.country):
            raise Invalid("Give the country as a two-letter ISO code, such as DE.", field="country")
        allowance = per_diem_rate_on(claim.company_id, line.country, line.date)
        line.unit_rate = allowance.rate
        line.currency = claim.currency
        line.amount_minor = rules.per_diem_amount(line.days, allowance.rate, claim.currency)
        line.distance, line.distance_unit = None, ""
    else:
        line.currency = (line.currency or "").strip().upper()
        if not is_currency(line.currency):
            raise Invalid(f"Unknown currency {line.currency!r}: use an ISO 4217 code such as EUR.", field="currency")
        if not isinstance(line.amount_minor, int):
            raise Invalid("Enter the amount.", field="amount_minor")
        if line.amount_minor < 0:
            raise Invalid("An expense cannot be negative; a refund is not an expense.", field="amount_minor")
        if line.amount_minor == 0:
            raise Invalid("Enter an amount above zero.", field="amount_minor")
        if line.amount_minor > MAX_ABS_AMOUNT:
            raise Invalid("That amount is too large.", field="amount_minor")
        line.distance, line.distance_unit, line.days, line.country, line.unit_rate = None, "", None, "", None
    rate_value, rate_day = exchange_rate(claim.organisation_id, line.currency, claim.currency, line.date)
    line.exchange_rate = rate_value
    line.rate_date = rate_day
    line.converted_minor = rules.converted(line.amount_minor, line.currency, claim.currency, rate_value)
    _check_target(viewer, claim, line.project, line.task)
    line.markup_percent = _decimal(line.markup_percent or 0, "markup_percent")
    if line.markup_percent < 0 or line.markup_percent > MAX_MARKUP:
        raise Invalid("A markup is between 0 and 1000 %.", field="markup_percent")
    if line.billable:
        project = line.project
        if project is None:
            raise Invalid("A billable expense needs a project to bill it to.", field="project")
        if project.currency == claim.currency:
            base = line.converted_minor
        else:
            to_project, _ = exchange_rate(claim.organisation_id, line.currency, project.currency, line.date)
            base = rules.converted(line.amount_minor, line.currency, project.currency, to_project)
        line.bill_currency = project.currency
        line.bill_amount_minor = rules.with_markup(base, line.markup_percent, project.currency)
    else:
        line.bill_currency, line.bill_amount_minor = "", 0


@transaction.atomic
def line_add(
    *,
    viewer: Viewer,
    claim: ExpenseClaim,
    date: date,
    category: ExpenseCategory,
    amount_minor: int | None = None,
    currency: str = "",
    merchant: str = "",
    distance: Decimal | None = None,
    distance_unit: str = "",
    days: Decimal | None = None,
    country: str = "",
    project: Project | None = None,
    task: Task | None = None,
    billable: bool | None = None,
    markup_percent: Decimal = Decimal(0),
    notes: str = "",
) -> ExpenseLine:
    _check_owner(viewer, claim)
    claim = _locked_claim(claim)
    _check_editable(claim)
    line = ExpenseLine(
        organisation_id=claim.organisation_id,
        claim=claim,
        date=date,
        category=category,
        merchant=merchant,
        amount_minor=amount_minor if amount_minor is not None else 0,
        currency=currency or claim.currency,
        distance=distance,
        distance_unit=distance_unit,
        days=days,
        country=country,
        project=project,
        task=task,
        billable=(category.billable_default and project is not None) if billable is None else billable,
        markup_percent=markup_percent,
        notes=notes,
    )
    if amount_minor is None and category.kind == ExpenseKind.RECEIPT:
        raise Invalid("Enter the amount.", field="amount_minor")
    _price(viewer, claim, line)
    check_period_open(claim, _dated(line))
    line.save()
    _refresh_total(claim)
    _back_to_draft(claim)
    claim.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_line.create",
        obj=line,
        after=audit.snapshot(line, LINE_FIELDS),
    )
    return line


LINE_CHANGEABLE = {
    "date",
    "category",
    "amount_minor",
    "currency",
    "merchant",
    "distance",
    "distance_unit",
    "days",
    "country",
    "project",
    "task",
    "billable",
    "markup_percent",
    "notes",
}


@transaction.atomic
def line_update(*, viewer: Viewer, line: ExpenseLine, **changes: Any) -> ExpenseLine:
    _check_owner(viewer, line.claim)
    claim = _locked_claim(line.claim)
    _check_editable(claim)
    line = ExpenseLine.objects.select_related("category", "project").get(pk=line.pk)
    before = audit.snapshot(line, LINE_FIELDS)
    was = _dated(line)
    for name, value in changes.items():
        if name not in LINE_CHANGEABLE:
            raise Invalid(f"{name} cannot be changed on an expense line.", field=name)
        setattr(line, name, value)
    _price(viewer, claim, line)
    # Neither out of a closed period nor into one.
    check_period_open(claim, was, _dated(line))
    line.save()
    _refresh_total(claim)
    _back_to_draft(claim)
    claim.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_line.update",
        obj=line,
        before=before,
        after=audit.snapshot(line, LINE_FIELDS),
    )
    return line


@transaction.atomic
def line_delete(*, viewer: Viewer, line: ExpenseLine) -> None:
    _check_owner(viewer, line.claim)
    claim = _locked_claim(line.claim)
    _check_editable(claim)
    line = ExpenseLine.objects.select_related("project").get(pk=line.pk)
    check_period_open(claim, _dated(line))
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="expense_line.delete",
        obj=line,
        before=audit.snapshot(line, LINE_FIELDS),
    )
    for receipt in line.receipts.all():
        _delete_files(receipt)
    line.delete()
    _refresh_total(claim)
    _back_to_draft(claim)
    claim.save()


# --- receipts -------------------------------------------------------------------------------------


def _delete_files(receipt: Receipt) -> None:
    """Remove the stored files once the transaction commits (a rollback keeps them)."""
    names = [f.name for f in (receipt.file, receipt.thumbnail) if f and f.name]
    storage = receipt.file.storage

    def remove() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def _delete_names(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


class _KeptOnCommit:
    """Files written inside a transaction that must not outlive it if it rolls back.

    Django has no rollback hook, but it keeps on-commit callbacks in one list per connection and drops
    them, uncalled, when their transaction or savepoint rolls back. An instance is registered with
    `transaction.on_commit` and referenced by nothing else: on commit Django calls it and the files
    are kept; on a rollback (of this action, of a caller's atomic block around it, or of the
    connection) Django drops it and its finalizer deletes the files at once (CPython frees it when
    the last reference goes). The finalizer also runs at interpreter exit, when an unfinished
    transaction never committed. `names` is the caller's list, filled as the files are written."""

    def __init__(self, storage: Storage, names: list[str]) -> None:
        self._finalizer = weakref.finalize(self, _delete_names, storage, names)

    def __call__(self) -> None:
        self._finalizer.detach()


@transaction.atomic
def receipt_add(*, viewer: Viewer, line: ExpenseLine, data: bytes, filename: str = "") -> Receipt:
    """Attach a receipt: its type is decided by its bytes (rules.check_receipt); images and PDFs (their first
    page) get a thumbnail."""
    _check_owner(viewer, line.claim)
    claim = _locked_claim(line.claim)
    _check_editable(claim)
    checked = rules.check_receipt(data)
    if line.receipts.count() >= 10:
        raise Conflict("A line holds at most 10 receipts.")
    stem = f"{claim.organisation_id}/{uuid.uuid4().hex}"
    receipt = Receipt(
        organisation_id=claim.organisation_id,
        line=line,
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=clean_text(filename or "", field="filename", max_length=200)[:200],
        uploaded_by_id=viewer.user_id,
    )
    small = rules.thumbnail(data, checked.content_type)
    # The files written from here on stay only if this transaction (and any a caller wraps around it)
    # commits: the guard is registered before the first byte is stored.
    stored: list[str] = []
    transaction.on_commit(_KeptOnCommit(receipt.file.storage, stored))
    receipt.file.save(f"{stem}.{checked.extension}", ContentFile(data), save=False)
    stored.append(str(receipt.file.name))
    if small is not None:
        receipt.thumbnail.save(f"{stem}.jpg", ContentFile(small), save=False)
        stored.append(str(receipt.thumbnail.name))
    receipt.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="receipt.create",
        obj=receipt,
        after=audit.snapshot(receipt, ["line", "content_type", "size", "sha256", "original_name"]),
    )
    return receipt


@transaction.atomic
def receipt_delete(*, viewer: Viewer, receipt: Receipt) -> None:
    _check_owner(viewer, receipt.line.claim)
    claim = _locked_claim(receipt.line.claim)
    _check_editable(claim)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="receipt.delete",
        obj=receipt,
        before=audit.snapshot(receipt, ["line", "content_type", "size", "sha256", "original_name"]),
    )
    _delete_files(receipt)
    receipt.delete()


# --- workflow -------------------------------------------------------------------------------------


def _decide(viewer: Viewer, claim: ExpenseClaim) -> None:
    """Finance decides any claim, a manager a claim whose every line is on a project they manage;
    nobody decides their own claim except an administrator."""
    _check_claim_scope(viewer, claim)
    if claim.person_id == viewer.person_id and not viewer.is_admin:
        raise Forbidden("You cannot approve or reject your own claim.")
    if viewer.is_finance:
        return
    managers = set(claim.lines.values_list("project__manager_id", flat=True))
    if viewer.person_id is None or managers != {viewer.person_id}:
        raise Forbidden("Only finance, or the manager of every project on the claim, may decide it.")


def _transition(viewer: Viewer, claim: ExpenseClaim, *, action: str, status: str, **fields: Any) -> ExpenseClaim:
    before = audit.snapshot(claim, CLAIM_FIELDS)
    claim.status = status
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.save()
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=claim,
        before=before,
        after=audit.snapshot(claim, CLAIM_FIELDS),
    )
    return claim


@transaction.atomic
def claim_submit(*, viewer: Viewer, claim: ExpenseClaim) -> ExpenseClaim:
    _check_owner(viewer, claim)
    claim = _locked_claim(claim)
    if claim.status not in EDITABLE:
        raise Conflict(f"This claim is {claim.get_status_display().lower()} already.")
    if not claim.lines.exists():
        raise Invalid("Add at least one expense before submitting the claim.")
    missing = claim.lines.filter(kind=ExpenseKind.RECEIPT, receipts__isnull=True).count()
    if missing and settings.MARGIN.get("EXPENSE_RECEIPT_REQUIRED", False):
        raise Invalid(f"{missing} expense(s) have no receipt.")
    check_period_open(claim)
    return _transition(
        viewer, claim, action="expense_claim.submit", status=ClaimStatus.SUBMITTED, submitted_at=timezone.now()
    )


@transaction.atomic
def claim_approve(*, viewer: Viewer, claim: ExpenseClaim) -> ExpenseClaim:
    _check_claim_scope(viewer, claim)
    claim = _locked_claim(claim)
    _decide(viewer, claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise Conflict(f"Only a submitted claim can be approved; this one is {claim.get_status_display().lower()}.")
    check_period_open(claim)
    return _transition(
        viewer,
        claim,
        action="expense_claim.approve",
        status=ClaimStatus.APPROVED,
        decided_at=timezone.now(),
        decided_by_id=viewer.user_id,
        rejection_reason="",
    )


@transaction.atomic
def claim_reject(*, viewer: Viewer, claim: ExpenseClaim, reason: str) -> ExpenseClaim:
    _check_claim_scope(viewer, claim)
    claim = _locked_claim(claim)
    _decide(viewer, claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise Conflict(f"Only a submitted claim can be rejected; this one is {claim.get_status_display().lower()}.")
    check_period_open(claim)
    reason = clean_text(reason or "", field="reason", max_length=2000).strip()
    if not reason:
        raise Invalid("Say why the claim is rejected, so its owner can fix it.", field="reason")
    return _transition(
        viewer,
        claim,
        action="expense_claim.reject",
        status=ClaimStatus.REJECTED,
        decided_at=timezone.now(),
        decided_by_id=viewer.user_id,
        rejection_reason=reason,
    )


@transaction.atomic
def claim_reimburse(*, viewer: Viewer, claim: ExpenseClaim) -> ExpenseClaim:
    _check_claim_scope(viewer, claim)
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators may mark a claim reimbursed.")
    claim = _locked_claim(claim)
    # No check_period_open here, on purpose: reimbursing pays an approved claim today; it changes
    # nothing in the accounts of a closed period, so claims dated in one can still be paid.
    if claim.status != ClaimStatus.APPROVED:
        raise Conflict(f"Only an approved claim can be reimbursed; this one is {claim.get_status_display().lower()}.")
    return _transition(
        viewer,
        claim,
        action="expense_claim.reimburse",
        status=ClaimStatus.REIMBURSED,
        reimbursed_at=timezone.now(),
        reimbursed_by_id=viewer.user_id,
    )
