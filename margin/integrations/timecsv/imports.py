"""Time entries from a file or the bulk API: match every row to Margin's people, projects and tasks, check it by the
same rules as one entry (set-based: a few queries for the whole file), preview, then commit all rows or none through
`margin.timesheets.actions.time_entries_import`.

Rules checked per row, each failure named with the row (file line or list index) and the column/field:
person known (by e-mail, else by unique name) in a company the importer sees; project known (code, else name within
the client, else unique name) and open; task known in that project by name (or id), open and not a summary; the
person is a member or the manager of the project; 1 to 1,440 minutes; the date between 2000-01-01 and the allowed
days ahead; not in a closed period (when the company has a lock date); at most 24 hours a person-day counting what
is already logged (rows beyond it are named); a known category (non-work time is never billable).

Who may import is `time_entries_import`'s rule: drafts of one's own time and of the people one may log time for
(rows for anyone else are named); approved history, administrators only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer, companies_locked_through
from margin.core.errors import DomainError, Forbidden, Invalid
from margin.core.periods import MINUTES_PER_DAY, format_minutes
from margin.integrations.timecsv import formats
from margin.projects.models import Project, ProjectMember, ProjectStatus, Task
from margin.timesheets import rules
from margin.timesheets.actions import (
    ImportRow,
    check_may_import,
    effective_max_future_days,
    may_log_for_ids,
    time_entries_import,
)
from margin.timesheets.models import EntryStatus, TimeCategory, TimeEntry

Progress = Callable[[int, int], None]  # (done, total): the import reports percent, total 100
PREVIEW_ROWS = 50
SHOWN_ERRORS = 500


@dataclass
class Candidate:
    """A row to check: what it names (ids, or names to look up) and where it came from."""

    ref: int  # file line, or index in the bulk list
    project_id: int | None = None
    task_id: int | None = None
    person_id: int | None = None
    work_date: date | None = None
    minutes: int | None = None
    billable: bool | None = None
    category: str = TimeCategory.WORK.value
    note: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    # Shown in the preview:
    person_label: str = ""
    project_label: str = ""
    task_label: str = ""

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class Preview:
    format: str
    encoding: str
    delimiter: str
    rows: list[Candidate]
    warnings: list[str]
    columns: dict[str, str]  # role → the file's column name, to name errors

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def error_rows(self) -> list[Candidate]:
        return [r for r in self.rows if r.errors]

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    @property
    def total_minutes(self) -> int:
        return sum(r.minutes or 0 for r in self.rows if not r.errors)

    @property
    def total_hours(self) -> str:
        return format_minutes(self.total_minutes)

    @property
    def first_rows(self) -> list[Candidate]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def shown_errors(self) -> list[tuple[int, str, str]]:
        out: list[tuple[int, str, str]] = []
        for row in self.rows:
            for column, message in row.errors:
                out.append((row.ref, column, message))
                if len(out) >= SHOWN_ERRORS:
                    return out
        return out

    @property
    def error_total(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    @property
    def first_date(self) -> date | None:
        dates = [r.work_date for r in self.rows if r.work_date]
        return min(dates) if dates else None

    @property
    def last_date(self) -> date | None:
        dates = [r.work_date for r in self.rows if r.work_date]
        return max(dates) if dates else None

    @property
    def people_count(self) -> int:
        return len({r.person_id for r in self.rows if r.person_id})

    @property
    def project_count(self) -> int:
        return len({r.project_id for r in self.rows if r.project_id})

    def summary(self) -> str:
        bad = self.error_rows[0] if self.error_rows else None
        if bad is None:
            return ""
        column, message = bad.errors[0]
        return (
            f"{self.error_count} of {self.row_count} row(s) have errors, nothing was imported; "
            f"line {bad.ref}, {column}: {message}."
        )


def require_importer(viewer: Viewer, *, approved: bool = False) -> None:
    """Anyone with a person record (or the permission to log for others) may import drafts; approved: admins."""
    check_may_import(viewer, approved=approved)
    if viewer.person_id is None and not (viewer.is_admin or viewer.can_log_for_others):
        raise Forbidden("You have no person record to import time for.")


# A category cell holds Margin's codes or their labels ("Client work", "Internal", ...), in any case.
CATEGORY_WORDS = {
    **{str(code): str(code) for code in TimeCategory.values},
    **{str(label).lower(): str(code) for code, label in TimeCategory.choices},
    "": TimeCategory.WORK.value,
}


def category_of(text: str) -> str | None:
    """Margin's category for a cell, or None when the cell names none of them."""
    return CATEGORY_WORDS.get(" ".join(text.strip().lower().split()))


