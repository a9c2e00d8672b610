"""The week grid beyond one's own time: logging for others (with its permission, audited), closed
periods greyed out, projects that need notes, submitting by month."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts.actions import company_time_policy_set, log_for_others_set
from margin.closing.actions import period_close
from margin.core.models import AuditEntry
from margin.projects.actions import project_update
from margin.timesheets.actions import time_entry_create
from margin.timesheets.models import EntryStatus, TimeEntry
from tests.firm import Firm

HTMX = {"HX-Request": "true"}


def _post_cell(client: Client, task_id: int, day: date, value: str, person: int | None = None) -> int:
    data = {"task": task_id, "date": day.isoformat(), "value": value}
    if person is not None:
        data["person"] = person
    return client.post(reverse("web:week_cell"), data, headers=HTMX).status_code


def _state() -> list[tuple[int, int, int, str]]:
    return list(TimeEntry.objects.order_by("id").values_list("id", "person_id", "minutes", "status"))


def test_someone_allowed_logs_and_submits_anothers_week_and_it_is_audited(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    log_for_others_set(viewer=firm.admin, person=firm.member2_person, allowed=True)
    client = sign_in(firm.member2_user)
    tom = firm.member_person.pk

    page = client.get(reverse("web:week_on", args=[last_monday]), {"person": tom, "add": firm.design.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Week of Tom" in html and 'data-testid="logging-for"' in html
    assert f'"person": "{tom}"' in html  # every cell posts for Tom
    assert 'data-testid="week-person-picker"' in html

    assert _post_cell(client, firm.design.pk, last_monday, "2:15", person=tom) == 200
    entry = TimeEntry.objects.get(task=firm.design, work_date=last_monday)
    assert (entry.person_id, entry.minutes) == (tom, 135)
    created = AuditEntry.objects.get(action="time_entry.create", object_id=str(entry.pk))
    assert created.actor_id == firm.member2_user.pk  # who did it, for whom is on the entry

    submit = client.post(reverse("web:week_submit", args=[last_monday]), {"person": tom}, headers=HTMX)
    assert submit.status_code == 200
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert AuditEntry.objects.get(action="time_entry.submit").actor_id == firm.member2_user.pk


def test_without_the_permission_another_persons_week_is_refused_and_nothing_changes(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday, minutes=60)
    before = _state()
    client = sign_in(firm.member2_user)
    tom = firm.member_person.pk
    assert client.get(reverse("web:week_on", args=[last_monday]), {"person": tom}).status_code == 403
    assert _post_cell(client, firm.design.pk, last_monday, "2", person=tom) == 403
    assert _post_cell(client, firm.build.pk, last_monday, "", person=tom) == 403
    assert client.post(reverse("web:week_submit", args=[last_monday]), {"person": tom}, headers=HTMX).status_code == 403
    assert _state() == before
    # no picker for someone who may only log their own time
    own = client.get(reverse("web:week_on", args=[last_monday])).content.decode()
    assert 'data-testid="week-person-picker"' not in own


def test_a_stranger_or_a_malformed_person_is_404(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    other_org_person = firm.other_project.manager_id or 999_999
    for raw in ["abc", "99999999999999999999", str(other_org_person), "999999"]:
        assert client.get(reverse("web:week"), {"person": raw}).status_code == 404, raw


def test_closed_days_are_greyed_out_and_refused(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=last_monday, minutes=60)
    period_close(
        viewer=firm.finance, company=firm.usd, through=last_monday + timedelta(days=1), override_reason="Draft"
    )
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:week_on", args=[last_monday]), {"add": firm.design.pk}).content.decode()
    assert 'data-testid="week-closed"' in html
    # Monday and Tuesday of both rows are locked (no input), Wednesday is open
    for task in (firm.build, firm.design):
        for offset in (0, 1):
            assert f'id="in-{task.pk}-{last_monday + timedelta(days=offset):%Y%m%d}"' not in html
        assert f'id="in-{task.pk}-{last_monday + timedelta(days=2):%Y%m%d}"' in html
    assert html.count('data-testid="cell-closed"') == 4
    before = _state()
    assert _post_cell(client, firm.design.pk, last_monday, "1") == 409
    assert _state() == before


def test_a_row_of_a_project_needing_notes_says_so_to_the_browser(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    project_update(viewer=firm.admin, project=firm.project, notes_required=True)
    client = sign_in(firm.member_user)
    html = client.get(reverse("web:week_on", args=[last_monday]), {"add": firm.design.pk}).content.decode()
    assert 'data-testid="notes-required"' in html
    assert 'data-note-required="missing"' in html
    # the server refuses hours without a note whatever the browser does
    assert _post_cell(client, firm.design.pk, last_monday, "1") == 422
    assert not TimeEntry.objects.exists()


def test_the_submit_button_names_the_companys_period(
    sign_in: Callable[[User], Client], firm: Firm, last_monday: date
) -> None:
    client = sign_in(firm.member_user)
    assert ">Submit week</button>" in client.get(reverse("web:week_on", args=[last_monday])).content.decode()
    company_time_policy_set(
        viewer=firm.admin, company=firm.usd, max_day_minutes=24 * 60, max_future_days=None, submit_period="month"
    )
    assert ">Submit month</button>" in client.get(reverse("web:week_on", args=[last_monday])).content.decode()
