"""A real consumer: MPXJ (the Java library behind most MS Project readers) reads Margin's export, and Margin
imports a file MPXJ writes. Skipped when Java, JPype or mpxj is missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from margin.integrations.conftest import Planned
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects.models import Dependency, Task
from margin.projects.planning import to_local

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
    path.write_bytes(project_export_mspdi(planned.firm.project))
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


def test_margin_imports_a_file_mpxj_writes(planned: Planned, tmp_path: Path, jvm: None) -> None:
    from java.time import LocalDateTime
    from org.mpxj import Duration, ProjectFile, Relation, RelationType, TimeUnit
    from org.mpxj.mspdi import MSPDIWriter

    project = ProjectFile()
    calendar = project.addDefaultBaseCalendar()
    project.getProjectProperties().setDefaultCalendar(calendar)
    project.getProjectProperties().setStartDate(LocalDateTime.of(2026, 3, 2, 8, 0))
    phase = project.addTask()
    phase.setName("Groundwork")
    dig = phase.addTask()
    dig.setName("Dig")
    dig.setDuration(Duration.getInstance(2, TimeUnit.DAYS))
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
    path = tmp_path / "mpxj.xml"
    MSPDIWriter().write(project, str(path))

    count = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=path.read_bytes())
    assert count == 4
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
    # Scheduled by Margin's engine on its calendar (Mon–Fri 09–13, 14–18) from Monday 2 March 2026.
    assert to_local(rows["Dig"].start) == datetime(2026, 3, 2, 9)
    assert to_local(rows["Pour"].start) == datetime(2026, 3, 3, 9)
    assert to_local(rows["Pour"].finish) == datetime(2026, 3, 5, 18)
    assert to_local(rows["Handover"].finish) == datetime(2026, 3, 5, 13)  # 4 working hours before 18:00
