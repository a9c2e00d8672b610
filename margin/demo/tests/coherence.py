"""What a loaded demo firm must never contradict, checked on the database: each check returns the problems it
finds (an empty list is a coherent firm), so a failing test names every contradiction at once."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import F, Max, Min, Sum

from margin.expenses.models import ExpenseKind, ExpenseLine, MileageRate, PerDiemRate
from margin.projects.models import Baseline, Dependency, LinkKind, Project, Task, TaskStatus
from margin.projects.planning import calendar_of, network_of, to_local
from margin.rates.costing import planned_costs
from margin.rates.models import ExchangeRate
from margin.resourcing.models import Assignment
from margin.timesheets.models import EntryStatus, TimeEntry

STARTED = (TaskStatus.IN_PROGRESS, TaskStatus.REVIEW)


def task_problems(project: Project) -> list[str]:
    """Status, % complete, actual dates and time agree; every task with work has someone assigned."""
    tasks = list(Task.objects.filter(project=project))
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    time = {
        row["task_id"]: row
        for row in TimeEntry.objects.filter(project=project)
        .exclude(status=EntryStatus.REJECTED)
        .values("task_id")
        .annotate(minutes=Sum("minutes"), first=Min("work_date"), last=Max("work_date"))
    }
    assigned = defaultdict(set)
    for task_id, person_id in Assignment.objects.filter(task__project=project).values_list("task_id", "person_id"):
        assigned[task_id].add(person_id)
    out: list[str] = []
    for t in tasks:
        if t.pk in parents:
            continue
        where = f"{project.code} {t.name!r}"
        logged = time.get(t.pk)
        started, finished = to_local(t.actual_start), to_local(t.actual_finish)
        if t.status == TaskStatus.TODO and (t.percent_complete or logged or started):
            out.append(f"{where} is to do but {t.percent_complete} % done, time {logged}, started {started}")
        if t.status in STARTED and not (1 <= t.percent_complete <= 99 and logged and started and not finished):
            out.append(f"{where} is in progress at {t.percent_complete} %, time {logged}, {started} → {finished}")
        if t.status == TaskStatus.DONE and not (
            t.percent_complete == 100 and started and finished and (logged or t.duration_minutes == 0)
        ):
            out.append(f"{where} is done at {t.percent_complete} %, time {logged}, {started} → {finished}")
        if logged and started and logged["first"] < started.date():
            out.append(f"{where} has time on {logged['first']}, before it started ({started})")
        if logged and finished and logged["last"] > finished.date():
            out.append(f"{where} has time on {logged['last']}, after it finished ({finished})")
        if t.duration_minutes and not assigned[t.pk]:
            out.append(f"{where} has work but nobody assigned")
    return out


def schedule_problems(project: Project) -> list[str]:
    """The stored schedule is the engine's (a reschedule would move nothing, summaries roll up) and every link
    holds in it, on the project's calendar."""
    out: list[str] = []
    stored = {t.pk: t for t in Task.objects.filter(project=project)}
    result = network_of(project).schedule()
    for scheduled in result:
        task = stored[scheduled.id]
        if (to_local(task.start), to_local(task.finish)) != (scheduled.start, scheduled.finish):
            out.append(f"{project.code} {task.name!r} is stored {task.start}–{task.finish}, scheduled otherwise")
        if scheduled.summary and task.percent_complete != round(scheduled.percent_complete):
            out.append(f"{project.code} {task.name!r} rolls up to {scheduled.percent_complete} %")
    if result.conflicts:
        out.append(f"{project.code} plan conflicts: {[c.message for c in result.conflicts]}")
    calendar = calendar_of(project)

    def at(moment: object) -> int:
        local = to_local(moment)  # type: ignore[arg-type]
        assert local is not None
        return calendar.to_working(local)

    for link in Dependency.objects.filter(project=project).select_related("predecessor", "successor"):
        pred, succ = link.predecessor, link.successor
        bound = {
            LinkKind.FS: (at(pred.finish), at(succ.start)),
            LinkKind.SS: (at(pred.start), at(succ.start)),
            LinkKind.FF: (at(pred.finish), at(succ.finish)),
            LinkKind.SF: (at(pred.start), at(succ.finish)),
        }[LinkKind(link.kind)]
        if bound[1] < bound[0] + link.lag_minutes:
            out.append(f"{project.code}: {pred.name!r} → {succ.name!r} ({link.kind}) does not hold")
    return out


