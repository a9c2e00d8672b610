"""Background jobs of timesheets: the daily reminder about missing or unsubmitted time.

`remind_missing_time` looks at the last complete period (the week before this one, or the month
before this one for a company that submits monthly) and tells every active person who logged less
than their capacity, or left entries unsubmitted, in the app and by e-mail. It is idempotent per
person and period: run it every day (cron or a systemd timer calling `manage.py remind`, see
docs/deploy.md); each person hears about a period once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from margin.accounts.models import Company, Person, SubmitPeriod
from margin.core.notifications import Message, notify
from margin.core.periods import format_minutes, week_start
from margin.resourcing.capacity import capacity_between
from margin.timesheets.models import EntryStatus, TimeEntry
from margin.timesheets.notices import week_url

REMINDER = "time.reminder"


@dataclass(frozen=True)
class Period:
    kind: str  # SubmitPeriod value
    first: date
    last: date

    @property
    def key(self) -> str:
        return f"reminder:{self.kind}:{self.first.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == SubmitPeriod.MONTH:
            return f"{self.first:%B %Y}"
        return f"the week of {self.first:%-d %b %Y}"


def last_complete_period(today: date, kind: str) -> Period:
    """The period before the one holding `today`: last week (Monday to Sunday) or last month."""
    if kind == SubmitPeriod.MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(kind, last.replace(day=1), last)
    monday = week_start(today) - timedelta(days=7)
    return Period(SubmitPeriod.WEEK, monday, monday + timedelta(days=6))


@dataclass(frozen=True)
class Reminder:
    organisation_id: int
    person_id: int
    user_id: int
    name: str
    email: str
    period: Period
    logged_minutes: int
    expected_minutes: int
    unsubmitted: int

    @property
    def missing_minutes(self) -> int:
        return max(0, self.expected_minutes - self.logged_minutes)

    @property
    def text(self) -> str:
        parts = []
        if self.missing_minutes:
            parts.append(
                f"you logged {format_minutes(self.logged_minutes)} of {format_minutes(self.expected_minutes)} h"
            )
        if self.unsubmitted:
            n = self.unsubmitted
            parts.append(f"{n} {'entry is' if n == 1 else 'entries are'} not submitted")
        return f"Your time for {self.period.label} is incomplete: {' and '.join(parts)}. Please complete and submit it."


def reminders_due(*, today: date, organisation_id: int | None = None) -> list[Reminder]:
    """Active people with a login whose last complete period lacks time or has unsubmitted entries.

    One query per kind of period (week, month): each person's logged and unsubmitted entries are
    summed in correlated subqueries that use the (person, work_date) index. What is expected is each
    person's capacity over the period (:func:`margin.resourcing.capacity.capacity_between`: their calendar's
    public holidays and days off, their employment, their approved time off), read in one set-based call."""
    companies = Company.objects.all()
    if organisation_id is not None:
        companies = companies.filter(organisation_id=organisation_id)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for company_id, kind in companies.values_list("id", "submit_period"):
        by_kind[kind].append(company_id)
    found: list[Reminder] = []
    for kind, company_ids in sorted(by_kind.items()):
        period = last_complete_period(today, kind)
        in_period = TimeEntry.objects.filter(person_id=OuterRef("pk"), work_date__range=(period.first, period.last))
        logged = (
            in_period.exclude(status=EntryStatus.REJECTED)
            .values("person_id")
            .annotate(total=Sum("minutes"))
            .values("total")
        )
        unsubmitted = (
            in_period.filter(status__in=[EntryStatus.DRAFT, EntryStatus.REJECTED])
            .values("person_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        people = (
            Person.objects.filter(company_id__in=company_ids, active=True, user__isnull=False, user__is_active=True)
            .filter(Q(start_date__isnull=True) | Q(start_date__lte=period.last))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.first))
            .annotate(
                logged=Coalesce(Subquery(logged, output_field=IntegerField()), Value(0)),
                unsubmitted=Coalesce(Subquery(unsubmitted, output_field=IntegerField()), Value(0)),
            )
            .values_list(
                "id",
                "organisation_id",
                "company_id",
                "user_id",
                "name",
                "email",
                "logged",
                "unsubmitted",
            )
            .order_by("organisation_id", "name", "id")
        )
        rows = list(people)
        # What is expected is the person's capacity over the period, by the one rule (ADR 0032): employment,
        # their calendar's working days and holidays, approved time off.
        expected_of = capacity_between([r[0] for r in rows], period.first, period.last)
        for person_id, org_id, _company_id, user_id, name, email, logged_m, open_n in rows:
            expected = expected_of.get(person_id, 0)
            if logged_m < expected or open_n:
                found.append(Reminder(org_id, person_id, user_id, name, email, period, logged_m, expected, open_n))
    return found


@dataclass
class ReminderRun:
    due: list[Reminder] = field(default_factory=list)
    notified: int = 0  # new notifications written (and e-mails queued) by this run


def remind_missing_time_run(
    *, today: date | None = None, organisation_id: int | None = None, dry_run: bool = False
) -> ReminderRun:
    """Find who is due a reminder and notify them (once per person and period)."""
    run = ReminderRun(due=reminders_due(today=today or timezone.localdate(), organisation_id=organisation_id))
    if dry_run:
        return run
    by_org: dict[int, list[Message]] = defaultdict(list)
    for r in run.due:
        by_org[r.organisation_id].append(
            Message(
                user_id=r.user_id,
                kind=REMINDER,
                text=r.text,
                url=week_url(r.period.first if r.period.kind == SubmitPeriod.WEEK else week_start(r.period.first)),
                key=r.period.key,
                email=r.email,
                subject=f"Margin: please complete your time for {r.period.label}",
            )
        )
    for org_id, messages in by_org.items():
        run.notified += len(notify(organisation_id=org_id, messages=messages))
    return run


@task()
def remind_missing_time(*, today: str | None = None) -> int:
    """The daily reminder as a background task (for a scheduler that enqueues tasks)."""
    run = remind_missing_time_run(today=date.fromisoformat(today) if today else None)
    return run.notified
