"""Export of a stored plan and import through the real actions, all or nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import project_export_mspdi, project_import_mspdi
from margin.projects.models import Dependency, Task
from margin.projects.planning import to_local, wbs_order


def _plan_of(project_id: int) -> tuple[dict[str, tuple], set[tuple]]:
    tasks = {
        t.name: (
            t.parent.name if t.parent else None,
            t.duration_minutes,
            t.scheduling,
            t.constraint,
            to_local(t.constraint_date),
            t.percent_complete,
            to_local(t.start),
            to_local(t.finish),
        )
        for t in Task.objects.filter(project_id=project_id).select_related("parent")
    }
    links = {
        (d.predecessor.name, d.successor.name, d.kind, d.lag_minutes, d.lag_percent)
        for d in Dependency.objects.filter(project_id=project_id).select_related("predecessor", "successor")
    }
    return tasks, links


def test_export_has_wbs_links_calendar_resources_assignments_and_baselines(planned: Planned) -> None:
    parsed = mspdi.read(project_export_mspdi(planned.firm.project))
    by_name = {t.name: t for t in parsed.tasks}
    outline = wbs_order(list(Task.objects.filter(project=planned.firm.project)))
    assert [(t.name, t.wbs, t.outline_level) for t in parsed.tasks] == [(t.name, c, d + 1) for t, c, d in outline]
    assert by_name["Design"].wbs.startswith(by_name["Phase 1"].wbs + ".") and by_name["Design"].outline_level == 2
    assert by_name["Phase 1"].summary and not by_name["Design"].summary
    assert by_name["Launch"].milestone and by_name["Launch"].duration_minutes == 0
    assert by_name["Workshop <pinned>"].manual and by_name["Workshop <pinned>"].start == datetime(2026, 3, 4, 14)
    assert by_name["Review & sign-off"].constraint == "SNET"
    assert by_name["Review & sign-off"].constraint_date == datetime(2026, 3, 9, 9)
    assert by_name["Design"].percent_complete == 50
    assert by_name["Design"].start == to_local(planned.design.start)
    assert by_name["Build"].finish == to_local(planned.build.finish)
    assert by_name["Build"].links == (mspdi.MsLink(planned.design.pk, "FS", 60),)
    assert by_name["Review & sign-off"].links == (mspdi.MsLink(planned.build.pk, "SS", 480),)
    assert by_name["Launch"].links == (mspdi.MsLink(planned.review.pk, "FF", -60),)
    assert by_name["Workshop <pinned>"].links == (mspdi.MsLink(planned.design.pk, "SF", 0),)
    assert [b.number for b in by_name["Design"].baselines] == [0]
    assert parsed.calendar.week[0] == [(540, 780), (840, 1080)] and parsed.calendar.week[5] == []
    names = {r.name: r for r in parsed.resources}
    assert {"Maya", "Tom", "Lea"} <= set(names)
    assert names["Tom"].email == "tom@example.test"
    assert names["Developers"].max_units == 300
    units = {(a.task_uid, a.units) for a in parsed.assignments}
    assert units == {(planned.design.pk, 100), (planned.build.pk, 200)}


def test_import_rebuilds_the_same_plan_through_the_actions(planned: Planned) -> None:
    data = project_export_mspdi(planned.firm.project)
    count = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert count == 6
    assert _plan_of(planned.empty.pk) == _plan_of(planned.firm.project.pk)
    assert AuditEntry.objects.filter(action="task.create", after__name="Launch").count() == 2


BAD = {
    "not xml": (b"this is not xml", "not well-formed XML (line 1"),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<Project><Name>&lol2;</Name></Project>",
        "entity",
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Project><Name>&xxe;</Name>'
        b"</Project>",
        "refused",
    ),
    "wrong root": (b"<Invoice/>", "no <Project> root"),
    "bad duration": (
        b"<Project>\n<Tasks>\n<Task><UID>1</UID><Name>A</Name>\n<Duration>soon</Duration></Task></Tasks></Project>",
        "<Duration> on line 4: 'soon' is not a duration",
    ),
    "negative duration": (
        b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><Duration>-PT8H0M0S</Duration></Task></Tasks></Project>",
        "negative",
    ),
    "unknown predecessor": (
        b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><PredecessorLink><PredecessorUID>9</PredecessorUID>"
        b"</PredecessorLink></Task></Tasks></Project>",
        "no task with UID 9",
    ),
    "bad link type": (
        b"<Project><Tasks><Task><UID>1</UID><Name>A</Name></Task><Task><UID>2</UID><Name>B</Name><PredecessorLink>"
        b"<PredecessorUID>1</PredecessorUID><Type>7</Type></PredecessorLink></Task></Tasks></Project>",
        "unknown link type 7",
    ),
    "cycle": (
        b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><PredecessorLink><PredecessorUID>2</PredecessorUID>"
        b"</PredecessorLink></Task><Task><UID>2</UID><Name>B</Name><PredecessorLink><PredecessorUID>1"
        b"</PredecessorUID></PredecessorLink></Task></Tasks></Project>",
        "cycle",
    ),
    "no tasks": (b"<Project><Name>x</Name></Project>", "no tasks"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_files_are_refused_and_nothing_is_imported(planned: Planned, case: str) -> None:
    data, message = BAD[case]
    audits = AuditEntry.objects.count()
    with pytest.raises(Invalid) as refused:
        project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert message.lower() in refused.value.message.lower()
    assert not Task.objects.filter(project=planned.empty).exists()
    assert not Dependency.objects.filter(project=planned.empty).exists()
    assert AuditEntry.objects.count() == audits


def test_import_refuses_a_project_with_tasks_and_non_managers(planned: Planned) -> None:
    data = project_export_mspdi(planned.firm.project)
    before = Task.objects.count()
    with pytest.raises(Conflict):
        project_import_mspdi(viewer=planned.firm.manager, project=planned.firm.project, data=data)
    with pytest.raises(Forbidden):
        project_import_mspdi(viewer=planned.firm.member, project=planned.empty, data=data)
    assert Task.objects.count() == before
