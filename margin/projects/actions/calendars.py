"""Writes on working calendars and their exceptions.

Organisation default (no company, no person), a company's, a person's. Administrators edit them (see
queries.can_edit_calendar). After a change, every open project whose plan uses the calendar (its own or an
ancestor, planning.projects_on_calendar) is rescheduled in the same transaction: a calendar change is rare and
a plan is rescheduled in milliseconds, so there is no deferred queue. A project whose network cannot be
scheduled any more keeps its dates and is reported in ``CalendarSaved.skipped`` (its own savepoint).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import holidays as holidays_lib
from django.db import transaction

from margin.accounts.models import Company, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from margin.core.text import clean_text
from margin.projects.actions.planning import plan_reschedule
from margin.projects.models import CalendarException, Project, Task, WorkCalendar
from margin.projects.planning import DEFAULT_WEEK, calendar_for_row, projects_on_calendar
from margin.projects.queries import calendar_scope_ok, can_edit_calendar
from margin.scheduling.calendars import WEEKDAY_NAMES, CalendarError

CALENDAR_FIELDS = ["name", "company", "person", "parent", "week", "country", "subdivision"]
EXCEPTION_FIELDS = ["date", "intervals", "name"]
MAX_EXCEPTION_DAYS = 366
WeekInput = Mapping[Any, str | Sequence[Sequence[int]] | None]
IntervalsInput = str | Sequence[Sequence[int]] | None


@dataclass(frozen=True)
class CalendarSaved:
    """A calendar after a change, with the codes of the projects rescheduled (and any that could not be)."""

    calendar: WorkCalendar
    rescheduled: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


def _clock(text: str, where: str, field: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2 or len(hours) > 2:
        raise Invalid(f"{where}: {text.strip()!r} is not a time like 09:00.", field=field)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise Invalid(f"{where}: {text.strip()!r} is not a time between 00:00 and 24:00.", field=field)
    return value


def parse_intervals(raw: IntervalsInput, *, where: str, field: str) -> list[list[int]]:
    """Working intervals from text ("09:00-12:00, 13:00-17:00"; empty: no working time) or ``[[start, end], …]``
    minutes: well-formed, within 00:00–24:00, ascending and not overlapping."""
    pairs: list[tuple[int, int]] = []
    if raw is None:
        return []
    if isinstance(raw, str):
        for part in raw.replace(";", ",").split(","):
            if not part.strip():
                continue
            begins, sep, ends = part.replace("–", "-").partition("-")
            if not sep:
                raise Invalid(f"{where}: {part.strip()!r} is not an interval like 09:00-12:00.", field=field)
            pairs.append((_clock(begins, where, field), _clock(ends, where, field)))
    else:
        for item in raw:
            if not isinstance(item, list | tuple) or len(item) != 2 or not all(type(v) is int for v in item):
                raise Invalid(f"{where}: {item!r} is not a [start, end] pair of minutes.", field=field)
            pairs.append((item[0], item[1]))
    previous_end = -1
    for start, end in pairs:
        if not 0 <= start < end <= 24 * 60:
            raise Invalid(
                f"{where}: {_hhmm(start)}-{_hhmm(end)} must lie within 00:00-24:00 and end after it starts.",
                field=field,
            )
        if start < previous_end:
            raise Invalid(f"{where}: the intervals overlap or are out of order at {_hhmm(start)}.", field=field)
        previous_end = end
    return [[s, e] for s, e in pairs]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}" if 0 <= minutes <= 24 * 60 else str(minutes)


def _check_week(raw: WeekInput) -> dict[str, list[list[int]]]:
    """Per weekday ("0" = Monday … "6", or 0…6) its intervals; ``None`` (or a weekday left out) inherits."""
    week: dict[str, list[list[int]]] = {}
    for key, value in raw.items():
        day = str(key)
        if day not in {str(d) for d in range(7)}:
            raise Invalid(f"Unknown weekday {key!r}: use 0 (Monday) to 6 (Sunday).", field="week")
        if value is None:
            continue
        week[day] = parse_intervals(value, where=WEEKDAY_NAMES[int(day)], field=f"week.{day}")
    return dict(sorted(week.items()))


def _check_country(country: str, subdivision: str) -> tuple[str, str]:
    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip().upper()
    if not country:
        if subdivision:
            raise Invalid("Choose a country for the subdivision.", field="subdivision")
        return "", ""
    supported = holidays_lib.list_supported_countries()
    if len(country) != 2 or country not in supported:
        raise Invalid(f"No public holidays are known for country {country!r}.", field="country")
    if subdivision and subdivision not in {s.upper() for s in supported[country]}:
        raise Invalid(f"{subdivision!r} is not a subdivision of {country} with known holidays.", field="subdivision")
    return country, subdivision


def _check_calendar_edit(viewer: Viewer, calendar: WorkCalendar) -> None:
    if not calendar_scope_ok(viewer, calendar):
        raise NotFound("No such calendar.")
    if not can_edit_calendar(viewer, calendar):
        raise Forbidden("Only an administrator of the calendar's company may change it.")


def _check_calendar_parent(viewer: Viewer, calendar: WorkCalendar | None, parent: WorkCalendar | None) -> None:
    if parent is None:
        return
    if not calendar_scope_ok(viewer, parent):
        raise NotFound("No such parent calendar.")
    if parent.person_id is not None:
        raise Invalid("A person's calendar cannot be the parent of another calendar.", field="parent")
    seen: set[int] = set()
    current: WorkCalendar | None = parent
    while current is not None and current.pk not in seen:
        if calendar is not None and current.pk == calendar.pk:
            raise Invalid(f"{parent.name} derives from {calendar.name}: parents would form a loop.", field="parent")
        seen.add(current.pk)
        current = current.parent


def _check_calendar_name(viewer: Viewer, name: str, calendar: WorkCalendar | None) -> str:
    name = clean_text(name, field="name", max_length=200, required=True)
    others = WorkCalendar.objects.filter(organisation_id=viewer.organisation_id, name__iexact=name)
    if calendar is not None:
        others = others.exclude(pk=calendar.pk)
    if others.exists():
        raise Conflict(f"A calendar named {name!r} exists already.", field="name")
    return name


def _check_compiles(calendar: WorkCalendar) -> None:
    """The saved calendar, and every calendar deriving from it, still has working time and valid holidays."""
    todo = [calendar]
    seen: set[int] = set()
    while todo:
        row = todo.pop()
        if row.pk in seen:
            continue
        seen.add(row.pk)
        try:
            calendar_for_row(row)
        except CalendarError as error:
            message = error.message
            if "has no working time" in message:
                message = f"{row.name} would have no working time in its week."
            raise Invalid(message, field=error.field or "week") from None
        todo.extend(WorkCalendar.objects.filter(parent=row).select_related("parent"))


def _calendar_reschedule(calendar: WorkCalendar) -> tuple[tuple[str, ...], tuple[str, ...]]:
    done: list[str] = []
    skipped: list[str] = []
    for project in projects_on_calendar(calendar):
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if not Task.objects.filter(project=locked).exists():
            continue
        try:
            with transaction.atomic():
                plan_reschedule(locked)
            done.append(locked.code)
        except DomainError:
            skipped.append(locked.code)
    return tuple(done), tuple(skipped)


def _calendar_audit(viewer: Viewer, action: str, calendar: WorkCalendar, before: Any = None, **after: Any) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=calendar,
        before=before,
        after={**audit.snapshot(calendar, CALENDAR_FIELDS), **after} if action != "calendar.delete" else None,
    )


@transaction.atomic
def calendar_create(
    *,
    viewer: Viewer,
    name: str,
    week: WeekInput | None = None,
    country: str = "",
    subdivision: str = "",
    parent: WorkCalendar | None = None,
    company: Company | None = None,
    person: Person | None = None,
) -> CalendarSaved:
    """A new calendar: the organisation default (no company, no person), a company's or a person's. Without a
    parent, a company's derives from the default and a person's from their company's (else the default)."""
    if person is not None:
        if person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids:
            raise NotFound("No such person.")
        if company is not None and company.pk != person.company_id:
            raise Invalid(f"{person.name} works for {person.company.name}, not {company.name}.", field="company")
        company = person.company
    if company is not None and (
        company.organisation_id != viewer.organisation_id or company.pk not in viewer.company_ids
    ):
        raise NotFound("No such company.")
    draft = WorkCalendar(organisation_id=viewer.organisation_id, company=company, person=person, name=name)
    if not can_edit_calendar(viewer, draft):
        raise Forbidden("Only an administrator of the calendar's company may create it.")
    name = _check_calendar_name(viewer, name, None)
    rows = WorkCalendar.objects.filter(organisation_id=viewer.organisation_id)
    if person is not None and rows.filter(person=person).exists():
        raise Conflict(f"{person.name} has a calendar already.", field="person")
    if person is None and company is not None and rows.filter(company=company, person__isnull=True).exists():
        raise Conflict(f"{company.name} has a calendar already.", field="company")
    if company is None and person is None and rows.filter(company__isnull=True, person__isnull=True).exists():
        raise Conflict("The organisation has a default calendar already.", field="company")
    if parent is None and (company is not None or person is not None):
        base = rows.filter(person__isnull=True)
        parent = (base.filter(company=company).order_by("id").first() if person is not None else None) or base.filter(
            company__isnull=True
        ).order_by("id").first()
    _check_calendar_parent(viewer, None, parent)
    country, subdivision = _check_country(country, subdivision)
    checked_week = _check_week(week or {})
    if parent is None and not checked_week:
        checked_week = {**DEFAULT_WEEK}
    draft.name = name
    draft.parent = parent
    draft.week = checked_week
    draft.country, draft.subdivision = country, subdivision
    draft.save()
    _check_compiles(draft)
    rescheduled, skipped = _calendar_reschedule(draft)
    _calendar_audit(viewer, "calendar.create", draft, rescheduled=list(rescheduled))
    return CalendarSaved(draft, rescheduled, skipped)


