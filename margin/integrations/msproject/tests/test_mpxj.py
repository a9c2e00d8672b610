"""A real consumer: MPXJ (the Java library behind most MS Project readers) reads Margin's export, and Margin
imports a file MPXJ writes. Skipped when Java, JPype or mpxj is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from margin.integrations.conftest import Planned
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects import actions
from margin.projects.models import BaselineTask, CalendarException, Dependency, Task
from margin.projects.planning import deadline_missed, to_local
from margin.resourcing.models import Assignment, ResourcePool

jpype = pytest.importorskip("jpype")
pytest.importorskip("mpxj")  # puts MPXJ's jars on JPype's class path
if shutil.which("java") is None and not Path("/usr/bin/java").exists():
    pytest.skip("no Java runtime", allow_module_level=True)


@pytest.fixture(scope="module")
def jvm() -> Iterator[None]:
    if not jpype.isJVMStarted():
        jpype.startJVM()
    yield


def _py(moment: Any) -> datetime | None:
    return None if moment is None else datetime.fromisoformat(str(moment.toString()))


def _minutes(duration: Any) -> float:
    """An MPXJ Duration in working minutes (8-hour days, as Margin's calendar)."""
    units = str(duration.getUnits().name())
    factor = {"MINUTES": 1, "HOURS": 60, "DAYS": 480, "WEEKS": 2400}[units]
    return float(duration.getDuration()) * factor


def test_mpxj_reads_margins_export(planned: Planned, tmp_path: Path, jvm: None) -> None:
    from org.mpxj.reader import UniversalProjectReader

    path = tmp_path / "plan.xml"
    path.write_bytes(project_export_mspdi(planned.firm.project, costs=True))
    read = UniversalProjectReader().read(str(path))
    tasks = {int(t.getUniqueID()): t for t in read.getTasks() if t.getName() is not None}
    ours = {t.pk: t for t in Task.objects.filter(project=planned.firm.project)}
    assert set(tasks) == set(ours)
    for pk, task in ours.items():
        theirs = tasks[pk]
        assert str(theirs.getName()) == task.name
        assert _py(theirs.getStart()) == to_local(task.start)
        assert _py(theirs.getFinish()) == to_local(task.finish)
        assert bool(theirs.getSummary()) == Task.objects.filter(parent=task).exists()
        if not theirs.getSummary():
            assert _minutes(theirs.getDuration()) == task.duration_minutes
    assert bool(tasks[planned.launch.pk].getMilestone())
    assert str(tasks[planned.review.pk].getConstraintType().name()) == "START_NO_EARLIER_THAN"
    assert _py(tasks[planned.review.pk].getConstraintDate()) == datetime(2026, 3, 9, 9)
    assert int(tasks[planned.design.pk].getPercentageComplete().intValue()) == 50
    assert int(tasks[planned.design.pk].getParentTask().getUniqueID()) == planned.phase.pk
    kinds = {"FINISH_START": "FS", "START_START": "SS", "FINISH_FINISH": "FF", "START_FINISH": "SF"}
    links = {
        (int(r.getPredecessorTask().getUniqueID()), pk, kinds[str(r.getType().name())], _minutes(r.getLag()))
        for pk, t in tasks.items()
        for r in t.getPredecessors()
    }
    assert links == {
        (d.predecessor_id, d.successor_id, d.kind, d.lag_minutes)
        for d in Dependency.objects.filter(project=planned.firm.project)
    }
    pools = {str(r.getName()): float(r.getMaxUnits().doubleValue()) for r in read.getResources() if r.getName()}
    assert pools["Developers"] == 300.0
    units = {
        (int(a.getTask().getUniqueID()), float(a.getUnits().doubleValue()))
        for a in read.getResourceAssignments()
        if a.getResource() is not None
    }
    assert units == {(planned.design.pk, 100.0), (planned.build.pk, 200.0)}
    assert _py(tasks[planned.design.pk].getBaselineStart()) == to_local(planned.design.start)
    assert _py(tasks[planned.design.pk].getBaselineFinish()) == to_local(planned.design.finish)
    saved = BaselineTask.objects.get(task=planned.design, baseline__index=0)
    assert _minutes(tasks[planned.design.pk].getBaselineWork()) == saved.work_minutes
    assert round(float(tasks[planned.design.pk].getBaselineCost().doubleValue()) * 100) == saved.cost_minor
    people = {str(r.getName()): r for r in read.getResources() if r.getName()}
    assert str(people["Tom"].getEmailAddress()) == "tom@example.test"
    assert bool(people["Developers"].getGeneric()) and not bool(people["Tom"].getGeneric())
    assignees = {
        (int(a.getTask().getUniqueID()), str(a.getResource().getName()))
        for a in read.getResourceAssignments()
        if a.getResource() is not None
    }
    assert assignees == {(planned.design.pk, "Tom"), (planned.build.pk, "Developers")}


def test_margin_imports_a_file_mpxj_writes(planned: Planned, tmp_path: Path, jvm: None) -> None:
    """MPXJ writes a plan with a calendar exception, resources (one matched by e-mail, one generic, one nobody
    knows), assignments and baseline 0; Margin imports the same tasks, links, calendar, resources and baselines."""
    from java.lang import Double
    from java.time import LocalDate, LocalDateTime
    from org.mpxj import Availability, Duration, ProjectFile, Relation, RelationType, TimeUnit
    from org.mpxj.common import LocalDateTimeHelper
    from org.mpxj.mspdi import MSPDIWriter

    project = ProjectFile()
    calendar = project.addDefaultBaseCalendar()  # MS Project's Standard: Mon–Fri 08–12, 13–17
    calendar.addCalendarException(LocalDate.of(2026, 3, 3), LocalDate.of(2026, 3, 3))  # Tuesday off
    project.getProjectProperties().setDefaultCalendar(calendar)
    project.getProjectProperties().setStartDate(LocalDateTime.of(2026, 3, 2, 8, 0))
    phase = project.addTask()
    phase.setName("Groundwork")
    dig = phase.addTask()
    dig.setName("Dig")
    dig.setDuration(Duration.getInstance(2, TimeUnit.DAYS))
    dig.setBaselineStart(LocalDateTime.of(2026, 2, 23, 8, 0))
    dig.setBaselineFinish(LocalDateTime.of(2026, 2, 24, 17, 0))
    dig.setBaselineDuration(Duration.getInstance(2, TimeUnit.DAYS))
    dig.setBaselineWork(Duration.getInstance(16, TimeUnit.HOURS))
    dig.setBaselineCost(Double(1234.5))
    pour = phase.addTask()
    pour.setName("Pour")
    pour.setDuration(Duration.getInstance(3, TimeUnit.DAYS))
    pour.addPredecessor(
        Relation.Builder()
        .predecessorTask(dig)
        .type(RelationType.START_START)
        .lag(Duration.getInstance(1, TimeUnit.DAYS))
    )
    done = project.addTask()
    done.setName("Handover")
    done.setDuration(Duration.getInstance(0, TimeUnit.DAYS))
    done.setMilestone(True)
    done.addPredecessor(
        Relation.Builder()
        .predecessorTask(pour)
        .type(RelationType.FINISH_START)
        .lag(Duration.getInstance(-4, TimeUnit.HOURS))
    )
    tom = project.addResource()
    tom.setName("Thomas (from the file)")
    tom.setEmailAddress("TOM@example.test")
    crew = project.addResource()
    crew.setName("Concrete crew")
    crew.setGeneric(True)
    crew.getAvailability().add(
        Availability(LocalDateTimeHelper.START_DATE_NA, LocalDateTimeHelper.END_DATE_NA, Double(300.0))
    )
    stranger = project.addResource()
    stranger.setName("Zed Stranger")
    dig.addResourceAssignment(tom)
    pour.addResourceAssignment(crew).setUnits(Double(200.0))
    pour.addResourceAssignment(stranger)
    path = tmp_path / "mpxj.xml"
    MSPDIWriter().write(project, str(path))

    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=path.read_bytes())
    assert (result.tasks, result.links, result.resources_matched, result.pools, result.pools_created) == (4, 2, 1, 1, 1)
    assert (result.assignments, result.baselines, result.calendars) == (2, 1, 1)
    assert len(result.warnings) == 1 and "Zed Stranger" in result.warnings[0]
    rows = {t.name: t for t in Task.objects.filter(project=planned.empty).select_related("parent")}
    assert set(rows) == {"Groundwork", "Dig", "Pour", "Handover"}
    assert rows["Dig"].parent == rows["Groundwork"] and rows["Pour"].parent == rows["Groundwork"]
    assert rows["Handover"].parent is None
    assert (rows["Dig"].duration_minutes, rows["Pour"].duration_minutes, rows["Handover"].duration_minutes) == (
        960,
        1440,
        0,
    )
    links = {
        (d.predecessor.name, d.successor.name, d.kind, d.lag_minutes)
        for d in Dependency.objects.filter(project=planned.empty).select_related("predecessor", "successor")
    }
    assert links == {("Dig", "Pour", "SS", 480), ("Pour", "Handover", "FS", -240)}
    # Scheduled by Margin's engine on the file's calendar (Mon–Fri 08–12, 13–17, Tuesday 3 March off).
    planned.empty.refresh_from_db()
    assert planned.empty.calendar is not None
    assert planned.empty.calendar.week["0"] == [[480, 720], [780, 1020]] and planned.empty.calendar.week["5"] == []
    assert list(CalendarException.objects.filter(calendar=planned.empty.calendar).values_list("date", "intervals")) == [
        (date(2026, 3, 3), [])
    ]
    assert to_local(rows["Dig"].start) == datetime(2026, 3, 2, 8)
    assert to_local(rows["Dig"].finish) == datetime(2026, 3, 4, 17)  # the Tuesday is skipped
    assert to_local(rows["Pour"].start) == datetime(2026, 3, 4, 8)  # a working day after Dig's start
    assert to_local(rows["Pour"].finish) == datetime(2026, 3, 6, 17)
    assert to_local(rows["Handover"].finish) == datetime(2026, 3, 6, 12)  # 4 working hours before 17:00
    people = {(a.task.name, a.person.name if a.person else a.pool.name, a.units) for a in Assignment.objects.filter(
        task__project=planned.empty).select_related("task", "person", "pool")}  # fmt: skip
    assert people == {("Dig", "Tom", 100), ("Pour", "Concrete crew", 200)}
    assert ResourcePool.objects.get(name="Concrete crew").max_units == 300
    base = BaselineTask.objects.select_related("baseline").get(task=rows["Dig"])
    assert (base.baseline.index, to_local(base.start), to_local(base.finish)) == (
        0,
        datetime(2026, 2, 23, 8),
        datetime(2026, 2, 24, 17),
    )
    assert (base.duration_minutes, base.work_minutes, base.cost_minor) == (960, 960, 123450)
    assert base.baseline.cost_minor == 123450 and base.baseline.work_minutes == 960


