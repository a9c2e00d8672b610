"""Approvals: submitted time of the projects the viewer manages, by person and week; approve or
reject the chosen entries (a rejection needs a reason)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError
from margin.core.periods import week_start
from margin.timesheets.actions import time_entries_approve, time_entries_reject
from margin.timesheets.models import TimeEntry
from margin.timesheets.queries import approvals_pending
from margin.web.access import HtmxRequest, require_approver, viewer_view
from margin.web.forms import DecisionForm
from margin.web.pages import page


@dataclass
class Group:
    """One person's submitted entries of one week."""

    person_name: str
    monday: date
    entries: list[TimeEntry] = field(default_factory=list)
    # Entries this viewer may decide (a manager's own time is approved by an administrator).
    selectable: int = 0

    @property
    def key(self) -> str:
        return f"{self.entries[0].person_id}-{self.monday:%Y%m%d}"

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes for e in self.entries)

    @property
    def billable_minutes(self) -> int:
        return sum(e.minutes for e in self.entries if e.billable)


def _own_person_id(viewer: Viewer) -> int | None:
    return None if viewer.is_admin else viewer.person_id


def pending_groups(viewer: Viewer) -> list[Group]:
    groups: dict[tuple[int, date], Group] = {}
    own = _own_person_id(viewer)
    for entry in approvals_pending(viewer):
        monday = week_start(entry.work_date)
        key = (entry.person_id, monday)
        if key not in groups:
            groups[key] = Group(entry.person.name, monday)
        groups[key].entries.append(entry)
        groups[key].selectable += int(own is None or entry.person_id != own)
    return sorted(groups.values(), key=lambda g: (g.monday, g.person_name))


def _context(viewer: Viewer, **extra: Any) -> dict[str, Any]:
    groups = pending_groups(viewer)
    return {
        "groups": groups,
        "pending_count": sum(len(g.entries) for g in groups),
        "own_person_id": _own_person_id(viewer),
        **extra,
    }


@viewer_view
def approvals(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    require_approver(viewer)
    return page(request, viewer, "web/approvals/approvals.html", _context(viewer), active="approvals")


def _decide(
    request: HtmxRequest,
    viewer: Viewer,
    *,
    reject: bool,
    act: Callable[[Sequence[int], str], int],
    verb: str,
) -> HttpResponse:
    require_approver(viewer)
    pending_ids = list(approvals_pending(viewer).values_list("id", flat=True))
    form = DecisionForm(request.POST, entry_ids=pending_ids, reason_required=reject)
    status = 422
    notice = ""
    if form.is_valid():
        try:
            count = act(form.cleaned_data["entry"], form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            notice = f"{verb} {count} {'entry' if count == 1 else 'entries'}."
            status = 200
    context = _context(
        viewer,
        form=form if status != 200 else None,
        notice=notice,
        selected=set(request.POST.getlist("entry")) if status != 200 else set(),
        reason=request.POST.get("reason", "") if status != 200 else "",
    )
    if request.htmx:
        return render(request, "web/approvals/approvals.html#pending", context, status=status)
    return page(request, viewer, "web/approvals/approvals.html", context, active="approvals", status=status)


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
