"""The approvals inbox screen: filters read from the request, pages of person-weeks, per-entry approve or
reject (with a reason), bulk approve of the chosen entries or of everything the filters match.

The inbox itself (the groups, each person's week in context, the filters' choices) is a read model of
timesheets (`margin.timesheets.inbox`); who may decide what is the actions' business
(`timesheets.actions.time_entries_approve/reject`). This module translates the request and renders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError, Invalid
from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_approve, time_entries_reject
from margin.timesheets.inbox import (
    Group,
    InboxFilter,
    inbox_choices,
    inbox_entry_ids,
    inbox_fill,
    inbox_groups,
    own_person_id,
)
from margin.timesheets.queries import approvals_pending
from margin.web.access import HtmxRequest, require_approver, viewer_view
from margin.web.forms import DecisionForm
from margin.web.pages import page

GROUPS_PER_PAGE = 10  # person-weeks: up to ~250 entries a page, each with its own buttons
MAX_IDS = 50_000  # one bulk approval; far above a real inbox, keeps a request bounded


# --- filters -----------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _monday(value: str | None) -> date | None:
    try:
        return week_start(date.fromisoformat(value or ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters(InboxFilter):
    """The inbox's filters as the query string carries them, with the page asked for."""

    page: int = 1

    @classmethod
    def of(cls, data: QueryDict) -> Filters:
        """Read from a query string or a posted form; anything malformed is simply not a filter."""
        return cls(
            project_id=_int(data.get("project")),
            person_id=_int(data.get("person")),
            week=_monday(data.get("week")),
            over=data.get("over") in ("1", "on", "true"),
            page=_int(data.get("page")) or 1,
        )

    def params(self, **change: Any) -> dict[str, str]:
        values = {
            "project": self.project_id or "",
            "person": self.person_id or "",
            "week": self.week.isoformat() if self.week else "",
            "over": "1" if self.over else "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(change)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def query(self, **change: Any) -> str:
        return urlencode(self.params(**change))

    @property
    def base_query(self) -> str:
        """The filters without the page number (for page links)."""
        return self.query(page="")


# --- the inbox ---------------------------------------------------------------------------------------


def _context(viewer: Viewer, filters: Filters, **extra: Any) -> dict[str, Any]:
    groups = inbox_groups(viewer, filters)
    paginator = Paginator(groups, GROUPS_PER_PAGE)
    page_obj: Page[Group] = paginator.get_page(filters.page)
    shown = list(page_obj.object_list)
    inbox_fill(viewer, filters, shown)
    return {
        "groups": shown,
        "page_obj": page_obj,
        "filters": filters,
        "choices": inbox_choices(viewer),
        "pending_count": sum(g.count for g in groups),
        "group_count": len(groups),
        "over_count": sum(1 for g in groups if g.over_capacity),
        "own_person_id": own_person_id(viewer),
        "approve_url": reverse("web:approvals_approve"),
        "reject_url": reverse("web:approvals_reject"),
        **extra,
    }


@viewer_view
def approvals(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_approver(viewer)
    filters = Filters.of(request.GET)
    context = _context(viewer, filters)
    if request.htmx and request.htmx.target == "approvals":
        return render(request, "web/approvals/approvals.html#pending", context)
    return page(request, viewer, "web/approvals/approvals.html", context, active="approvals")


# --- decisions ---------------------------------------------------------------------------------------


def _posted_ids(values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        number = _int(value)
        ids.append(number if number is not None else -1)  # -1: never pending, so the form refuses it
    return ids


def _decide(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    reject: bool,
    act: Callable[[Sequence[int], str], int],
    verb: str,
) -> HttpResponse:
    require_approver(viewer)
    filters = Filters.of(request.POST)
    one = request.POST.get("one")
    data = request.POST.copy()
    if one is not None:  # the button of one row: only that entry, with that row's reason
        data.setlist("entry", [one])
        data["reason"] = request.POST.get(f"reason_{one}", "")
    form: DecisionForm | None = None
    problems: list[str] = []
    status, notice = 422, ""
    try:
        if one is None and request.POST.get("scope") == "filtered" and not reject:
            # Everything the filters match, across all pages: the ids come from the server itself.
            ids = inbox_entry_ids(viewer, filters, limit=MAX_IDS)
            if not ids:
                raise Invalid("Nothing that matches these filters is waiting for your approval.")
            count = act(ids, "")
        else:
            posted = [i for i in _posted_ids(data.getlist("entry"))[:MAX_IDS] if i > 0]
            pending_ids = list(approvals_pending(viewer).filter(id__in=posted).values_list("id", flat=True))
            form = DecisionForm(data, entry_ids=pending_ids, reason_required=reject)
            if not form.is_valid():
                raise _FormInvalid
            count = act(form.cleaned_data["entry"], form.cleaned_data["reason"])
    except _FormInvalid:
        pass
    except DomainError as error:
        problems.append(error.message)
        status = error.status
    else:
        notice = f"{verb} {count} {'entry' if count == 1 else 'entries'}."
        status = 200
    failed = status != 200
    context = _context(
        viewer,
        filters,
        form=form if failed else None,
        errors=[*_errors(form), *problems] if failed else [],
        notice=notice,
        selected=set(request.POST.getlist("entry")) if failed else set(),
        reason=request.POST.get("reason", "") if failed and one is None else "",
        open_reject=_int(one) if failed and reject and one is not None else None,
        row_reason=data.get("reason", "") if failed and one is not None else "",
    )
    if request.htmx:
        return render(request, "web/approvals/approvals.html#pending", context, status=status)
    return page(request, viewer, "web/approvals/approvals.html", context, active="approvals", status=status)


class _FormInvalid(Exception):
    pass


def _errors(form: DecisionForm | None) -> list[str]:
    """The messages to show above the inbox (a missing reason is shown at its input instead)."""
    if form is None:
        return []
    return [*form.non_field_errors(), *form.errors.get("entry", [])]


@require_POST
@viewer_view
def approve(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _decide(
        request,
        viewer,
        reject=False,
        act=lambda ids, _reason: time_entries_approve(viewer=viewer, entry_ids=ids),
        verb="Approved",
    )


@require_POST
@viewer_view
def reject(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    return _decide(
        request,
        viewer,
        reject=True,
        act=lambda ids, reason: time_entries_reject(viewer=viewer, entry_ids=ids, reason=reason),
        verb="Rejected",
    )
