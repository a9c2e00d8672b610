"""The private calendar feed of a user: its token (create/reset) and what it shows.

Shown: the milestones (leaf tasks of zero duration) of the projects the user manages or belongs to, and the
deadlines of open tasks assigned to them (a person ``Assignment``, ADR 0011): the task's deadline, else its
finish."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from margin.accounts.models import CalendarFeed, Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Invalid
from margin.integrations.ical.rfc5545 import Event, calendar
from margin.projects.models import ProjectMember, Task
from margin.projects.planning import due_day, finish_day
from margin.resourcing.models import Assignment

UID_DOMAIN = "margin.invalid"


def calendar_feed_of(user_id: int) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user_id=user_id).first()


@transaction.atomic
def calendar_feed_reset(*, viewer: Viewer) -> CalendarFeed:
    """Create the viewer's feed, or give it a new token (the old address stops working at once)."""
    if viewer.person_id is None:
        raise Invalid("Only people of the firm have a calendar feed.")
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user_id=viewer.user_id, defaults={"token": token}
    )
    if not created:
        feed.token = token
        feed.save(update_fields=["token"])
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="calendar_feed.create" if created else "calendar_feed.reset",
        obj=feed,
    )
    return feed


def _events_of(person: Person) -> list[Event]:
    member = ProjectMember.objects.filter(project_id=OuterRef("project_id"), person=person)
    has_children = Task.objects.filter(parent_id=OuterRef("pk"))
    milestones = (
        Task.objects.filter(project__organisation_id=person.organisation_id, duration_minutes=0)
        .filter(Q(project__manager=person) | Exists(member))
        .exclude(Exists(has_children))
        .select_related("project")
    )
    assigned = Assignment.objects.filter(task_id=OuterRef("pk"), person=person)
    deadlines = (
        Task.objects.filter(project__organisation_id=person.organisation_id, closed=False)
        .filter(Exists(assigned))
        .exclude(duration_minutes=0)
        .select_related("project")
    )
    events: list[Event] = []
    for task in milestones:
        day = finish_day(task.finish) or task.planned_finish
        if day is not None:
            events.append(
                Event(
                    uid=f"milestone-{task.pk}@{UID_DOMAIN}",
                    summary=f"◆ {task.name} ({task.project.code})",
                    day=day,
                    description=f"Milestone of {task.project.code} {task.project.name}",
                    categories=("Milestone",),
                )
            )
    for task in deadlines:
        day = due_day(deadline=task.deadline, finish=task.finish, planned_finish=task.planned_finish)
        if day is not None:
            what = "Deadline" if task.deadline else "Finish"
            events.append(
                Event(
                    uid=f"due-{task.pk}@{UID_DOMAIN}",
                    summary=f"Due: {task.name} ({task.project.code})",
                    day=day,
                    description=f"{what} of {task.name} in {task.project.code} {task.project.name}",
                    categories=("Deadline",),
                )
            )
    events.sort(key=lambda e: (e.day, e.uid))
    return events


def feed_document(feed: CalendarFeed) -> str:
    user: User = feed.user
    person = Person.objects.filter(user=user).first()
    events = _events_of(person) if person is not None else []
    name = f"Margin · {person.name}" if person is not None else "Margin"
    return calendar(name, events, timezone.now())
