"""My work: what a person who logs time needs on their home, and nothing about money.

Today's and this week's tasks (leaf tasks they have a person assignment on — who works on a task, ADR 0011 —
not done, on open projects, templates aside), the running timer, the hours of this week against their capacity
day by day, the entries to fix after a rejection, and upcoming deadlines. A fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from margin.core.periods import week_days, week_start
from margin.projects.models import ProjectMember, ProjectStatus, Task, TaskStatus
from margin.projects.planning import due_day, finish_day, to_aware, to_local
from margin.resourcing.models import Assignment
from margin.timesheets.models import EntryStatus, TimeEntry, Timer
from margin.timesheets.queries import capacity_of

DEADLINE_DAYS = 14  # "upcoming": deadlines in the next two weeks
MAX_TASKS = 200  # of one person's open tasks around this week: far more than a home shows
MAX_FIXES = 10


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    name: str
    project_id: int
    project_code: str
    start: date | None  # local days: scheduled, else planned
    finish: date | None
    deadline: date | None
    due: date | None  # the deadline, else the finish (`projects.planning.due_day`)
    percent_complete: int
    late: bool  # due before today and not done


@dataclass(frozen=True)
class Fix:
    """A rejected entry: back to the week grid to change it and submit it again."""

    entry_id: int
    work_date: date
    project_code: str
    task_name: str
    minutes: int
    reason: str


@dataclass(frozen=True)
class DayLoad:
    day: date
    minutes: int  # logged, rejected time not counted
    capacity: int

    @property
    def over(self) -> bool:
        return 0 < self.capacity < self.minutes


@dataclass(frozen=True)
class MyWork:
    today: date
    monday: date
    today_tasks: list[TaskLine]  # scheduled on today, and late ones
    week_tasks: list[TaskLine]  # the rest of this week's
    deadlines: list[TaskLine]  # explicit deadlines from today to DEADLINE_DAYS ahead (missed ones are late today)
    timer: Timer | None
    days: list[DayLoad]
    capacity_minutes: int
    draft_minutes: int  # this week's time not yet submitted (drafts and rejected entries)
    fixes: list[Fix]
    fix_count: int

    @property
    def week_minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    @property
    def week_pct(self) -> int | None:
        return round(100 * self.week_minutes / self.capacity_minutes) if self.capacity_minutes > 0 else None


def tasks_of_person(person_id: int) -> QuerySet[Task]:
    """Open leaf tasks of open projects (not templates) that the person is assigned to (ADR 0011)."""
    assigned = Assignment.objects.filter(task_id=OuterRef("pk"), person_id=person_id)
    has_children = Task.objects.filter(parent_id=OuterRef("pk"))
    return (
        Task.objects.filter(Exists(assigned), ~Exists(has_children), closed=False, percent_complete__lt=100)
        .exclude(status=TaskStatus.DONE)
        .exclude(project__status=ProjectStatus.CLOSED)
        .exclude(project__is_template=True)
    )


def works_on_projects(person_id: int) -> bool:
    """Does the person belong to an open project, not a template (the home then has a "My work" part)?"""
    members = ProjectMember.objects.filter(person_id=person_id, project__is_template=False)
    return members.exclude(project__status=ProjectStatus.CLOSED).exists()


def _line(task: Task, today: date) -> TaskLine:
    start = to_local(task.start)
    first = start.date() if start is not None else task.planned_start
    last = finish_day(task.finish) or task.planned_finish
    due = due_day(deadline=task.deadline, finish=task.finish, planned_finish=task.planned_finish)
    return TaskLine(
        task_id=task.pk,
        name=task.name,
        project_id=task.project_id,
        project_code=task.project.code,
        start=first,
        finish=last,
        deadline=task.deadline,
        due=due,
        percent_complete=task.percent_complete,
        late=due is not None and due < today,
    )


def _tasks(person_id: int, today: date, monday: date) -> tuple[list[TaskLine], list[TaskLine], list[TaskLine]]:
    sunday = monday + timedelta(days=6)
    week_end = to_aware(datetime.combine(sunday + timedelta(days=1), time()))
    horizon = today + timedelta(days=DEADLINE_DAYS)
    near = (
        Q(start__lt=week_end)
        | Q(start__isnull=True, planned_start__lte=sunday)
        | Q(start__isnull=True, planned_start__isnull=True, planned_finish__lte=sunday)
        | Q(deadline__lte=horizon)
    )
    rows = (
        tasks_of_person(person_id)
        .filter(near)
        .select_related("project")
        .only(
            "id", "name", "project_id", "project__code", "start", "finish", "planned_start", "planned_finish",
            "deadline", "percent_complete",
        )
        .order_by("finish", "planned_finish", "id")[:MAX_TASKS]
    )  # fmt: skip
    lines = [_line(task, today) for task in rows]
    on_today = [t for t in lines if t.late or (t.start is not None and t.start <= today <= (t.finish or today))]
    shown = {t.task_id for t in on_today}
    this_week = [
        t
        for t in lines
        if t.task_id not in shown and t.start is not None and t.start <= sunday and (t.finish or t.start) >= monday
    ]
    deadlines = sorted(
        (t for t in lines if t.deadline is not None and today <= t.deadline <= horizon),
        key=lambda t: (t.deadline, t.project_code, t.name),
    )
    return sorted(on_today, key=lambda t: (not t.late, t.due or today, t.name)), this_week, deadlines


def my_work(person_id: int, today: date) -> MyWork:
    monday = week_start(today)
    days = week_days(monday)
    today_tasks, week_tasks, deadlines = _tasks(person_id, today, monday)
    week = TimeEntry.objects.filter(person_id=person_id, work_date__range=(monday, days[-1])).exclude(
        status=EntryStatus.REJECTED
    )
    logged = dict(week.values_list("work_date").annotate(total=Sum("minutes")).order_by())
    rejected = TimeEntry.objects.filter(person_id=person_id, status=EntryStatus.REJECTED)
    draft = TimeEntry.objects.filter(
        person_id=person_id, work_date__range=(monday, days[-1]), status__in=[EntryStatus.DRAFT, EntryStatus.REJECTED]
    ).aggregate(total=Sum("minutes"))["total"]
    weekly, per_day = capacity_of(person_id, days)
    fixes = [
        Fix(e.pk, e.work_date, e.project.code, e.task.name if e.task else "—", e.minutes, e.rejection_reason)
        for e in rejected.select_related("project", "task").order_by("work_date", "id")[:MAX_FIXES]
    ]
    return MyWork(
        today=today,
        monday=monday,
        today_tasks=today_tasks,
        week_tasks=week_tasks,
        deadlines=deadlines,
        timer=Timer.objects.filter(person_id=person_id).select_related("project", "task").first(),
        days=[DayLoad(d, int(logged.get(d) or 0), c) for d, c in zip(days, per_day, strict=True)],
        capacity_minutes=weekly,
        draft_minutes=int(draft or 0),
        fixes=fixes,
        fix_count=len(fixes) if len(fixes) < MAX_FIXES else rejected.count(),
    )
