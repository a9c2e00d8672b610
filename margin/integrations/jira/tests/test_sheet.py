"""Jira CSV exports parsed without a database."""

from __future__ import annotations

from datetime import date

import pytest

from margin.integrations.jira.sheet import parse
from margin.integrations.sheets.rows import SheetError

HEADER = (
    "Summary,Issue key,Issue id,Parent id,Issue Type,Status,Assignee,Created,Due date,Original Estimate,"
    "Sprint,Sprint,Description\r\n"
)


def test_columns_jira_really_exports() -> None:
    data = (
        "\ufeff"
        + HEADER
        + 'Website relaunch,WEB-1,10001,,Epic,In Progress,Maya Manager,01/Mar/26 9:00 AM,,,S1,S2,"Big, bold"\r\n'
        + "Design pages,WEB-2,10002,10001,Story,To Do,tom@example.test,01/Mar/26 9:05 AM,"
        + "12/Mar/26 5:00 PM,28800,S1,,\r\n"
        + 'Copy; review,WEB-3,10003,10001,Sub-task,Done,,02/Mar/26,2026-03-20,3600,,,"multi\nline"\r\n'
    ).encode()
    rows = parse(data)
    assert [(r.line, r.key, r.name, r.parent_key, r.status) for r in rows] == [
        (2, "10001", "Website relaunch", "", "in_progress"),
        (3, "10002", "Design pages", "10001", "todo"),
        (4, "10003", "Copy; review", "10001", "done"),
    ]
    assert rows[1].estimate_minutes == 480 and rows[1].due == date(2026, 3, 12)
    assert rows[1].assignee == "tom@example.test" and rows[2].due == date(2026, 3, 20)
    assert not any(r.errors for r in rows)


def test_row_errors_are_named() -> None:
    data = (
        HEADER
        + ",WEB-1,1,,Story,Blocked,,,someday,-5,,,\r\n"
        + "Orphan,WEB-2,2,99,Story,To Do,,,,lots,,,\r\n"
        + "Twin,WEB-3,2,,Story,To Do,,,,,,,\r\n"
    ).encode()
    rows = parse(data)
    assert rows[0].errors == [
        "the original estimate '-5' is not a number of seconds",
        "the due date 'someday' is not a date",
        "the name is empty",
    ]
    assert rows[0].warnings == ["status 'Blocked' is not known: imported as To do"]
    assert "the original estimate 'lots' is not a number of seconds" in rows[1].errors
    assert "the parent '99' is not in the file" in rows[1].errors
    assert "the id '2' is also on line 3" in rows[2].errors


def test_parent_loops_are_errors() -> None:
    data = (HEADER + "A,K-1,1,2,Story,To Do,,,,,,,\r\nB,K-2,2,1,Story,To Do,,,,,,,\r\n").encode()
    assert all("its parents form a loop" in r.errors for r in parse(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Summary,Issue key\r\nA,K-1\r\n".encode("utf-16"), "not UTF-8"),
        ("Résumé,Issue key\r\n".encode("latin-1"), "not UTF-8"),
        (b"Title,Key\r\nA,1\r\n", "Columns missing: Summary, Issue id or Issue key"),
        (b"", "empty"),
        (b"Summary,Issue key\r\n", "no issues"),
    ],
)
def test_whole_file_errors(data: bytes, message: str) -> None:
    with pytest.raises(SheetError) as refused:
        parse(data)
    assert message in str(refused.value)
