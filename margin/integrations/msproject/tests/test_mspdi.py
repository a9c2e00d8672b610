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
