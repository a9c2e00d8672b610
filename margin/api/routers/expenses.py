"""Expenses: categories and company rates, claims and their lines, receipts (multipart upload, served
only with their checked type), and the claim workflow submit → approve | reject → reimburse."""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import company_get, person_get
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.expenses import (
    CategoryIn,
    CategoryOut,
    ClaimDetailOut,
    ClaimIn,
    ClaimOut,
    ClaimPatch,
    ClaimRejectIn,
    CompanyRateOut,
    LineIn,
    LineOut,
    LinePatch,
    MileageRateIn,
    PerDiemRateIn,
    ReceiptOut,
)
from margin.api.security import viewer_of
from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseCategory, ExpenseClaim, ExpenseLine, MileageRate, PerDiemRate, Receipt
from margin.expenses.queries import (
    categories_visible,
    category_get,
    claim_get,
    claims_to_approve,
    claims_visible,
    line_get,
    receipt_get,
)
from margin.expenses.rules import MAX_RECEIPT_BYTES
from margin.expenses.serving import receipt_response
from margin.projects.queries import project_get, task_get

router = Router(tags=["expenses"])


# --- categories and rates -------------------------------------------------------------------------


@router.get("/categories", response=responses(list[CategoryOut]), summary="Expense categories")
def category_list(request: HttpRequest) -> QuerySet[ExpenseCategory]:
    return categories_visible(viewer_of(request))


@router.post("/categories", response=responses(CategoryOut, 201), summary="Add a category (finance)")
def category_add(request: HttpRequest, payload: CategoryIn) -> Status[ExpenseCategory]:
    category = actions.category_create(
        viewer=viewer_of(request), name=payload.name, kind=payload.kind, billable_default=payload.billable_default
    )
    return Status(201, category)


@router.post("/mileage-rates", response=responses(CompanyRateOut), summary="Set a company's mileage rate from a date")
def mileage_rate_put(request: HttpRequest, payload: MileageRateIn) -> MileageRate:
    viewer = viewer_of(request)
    return actions.mileage_rate_set(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        valid_from=payload.valid_from,
        rate=payload.rate,
        unit=payload.unit,
    )


@router.post(
    "/per-diem-rates", response=responses(CompanyRateOut), summary="Set a company's per-diem rate for a country"
)
def per_diem_rate_put(request: HttpRequest, payload: PerDiemRateIn) -> PerDiemRate:
    viewer = viewer_of(request)
    return actions.per_diem_rate_set(
        viewer=viewer,
        company=company_get(viewer, payload.company_id),
        country=payload.country,
        valid_from=payload.valid_from,
        rate=payload.rate,
    )


# --- claims ---------------------------------------------------------------------------------------


class ClaimFilter(Schema):
    status: Literal["draft", "submitted", "approved", "rejected", "reimbursed"] | None = None
    person_id: Id | None = None


@router.get("/claims", response=responses(list[ClaimOut]), summary="Claims you can see (newest first)")
@paginate(Pages)
def claim_list(request: HttpRequest, filters: Query[ClaimFilter]) -> QuerySet[ExpenseClaim]:
    claims = claims_visible(viewer_of(request))
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.person_id:
        claims = claims.filter(person_id=filters.person_id)
    return claims.order_by("-created_at", "-id")


@router.get("/claims/approvals", response=responses(list[ClaimOut]), summary="Submitted claims you may decide")
@paginate(Pages)
def claim_approvals(request: HttpRequest) -> QuerySet[ExpenseClaim]:
    return claims_to_approve(viewer_of(request)).order_by("submitted_at", "id")


@router.post("/claims", response=responses(ClaimDetailOut, 201), summary="Start a claim")
def claim_add(request: HttpRequest, payload: ClaimIn) -> Status[ExpenseClaim]:
    viewer = viewer_of(request)
    person = person_get(viewer, payload.person_id) if payload.person_id is not None else None
    claim = actions.claim_create(viewer=viewer, title=payload.title, person=person)
    return Status(201, claim)


@router.get("/claims/{int:claim_id}", response=responses(ClaimDetailOut), summary="A claim with its lines")
def claim_detail(request: HttpRequest, claim_id: Id) -> ExpenseClaim:
    return claim_get(viewer_of(request), claim_id)


@router.patch("/claims/{int:claim_id}", response=responses(ClaimDetailOut), summary="Rename a draft or rejected claim")
def claim_change(request: HttpRequest, claim_id: Id, payload: ClaimPatch) -> ExpenseClaim:
    viewer = viewer_of(request)
    claim = actions.claim_update(viewer=viewer, claim=claim_get(viewer, claim_id), title=payload.title)
    return claim


