"""Jira's CSV export ("Export Excel CSV (all fields)"): Summary, Issue key, Issue id, Parent id (or Parent),
Issue Type, Status, Assignee, Created, Due date, Original Estimate (seconds), Description …"""

from __future__ import annotations

from margin.integrations.sheets.rows import SheetError, TaskRow, check_keys, decode, first, parse_day, read_table

REQUIRED = [["Summary"], ["Issue id", "Issue key"]]
STATUS = {
    "to do": "todo",
    "open": "todo",
    "backlog": "todo",
    "new": "todo",
    "selected for development": "todo",
    "reopened": "todo",
    "in progress": "in_progress",
    "in development": "in_progress",
    "in review": "review",
    "review": "review",
    "code review": "review",
    "in testing": "review",
    "qa": "review",
    "done": "done",
    "closed": "done",
    "resolved": "done",
}


def parse(data: bytes) -> list[TaskRow]:
    _, table = read_table(decode(data), REQUIRED)
    rows: list[TaskRow] = []
    for line, raw in table:
        key = first(raw, "Issue id", "Issue key")
        row = TaskRow(line=line, key=key, name=raw.get("Summary", ""))
        row.parent_key = first(raw, "Parent id", "Parent", "Parent ID")
        status = raw.get("Status", "")
        if status:
            mapped = STATUS.get(status.lower())
            if mapped is None:
                row.warnings.append(f"status {status!r} is not known: imported as To do")
            row.status = mapped or "todo"
        estimate = first(raw, "Original Estimate", "Original estimate")
        if estimate:
            try:
                seconds = int(estimate)
                if seconds < 0:
                    raise ValueError
                row.estimate_minutes = round(seconds / 60)
            except ValueError:
                row.errors.append(f"the original estimate {estimate!r} is not a number of seconds")
        due = first(raw, "Due date", "Due Date")
        if due:
            try:
                row.due = parse_day(due)
            except ValueError:
                row.errors.append(f"the due date {due!r} is not a date")
        row.assignee = raw.get("Assignee", "")
        if not key:
            row.errors.append("no Issue id or Issue key")
        rows.append(row)
    if not rows:
        raise SheetError("The file has no issues.")
    return check_keys(rows)