def test_deadlines_both_ways_with_mpxj(planned: Planned, tmp_path: Path, jvm: None) -> None:
    """MPXJ reads the deadline Margin writes; Margin reads the deadline MPXJ writes (as a day)."""
    from java.time import LocalDateTime
    from org.mpxj import Duration, ProjectFile, TimeUnit
    from org.mpxj.mspdi import MSPDIWriter
    from org.mpxj.reader import UniversalProjectReader

    actions.task_update(viewer=planned.firm.manager, task=planned.build, deadline=date(2026, 3, 4))
    path = tmp_path / "plan.xml"
    path.write_bytes(project_export_mspdi(planned.firm.project, costs=True))
    tasks = {int(t.getUniqueID()): t for t in UniversalProjectReader().read(str(path)).getTasks() if t.getName()}
    assert _py(tasks[planned.build.pk].getDeadline()) == datetime(2026, 3, 4, 18)
    assert tasks[planned.design.pk].getDeadline() is None

    project = ProjectFile()
    project.getProjectProperties().setDefaultCalendar(project.addDefaultBaseCalendar())
    project.getProjectProperties().setStartDate(LocalDateTime.of(2026, 3, 2, 8, 0))
    pour = project.addTask()
    pour.setName("Pour")
    pour.setDuration(Duration.getInstance(3, TimeUnit.DAYS))
    pour.setDeadline(LocalDateTime.of(2026, 3, 3, 17, 0))
    written = tmp_path / "mpxj.xml"
    MSPDIWriter().write(project, str(written))
    project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=written.read_bytes())
    task = Task.objects.get(project=planned.empty, name="Pour")
    assert task.deadline == date(2026, 3, 3)
    assert deadline_missed(task.finish, task.deadline)  # three days from Monday 2 March finish on Wednesday


def test_mpxj_reads_leveling_delay_time_units_and_currency(planned: Planned, tmp_path: Path, jvm: None) -> None:
    from org.mpxj.reader import UniversalProjectReader

    leveled_start = datetime(2026, 3, 6, 9)
    Task.objects.filter(pk=planned.design.pk).update(
        leveling_delay_minutes=960, constraint="SNET", constraint_date=leveled_start.astimezone()
    )
    path = tmp_path / "leveled.xml"
    path.write_bytes(project_export_mspdi(planned.firm.project, costs=True))
    read = UniversalProjectReader().read(str(path))
    design = next(
        t for t in read.getTasks() if t.getUniqueID() is not None and int(t.getUniqueID()) == planned.design.pk
    )
    assert _minutes(design.getLevelingDelay()) == 960
    assert str(design.getConstraintType().name()) == "AS_SOON_AS_POSSIBLE"
    properties = read.getProjectProperties()
    assert (int(properties.getMinutesPerDay()), int(properties.getMinutesPerWeek())) == (480, 2400)
    assert int(properties.getDaysPerMonth()) == 22  # five working days a week, 52 weeks over 12 months
    assert str(properties.getCurrencyCode()) == "USD"
