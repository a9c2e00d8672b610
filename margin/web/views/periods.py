"""Finance → Period close: see the close checklist of a company and date (what is left to do, what blocks),
close the company's books up to a lock date for everyone at once, reopen a close (explicitly, with a
reason), and see what changed in a period after it was closed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from margin.accounts.models import Company
from margin.accounts.queries import Viewer, companies_visible, company_get
from margin.closing.actions import period_close, period_reopen
from margin.closing.models import PeriodLock
from margin.closing.queries import changes_since_close, close_checklist, period_lock_get, period_locks_visible
from margin.closing.rules import ChecklistItem
from margin.core.errors import DomainError, Forbidden, NotFound
from margin.core.money import Money
from margin.core.periods import format_minutes
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.web.access import HtmxRequest, require_finance, viewer_view
from margin.web.pages import page

HISTORY_SHOWN = 50
CHANGES_SHOWN = 200


class CloseForm(forms.Form):
    company = forms.TypedChoiceField(coerce=int, widget=forms.Select(attrs={"class": "form-select"}))
    through = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    note = forms.CharField(required=False, max_length=1000, widget=forms.TextInput(attrs={"class": "form-control"}))
    override_reason = forms.CharField(
        required=False, max_length=1000, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["company"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = companies


class ReopenForm(forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"class": "form-control"}))


def _last_month_end(today: date) -> date:
    return today.replace(day=1) - timedelta(days=1)


def _checklist_rows(items: list[ChecklistItem]) -> list[dict[str, Any]]:
    """The checklist as the screen shows it: each item with its amounts written out and its link."""
    rows = []
    for item in items:
        try:
            link = reverse(item.target)
        except NoReverseMatch:
            link = ""
        amounts = ", ".join(str(Money.from_minor(amount, currency)) for currency, amount in item.amounts)
        rows.append({"item": item, "amounts": amounts, "link": link})
    return rows


def _checklist_context(company: Company | None, through: date | None) -> dict[str, Any]:
    if company is None or through is None:
        return {"checklist": None}
    items = close_checklist(company, through)
    return {
        "checklist": _checklist_rows(items),
        "checklist_company": company,
        "checklist_through": through,
        "checklist_blocked": any(item.blocks for item in items),
    }


def _context(viewer: Viewer, form: CloseForm | None = None, shown: PeriodLock | None = None) -> dict[str, Any]:
    today = timezone.localdate()
    proposed = _last_month_end(today)
    companies = list(companies_visible(viewer))
    locks = {c.pk: c.locked_through for c in companies}
    rows = []
    for company in companies:
        through = locks.get(company.pk)
        # Time not yet approved up to the proposed date: closing freezes it as it is.
        open_entries = TimeEntry.objects.filter(
            company_id=company.pk,
            work_date__lte=proposed,
            status__in=[EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.REJECTED],
        )
        if through is not None:
            open_entries = open_entries.filter(work_date__gt=through)
        rows.append({"company": company, "through": through, "unapproved": open_entries.count()})
    history = list(period_locks_visible(viewer).order_by("-closed_at", "-id")[:HISTORY_SHOWN])
    latest = {}  # the standing close of each company that may be reopened (the latest one)
    for lock in history:
        if lock.reopened_at is None and locks.get(lock.company_id) == lock.through:
            latest[lock.pk] = True
    changes = []
    if shown is not None:
        for row in changes_since_close(shown)[:CHANGES_SHOWN]:
            picture = row.after or row.before or {}
            changes.append(
                {
                    "row": row,
                    "what": row.action.removeprefix("time_entry."),
                    "work_date": picture.get("work_date", ""),
                    "minutes": format_minutes(int(picture["minutes"])) if "minutes" in picture else "",
                    "detail": _describe(row.before, row.after),
                }
            )
    # The checklist shown: of the company and date of a close just refused, else of the first company.
    chosen, chosen_through = (companies[0] if companies else None), proposed
    if form is not None and form.is_bound:
        cleaned = getattr(form, "cleaned_data", {})
        chosen = next((c for c in companies if c.pk == cleaned.get("company")), chosen)
        chosen_through = cleaned.get("through", proposed)
    return {
        **_checklist_context(chosen, chosen_through),
        "rows": rows,
        "proposed": proposed,
        "history": history,
        "reopenable": latest,
        "form": form or CloseForm(companies=[(c.pk, c.name) for c in companies], initial={"through": proposed}),
        "reopen_form": ReopenForm(),
        "shown": shown,
        "changes": changes,
    }


def _describe(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What changed, as `minutes 60 → 90, status approved → submitted`."""
    if not before or not after:
        return ""
    parts = []
    for key, new in after.items():
        old = before.get(key)
        if key in before and old != new:
            parts.append(f"{key.replace('_', ' ')} {old} → {new}")
    return ", ".join(parts)


@viewer_view
def periods(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    shown = None
    lock_id = request.GET.get("lock", "")
    if lock_id.isdigit() and len(lock_id) < 19:
        shown = period_lock_get(viewer, int(lock_id))
    return page(request, viewer, "web/periods/list.html", _context(viewer, shown=shown), active="periods")


@viewer_view
def period_checklist(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The checklist of the company and date chosen in the close form (an htmx partial)."""
    require_finance(viewer)
    form = CloseForm(request.GET, companies=[(c.pk, c.name) for c in companies_visible(viewer)])
    context: dict[str, Any] = {"checklist": None}
    if form.is_valid():
        context = _checklist_context(company_get(viewer, form.cleaned_data["company"]), form.cleaned_data["through"])
    return render(request, "web/periods/list.html#checklist", context)


@require_POST
@viewer_view
def period_close_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_finance(viewer)
    companies = [(c.pk, c.name) for c in companies_visible(viewer)]
    form = CloseForm(request.POST, companies=companies)
    if form.is_valid():
        try:
            lock = period_close(
                viewer=viewer,
                company=company_get(viewer, form.cleaned_data["company"]),
                through=form.cleaned_data["through"],
                note=form.cleaned_data["note"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except (Forbidden, NotFound):
            raise
        except DomainError as error:
            field = error.field if error.field in ("through", "override_reason") else None
            form.add_error(field, error.message)
        else:
            messages.success(request, f"{lock.company.name} is closed up to {lock.through:%d %b %Y}.")
            return redirect("web:periods")
    return page(request, viewer, "web/periods/list.html", _context(viewer, form), active="periods", status=422)


@require_POST
@viewer_view
def period_reopen_view(request: HtmxRequest, viewer: Viewer, lock_id: int) -> HttpResponse:
    require_finance(viewer)
    lock = period_lock_get(viewer, lock_id)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the period is reopened.")
        return redirect("web:periods")
    try:
        period_reopen(viewer=viewer, lock=lock, reason=form.cleaned_data["reason"])
    except (Forbidden, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:periods")
    messages.success(request, f"{lock.company.name} is open again after {lock.through:%d %b %Y}.")
    return redirect(f"{reverse('web:periods')}?lock={lock.pk}")
