"""Reading Harvest, Toggl and Clockify exports without a database: encodings, delimiters, formats, values."""

from __future__ import annotations

from datetime import date

import pytest

from margin.integrations.timecsv import formats

HARVEST = (
    "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,Approved?,"
    "First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,Cost Amount,Currency\r\n"
    '2026-03-02,Globex,Globex portal,GLX-1,Design,"Wireframes, first pass",1.5,1.5,Yes,No,No,Tom,,,Yes,100,150,40,60,'
    "US Dollar - USD\r\n"
)
TOGGL = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,"
    "Amount (USD)\n"
    "Tom,tom@example.test,Globex,Globex portal,Build,Login,Yes,2026-03-03,09:00:00,2026-03-03,11:15:00,02:15:00,,\n"
)
CLOCKIFY = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,"
    "Duration (h),Duration (decimal),Billable Rate (USD),Billable Amount (USD)\n"
    "Globex portal,Globex,Review,Design,Tom,,tom@example.test,,No,03/13/2026,01:00 PM,03/13/2026,01:45 PM,"
    "00:45:00,0.75,0,0\n"
)


def test_harvest_row() -> None:
    parsed = formats.parse(HARVEST.encode())
    assert (parsed.format, parsed.encoding, parsed.delimiter) == ("harvest", "UTF-8", ",")
    [row] = parsed.rows
    assert (row.line, row.work_date, row.person_name, row.project_code, row.task, row.minutes, row.billable) == (
        2,
        date(2026, 3, 2),
        "Tom",
        "GLX-1",
        "Design",
        90,
        True,
    )
    assert row.note == "Wireframes, first pass" and not row.errors


def test_toggl_row_with_bom() -> None:
    parsed = formats.parse(b"\xef\xbb\xbf" + TOGGL.encode())
    [row] = parsed.rows
    assert parsed.format == "toggl" and row.email == "tom@example.test" and row.minutes == 135
    assert row.note == "Login" and row.billable is True


def test_clockify_row_us_dates_and_12_hour_clock() -> None:
    parsed = formats.parse(CLOCKIFY.encode())
    [row] = parsed.rows
    assert parsed.format == "clockify" and row.work_date == date(2026, 3, 13) and row.minutes == 45
    assert row.billable is False


def test_semicolon_delimiter_cp1252_and_decimal_comma() -> None:
    text = (
        "Date;Client;Project;Project Code;Task;Notes;Hours;Billable?;First Name;Last Name\r\n"
        "02.03.2026;Globex;Globex portal;GLX-1;Design;Entwurf f\u00fcr M\u00fcller;1,25;Ja;Tom;\r\n"
    )
    parsed = formats.parse(text.encode("cp1252"))
    [row] = parsed.rows
    assert (parsed.delimiter, parsed.encoding) == (";", "Windows-1252")
    assert row.work_date == date(2026, 3, 2) and row.minutes == 75 and row.note == "Entwurf für Müller"
    assert any("Windows-1252" in w for w in parsed.warnings)


def test_day_first_dates_are_inferred_from_the_file() -> None:
    text = HARVEST.replace("2026-03-02", "02/03/2026") + HARVEST.splitlines()[1].replace("2026-03-02", "25/03/2026")
    rows = formats.parse(text.encode()).rows
    assert [r.work_date for r in rows] == [date(2026, 3, 2), date(2026, 3, 25)]


def test_ambiguous_slashed_dates_read_month_first_with_a_warning() -> None:
    parsed = formats.parse(HARVEST.replace("2026-03-02", "03/04/2026").encode())
    assert parsed.rows[0].work_date == date(2026, 3, 4) and parsed.warnings
    assert formats.parse(HARVEST.replace("2026-03-02", "03/04/2026").encode(), order="dmy").rows[0].work_date == date(
        2026, 4, 3
    )


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest", "Excel"),
        (b"a,b\x00,c", "NUL"),
        (b"Name,Start,End\nx,1,2\n", "not those of a Harvest, Toggl or Clockify"),
        (b"Date,Project,Hours,First Name\n", "no rows"),
        (b"\x81\x8d\x8f\x90\x9d,x\n", "neither UTF-8 nor Windows-1252"),
        (b"Date,Client,Project,Hours,Last Name\n2026-03-02,A,B,1,X\n", "First Name or Email"),
    ],
)
def test_unusable_files(data: bytes, match: str) -> None:
    with pytest.raises(formats.FileError, match=match):
        formats.parse(data)


def test_row_errors_name_the_line_and_column() -> None:
    bad = HARVEST + "2026-02-30,Globex,Globex portal,GLX-1,Design,x,-2,,Maybe,,,Tom,,,,,,,,\r\n,,,,,,,,,,,,,\r\n"
    bad += "2026-03-02,Globex,,,,x,abc,,,,,Tom,,,,,,,,\r\n"
    rows = formats.parse(bad.encode()).rows
    assert len(rows) == 3  # the blank line is skipped
    assert rows[1].line == 3
    assert ("Date", "'2026-02-30' is not a valid date") in rows[1].errors or any(c == "Date" for c, _ in rows[1].errors)
    assert ("Hours", "the duration is negative") in rows[1].errors
    assert rows[2].line == 5
    assert {c for c, _ in rows[2].errors} == {"Project", "Hours"}


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("7.5", 450), ("7,5", 450), ("7:30", 450), ("07:30:00", 450), ("0:00:31", 1), ("0.0083", 0), ("24", 1440)],
)
def test_durations(text: str, minutes: int) -> None:
    assert formats.parse_hours(text) == minutes


def test_duration_from_start_and_end_when_no_duration() -> None:
    text = TOGGL.replace(",02:15:00,", ",,")
    assert formats.parse(text.encode()).rows[0].minutes == 135
