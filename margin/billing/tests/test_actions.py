"""Invoices: drafted from approved time, discarded, issued with gapless numbers; the invoice run."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from margin.accounts.actions import person_create
from margin.accounts.models import Membership, Person
from margin.accounts.queries import viewer_for
from margin.billing.actions import invoice_discard, invoice_draft_create, invoice_issue, invoices_draft_all
from margin.billing.jobs import invoice_run
from margin.billing.models import BilledTime, Invoice, InvoiceLine, InvoiceSequence
from margin.billing.queries import invoice_get, invoice_lines, projects_with_unbilled_time, time_entries_unbilled
from margin.contracts.actions import bill_rate_set
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.jobruns import job_run_start
from margin.core.models import JobRun
from margin.core.periods import week_start
from margin.crm.actions import client_create
from margin.projects import actions as projects
from margin.projects.models import Project
from margin.rates.actions import cost_rate_set
from margin.timesheets.actions import (
    time_entries_approve,
    time_entries_reject,
    time_entries_submit,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from margin.timesheets.models import TimeEntry
from tests.checks import audit_row, audit_rows, refused
from tests.firm import PASSWORD, RATE_FROM, Firm

TODAY = timezone.localdate()
MONDAY = week_start(TODAY) - timedelta(days=7)
SUNDAY = MONDAY + timedelta(days=6)
YEAR = TODAY.year


def approve(firm: Firm, project: Project, *logs: tuple[str, object, int, int]) -> list[TimeEntry]:
    """Log (who, task, day, minutes) rows on a project, submit the week and approve it."""
    entries = [
        time_entry_create(
            viewer=getattr(firm, who), project=project, task=task, work_date=MONDAY + timedelta(days=day), minutes=m
        )
        for who, task, day, m in logs
    ]
    for who in {who for who, *_ in logs}:
        time_entries_submit(viewer=getattr(firm, who), monday=MONDAY)
    time_entries_approve(viewer=firm.admin, entry_ids=[e.pk for e in entries])
    return [TimeEntry.objects.get(pk=e.pk) for e in entries]


def standard(firm: Firm) -> list[TimeEntry]:
    return approve(
        firm,
        firm.project,
        ("member", firm.build, 0, 480),
        ("member", firm.build, 1, 240),
        ("member2", firm.build, 1, 60),
        ("member", firm.design, 2, 90),
        ("manager", firm.design, 2, 45),
    )


def eur_project(firm: Firm) -> Project:
    """An EUR project with Eva, who is employed and costed by the EUR company, as its member."""
    user = User.objects.create_user(username="eva", password=PASSWORD)
    eva = person_create(
        viewer=firm.admin,
        company=firm.eur,
        role=firm.consultant,
        name="Eva",
        email="eva@example.test",
        user=user,
        access_role="member",
    )
    cost_rate_set(viewer=firm.admin, person=eva, valid_from=RATE_FROM, hourly_cost=Decimal(50))
    firm.eur_member = viewer_for(user)  # type: ignore[attr-defined]
    client = client_create(viewer=firm.admin, name="Euro Client", currency="EUR")
    project = projects.project_create(
        viewer=firm.admin, company=firm.eur, client=client, manager=eva, code="EU-1", name="Euro"
    )
    projects.project_member_add(viewer=firm.admin, project=project, person=eva)
    bill_rate_set(
        viewer=firm.admin, project=project, role=firm.consultant, valid_from=RATE_FROM, hourly_rate=Decimal(90)
    )
    return project


# --- drafting ----------------------------------------------------------------------------------


def test_draft_groups_lines_by_task_role_and_rate(firm: Firm) -> None:
    bill_rate_set(
        viewer=firm.finance,
        project=firm.project,
        person=firm.member2_person,
        valid_from=RATE_FROM,
        hourly_rate=Decimal(120),
    )
    entries = standard(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    lines = list(invoice_lines(invoice))
    assert [(li.description, li.minutes, li.hourly_rate, li.amount_minor) for li in lines] == [
        ("Build — Consultant", 720, 100, 120000),  # Tom's two days on Build, one line
        ("Build — Consultant", 60, 120, 12000),  # Lea's override rate: a line of its own
        ("Design — Consultant", 90, 100, 15000),
        ("Design — Senior Consultant", 45, 150, 11250),
    ]
    assert [li.position for li in lines] == [0, 1, 2, 3]
    assert invoice.total_minor == sum(li.amount_minor for li in lines) == 158250
    assert invoice.total_minutes == 915
    assert (invoice.status, invoice.number, invoice.currency, invoice.period_end) == ("draft", None, "USD", SUNDAY)
    assert (invoice.company_id, invoice.client_id, invoice.created_by_id) == (
        firm.usd.pk,
        firm.client.pk,
        firm.finance_user.pk,
    )
    # Every entry points at the line that bills it.
    for entry in entries:
        entry.refresh_from_db()
        line = InvoiceLine.objects.get(billed_time__time_entry=entry)
        assert (line.invoice_id, line.task_id, line.role_id, line.hourly_rate) == (
            invoice.pk,
            entry.task_id,
            entry.role_id,
            entry.bill_rate,
        )
    row = audit_row("invoice.draft", invoice)
    assert row.actor_id == firm.finance_user.pk
    assert row.after == {
        "status": "draft",
        "number": None,
        "issue_date": None,
        "due_date": None,
        "net_minor": 158250,
        "tax_minor": 0,
        "total_minor": 158250,
        "total_minutes": 915,
        "entries": 5,
        "period_end": SUNDAY.isoformat(),
        "contract": firm.project.code,
        "currency": "USD",
    }


def test_draft_takes_only_approved_billable_time_up_to_the_date(firm: Firm) -> None:
    taken = approve(firm, firm.project, ("member", firm.build, 0, 60), ("member", firm.build, 3, 60))
    unbillable = time_entry_create(
        viewer=firm.member2, project=firm.project, task=firm.build, work_date=MONDAY, minutes=30, billable=False
    )
    draft = time_entry_create(viewer=firm.manager, project=firm.project, task=firm.design, work_date=MONDAY, minutes=30)
    time_entries_submit(viewer=firm.member2, monday=MONDAY)
    time_entries_approve(viewer=firm.manager, entry_ids=[unbillable.pk])
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MONDAY + timedelta(days=2))
    assert list(TimeEntry.objects.filter(billing__line__invoice=invoice)) == [taken[0]]
    assert invoice.total_minor == 10000
    left = time_entries_unbilled(project=firm.project, up_to=SUNDAY)
    assert list(left) == [taken[1]]  # the later entry; not the unbillable one, not the draft
    assert not BilledTime.objects.filter(time_entry=draft).exists()


def test_line_level_rounding(firm: Firm) -> None:
    """Each entry is rounded when approved; the invoice rounds each line once (ADR 0001)."""
    bill_rate_set(
        viewer=firm.finance,
        project=firm.project,
        role=firm.consultant,
        valid_from=RATE_FROM,
        hourly_rate=Decimal("0.3"),
    )
    entries = approve(firm, firm.project, *[("member", firm.build, d, 1) for d in range(3)])
    assert [e.bill_amount_minor for e in entries] == [1, 1, 1]  # 0.005 each, rounded up
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    assert [li.amount_minor for li in invoice_lines(invoice)] == [2]  # 3 minutes × 0.3/h = 0.015 → 0.02
    assert invoice.total_minor == 2


def test_nothing_to_invoice_is_refused(firm: Firm) -> None:
    with refused(Invalid, match="no approved billable time"):
        invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    standard(firm)
    with refused(Invalid, match="no approved billable time"):  # everything is later than the date
        invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=MONDAY - timedelta(days=1))
    invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    with refused(Invalid, match="no approved billable time"):  # all of it is on the first draft
        invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    assert Invoice.objects.count() == 1


def test_who_may_draft(firm: Firm) -> None:
    standard(firm)
    with refused(Forbidden, match="finance"):
        invoice_draft_create(viewer=firm.manager, project=firm.project, up_to=SUNDAY)
    with refused(Forbidden):
        invoice_draft_create(viewer=firm.member, project=firm.project, up_to=SUNDAY)
    with refused(NotFound):
        invoice_draft_create(viewer=firm.other_admin, project=firm.project, up_to=SUNDAY)
    with refused(NotFound):
        invoice_draft_create(viewer=firm.admin, project=firm.other_project, up_to=SUNDAY)
    Membership.objects.get(user=firm.finance_user).companies.set([firm.eur])
    with refused(NotFound):
        invoice_draft_create(viewer=viewer_for(firm.finance_user), project=firm.project, up_to=SUNDAY)


def test_billed_time_can_no_longer_be_changed(firm: Firm) -> None:
    entry, *_ = standard(firm)
    invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    entry.refresh_from_db()
    with refused(Conflict, entry, match="billed"):
        time_entry_update(viewer=firm.admin, entry=entry, minutes=1)
    with refused(Conflict, entry, match="billed"):
        time_entry_delete(viewer=firm.admin, entry=entry)
    with refused(Conflict, entry, match="approved, not submitted"):
        time_entries_reject(viewer=firm.admin, entry_ids=[entry.pk], reason="too late")


# --- discarding --------------------------------------------------------------------------------


def test_discard_releases_the_time(firm: Firm) -> None:
    standard(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    pk, total = invoice.pk, invoice.total_minor
    invoice_discard(viewer=firm.finance, invoice=invoice)
    assert not Invoice.objects.filter(pk=pk).exists() and not InvoiceLine.objects.filter(invoice_id=pk).exists()
    assert TimeEntry.objects.filter(billing__isnull=False).count() == 0
    row = audit_rows("invoice.discard")[0]
    assert (row.object_id, row.actor_id, row.before["total_minor"], row.after) == (
        pk,
        firm.finance_user.pk,
        total,
        None,
    )
    again = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    assert again.total_minor == total


def test_discard_refusals(firm: Firm) -> None:
    standard(firm)
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    with refused(Forbidden, invoice):
        invoice_discard(viewer=firm.manager, invoice=invoice)
    with refused(NotFound, invoice):
        invoice_discard(viewer=firm.other_admin, invoice=invoice)
    issued = invoice_issue(viewer=firm.finance, invoice=invoice)
    with refused(Conflict, issued, match="cannot be discarded"):
        invoice_discard(viewer=firm.finance, invoice=issued)
    assert TimeEntry.objects.filter(billing__line__invoice=issued).count() == 5


# --- issuing -----------------------------------------------------------------------------------


def test_issue_numbers_and_freezes(firm: Firm) -> None:
    standard(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    issued = invoice_issue(viewer=firm.finance, invoice=draft, issue_date=TODAY, payment_days=14)
    assert (issued.status, issued.number, issued.issue_date) == ("issued", f"{YEAR}-0001", TODAY)
    assert (issued.due_date, issued.issued_by_id) == (TODAY + timedelta(days=14), firm.finance_user.pk)
    stored = Invoice.objects.get(pk=draft.pk)
    assert (stored.status, stored.number, stored.total_minor) == ("issued", f"{YEAR}-0001", 158250 - 12000 + 10000)
    row = audit_row("invoice.issue", stored)
    assert row.actor_id == firm.finance_user.pk
    assert (row.before["status"], row.before["number"]) == ("draft", None)
    assert row.after == {
        "status": "issued",
        "number": f"{YEAR}-0001",
        "issue_date": TODAY.isoformat(),
        "due_date": (TODAY + timedelta(days=14)).isoformat(),
        "net_minor": stored.total_minor,
        "tax_minor": 0,
        "total_minor": stored.total_minor,
        "total_minutes": 915,
    }
    assert InvoiceSequence.objects.get(company=firm.usd, year=YEAR).last_number == 1
    assert invoice_get(firm.finance, stored.pk) == stored


def test_issuing_twice_is_a_conflict(firm: Firm) -> None:
    standard(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    issued = invoice_issue(viewer=firm.finance, invoice=draft)
    with refused(Conflict, issued, match=f"{YEAR}-0001 is issued already"):
        invoice_issue(viewer=firm.finance, invoice=draft)  # the stale draft object: the database decides


def test_issue_refusals_take_no_number(firm: Firm) -> None:
    standard(firm)
    draft = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    with refused(Invalid, draft, match="between 0 and 365"):
        invoice_issue(viewer=firm.finance, invoice=draft, payment_days=366)
    with refused(Invalid, draft, match="between 0 and 365"):
        invoice_issue(viewer=firm.finance, invoice=draft, payment_days=-1)
    with refused(Invalid, draft, match="within a year"):
        invoice_issue(viewer=firm.finance, invoice=draft, issue_date=TODAY + timedelta(days=400))
    with refused(Invalid, draft, match="within a year"):
        invoice_issue(viewer=firm.finance, invoice=draft, issue_date=date(1999, 1, 1))
    with refused(Forbidden, draft):
        invoice_issue(viewer=firm.manager, invoice=draft)
    with refused(NotFound, draft):
        invoice_issue(viewer=firm.other_admin, invoice=draft)
    assert invoice_issue(viewer=firm.finance, invoice=draft).number == f"{YEAR}-0001"  # no gap


def test_numbers_are_gapless_per_company_and_year(firm: Firm) -> None:
    euro = eur_project(firm)

    def usd_draft(day: int) -> Invoice:
        approve(firm, firm.project, ("member", firm.build, day, 60))
        return invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)

    def eur_draft(day: int) -> Invoice:
        approve(firm, euro, ("eur_member", None, day, 60))
        return invoice_draft_create(viewer=firm.finance, project=euro, up_to=SUNDAY)

    last_year = date(YEAR - 1, 12, 31)
    numbers = [
        invoice_issue(viewer=firm.finance, invoice=usd_draft(0)).number,
        invoice_issue(viewer=firm.finance, invoice=eur_draft(1)).number,
        invoice_issue(viewer=firm.finance, invoice=usd_draft(2)).number,
        invoice_issue(viewer=firm.finance, invoice=usd_draft(3), issue_date=last_year).number,
        invoice_issue(viewer=firm.finance, invoice=eur_draft(4)).number,
        invoice_issue(viewer=firm.finance, invoice=usd_draft(5)).number,
    ]
    assert numbers == [
        f"{YEAR}-0001",
        f"{YEAR}-0001",  # the EUR company has its own sequence
        f"{YEAR}-0002",
        f"{YEAR - 1}-0001",  # and each year starts again
        f"{YEAR}-0002",
        f"{YEAR}-0003",
    ]
    assert Invoice.objects.get(number=f"{YEAR}-0001", company=firm.eur).currency == "EUR"


def test_an_invoice_total_is_the_sum_of_its_lines_over_many_rates(firm: Firm) -> None:
    rates = ["99.99", "33.3333", "0.01", "150.5"]
    for i, rate in enumerate(rates):
        bill_rate_set(
            viewer=firm.finance,
            project=firm.project,
            role=firm.consultant,
            valid_from=MONDAY + timedelta(days=i),
            hourly_rate=Decimal(rate),
        )
    approve(firm, firm.project, *[("member", firm.build, d, 7 + 13 * d) for d in range(4)])
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    lines = list(invoice_lines(invoice))
    assert len(lines) == 4
    for line in lines:
        exact = Decimal(line.minutes) * line.hourly_rate / 60
        assert abs(Decimal(line.amount_minor) / 100 - exact) <= Decimal("0.005")
    assert invoice.total_minor == sum(li.amount_minor for li in lines)


# --- the invoice run ---------------------------------------------------------------------------


def test_invoices_draft_all_with_progress(firm: Firm) -> None:
    second = projects.project_create(
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="GLX-2", name="Two"
    )
    projects.project_member_add(viewer=firm.admin, project=second, person=firm.member_person)
    bill_rate_set(
        viewer=firm.admin, project=second, role=firm.consultant, valid_from=RATE_FROM, hourly_rate=Decimal(80)
    )
    projects.project_create(  # a third project without time: not part of the run
        viewer=firm.admin, company=firm.usd, client=firm.client, manager=firm.manager_person, code="GLX-3", name="Idle"
    )
    standard(firm)
    approve(firm, second, ("member", None, 4, 120))
    assert list(projects_with_unbilled_time(company_id=firm.usd.pk, up_to=SUNDAY)) == [firm.project, second]
    invoices = invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=SUNDAY)
    assert [(i.project_id, i.total_minor) for i in invoices] == [
        (firm.project.pk, 158250 - 12000 + 10000),
        (second.pk, 16000),
    ]
    assert len(audit_rows("invoice.draft")) == 2
    assert invoices_draft_all(viewer=firm.finance, company=firm.usd, up_to=SUNDAY) == []  # nothing left
    with refused(Forbidden):
        invoices_draft_all(viewer=firm.manager, company=firm.usd, up_to=SUNDAY)
    with refused(NotFound):
        invoices_draft_all(viewer=firm.other_admin, company=firm.usd, up_to=SUNDAY)


def test_invoice_run_job_reports_progress_and_result(firm: Firm) -> None:
    standard(firm)
    run = job_run_start(organisation_id=firm.admin.organisation_id, user_id=firm.finance_user.pk, kind="invoice_run")
    invoice_run.enqueue(
        job_run_id=run.pk, user_id=firm.finance_user.pk, company_id=firm.usd.pk, up_to=SUNDAY.isoformat()
    )
    run.refresh_from_db()
    invoice = Invoice.objects.get()
    assert (run.status, run.done, run.total, run.percent) == ("done", 1, 1, 100)
    assert run.result == {"invoices": [invoice.pk], "count": 1}
    assert run.finished_at is not None and run.message == ""


def test_invoice_run_job_records_a_refusal(firm: Firm) -> None:
    run = job_run_start(organisation_id=firm.admin.organisation_id, user_id=firm.manager_user.pk, kind="invoice_run")
    invoice_run.enqueue(
        job_run_id=run.pk, user_id=firm.manager_user.pk, company_id=firm.usd.pk, up_to=SUNDAY.isoformat()
    )
    run.refresh_from_db()
    assert (run.status, run.result) == ("failed", None)
    assert "finance" in run.message
    assert JobRun.objects.count() == 1 and Invoice.objects.count() == 0


@pytest.mark.parametrize("who", ["member", "member2"])
def test_members_cannot_issue(firm: Firm, who: str) -> None:
    standard(firm)
    draft = invoice_draft_create(viewer=firm.admin, project=firm.project, up_to=SUNDAY)
    with refused(Forbidden, draft):
        invoice_issue(viewer=getattr(firm, who), invoice=draft)


def test_a_new_person_role_needs_its_own_line(firm: Firm) -> None:
    """A person who changed role keeps the role snapshot of each entry on the invoice."""
    approve(firm, firm.project, ("member", firm.build, 0, 60))
    Person.objects.filter(pk=firm.member_person.pk).update(role=firm.senior)
    approve(firm, firm.project, ("member", firm.build, 1, 60))
    invoice = invoice_draft_create(viewer=firm.finance, project=firm.project, up_to=SUNDAY)
    assert [(li.description, li.amount_minor) for li in invoice_lines(invoice)] == [
        ("Build — Consultant", 10000),
        ("Build — Senior Consultant", 15000),
    ]
