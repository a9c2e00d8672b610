"""Working calendars: when people work, and an exact mapping between datetimes and working minutes.

A :class:`CalendarSpec` says how a calendar differs from its parent, as MS Project's base calendars do:
the organisation's default calendar is a root; a company calendar derives from it, a person calendar from
the company's. A child inherits everything it does not set:

- ``week``: working intervals per weekday (0 = Monday … 6 = Sunday), each interval ``(start, end)`` in
  minutes since midnight, e.g. ``((540, 780), (840, 1080))`` for 09:00–13:00 and 14:00–18:00. A weekday
  missing from a child's ``week`` is inherited; a root without ``week`` uses :data:`STANDARD_WEEK`, a root
  with ``week`` does not work on the weekdays it leaves out.
- ``country`` / ``subdivision``: public holidays from the ``holidays`` package. A child that names a country
  replaces its parent's (a person in Germany working for a US company has the German holidays).
- ``holidays``: extra non-working dates (a company's own days off), added to the parent's.
- ``exceptions``: a date made non-working (``()``) or working with given intervals.

For any date, the most specific level decides: walking from the child to the root, the first level with an
exception on that date, an extra holiday on it, or (for the level whose country applies) a public holiday
on it wins; otherwise the nearest weekday pattern applies.

A compiled :class:`Calendar` keeps a cumulative table by day, so converting is a ``bisect`` and a walk over
at most a few intervals. Working minute ``n`` counts the working minutes since the calendar's epoch (midnight
of 1 January of the first year the table was built for; earlier dates give negative numbers). Datetimes are
naive local times with minute precision (seconds are dropped). The finish convention is MS Project's: a
finish lands at the end of the working interval that completes it (a 1-day task starting Monday 09:00
finishes Monday 18:00, not Tuesday 09:00) and a start at the beginning of the next working interval.

Nothing here imports Django.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import holidays as holidays_lib

from margin.core.errors import Invalid

Interval = tuple[int, int]
Intervals = tuple[Interval, ...]

MINUTES_PER_DAY_CLOCK = 24 * 60
DEFAULT_MINUTES_PER_DAY = 480
DAY_INTERVALS: Intervals = ((540, 780), (840, 1080))  # 09:00–13:00, 14:00–18:00
STANDARD_WEEK: Mapping[int, Intervals] = {0: DAY_INTERVALS, 1: DAY_INTERVALS, 2: DAY_INTERVALS, 3: DAY_INTERVALS,
                                          4: DAY_INTERVALS, 5: (), 6: ()}  # fmt: skip
MIN_YEAR = 1900
MAX_YEAR = 2300
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CalendarError(Invalid):
    """A calendar that cannot be built or used as given (bad intervals, unknown country, no working time...)."""

    code = "calendar_invalid"


class CalendarRangeError(CalendarError):
    """A date, or a number of working minutes, outside the years a calendar can cover."""

    code = "calendar_range"


@dataclass(frozen=True, eq=False)
class CalendarSpec:
    """How one calendar differs from its parent. See the module docstring for inheritance."""

    id: str
    name: str = ""
    parent: CalendarSpec | None = None
    week: Mapping[int, Intervals] | None = None
    country: str | None = None
    subdivision: str | None = None
    holidays: Mapping[date, str] = field(default_factory=dict)
    exceptions: Mapping[date, Intervals] = field(default_factory=dict)
    minutes_per_day: int | None = None

    def chain(self) -> list[CalendarSpec]:
        """This calendar, its parent, … up to the root. A loop of parents is refused."""
        out: list[CalendarSpec] = []
        seen: set[int] = set()
        spec: CalendarSpec | None = self
        while spec is not None:
            if id(spec) in seen:
                names = " → ".join(s.id for s in (*out, spec))
                raise CalendarError(f"Calendar parents form a loop: {names}.", field="parent")
            seen.add(id(spec))
            out.append(spec)
            spec = spec.parent
        return out


def exceptions_between(first: date, last: date, intervals: Intervals = ()) -> dict[date, Intervals]:
    """Exceptions for every date from ``first`` to ``last`` inclusive (a vacation: ``intervals=()``)."""
    if last < first:
        raise CalendarError(f"An exception period cannot end ({last}) before it starts ({first}).")
    return {first + timedelta(days=i): intervals for i in range((last - first).days + 1)}


def clock_of(value: date | datetime) -> int:
    """Absolute minutes since 0001-01-01 00:00 (naive local time; seconds dropped). A date is its midnight."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise CalendarError(f"{value.isoformat()} has a time zone; calendars work on naive local times.")
        return value.toordinal() * MINUTES_PER_DAY_CLOCK + value.hour * 60 + value.minute
    return value.toordinal() * MINUTES_PER_DAY_CLOCK