# --------------------------------------------------------------------------------------------------
# Lookups (one query each for the whole file)
# --------------------------------------------------------------------------------------------------


class _Directory:
    """People, projects and tasks the importer may reach, indexed the ways files name them."""

    def __init__(self, viewer: Viewer) -> None:
        org, companies = viewer.organisation_id, list(viewer.company_ids)
        self.by_email: dict[str, int] = {}
        names: dict[str, list[int]] = defaultdict(list)
        self.person_names: dict[int, str] = {}
        self.person_company: dict[int, int] = {}
        self.person_start: dict[int, date | None] = {}
        self.person_end: dict[int, date | None] = {}
        for pk, name, email, company_id, start_date, end_date in Person.objects.filter(
            organisation_id=org, company_id__in=companies
        ).values_list("id", "name", "email", "company_id", "start_date", "end_date"):
            if email:
                self.by_email[email.strip().lower()] = pk
            names[" ".join(name.lower().split())].append(pk)
            self.person_names[pk] = name
            self.person_company[pk] = company_id
            self.person_start[pk] = start_date
            self.person_end[pk] = end_date
        self.companies = {c.pk: c for c in Company.objects.filter(organisation_id=org, id__in=companies)}
        self.by_name = dict(names)
        self.projects: dict[int, Project] = {
            p.pk: p
            for p in Project.objects.filter(organisation_id=org, company_id__in=companies).select_related("client")
        }
        self.by_code = {p.code.strip().lower(): p.pk for p in self.projects.values()}
        by_client_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_project_name: dict[str, list[int]] = defaultdict(list)
        for p in self.projects.values():
            key = " ".join(p.name.lower().split())
            by_client_name[(" ".join(p.client.name.lower().split()), key)].append(p.pk)
            by_project_name[key].append(p.pk)
        self.by_client_name, self.by_project_name = dict(by_client_name), dict(by_project_name)
        self._tasks: dict[int, list[tuple[int, str, bool, int | None]]] | None = None

    def load_tasks(self, project_ids: set[int]) -> None:
        tasks: dict[int, list[tuple[int, str, bool, int | None]]] = defaultdict(list)
        for pk, project_id, name, closed, parent_id in Task.objects.filter(project_id__in=project_ids).values_list(
            "id", "project_id", "name", "closed", "parent_id"
        ):
            tasks[project_id].append((pk, name, closed, parent_id))
        self._tasks = dict(tasks)
        self.parents = {parent for rows in tasks.values() for _, _, _, parent in rows if parent is not None}
        self.task_project = {pk: project_id for project_id, rows in tasks.items() for pk, _, _, _ in rows}
        self.task_info = {pk: (name, closed) for rows in tasks.values() for pk, name, closed, _ in rows}
        self.task_by_name: dict[tuple[int, str], list[int]] = defaultdict(list)
        for project_id, rows in tasks.items():
            for pk, name, _, _ in rows:
                self.task_by_name[(project_id, " ".join(name.lower().split()))].append(pk)

    def person(self, email: str, name: str) -> tuple[int | None, str]:
        if email:
            pk = self.by_email.get(email.strip().lower())
            if pk is not None:
                return pk, ""
            if not name:
                return None, f"nobody with the e-mail {email!r}"
        found = self.by_name.get(" ".join(name.lower().split()), [])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, f"several people are called {name!r}; use e-mail addresses"
        return None, f"nobody called {name!r}" + (f" or with the e-mail {email!r}" if email else "")

    def project(self, code: str, client: str, name: str) -> tuple[int | None, str]:
        if code:
            pk = self.by_code.get(code.strip().lower())
            if pk is not None:
                return pk, ""
        key = " ".join(name.lower().split())
        if client and name:
            found = self.by_client_name.get((" ".join(client.lower().split()), key), [])
            if len(found) == 1:
                return found[0], ""
        if name:
            found = self.by_project_name.get(key, [])
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, f"several projects are called {name!r}; add the client or the project code"
            pk = self.by_code.get(key)  # a project named by its code in the other tool
            if pk is not None:
                return pk, ""
        label = code or name
        return None, f"no project {label!r}" + (f" for client {client!r}" if client else "")

    def task(self, project_id: int, name: str) -> tuple[int | None, str]:
        found = self.task_by_name.get((project_id, " ".join(name.lower().split())), [])
        leaves = [pk for pk in found if pk not in self.parents]
        if len(leaves) == 1:
            return leaves[0], ""
        if len(found) > 1 and len(leaves) != 1:
            return None, f"several tasks are called {name!r} in project {self.projects[project_id].code}"
        if found:
            return found[0], ""  # a summary task: refused by the checks with the precise reason
        return None, f"no task {name!r} in project {self.projects[project_id].code}"


