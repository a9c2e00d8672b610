"""Preview and all-or-nothing import of time from Harvest, Toggl and Clockify files (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from margin.core.errors import Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.integrations.timecsv.imports import time_csv_import, time_csv_preview
from margin.integrations.timecsv.tests.test_formats import CLOCKIFY, HARVEST, TOGGL
from margin.projects import actions as projects
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.checks import refused
from tests.firm import Firm

pytestmark = pytest.mark.django_db

HEADER = HARVEST.splitlines()[0] + "\r\n"


def harvest(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\r\n" for line in lines)).encode()


def line(
    day: str = "2026-03-02",
    task: str = "Design",
    hours: str = "1.5",
    first: str = "Tom",
    code: str = "GLX-1",
    project: str = "Globex portal",
    client: str = "Globex",
    billable: str = "Yes",
    last: str = "",
) -> str:
    return f"{day},{client},{project},{code},{task},Notes,{hours},{hours},{billable},No,No,{first},{last},,Yes,,,,,"


def test_preview_matches_people_projects_tasks_and_writes_nothing(firm: Firm) -> None:
    before = TimeEntry.objects.count()
    preview = time_csv_preview(
        viewer=firm.admin, data=TOGGL.encode() + TOGGL.splitlines()[1].replace("Build", "Design").encode() + b"\n"
    )
    assert preview.ok and preview.format == "toggl" and preview.row_count == 2
    assert [(r.person_id, r.project_id, r.task_id, r.minutes) for r in preview.rows] == [
        (firm.member_person.pk, firm.project.pk, firm.build.pk, 135),
        (firm.member_person.pk, firm.project.pk, firm.design.pk, 135),
    ]
    assert preview.total_minutes == 270 and TimeEntry.objects.count() == before


@pytest.mark.parametrize(
    "data", [HARVEST.encode(), TOGGL.encode(), CLOCKIFY.encode()], ids=["harvest", "toggl", "clockify"]
)
def test_each_tool_imports_as_drafts_with_one_audit_row(firm: Firm, data: bytes) -> None:
    assert time_csv_import(viewer=firm.admin, data=data) == 1
    entry = TimeEntry.objects.get()
    assert (entry.person_id, entry.project_id, entry.status) == (firm.member_person.pk, firm.project.pk, "draft")
    assert AuditEntry.objects.filter(action="time_entry.import", object_id=entry.pk).count() == 1


def test_billable_flag_and_task_default(firm: Firm) -> None:
    projects.task_update(viewer=firm.manager, task=firm.build, billable=False)
    time_csv_import(viewer=firm.admin, data=harvest(line(billable="No"), line(task="Build", billable="")))
    assert list(TimeEntry.objects.order_by("id").values_list("billable", flat=True)) == [False, False]


def test_import_as_approved_values_the_entries(firm: Firm) -> None:
    time_csv_import(viewer=firm.admin, data=harvest(line(hours="2")), approved=True)
    entry = TimeEntry.objects.get()
    assert entry.status == EntryStatus.APPROVED and entry.bill_amount_minor == 20_000  # 2 h × 100


def test_person_by_email_wins_and_unknown_names_are_row_errors(firm: Firm) -> None:
    text = (
        TOGGL + TOGGL.splitlines()[1].replace("tom@example.test", "nobody@example.test").replace("Tom,", "Zed,") + "\n"
    )
    preview = time_csv_preview(viewer=firm.admin, data=text.encode())
    assert not preview.ok and preview.error_count == 1
    [(ref, column, message)] = preview.shown_errors
    assert (ref, column) == (3, "Email") and message == "nobody called 'Zed' or with the e-mail 'nobody@example.test'"


def test_every_rule_is_a_row_error_and_nothing_is_imported(firm: Firm) -> None:
    ahead = (timezone.localdate() + timedelta(days=60)).isoformat()
    projects.task_update(viewer=firm.manager, task=firm.build, closed=True)
    data = harvest(
        line(),  # fine
        line(first="Nobody"),  # unknown person
        line(code="", project="Nope"),  # unknown project
        line(task="Nope"),  # unknown task
        line(task="Build"),  # closed task
        line(first="Finn", last="Finance"),  # not a member
        line(day=ahead),  # too far ahead
        line(day="1999-12-31"),  # too far back
        line(hours="25"),  # longer than a day
        line(day="2026-03-03", hours="13"),
        line(day="2026-03-03", hours="12"),  # 25 hours on one day (both rows named)
    )
    preview = time_csv_preview(viewer=firm.admin, data=data)
    errors = {(ref, column): message for ref, column, message in preview.shown_errors}
    assert preview.error_count == 10 and not preview.rows[0].errors
    assert "nobody called 'Nobody'" in errors[(3, "First Name")]
    assert "no project 'Nope'" in errors[(4, "Project")]
    assert "no task 'Nope'" in errors[(5, "Task")]
    assert "closed" in errors[(6, "Task")]
    assert "not a member" in errors[(7, "First Name")]
    assert "days ahead" in errors[(8, "Date")] and "too far in the past" in errors[(9, "Date")]
    assert "24 hours" in errors[(10, "Hours")]
    assert "more than 24 hours" in errors[(11, "Hours")] and "more than 24 hours" in errors[(12, "Hours")]
    with refused(Invalid, match="10 of 11 row"):
        time_csv_import(viewer=firm.admin, data=data)


def test_day_limit_counts_time_already_logged(firm: Firm) -> None:
    time_entry_create(
        viewer=firm.member, project=firm.project, task=firm.design, work_date=date(2026, 3, 2), minutes=23 * 60
    )
    with refused(Invalid, match="already logged"):
        time_csv_import(viewer=firm.admin, data=harvest(line(hours="1.5")))


def test_closed_project_and_summary_task(firm: Firm) -> None:
    sub = projects.task_create(viewer=firm.manager, project=firm.project, name="Sketches", parent=firm.design)
    assert sub.parent_id == firm.design.pk
    preview = time_csv_preview(viewer=firm.admin, data=harvest(line()))
    assert "summary task" in preview.shown_errors[0][2]


def test_without_the_permission_only_ones_own_time_is_imported(firm: Firm) -> None:
    # Maya (a manager) may not log Tom's time: the row is named and nothing is imported
    preview = time_csv_preview(viewer=firm.manager, data=HARVEST.encode())
    assert [(line, column) for line, column, _ in preview.shown_errors] == [(2, "First Name")]
    assert "you may not log time for Tom" in preview.shown_errors[0][2]
    with refused(Invalid, match="may not log time for Tom"):
        time_csv_import(viewer=firm.manager, data=HARVEST.encode())
    with refused(Forbidden, match="as approved"):
        time_csv_import(viewer=firm.member, data=HARVEST.encode(), approved=True)
    assert time_csv_import(viewer=firm.member, data=HARVEST.encode()) == 1  # Tom's own row


def test_the_category_column_is_read_and_checked(firm: Firm) -> None:
    header = "Date,Email,Project code,Task,Minutes,Billable,Notes,Category\n"
    good = header + "2026-03-02,tom@example.test,GLX-1,Design,60,Yes,Course,Training\n"
    good += "2026-03-03,tom@example.test,GLX-1,Design,30,Yes,Client call,\n"
    assert time_csv_import(viewer=firm.admin, data=good.encode()) == 2
    rows = list(TimeEntry.objects.order_by("work_date").values_list("category", "billable"))
    assert rows == [("training", False), ("work", True)]
    bad = header + "2026-03-04,tom@example.test,GLX-1,Design,60,Yes,x,Holiday\n"
    preview = time_csv_preview(viewer=firm.admin, data=bad.encode())
    assert preview.shown_errors == [
        (2, "Category", "'Holiday' is not a time category (work, internal, sales, training, leave)")
    ]


def test_wrong_columns_and_encoding_refused(firm: Firm) -> None:
    with refused(Invalid, match="not those of a Harvest"):
        time_csv_import(viewer=firm.admin, data=b"a,b,c\n1,2,3\n")
    with refused(Invalid, match="neither UTF-8"):
        time_csv_import(viewer=firm.admin, data=b"\x81\x8d,\x90\n")


def test_other_organisations_projects_are_unknown(firm: Firm) -> None:
    preview = time_csv_preview(viewer=firm.admin, data=harvest(line(code="INI-1", project="Initech", client="Initech")))
    assert "no project 'INI-1'" in preview.shown_errors[0][2]


def test_margin_export_format_round_trips(firm: Firm) -> None:
    text = "Date,Person,Email,Client,Project code,Project,Task,Minutes,Billable,Notes\n"
    text += "2026-03-02,Tom,tom@example.test,Globex,GLX-1,Globex portal,Design,45,Yes,=1+1\n"
    assert time_csv_import(viewer=firm.admin, data=text.encode()) == 1
    assert TimeEntry.objects.get().note == "=1+1"  # stored as typed; neutralised on export only


def test_company_policies_closed_period_and_start_date_are_row_errors(firm: Firm) -> None:
    from margin.accounts.models import Company, Person
    from margin.closing.actions import period_close
    from margin.projects.models import Project

    period_close(viewer=firm.admin, company=firm.usd, through=date(2026, 3, 2))
    Company.objects.filter(pk=firm.usd.pk).update(max_day_minutes=8 * 60)
    Person.objects.filter(pk=firm.member2_person.pk).update(start_date=date(2026, 3, 10))
    data = harvest(
        line(),  # 2 March: closed
        line(day="2026-03-03", hours="9"),  # over the company's 8 hours
        line(day="2026-03-04", first="Lea"),  # before Lea's start date
        line(day="2026-03-05"),  # fine
    )
    preview = time_csv_preview(viewer=firm.admin, data=data)
    errors = {(ref, column): message for ref, column, message in preview.shown_errors}
    assert "closed" in errors[(2, "Date")]
    assert "daily maximum of 8:00" in errors[(3, "Hours")]
    assert (4, "Date") in errors and 5 not in {ref for ref, _ in errors}
    Project.objects.filter(pk=firm.project.pk).update(notes_required=True)
    preview = time_csv_preview(viewer=firm.admin, data=harvest(line(day="2026-03-05").replace("Notes", "")))
    assert "requires a note" in preview.shown_errors[0][2]
    with refused(Invalid, match="3 of 4 row"):
        time_csv_import(viewer=firm.admin, data=data)
