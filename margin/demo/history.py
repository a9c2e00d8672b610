"""The demo's audit trail dated like a history. The build runs in seconds, so every audit row would say "today,
10:25", and the activity feed would read as if the firm had done half a year's work in one minute. The build is
told in chapters (set-up, the older weeks, the invoiced months, the last weeks, the last days); afterwards each
chapter's rows are spread over its days, in the order they were written, within office hours on working days.
The rows of one bulk action (`collaboration.activity.GROUPED`: an approval, an import, an invoice run) keep one
moment, so the feed still reads them as one sentence. Only `AuditEntry.at` changes, a comment's or file's
`created_at` with its row, and a notification's with the row written just before it: documents keep their own
dates, which the build gave them."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.utils import timezone

from margin.collaboration.activity import GROUPED
from margin.collaboration.models import Attachment, Comment
from margin.core.models import AuditEntry, Notification
from margin.projects.planning import project_zone

OPENS, CLOSES = time(8, 30), time(18, 0)  # the office hours the history is written in
BUSY = (datetime.combine(date.min, CLOSES) - datetime.combine(date.min, OPENS)).total_seconds()


@dataclass(frozen=True)
class Chapter:
    after_id: int  # the rows written in the chapter have ids above this …
    through_id: int  # … up to this one
    first_day: date
    last_day: date


def _last_id() -> int:
    return int(AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0)


@dataclass
class Chronicle:
    """Chapters of the build, each with the days its audit rows are dated in (`chapter`), then `write`. A
    chapter may hold others: their rows take the inner chapter's days."""

    chapters: list[Chapter] = field(default_factory=list)

    @contextmanager
    def chapter(self, first_day: date, last_day: date) -> Iterator[None]:
        after = _last_id()
        yield
        self.chapters.append(Chapter(after, _last_id(), first_day, max(first_day, last_day)))

    def write(self, organisation_id: int, *, latest: datetime | None = None) -> int:
        """Date every chapter's rows of the organisation; none later than `latest` (default: now). Returns how
        many rows were dated."""
        latest = latest or timezone.now()
        dated: set[int] = set()
        moved: list[tuple[datetime, datetime]] = []  # each row's moment as written and as dated
        for chapter in self.chapters:  # an inner chapter ends first, so it is listed (and claims its rows) first
            rows = [
                row
                for row in AuditEntry.objects.filter(
                    organisation_id=organisation_id, id__gt=chapter.after_id, id__lte=chapter.through_id
                ).order_by("id")
                if row.pk not in dated
            ]
            dated.update(row.pk for row in rows)
            moments = _moments(chapter.first_day, chapter.last_day, len(rows), latest)
            previous: AuditEntry | None = None
            previous_second: datetime | None = None
            for row, moment in zip(rows, moments, strict=True):
                written, second = row.at, row.at.replace(microsecond=0)
                if previous is not None and _same_batch(previous, row) and second == previous_second:
                    row.at = previous.at + timedelta(microseconds=1)
                else:
                    row.at = moment
                previous, previous_second = row, second
                moved.append((written, row.at))
            AuditEntry.objects.bulk_update(rows, ["at"], batch_size=1000)
            _thread_dates(rows)
        _notice_dates(organisation_id, moved)
        return len(dated)


def _thread_dates(rows: list[AuditEntry]) -> None:
    """A comment or file says when it was written: the moment its creation row now carries."""
    for model, action in ((Comment, "comment.create"), (Attachment, "attachment.create")):
        for row in rows:
            if row.action == action:
                model.objects.filter(pk=row.object_id).update(created_at=row.at)


def _notice_dates(organisation_id: int, moved: list[tuple[datetime, datetime]]) -> None:
    """A notification came when what caused it happened: the dated moment of the last audit row written before
    it (by the moments both were written at)."""
    if not moved:
        return
    moved.sort()
    written = [pair[0] for pair in moved]
    notices = list(Notification.objects.filter(organisation_id=organisation_id, created_at__gte=written[0]))
    for notice in notices:
        before = bisect_right(written, notice.created_at) - 1
        notice.created_at = moved[max(before, 0)][1] + timedelta(microseconds=1)
    Notification.objects.bulk_update(notices, ["created_at"], batch_size=1000)


def latest_on(anchor: date) -> datetime:
    """The last moment of a demo loaded as of `anchor`: now, or the close of office that day if it is past."""
    return min(timezone.now(), datetime.combine(anchor, CLOSES, tzinfo=project_zone()))


def _same_batch(previous: AuditEntry, row: AuditEntry) -> bool:
    """Whether `row` continues the bulk action `previous` belongs to (if written in the same second)."""
    return row.action in GROUPED and (row.action, row.actor_id, row.object_type) == (
        previous.action,
        previous.actor_id,
        previous.object_type,
    )


def _office_hours(first_day: date, last_day: date, latest: datetime) -> list[tuple[datetime, float]]:
    """(opening, seconds open) of each working day from `first_day` to `last_day` (of every day when none is
    a working day: a payment received on a Saturday), cut at `latest`."""
    zone = project_zone()
    ceiling = latest.astimezone(zone) - timedelta(minutes=1)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    spans = []
    for day in [d for d in days if d.weekday() < 5] or days:
        opening = datetime.combine(day, OPENS, tzinfo=zone)
        seconds = min(BUSY, (ceiling - opening).total_seconds())
        if seconds > 0:
            spans.append((opening, seconds))
    if not spans:  # nothing open before `latest`: the rows just before it
        spans = [(ceiling - timedelta(hours=1), 3600.0)]
    return spans


def _moments(first_day: date, last_day: date, count: int, latest: datetime) -> list[datetime]:
    """`count` moments spread evenly, in order, over the office hours of the working days from `first_day` to
    `last_day`, none after `latest`."""
    spans = _office_hours(first_day, last_day, latest)
    step = sum(seconds for _, seconds in spans) / max(count, 1)
    moments: list[datetime] = []
    span, used = 0, 0.0  # the span the next moment falls in, and the seconds of the spans before it
    for n in range(count):
        offset = n * step
        while span < len(spans) - 1 and offset >= used + spans[span][1]:
            used += spans[span][1]
            span += 1
        opening, _ = spans[span]
        moments.append(opening + timedelta(seconds=offset - used))
    return moments
