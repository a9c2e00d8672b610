"""The demo firm's time off: approved vacations coming up for several people (one of them a half day), a request
of the demo member waiting for their manager's approval, and a sick day in the past (approved after the fact).

Each request is made by the person and decided by their line manager (an administrator where they have none),
through the actions, so the notifications and audit rows are those of real use. A past day is taken only where
the person has no approved time (the action refuses time off over approved time). Deterministic: dates follow
the anchor."""

from __future__ import annotations

from datetime import date, timedelta

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.demo.specs import DEMO_MANAGER, DEMO_MEMBER, OVERLOAD, PEOPLE
from margin.resourcing.actions import time_off_approve, time_off_request
from margin.resourcing.models import Assignment, Booking, BookingKind, TimeOff, TimeOffKind

# (who, weeks from the anchor's Monday, first weekday, days, minutes a day or None, kind, approved)
PLANNED: tuple[tuple[str, int, int, int, int | None, str, bool], ...] = (
    (DEMO_MANAGER, 3, 0, 5, None, TimeOffKind.VACATION, True),
    (DEMO_MEMBER, 1, 4, 1, 240, TimeOffKind.OTHER, True),  # a half day on Friday
    (DEMO_MEMBER, 5, 0, 3, None, TimeOffKind.VACATION, False),  # waiting for the manager
)
MORE_VACATIONS = 3  # further people, each a week off at staggered dates


def _free(person: Person, first: date, days: int) -> date | None:
    """The first of the next twelve weeks (from ``first``) in which the person has no hard booking over the days
    (the demo's hard bookings never exceed capacity, and time off lowers it) and no task of the planned project
    whose over-allocation is another person's story (``OVERLOAD``: leveling would see the time off as load)."""
    for week in range(12):
        start = first + timedelta(weeks=week)
        last = start + timedelta(days=days - 1)
        if person.end_date is not None and last > person.end_date:
            return None
        booked = Booking.objects.filter(person=person, kind=BookingKind.HARD, first_day__lte=last, last_day__gte=start)
        planned = Assignment.objects.filter(
            person=person,
            task__project__code=OVERLOAD[0],
            task__start__date__lte=last,
            task__finish__date__gte=start,
        )
        if not booked.exists() and not planned.exists():
            return start
    return None


def _approver(person: Person, viewers: dict[str, Viewer], admin: Viewer) -> Viewer:
    by_user = {v.user_id: v for v in viewers.values()}
    manager = person.manager
    found = by_user.get(manager.user_id) if manager is not None and manager.user_id else None
    return found if found is not None and found.user_id != viewers_user(person, viewers) else admin


def viewers_user(person: Person, viewers: dict[str, Viewer]) -> int | None:
    return next((v.user_id for v in viewers.values() if v.person_id == person.pk), None)


def _ask(
    person: Person,
    own: Viewer,
    approver: Viewer,
    first: date,
    days: int,
    minutes: int | None,
    kind: str,
    approved: bool,
    note: str,
) -> TimeOff:
    off = time_off_request(
        viewer=own,
        person=person,
        first_day=first,
        last_day=first + timedelta(days=days - 1),
        kind=kind,
        minutes_per_day=minutes,
        note=note,
    )
    if approved:
        time_off_approve(viewer=approver, time_off=off)
    return off


def demo_time_off(admin: Viewer, viewers: dict[str, Viewer], people: dict[str, Person], anchor: date) -> None:
    monday = anchor - timedelta(days=anchor.weekday())
    for username, weeks, weekday, days, minutes, kind, approved in PLANNED:
        if username not in people:
            continue
        person = people[username]
        found = _free(person, monday + timedelta(weeks=weeks, days=weekday), days)
        if found is None:
            continue
        first = found
        note = "Half day: school play" if minutes else ("Family holiday" if approved else "Autumn break")
        _ask(person, viewers[username], _approver(person, viewers, admin), first, days, minutes, kind, approved, note)
    others = [s.username for s in PEOPLE if s.username not in (DEMO_MANAGER, DEMO_MEMBER) and s.username in people]
    taken = 0
    for i, username in enumerate(others):
        person = people[username]
        start = _free(person, monday + timedelta(weeks=2 + 2 * (i % 3)), 5)
        if start is None:
            continue
        taken += 1
        if taken > MORE_VACATIONS:
            break
        _ask(
            person,
            viewers[username],
            _approver(person, viewers, admin),
            start,
            5,
            None,
            TimeOffKind.VACATION,
            True,
            "Vacation",
        )
    # A sick day in the past: the latest weekday before this week (whose bookings the heatmap shows) of the last
    # four weeks without approved time.
    sick = people.get(others[-1] if others else DEMO_MEMBER)
    if sick is None:
        return
    approved_days = set(
        sick.time_entries.filter(work_date__gte=monday - timedelta(days=28), status="approved").values_list(
            "work_date", flat=True
        )
    )
    for back in range(1, 29):
        day = monday - timedelta(days=back)
        if day.weekday() < 5 and day not in approved_days and (sick.start_date is None or day >= sick.start_date):
            username = next(u for u, p in people.items() if p.pk == sick.pk)
            _ask(sick, viewers[username], _approver(sick, viewers, admin), day, 1, None, TimeOffKind.SICK, True, "Flu")
            return