def plan_shape_problems(project: Project) -> list[str]:
    """A plan worth showing: finish-to-start and overlapping links, milestones, a costed baseline."""
    out: list[str] = []
    kinds = set(Dependency.objects.filter(project=project).values_list("kind", flat=True))
    if LinkKind.FS not in kinds or not kinds & {LinkKind.SS, LinkKind.FF}:
        out.append(f"{project.code} has links of kinds {sorted(kinds)} only")
    if not Task.objects.filter(project=project, duration_minutes=0, children__isnull=True).exists():
        out.append(f"{project.code} has no milestone")
    if not Task.objects.filter(project=project, deadline__isnull=False).exists():
        out.append(f"{project.code} has no deadline")
    baseline = Baseline.objects.filter(project=project, index=0).first()
    if baseline is None or baseline.cost_minor <= 0:
        out.append(f"{project.code} has no costed baseline")
    unvalued = planned_costs(project).unvalued
    if unvalued:
        out.append(f"{project.code} has tasks its planned cost cannot value: {unvalued}")
    return out


def time_problems(today: date) -> list[str]:
    out: list[str] = []
    if TimeEntry.objects.filter(work_date__gte=today).exists():
        out.append("time is logged today or later")
    early = TimeEntry.objects.filter(work_date__lt=F("person__start_date")).count()
    if early:
        out.append(f"{early} entries are before their person's start date")
    unvalued = TimeEntry.objects.filter(status=EntryStatus.APPROVED, cost_amount_minor__isnull=True).count()
    if unvalued:
        out.append(f"{unvalued} approved entries are not valued")
    return out


def rate_problems(first: date, today: date, max_gap_days: int = 4) -> list[str]:
    """Every day from `first` to `today` has an exchange rate of each pair the demo quotes at most a few days old
    (weekends and holidays have none, as the ECB's), and the mileage and per-diem rates cover every claim."""
    out: list[str] = []
    days: dict[tuple[str, str], list[date]] = defaultdict(list)
    for source, target, day in ExchangeRate.objects.values_list("from_currency", "to_currency", "day").order_by("day"):
        days[(source, target)].append(day)
    if not days:
        return ["there are no exchange rates"]
    for pair, quoted in days.items():
        covered = set(quoted)
        day, last = first, None
        while day <= today:
            if day in covered:
                last = day
            if last is None or (day - last).days > max_gap_days:
                out.append(f"{pair[0]}→{pair[1]} has no rate within {max_gap_days} days of {day}")
                break
            day += timedelta(days=1)
    for line in ExpenseLine.objects.select_related("claim"):
        if line.currency != line.claim.currency and (line.date - line.rate_date).days > max_gap_days:
            out.append(f"the {line.currency} line of {line.date} is converted at a rate of {line.rate_date}")
        company = line.claim.company_id
        mileage = MileageRate.objects.filter(company_id=company, valid_from__lte=line.date)
        if line.kind == ExpenseKind.MILEAGE and not mileage.exists():
            out.append(f"no mileage rate on {line.date}")
        per_diem = PerDiemRate.objects.filter(company_id=company, country=line.country, valid_from__lte=line.date)
        if line.kind == ExpenseKind.PER_DIEM and not per_diem.exists():
            out.append(f"no per-diem rate for {line.country} on {line.date}")
    return out


def all_problems(today: date) -> list[str]:
    out = time_problems(today)
    first = TimeEntry.objects.aggregate(first=Min("work_date"))["first"] or today
    out += rate_problems(first, today)
    for project in Project.objects.filter(is_template=False).order_by("code"):
        out += task_problems(project) + schedule_problems(project) + plan_shape_problems(project)
    return out