# --------------------------------------------------------------------------------------------------
# Checks shared by the file import and the bulk API
# --------------------------------------------------------------------------------------------------


def check(viewer: Viewer, rows: Sequence[Candidate], directory: _Directory, columns: dict[str, str]) -> None:
    """Add to each row every rule it breaks (rows already in error keep their errors and are checked as far as
    their values allow)."""
    today = timezone.localdate()
    default_ahead = int(str(settings.MARGIN["MAX_FUTURE_DAYS"]))
    project_ids = {r.project_id for r in rows if r.project_id is not None}
    person_ids = {r.person_id for r in rows if r.person_id is not None}
    members = set(
        ProjectMember.objects.filter(project_id__in=project_ids, person_id__in=person_ids).values_list(
            "project_id", "person_id"
        )
    )
    locks = companies_locked_through({directory.projects[p].company_id for p in project_ids if p in directory.projects})
    allowed = may_log_for_ids(viewer, person_ids)
    col = columns.get
    day_rows: dict[tuple[int, date], list[Candidate]] = defaultdict(list)
    for row in rows:
        project = directory.projects.get(row.project_id) if row.project_id is not None else None
        if row.project_id is not None and project is None:
            row.error(col("project", "project_id"), "no such project")
            project = None
        if row.person_id is not None and row.person_id not in directory.person_names:
            row.error(col("person", "person_id"), "no such person")
            row.person_id = None
        elif row.person_id is not None and row.person_id not in allowed:
            row.error(
                col("person", "person_id"),
                f"you may not log time for {directory.person_names[row.person_id]} "
                "(that needs an administrator or the permission to log time for others)",
            )
        if project is not None:
            if project.status == ProjectStatus.CLOSED:
                row.error(col("project", "project_id"), f"project {project.code} is closed")
            elif project.is_template:
                row.error(col("project", "project_id"), f"{project.code} is a template; time goes on real projects")
            if row.person_id is not None and (
                (project.pk, row.person_id) not in members and project.manager_id != row.person_id
            ):
                row.error(
                    col("person", "person_id"),
                    f"{directory.person_names[row.person_id]} is not a member of project {project.code}",
                )
            if row.task_id is not None:
                if directory.task_project.get(row.task_id) != project.pk:
                    row.error(col("task", "task_id"), f"no such task in project {project.code}")
                else:
                    name, closed = directory.task_info[row.task_id]
                    if closed:
                        row.error(col("task", "task_id"), f"task {name!r} is closed")
                    elif row.task_id in directory.parents:
                        row.error(col("task", "task_id"), f"{name!r} is a summary task; use one of its subtasks")
            if row.work_date is not None and project.company_id in locks:
                try:
                    rules.check_period_open(
                        row.work_date,
                        locked_through=locks[project.company_id],
                        company_name=directory.companies[project.company_id].name,
                    )
                except DomainError as error:
                    row.error(col("date", "work_date"), error.message.rstrip("."))
            if project.notes_required and not row.note.strip():
                row.error(col("note", "note"), f"project {project.code} requires a note on every entry")
        if row.minutes is not None:
            try:
                rules.check_minutes(row.minutes)
            except Invalid as error:
                row.error(col("minutes", "minutes"), error.message.rstrip("."))
        if row.work_date is not None:
            company = directory.companies.get(directory.person_company.get(row.person_id or 0, 0))
            try:
                ahead = effective_max_future_days(company) if company is not None else default_ahead
                rules.check_work_date(row.work_date, today=today, max_future_days=ahead)
                if row.person_id is not None:
                    rules.check_start_date(
                        row.work_date,
                        start_date=directory.person_start.get(row.person_id),
                        end_date=directory.person_end.get(row.person_id),
                        person_name=directory.person_names[row.person_id],
                    )
            except Invalid as error:
                row.error(col("date", "work_date"), error.message.rstrip("."))
        if "\x00" in row.note:
            row.error(col("note", "note"), "the note contains a NUL byte")
        elif len(row.note) > 2000:
            row.error(col("note", "note"), "the note is longer than 2,000 characters")
        if row.person_id is not None and row.work_date is not None and row.minutes and 0 < row.minutes <= 1440:
            day_rows[(row.person_id, row.work_date)].append(row)
    _check_days(day_rows, directory, col("minutes", "minutes"))


