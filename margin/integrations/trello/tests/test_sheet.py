"""Trello CSV exports parsed without a database."""

from __future__ import annotations

from datetime import date

import pytest

from margin.integrations.sheets.rows import SheetError
from margin.integrations.trello.sheet import parse, status_of

HEADER = (
    "Card ID,Card Name,Card URL,Card Description,Labels,Members,Due Date,Attachment Count,Attachment Links,"
    "Checklist Item Total Count,Checklist Item Completed Count,Vote Count,Comment Count,Last Activity Date,"
    "List ID,List Name,Board ID,Board Name,Archived,Start Date,Due Complete\r\n"
)


def _card(card_id: str, name: str, members: str, due: str, list_name: str, archived: str = "false") -> str:
    return (
        f'{card_id},"{name}",https://trello.com/c/{card_id},"desc",Design (green),"{members}",{due},0,,2,1,0,0,'
        f"2026-03-01T10:00:00.000Z,l1,{list_name},b1,Board,{archived},,false\r\n"
    )


def test_columns_trello_really_exports() -> None:
    data = (
        HEADER
        + _card("c1", "Wireframes, v2", "Tom Member (tom12), Lea Member (lea)", "2026-03-12T17:00:00.000Z", "Doing")
        + _card("c2", "Kick-off", "", "", "Done")
        + _card("c3", "Old idea", "", "", "Backlog", archived="true")
    ).encode()
    rows = parse(data)
    assert [(r.key, r.name, r.status, r.due, r.assignee) for r in rows] == [
        ("c1", "Wireframes, v2", "in_progress", date(2026, 3, 12), "Tom Member"),
        ("c2", "Kick-off", "done", None, ""),
    ]
    assert rows[0].warnings == ["2 members: the task goes to Tom Member"]


def test_list_names_map_to_statuses() -> None:
    assert [status_of(n) for n in ("To Do", "Backlog", "Doing", "In progress", "QA", "Code review", "Done ✔")] == [
        "todo",
        "todo",
        "in_progress",
        "in_progress",
        "review",
        "review",
        "done",
    ]


def test_errors() -> None:
    rows = parse((HEADER + _card("c1", "", "", "tomorrow", "To Do")).encode())
    assert rows[0].errors == ["the due date 'tomorrow' is not a date", "the name is empty"]
    with pytest.raises(SheetError, match="Columns missing: List Name"):
        parse(b"Card ID,Card Name\r\nc1,A\r\n")
