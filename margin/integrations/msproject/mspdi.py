"""MSPDI (MS Project XML) read and written without Django: plain dataclasses in, bytes out, and back.

Element names and codes follow Microsoft's MSPDI schema (``http://schemas.microsoft.com/project``) as MPXJ reads
and writes it: durations are ISO 8601 working time (``PT8H0M0S``), ``LinkLag`` is in tenths of a minute,
``Type`` of a link is 0 FF, 1 FS, 2 SF, 3 SS, ``ConstraintType`` 0–7 (ASAP, ALAP, MSO, MFO, SNET, SNLT, FNET,
FNLT), ``DayType`` 1 Sunday … 7 Saturday and 0 an exception, ``LevelingDelay`` is in tenths of a minute like a
link's lag, and a cost is in hundredths of the project's ``CurrencyCode`` (``12345`` is 123.45; here costs are held
in the currency's own minor units, so a JPY or KWD cost converts with ``CurrencyDigits``). Files are parsed with
defusedxml: a DTD entity (billion laughs) or an external reference is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree.ElementTree import Element, SubElement, tostring

from margin.core.safexml import XmlRefused, parse_xml

NS = "http://schemas.microsoft.com/project"
CONSTRAINT_CODES = {"ASAP": 0, "ALAP": 1, "MSO": 2, "MFO": 3, "SNET": 4, "SNLT": 5, "FNET": 6, "FNLT": 7}
CONSTRAINT_NAMES = {code: name for name, code in CONSTRAINT_CODES.items()}
LINK_CODES = {"FF": 0, "FS": 1, "SF": 2, "SS": 3}
LINK_NAMES = {code: name for name, code in LINK_CODES.items()}
LAG_FORMAT_DAYS, LAG_FORMAT_HOURS, LAG_FORMAT_PERCENT = 7, 5, 19
DURATION_FORMAT_DAYS = 7
MAX_TASKS = 20_000
RESOURCE_CODES = {"material": 0, "work": 1, "cost": 2}
RESOURCE_NAMES = {code: name for name, code in RESOURCE_CODES.items()}
MAX_BASELINE = 10  # Baseline, Baseline1 … Baseline10
# MS Project's Standard calendar, for weekdays a base calendar leaves out: Mon–Fri 08:00–12:00, 13:00–17:00.
STANDARD_DAY = [(480, 720), (780, 1020)]
STANDARD_WEEK = {day: list(STANDARD_DAY) if day < 5 else [] for day in range(7)}


class MspdiError(ValueError):
    """A file that is not a usable MSPDI document; the message names the element and line."""


@dataclass(frozen=True)
class MsLink:
    predecessor_uid: int
    kind: str = "FS"  # FS, SS, FF, SF
    lag_minutes: int = 0
    lag_percent: int | None = None


@dataclass(frozen=True)
class MsBaseline:
    number: int
    start: datetime
    finish: datetime
    duration_minutes: int
    work_minutes: int
    cost_minor: int | None = (
        0  # minor units of the project's currency; None: not written (the reader may not see the project's money)
    )


@dataclass(frozen=True)
class MsTask:
    uid: int
    name: str
    outline_level: int  # 1 = top level
    wbs: str = ""
    duration_minutes: int = 0
    start: datetime | None = None
    finish: datetime | None = None
    work_minutes: int = 0
    summary: bool = False
    milestone: bool = False
    manual: bool = False
    constraint: str = "ASAP"
    constraint_date: datetime | None = None
    percent_complete: int = 0
    deadline: datetime | None = None  # MS Project's Deadline: flags a later finish, never moves the task
    links: tuple[MsLink, ...] = ()
    baselines: tuple[MsBaseline, ...] = ()
    line: int = 0
    calendar_uid: int | None = None  # the task's own calendar (Task/CalendarUID), None: the project's
    leveling_delay_minutes: int = 0  # MS Project's LevelingDelay: how far leveling pushed the task (working minutes)


@dataclass(frozen=True)
class MsResource:
    uid: int
    name: str
    email: str = ""
    max_units: int = 100  # percent: 1200 = twelve at 100 %
    pool: bool = False  # generic (IsGeneric): a role or team, not one person
    kind: str = "work"  # MSPDI Type: 0 material, 1 work, 2 cost
    line: int = 0


@dataclass(frozen=True)
class MsAssignment:
    task_uid: int
    resource_uid: int
    units: int = 100  # percent


@dataclass(frozen=True)
class MsCalendar:
    """A calendar with its base calendars resolved: every weekday and every exception it inherits is here."""

    name: str = "Standard"
    # weekday (0 = Monday … 6) → [(start, end) minutes since midnight]
    week: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # date → working intervals (empty: a day off)
    exceptions: dict[date, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class MsProject:
    name: str
    start: datetime
    tasks: list[MsTask]
    calendar: MsCalendar = field(default_factory=MsCalendar)
    resources: list[MsResource] = field(default_factory=list)
    assignments: list[MsAssignment] = field(default_factory=list)
    minutes_per_day: int = 480
    minutes_per_week: int = 2400
    days_per_month: int = 20
    currency: str = ""  # ISO 4217 (CurrencyCode); "" when a file names none
    currency_digits: int = 2  # the currency's minor unit digits (CurrencyDigits)
    start_given: bool = True  # read: the file has a StartDate (or task starts) to plan from
    # Read only: the project summary task's (UID 0) baselines, and the other calendars tasks name by UID.
    project_baselines: tuple[MsBaseline, ...] = ()
    task_calendars: dict[int, MsCalendar] = field(default_factory=dict)


# --- values --------------------------------------------------------------------------------------

_DURATION = re.compile(r"^-?PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


def format_duration(minutes: int) -> str:
    """Working minutes → MSPDI's ``PT8H0M0S``."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}PT{hours}H{rest}M0S"


