"""The Kanban board read: columns (with WIP counts), swimlanes and cards, in a fixed number of queries.

One board shows the leaf tasks of one project (its own columns and WIP limits) or of several projects (one
column per task status, no limits). Cards carry the assignee, the due date, logged against estimated minutes
(logged: time entries not rejected, summed in one grouped query) and the critical flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from margin.accounts.models import Person
from margin.projects.models import BoardColumn, Project, Task, TaskStatus
from margin.projects.planning import due_day, task_people
from margin.timesheets.models import EntryStatus, TimeEntry

LANES = ("none", "assignee", "phase")


def initials(name: str) -> str:
    parts = [p for p in name.replace(".", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@dataclass(frozen=True)
class Card:
    id: int
    project_id: int
    project_code: str
    name: str
    status: str
    rank: int  # place in its project's column, from 0
    assignee_id: int | None  # the lead: the person assigned at the most units (ADR 0011)
    assignee_name: str
    due: date | None
    overdue: bool
    logged_minutes: int
    estimate_minutes: int
    critical: bool
    phase_id: int | None
    others: tuple[str, ...] = ()  # the other people assigned, after the lead

    @property
    def assignee_initials(self) -> str:
        return initials(self.assignee_name) if self.assignee_name else ""

    @property
    def progress_pct(self) -> int:
        if self.estimate_minutes <= 0:
            return 100 if self.logged_minutes else 0
        return min(100, self.logged_minutes * 100 // self.estimate_minutes)

    @property
    def over_estimate(self) -> bool:
        return self.logged_minutes > self.estimate_minutes > 0


@dataclass(frozen=True)
class Column:
    status: str
    name: str
    wip_limit: int | None
    count: int
    column_id: int | None = None

    @property
    def over(self) -> bool:
        return self.wip_limit is not None and self.count > self.wip_limit

    @property
    def at_limit(self) -> bool:
        return self.wip_limit is not None and self.count == self.wip_limit


@dataclass
class Lane:
    key: str  # "all", "p<person id>", "unassigned", "t<phase id>", "nophase"
    name: str
    person_id: int | None = None
    cells: dict[str, list[Card]] = field(default_factory=dict)


@dataclass
class Board:
    columns: list[Column]
    lanes: list[Lane]
    lanes_by: str

    def cells(self) -> list[tuple[Lane, list[tuple[Column, list[Card]]]]]:
        return [(lane, [(c, lane.cells.get(c.status, [])) for c in self.columns]) for lane in self.lanes]

    @property
    def cards(self) -> list[Card]:
        return [card for lane in self.lanes for cards in lane.cells.values() for card in cards]


def leaf_tasks(projects: QuerySet[Project] | list[Project]) -> QuerySet[Task]:
    """The cards of some projects: their leaf tasks (a task with subtasks is a summary, not a card)."""
    return Task.objects.filter(project__in=projects).filter(~Exists(Task.objects.filter(parent=OuterRef("pk"))))


def board_of(
    projects: list[Project],
    *,
    columns: list[BoardColumn] | None = None,
    lanes_by: str = "none",
    members: list[Person] | None = None,
    today: date | None = None,
) -> Board:
    """The board of ``projects``. ``columns``: one project's own columns (else one per task status);
    ``members``: the people to show an assignee lane for even when they hold no card."""
    today = today or timezone.localdate()
    tasks = list(
        leaf_tasks(projects)
        .select_related("project")
        .order_by("board_position", "project_id", "id")
        .only(
            "id", "name", "status", "board_position", "finish", "planned_finish", "deadline",
            "estimate_minutes", "critical", "parent_id", "project__code",
        )
    )  # fmt: skip
    people = task_people(t.pk for t in tasks)
    project_ids = [p.pk for p in projects]
    logged = {
        row["task_id"]: int(row["total"] or 0)
        for row in TimeEntry.objects.filter(project_id__in=project_ids, task__isnull=False)
        .exclude(status=EntryStatus.REJECTED)
        .values("task_id")
        .annotate(total=Sum("minutes"))
        .order_by()
    }
    parents: dict[int, int | None] = {}
    names: dict[int, str] = {}
    if lanes_by == "phase":
        for pk, parent_id, name in Task.objects.filter(project_id__in=project_ids).values_list(
            "id", "parent_id", "name"
        ):
            parents[pk] = parent_id
            names[pk] = name
    ranks: dict[tuple[int, str], int] = {}
    cards: list[Card] = []
    for task in tasks:
        rank_key = (task.project_id, task.status)
        rank = ranks.get(rank_key, 0)
        ranks[rank_key] = rank + 1
        due = due_day(deadline=task.deadline, finish=task.finish, planned_finish=task.planned_finish)
        phase: int | None = None
        if lanes_by == "phase" and task.parent_id is not None:
            phase = task.parent_id
            up = parents.get(phase)
            while up is not None:
                phase, up = up, parents.get(up)
        cards.append(
            Card(
                id=task.pk,
                project_id=task.project_id,
                project_code=task.project.code,
                name=task.name,
                status=task.status,
                rank=rank,
                assignee_id=people[task.pk][0].id if task.pk in people else None,
                assignee_name=people[task.pk][0].name if task.pk in people else "",
                others=tuple(p.name for p in people.get(task.pk, [])[1:]),
                due=due,
                overdue=due is not None and due < today and task.status != TaskStatus.DONE,
                logged_minutes=logged.get(task.pk, 0),
                estimate_minutes=task.estimate_minutes,
                critical=task.critical,
                phase_id=phase,
            )
        )
    counts: dict[str, int] = {}
    for card in cards:
        counts[card.status] = counts.get(card.status, 0) + 1
    if columns is not None:
        board_columns = [Column(c.status, c.name, c.wip_limit, counts.get(c.status, 0), c.pk) for c in columns]
    else:
        board_columns = [Column(s.value, str(s.label), None, counts.get(s.value, 0)) for s in TaskStatus]
    lanes: dict[str, Lane] = {}
    if lanes_by == "assignee":
        for person in members or []:
            lanes[f"p{person.pk}"] = Lane(f"p{person.pk}", person.name, person.pk)
    for card in cards:
        if lanes_by == "assignee":
            key = f"p{card.assignee_id}" if card.assignee_id else "unassigned"
            lane = lanes.setdefault(key, Lane(key, card.assignee_name or "Unassigned", card.assignee_id))
        elif lanes_by == "phase":
            key = f"t{card.phase_id}" if card.phase_id else "nophase"
            lane = lanes.setdefault(key, Lane(key, names.get(card.phase_id or 0, "No phase")))
        else:
            lane = lanes.setdefault("all", Lane("all", ""))
        lane.cells.setdefault(card.status, []).append(card)
    if lanes_by == "assignee":
        lanes.setdefault("unassigned", Lane("unassigned", "Unassigned"))
    if not lanes:
        lanes["all"] = Lane("all", "")
    ordered = sorted(lanes.values(), key=lambda lane: (lane.key in ("unassigned", "nophase"), lane.name.lower()))
    return Board(board_columns, ordered, lanes_by)