def datetime_of(clock: int) -> datetime:
    """The naive datetime of an absolute clock minute (inverse of :func:`clock_of`)."""
    day, minute = divmod(clock, MINUTES_PER_DAY_CLOCK)
    hour, minute = divmod(minute, 60)
    d = date.fromordinal(day)
    return datetime(d.year, d.month, d.day, hour, minute)  # naive local time on purpose


@lru_cache(maxsize=4096)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    found = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    return {d: str(name) for d, name in found.items()}


def _check_intervals(where: str, intervals: Iterable[Interval]) -> Intervals:
    out: list[Interval] = []
    previous_end = -1
    for item in intervals:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise CalendarError(f"{where}: {item!r} is not a (start, end) pair of minutes.") from None
        if not (isinstance(start, int) and isinstance(end, int)):
            raise CalendarError(f"{where}: {item!r} must be whole minutes since midnight.")
        if not 0 <= start < end <= MINUTES_PER_DAY_CLOCK:
            raise CalendarError(
                f"{where}: interval {_hm(start)}–{_hm(end)} must lie within 00:00–24:00 and end after it starts."
            )
        if start < previous_end:
            raise CalendarError(f"{where}: working intervals overlap or are out of order at {_hm(start)}.")
        previous_end = end
        out.append((start, end))
    return tuple(out)


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Calendar:
    """A compiled working calendar: exact, fast conversions between datetimes and working minutes.

    ``years``, when given, builds the table for those years at once (the epoch is 1 January of the first);
    otherwise the first date converted fixes the epoch (1 January of its year). Either way the table grows
    by whole years, forward or backward, as dates or working minutes beyond it are asked for, within
    :data:`MIN_YEAR`–:data:`MAX_YEAR`.
    """

    def __init__(self, spec: CalendarSpec, *, years: range | None = None) -> None:
        chain = spec.chain()
        self.spec = spec
        self.id = spec.id
        self.name = spec.name or spec.id
        mpd = next((s.minutes_per_day for s in chain if s.minutes_per_day is not None), DEFAULT_MINUTES_PER_DAY)
        if not isinstance(mpd, int) or not 0 < mpd <= MINUTES_PER_DAY_CLOCK:
            raise CalendarError(f"Calendar {spec.id!r}: minutes per day must be between 1 and 1440, not {mpd!r}.")
        self.minutes_per_day: int = mpd
        week: list[Intervals | None] = [None] * 7
        for level in chain:
            if level.week is None:
                continue
            for weekday, intervals in level.week.items():
                if weekday not in range(7):
                    raise CalendarError(f"Calendar {level.id!r}: weekday {weekday!r} must be 0 (Monday) to 6 (Sunday).")
                if week[weekday] is None:
                    week[weekday] = _check_intervals(f"Calendar {level.id!r}, {WEEKDAY_NAMES[weekday]}", intervals)
        root = chain[-1]
        for weekday in range(7):
            if week[weekday] is None:
                week[weekday] = STANDARD_WEEK[weekday] if root.week is None else ()
        self.week: tuple[Intervals, ...] = tuple(w or () for w in week)
        if not any(self.week):
            raise CalendarError(f"Calendar {spec.id!r} has no working time in its week.", field="week")
        # Levels, child first: (exceptions, extra holidays, country or None when a more specific level set one).
        self._levels: list[tuple[Mapping[date, Intervals], Mapping[date, str], tuple[str, str | None] | None]] = []
        country_taken = False
        for level in chain:
            for day, intervals in level.exceptions.items():
                _check_intervals(f"Calendar {level.id!r}, exception on {day}", intervals)
            country: tuple[str, str | None] | None = None
            if level.country and not country_taken:
                country_taken = True
                country = (level.country.upper(), level.subdivision or None)
                try:
                    holidays_lib.country_holidays(country[0], subdiv=country[1])
                except NotImplementedError as exc:
                    raise CalendarError(
                        f"Calendar {level.id!r}: no public holidays known for {exc}.", field="country"
                    ) from None
            self._levels.append((level.exceptions, level.holidays, country))
        self.country = next((c for _, _, c in self._levels if c), None)
        # The table (first ordinal, days, cum): day i is date.fromordinal(first + i), with the working intervals
        # days[i] and cum[i] working minutes before it (cum has one more entry: the end of the last day).
        self._table: tuple[int, list[Intervals], list[int]] = (0, [], [0])
        self._lock = threading.Lock()
        self._first_year = 0
        self._last_year = -1
        self._epoch: date | None = None
        if years is not None:
            if len(years) == 0:
                raise CalendarError("years must not be empty.")
            self._cover(years[0], years[-1])

    def __repr__(self) -> str:
        return f"Calendar({self.id!r})"

    # --- what a day looks like ---------------------------------------------------------------------
    def intervals_on(self, day: date) -> Intervals:
        """The working intervals of a date (``()`` when it does not work)."""
        weekday_pattern = self.week[day.weekday()]
        for exceptions, extra, country in self._levels:
            found = exceptions.get(day)
            if found is not None:
                return tuple(found)
            if day in extra:
                return ()
            if country is not None and day in _public_holidays(country[0], country[1], day.year):
                return ()
        return weekday_pattern

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday that makes ``day`` non-working, if one does (for the Gantt's shading)."""
        for exceptions, extra, country in self._levels:
            if day in exceptions:
                return None
            if day in extra:
                return extra[day]
            if country is not None:
                name = _public_holidays(country[0], country[1], day.year).get(day)
                if name is not None:
                    return name
        return None

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def working_minutes_on(self, day: date) -> int:
        return sum(e - s for s, e in self.intervals_on(day))

    # --- the table ---------------------------------------------------------------------------------
    @property
    def epoch(self) -> date | None:
        """The date whose midnight is working minute 0 (None until the table is first built)."""
        return self._epoch

    def _build(self, first: date, last: date) -> list[Intervals]:
        return [self.intervals_on(first + timedelta(days=i)) for i in range((last - first).days + 1)]

    def _cover(self, first_year: int, last_year: int) -> None:
        """Make the table cover ``first_year``–``last_year`` (at least). Readers never see a half-built table:
        a new ``(first ordinal, days, cumulative)`` tuple replaces the old one in one assignment."""
        if first_year < MIN_YEAR or last_year > MAX_YEAR:
            raise CalendarRangeError(
                f"Calendar {self.id!r} covers the years {MIN_YEAR}–{MAX_YEAR}; "
                f"{first_year if first_year < MIN_YEAR else last_year} is outside them."
            )
        with self._lock:
            first, days, cum = self._table
            if self._epoch is None:  # the first build fixes the epoch
                days = self._build(date(first_year, 1, 1), date(last_year, 12, 31))
                cum = [0]
                total = 0
                for intervals in days:
                    for s, e in intervals:
                        total += e - s
                    cum.append(total)
                self._table = (date(first_year, 1, 1).toordinal(), days, cum)
                self._first_year, self._last_year = first_year, last_year
                self._epoch = date(first_year, 1, 1)
                return
            if last_year > self._last_year:
                more = self._build(date(self._last_year + 1, 1, 1), date(last_year, 12, 31))
                cum = list(cum)
                total = cum[-1]
                for intervals in more:
                    for s, e in intervals:
                        total += e - s
                    cum.append(total)
                days = days + more
                self._table = (first, days, cum)
                self._last_year = last_year
            if first_year < self._first_year:
                more = self._build(date(first_year, 1, 1), date(self._first_year - 1, 12, 31))
                total = cum[0]
                before = []
                for intervals in reversed(more):
                    for s, e in intervals:
                        total -= e - s
                    before.append(total)
                before.reverse()
                self._table = (date(first_year, 1, 1).toordinal(), more + days, before + cum)
                self._first_year = first_year

    def _cover_ordinal(self, ordinal: int) -> None:
        year = date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).year
        if self._epoch is None:
            self._cover(year, year)
        elif year > self._last_year:
            self._cover(self._first_year, year)
        elif year < self._first_year:
            self._cover(year, self._last_year)

    def _grow_for(self, n: int, as_finish: bool) -> tuple[int, list[Intervals], list[int]]:
        if self._epoch is None:
            raise CalendarError(
                f"Calendar {self.id!r} has no epoch yet: convert a date first, or build it with years=."
            )
        table = self._table
        # A finish needs cum[0] < n <= cum[-1]; a start needs cum[0] <= n < cum[-1].
        while n > table[2][-1] or (not as_finish and n == table[2][-1]):
            self._cover(self._first_year, self._last_year + max(1, (self._last_year - self._first_year + 1) // 2))
            table = self._table
        while n < table[2][0] or (as_finish and n == table[2][0]):
            self._cover(self._first_year - 1, self._last_year)
            table = self._table
        return table

    # --- integer conversions (what the CPM uses) ---------------------------------------------------
    def working_at_clock(self, clock: int) -> int:
        """Working minutes from the epoch up to an absolute clock minute (see :func:`clock_of`)."""
        day, minute = divmod(clock, MINUTES_PER_DAY_CLOCK)
        first, days, cum = self._table
        i = day - first
        if i < 0 or i >= len(days):
            self._cover_ordinal(day)
            first, days, cum = self._table
            i = day - first
        w = cum[i]
        for s, e in days[i]:
            if minute >= e:
                w += e - s
            else:
                if minute > s:
                    w += minute - s
                break
        return w

    def clock_at_working(self, n: int, *, as_finish: bool) -> int:
        """The absolute clock minute of working minute ``n``: as a finish, the end of the working time that
        reaches it (the earliest such moment); as a start, the beginning of the next working minute."""
        first, days, cum = self._table
        if as_finish:
            if not cum[0] < n <= cum[-1]:
                first, days, cum = self._grow_for(n, True)
            i = bisect_left(cum, n) - 1
            rem = n - cum[i]
            for s, e in days[i]:
                if rem <= e - s:
                    return (first + i) * MINUTES_PER_DAY_CLOCK + s + rem
                rem -= e - s
        else:
            if not cum[0] <= n < cum[-1]:
                first, days, cum = self._grow_for(n, False)
            i = bisect_right(cum, n) - 1
            rem = n - cum[i]
            for s, e in days[i]:
                if rem < e - s:
                    return (first + i) * MINUTES_PER_DAY_CLOCK + s + rem
                rem -= e - s
        raise AssertionError("unreachable: the cumulative table is inconsistent")  # pragma: no cover

    # --- datetime API ------------------------------------------------------------------------------
    def to_working(self, value: date | datetime) -> int:
        """Working minutes from the epoch to ``value`` (a date means its midnight)."""
        return self.working_at_clock(clock_of(value))

    def from_working(self, n: int, *, as_finish: bool) -> datetime:
        """The datetime of working minute ``n`` (finish or start convention, see the module docstring)."""
        return datetime_of(self.clock_at_working(n, as_finish=as_finish))

    def add_working(self, value: date | datetime, minutes: int, *, as_finish: bool | None = None) -> datetime:
        """``value`` moved by ``minutes`` of working time. By default a positive move gives a finish (Mon 09:00
        + 480 → Mon 18:00) and a zero or negative move a start (Fri 18:00 + 0 → Mon 09:00)."""
        finish = minutes > 0 if as_finish is None else as_finish
        return self.from_working(self.to_working(value) + minutes, as_finish=finish)

    def working_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        return self.to_working(end) - self.to_working(start)

    def next_working_start(self, value: date | datetime) -> datetime:
        """``value`` itself if work goes on at that moment, else the start of the next working interval."""
        return self.from_working(self.to_working(value), as_finish=False)

    # --- days --------------------------------------------------------------------------------------
    def days_to_minutes(self, days: int | Decimal | str) -> int:
        """Working minutes in ``days`` of this calendar's length (1.5 days of 480 minutes → 720)."""
        value = Decimal(days) * self.minutes_per_day
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))

    def minutes_to_days(self, minutes: int, *, places: int = 2) -> Decimal:
        """Working minutes as days of this calendar's length, rounded half up to ``places`` decimals."""
        return (Decimal(minutes) / self.minutes_per_day).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def standard_calendar(
    calendar_id: str = "standard", *, country: str | None = None, subdivision: str | None = None,
    years: range | None = None,
) -> Calendar:  # fmt: skip
    """Mon–Fri 09:00–13:00 and 14:00–18:00 (480 minutes a day), with a country's holidays if given."""
    return Calendar(CalendarSpec(id=calendar_id, country=country, subdivision=subdivision), years=years)