def parse_duration(text: str) -> int:
    """``PT8H30M0S`` (also ``P1DT2H`` written by some tools: a day of 24 hours is not used by MSPDI) → minutes."""
    value = text.strip()
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"not an MSPDI duration: {text!r}")
    hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in match.groups())
    total = int((hours * 60 + minutes + seconds / 60).to_integral_value())
    return -total if value.startswith("-") else total


def format_moment(value: datetime) -> str:
    return value.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


def parse_moment(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=None, second=0, microsecond=0)


def _clock(minutes: int) -> str:
    if minutes >= 24 * 60:
        return "00:00:00"
    return time(minutes // 60, minutes % 60).isoformat(timespec="seconds")


def _minutes_of(text: str) -> int:
    moment = time.fromisoformat(text.strip())
    return moment.hour * 60 + moment.minute


# --- writing -------------------------------------------------------------------------------------


def _add(parent: Element, tag: str, value: object) -> Element:
    child = SubElement(parent, tag)
    if isinstance(value, bool):
        child.text = "1" if value else "0"
    elif value is not None:
        child.text = str(value)
    return child


def _write_calendar(parent: Element, calendar: MsCalendar) -> None:
    cal = SubElement(parent, "Calendar")
    _add(cal, "UID", 1)
    _add(cal, "Name", calendar.name)
    _add(cal, "IsBaseCalendar", True)
    _add(cal, "BaseCalendarUID", -1)
    days = SubElement(cal, "WeekDays")
    for day_type in range(1, 8):
        weekday = (day_type + 5) % 7  # DayType 1 = Sunday → 6
        intervals = calendar.week.get(weekday, [])
        day = SubElement(days, "WeekDay")
        _add(day, "DayType", day_type)
        _add(day, "DayWorking", bool(intervals))
        if intervals:
            times = SubElement(day, "WorkingTimes")
            for start, end in intervals:
                slot = SubElement(times, "WorkingTime")
                _add(slot, "FromTime", _clock(start))
                _add(slot, "ToTime", _clock(end))
    if calendar.exceptions:
        exceptions = SubElement(cal, "Exceptions")
        for on, intervals in sorted(calendar.exceptions.items()):
            exc = SubElement(exceptions, "Exception")
            _add(exc, "EnteredByOccurrences", False)
            period = SubElement(exc, "TimePeriod")
            _add(period, "FromDate", f"{on.isoformat()}T00:00:00")
            _add(period, "ToDate", f"{on.isoformat()}T23:59:00")
            _add(exc, "Occurrences", 1)
            _add(exc, "Type", 1)
            _add(exc, "DayWorking", bool(intervals))
            if intervals:
                times = SubElement(exc, "WorkingTimes")
                for start, end in intervals:
                    slot = SubElement(times, "WorkingTime")
                    _add(slot, "FromTime", _clock(start))
                    _add(slot, "ToTime", _clock(end))


def _write_task(parent: Element, task: MsTask, task_id: int, digits: int = 2) -> None:
    el = SubElement(parent, "Task")
    _add(el, "UID", task.uid)
    _add(el, "ID", task_id)
    _add(el, "Name", task.name)
    _add(el, "Manual", task.manual)
    _add(el, "Type", 0)
    _add(el, "IsNull", False)
    _add(el, "WBS", task.wbs)
    _add(el, "OutlineNumber", task.wbs)
    _add(el, "OutlineLevel", task.outline_level)
    if task.start is not None:
        _add(el, "Start", format_moment(task.start))
    if task.finish is not None:
        _add(el, "Finish", format_moment(task.finish))
    _add(el, "Duration", format_duration(task.duration_minutes))
    if task.manual and task.start is not None:
        _add(el, "ManualStart", format_moment(task.start))
        if task.finish is not None:
            _add(el, "ManualFinish", format_moment(task.finish))
        _add(el, "ManualDuration", format_duration(task.duration_minutes))
    _add(el, "DurationFormat", DURATION_FORMAT_DAYS)
    _add(el, "Work", format_duration(task.work_minutes))
    _add(el, "Milestone", task.milestone)
    _add(el, "Summary", task.summary)
    _add(el, "PercentComplete", task.percent_complete)
    _add(el, "ConstraintType", CONSTRAINT_CODES[task.constraint])
    if task.constraint_date is not None:
        _add(el, "ConstraintDate", format_moment(task.constraint_date))
    if task.deadline is not None:
        _add(el, "Deadline", format_moment(task.deadline))
    for link in task.links:
        pl = SubElement(el, "PredecessorLink")
        _add(pl, "PredecessorUID", link.predecessor_uid)
        _add(pl, "Type", LINK_CODES[link.kind])
        _add(pl, "CrossProject", False)
        if link.lag_percent is not None:
            _add(pl, "LinkLag", link.lag_percent * 10)
            _add(pl, "LagFormat", LAG_FORMAT_PERCENT)
        else:
            _add(pl, "LinkLag", link.lag_minutes * 10)
            _add(pl, "LagFormat", LAG_FORMAT_HOURS if link.lag_minutes % 480 else LAG_FORMAT_DAYS)
    for base in task.baselines:
        bl = SubElement(el, "Baseline")
        _add(bl, "Number", base.number)
        _add(bl, "Start", format_moment(base.start))
        _add(bl, "Finish", format_moment(base.finish))
        _add(bl, "Duration", format_duration(base.duration_minutes))
        _add(bl, "DurationFormat", DURATION_FORMAT_DAYS)
        _add(bl, "Work", format_duration(base.work_minutes))
        if base.cost_minor is not None:
            _add(bl, "Cost", f"{to_hundredths(base.cost_minor, digits):f}")
    if task.leveling_delay_minutes:
        _add(el, "LevelingDelay", task.leveling_delay_minutes * 10)
        _add(el, "LevelingDelayFormat", DURATION_FORMAT_DAYS)


def to_hundredths(minor: int, digits: int) -> Decimal:
    """A cost in the currency's minor units → MSPDI's hundredths of a unit (JPY 5 → 500; KWD 1.234 → 123.4)."""
    return (Decimal(minor) * 100 / Decimal(10) ** digits).normalize()


def from_hundredths(value: Decimal, digits: int) -> int:
    """MSPDI's hundredths of a unit → the currency's minor units, rounded half up."""
    return int((value * Decimal(10) ** digits / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def write(project: MsProject) -> bytes:
    """The project as an MSPDI document (UTF-8)."""
    root = Element("Project", xmlns=NS)
    _add(root, "SaveVersion", 14)
    _add(root, "Name", project.name)
    _add(root, "Title", project.name)
    _add(root, "ScheduleFromStart", True)
    _add(root, "StartDate", format_moment(project.start))
    _add(root, "CalendarUID", 1)
    _add(root, "MinutesPerDay", project.minutes_per_day)
    _add(root, "MinutesPerWeek", project.minutes_per_week)
    _add(root, "DaysPerMonth", project.days_per_month)
    if project.currency:
        _add(root, "CurrencyCode", project.currency)
        _add(root, "CurrencyDigits", project.currency_digits)
    _write_calendar(SubElement(root, "Calendars"), project.calendar)
    tasks = SubElement(root, "Tasks")
    for number, task in enumerate(project.tasks, 1):
        _write_task(tasks, task, number, project.currency_digits)
    resources = SubElement(root, "Resources")
    for number, res in enumerate(project.resources, 1):
        el = SubElement(resources, "Resource")
        _add(el, "UID", res.uid)
        _add(el, "ID", number)
        _add(el, "Name", res.name)
        _add(el, "Type", RESOURCE_CODES[res.kind])
        _add(el, "IsNull", False)
        _add(el, "IsGeneric", res.pool)
        if res.email:
            _add(el, "EmailAddress", res.email)
        _add(el, "MaxUnits", f"{Decimal(res.max_units) / 100:.2f}")
        _add(el, "CalendarUID", 1)
    assignments = SubElement(root, "Assignments")
    for number, a in enumerate(project.assignments, 1):
        el = SubElement(assignments, "Assignment")
        _add(el, "UID", number)
        _add(el, "TaskUID", a.task_uid)
        _add(el, "ResourceUID", a.resource_uid)
        _add(el, "Units", f"{Decimal(a.units) / 100:.2f}")
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return body


# --- reading -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Reader:
    def __init__(self, root: Element, lines: dict[int, int]) -> None:
        self.root = root
        self.lines = lines
        self.index: dict[int, dict[str, Element]] = {}
        self.digits = 2

    def fail(self, element: Element, message: str) -> MspdiError:
        return MspdiError(f"<{_local(element.tag)}> on line {self.lines.get(id(element), '?')}: {message}")

    def child(self, element: Element, name: str) -> Element | None:
        """The first child of that name (an index of each element's children is built once: tasks have ~40)."""
        index = self.index.get(id(element))
        if index is None:
            index = {}
            for kid in element:
                index.setdefault(_local(kid.tag), kid)
            self.index[id(element)] = index
        return index.get(name)

    def at(self, element: Element, name: str) -> Element:
        """The named child to blame in an error, else the element itself (an empty Element is falsy)."""
        kid = self.child(element, name)
        return kid if kid is not None else element

    def children(self, element: Element, name: str) -> list[Element]:
        return [kid for kid in element if _local(kid.tag) == name]

    def text(self, element: Element, name: str, default: str = "") -> str:
        kid = self.child(element, name)
        return (kid.text or "").strip() if kid is not None else default

    def integer(self, element: Element, name: str, default: int | None = None) -> int:
        raw = self.text(element, name)
        if not raw:
            if default is None:
                raise self.fail(element, f"<{name}> is missing.")
            return default
        try:
            return int(Decimal(raw))
        except InvalidOperation:
            raise self.fail(self.at(element, name), f"{raw!r} is not a number.") from None

    def decimal(self, element: Element, name: str, default: Decimal) -> Decimal:
        raw = self.text(element, name)
        if not raw:
            return default
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise self.fail(self.at(element, name), f"{raw!r} is not a number.") from None

    def moment(self, element: Element, name: str) -> datetime | None:
        raw = self.text(element, name)
        if not raw:
            return None
        try:
            return parse_moment(raw)
        except ValueError:
            raise self.fail(self.at(element, name), f"{raw!r} is not a date and time.") from None

    def duration(self, element: Element, name: str) -> int:
        raw = self.text(element, name)
        if not raw:
            return 0
        try:
            minutes = parse_duration(raw)
        except ValueError:
            raise self.fail(self.at(element, name), f"{raw!r} is not a duration.") from None
        if minutes < 0:
            raise self.fail(self.at(element, name), f"the duration {raw!r} is negative.")
        return minutes

    def flag(self, element: Element, name: str) -> bool:
        return self.text(element, name) in ("1", "true")

    def link(self, element: Element) -> MsLink:
        pred = self.integer(element, "PredecessorUID")
        code = self.integer(element, "Type", 1)
        if code not in LINK_NAMES:
            raise self.fail(element, f"unknown link type {code} (0 FF, 1 FS, 2 SF, 3 SS).")
        lag = self.integer(element, "LinkLag", 0)
        lag_format = self.integer(element, "LagFormat", LAG_FORMAT_DAYS)
        if lag_format in (LAG_FORMAT_PERCENT, 20):
            return MsLink(pred, LINK_NAMES[code], 0, round(lag / 10))
        return MsLink(pred, LINK_NAMES[code], round(lag / 10))

    def task(self, element: Element) -> MsTask | None:
        if self.flag(element, "IsNull"):
            return None
        uid = self.integer(element, "UID")
        level = self.integer(element, "OutlineLevel", 1)
        if uid == 0 or level == 0:
            return None  # the project summary task
        if level < 0:
            raise self.fail(element, f"the outline level {level} is negative.")
        code = self.integer(element, "ConstraintType", 0)
        if code not in CONSTRAINT_NAMES:
            raise self.fail(element, f"unknown constraint type {code} (0–7).")
        percent = self.integer(element, "PercentComplete", 0)
        if not 0 <= percent <= 100:
            raise self.fail(element, f"% complete {percent} is not between 0 and 100.")
        baselines = self.baselines(element)
        name = self.text(element, "Name")
        if not name:
            raise self.fail(element, f"task UID {uid} has no <Name>.")
        manual = self.flag(element, "Manual")
        start = self.moment(element, "ManualStart") if manual else None
        return MsTask(
            uid=uid,
            name=name,
            outline_level=level,
            wbs=self.text(element, "WBS") or self.text(element, "OutlineNumber"),
            duration_minutes=self.duration(element, "Duration"),
            start=start or self.moment(element, "Start"),
            finish=self.moment(element, "Finish"),
            work_minutes=self.duration(element, "Work"),
            summary=self.flag(element, "Summary"),
            milestone=self.flag(element, "Milestone"),
            manual=manual,
            constraint=CONSTRAINT_NAMES[code],
            constraint_date=self.moment(element, "ConstraintDate"),
            percent_complete=percent,
            deadline=self.moment(element, "Deadline"),
            links=tuple(self.link(pl) for pl in self.children(element, "PredecessorLink")),
            baselines=baselines,
            line=self.lines.get(id(element), 0),
            calendar_uid=self.calendar_uid(element),
            leveling_delay_minutes=self.leveling_delay(element),
        )

    def calendar_uid(self, element: Element) -> int | None:
        uid = self.integer(element, "CalendarUID", -1)
        return None if uid < 0 else uid

    def leveling_delay(self, element: Element) -> int:
        """``LevelingDelay`` (tenths of a minute, as MPXJ writes and reads it) → working minutes, never negative."""
        tenths = self.integer(element, "LevelingDelay", 0)
        if tenths < 0:
            raise self.fail(self.at(element, "LevelingDelay"), "the leveling delay is negative.")
        return round(tenths / 10)

    def baselines(self, element: Element) -> tuple[MsBaseline, ...]:
        """A task's ``<Baseline>`` elements with dates (MS Project writes some with a cost only: skipped)."""
        out: dict[int, MsBaseline] = {}
        for b in self.children(element, "Baseline"):
            number = self.integer(b, "Number", 0)
            if not 0 <= number <= MAX_BASELINE:
                raise self.fail(self.at(b, "Number"), f"baseline number {number} is not between 0 and {MAX_BASELINE}.")
            start, finish = self.moment(b, "Start"), self.moment(b, "Finish")
            if start is None or finish is None:
                continue
            if finish < start:
                raise self.fail(b, f"baseline {number} finishes ({finish:%Y-%m-%d %H:%M}) before it starts.")
            cost = self.decimal(b, "Cost", Decimal(0))
            if cost < 0:
                raise self.fail(self.at(b, "Cost"), f"the baseline cost {cost} is negative.")
            if number in out:
                raise self.fail(b, f"baseline {number} is given twice.")
            out[number] = MsBaseline(
                number=number,
                start=start,
                finish=finish,
                duration_minutes=self.duration(b, "Duration"),
                work_minutes=self.duration(b, "Work"),
                cost_minor=from_hundredths(cost, self.digits),
            )
        return tuple(out[n] for n in sorted(out))

    def intervals(self, element: Element) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        times = self.child(element, "WorkingTimes")
        for slot in self.children(times, "WorkingTime") if times is not None else []:
            try:
                start, end = _minutes_of(self.text(slot, "FromTime")), _minutes_of(self.text(slot, "ToTime"))
            except ValueError:
                raise self.fail(slot, "FromTime/ToTime is not a time of day.") from None
            end = end or 24 * 60
            if end <= start:
                raise self.fail(slot, f"the working time {_clock(start)}–{_clock(end)} ends before it starts.")
            if out and start < out[-1][1]:
                raise self.fail(slot, "working times overlap or are not in order.")
            out.append((start, end))
        return out

    def _calendar_rows(self) -> dict[int, Element]:
        rows: dict[int, Element] = {}
        calendars = self.child(self.root, "Calendars")
        for cal in self.children(calendars, "Calendar") if calendars is not None else []:
            uid = self.integer(cal, "UID")
            if uid in rows:
                raise self.fail(cal, f"two calendars have the UID {uid}.")
            rows[uid] = cal
        return rows

    def _own(self, cal: Element) -> tuple[dict[int, list[tuple[int, int]]], dict[date, list[tuple[int, int]]]]:
        """What a calendar itself says (weekdays and exceptions), before its base calendar fills the rest."""
        week: dict[int, list[tuple[int, int]]] = {}
        exceptions: dict[date, list[tuple[int, int]]] = {}
        days = self.child(cal, "WeekDays")
        for day in self.children(days, "WeekDay") if days is not None else []:
            day_type = self.integer(day, "DayType")
            working = self.flag(day, "DayWorking")
            if 1 <= day_type <= 7:
                week[(day_type + 5) % 7] = self.intervals(day) if working else []
            elif day_type == 0:
                period = self.child(day, "TimePeriod")
                if period is not None:
                    self._exception_days(period, self.intervals(day) if working else [], exceptions)
            else:
                raise self.fail(self.at(day, "DayType"), f"DayType {day_type} is not 0–7 (0 an exception, 1 Sunday).")
        excs = self.child(cal, "Exceptions")
        for exc in self.children(excs, "Exception") if excs is not None else []:
            period = self.child(exc, "TimePeriod")
            if period is None:
                raise self.fail(exc, "an exception needs a <TimePeriod>.")
            working = self.flag(exc, "DayWorking")
            self._exception_days(period, self.intervals(exc) if working else [], exceptions)
        return week, exceptions

    def calendar(self, uid: int, rows: dict[int, Element] | None = None) -> MsCalendar:
        """The calendar ``uid`` with its chain of base calendars (BaseCalendarUID) resolved."""
        rows = self._calendar_rows() if rows is None else rows
        chain: list[Element] = []
        current: int = uid
        while current >= 0 and current in rows:
            cal = rows[current]
            if cal in chain:
                raise self.fail(cal, f"calendar UID {current} is its own base calendar (a loop).")
            chain.append(cal)
            current = self.integer(cal, "BaseCalendarUID", -1)
        if current >= 0 and chain:
            raise self.fail(self.at(chain[-1], "BaseCalendarUID"), f"no calendar with UID {current}.")
        week: dict[int, list[tuple[int, int]]] = dict(STANDARD_WEEK)
        exceptions: dict[date, list[tuple[int, int]]] = {}
        for cal in reversed(chain):  # the root first, each derived calendar overriding it
            own_week, own_exceptions = self._own(cal)
            week.update(own_week)
            exceptions.update(own_exceptions)
        if not any(week.values()):
            raise self.fail(chain[0], "the calendar has no working time in its week.")
        return MsCalendar(self.text(chain[0], "Name") or "Standard", week, exceptions)

    def _exception_days(
        self, period: Element, intervals: list[tuple[int, int]], out: dict[date, list[tuple[int, int]]]
    ) -> None:
        first, last = self.moment(period, "FromDate"), self.moment(period, "ToDate")
        if first is None or last is None or last < first or (last - first).days > 3660:
            raise self.fail(period, "an exception needs FromDate ≤ ToDate within ten years.")
        day = first.date()
        while day <= last.date():
            out[day] = intervals
            day += timedelta(days=1)

    def project(self) -> MsProject:
        if _local(self.root.tag) != "Project":
            raise self.fail(self.root, "the document is not an MS Project XML file (no <Project> root).")
        currency = self.text(self.root, "CurrencyCode").upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            raise self.fail(self.at(self.root, "CurrencyCode"), f"{currency!r} is not an ISO 4217 currency code.")
        self.digits = self.integer(self.root, "CurrencyDigits", 2)
        if not 0 <= self.digits <= 4:
            raise self.fail(self.at(self.root, "CurrencyDigits"), f"{self.digits} currency digits (0–4 expected).")
        tasks_el = self.child(self.root, "Tasks")
        task_rows = self.children(tasks_el, "Task") if tasks_el is not None else []
        if len(task_rows) > MAX_TASKS:
            raise self.fail(tasks_el if tasks_el is not None else self.root, f"more than {MAX_TASKS} tasks.")
        tasks = [t for t in (self.task(row) for row in task_rows) if t is not None]
        uids = [t.uid for t in tasks]
        if len(set(uids)) != len(uids):
            raise self.fail(tasks_el if tasks_el is not None else self.root, "two tasks have the same UID.")
        known = set(uids)
        for task in tasks:
            for link in task.links:
                if link.predecessor_uid not in known:
                    raise MspdiError(
                        f"<PredecessorLink> of task {task.name!r} (line {task.line}): no task with UID "
                        f"{link.predecessor_uid}."
                    )
        resources: list[MsResource] = []
        res_el = self.child(self.root, "Resources")
        for row in self.children(res_el, "Resource") if res_el is not None else []:
            uid = self.integer(row, "UID")
            name = self.text(row, "Name")
            if uid == 0 or not name or self.flag(row, "IsNull"):
                continue
            units = int((self.decimal(row, "MaxUnits", Decimal(1)) * 100).to_integral_value())
            if units <= 0:
                raise self.fail(self.at(row, "MaxUnits"), "MaxUnits must be above 0.")
            code = self.integer(row, "Type", 1)
            if code not in RESOURCE_NAMES:
                raise self.fail(self.at(row, "Type"), f"unknown resource type {code} (0 material, 1 work, 2 cost).")
            resources.append(
                MsResource(
                    uid,
                    name,
                    self.text(row, "EmailAddress"),
                    units,
                    pool=self.flag(row, "IsGeneric"),
                    kind=RESOURCE_NAMES[code],
                    line=self.lines.get(id(row), 0),
                )
            )
        if len({r.uid for r in resources}) != len(resources):
            raise self.fail(res_el if res_el is not None else self.root, "two resources have the same UID.")
        res_uids = {r.uid for r in resources}
        assignments: list[MsAssignment] = []
        asg_el = self.child(self.root, "Assignments")
        for row in self.children(asg_el, "Assignment") if asg_el is not None else []:
            task_uid, res_uid = self.integer(row, "TaskUID"), self.integer(row, "ResourceUID", -65535)
            if task_uid not in known or res_uid not in res_uids:
                continue  # unassigned placeholders (ResourceUID -65535) and the summary task
            units = int((self.decimal(row, "Units", Decimal(1)) * 100).to_integral_value())
            if units <= 0:
                raise self.fail(self.at(row, "Units"), "Units must be above 0.")
            assignments.append(MsAssignment(task_uid, res_uid, units))
        starts = (t.start for t in tasks if t.start is not None)
        start = self.moment(self.root, "StartDate") or min(starts, default=None)
        summary_row = next((row for row in task_rows if self.integer(row, "UID", -1) == 0), None)
        calendar_rows = self._calendar_rows()
        project_uid = self.integer(self.root, "CalendarUID", -1)
        if project_uid >= 0 and project_uid not in calendar_rows:
            raise self.fail(self.at(self.root, "CalendarUID"), f"no calendar with UID {project_uid}.")
        task_calendars: dict[int, MsCalendar] = {}
        for task in tasks:
            if task.calendar_uid is None or task.calendar_uid in task_calendars:
                continue
            if task.calendar_uid not in calendar_rows:
                raise MspdiError(
                    f"<CalendarUID> of task {task.name!r} (line {task.line}): no calendar with UID {task.calendar_uid}."
                )
            task_calendars[task.calendar_uid] = self.calendar(task.calendar_uid, calendar_rows)
        return MsProject(
            name=self.text(self.root, "Name") or self.text(self.root, "Title") or "Imported project",
            start=start or datetime(2000, 1, 1),
            start_given=start is not None,
            currency=currency,
            currency_digits=self.digits,
            tasks=tasks,
            calendar=self.calendar(project_uid, calendar_rows) if project_uid >= 0 else MsCalendar(),
            resources=resources,
            assignments=assignments,
            minutes_per_day=self.integer(self.root, "MinutesPerDay", 480),
            project_baselines=self.baselines(summary_row) if summary_row is not None else (),
            task_calendars=task_calendars,
        )


def read(data: bytes) -> MsProject:
    """Parse an MSPDI document; anything malformed, unsafe or inconsistent raises :class:`MspdiError`."""
    try:
        root, lines = parse_xml(data)
    except XmlRefused as refused:
        raise MspdiError(str(refused)) from None
    return _Reader(root, lines).project()
