"""`manage.py demo` loads a firm that tells the truth: built once for this module (today's anchor), then read.

The build takes a while, so every test here shares it (a module fixture inside a transaction rolled back at the
end); each test runs in its own savepoint, so what one changes the next never sees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from margin.accounts.models import Company, Membership, Person, Role
from margin.accounts.queries import viewer_for
from margin.billing.models import Invoice, InvoiceStatus
from margin.billing.queries import to_invoice_visible
from margin.closing.models import PeriodLock
from margin.contracts.models import BillRate
from margin.core.models import AuditEntry, Notification
from margin.crm.models import Client as ClientRow
from margin.demo.dates import DemoCalendar
from margin.demo.specs import DEMO_PASSWORD, OVERLOAD, WEEKS
from margin.demo.tests.coherence import all_problems
from margin.expenses.models import ClaimStatus, ExpenseClaim
from margin.projects.models import Dependency, Project, ProjectStatus, Task, TaskStatus, WorkCalendar
from margin.projects.planning import network_of, project_zone, task_people
from margin.rates.models import CostRate, ExchangeRate
from margin.reporting.earned_value import project_earned_value
from margin.reporting.queries import profitability, profitability_visible
from margin.resourcing.actions import leveling
from margin.resourcing.leveling import links_broken
from margin.resourcing.models import Assignment, Certification, PersonSkill, Skill
from margin.resourcing.queries import certification_state, people_with_skills
from margin.timesheets.models import ApprovalDelegate, EntryStatus, TimeEntry
from margin.timesheets.queries import approvals_pending


def _run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[str, date]]:
    """The demo firm loaded by the command as of today, for every test of this module: its output and the day
    (kept, so a test running past midnight still reads the firm as of the day it was loaded)."""
    with django_db_blocker.unblock(), transaction.atomic():
        anchor = timezone.localdate()
        output = _run("--anchor", anchor.isoformat())
        yield output, anchor
        transaction.set_rollback(True)


@pytest.fixture
def today(loaded: tuple[str, date], db: None) -> date:
    return loaded[1]


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _page(client: Client, url: str, *expected: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    for text in expected:
        assert text in html, (url, text)
    return html


def test_the_command_loads_a_firm_with_nothing_to_contradict(loaded: tuple[str, date], today: date) -> None:
    output = loaded[0]
    assert "ada" in output and "maya" in output and DEMO_PASSWORD in output
    assert all_problems(today) == []


def test_the_firm_has_people_clients_and_projects_in_every_state(today: date) -> None:
    assert Company.objects.count() == 2 and ClientRow.objects.count() == 8 and Person.objects.count() == 25
    assert sorted(Company.objects.values_list("base_currency", "country")) == [("EUR", "DE"), ("USD", "US")]
    assert all(c.tax_id and c.address for c in Company.objects.all())
    assert Role.objects.count() == 7
    roles = Counter(Membership.objects.values_list("role", flat=True))
    assert (roles["admin"], roles["finance"], roles["manager"]) == (1, 2, 5)
    assert authenticate(username="maya", password=DEMO_PASSWORD) is not None
    assert list(Membership.objects.filter(can_log_for_others=True).values_list("user__username", flat=True)) == ["nora"]
    assert ApprovalDelegate.objects.count() == 1
    # Everyone started before their first entry; one joined during the history.
    cal = DemoCalendar.of(today)
    assert Person.objects.filter(start_date__gt=cal.first_monday).count() == 1
    assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    # Dated rates: a mid-period cost raise for some, a rate increase and personal rates on rate cards.
    assert CostRate.objects.values("person").annotate(n=Count("id")).filter(n=2).count() >= 3
    assert BillRate.objects.filter(person__isnull=False).count() >= 2
    assert BillRate.objects.values("rate_card", "role").annotate(n=Count("id")).filter(n=2).exists()
    # Company calendars with public holidays, which the plans are scheduled on.
    offices = WorkCalendar.objects.filter(company__isnull=False).order_by("name")
    assert [(c.name, c.country) for c in offices] == [("Berlin office", "DE"), ("Boston office", "US")]


def test_plans_have_links_milestones_assignments_a_baseline_and_a_board(today: date) -> None:
    assert set(Dependency.objects.values_list("kind", flat=True)) == {"FS", "SS", "FF"}
    assert Dependency.objects.filter(lag_minutes__gt=0).exists()
    leaves = Task.objects.filter(children__isnull=True)
    statuses = Counter(leaves.values_list("status", flat=True))
    assert set(statuses) == set(TaskStatus.values)
    assert leaves.filter(status=TaskStatus.DONE, closed=True).exists()
    assert Task.objects.filter(critical=True, children__isnull=True).values("project").distinct().count() >= 10
    assert Assignment.objects.values("task").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Task.objects.filter(deadline__isnull=False).count() >= 10
    # One project is kept as a template: its plan (tasks, links, durations), no progress, no time.
    template = Project.objects.get(is_template=True)
    source = Project.objects.get(code="BLF-WMS")
    assert (template.code, template.status) == ("TPL-SOFTWARE", ProjectStatus.PLANNED)
    assert template.tasks.count() == source.tasks.count()
    assert Dependency.objects.filter(project=template).count() == Dependency.objects.filter(project=source).count()
    assert not template.tasks.filter(percent_complete__gt=0).exists() and not template.time_entries.exists()
    # Earned value has money on every running project: PV, EV and AC are not zero.
    for project in Project.objects.filter(status=ProjectStatus.ACTIVE):
        ev = project_earned_value(project, baseline_index=0, status_date=today).project
        assert ev.pv > 0 and ev.ev > 0 and ev.ac > 0 and ev.spi is not None and ev.cpi is not None
    slipped = Project.objects.get(code="BLF-WMS")
    ev = project_earned_value(slipped, baseline_index=0, status_date=today).project
    assert ev.spi is not None and ev.spi < 1


def test_time_invoices_and_expenses_in_every_state(today: date) -> None:
    cal = DemoCalendar.of(today)
    statuses = Counter(TimeEntry.objects.values_list("status", flat=True))
    assert set(statuses) == set(EntryStatus.values) and statuses[EntryStatus.APPROVED] > 4000
    assert not TimeEntry.objects.filter(status=EntryStatus.REJECTED, rejection_reason="").exists()
    assert not (
        TimeEntry.objects.filter(work_date__gte=cal.week(WEEKS - 1))
        .exclude(status__in=[EntryStatus.DRAFT, EntryStatus.SUBMITTED])
        .exists()
    )
    # Every invoiced month issued with gapless numbers per company and year; one draft; more to invoice.
    issued = Invoice.objects.filter(status=InvoiceStatus.ISSUED)
    assert issued.count() >= 3 * 10
    assert Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() == 1
    numbers: dict[tuple[int, str], list[int]] = {}
    for company_id, number in issued.values_list("company_id", "number"):
        year, sequence = number.split("-")
        numbers.setdefault((company_id, year), []).append(int(sequence))
    assert all(sorted(seq) == list(range(1, len(seq) + 1)) for seq in numbers.values())
    felix = viewer_for(User.objects.get(username="felix"))
    assert len(list(to_invoice_visible(felix, up_to=today))) >= 3
    billed = sum(f.billed_minor for f in profitability(Project.objects.all()))
    assert billed == issued.aggregate(total=Sum("net_minor"))["total"]  # invoices in the projects' currency
    # Claims in every state; time closed through a past month; rates with history.
    assert set(ExpenseClaim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert set(PeriodLock.objects.values_list("through", flat=True)) == {cal.closed_through}
    assert ExchangeRate.objects.filter(to_currency="USD").count() > 100
    # The demo manager sees a live firm: profitable projects with billed revenue, time to approve.
    maya = viewer_for(User.objects.get(username="maya"))
    figures = profitability_visible(maya)
    assert any(f.billed_minor > 0 and f.wip_minor > 0 and f.margin_minor > 0 for f in figures)
    assert approvals_pending(maya).exists()
    assert Notification.objects.filter(user__username__in=["maya", "liam"]).values("user").distinct().count() == 2


def test_the_books_balance_verify_and_carry_each_month_s_revenue(today: date) -> None:
    from margin.accounts.models import Company
    from margin.books.chain import ledger_verify
    from margin.books.models import JournalEntry
    from margin.books.queries import trial_balance
    from margin.revenue.models import RevenueRun

    cal = DemoCalendar.of(today)
    for company in Company.objects.filter(organisation__slug="northwind"):
        assert JournalEntry.objects.filter(company=company, source_kind="invoice").exists()
        assert trial_balance(company, date_to=today).balances
        assert ledger_verify(company.pk).intact
        runs = RevenueRun.objects.filter(company=company)
        assert runs.exists() and max(r.period_end for r in runs) == cal.closed_through
    # Every issued invoice is in its company's journal once.
    assert (
        JournalEntry.objects.filter(source_kind="invoice").count()
        == Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind="invoice").count()
    )


def test_every_screen_has_something_in_it(today: date) -> None:
    cal = DemoCalendar.of(today)
    blf = Project.objects.get(code="BLF-WMS")
    started = Task.objects.filter(project=blf, status=TaskStatus.IN_PROGRESS, children__isnull=True).first()
    assert started is not None
    lead = task_people([started.pk])[started.pk][0]
    maya = _signed_in("maya")
    _page(maya, "/", "BLF-WMS", "CHP-PORTAL")
    _page(maya, f"/week/{cal.last_monday}/", "BLF-WMS")
    pending = approvals_pending(viewer_for(User.objects.get(username="maya"))).select_related("person").first()
    assert pending is not None
    _page(maya, "/approvals/", pending.person.name)
    _page(maya, f"/projects/{blf.pk}/", blf.name)
    _page(maya, f"/projects/{blf.pk}/gantt/", "Signed-off plan", 'data-testid="ev-ac"')
    _page(maya, f"/projects/{blf.pk}/board/", started.name)
    _page(maya, f"/projects/{blf.pk}/tasks/", "Requirements signed off", "Go-live")
    _page(maya, f"/tasks/{started.pk}/", started.name, lead.name)
    _page(maya, "/board/", "BLF-WMS")
    _page(maya, "/notifications/", "Split this between the two projects")
    _page(maya, "/expenses/approvals/", "Cedar Health on-site week")
    gantt = maya.get(f"/api/v1/projects/{blf.pk}/gantt?baseline=0").json()
    assert gantt["links"] and any(t["critical"] for t in gantt["tasks"])
    assert any(t["milestone"] for t in gantt["tasks"]) and any(t["deadline_missed"] for t in gantt["tasks"])
    assert all(t["baseline_start"] for t in gantt["tasks"])
    assert maya.get(f"/api/v1/projects/{blf.pk}/earned-value?baseline=0").status_code == 200

    felix = _signed_in("felix")
    draft = Invoice.objects.get(status=InvoiceStatus.DRAFT)
    number = Invoice.objects.filter(status=InvoiceStatus.ISSUED).values_list("number", flat=True).first()
    assert number is not None
    _page(felix, "/invoices/", number, draft.project.code)
    _page(felix, f"/invoices/{draft.pk}/", draft.project.code)
    _page(felix, "/periods/", "Books closed for")
    _page(felix, "/exchange-rates/", "USD", "GBP")
    _page(felix, "/expenses/approvals/", "Cedar Health on-site week")
    _page(_signed_in("omar"), "/expenses/", "Retail technology conference")
    _page(felix, "/expenses/settings/", "Mileage")

    ada = _signed_in("ada")
    _page(ada, "/calendars/", "Boston office", "Berlin office")
    berlin = WorkCalendar.objects.get(name="Berlin office")
    _page(ada, f"/calendars/{berlin.pk}/", "Berlin office")
    _page(ada, "/settings/time/", "Northwind Consulting GmbH")
    _page(ada, "/settings/people/", "Ryan Foster")
    _page(ada, "/settings/clients/", "Cedar Health Partners")
    _page(ada, "/settings/delegates/", "Lucas Reed")

    liam = _signed_in("liam")
    _page(liam, "/")
    _page(liam, f"/week/{cal.week(WEEKS - 2)}/", "too long for that day")
    _page(liam, "/notifications/", "too long for that day")
    _page(liam, "/expenses/", "Bluefin kick-off workshop")


def test_the_audit_trail_is_dated_as_the_work_happened(today: date) -> None:
    """The activity feed reads half a year: projects set up before they start, progress on the day a task
    finished, invoices on their issue day, nothing after now (demo.history)."""
    zone = project_zone()
    rows = AuditEntry.objects.all()
    assert rows.filter(at__gt=timezone.now()).count() == 0
    assert (today - rows.order_by("at").first().at.astimezone(zone).date()).days > 7 * WEEKS  # type: ignore[union-attr]
    for project in Project.objects.filter(is_template=False, start_date__lte=today):
        created = rows.get(action="project.create", object_id=project.pk).at.astimezone(zone).date()
        assert created < project.start_date, project.code  # type: ignore[operator]
    finished = Task.objects.filter(actual_finish__isnull=False, project__is_template=False)
    assert finished.exists()
    for task in finished:
        days = {r.at.astimezone(zone).date() for r in rows.filter(object_type="projects.task", object_id=task.pk)}
        assert task.actual_finish.astimezone(zone).date() in days, task.name  # type: ignore[union-attr]
    for invoice in Invoice.objects.filter(issue_date__isnull=False):
        issued = rows.get(action="invoice.issue", object_id=invoice.pk).at.astimezone(zone).date()
        assert issued == invoice.issue_date, invoice.number


def test_the_task_thread_shows_a_pdf_by_its_first_page(today: date) -> None:
    from margin.collaboration.models import Attachment

    brief = Attachment.objects.get(original_name="wireframe-brief.pdf")
    assert brief.content_type == "application/pdf" and brief.thumbnail
    maya = _signed_in("maya")
    _page(maya, f"/discussion/task/{brief.target_id}/", "First page of wireframe-brief.pdf")
    preview = maya.get(f"/files/{brief.pk}/preview/")
    assert preview["Content-Type"] == "image/jpeg" and preview.content.startswith(b"\xff\xd8\xff")


def test_the_planned_project_has_an_over_allocation_that_leveling_solves(today: date) -> None:
    code, username, _ = OVERLOAD
    project = Project.objects.get(code=code)
    maya = _signed_in("maya")
    over = maya.get(f"/api/v1/projects/{project.pk}/overallocations").json()
    assert {o["name"] for o in over} == {Person.objects.get(user__username=username).name}
    before = {t.pk: (t.start, t.finish) for t in Task.objects.filter(project=project)}
    proposal = maya.post(f"/api/v1/projects/{project.pk}/leveling", {"method": "heuristic"}, "application/json")
    assert proposal.status_code == 201
    assert any(t["delay_minutes"] > 0 for t in proposal.json()["tasks"])
    # Leveling cannot keep the project's go-live deadline: the proposal says so, and it takes an explicit
    # acknowledgement to accept it.
    assert [v["kind"] for v in proposal.json()["violations"]] == ["deadline"]
    accept = f"/api/v1/leveling/{proposal.json()['id']}/accept"
    assert maya.post(accept).status_code == 422
    accepted = maya.post(f"{accept}?acknowledge_violations=true")
    assert accepted.status_code == 200 and accepted.json()["conflicts"] == []
    assert all_problems(today) == []  # the links still hold
    after = {t.pk: (t.start, t.finish) for t in Task.objects.filter(project=project)}
    assert after != before and all(after[pk][0] >= start for pk, (start, _) in before.items())  # nothing earlier
    assert maya.get(f"/api/v1/projects/{project.pk}/overallocations").json() == []


def test_every_plan_levels_without_breaking_a_link_or_moving_started_work(today: date) -> None:
    """Leveling every open project of the demo never breaks a link further and never moves a task that has started."""
    leveled = started_somewhere = 0
    for project in Project.objects.exclude(status=ProjectStatus.CLOSED).order_by("id"):
        if not project.tasks.exists():
            continue
        manager = viewer_for(project.manager.user)
        started = {  # leaf tasks with work done (a summary's % is its subtasks')
            t.pk: (t.start, t.finish)
            for t in project.tasks.filter(children__isnull=True)
            if t.actual_start is not None or t.percent_complete > 0
        }
        started_somewhere += len(started)
        broken = _broken(project)
        proposal = leveling.leveling_run(viewer=manager, project=project)
        assert proposal.result is not None
        for task_id in started:
            assert proposal.result["tasks"].get(str(task_id), {"delay_minutes": 0})["delay_minutes"] == 0
        leveling.leveling_accept(viewer=manager, proposal=proposal, acknowledge_violations=True)
        after = _broken(project)
        assert all(short <= broken.get(key, 0) for key, short in after.items()), (project.code, broken, after)
        for task in project.tasks.filter(pk__in=started):
            assert (task.start, task.finish) == started[task.pk], task.name
        leveled += 1
    assert leveled >= 3 and started_somewhere > 0


def _broken(project: Project) -> dict[tuple[int, int, int], int]:
    plan = network_of(project)
    return links_broken(plan, plan.schedule())


def test_everyone_has_skills_most_confirmed_and_certifications_lapse(today: date) -> None:
    assert Skill.objects.count() >= 20
    per_person = Counter(PersonSkill.objects.values_list("person_id", flat=True))
    assert set(per_person) == set(Person.objects.values_list("id", flat=True))
    assert min(per_person.values()) >= 3 and max(per_person.values()) <= 7
    confirmed = PersonSkill.objects.filter(confirmed_at__isnull=False).count()
    assert 0.6 < confirmed / PersonSkill.objects.count() < 1
    states = Counter(certification_state(c.expires_on, today) for c in Certification.objects.all())
    assert states["lapsing"] >= 1 and states["expired"] >= 1 and states["valid"] >= 1
    pm = Skill.objects.get(name="Project management")
    managers = set(Person.objects.filter(role__name="Project Manager").values_list("id", flat=True))
    found = people_with_skills(Person.objects.first().organisation_id, [(pm.pk, 3)])  # type: ignore[union-attr]
    assert managers and managers <= set(found)


def test_a_loaded_database_is_left_alone(today: date) -> None:
    counts = (Person.objects.count(), TimeEntry.objects.count(), Invoice.objects.count())
    assert "no demo firm loaded" in _run("--if-empty")
    with pytest.raises(CommandError):
        _run()
    assert (Person.objects.count(), TimeEntry.objects.count(), Invoice.objects.count()) == counts
    assert "maya" in _run("--print-logins")


def test_the_coming_weeks_are_booked_like_a_real_firm_with_open_requests(today: date) -> None:
    from datetime import timedelta

    from margin.resourcing.capacity import days_between
    from margin.resourcing.jobs import staffing_solve
    from margin.resourcing.models import Booking, StaffingRequest
    from margin.resourcing.queries import booked_by_day, candidates_for

    monday = today - timedelta(days=today.weekday())
    days = days_between(monday, monday + timedelta(weeks=12) - timedelta(days=1))
    staff = Person.objects.filter(active=True).exclude(role__name="Finance & Operations")
    people = list(staff.values_list("id", flat=True))
    loads = booked_by_day(people, days)
    share = {pk: 100 * sum(load.total) / max(1, sum(load.capacity)) for pk, load in loads.items()}
    assert sum(1 for s in share.values() if 55 <= s <= 105) >= len(share) * 0.6
    assert sum(1 for s in share.values() if s == 0) >= 2  # on the bench
    over = [pk for pk, load in loads.items() if any(t > c > 0 for t, c in zip(load.total, load.capacity, strict=True))]
    assert len(over) >= 2
    assert Booking.objects.filter(person__isnull=True).exists()  # placeholders
    assert all(not any(h > c for h, c in zip(load.hard, load.capacity, strict=True)) for load in loads.values())
    requests = list(StaffingRequest.objects.filter(status="open").select_related("project"))
    assert len(requests) >= 4 and all(r.skills.exists() for r in requests)
    admin = viewer_for(User.objects.get(username="ada"))
    assert sum(1 for r in requests if candidates_for(admin, r).candidates) >= 3
    _, answer = staffing_solve(admin.organisation_id, requests, effort=2.0)
    assert answer.chosen


def test_utilisation_targets_by_default_role_and_person_show_on_the_report(today: date) -> None:
    from margin.reporting.utilisation import utilisation_report
    from margin.resourcing.models import UtilisationTarget

    assert UtilisationTarget.objects.filter(person__isnull=True, role__isnull=True, percent=75).count() == 1
    by_role = set(UtilisationTarget.objects.filter(role__isnull=False).values_list("role__name", "percent"))
    assert by_role == {("Principal", 40), ("Consultant", 80)}
    own = UtilisationTarget.objects.get(person__isnull=False)
    assert own.person.user.username == "liam" and own.valid_from < today  # type: ignore[union-attr]
    admin = Membership.objects.filter(role="admin").order_by("id").first()
    assert admin is not None
    report = utilisation_report(viewer_for(admin.user), first=today - timedelta(weeks=8), last=today, group="role")
    assert report.total.billable > 0 and report.total.recorded >= report.total.billable
    assert report.total.target_pct is not None and 40 <= report.total.target_pct <= 80
    principal = next(r for r in report.rows if r.label == "Principal")
    assert principal.figures.target_pct == 40


def test_time_off_approved_waiting_and_a_sick_day_lower_capacity(today: date) -> None:
    from margin.resourcing.capacity import capacity_by_day
    from margin.resourcing.models import TimeOff, TimeOffKind, TimeOffStatus

    approved = TimeOff.objects.filter(status=TimeOffStatus.APPROVED)
    assert approved.filter(first_day__gt=today).values("person").distinct().count() >= 3
    assert approved.filter(first_day__gt=today, minutes_per_day__isnull=False).exists()  # a half day
    waiting = TimeOff.objects.get(status=TimeOffStatus.REQUESTED)
    assert waiting.person.user.username == "liam"  # type: ignore[union-attr]
    sick = approved.get(kind=TimeOffKind.SICK)
    assert sick.last_day < today
    assert capacity_by_day([sick.person_id], [sick.first_day])[sick.person_id] == [0]
    assert not sick.person.time_entries.filter(work_date=sick.first_day, status="approved").exists()
    manager = waiting.person.manager
    approver = manager.user.username if manager is not None and manager.user is not None else "ada"
    _page(_signed_in(approver), "/resources/time-off/", "To approve", waiting.person.name)
