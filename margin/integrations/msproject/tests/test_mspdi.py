"""The MSPDI reader and writer without Django or a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from margin.integrations.msproject import mspdi


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "PT0H0M0S"), (480, "PT8H0M0S"), (90, "PT1H30M0S"), (-60, "-PT1H0M0S")]
)
def test_durations_round_trip(minutes: int, text: str) -> None:
    assert mspdi.format_duration(minutes) == text
    assert mspdi.parse_duration(text) == minutes


def test_parse_duration_accepts_fractions_and_refuses_garbage() -> None:
    assert mspdi.parse_duration("PT7H59M60S") == 480
    assert mspdi.parse_duration("PT1.5H") == 90
    with pytest.raises(ValueError):
        mspdi.parse_duration("8 hours")


def _project() -> mspdi.MsProject:
    week = {d: [(540, 780), (840, 1080)] for d in range(5)} | {5: [], 6: []}
    return mspdi.MsProject(
        name="R&D <beta>",
        start=datetime(2026, 3, 2, 9),
        tasks=[
            mspdi.MsTask(1, "Phase", 1, "1", 960, datetime(2026, 3, 2, 9), datetime(2026, 3, 3, 18), summary=True),
            mspdi.MsTask(
                2,
                'Spec "A" & <B>',
                2,
                "1.1",
                480,
                datetime(2026, 3, 2, 9),
                datetime(2026, 3, 2, 18),
                work_minutes=960,
                percent_complete=40,
                baselines=(mspdi.MsBaseline(3, datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 18), 480, 960, 12345),),
            ),
            mspdi.MsTask(
                3,
                "Build",
                2,
                "1.2",
                480,
                manual=True,
                start=datetime(2026, 3, 3, 9),
                constraint="MFO",
                constraint_date=datetime(2026, 3, 3, 18),
                links=(mspdi.MsLink(2, "SF", -90), mspdi.MsLink(1, "FF", 0, 25)),
            ),
            mspdi.MsTask(4, "Go live", 1, "2", 0, milestone=True, links=(mspdi.MsLink(3, "SS", 2400),)),
        ],
        calendar=mspdi.MsCalendar("Firm", week, {date(2026, 12, 25): [], date(2026, 12, 27): [(600, 720)]}),
        resources=[mspdi.MsResource(7, "Tom", "tom@example.test", 100), mspdi.MsResource(9, "Devs", "", 1200, True)],
        assignments=[mspdi.MsAssignment(2, 7, 50), mspdi.MsAssignment(3, 9, 300)],
    )


def test_write_then_read_gives_the_same_project() -> None:
    original = _project()
    data = mspdi.write(original)
    assert b"&lt;B&gt;" in data and b"<LinkLag>-900</LinkLag>" in data and b"<Type>2</Type>" in data
    back = mspdi.read(data)
    assert back.name == original.name and back.start == original.start
    assert [(t.uid, t.name, t.outline_level, t.wbs, t.duration_minutes, t.links) for t in back.tasks] == [
        (t.uid, t.name, t.outline_level, t.wbs, t.duration_minutes, t.links) for t in original.tasks
    ]
    build = back.tasks[2]
    assert build.manual and build.start == datetime(2026, 3, 3, 9)
    assert (build.constraint, build.constraint_date) == ("MFO", datetime(2026, 3, 3, 18))
    assert back.tasks[1].baselines == original.tasks[1].baselines
    assert back.tasks[1].percent_complete == 40 and back.tasks[1].work_minutes == 960
    assert back.tasks[3].milestone
    assert back.calendar == original.calendar
    assert back.resources[1].max_units == 1200
    assert back.assignments == original.assignments


def test_constraint_and_link_codes_are_msprojects() -> None:
    assert mspdi.CONSTRAINT_CODES == {
        "ASAP": 0,
        "ALAP": 1,
        "MSO": 2,
        "MFO": 3,
        "SNET": 4,
        "SNLT": 5,
        "FNET": 6,
        "FNLT": 7,
    }
    assert mspdi.LINK_CODES == {"FF": 0, "FS": 1, "SF": 2, "SS": 3}


def test_project_summary_task_and_null_tasks_are_skipped() -> None:
    data = (
        b"<Project xmlns='http://schemas.microsoft.com/project'><Tasks>"
        b"<Task><UID>0</UID><Name>Whole project</Name><OutlineLevel>0</OutlineLevel></Task>"
        b"<Task><UID>5</UID><IsNull>1</IsNull></Task>"
        b"<Task><UID>6</UID><Name>Real</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration></Task>"
        b"</Tasks></Project>"
    )
    tasks = mspdi.read(data).tasks
    assert [(t.uid, t.name, t.duration_minutes) for t in tasks] == [(6, "Real", 960)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<Project>\n<Tasks>\n<Task><UID>x</UID></Task></Tasks></Project>", "<UID> on line 3: 'x' is not a number"),
        (b"<Project><Tasks><Task><UID>1</UID></Task></Tasks></Project>", "has no <Name>"),
        (
            b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><ConstraintType>9</ConstraintType></Task></Tasks></Project>",
            "unknown constraint type 9",
        ),
        (
            b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><PercentComplete>140</PercentComplete></Task></Tasks>"
            b"</Project>",
            "% complete 140",
        ),
        (
            b"<Project><Tasks><Task><UID>1</UID><Name>A</Name></Task><Task><UID>1</UID><Name>B</Name></Task></Tasks>"
            b"</Project>",
            "same UID",
        ),
        (
            b"<Project><Tasks><Task><UID>1</UID><Name>A</Name><Start>tomorrow</Start></Task></Tasks></Project>",
            "'tomorrow' is not a date",
        ),
        (b"<Project><Tasks><Task>", "not well-formed"),
        (b'<!DOCTYPE p [<!ENTITY e SYSTEM "http://example.invalid/x">]><Project><Name>&e;</Name></Project>', "refused"),
    ],
)
def test_malformed_files_name_the_element_and_line(data: bytes, message: str) -> None:
    with pytest.raises(mspdi.MspdiError) as refused:
        mspdi.read(data)
    assert message in str(refused.value)


CALENDARS = b"""<Project xmlns="http://schemas.microsoft.com/project">
<CalendarUID>2</CalendarUID>
<Calendars>
<Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar><BaseCalendarUID>-1</BaseCalendarUID>
<WeekDays>
<WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
<WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
<WorkingTime><FromTime>07:00:00</FromTime><ToTime>11:00:00</ToTime></WorkingTime>
<WorkingTime><FromTime>12:00:00</FromTime><ToTime>16:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
</WeekDays>
<Exceptions><Exception><TimePeriod><FromDate>2026-12-24T00:00:00</FromDate><ToDate>2026-12-25T23:59:00</ToDate>
</TimePeriod><DayWorking>0</DayWorking></Exception></Exceptions>
</Calendar>
<Calendar><UID>2</UID><Name>Four-day week</Name><IsBaseCalendar>0</IsBaseCalendar><BaseCalendarUID>1</BaseCalendarUID>
<WeekDays><WeekDay><DayType>6</DayType><DayWorking>0</DayWorking></WeekDay></WeekDays>
<Exceptions><Exception><TimePeriod><FromDate>2026-12-26T00:00:00</FromDate><ToDate>2026-12-26T23:59:00</ToDate>
</TimePeriod><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>10:00:00</FromTime>
<ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></Exception></Exceptions>
</Calendar>
<Calendar><UID>3</UID><Name>Nights</Name><BaseCalendarUID>-1</BaseCalendarUID><WeekDays>
<WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
<WorkingTime><FromTime>20:00:00</FromTime><ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
</WeekDays></Calendar>
</Calendars>
<Tasks>
<Task><UID>0</UID><Name>Project</Name><OutlineLevel>0</OutlineLevel>
<Baseline><Number>0</Number><Start>2026-03-02T08:00:00</Start><Finish>2026-03-20T17:00:00</Finish>
<Duration>PT120H0M0S</Duration><Work>PT200H0M0S</Work><Cost>5000050</Cost></Baseline></Task>
<Task><UID>1</UID><Name>Night shift</Name><OutlineLevel>1</OutlineLevel><CalendarUID>3</CalendarUID>
<Baseline><Number>0</Number><Start>2026-03-02T08:00:00</Start><Finish>2026-03-03T17:00:00</Finish>
<Duration>PT16H0M0S</Duration><Work>PT16H0M0S</Work><Cost>12345.6</Cost></Baseline>
<Baseline><Number>3</Number><Start>2026-03-09T08:00:00</Start><Finish>2026-03-09T17:00:00</Finish></Baseline>
<Baseline><Number>4</Number><Cost>100</Cost></Baseline>
</Task>
<Task><UID>2</UID><Name>Day</Name><OutlineLevel>1</OutlineLevel><CalendarUID>-1</CalendarUID></Task>
</Tasks>
<Resources>
<Resource><UID>0</UID><Name>Unassigned</Name></Resource>
<Resource><UID>1</UID><Name>Tom</Name><Type>1</Type><EmailAddress>tom@example.test</EmailAddress>
<MaxUnits>1.00</MaxUnits></Resource>
<Resource><UID>2</UID><Name>Crane</Name><Type>0</Type></Resource>
<Resource><UID>3</UID><Name>Developers</Name><Type>1</Type><IsGeneric>1</IsGeneric><MaxUnits>4.5</MaxUnits></Resource>
<Resource><UID>4</UID><Name>Travel</Name><Type>2</Type></Resource>
</Resources>
<Assignments>
<Assignment><UID>1</UID><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID><Units>0.5</Units></Assignment>
<Assignment><UID>2</UID><TaskUID>1</TaskUID><ResourceUID>-65535</ResourceUID></Assignment>
<Assignment><UID>3</UID><TaskUID>2</TaskUID><ResourceUID>3</ResourceUID><Units>2</Units></Assignment>
</Assignments>
</Project>"""


def test_calendar_inherits_its_base_calendar_and_standard_days() -> None:
    read = mspdi.read(CALENDARS)
    cal = read.calendar
    assert cal.name == "Four-day week"
    standard = [(480, 720), (780, 1020)]
    assert cal.week == {
        0: [(420, 660), (720, 960)],  # Monday from the base calendar (DayType 2)
        1: standard,  # days neither calendar names: MS Project's Standard
        2: standard,
        3: standard,
        4: [],  # Friday off in the derived calendar (DayType 6)
        5: [],
        6: [],  # Sunday off in the base calendar (DayType 1)
    }
    assert cal.exceptions == {date(2026, 12, 24): [], date(2026, 12, 25): [], date(2026, 12, 26): [(600, 1440)]}


def test_task_calendars_resources_and_assignments() -> None:
    read = mspdi.read(CALENDARS)
    night, day = read.tasks
    assert (night.calendar_uid, day.calendar_uid) == (3, None)
    assert read.task_calendars[3].week[0] == [(1200, 1440)] and read.task_calendars[3].name == "Nights"
    assert [(r.uid, r.name, r.kind, r.pool, r.max_units, r.email) for r in read.resources] == [
        (1, "Tom", "work", False, 100, "tom@example.test"),
        (2, "Crane", "material", False, 100, ""),
        (3, "Developers", "work", True, 450, ""),
        (4, "Travel", "cost", False, 100, ""),
    ]
    assert read.assignments == [mspdi.MsAssignment(1, 1, 50), mspdi.MsAssignment(2, 3, 200)]


def test_baselines_of_tasks_and_of_the_project_summary() -> None:
    read = mspdi.read(CALENDARS)
    night = read.tasks[0]
    assert night.baselines == (
        mspdi.MsBaseline(0, datetime(2026, 3, 2, 8), datetime(2026, 3, 3, 17), 960, 960, 12346),
        mspdi.MsBaseline(3, datetime(2026, 3, 9, 8), datetime(2026, 3, 9, 17), 0, 0, 0),
    )  # baseline 4 has no dates: skipped
    assert read.project_baselines == (
        mspdi.MsBaseline(0, datetime(2026, 3, 2, 8), datetime(2026, 3, 20, 17), 7200, 12000, 5000050),
    )


def test_writer_marks_pools_generic_and_keeps_resource_types() -> None:
    project = _project()
    resources = [*project.resources, mspdi.MsResource(11, "Crane", "", 100, kind="material")]
    back = mspdi.read(mspdi.write(mspdi.MsProject(**{**project.__dict__, "resources": resources})))
    assert [(r.name, r.pool, r.kind) for r in back.resources] == [
        ("Tom", False, "work"),
        ("Devs", True, "work"),
        ("Crane", False, "material"),
    ]


def _with(old: bytes, new: bytes) -> bytes:
    assert old in CALENDARS
    return CALENDARS.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_with(b"<Number>3</Number>", b"<Number>11</Number>"), "<Number> on line 32: baseline number 11"),
        (_with(b"<Cost>12345.6</Cost>", b"<Cost>lots</Cost>"), "<Cost> on line 31: 'lots' is not a number"),
        (_with(b"<Cost>12345.6</Cost>", b"<Cost>-1</Cost>"), "<Cost> on line 31: the baseline cost -1 is negative"),
        (
            _with(b"<Finish>2026-03-09T17:00:00</Finish>", b"<Finish>2026-03-08T17:00:00</Finish>"),
            "<Baseline> on line 32: baseline 3 finishes",
        ),
        (_with(b"<DayType>6</DayType>", b"<DayType>9</DayType>"), "<DayType> on line 15: DayType 9 is not 0"),
        (
            _with(b"<ToTime>11:00:00</ToTime>", b"<ToTime>06:00:00</ToTime>"),
            "<WorkingTime> on line 8: the working time 07:00:00–06:00:00 ends before it starts",
        ),
        (
            _with(b"<FromTime>12:00:00</FromTime>", b"<FromTime>10:00:00</FromTime>"),
            "<WorkingTime> on line 9: working times overlap",
        ),
        (_with(b"<BaseCalendarUID>-1</BaseCalendarUID>", b"<BaseCalendarUID>2</BaseCalendarUID>"), "(a loop)"),
        (
            _with(b"<BaseCalendarUID>1</BaseCalendarUID>", b"<BaseCalendarUID>8</BaseCalendarUID>"),
            "<BaseCalendarUID> on line 14: no calendar with UID 8",
        ),
        (_with(b"<CalendarUID>2</CalendarUID>", b"<CalendarUID>5</CalendarUID>"), "<CalendarUID> on line 2: no cal"),
        (
            _with(b"<CalendarUID>3</CalendarUID>", b"<CalendarUID>6</CalendarUID>"),
            "<CalendarUID> of task 'Night shift' (line 29): no calendar with UID 6",
        ),
        (_with(b"<Type>0</Type>", b"<Type>5</Type>"), "<Type> on line 41: unknown resource type 5"),
        (_with(b"<MaxUnits>4.5</MaxUnits>", b"<MaxUnits>0</MaxUnits>"), "<MaxUnits> on line 42: MaxUnits must be"),
        (_with(b"<MaxUnits>1.00</MaxUnits>", b"<MaxUnits>one</MaxUnits>"), "<MaxUnits> on line 40: 'one' is not"),
        (_with(b"<Units>0.5</Units>", b"<Units>0</Units>"), "<Units> on line 46: Units must be above 0"),
        (_with(b"<UID>3</UID><Name>Nights</Name>", b"<UID>2</UID><Name>Nights</Name>"), "two calendars have the UID 2"),
    ],
)
def test_malformed_calendars_resources_and_baselines_name_the_element_and_line(data: bytes, message: str) -> None:
    with pytest.raises(mspdi.MspdiError) as refused:
        mspdi.read(data)
    assert message in str(refused.value)
