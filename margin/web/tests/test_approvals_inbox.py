"""The approvals inbox: filters, over capacity, per-entry decisions, bulk approve of the filtered
entries, the person's week in context, pages, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from margin.accounts.models import Person
from margin.contracts.actions import bill_rate_set
from margin.core.models import AuditEntry, Notification
from margin.projects import actions as projects
from margin.rates.actions import cost_rate_set
from margin.timesheets.actions import time_entries_submit, time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.web.views.approvals import GROUPS_PER_PAGE
from tests.firm import RATE_FROM, Firm

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "approvals"}


def _statuses() -> list[tuple[int, str, str]]:
    return list(TimeEntry.objects.order_by("id").values_list("id", "status", "rejection_reason"))


@pytest.fixture
def inbox(firm: Firm, last_monday: date) -> dict[str, Any]:
    """Tom, last week: 1:30 Design (Mon), 8:00 Build (Tue) on GLX-1 and 10:00 on GLX-2 (Wed), which the
    administrator manages. Lea, the week before: 0:30 Build. All submitted."""
    side = projects.project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=Person.objects.get(name="Ada Admin"),
        code="GLX-2",
        name="Secret side project",
    )
    projects.project_member_add(viewer=firm.admin, project=side, person=firm.member_person)
    side_task = projects.task_create(viewer=firm.admin, project=side, name="Hush")
    bill_rate_set(viewer=firm.admin, project=side, role=firm.consultant, valid_from=RATE_FROM, hourly_rate=Decimal(90))
    earlier = last_monday - timedelta(days=7)
    e = {
        "design": time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.design, work_date=last_monday, minutes=90
        ),
        "build": time_entry_create(
            viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday + timedelta(1), minutes=480
        ),
        "side": time_entry_create(
            viewer=firm.member, project=side, task=side_task, work_date=last_monday + timedelta(2), minutes=600
        ),
        "lea": time_entry_create(
            viewer=firm.member2, project=firm.project, task=firm.build, work_date=earlier, minutes=30
        ),
    }
    time_entries_submit(viewer=firm.member, monday=last_monday)
    time_entries_submit(viewer=firm.member2, monday=earlier)
    return {"entries": e, "side": side, "earlier": earlier}


def _groups(client: Client, **params: Any) -> list[tuple[str, date, int]]:
    response = client.get(reverse("web:approvals"), params)
    assert response.status_code == 200
    return [(g.person_name, g.monday, len(g.entries)) for g in response.context["groups"]]


def test_filters(sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any], last_monday: date) -> None:
    earlier = inbox["earlier"]
    maya = sign_in(firm.manager_user)
    assert _groups(maya) == [("Lea", earlier, 1), ("Tom", last_monday, 2)]  # not GLX-2: the admin approves it
    assert _groups(maya, person=firm.member2_person.pk) == [("Lea", earlier, 1)]
    assert _groups(maya, week=(last_monday + timedelta(3)).isoformat()) == [("Tom", last_monday, 2)]  # any day of it
    assert _groups(maya, project=firm.project.pk, person=firm.member_person.pk) == [("Tom", last_monday, 2)]
    assert _groups(maya, project=inbox["side"].pk) == []
    # Tom's week holds 19:30 over all projects; below 40 h, so not over capacity...
    assert _groups(maya, over=1) == []
    Person.objects.filter(pk=firm.member_person.pk).update(weekly_capacity_minutes=15 * 60)
    # ...until his capacity is 15 h: the week counts the GLX-2 time Maya cannot see.
    assert _groups(maya, over=1) == [("Tom", last_monday, 2)]
    html = maya.get(reverse("web:approvals"), {"over": 1}).content.decode()
    assert 'data-testid="over-capacity"' in html and "week 19:30 of 15:00" in html
    # Malformed filters are no filters (never a 500).
    assert len(_groups(maya, project="x", person="-3", week="2026-02-31", page="zz")) == 2
    admin = sign_in(firm.admin_user)
    assert _groups(admin, project=inbox["side"].pk) == [("Tom", last_monday, 1)]
    choices = admin.get(reverse("web:approvals")).context["choices"]
    assert [c.label for c in choices["projects"]] == ["GLX-1 Globex portal", "GLX-2 Secret side project"]
    assert [c.label for c in choices["people"]] == ["Lea", "Tom"]
    assert [c.value for c in choices["weeks"]] == [last_monday.isoformat(), earlier.isoformat()]


def test_htmx_filtering_returns_the_inbox_only(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any]
) -> None:
    response = sign_in(firm.manager_user).get(reverse("web:approvals"), {"person": firm.member_person.pk}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="approvals">') and "<!doctype" not in html
    assert f'<input type="hidden" name="person" value="{firm.member_person.pk}">' in html


def test_the_week_in_context_hides_projects_the_approver_cannot_see(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any]
) -> None:
    response = sign_in(firm.manager_user).get(reverse("web:approvals"), {"person": firm.member_person.pk})
    (group,) = response.context["groups"]
    rows = [(r.label, r.sublabel, [c.minutes for c in r.cells], r.hidden) for r in group.context]
    assert rows == [
        ("GLX-1", "Globex portal · Build", [0, 480, 0, 0, 0, 0, 0], False),
        ("GLX-1", "Globex portal · Design", [90, 0, 0, 0, 0, 0, 0], False),
        ("Other projects", "not visible to you", [0, 0, 600, 0, 0, 0, 0], True),
    ]
    assert [c.decidable for c in group.context[0].cells][:2] == [False, True]
    assert group.context[2].cells[2].decidable is False
    assert group.day_totals[:3] == [90, 480, 600] and group.context_total == 1170
    html = response.content.decode()
    assert "Secret side project" not in html and "Hush" not in html
    assert "Tom's whole week, all projects: 19:30 of 40:00 h capacity" in html
    admin = sign_in(firm.admin_user).get(reverse("web:approvals"), {"person": firm.member_person.pk})
    (group,) = admin.context["groups"]
    assert [r.label for r in group.context] == ["GLX-1", "GLX-1", "GLX-2"]
    assert all(c.decidable for c in group.context[2].cells if c.minutes)


def test_approve_and_reject_one_entry(
    sign_in: Callable[[User], Client],
    firm: Firm,
    inbox: dict[str, Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    e = inbox["entries"]
    maya = sign_in(firm.manager_user)
    url_approve, url_reject = reverse("web:approvals_approve"), reverse("web:approvals_reject")
    # The row's button sends `one`; checked boxes of other rows are ignored.
    ok = maya.post(url_approve, {"one": e["design"].pk, "entry": [e["build"].pk, e["lea"].pk]}, **HTMX)
    assert ok.status_code == 200 and "Approved 1 entry." in ok.content.decode()
    assert TimeEntry.objects.get(pk=e["design"].pk).status == EntryStatus.APPROVED
    assert TimeEntry.objects.get(pk=e["build"].pk).status == EntryStatus.SUBMITTED
    # A row's rejection needs that row's reason (the bulk reason field does not count).
    before, audit = _statuses(), AuditEntry.objects.count()
    bad = maya.post(url_reject, {"one": e["build"].pk, f"reason_{e['build'].pk}": " ", "reason": "bulk"}, **HTMX)
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "Give a reason" in html
    assert f'id="reject-{e["build"].pk}" class="approvals-rejectrow">' in html  # the row stays open
    assert _statuses() == before and AuditEntry.objects.count() == audit and Notification.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        done = maya.post(url_reject, {"one": e["build"].pk, f"reason_{e['build'].pk}": "Wrong task"}, **HTMX)
    assert done.status_code == 200 and "Rejected 1 entry." in done.content.decode()
    build = TimeEntry.objects.get(pk=e["build"].pk)
    assert (build.status, build.rejection_reason) == (EntryStatus.REJECTED, "Wrong task")
    note = Notification.objects.get(user=firm.member_user)
    assert note.text.endswith(": Wrong task") and note.kind == "time.rejected"


def test_bulk_approve_everything_the_filters_match(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any]
) -> None:
    e = inbox["entries"]
    admin = sign_in(firm.admin_user)
    response = admin.post(
        reverse("web:approvals_approve"), {"scope": "filtered", "person": firm.member_person.pk}, **HTMX
    )
    assert response.status_code == 200 and "Approved 3 entries." in response.content.decode()
    assert TimeEntry.objects.get(pk=e["lea"].pk).status == EntryStatus.SUBMITTED
    # The filters stay: Tom has nothing left, so the empty state names the filters.
    assert "Nothing matches these filters" in response.content.decode()
    again = admin.post(reverse("web:approvals_approve"), {"scope": "filtered", "person": firm.member_person.pk}, **HTMX)
    assert again.status_code == 422 and "Nothing that matches these filters" in again.content.decode()
    # Over capacity only: nobody is over, so nothing is approved.
    before = _statuses()
    none = admin.post(reverse("web:approvals_approve"), {"scope": "filtered", "over": "1"}, **HTMX)
    assert none.status_code == 422 and _statuses() == before


def test_a_manager_bulk_approves_only_their_projects(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any]
) -> None:
    e = inbox["entries"]
    response = sign_in(firm.manager_user).post(reverse("web:approvals_approve"), {"scope": "filtered"}, **HTMX)
    assert "Approved 3 entries." in response.content.decode()
    assert TimeEntry.objects.get(pk=e["side"].pk).status == EntryStatus.SUBMITTED  # GLX-2 is the admin's


def _many(firm: Firm, people: int, weeks: int, start: date) -> None:
    """`people` new members of firm.project, each with `weeks` submitted weeks (two entries each)."""
    from margin.accounts import actions as accounts
    from margin.accounts.queries import viewer_for

    for i in range(people):
        user = User.objects.create_user(username=f"p{Person.objects.count()}-{i}", password="x")
        person = accounts.person_create(
            viewer=firm.admin,
            company=firm.usd,
            role=firm.consultant,
            name=f"Person {Person.objects.count():03d}",
            email=f"{user.username}@example.test",
            user=user,
            access_role="member",
        )
        projects.project_member_add(viewer=firm.admin, project=firm.project, person=person)
        cost_rate_set(viewer=firm.admin, person=person, valid_from=RATE_FROM, hourly_cost=Decimal(30))
        viewer = viewer_for(user)
        for w in range(weeks):
            monday = start - timedelta(days=7 * w)
            for task, day in ((firm.design, 0), (firm.build, 1)):
                time_entry_create(
                    viewer=viewer, project=firm.project, task=task, work_date=monday + timedelta(day), minutes=60
                )
            time_entries_submit(viewer=viewer, monday=monday)


def _count(client: Client, **params: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:approvals"), params)
    assert response.status_code == 200
    return len(queries)


def test_pages_and_a_fixed_number_of_queries(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any], last_monday: date
) -> None:
    maya = sign_in(firm.manager_user)
    _many(firm, 2, 2, last_monday)
    small = _count(maya)
    _many(firm, 6, 4, last_monday)  # 24 more person-weeks (30 in all): three pages of 10
    Person.objects.filter(name__startswith="Person").update(weekly_capacity_minutes=60)
    assert _count(maya) <= small
    assert _count(maya, page=2) <= small
    assert _count(maya, over=1) <= small
    response = maya.get(reverse("web:approvals"))
    assert len(response.context["groups"]) == GROUPS_PER_PAGE == 10
    assert response.context["page_obj"].paginator.num_pages == 3
    assert response.context["pending_count"] == 3 + 2 * 2 * 2 + 6 * 4 * 2
    third = maya.get(reverse("web:approvals"), {"page": 3, "over": 1})
    assert len(third.context["groups"]) == 28 - 20  # every Person-week (2×2 + 6×4) is over its 1 h capacity
    assert 'data-testid="next-page"' in response.content.decode()
    assert maya.get(reverse("web:approvals"), {"page": 99}).context["page_obj"].number == 3


def test_bulk_approve_of_many_filtered_entries(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any], last_monday: date
) -> None:
    _many(firm, 5, 3, last_monday)
    maya = sign_in(firm.manager_user)
    with CaptureQueriesContext(connection) as queries:
        response = maya.post(reverse("web:approvals_approve"), {"scope": "filtered"}, **HTMX)
    assert "Approved 33 entries." in response.content.decode()
    assert len(queries) < 60  # set-based: not one query per entry
    assert not TimeEntry.objects.filter(project=firm.project, status=EntryStatus.SUBMITTED).exists()


def test_rejected_time_shows_in_context_but_does_not_count(
    sign_in: Callable[[User], Client], firm: Firm, inbox: dict[str, Any]
) -> None:
    from margin.timesheets.actions import time_entries_reject

    time_entries_reject(viewer=firm.manager, entry_ids=[inbox["entries"]["design"].pk], reason="No")
    response = sign_in(firm.manager_user).get(reverse("web:approvals"), {"person": firm.member_person.pk})
    (group,) = response.context["groups"]
    design = next(r for r in group.context if r.sublabel.endswith("Design"))
    assert (design.cells[0].minutes, design.cells[0].status, design.total) == (90, EntryStatus.REJECTED, 0)
    assert group.context_total == group.week_minutes == 480 + 600
