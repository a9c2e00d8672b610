"""The daily digest: one plain-text e-mail per person with the events waiting for them, grouped by project.

`digests_send` takes the waiting items under a row lock (two runs at once cannot both take one), sends, and
stamps `sent_at` on the items of each e-mail that went out, so running it twice sends nothing twice. An e-mail
that fails stays waiting for the next run. Event texts are plain sentences: the mail is text, nothing is markup.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from margin.core.notifications import absolute_url
from margin.notifications.models import DigestItem, Event
from margin.notifications.queries import digest_waiting

log = logging.getLogger(__name__)

SUBJECT = "Your Margin digest: {count} update{s}"
NO_PROJECT = "Elsewhere"


@dataclass(frozen=True)
class DigestRun:
    people: int
    items: int


def digest_body(events: list[Event], project_names: dict[int, str]) -> str:
    """The text of one digest: a heading per project (in the order first seen), a line per event with its link."""
    groups: dict[int | None, list[Event]] = defaultdict(list)
    for event in events:
        groups[event.project_id].append(event)
    lines: list[str] = []
    for project_id, grouped in groups.items():
        heading = project_names.get(project_id, NO_PROJECT) if project_id is not None else NO_PROJECT
        lines += [heading, "-" * len(heading)]
        for event in grouped:
            link = absolute_url(event.url)
            lines.append(f"- {event.text}" + (f"\n  {link}" if link else ""))
        lines.append("")
    return "\n".join(lines)


def digests_send(*, organisation_id: int | None = None, project_names: dict[int, str] | None = None) -> DigestRun:
    """Send every waiting digest (of one organisation, or all); returns how many people and items went out.

    `project_names` (id to name) lets a caller above notifications name the projects; without it each event's
    `data["project"]` is used, else the group is headed by the project's id."""
    people = items = 0
    with transaction.atomic():
        waiting = list(digest_waiting(organisation_id).select_for_update(of=("self",)))
        by_user: dict[int, list[DigestItem]] = defaultdict(list)
        for item in waiting:
            by_user[item.user_id].append(item)
        addresses = dict(
            get_user_model().objects.filter(pk__in=list(by_user)).exclude(email="").values_list("pk", "email")
        )
        names = dict(project_names or {})
        for item in waiting:
            pid = item.event.project_id
            if pid is not None and pid not in names:
                names[pid] = str(item.event.data.get("project") or f"Project {pid}")
        sent_ids: list[int] = []
        try:
            with get_connection() as connection:
                for user_id, mine in by_user.items():
                    address = addresses.get(user_id)
                    if not address:
                        continue
                    message = EmailMessage(
                        subject=SUBJECT.format(count=len(mine), s="" if len(mine) == 1 else "s"),
                        body=digest_body([i.event for i in mine], names),
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[address],
                        connection=connection,
                    )
                    if message.send():
                        sent_ids += [i.pk for i in mine]
                        people += 1
                        items += len(mine)
        except Exception:  # the mail server's failure leaves the rest waiting for the next run
            log.exception("Sending digests failed after %d people", people)
        DigestItem.objects.filter(id__in=sent_ids).update(sent_at=timezone.now())
    return DigestRun(people=people, items=items)
