"""Preview and all-or-nothing import of Jira and Trello rows, through the action and the web page."""

from __future__ import annotations

import base64
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from margin.core.errors import Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.integrations.conftest import Planned
from margin.integrations.sheets.imports import tasks_import, tasks_preview
from margin.projects import actions
from margin.projects.models import Task
from margin.projects.planning import finish_day
from tests.checks import assigned

JIRA = (
    b"Summary,Issue key,Issue id,Parent id,Issue Type,Status,Assignee,Created,Due date,Original Estimate,"
    b"Description\r\n"
    b"Subtask first,WEB-3,10003,10001,Sub-task,Done,Maya,02/Mar/26,20/Mar/26,3600,\r\n"
    b"Relaunch,WEB-1,10001,,Epic,In Progress,,01/Mar/26,,,\r\n"
    b"Design pages,WEB-2,10002,10001,Story,In Review,tom@example.test,01/Mar/26,12/Mar/26 5:00 PM,28800,x\r\n"
    b"Unknown person,WEB-4,10004,,Task,To Do,Zed Nobody,01/Mar/26,,,\r\n"
)


@pytest.fixture
def target(planned: Planned) -> Planned:
    actions.project_member_add(viewer=planned.firm.manager, project=planned.empty, person=planned.firm.member_person)
    return planned


def test_preview_writes_nothing_and_matches_members(target: Planned) -> None:
    preview = tasks_preview(project=target.empty, system="jira", data=JIRA)
    assert preview.ok and len(preview.rows) == 4
    assert {line: p.name for line, p in preview.assignees.items()} == {2: "Maya", 4: "Tom"}
    assert preview.rows[3].warnings == ["'Zed Nobody' is not a member of the project: left unassigned"]
    assert not Task.objects.filter(project=target.empty).exists()


def test_jira_import_builds_the_wbs_with_status_estimate_due_and_assignee(target: Planned) -> None:
    count = tasks_import(viewer=target.firm.manager, project=target.empty, system="jira", data=JIRA)
    assert count == 4
    tasks = {t.name: t for t in Task.objects.filter(project=target.empty).select_related("parent")}
    assert tasks["Subtask first"].parent == tasks["Relaunch"] and tasks["Design pages"].parent == tasks["Relaunch"]
    design = tasks["Design pages"]
    assert (design.status, design.estimate_minutes, str(design.deadline), assigned(design)) == (
        "review",
        480,
        "2026-03-12",
        ["Tom"],
    )
    # The due date is the deadline; the dates are the scheduler's (rescheduled once after the import), not the file's.
    assert design.finish is not None and design.planned_finish == finish_day(design.finish)
    assert design.planned_finish != design.deadline
    assert tasks["Relaunch"].deadline is None and tasks["Subtask first"].deadline == date(2026, 3, 20)
    sub = tasks["Subtask first"]
    assert (sub.status, sub.percent_complete, assigned(sub)) == ("done", 100, ["Maya"])
    assert assigned(tasks["Unknown person"]) == []
    assert AuditEntry.objects.filter(action="task.create", object_id__in=[t.pk for t in tasks.values()]).count() == 4


def test_trello_import(target: Planned) -> None:
    data = (
        b"Card ID,Card Name,Card URL,Card Description,Labels,Members,Due Date,List Name,Archived\r\n"
        b"c1,Wireframes,https://trello.com/c/c1,,,Tom (tom1),2026-03-12T17:00:00.000Z,Doing,false\r\n"
        b"c2,Kick-off,https://trello.com/c/c2,,,,,Done,false\r\n"
    )
    assert tasks_import(viewer=target.firm.manager, project=target.empty, system="trello", data=data) == 2
    rows = {t.name: (t.status, assigned(t), t.deadline) for t in Task.objects.filter(project=target.empty)}
    assert rows["Wireframes"] == ("in_progress", [target.firm.member_person.name], date(2026, 3, 12))
    assert rows["Kick-off"] == ("done", [], None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (JIRA.replace(b"28800", b"lots"), "line 4: the original estimate 'lots' is not a number of seconds"),
        (JIRA.replace(b",10001,Sub", b",999,Sub"), "the parent '999' is not in the file"),
        ("Summary,Issue key\r\nCafé,K-1\r\n".encode("cp1252"), "not UTF-8"),
        (b"Name,Key\r\nA,1\r\n", "Columns missing"),
        (JIRA.replace(b"20/Mar/26", b"20/Mar/1999"), "the due date 1999-03-20: the deadline cannot be before 2000"),
    ],
)
def test_bad_files_import_nothing(target: Planned, data: bytes, message: str) -> None:
    audits = AuditEntry.objects.count()
    with pytest.raises(Invalid) as refused:
        tasks_import(viewer=target.firm.manager, project=target.empty, system="jira", data=data)
    assert message in refused.value.message
    assert not Task.objects.filter(project=target.empty).exists()
    assert AuditEntry.objects.count() == audits


def test_members_may_not_import(target: Planned) -> None:
    with pytest.raises(Forbidden):
        tasks_import(viewer=target.firm.member, project=target.empty, system="jira", data=JIRA)
    assert not Task.objects.filter(project=target.empty).exists()


def test_web_preview_then_commit(target: Planned) -> None:
    client = Client()
    client.force_login(target.firm.manager_user)
    url = f"/projects/{target.empty.pk}/import/jira/"
    assert b'type="file"' in client.get(url).content
    preview = client.post(url, {"mode": "preview", "file": SimpleUploadedFile("jira.csv", JIRA)})
    assert preview.status_code == 200 and b'data-testid="sheet-commit"' in preview.content
    assert b"Zed Nobody" in preview.content
    assert not Task.objects.filter(project=target.empty).exists()
    done = client.post(url, {"mode": "commit", "data": base64.b64encode(JIRA).decode()})
    assert done.status_code == 302 and done["Location"] == f"/projects/{target.empty.pk}/"
    assert Task.objects.filter(project=target.empty).count() == 4


def test_web_preview_shows_row_errors_and_refuses_bad_files(target: Planned) -> None:
    client = Client()
    client.force_login(target.firm.manager_user)
    url = f"/projects/{target.empty.pk}/import/jira/"
    bad_rows = client.post(url, {"mode": "preview", "file": SimpleUploadedFile("j.csv", JIRA.replace(b"28800", b"x"))})
    assert bad_rows.status_code == 200 and b"1 with errors" in bad_rows.content
    assert b'data-testid="sheet-commit"' not in bad_rows.content
    bad_file = client.post(url, {"mode": "preview", "file": SimpleUploadedFile("j.csv", b"\xff\xfe\x00junk")})
    assert bad_file.status_code == 422 and b"not UTF-8" in bad_file.content
    assert client.post(url, {"mode": "commit", "data": "@@@"}).status_code == 422
    assert client.get(f"/projects/{target.empty.pk}/import/asana/").status_code == 404
    member = Client()
    member.force_login(target.firm.member_user)
    assert member.get(url).status_code == 403
    assert not Task.objects.filter(project=target.empty).exists()
