"""The demo's audit trail is dated as a history: each chapter's rows spread in order over its office hours, an inner
chapter's rows on its own days, one bulk action's rows at one moment, and nothing after the last moment."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from margin.collaboration.actions import comment_create
from margin.collaboration.queries import target_get
from margin.core import audit
from margin.core.models import AuditEntry, Notification
from margin.demo.history import CLOSES, OPENS, Chronicle, _moments
from margin.projects.planning import project_zone
from tests.firm import Firm

MONDAY = date(2026, 3, 2)
ZONE = project_zone()


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZONE)


def test_moments_are_in_order_in_office_hours_on_working_days() -> None:
    latest = _at(MONDAY + timedelta(days=30), time(12))
    moments = _moments(MONDAY, MONDAY + timedelta(days=13), 200, latest)  # two weeks: ten working days
    assert moments == sorted(moments) and len(set(moments)) == 200
    local = [m.astimezone(ZONE) for m in moments]
    assert all(m.weekday() < 5 and OPENS <= m.time() < CLOSES for m in local)
    assert local[0] == _at(MONDAY, OPENS) and local[-1].date() == MONDAY + timedelta(days=11)  # the second Friday


def test_no_moment_after_the_latest_and_a_weekend_day_still_gets_its_own_day() -> None:
    latest = _at(MONDAY, time(10))
    moments = _moments(MONDAY - timedelta(days=3), MONDAY, 50, latest)
    assert max(moments) < latest and min(moments).astimezone(ZONE).date() == MONDAY - timedelta(days=3)
    saturday = MONDAY - timedelta(days=2)
    assert {m.astimezone(ZONE).date() for m in _moments(saturday, saturday, 3, latest)} == {saturday}


def _row(firm: Firm, action: str) -> None:
    audit.record(organisation_id=firm.usd.organisation_id, actor_id=firm.admin_user.pk, action=action, obj=firm.project)


def test_chapters_date_their_rows_and_an_inner_chapter_keeps_its_own_day(firm: Firm) -> None:
    story = Chronicle()
    issue_day = MONDAY + timedelta(days=9)
    with story.chapter(MONDAY, MONDAY + timedelta(days=13)):
        _row(firm, "project.update")
        with story.chapter(issue_day, issue_day):
            for _ in range(3):
                _row(firm, "invoice.draft")  # one bulk action: one moment, still in order
        _row(firm, "project.update")
    dated = story.write(firm.usd.organisation_id, latest=_at(MONDAY + timedelta(days=40), time(9)))
    rows = list(AuditEntry.objects.filter(action__in=["project.update", "invoice.draft"]).order_by("id"))
    assert dated == 5 and len(rows) == 5
    drafts = [r.at for r in rows if r.action == "invoice.draft"]
    assert {d.astimezone(ZONE).date() for d in drafts} == {issue_day}
    assert drafts == sorted(drafts) and drafts[-1] - drafts[0] < timedelta(seconds=1)
    updates = [r.at.astimezone(ZONE) for r in rows if r.action == "project.update"]
    assert updates[0] == _at(MONDAY, OPENS) and updates[0] < updates[1] <= _at(MONDAY + timedelta(days=13), CLOSES)


def test_a_comment_says_when_its_row_says_it_was_written(firm: Firm) -> None:
    story = Chronicle()
    with story.chapter(MONDAY, MONDAY):
        comment = comment_create(
            viewer=firm.manager, target=target_get(firm.manager, "task", firm.design.pk), body="Hi"
        )
    story.write(firm.usd.organisation_id, latest=_at(MONDAY + timedelta(days=1), time(9)))
    comment.refresh_from_db()
    assert comment.created_at == AuditEntry.objects.get(action="comment.create").at == _at(MONDAY, OPENS)


def test_a_notification_comes_when_what_caused_it_happened(firm: Firm) -> None:
    story = Chronicle()
    with story.chapter(MONDAY, MONDAY + timedelta(days=4)):
        _row(firm, "project.update")
        _row(firm, "project.update")
        notice = Notification.objects.create(
            organisation_id=firm.usd.organisation_id, user=firm.member_user, kind="test", text="The plan changed"
        )
    story.write(firm.usd.organisation_id, latest=_at(MONDAY + timedelta(days=10), time(9)))
    notice.refresh_from_db()
    last = AuditEntry.objects.filter(action="project.update").order_by("-id").first()
    assert last is not None and notice.created_at == last.at + timedelta(microseconds=1)
    assert notice.created_at.astimezone(ZONE).date() < MONDAY + timedelta(days=5)