@transaction.atomic
def calendar_update(*, viewer: Viewer, calendar: WorkCalendar, **changes: Any) -> CalendarSaved:
    """Change a calendar's ``name``, ``week`` (replaced as a whole), ``country``/``subdivision`` or ``parent``."""
    _check_calendar_edit(viewer, calendar)
    unknown = set(changes) - {"name", "week", "country", "subdivision", "parent"}
    if unknown:
        raise Invalid(f"Cannot change {', '.join(sorted(unknown))} of a calendar.", field=sorted(unknown)[0])
    locked = (
        WorkCalendar.objects.select_for_update(of=("self",))
        .select_related("company", "person", "parent")
        .get(pk=calendar.pk)
    )
    before = audit.snapshot(locked, CALENDAR_FIELDS)
    if "name" in changes:
        locked.name = _check_calendar_name(viewer, str(changes["name"]), locked)
    if "week" in changes:
        locked.week = _check_week(changes["week"] or {})
    if "country" in changes or "subdivision" in changes:
        locked.country, locked.subdivision = _check_country(
            str(changes.get("country", locked.country) or ""), str(changes.get("subdivision", "") or "")
        )
    if "parent" in changes:
        parent = changes["parent"]
        if parent is not None and not isinstance(parent, WorkCalendar):
            raise Invalid("The parent must be a calendar.", field="parent")
        if parent is not None and parent.pk == locked.pk:
            raise Invalid("A calendar cannot be its own parent.", field="parent")
        _check_calendar_parent(viewer, locked, parent)
        locked.parent = parent
    if locked.parent_id is None and not locked.week:
        raise Invalid(f"{locked.name} has no parent, so its week must give working hours.", field="week")
    locked.save()
    _check_compiles(locked)
    rescheduled, skipped = _calendar_reschedule(locked)
    _calendar_audit(viewer, "calendar.update", locked, before, rescheduled=list(rescheduled))
    calendar.refresh_from_db()
    return CalendarSaved(locked, rescheduled, skipped)


