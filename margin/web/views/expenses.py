"""Expenses: my claims (list, new claim), a claim's page (lines, add a line, receipts with thumbnails,
submit; approve, reject or reimburse for those who may), the approvals list, and receipt files served
only with their checked type (margin.expenses.serving)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer, companies_visible, company_get
from margin.core.errors import DomainError, Forbidden, Invalid, NotFound
from margin.core.money import CurrencyError, Money
from margin.expenses import actions
from margin.expenses.models import ClaimStatus, ExpenseClaim, ExpenseKind, MileageRate, PerDiemRate
from margin.expenses.queries import (
    categories_visible,
    claim_get,
    claims_to_approve,
    claims_visible,
    line_get,
    lines_of,
    receipt_get,
)
from margin.expenses.rules import MAX_RECEIPT_BYTES
from margin.expenses.serving import receipt_response
from margin.projects.queries import project_get, projects_listed
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.REJECTED)


class ClaimForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))


class LineForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    category = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    merchant = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    amount = forms.CharField(
        max_length=30, required=False, widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"})
    )
    currency = forms.CharField(max_length=8, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    distance = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.1"}),
    )
    distance_unit = forms.ChoiceField(
        choices=[("km", "km"), ("mi", "mi")], required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    days = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
    )
    country = forms.CharField(max_length=2, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    project = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    billable = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    markup_percent = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=1000,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
    )
    notes = forms.CharField(max_length=2000, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = list(categories_visible(viewer).filter(active=True))
        self.kinds = {c.pk: c.kind for c in categories}
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]  # type: ignore[attr-defined]
        projects = projects_listed(viewer).exclude(status="closed").order_by("code")
        self.fields["project"].choices = [("", "— no project —")] + [  # type: ignore[attr-defined]
            (p.pk, f"{p.code} {p.name}") for p in projects
        ]


class ReceiptForm(forms.Form):
    file = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control form-control-sm",
                "accept": "image/jpeg,image/png,image/webp,image/heic,application/pdf",
            }
        )
    )


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"class": "form-control"}))


def _may_decide(viewer: Viewer, claim: ExpenseClaim) -> bool:
    return claim.status == ClaimStatus.SUBMITTED and claims_to_approve(viewer).filter(pk=claim.pk).exists()


# --- my claims ------------------------------------------------------------------------------------


@viewer_view
def claim_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = actions.claim_create(viewer=viewer, title=form.cleaned_data["title"])
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            form.add_error("title", error.message)
        else:
            return redirect("web:expense_claim", claim_id=claim.pk)
    claims = claims_visible(viewer).order_by("-created_at", "-id")
    mine = claims.filter(person_id=viewer.person_id) if viewer.person_id is not None else claims.none()
    context = {
        "claims": mine[:200],
        "form": form,
        "to_approve": claims_to_approve(viewer).count(),
    }
    return page(
        request, viewer, "web/expenses/list.html", context, active="expenses", status=422 if form.errors else 200
    )


def _claim_context(viewer: Viewer, claim: ExpenseClaim, **extra: Any) -> dict[str, Any]:
    mine = claim.person_id == viewer.person_id or viewer.is_admin
    return {
        "claim": claim,
        "lines": list(lines_of(claim).select_related("billing")),
        "editable": mine and claim.status in EDITABLE,
        "may_decide": _may_decide(viewer, claim),
        "may_reimburse": viewer.is_finance and claim.status == ClaimStatus.APPROVED,
        "mine": mine,
        "line_form": extra.pop("line_form", None) or LineForm(viewer=viewer, initial={"currency": claim.currency}),
        "reject_form": extra.pop("reject_form", None) or RejectForm(),
        "receipt_form": ReceiptForm(),
        "max_mb": MAX_RECEIPT_BYTES // (1024 * 1024),
        **extra,
    }


@viewer_view
def claim_detail(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    claim = claim_get(viewer, claim_id)
    return page(request, viewer, "web/expenses/claim.html", _claim_context(viewer, claim), active="expenses")


def _amount_minor(text: str, currency: str, claim: ExpenseClaim) -> int:
    try:
        return Money(Decimal(text.strip().replace(",", "")), (currency or claim.currency).upper()).to_minor()
    except CurrencyError as error:  # a ValueError: caught first
        raise Invalid(str(error), field="currency") from None
    except (InvalidOperation, ValueError):
        raise Invalid(f"{text!r} is not an amount.", field="amount") from None


@require_POST
@viewer_view
def line_add(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    claim = claim_get(viewer, claim_id)
    form = LineForm(request.POST, viewer=viewer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            kind = form.kinds.get(data["category"], ExpenseKind.RECEIPT)
            amount = None
            if kind == ExpenseKind.RECEIPT:
                if not data["amount"]:
                    raise Invalid("Enter the amount.", field="amount")
                amount = _amount_minor(data["amount"], data["currency"], claim)
            project = project_get(viewer, data["project"]) if data["project"] else None
            actions.line_add(
                viewer=viewer,
                claim=claim,
                date=data["date"],
                category=categories_visible(viewer).get(pk=data["category"]),
                amount_minor=amount,
                currency=data["currency"],
                merchant=data["merchant"],
                distance=data["distance"],
                distance_unit=data["distance_unit"],
                days=data["days"],
                country=data["country"],
                project=project,
                billable=data["billable"] if project is not None else False,
                markup_percent=data["markup_percent"] or Decimal(0),
                notes=data["notes"],
            )
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            field = {"amount_minor": "amount"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, "Expense added.")
            return redirect("web:expense_claim", claim_id=claim.pk)
    context = _claim_context(viewer, claim, line_form=form, open_line_form=True)
    return page(request, viewer, "web/expenses/claim.html", context, active="expenses", status=422)


@require_POST
@viewer_view
def line_delete(request: HtmxRequest, viewer: Viewer, line_id: int) -> HttpResponse:
    line = line_get(viewer, line_id)
    try:
        actions.line_delete(viewer=viewer, line=line)
    except DomainError as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        messages.error(request, error.message)  # a submitted claim, a closed period
    else:
        messages.success(request, "Expense removed.")
    return redirect("web:expense_claim", claim_id=line.claim_id)


@require_POST
@viewer_view
def receipt_upload(request: HtmxRequest, viewer: Viewer, line_id: int) -> HttpResponse:
    line = line_get(viewer, line_id)
    form = ReceiptForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
        return redirect("web:expense_claim", claim_id=line.claim_id)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_RECEIPT_BYTES:
            raise Invalid(f"The receipt is larger than {MAX_RECEIPT_BYTES // (1024 * 1024)} MB.", field="file")
        actions.receipt_add(viewer=viewer, line=line, data=upload.read(MAX_RECEIPT_BYTES + 1), filename=upload.name)
    except DomainError as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, "Receipt attached.")
    return redirect("web:expense_claim", claim_id=line.claim_id)


@require_POST
@viewer_view
def receipt_delete(request: HtmxRequest, viewer: Viewer, receipt_id: int) -> HttpResponse:
    receipt = receipt_get(viewer, receipt_id)
    claim_id = receipt.line.claim_id
    actions.receipt_delete(viewer=viewer, receipt=receipt)
    return redirect("web:expense_claim", claim_id=claim_id)


@viewer_view
def receipt_file(request: HtmxRequest, viewer: Viewer, receipt_id: int) -> HttpResponse:
    return receipt_response(receipt_get(viewer, receipt_id))


@viewer_view
def receipt_thumbnail(request: HtmxRequest, viewer: Viewer, receipt_id: int) -> HttpResponse:
    receipt = receipt_get(viewer, receipt_id)
    if not receipt.thumbnail:
        raise NotFound("This receipt has no thumbnail.")
    return receipt_response(receipt, thumbnail=True)


# --- workflow -------------------------------------------------------------------------------------


def _claim_step(request: HtmxRequest, viewer: Viewer, claim_id: int, step: str) -> HttpResponse:
    claim = claim_get(viewer, claim_id)
    done = {
        "submit": (actions.claim_submit, "Claim submitted for approval."),
        "approve": (actions.claim_approve, "Claim approved."),
        "reimburse": (actions.claim_reimburse, "Claim marked as reimbursed."),
    }[step]
    try:
        done[0](viewer=viewer, claim=claim)
    except DomainError as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done[1])
    return redirect("web:expense_claim", claim_id=claim.pk)


@require_POST
@viewer_view
def claim_submit(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    return _claim_step(request, viewer, claim_id, "submit")


@require_POST
@viewer_view
def claim_approve(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    return _claim_step(request, viewer, claim_id, "approve")


@require_POST
@viewer_view
def claim_reimburse(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    return _claim_step(request, viewer, claim_id, "reimburse")


@require_POST
@viewer_view
def claim_reject(request: HtmxRequest, viewer: Viewer, claim_id: int) -> HttpResponse:
    claim = claim_get(viewer, claim_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            actions.claim_reject(viewer=viewer, claim=claim, reason=form.cleaned_data["reason"])
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            form.add_error("reason", error.message)
        else:
            messages.success(request, "Claim rejected; its owner sees your reason.")
            return redirect("web:expense_claim", claim_id=claim.pk)
    context = _claim_context(viewer, claim, reject_form=form)
    return page(request, viewer, "web/expenses/claim.html", context, active="expenses", status=422)


@viewer_view
def approvals(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    claims = claims_to_approve(viewer).select_related("company").order_by("submitted_at", "id")
    return page(request, viewer, "web/expenses/approvals.html", {"claims": claims[:500]}, active="expenses")


# --- settings (finance): categories, mileage and per-diem rates -------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(choices=ExpenseKind.choices, widget=forms.Select(attrs={"class": "form-select"}))
    billable_default = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )


class CompanyRateForm(forms.Form):
    company = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    valid_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    rate = forms.DecimalField(
        min_value=0,
        max_digits=14,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
    )
    unit = forms.ChoiceField(
        choices=[("km", "per km"), ("mi", "per mile")],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    country = forms.CharField(max_length=2, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args: Any, viewer: Viewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [(c.pk, c.name) for c in companies_visible(viewer)]  # type: ignore[attr-defined]


@viewer_view
def expense_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if not viewer.is_finance:
        raise Forbidden("Only finance and administrators manage expense settings.")
    category_form = CategoryForm(request.POST if request.POST.get("form") == "category" else None)
    rate_form = CompanyRateForm(
        request.POST if request.POST.get("form") in ("mileage", "per_diem") else None, viewer=viewer
    )
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "category" and category_form.is_valid():
                data = category_form.cleaned_data
                actions.category_create(
                    viewer=viewer, name=data["name"], kind=data["kind"], billable_default=data["billable_default"]
                )
                messages.success(request, f"Category {data['name']} added.")
                return redirect("web:expense_settings")
            if request.POST.get("form") in ("mileage", "per_diem") and rate_form.is_valid():
                data = rate_form.cleaned_data
                company = company_get(viewer, data["company"])
                if request.POST["form"] == "mileage":
                    actions.mileage_rate_set(
                        viewer=viewer,
                        company=company,
                        valid_from=data["valid_from"],
                        rate=data["rate"],
                        unit=data["unit"] or "km",
                    )
                else:
                    actions.per_diem_rate_set(
                        viewer=viewer,
                        company=company,
                        country=data["country"],
                        valid_from=data["valid_from"],
                        rate=data["rate"],
                    )
                messages.success(request, "Rate saved.")
                return redirect("web:expense_settings")
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            target = category_form if request.POST.get("form") == "category" else rate_form
            target.add_error(error.field if error.field in target.fields else None, error.message)
        status = 422
    context = {
        "categories": categories_visible(viewer),
        "mileage_rates": MileageRate.objects.filter(company_id__in=viewer.company_ids).select_related("company"),
        "per_diem_rates": PerDiemRate.objects.filter(company_id__in=viewer.company_ids).select_related("company"),
        "category_form": category_form,
        "rate_form": rate_form,
        "posted": request.POST.get("form", ""),
    }
    return page(request, viewer, "web/expenses/settings.html", context, active="expenses", status=status)