def _check_days(day_rows: dict[tuple[int, date], list[Candidate]], directory: _Directory, column: str) -> None:
    """At most 24 hours a person-day over the file's rows and what is already logged (one grouped query per
    person batch)."""
    if not day_rows:
        return
    people = {p for p, _ in day_rows}
    dates = [d for _, d in day_rows]
    existing: dict[tuple[int, date], int] = {}
    person_list = sorted(people)
    for start in range(0, len(person_list), 500):
        chunk = person_list[start : start + 500]
        existing.update(
            {
                (p, d): total
                for p, d, total in TimeEntry.objects.filter(
                    person_id__in=chunk, work_date__range=(min(dates), max(dates))
                )
                .exclude(status=EntryStatus.REJECTED)
                .values_list("person_id", "work_date")
                .annotate(total=Sum("minutes"))
                .values_list("person_id", "work_date", "total")
            }
        )
    for (person_id, day), rows in day_rows.items():
        already = existing.get((person_id, day), 0)
        total = already + sum(r.minutes or 0 for r in rows)
        company = directory.companies.get(directory.person_company.get(person_id, 0))
        limit = int(getattr(company, "max_day_minutes", MINUTES_PER_DAY) or MINUTES_PER_DAY)
        if total > limit:
            name = directory.person_names.get(person_id, str(person_id))
            logged = f" ({format_minutes(already)} already logged)" if already else ""
            what = (
                "more than 24 hours"
                if limit == MINUTES_PER_DAY
                else f"over the daily maximum of {format_minutes(limit)}"
            )
            for row in rows:
                row.error(column, f"{name} would have {format_minutes(total)} on {day}, {what}{logged}")


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------

ROLE_COLUMNS = {
    "harvest": {"date": "Date", "person": "First Name", "project": "Project", "task": "Task", "minutes": "Hours"},
    "toggl": {"date": "Start date", "person": "Email", "project": "Project", "task": "Task", "minutes": "Duration"},
    "clockify": {
        "date": "Start Date",
        "person": "Email",
        "project": "Project",
        "task": "Task",
        "minutes": "Duration (h)",
    },
    "margin": {"date": "Date", "person": "Email", "project": "Project code", "task": "Task", "minutes": "Minutes"},
}


def _columns(parsed: formats.ParsedFile) -> dict[str, str]:
    """The file's own spelling of the columns errors are reported against."""
    actual = {" ".join(h.lower().split()): h for h in parsed.header}
    roles = {k: actual.get(v.lower(), v) for k, v in ROLE_COLUMNS[parsed.format].items()}
    if parsed.format == "harvest" and "email" in actual:
        roles["person"] = actual["email"]
    roles["note"] = actual.get("notes") or actual.get("description") or "Notes"
    roles["category"] = actual.get("category") or actual.get("time category") or "Category"
    return roles