def _names(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@transaction.atomic
def calendar_delete(*, viewer: Viewer, calendar: WorkCalendar) -> None:
    """Delete a calendar no other calendar derives from and no open project plans with."""
    _check_calendar_edit(viewer, calendar)
    locked = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    children = list(WorkCalendar.objects.filter(parent=locked).order_by("name").values_list("name", flat=True))
    if children:
        verb = "derives" if len(children) == 1 else "derive"
        raise Conflict(f"{locked.name} is in use: {_names(children)} {verb} from it.")
    if locked.person_id is None:
        projects = [p.code for p in projects_on_calendar(locked)]
        if projects:
            raise Conflict(f"{locked.name} is in use: the plan of {_names(projects)} uses it.")
    before = audit.snapshot(locked, CALENDAR_FIELDS)
    _calendar_audit(viewer, "calendar.delete", locked, before)
    locked.delete()


@transaction.atomic
def calendar_exception_add(
    *,
    viewer: Viewer,
    calendar: WorkCalendar,
    first: date,
    last: date | None = None,
    intervals: IntervalsInput = None,
    name: str = "",
) -> CalendarSaved:
    """Make ``first``…``last`` (one date when ``last`` is None) non-working (no intervals) or working at their
    own intervals. A date that has an exception already is refused (remove it first)."""
    _check_calendar_edit(viewer, calendar)
    last = last or first
    if last < first:
        raise Invalid("The exception cannot end before it starts.", field="last")
    if (last - first).days + 1 > MAX_EXCEPTION_DAYS:
        raise Invalid(f"An exception covers at most {MAX_EXCEPTION_DAYS} days.", field="last")
    if first.year < 1900 or last.year > 2300:
        raise Invalid("Exceptions must fall between the years 1900 and 2300.", field="first")
    checked = parse_intervals(intervals, where="Exception", field="intervals")
    name = clean_text(name, field="name", max_length=200)
    locked = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    taken = list(
        CalendarException.objects.filter(calendar=locked, date__range=(first, last)).values_list("date", flat=True)
    )
    if taken:
        raise Conflict(
            f"{locked.name} has an exception on {_names([d.isoformat() for d in taken])} already.", field="first"
        )
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    CalendarException.objects.bulk_create(
        [CalendarException(calendar=locked, date=d, intervals=checked, name=name) for d in days]
    )
    rescheduled, skipped = _calendar_reschedule(locked)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="calendar.exception_add",
        obj=locked,
        after={
            "first": first.isoformat(),
            "last": last.isoformat(),
            "intervals": checked,
            "name": name,
            "rescheduled": list(rescheduled),
        },
    )
    return CalendarSaved(locked, rescheduled, skipped)


@transaction.atomic
def calendar_exception_remove(*, viewer: Viewer, exception: CalendarException) -> CalendarSaved:
    calendar = exception.calendar
    _check_calendar_edit(viewer, calendar)
    before = audit.snapshot(exception, EXCEPTION_FIELDS)
    deleted, _ = CalendarException.objects.filter(pk=exception.pk).delete()
    if not deleted:
        raise NotFound("No such calendar exception.")
    rescheduled, skipped = _calendar_reschedule(calendar)
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="calendar.exception_remove",
        obj=calendar,
        before=before,
        after={"rescheduled": list(rescheduled)},
    )
    return CalendarSaved(calendar, rescheduled, skipped)