@router.delete("/claims/{int:claim_id}", response=responses(None, 204), summary="Delete a draft or rejected claim")
def claim_remove(request: HttpRequest, claim_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    actions.claim_delete(viewer=viewer, claim=claim_get(viewer, claim_id))
    return Status(204, None)


def _step(request: HttpRequest, claim_id: int, step: Any, **extra: Any) -> ExpenseClaim:
    viewer = viewer_of(request)
    claim: ExpenseClaim = step(viewer=viewer, claim=claim_get(viewer, claim_id), **extra)
    return claim


@router.post("/claims/{int:claim_id}/submit", response=responses(ClaimDetailOut), summary="Submit a claim for approval")
def claim_submit(request: HttpRequest, claim_id: Id) -> ExpenseClaim:
    return _step(request, claim_id, actions.claim_submit)


@router.post(
    "/claims/{int:claim_id}/approve",
    response=responses(ClaimDetailOut),
    summary="Approve a submitted claim (finance, or the manager of every project on it)",
)
def claim_approve(request: HttpRequest, claim_id: Id) -> ExpenseClaim:
    return _step(request, claim_id, actions.claim_approve)


@router.post(
    "/claims/{int:claim_id}/reject", response=responses(ClaimDetailOut), summary="Reject a claim, with a reason"
)
def claim_reject(request: HttpRequest, claim_id: Id, payload: ClaimRejectIn) -> ExpenseClaim:
    return _step(request, claim_id, actions.claim_reject, reason=payload.reason)


@router.post(
    "/claims/{int:claim_id}/reimburse",
    response=responses(ClaimDetailOut),
    summary="Mark an approved claim paid (finance)",
)
def claim_reimburse(request: HttpRequest, claim_id: Id) -> ExpenseClaim:
    return _step(request, claim_id, actions.claim_reimburse)


# --- lines ----------------------------------------------------------------------------------------


def _targets(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ids into objects through the access functions (404 for anything not visible)."""
    viewer = viewer_of(request)
    if "category_id" in data:
        data["category"] = category_get(viewer, data.pop("category_id"))
    if "project_id" in data:
        project_id = data.pop("project_id")
        data["project"] = project_get(viewer, project_id) if project_id is not None else None
    if "task_id" in data:
        task_id = data.pop("task_id")
        data["task"] = task_get(viewer, task_id) if task_id is not None else None
    return data


@router.post("/claims/{int:claim_id}/lines", response=responses(LineOut, 201), summary="Add an expense to a claim")
def line_add(request: HttpRequest, claim_id: Id, payload: LineIn) -> Status[ExpenseLine]:
    viewer = viewer_of(request)
    claim = claim_get(viewer, claim_id)
    data = _targets(request, payload.model_dump())
    data["currency"] = data.get("currency") or ""
    data["distance_unit"] = data.get("distance_unit") or ""
    line = actions.line_add(viewer=viewer, claim=claim, **data)
    return Status(201, line_get(viewer, line.pk))


@router.get("/lines/{int:line_id}", response=responses(LineOut), summary="An expense line")
def line_detail(request: HttpRequest, line_id: Id) -> ExpenseLine:
    return line_get(viewer_of(request), line_id)


@router.patch("/lines/{int:line_id}", response=responses(LineOut), summary="Change an expense (draft or rejected)")
def line_change(request: HttpRequest, line_id: Id, payload: LinePatch) -> ExpenseLine:
    viewer = viewer_of(request)
    line = line_get(viewer, line_id)
    changes = _targets(request, payload.model_dump(exclude_unset=True))
    for name in ("category", "date"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be empty.", field=name)
    actions.line_update(viewer=viewer, line=line, **changes)
    return line_get(viewer, line_id)


@router.delete("/lines/{int:line_id}", response=responses(None, 204), summary="Delete an expense (draft or rejected)")
def line_remove(request: HttpRequest, line_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    actions.line_delete(viewer=viewer, line=line_get(viewer, line_id))
    return Status(204, None)


# --- receipts -------------------------------------------------------------------------------------


@router.post(
    "/lines/{int:line_id}/receipts",
    response=responses(ReceiptOut, 201),
    summary="Upload a receipt (multipart `file`): JPEG, PNG, WebP, HEIC or PDF by content, at most 10 MB",
)
def receipt_upload(request: HttpRequest, line_id: Id, file: File[UploadedFile]) -> Status[Receipt]:
    viewer = viewer_of(request)
    line = line_get(viewer, line_id)
    if file.size is not None and file.size > MAX_RECEIPT_BYTES:
        raise Invalid(f"The receipt is larger than {MAX_RECEIPT_BYTES // (1024 * 1024)} MB.", field="file")
    data = file.read(MAX_RECEIPT_BYTES + 1)
    receipt = actions.receipt_add(viewer=viewer, line=line, data=data, filename=file.name or "")
    return Status(201, receipt)


@router.get(
    "/receipts/{int:receipt_id}/file",
    response=responses(None),
    summary="The receipt file, served with its checked type (images inline, PDF as attachment, nosniff, sandbox CSP)",
)
def receipt_file(request: HttpRequest, receipt_id: Id) -> HttpResponse:
    return receipt_response(receipt_get(viewer_of(request), receipt_id))


@router.get(
    "/receipts/{int:receipt_id}/thumbnail",
    response=responses(None),
    summary="A small JPEG of an image receipt or of a PDF receipt's first page",
)
def receipt_thumbnail(request: HttpRequest, receipt_id: Id) -> HttpResponse:
    receipt = receipt_get(viewer_of(request), receipt_id)
    if not receipt.thumbnail:
        raise Invalid("This receipt has no thumbnail (HEIC, or a PDF locked with a password).", field="receipt_id")
    return receipt_response(receipt, thumbnail=True)


@router.delete("/receipts/{int:receipt_id}", response=responses(None, 204), summary="Remove a receipt")
def receipt_remove(request: HttpRequest, receipt_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    actions.receipt_delete(viewer=viewer, receipt=receipt_get(viewer, receipt_id))
    return Status(204, None)