def time_csv_preview(*, viewer: Viewer, data: bytes, order: str = "auto", progress: Progress | None = None) -> Preview:
    """Read and check a file; nothing is written. File-level problems raise Invalid (field "file")."""
    require_importer(viewer)
    if order not in ("auto", "mdy", "dmy"):
        raise Invalid("Choose month/day or day/month for the dates.", field="date_order")
    try:
        lines = max(data.count(b"\n"), 1)
        parsed = formats.parse(
            data, order=order, progress=(lambda n: progress(min(40 * n // lines, 40), 100)) if progress else None
        )
    except formats.FileError as error:
        raise Invalid(str(error), field="file") from None
    columns = _columns(parsed)
    directory = _Directory(viewer)
    candidates: list[Candidate] = []
    for row in parsed.rows:
        c = Candidate(
            ref=row.line,
            work_date=row.work_date,
            minutes=row.minutes,
            billable=row.billable,
            note=row.note,
            errors=list(row.errors),
            person_label=row.email or row.person_name,
            project_label=" · ".join(p for p in (row.client, row.project_code or row.project) if p),
            task_label=row.task,
        )
        category = category_of(row.category)
        if category is None:
            c.error(
                columns["category"], f"{row.category!r} is not a time category (work, internal, sales, training, leave)"
            )
        else:
            c.category = category
        if row.email or row.person_name:
            c.person_id, problem = directory.person(row.email, row.person_name)
            if problem:
                c.error(columns["person"], problem)
        if row.project or row.project_code:
            c.project_id, problem = directory.project(row.project_code, row.client, row.project)
            if problem:
                c.error(columns["project"], problem)
        candidates.append(c)
    if progress is not None:
        progress(50, 100)
    directory.load_tasks({c.project_id for c in candidates if c.project_id is not None})
    for c, row in zip(candidates, parsed.rows, strict=True):
        if c.project_id is not None and row.task:
            c.task_id, problem = directory.task(c.project_id, row.task)
            if problem:
                c.error(columns["task"], problem)
    check(viewer, candidates, directory, columns)
    if progress is not None:
        progress(70, 100)
    return Preview(parsed.format, parsed.encoding, parsed.delimiter, candidates, parsed.warnings, columns)


def _billable_defaults(task_ids: set[int]) -> dict[int, bool]:
    return dict(Task.objects.filter(id__in=task_ids).values_list("id", "billable"))


@transaction.atomic
def _commit(viewer: Viewer, candidates: Sequence[Candidate], *, approved: bool) -> list[int]:
    """Insert the checked rows through `time_entries_import` (all or none); returns the new ids in row order."""
    defaults = _billable_defaults({c.task_id for c in candidates if c.task_id is not None and c.billable is None})
    rows = [
        ImportRow(
            project_id=c.project_id or 0,
            task_id=c.task_id,
            person_id=c.person_id or 0,
            work_date=c.work_date or date.min,
            minutes=c.minutes or 0,
            billable=c.billable if c.billable is not None else defaults.get(c.task_id or 0, True),
            note=c.note.strip(),
            category=c.category,
        )
        for c in candidates
    ]
    return time_entries_import(viewer=viewer, rows=rows, approved=approved)


def time_csv_import(
    *,
    viewer: Viewer,
    data: bytes,
    order: str = "auto",
    approved: bool = False,
    progress: Progress | None = None,
) -> int:
    """Check the file again and import every row as one batch, or nothing: any row error refuses the whole file
    (Invalid, naming the first problem and the count). Returns the number of entries created."""
    preview = time_csv_preview(viewer=viewer, data=data, order=order, progress=progress)
    if not preview.ok:
        raise Invalid(preview.summary(), field="file")
    try:
        ids = _commit(viewer, preview.rows, approved=approved)
    except DomainError as error:
        raise type(error)(f"Nothing was imported: {error.message}", field=error.field or "file") from None
    if progress is not None:
        progress(100, 100)
    return len(ids)


# --------------------------------------------------------------------------------------------------
# The bulk API
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkItem:
    project_id: int
    work_date: date
    minutes: int
    task_id: int | None = None
    person_id: int | None = None
    person_email: str = ""
    billable: bool | None = None
    note: str = ""
    category: str = TimeCategory.WORK.value


@dataclass
class BulkResult:
    index: int
    id: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


def time_entries_bulk(
    *, viewer: Viewer, items: Sequence[BulkItem], mode: str = "all", approved: bool = False
) -> tuple[int, list[BulkResult]]:
    """Create many entries at once. mode "all": any row error and nothing is created; mode "valid": the rows without
    errors are created (as one batch) and the others reported. Returns (created count, one result per item)."""
    require_importer(viewer, approved=approved)
    if mode not in ("all", "valid"):
        raise Invalid("mode is 'all' or 'valid'.", field="mode")
    if not items:
        raise Invalid("There are no entries.", field="entries")
    directory = _Directory(viewer)
    candidates: list[Candidate] = []
    for i, item in enumerate(items):
        c = Candidate(
            ref=i,
            project_id=item.project_id,
            task_id=item.task_id,
            work_date=item.work_date,
            minutes=item.minutes,
            billable=item.billable,
            note=item.note,
            category=item.category,
        )
        if item.person_id is not None:
            c.person_id = item.person_id
        elif item.person_email:
            c.person_id, problem = directory.person(item.person_email, "")
            if problem:
                c.error("person_email", problem)
        elif viewer.person_id is not None:
            c.person_id = viewer.person_id
        else:
            c.error("person_id", "no person: give person_id or person_email")
        candidates.append(c)
    directory.load_tasks({c.project_id for c in candidates if c.project_id in directory.projects})
    check(viewer, candidates, directory, {})
    results = [BulkResult(c.ref, errors=[{"field": f, "message": m} for f, m in c.errors]) for c in candidates]
    good = [c for c in candidates if not c.errors]
    if mode == "all" and len(good) != len(candidates):
        return 0, results
    if not good:
        return 0, results
    ids = _commit(viewer, good, approved=approved)
    for c, pk in zip(good, ids, strict=False):
        results[c.ref].id = pk
    return len(good), results
