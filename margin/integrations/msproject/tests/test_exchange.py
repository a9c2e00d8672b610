"""Export of a stored plan and import through the real actions, all or nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from margin.accounts.models import Person
from margin.core.errors import Conflict, Forbidden, Invalid
from margin.core.models import AuditEntry
from margin.integrations.conftest import Planned
from margin.integrations.msproject import mspdi
from margin.integrations.msproject.exchange import POOL_UID_OFFSET, project_export_mspdi, project_import_mspdi
from margin.projects import actions
from margin.projects.models import Baseline, BaselineTask, CalendarException, Dependency, Task, WorkCalendar
from margin.projects.planning import calendar_row_of, to_aware, to_local, wbs_order
from margin.resourcing.models import Assignment, ResourcePool
from tests.checks import refused


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
    parsed = mspdi.read(project_export_mspdi(planned.firm.project, costs=True))
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
    data = project_export_mspdi(planned.firm.project, costs=True)
    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert (result.tasks, result.links, result.assignments, result.baselines) == (6, 4, 2, 1)
    # The pool is the organisation's (same name, same capacity): shared with the project the file came from.
    uid = POOL_UID_OFFSET + ResourcePool.objects.get(name="Developers").pk  # the file names pools by their id
    assert result.warnings == (
        f"Resource 'Developers' (UID {uid}, line 2) uses the organisation's pool 'Developers' (300 %), shared with "
        "1 other project(s): their work on it counts when this plan is leveled.",
    )
    assert _plan_of(planned.empty.pk) == _plan_of(planned.firm.project.pk)
    entry = AuditEntry.objects.get(action="project.import_mspdi")
    assert entry.after["tasks"] == 6 and entry.after["links"] == 4


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
    data = project_export_mspdi(planned.firm.project, costs=True)
    before = Task.objects.count()
    with pytest.raises(Conflict):
        project_import_mspdi(viewer=planned.firm.manager, project=planned.firm.project, data=data)
    with pytest.raises(Forbidden):
        project_import_mspdi(viewer=planned.firm.member, project=planned.empty, data=data)
    assert Task.objects.count() == before


# --- calendars, resources, baselines; one transaction --------------------------------------------------------

FOUR_DAYS = {d: [(540, 780), (840, 1080)] if d < 4 else [] for d in range(7)}  # Mon–Thu 09–13, 14–18


def _file(**changes: object) -> bytes:
    """Two tasks (3 days, then 1 day FS) on a four-day week with Tuesday 3 March 2026 off; more via ``changes``."""
    project = mspdi.MsProject(
        name="Four days",
        start=datetime(2026, 3, 2, 9),
        tasks=[
            mspdi.MsTask(1, "Pour", 1, duration_minutes=3 * 480),
            mspdi.MsTask(2, "Cure", 1, duration_minutes=480, links=(mspdi.MsLink(1),)),
        ],
        calendar=mspdi.MsCalendar("Site week", FOUR_DAYS, {date(2026, 3, 3): []}),
    )
    return mspdi.write(mspdi.MsProject(**{**project.__dict__, **changes}))


def test_the_files_calendar_becomes_the_projects_and_dates_respect_it(planned: Planned) -> None:
    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=_file())
    assert (result.calendar, result.calendars) == ("Site week", 1)
    planned.empty.refresh_from_db()
    calendar = planned.empty.calendar
    assert calendar is not None and calendar.name == "Site week" and calendar.company_id is None
    assert calendar.week["3"] == [[540, 780], [840, 1080]] and calendar.week["4"] == []
    assert [(e.date, e.intervals) for e in CalendarException.objects.filter(calendar=calendar)] == [
        (date(2026, 3, 3), [])
    ]
    rows = {t.name: t for t in Task.objects.filter(project=planned.empty)}
    assert to_local(rows["Pour"].start) == datetime(2026, 3, 2, 9)
    assert to_local(rows["Pour"].finish) == datetime(2026, 3, 5, 18)  # Mon, (Tue off), Wed, Thu
    assert to_local(rows["Cure"].start) == datetime(2026, 3, 9, 9)  # Friday to Sunday off
    # The other projects keep their calendar (the organisation default was not changed).
    assert calendar_row_of(planned.firm.project) != calendar
    assert to_local(Task.objects.get(pk=planned.design.pk).start) == to_local(planned.design.start)
    # Exporting gives the calendar back; importing it into another project reuses the same calendar row.
    assert mspdi.read(project_export_mspdi(planned.empty, costs=True)).calendar == mspdi.MsCalendar(
        "Site week", FOUR_DAYS, {date(2026, 3, 3): []}
    )
    second = actions.project_create(
        viewer=planned.firm.admin,
        company=planned.firm.usd,
        client=planned.firm.client,
        manager=planned.firm.manager_person,
        code="IMP-2",
        name="Again",
        start_date=date(2026, 3, 2),
    )
    again = project_import_mspdi(viewer=planned.firm.manager, project=second, data=_file())
    assert (again.calendar, again.calendars) == ("Site week", 0)
    second.refresh_from_db()
    assert second.calendar_id == calendar.pk and WorkCalendar.objects.filter(name="Site week").count() == 1


def test_the_projects_own_calendar_is_kept_when_the_file_has_the_same(planned: Planned) -> None:
    data = project_export_mspdi(planned.firm.project, costs=True)  # Margin's default calendar
    calendars = WorkCalendar.objects.count()
    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert (result.calendar, result.calendars) == ("Standard", 0)
    planned.empty.refresh_from_db()
    assert planned.empty.calendar is None and WorkCalendar.objects.count() == calendars


def test_resources_are_matched_to_people_and_pools_and_the_rest_is_warned(planned: Planned) -> None:
    firm = planned.firm
    people = Person.objects.count()
    twin = Person.objects.create(
        organisation_id=firm.project.organisation_id,
        company=firm.usd,
        name="Lea",
        email="lea.twin@example.test",
        role=firm.member_person.role,
    )
    resources = [
        mspdi.MsResource(1, "Thomas", "TOM@Example.test"),  # by e-mail, whatever the case
        mspdi.MsResource(2, "Maya"),  # by exact name
        mspdi.MsResource(3, "Lea"),  # two people are called Lea
        mspdi.MsResource(4, "Developers", "", 100),  # the pool's name, another capacity: a pool of its own
        mspdi.MsResource(5, "Testers", "", 100, pool=True),  # generic: a new pool
        mspdi.MsResource(6, "Crane", "", 100, kind="material"),  # material: a new equipment pool
        mspdi.MsResource(7, "Night crew", "", 250),  # more than 100 %: a new pool
        mspdi.MsResource(8, "Freelancer", "free@elsewhere.test"),  # nobody
        mspdi.MsResource(9, "Travel", "", kind="cost"),
        mspdi.MsResource(10, "Rita", "rita@example.test"),  # a person of another organisation
    ]
    assignments = [mspdi.MsAssignment(1, uid, 50 if uid == 1 else 100) for uid in range(1, 11)]
    assignments.append(mspdi.MsAssignment(2, 7, 200))
    data = _file(resources=resources, assignments=assignments)
    result = project_import_mspdi(viewer=firm.manager, project=planned.empty, data=data)
    assert (result.resources_matched, result.pools, result.pools_created, result.assignments) == (2, 4, 4, 7)
    assert len(result.warnings) == 5
    warned = " ".join(result.warnings)
    assert "pool 'Developers' has Max Units 300 %, the file 100 %" in warned and "'Developers (IMP-1)'" in warned
    for name in ("'Lea'", "'Freelancer'", "'Travel'", "'Rita'"):
        assert name in warned
    assert "2 people of the organisation are called 'Lea'" in warned
    assert "e-mail 'free@elsewhere.test'" in warned and "cost resource" in warned
    got = {
        (a.task.name, a.person.name if a.person else a.pool.name, a.units)
        for a in Assignment.objects.filter(task__project=planned.empty).select_related("task", "person", "pool")
    }
    assert got == {
        ("Pour", "Tom", 50),
        ("Pour", "Maya", 100),
        ("Pour", "Developers (IMP-1)", 100),
        ("Pour", "Testers", 100),
        ("Pour", "Crane", 100),
        ("Pour", "Night crew", 100),
        ("Cure", "Night crew", 200),
    }
    pools = {p.name: (p.kind, p.max_units) for p in ResourcePool.objects.filter(organisation=firm.project.organisation)}
    assert pools["Crane"] == ("equipment", 100) and pools["Night crew"] == ("role", 250)
    assert pools["Developers"] == ("role", 300)  # the organisation's pool is not changed
    assert pools["Developers (IMP-1)"] == ("role", 100)  # the file's capacity is honoured
    assert Person.objects.count() == people + 1 and twin.pk  # nobody invented


def test_baselines_are_imported_with_cost_and_replace_the_same_index(planned: Planned) -> None:
    from django.utils import timezone

    monday = datetime(2026, 3, 2, 9)
    old = Baseline.objects.create(
        project=planned.empty,
        index=2,
        name="Old",
        saved_at=timezone.now(),
        start=to_aware(monday),
        finish=to_aware(monday),
    )
    kept = Baseline.objects.create(
        project=planned.empty,
        index=5,
        name="Kept",
        saved_at=timezone.now(),
        start=to_aware(monday),
        finish=to_aware(monday),
    )
    base = {
        1: (
            mspdi.MsBaseline(0, monday, datetime(2026, 3, 4, 18), 1440, 1200, 150_000),
            mspdi.MsBaseline(2, monday, datetime(2026, 3, 5, 18), 1440, 1440, 99),
        ),
        2: (mspdi.MsBaseline(0, datetime(2026, 3, 5, 9), datetime(2026, 3, 5, 18), 480, 480, 25_050),),
    }
    data = _file(
        tasks=[
            mspdi.MsTask(1, "Pour", 1, duration_minutes=3 * 480, baselines=base[1]),
            mspdi.MsTask(2, "Cure", 1, duration_minutes=480, links=(mspdi.MsLink(1),), baselines=base[2]),
        ]
    )
    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert result.baselines == 2
    zero = Baseline.objects.get(project=planned.empty, index=0)
    assert (zero.name, to_local(zero.start), to_local(zero.finish)) == ("Baseline", monday, datetime(2026, 3, 5, 18))
    assert (zero.work_minutes, zero.cost_minor) == (1680, 175_050)  # rolled up from the tasks
    assert zero.duration_minutes == 3 * 480  # working time Mon 09:00 → Thu 18:00 on the file's calendar (Tue off)
    rows = {r.task.name: r for r in BaselineTask.objects.filter(baseline=zero).select_related("task")}
    assert (rows["Pour"].cost_minor, rows["Pour"].work_minutes, to_local(rows["Cure"].start)) == (
        150_000,
        1200,
        datetime(2026, 3, 5, 9),
    )
    two = Baseline.objects.get(project=planned.empty, index=2)
    assert two.pk != old.pk and two.cost_minor == 99 and two.tasks.count() == 1
    assert Baseline.objects.filter(pk=kept.pk).exists()
    assert Baseline.objects.filter(project=planned.empty).count() == 3


def test_a_late_refusal_leaves_nothing_behind(planned: Planned) -> None:
    """A cycle is found by the one reschedule at the very end: the calendar, pools, tasks, links, assignments
    and baselines written before it are all undone."""
    cyclic = [
        mspdi.MsTask(1, "Pour", 1, duration_minutes=480, links=(mspdi.MsLink(2),), baselines=(
            mspdi.MsBaseline(0, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 18), 480, 480, 1),)),
        mspdi.MsTask(2, "Cure", 1, duration_minutes=480, links=(mspdi.MsLink(1),)),
    ]  # fmt: skip
    data = _file(
        tasks=cyclic,
        resources=[mspdi.MsResource(1, "New pool", "", 500)],
        assignments=[mspdi.MsAssignment(1, 1, 100)],
    )
    with refused(Invalid, planned.empty, match="cycle"):
        project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)


@pytest.mark.parametrize(
    ("tasks", "error", "message"),
    [
        (
            [mspdi.MsTask(1, "Pin", 1, constraint="MSO")],
            Invalid,
            "task 'Pin' (UID 1, line 2): the constraint MSO needs a <ConstraintDate>",
        ),
        (
            [mspdi.MsTask(1, "A", 1), mspdi.MsTask(2, "B", 1, links=(mspdi.MsLink(1), mspdi.MsLink(1, "SS")))],
            Conflict,
            "linked twice",
        ),
        ([mspdi.MsTask(1, "A", 1, links=(mspdi.MsLink(1),))], Invalid, "cannot be linked to itself"),
        ([mspdi.MsTask(1, "A", 1), mspdi.MsTask(2, "Deep", 3)], Invalid, "'Deep' (UID 2, line 2) skips a level"),
        ([mspdi.MsTask(1, "A", 1, work_minutes=10**12)], Invalid, "the work must be between"),
    ],
)
def test_tasks_and_links_are_checked_as_the_actions_check_them(
    planned: Planned, tasks: list[mspdi.MsTask], error: type[Exception], message: str
) -> None:
    with refused(error, planned.empty) as info:  # type: ignore[arg-type]
        project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=_file(tasks=tasks))
    assert message.lower() in info.value.message.lower()


def test_resources_of_the_same_pool_name_share_one_pool_and_bad_names_are_refused(planned: Planned) -> None:
    resources = [mspdi.MsResource(1, " Testers ", "", 100, pool=True), mspdi.MsResource(2, "Testers", "", 200)]
    assignments = [mspdi.MsAssignment(1, 1), mspdi.MsAssignment(2, 2)]
    result = project_import_mspdi(
        viewer=planned.firm.manager, project=planned.empty, data=_file(resources=resources, assignments=assignments)
    )
    # Each keeps the capacity the file gives it: 100 % is "Testers", 200 % a pool of the plan's own.
    assert (result.pools, result.pools_created, result.assignments) == (2, 2, 2)
    assert ResourcePool.objects.get(name="Testers").max_units == 100
    assert ResourcePool.objects.get(name="Testers (IMP-1)").max_units == 200
    second = actions.project_create(
        viewer=planned.firm.admin,
        company=planned.firm.usd,
        client=planned.firm.client,
        manager=planned.firm.manager_person,
        code="IMP-3",
        name="Long names",
    )
    long = _file(resources=[mspdi.MsResource(1, "x" * 201, "", 300)], assignments=[mspdi.MsAssignment(1, 1)])
    with refused(Invalid, second, match="Resource 'x+' \\(UID 1, line 2\\)"):
        project_import_mspdi(viewer=planned.firm.manager, project=second, data=long)


def test_task_calendars_are_reported_not_silently_dropped(planned: Planned) -> None:
    """Margin has no task calendars: a task on a calendar other than the project's is scheduled on the project's,
    and the import says so."""
    data = _file()
    night = (
        b"<Calendar><UID>7</UID><Name>Nights</Name><BaseCalendarUID>-1</BaseCalendarUID><WeekDays><WeekDay>"
        b"<DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>20:00:00</FromTime>"
        b"<ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays></Calendar></Calendars>"
    )
    data = data.replace(b"</Calendars>", night)
    data = data.replace(b"<Name>Cure</Name>", b"<Name>Cure</Name><CalendarUID>7</CalendarUID>")
    data = data.replace(b"<Name>Pour</Name>", b"<Name>Pour</Name><CalendarUID>1</CalendarUID>")  # the project's: fine
    result = project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=data)
    assert result.warnings == (
        "1 task(s) have a calendar of their own ('Cure'); Margin schedules every task on the project calendar "
        "'Site week'.",
    )


def test_export_names_assigned_people_who_are_not_members_once(planned: Planned) -> None:
    finn = Person.objects.get(email="finn@example.test")
    review = Task.objects.get(pk=planned.review.pk)
    Assignment.objects.create(task=review, person=finn, units=100)
    Assignment.objects.create(task=Task.objects.get(pk=planned.launch.pk), person=finn, units=50)
    parsed = mspdi.read(project_export_mspdi(planned.firm.project, costs=True))
    assert [(r.name, r.email) for r in parsed.resources if r.uid == finn.pk] == [("Finn Finance", "finn@example.test")]
    assert {(a.task_uid, a.units) for a in parsed.assignments if a.resource_uid == finn.pk} == {
        (review.pk, 100),
        (planned.launch.pk, 50),
    }


def test_deleting_an_imported_calendar_falls_back_to_the_default(planned: Planned) -> None:
    project_import_mspdi(viewer=planned.firm.manager, project=planned.empty, data=_file())
    planned.empty.refresh_from_db()
    own = planned.empty.calendar
    assert own is not None and calendar_row_of(planned.empty) == own
    CalendarException.objects.filter(calendar=own).delete()
    own.delete()
    planned.empty.refresh_from_db()
    assert planned.empty.calendar is None
    fallback = calendar_row_of(planned.empty)
    assert fallback is not None and fallback.name == "Standard" and fallback.company_id is None
