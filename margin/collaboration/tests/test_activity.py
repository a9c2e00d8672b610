"""The activity feed: sentences for the common actions (a reschedule grouped into one), names as data, deleted
objects named from their snapshot, keyset pages, and who sees which project's feed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from margin.collaboration.activity import Part, my_activity, my_project_ids, project_activity
from margin.core import audit
from margin.core.errors import Invalid
from margin.notifications.actions import project_follow, project_unfollow
from margin.notifications.models import Follow
from margin.projects import actions
from margin.projects.actions import project_create
from tests.firm import Firm

MONDAY = date(2026, 1, 5)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def texts(firm: Firm) -> list[str]:
    return [i.text for i in project_activity(firm.manager, firm.project).items]


def test_a_drag_reads_as_one_sentence_with_the_tasks_that_followed(firm: Firm) -> None:
    actions.project_update(viewer=firm.manager, project=firm.project, start_date=MONDAY)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, duration_minutes=2 * 480)
    actions.task_schedule_update(viewer=firm.manager, task=firm.build, duration_minutes=3 * 480)
    actions.dependency_create(viewer=firm.manager, predecessor=firm.design, successor=firm.build)
    firm.design.refresh_from_db()
    assert firm.design.start == at(5, 9)
    actions.task_schedule_update(viewer=firm.manager, task=firm.design, start=at(8, 9))
    feed = texts(firm)
    assert feed[0] == "Maya moved *Design* 3 days later; 1 task followed"
    assert feed[1] == "Maya linked *Design* to *Build*"
    assert "Maya changed the duration of *Build* to 3 days" in feed
    assert "Maya changed the project's start date" in feed
    assert feed[-4:] == [
        "Maya added task *Design*",
        "Maya added *Lea* to the team",
        "Maya added *Tom* to the team",
        "Ada Admin created the project",
    ]


def test_rows_written_together_read_as_one_sentence(firm: Firm) -> None:
    changes = [
        audit.Change(
            "projects.task", t.pk, {"start": "2026-01-05T09:00:00+00:00"}, {"start": "2026-01-07T09:00:00+00:00"}
        )
        for t in (firm.design, firm.build)
    ]
    audit.record_many(
        organisation_id=firm.manager.organisation_id,
        actor_id=firm.manager_user.pk,
        action="task.level",
        changes=changes,
    )
    page = project_activity(firm.manager, firm.project)
    assert page.items[0].text == "Maya levelled the plan: *Design* and 1 other task moved"
    assert page.items[0].rows == 2


def test_names_are_data_and_a_deleted_task_keeps_its_name(firm: Firm) -> None:
    task = actions.task_create(viewer=firm.manager, project=firm.project, name="<script>alert(1)</script>")
    actions.task_update(viewer=firm.manager, task=task, name="Build *fast*")
    actions.task_delete(viewer=firm.manager, task=task)
    items = project_activity(firm.manager, firm.project).items
    # The task is gone: its deletion is still the project's, named from the snapshot.
    assert items[0].text == "Maya deleted task *Build *fast**"
    assert items[0].parts[1] == Part("Build *fast*", name=True)
    design = next(i for i in items if i.action == "task.create" and i.object_id == firm.design.pk)
    assert design.parts[1] == Part("Design", name=True)


def test_a_task_renamed_then_deleted_is_named_from_its_snapshot(firm: Firm) -> None:
    actions.task_update(viewer=firm.manager, task=firm.build, name="<b>Build</b>")
    page = project_activity(firm.manager, firm.project)
    renamed = page.items[0]
    assert renamed.text == "Maya renamed *Build* to *<b>Build</b>*"
    assert [p.name for p in renamed.parts] == [False, True, False, True]


def test_pages_go_back_by_at_and_id_without_gaps_or_repeats(firm: Firm) -> None:
    for n in range(7):
        actions.task_create(viewer=firm.manager, project=firm.project, name=f"Task {n}")
    everything = [i.id for i in project_activity(firm.manager, firm.project, limit=200).items]
    seen: list[int] = []
    cursor = ""
    while True:
        page = project_activity(firm.manager, firm.project, before=cursor, limit=3)
        seen += [i.id for i in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == everything and len(seen) == len(set(seen))
    with pytest.raises(Invalid, match="not valid"):
        project_activity(firm.manager, firm.project, before="yesterday")
    with pytest.raises(Invalid, match="1 to 200"):
        project_activity(firm.manager, firm.project, limit=0)


def test_my_activity_is_the_visible_projects_i_follow_or_work_on(firm: Firm) -> None:
    assert my_project_ids(firm.member) == [firm.project.pk]
    hidden = project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-9",
        name="Hidden from Tom",
    )
    # A follow of a project Tom may not see (written behind the actions' back) does not show it.
    Follow.objects.create(
        organisation_id=firm.member.organisation_id,
        user_id=firm.member_user.pk,
        object_type="projects.project",
        object_id=hidden.pk,
    )
    Follow.objects.create(
        organisation_id=firm.member.organisation_id,
        user_id=firm.member_user.pk,
        object_type="projects.project",
        object_id=firm.other_project.pk,
    )
    assert my_project_ids(firm.member) == [firm.project.pk]
    projects = {i.project_id for i in my_activity(firm.member).items}
    assert projects == {firm.project.pk}
    # Finance sees every project but only those followed are "mine".
    assert my_project_ids(firm.finance) == []
    project_follow(viewer=firm.finance, project_id=hidden.pk)
    assert my_project_ids(firm.finance) == [hidden.pk]
    assert {i.project_id for i in my_activity(firm.finance).items} == {hidden.pk}
    project_unfollow(viewer=firm.finance, project_id=hidden.pk)
    assert my_activity(firm.finance).items == []


def test_risks_change_requests_and_comments_read_as_sentences(firm: Firm) -> None:
    from margin.collaboration.actions import comment_create
    from margin.collaboration.queries import target_get
    from margin.risks.actions import change_request_approve, change_request_create, change_request_submit, risk_create

    risk = risk_create(viewer=firm.manager, project=firm.project, title="Key developer leaves", probability=3, impact=4)
    change = change_request_create(viewer=firm.manager, project=firm.project, title="Reporting <module>")
    change_request_submit(viewer=firm.manager, change=change)
    change_request_approve(viewer=firm.manager, change=change)
    comment_create(viewer=firm.member2, target=target_get(firm.member2, "task", firm.build.pk), body="Looks good")
    feed = [i.text for i in project_activity(firm.member, firm.project).items]
    assert feed[:5] == [
        "Lea commented on *Build*",
        f"Maya approved CR-{change.number} *Reporting <module>*",
        f"Maya submitted CR-{change.number} *Reporting <module>*",
        f"Maya drafted change request CR-{change.number} *Reporting <module>*",
        f"Maya logged a risk R-{risk.number} *Key developer leaves* (score 12)",
    ]


def test_bookings_and_closing_read_as_sentences(firm: Firm) -> None:
    from margin.resourcing.actions import BookingInput, booking_create
    from margin.resourcing.models import BookingKind, BookingUnit

    data = BookingInput(
        project=firm.project,
        person=firm.member_person,
        role=None,
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 6),
        unit=BookingUnit.HOURS,
        minutes_per_day=240,
        kind=BookingKind.SOFT,
    )
    booking_create(viewer=firm.admin, data=data)
    actions.task_update(viewer=firm.manager, task=firm.design, closed=True)
    assert texts(firm)[:2] == ["Maya closed task *Design*", "Ada Admin booked *Tom* from 2 Mar to 6 Mar 2026"]
