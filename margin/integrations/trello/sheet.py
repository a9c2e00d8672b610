"""Trello's CSV export of a board: Card ID, Card Name, Card URL, Card Description, Labels, Members, Due Date,
List Name, Checklist … (the list a card sits in becomes its status)."""

from __future__ import annotations

from margin.integrations.sheets.rows import SheetError, TaskRow, check_keys, decode, first, parse_day, read_table

REQUIRED = [["Card ID"], ["Card Name"], ["List Name"]]


def status_of(list_name: str) -> str:
    name = list_name.lower()
    if any(word in name for word in ("done", "complete", "finished", "shipped")):
        return "done"
    if any(word in name for word in ("review", "qa", "test", "verify")):
        return "review"
    if any(word in name for word in ("doing", "progress", "working", "started")):
        return "in_progress"
    return "todo"


def parse(data: bytes) -> list[TaskRow]:
    _, table = read_table(decode(data), REQUIRED)
    rows: list[TaskRow] = []
    for line, raw in table:
        if raw.get("Archived", "").lower() == "true":
            continue
        row = TaskRow(line=line, key=raw.get("Card ID", ""), name=raw.get("Card Name", ""))
        row.status = status_of(raw.get("List Name", ""))
        due = first(raw, "Due Date", "Due date")
        if due:
            try:
                row.due = parse_day(due)
            except ValueError:
                row.errors.append(f"the due date {due!r} is not a date")
        members = [m.strip() for m in raw.get("Members", "").split(",") if m.strip()]
        if members:
            # "Full Name (username)": the name part is matched to project members.
            row.assignee = members[0].split(" (")[0].strip()
            if len(members) > 1:
                row.warnings.append(f"{len(members)} members: the task goes to {row.assignee}")
        if not row.key:
            row.errors.append("no Card ID")
        rows.append(row)
    if not rows:
        raise SheetError("The file has no cards.")
    return check_keys(rows)
