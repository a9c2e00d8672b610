"""What time entries tell people: a rejection (with its reason) goes to the person who logged the time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.urls import reverse

from margin.accounts.models import Person
from margin.core.notifications import Message, notify
from margin.core.periods import format_minutes, week_start
from margin.timesheets.models import TimeEntry

REJECTED = "time.rejected"


def week_url(monday: date) -> str:
    return reverse("web:week_on", args=[monday])


def notify_rejected(*, organisation_id: int, actor_id: int, entries: Sequence[TimeEntry], reason: str) -> None:
    """One notification per person and week of the rejected entries (in the app and by e-mail)."""
    weeks: dict[tuple[int, date], list[TimeEntry]] = defaultdict(list)
    for entry in entries:
        weeks[(entry.person_id, week_start(entry.work_date))].append(entry)
    people = {
        p.pk: p
        for p in Person.objects.filter(id__in={person_id for person_id, _ in weeks}).select_related("user")
        if p.user_id is not None and p.user_id != actor_id  # nobody is told about their own decision
    }
    actor = Person.objects.filter(user_id=actor_id, organisation_id=organisation_id).values_list("name", flat=True)
    who = actor.first() or "Your approver"
    messages = []
    for (person_id, monday), rejected in sorted(weeks.items(), key=lambda item: item[0]):
        person = people.get(person_id)
        if person is None or person.user_id is None:
            continue
        count = len(rejected)
        minutes = sum(e.minutes for e in rejected)
        text = (
            f"{who} rejected {count} {'entry' if count == 1 else 'entries'} ({format_minutes(minutes)} h) "
            f"of your week of {monday:%-d %b %Y}: {reason}"
        )
        messages.append(
            Message(
                user_id=person.user_id,
                kind=REJECTED,
                text=text,
                url=week_url(monday),
                email=person.email,
                subject=f"Time rejected: week of {monday:%-d %b %Y}",
            )
        )
    if messages:
        notify(organisation_id=organisation_id, messages=messages)
