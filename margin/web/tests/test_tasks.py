"""The Tasks tab (a WBS table edited inline with htmx) and the task page (links, assignments, time, history)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from margin.core.periods import week_start
from margin.projects.actions import dependency_create, project_reschedule, task_create
from margin.projects.models import Dependency, Task, TaskStatus
from margin.resourcing.actions import assignment_create, resource_pool_create
from margin.resourcing.models import Assignment
from margin.timesheets.actions import time_entry_create
from tests.checks import assigned, audit_rows, stored, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def _plan(firm: Firm) -> Task:
    """Design (with a subtask Wireframes) → Build FS+2d, scheduled."""
    wireframes = task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build, lag_minutes=2 * 480)
    project_reschedule(viewer=firm.manager, project=firm.project)
    return wireframes


def _cell(client: Client, task: Task, field: str, value: str) -> object:
    return client.post(reverse("web:task_cell", args=[task.pk]), {"field": field, "value": value}, **HTMX)


def test_tasks_tab_shows_the_wbs_table(sign_in: Callable[[User], Client], firm: Firm) -> None:
    wireframes = _plan(firm)
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=wireframes, work_date=monday, minutes=90)
    response = sign_in(firm.manager_user).get(reverse("web:project_tasks", args=[firm.project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("web:project_tasks", args=[firm.project.pk]) in html and 'aria-current="page">Tasks' in html
    # WBS order: Design (1, summary), Wireframes (1.1), Build (2); Build's predecessor is row 1 with a 2-day lag.
    positions = [html.index(f'id="task-row-{t.pk}"') for t in (firm.design, wireframes, firm.build)]
    assert positions == sorted(positions)
    assert ">1.1</td>" in html and "1FS+2d" in html
    assert 'class="tt-summary' in html
    assert f'id="c-{firm.design.pk}-duration"' not in html  # a summary's duration is not editable
    assert f'id="c-{wireframes.pk}-duration"' in html and f'id="c-{firm.design.pk}-name"' in html
    assert "1:30" in html  # the logged time, rolled up to Design too
    assert "web/tasks.js" in html


def test_edit_duration_reschedules_and_answers_the_table(sign_in: Callable[[User], Client], firm: Firm) -> None:
    wireframes = _plan(firm)
    build_start = Task.objects.get(pk=firm.build.pk).start
    client = sign_in(firm.manager_user)
    response = _cell(client, wireframes, "duration", "3d")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<tr id="task-row-{firm.build.pk}"' in html and "Saved." in html and "moved" in html  # the moved row
    assert Task.objects.get(pk=wireframes.pk).duration_minutes == 3 * 480
    build = Task.objects.get(pk=firm.build.pk)
    assert build_start is not None and build.start is not None and build.start > build_start
    assert build.start.astimezone(timezone.get_current_timezone()).date().isoformat() in html  # the moved row
    assert len(audit_rows("task.schedule", wireframes)) == 1
    assert f'<tr id="task-row-{firm.design.pk}"' in html  # the summary's finish moved too
    assert response["HX-Reswap"] == "none" and 'id="task-table"' not in html  # rows out of band, not the table
    html = _cell(client, firm.build, "name", "Build it").content.decode()
    assert f'<tr id="task-row-{firm.build.pk}"' in html and f'<tr id="task-row-{firm.design.pk}"' not in html


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Wireframes v2"), ("estimate", "7:30"), ("percent", "40%"), ("status", "in_progress")],
)
def test_edit_other_cells(sign_in: Callable[[User], Client], firm: Firm, field: str, value: str) -> None:
    wireframes = _plan(firm)
    assert _cell(sign_in(firm.manager_user), wireframes, field, value).status_code == 200
    task = Task.objects.get(pk=wireframes.pk)
    expected = {
        "name": ("name", "Wireframes v2"),
        "estimate": ("estimate_minutes", 450),
        "percent": ("percent_complete", 40),
        "status": ("status", TaskStatus.IN_PROGRESS),
    }[field]
    assert getattr(task, expected[0]) == expected[1]


def test_edit_start_and_assignee(sign_in: Callable[[User], Client], firm: Firm) -> None:
    _plan(firm)
    client = sign_in(firm.manager_user)
    assert _cell(client, firm.build, "start", "2031-03-03").status_code == 200
    build = Task.objects.get(pk=firm.build.pk)
    assert build.constraint == "SNET" and build.start is not None
    local_start = build.start.astimezone(timezone.get_current_timezone())
    assert (local_start.date().isoformat(), local_start.hour) == ("2031-03-03", 9)  # the day's first working hour
    assert _cell(client, firm.build, "assignee", "tom").status_code == 200  # a member's name, as the datalist offers
    assert assigned(firm.build) == [firm.member_person.name]  # an assignment (ADR 0011)
    assert _cell(client, firm.build, "assignee", str(firm.member2_person.pk)).status_code == 200
    assert assigned(firm.build) == [firm.member2_person.name]
    assert _cell(client, firm.build, "assignee", "").status_code == 200
    assert assigned(firm.build) == []


@pytest.mark.parametrize(
    ("target", "field", "value", "message"),
    [
        ("wireframes", "duration", "abc", "not a duration"),
        ("wireframes", "duration", "-2d", "not a duration"),
        ("wireframes", "percent", "150", "between 0 and 100"),
        ("wireframes", "percent", "lots", "whole number"),
        ("wireframes", "start", "31/31/2031", "not a date"),
        ("wireframes", "estimate", "many", "not a number of hours"),
        ("wireframes", "name", "   ", "required"),
        ("wireframes", "status", "lost", "Unknown status"),
        ("wireframes", "assignee", "999999", "No project member"),
        ("wireframes", "assignee", "Rita", "No project member"),
        ("design", "duration", "2d", "summary task"),
        ("wireframes", "parent", "1", "cannot be edited"),
        ("wireframes", "predecessors", "x3", "not a predecessor"),
        ("wireframes", "predecessors", "99", "no row 99"),
        ("wireframes", "predecessors", "3, 3SS", "given twice"),
        ("wireframes", "predecessors", "3FS+soon", "not a duration"),
        ("design", "predecessors", "3", "cycle"),
    ],
)
def test_bad_input_shows_the_error_and_changes_nothing(
    sign_in: Callable[[User], Client], firm: Firm, target: str, field: str, value: str, message: str
) -> None:
    wireframes = _plan(firm)
    task = wireframes if target == "wireframes" else firm.design
    counts, rows = table_counts(), stored(wireframes, firm.design, firm.build)
    response = _cell(sign_in(firm.manager_user), task, field, value)
    assert response.status_code in (400, 409, 422)
    html = response.content.decode()
    assert message in html and 'data-testid="cell-error"' in html and 'hx-swap-oob="true"' in html
    if target == "wireframes" and field in ("duration", "percent", "start", "estimate", "name"):
        assert f'id="c-{task.pk}-{field}"' in html and "is-invalid" in html
    assert table_counts() == counts and stored(wireframes, firm.design, firm.build) == rows


def test_edit_predecessors_as_text(sign_in: Callable[[User], Client], firm: Firm) -> None:
    wireframes = _plan(firm)  # rows: 1 Design, 2 Wireframes, 3 Build (after 1, FS + 2 days)
    client = sign_in(firm.manager_user)
    response = _cell(client, firm.build, "predecessors", "2ss, 1-1d")
    assert response.status_code == 200 and 'value="1FS-1d, 2SS"' in response.content.decode()
    links = {(d.predecessor_id, d.kind, d.lag_minutes) for d in Dependency.objects.filter(successor=firm.build)}
    assert links == {(wireframes.pk, "SS", 0), (firm.design.pk, "FS", -480)}
    assert _cell(client, firm.build, "predecessors", "2FS+50%").status_code == 200
    (link,) = Dependency.objects.filter(successor=firm.build)
    assert (link.predecessor_id, link.lag_percent) == (wireframes.pk, 50)
    assert _cell(client, firm.build, "predecessors", "").status_code == 200
    assert not Dependency.objects.filter(successor=firm.build).exists()


def test_member_sees_read_only_plan_and_cannot_edit_it(sign_in: Callable[[User], Client], firm: Firm) -> None:
    _plan(firm)
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:project_tasks", args=[firm.project.pk])).content.decode()
    assert f'id="c-{firm.build.pk}-name"' not in html and f'id="c-{firm.build.pk}-status"' in html
    counts, rows = table_counts(), stored(firm.build)
    response = _cell(client, firm.build, "duration", "9d")
    assert response.status_code == 403
    assert table_counts() == counts and stored(firm.build) == rows
    assert _cell(client, firm.build, "status", "review").status_code == 200  # members move their cards


def test_other_organisation_gets_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    rival = User.objects.get(pk=firm.other_admin.user_id)
    client = sign_in(rival)
    counts, rows = table_counts(), stored(firm.design)
    assert client.get(reverse("web:project_tasks", args=[firm.project.pk])).status_code == 404
    assert client.get(reverse("web:task", args=[firm.design.pk])).status_code == 404
    cell = reverse("web:task_cell", args=[firm.design.pk])
    assert client.post(cell, {"field": "name", "value": "x"}).status_code == 404
    assert client.post(reverse("web:task_delete", args=[firm.design.pk])).status_code == 404
    assert client.post(reverse("web:task_indent", args=[firm.build.pk])).status_code == 404
    assert table_counts() == counts and stored(firm.design) == rows


def test_indent_outdent_and_add_a_task(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    response = client.post(reverse("web:task_indent", args=[firm.build.pk]), **HTMX)
    assert response.status_code == 200 and Task.objects.get(pk=firm.build.pk).parent_id == firm.design.pk
    response = client.post(reverse("web:task_outdent", args=[firm.build.pk]), **HTMX)
    assert response.status_code == 200 and Task.objects.get(pk=firm.build.pk).parent_id is None
    response = client.post(reverse("web:task_outdent", args=[firm.build.pk]), **HTMX)
    assert response.status_code == 422 and "already at the top level" in response.content.decode()
    url = reverse("web:task_add", args=[firm.project.pk])
    response = client.post(url, {"name": "Test", "parent": str(firm.build.pk)}, **HTMX)
    assert response.status_code == 200
    added = Task.objects.get(name="Test")
    assert added.parent_id == firm.build.pk and added.start is not None  # scheduled at once
    assert f'id="task-row-{added.pk}"' in response.content.decode()
    counts = table_counts()
    response = client.post(url, {"name": "  ", "parent": ""}, **HTMX)
    assert response.status_code == 422 and "required" in response.content.decode() and table_counts() == counts
    response = client.post(url, {"name": "", "parent": ""})  # without JavaScript: the whole page, with the error
    assert (
        response.status_code == 422 and "required" in response.content.decode() and "<html" in response.content.decode()
    )
    assert table_counts() == counts


def _grow(firm: Firm, count: int) -> None:
    parent = None
    for n in range(count):
        task = task_create(viewer=firm.manager, project=firm.project, name=f"T{n}", parent=parent)
        parent = task if n % 5 == 0 else parent
        if n % 3 == 0:
            dependency_create(viewer=firm.manager, predecessor=firm.build, successor=task)
    Assignment.objects.bulk_create(
        (Assignment(task=t, person=firm.member_person) for t in Task.objects.filter(project=firm.project)),
        ignore_conflicts=True,
    )


def test_table_query_count_does_not_grow_with_tasks(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    url = reverse("web:project_tasks", args=[firm.project.pk])
    _grow(firm, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(firm, 40)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200 and response.content.decode().count('class="tt-input tt-short') > 80
    assert len(large.captured_queries) == len(small.captured_queries) <= 16


# --- the task page -----------------------------------------------------------------------------


def test_task_page_shows_links_assignments_time_and_history(sign_in: Callable[[User], Client], firm: Firm) -> None:
    _plan(firm)
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=150)
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member_person, units=50)
    client = sign_in(firm.manager_user)
    _cell(client, firm.build, "name", "Build it")
    html = client.get(reverse("web:task", args=[firm.build.pk])).content.decode()
    assert "Build it" in html and "Tasks" in html
    assert "Predecessor" in html and "1 Design" in html and "Finish-to-start" in html and "+2d" in html
    assert "Tom" in html and "50%" in html
    assert "2:30" in html and "120:00" in html and "117:30" in html  # logged, estimate, remaining
    history = html[html.index('data-testid="history"') :]
    sentences = re.findall(r'data-testid="history-sentence">(.*?)</div>', history)
    assert [re.sub(r"<[^>]+>", "", s) for s in sentences] == [  # as people read them, newest first
        "Maya renamed Build to Build it",
        "Maya assigned Tom to Build it",
        "Maya linked Design to Build it",
        "Maya added task Build it",
    ]
    assert '<span class="old">Build</span> → Build it' in history  # the detail of each change stays beneath
    assert "<code>task.update</code>" not in history  # no action codes on show


def test_task_page_lists_the_newest_entries_by_person_and_pages_its_history(
    sign_in: Callable[[User], Client], firm: Firm
) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7 * 6)
    for n in range(25):
        day = monday + timedelta(days=7 * (n // 5) + n % 5)
        time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=day, minutes=60)
    time_entry_create(viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday, minutes=30)
    client = sign_in(firm.manager_user)
    for n in range(35):
        _cell(client, firm.build, "name", f"Build {n}")
    url = reverse("web:task", args=[firm.build.pk])
    html = client.get(url).content.decode()
    entries = html[html.index('data-testid="time-entries"') : html.index('id="history"')]
    assert entries.count("<tr><td") == 20 and "The newest 20 of 26 entries." in entries
    by_person = html[html.index('data-testid="time-by-person"') : html.index('data-testid="time-entries"')]
    assert by_person.index("Tom") < by_person.index("Lea") and "25:00 h" in by_person and "0:30 h" in by_person
    every = client.get(url, {"entries": "all"}).content.decode()
    assert every[every.index('data-testid="time-entries"') : every.index('id="history"')].count("<tr><td") == 26
    older = re.search(r'href="\?history_before=([^"#]+)#history"', html)
    assert older is not None and html.count('data-testid="history-item"') == 30
    page_two = client.get(url, {"history_before": unquote(older.group(1))}).content.decode()
    assert page_two.count('data-testid="history-item"') == 6 and "added task <em>Build 34</em>" in page_two
    mangled = client.get(url, {"history_before": "yesterday~x"})
    assert mangled.status_code == 200 and "That page link is not valid" in mangled.content.decode()


def test_task_page_adds_and_removes_links_and_assignments(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    url = reverse("web:task_link_add", args=[firm.build.pk])
    response = client.post(url, {"direction": "predecessor", "other": firm.design.pk, "kind": "SS", "lag": "1d"})
    assert response.status_code == 302
    link = Dependency.objects.get(predecessor=firm.design, successor=firm.build)
    assert (link.kind, link.lag_minutes) == ("SS", 480)
    # A cycle is refused with its message and changes nothing.
    counts = table_counts()
    response = client.post(url, {"direction": "successor", "other": firm.design.pk, "kind": "FS", "lag": ""})
    assert response.status_code in (409, 422) and 'data-testid="link-error"' in response.content.decode()
    response = client.post(url, {"direction": "predecessor", "other": firm.design.pk, "lag": "soon"})
    assert response.status_code == 422 and "not a duration" in response.content.decode()
    assert table_counts() == counts
    response = client.post(reverse("web:task_link_delete", args=[firm.build.pk, link.pk]))
    assert response.status_code == 302 and not Dependency.objects.filter(pk=link.pk).exists()

    url = reverse("web:task_assignment_add", args=[firm.build.pk])
    assert client.post(url, {"resource": f"p{firm.member_person.pk}", "units": "50%"}).status_code == 302
    assignment = Assignment.objects.get(task=firm.build)
    assert assignment.units == 50 and assignment.person_id == firm.member_person.pk
    counts = table_counts()
    response = client.post(url, {"resource": f"p{firm.member_person.pk}", "units": "100"})
    assert response.status_code == 409 and "already assigned" in response.content.decode()
    response = client.post(url, {"resource": "p999999", "units": "100"})
    assert response.status_code == 422 and table_counts() == counts
    response = client.post(reverse("web:task_assignment_delete", args=[firm.build.pk, assignment.pk]))
    assert response.status_code == 302 and not Assignment.objects.filter(pk=assignment.pk).exists()
    # A pool (a role: "a consultant"), whose name the history shows rather than its id.
    pool = resource_pool_create(viewer=firm.admin, name="Consultant <pool>", role_id=firm.consultant.pk)
    assert client.post(url, {"resource": f"r{pool.pk}", "units": "100"}).status_code == 302
    assert Assignment.objects.get(task=firm.build).pool_id == pool.pk
    html = client.get(reverse("web:task", args=[firm.build.pk])).content.decode()
    history = html[html.index('data-testid="history"') :]
    assert '<span class="text-secondary">pool:</span> Consultant &lt;pool&gt;</div>' in history


def test_task_page_delete(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.manager_user)
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=60)
    wireframes = task_create(viewer=firm.manager, project=firm.project, name="Wireframes", parent=firm.design)
    for task, message in ((firm.build, "Time is logged"), (firm.design, "1 subtask")):
        counts, rows = table_counts(), stored(task)
        response = client.post(reverse("web:task_delete", args=[task.pk]))
        assert response.status_code == 409 and message in response.content.decode()
        assert table_counts() == counts and stored(task) == rows
    response = client.post(reverse("web:task_delete", args=[wireframes.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:project_tasks", args=[firm.project.pk])
    assert not Task.objects.filter(pk=wireframes.pk).exists()
    assert len(audit_rows("task.delete", wireframes)) == 1
    # A member may not delete.
    counts = table_counts()
    assert sign_in(firm.member_user).post(reverse("web:task_delete", args=[firm.design.pk])).status_code == 403
    assert table_counts() == counts


def test_an_edit_that_moves_many_rows_answers_the_whole_table(
    sign_in: Callable[[User], Client], firm: Firm, monkeypatch: pytest.MonkeyPatch
) -> None:
    wireframes = _plan(firm)
    monkeypatch.setattr("margin.web.views.tasks.MAX_OOB_ROWS", 1)
    response = _cell(sign_in(firm.manager_user), wireframes, "duration", "6d")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="task-table"' in html and "HX-Reswap" not in response
    assert Task.objects.get(pk=wireframes.pk).duration_minutes == 6 * 480


def test_member_sees_the_task_page_read_only(sign_in: Callable[[User], Client], firm: Firm) -> None:
    monday = week_start(timezone.localdate()) - timedelta(days=7)
    time_entry_create(viewer=firm.member2, project=firm.project, task=firm.build, work_date=monday, minutes=60)
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=monday, minutes=30)
    response = sign_in(firm.member_user).get(reverse("web:task", args=[firm.build.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="link-add"' not in html and 'data-testid="task-delete"' not in html
    assert "1:30 h" in html  # the total counts everyone's time
    assert "Only your own entries are listed" in html and "Lea" not in html.split('data-testid="time-entries"')[1]


def test_names_are_escaped_in_the_table(sign_in: Callable[[User], Client], firm: Firm) -> None:
    task_create(viewer=firm.manager, project=firm.project, name='<script>alert("x")</script>')
    for user in (firm.manager_user, firm.member_user):  # editable inputs and read-only text
        html = sign_in(user).get(reverse("web:project_tasks", args=[firm.project.pk])).content.decode()
        assert "<script>alert" not in html and "&lt;script&gt;alert(&quot;x&quot;)" in html
