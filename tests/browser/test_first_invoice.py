"""The acceptance test of issue 9: a new firm goes from an empty database to its first invoice in the browser
alone. `manage.py create_organisation` is the documented first step; everything after it is done by people
clicking and typing in Chromium — no API, no fixtures, no actions called by the test.

The story (README, "From an empty database to the first invoice"):

1. Ada, the administrator, signs in to a "Getting started" checklist; she creates the company (base currency,
   invoice number format, bank account), two job roles and a pool of consultants, herself as a person who
   signs in as her user (with a cost rate), and Carl — whose cost rate she forgets.
2. She invites Carl from Settings → Users; Carl opens the link from his e-mail, sets a password, signs in.
3. She adds the client, with a contact who receives invoices and 14 days' payment terms.
4. She builds a template (New project → Blank template): a rate card, tasks with durations, links, and the
   pool of consultants assigned to a task.
5. She starts a project from that template, with Carl as a member and one more row on the rate card.
6. Carl logs last week's time in My week and submits it.
7. Ada approves it in Approvals: refused first (Carl has no cost rate, and the message says where to add
   one), then approved once she has added it.
8. Ada drafts the invoice, issues it with the company's next number, and opens the printable invoice.

The database is checked at each step; the screenshots of every step go to /tmp/shots/first-invoice/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from margin.accounts.models import Company, Membership, Person
from margin.billing.models import Invoice
from margin.contracts.models import BillRate
from margin.core.periods import week_start
from margin.crm.models import Client, Contact
from margin.projects.models import Dependency, Project, Task
from margin.resourcing.models import Assignment
from margin.timesheets.models import TimeEntry
from tests.browser.notices import expect_notice

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/first-invoice")
ADA_PASSWORD = "Lumen-founder-2026"
CARL_PASSWORD = "Carl-consults-2026"


class Story:
    """The browser and the screenshots of one run of the story, with the steps it repeats."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.shots = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def shot(self, name: str, page: Any = None) -> None:
        """A numbered screenshot of the page (or of another tab), once the page has settled."""
        page = page or self.page
        if page.locator("#timer-widget").count():  # the top bar's timer shows once its script has asked
            expect(page.locator("#timer-widget")).to_be_visible()
        self.shots += 1
        page.screenshot(path=str(SHOTS / f"{self.shots:02d}-{name}.png"), full_page=True)

    def sign_in(self, username: str, password: str) -> None:
        page = self.page
        page.goto("/signin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    def sign_out(self) -> None:
        self.page.get_by_test_id("user-menu").click()
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url("**/signin/**")

    def menu(self, menu: str, item: str) -> None:
        """Open a screen the way a person does: the top bar's menu, then its item."""
        self.page.get_by_test_id(f"nav-{menu}-menu").click()
        self.page.get_by_test_id(f"nav-{item}").click()

    def settings_tab(self, tab: str) -> None:
        self.page.get_by_test_id(f"settings-tab-{tab}").click()
        expect(self.page.get_by_test_id(f"settings-tab-{tab}")).to_have_class(re.compile("active"))

    def saved(self, text: str) -> None:
        expect(self.page.get_by_role("alert").first).to_contain_text(text)


def _found_the_firm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGIN_ADMIN_PASSWORD", ADA_PASSWORD)
    call_command(
        "create_organisation", "--name", "Lumen Advisory", "--username", "ada", "--email", "ada@lumen.test",
        "--no-input", stdout=StringIO(),
    )  # fmt: skip


def _create_company(story: Story) -> Company:
    page = story.page
    page.get_by_test_id("setup-next").click()  # the home's checklist: its first step is the company
    form = page.get_by_test_id("company-form")
    form.get_by_label("Name", exact=True).fill("Lumen Advisory GmbH")
    form.get_by_label("Legal name").fill("Lumen Advisory Deutschland GmbH")
    form.get_by_label("Base currency").fill("EUR")
    form.get_by_label("Tax id").fill("DE123456789")
    form.get_by_label("Address").fill("Torstraße 1\n10119 Berlin")
    form.get_by_label("Country").fill("DE")
    form.get_by_label("Invoice number format").fill("LA-{YYYY}-{NNNN}")
    expect(page.get_by_test_id("number-preview")).to_contain_text("LA-")
    form.get_by_label("Bank", exact=True).fill("Commerzbank")
    form.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    form.get_by_label("BIC").fill("COBADEFFXXX")
    story.shot("company-form")
    form.get_by_role("button", name="Create company").click()
    story.saved("Lumen Advisory GmbH is created")
    story.shot("company")
    company = Company.objects.get()
    assert (company.base_currency, company.invoice_number_format) == ("EUR", "LA-{YYYY}-{NNNN}")
    return company


def _add_role(story: Story, name: str) -> None:
    page = story.page
    story.settings_tab("roles")
    page.get_by_test_id("role-new").get_by_label("Name").fill(name)
    page.get_by_test_id("role-new").get_by_role("button", name="Add role").click()
    expect(page.get_by_test_id("roles").get_by_role("button", name=f"Rename {name}")).to_be_visible()


def _add_person(story: Story, name: str, email: str, role: str, signs_in_as: str = "") -> Person:
    page = story.page
    story.settings_tab("people")
    page.get_by_test_id("person-new").click()
    form = page.get_by_test_id("person-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Job role").select_option(label=role)
    if signs_in_as:
        form.get_by_label("Signs in as").select_option(label=signs_in_as)
    form.get_by_role("button", name="Add person").click()
    story.saved(f"{name} is added")
    return Person.objects.get(email=email)


def _add_cost_rate(story: Story, cost: str, cost_from: date) -> None:
    """On a person's page: what an hour of theirs costs, from a date."""
    rates = story.page.get_by_test_id("cost-rate-form")
    rates.get_by_label("From").fill(cost_from.isoformat())
    rates.get_by_label("Cost an hour").fill(cost)
    rates.get_by_role("button", name="Add rate").click()
    expect(story.page.get_by_test_id("cost-rates")).to_contain_text(f"{cost} EUR")


def _invite(story: Story, email: str, first_name: str, last_name: str) -> None:
    """Settings → Users: invite someone as a team member; they get an e-mail with a set-password link."""
    page = story.page
    story.settings_tab("users")
    invite = page.get_by_test_id("invite")
    invite.get_by_label("E-mail").fill(email)
    invite.get_by_label("First name").fill(first_name)
    invite.get_by_label("Last name").fill(last_name)
    invite.get_by_label("Access").select_option(label="Team member")
    invite.get_by_role("button", name="Send the invitation").click()
    story.saved(f"An invitation is on its way to {email}")
    story.shot("users-invited")


def _accept_invitation(story: Story, email: str, password: str) -> None:
    """The invited person opens the link of their e-mail (Django's outbox in tests) and sets a password."""
    page = story.page
    (letter,) = [m for m in mail.outbox if email in m.to]
    link = re.search(r"https?://\S+(/invitations/\S+/)", letter.body)
    assert link, letter.body
    page.goto(link.group(1))  # as if clicked in the e-mail
    expect(page.get_by_test_id("invited-username")).to_have_text(email)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    story.shot("invitation")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")


def _add_client(story: Story) -> Client:
    page = story.page
    story.menu("settings", "clients")
    page.get_by_test_id("client-new").click()
    form = page.get_by_test_id("client-form")
    form.get_by_label("Name").fill("Globex AG")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_label("Tax id").fill("DE987654321")
    form.get_by_label("Billing address").fill("Hauptstraße 5\n80331 München")
    form.get_by_label("Billing e-mail").fill("ap@globex.test")
    form.get_by_label("Payment terms (days)").fill("14")
    form.get_by_role("button", name="Add client").click()
    story.saved("Globex AG is added")
    contact = page.get_by_test_id("contact-form")
    contact.get_by_label("Name").fill("Hank Scorpio")
    contact.get_by_label("Role").fill("CFO")
    contact.get_by_label("E-mail").fill("hank@globex.test")
    contact.get_by_label("Primary contact").check()
    contact.get_by_label("Receives invoices").check()
    contact.get_by_role("button", name="Add contact").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("Hank Scorpio")
    story.shot("client")
    client = Client.objects.get()
    assert client.payment_terms_days == 14
    assert Contact.objects.filter(client=client, primary=True, billing=True).count() == 1
    return client


def _add_task(story: Story, name: str, duration: str) -> Task:
    page = story.page
    count = Task.objects.filter(project__is_template=True).count() + 1
    page.get_by_label("New task name").fill(name)
    page.get_by_test_id("task-add").get_by_role("button", name="Add task").click()
    expect(page.get_by_test_id("task-table").locator("tfoot")).to_contain_text(f"{count} task")
    task = Task.objects.get(name=name, project__is_template=True)
    _edit_cell(page, task, "duration", duration)
    return task


def _edit_cell(page: Any, task: Task, field: str, text: str) -> None:
    """Type into a cell of the Tasks table and press Enter; wait for the save's answer, then see the value."""
    page.locator(f"#c-{task.pk}-{field}").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{task.pk}/cell/") and r.ok):
        page.keyboard.press("Enter")
    expect(page.locator(f"#c-{task.pk}-{field}")).to_have_value(text)


def _rate_row(story: Story, row: int, who: str, valid_from: date, rate: str) -> None:
    """One row of a rate card table (the New project form and the Rates tab share it)."""
    page = story.page
    if page.locator(f"select[name='rates-{row}-who']").count() == 0:
        page.get_by_test_id("add-rate-row").click()
    page.locator(f"select[name='rates-{row}-who']").select_option(label=who)
    page.locator(f"input[name='rates-{row}-valid_from']").fill(valid_from.isoformat())
    page.locator(f"input[name='rates-{row}-hourly_rate']").fill(rate)


def _log(page: Any, task: Task, day: date, hours: str) -> None:
    """Type hours into one cell of My week and wait until it is saved."""
    page.locator(f"#in-{task.pk}-{day:%Y%m%d}").fill(hours)
    page.keyboard.press("Tab")
    expect(page.locator(f"#cell-{task.pk}-{day:%Y%m%d}")).to_have_attribute("data-state", "saved")


def _build_template(story: Story, year_start: date) -> None:
    """New project → Blank template (client, manager, budget, a role's bill rate); its Tasks tab (tasks with
    durations, links typed as predecessors); a task's page (the pool of consultants assigned)."""
    page = story.page
    ada = Person.objects.get(email="ada@lumen.test")
    story.menu("projects", "new-project")
    story.shot("new-project-ways")
    page.get_by_test_id("new-blank-template").click()
    form = page.get_by_test_id("new-project-form")
    form.get_by_label("Code", exact=True).fill("TPL-AUDIT")
    form.get_by_label("Name", exact=True).fill("Process audit")
    form.get_by_label("Client").select_option(label="Globex AG")
    expect(form.get_by_label("Manager")).to_have_value(str(ada.pk))  # herself, now that she is a person
    form.get_by_label("Budget (hours)").fill("60")
    _rate_row(story, 0, "Consultant", year_start, "120")
    story.shot("template-form")
    page.get_by_test_id("create-project").click()
    story.saved("Template TPL-AUDIT is created")
    template = Project.objects.get(code="TPL-AUDIT")
    assert template.is_template and template.client.name == "Globex AG"
    page.get_by_role("link", name="Tasks", exact=True).click()
    kickoff = _add_task(story, "Kick-off workshop", "2d")
    interviews = _add_task(story, "Interviews", "5d")
    report = _add_task(story, "Findings report", "3d")
    # Interviews follow the kick-off (row 1), the report the interviews (row 2): typed as in MS Project.
    _edit_cell(page, interviews, "predecessors", "1")
    _edit_cell(page, report, "predecessors", "2")
    story.shot("template-tasks")
    assert Dependency.objects.filter(predecessor=interviews, successor=report, kind="FS").exists()
    # The interviews ask for a consultant, whoever it will be: a role assignment on the task's page.
    page.locator(f"#task-row-{interviews.pk}").hover()  # the row's ↗ shows on hover
    page.get_by_role("link", name="Open Interviews").click()
    assign = page.get_by_test_id("assignment-add")
    assign.get_by_label("Person or pool").select_option(label="Consultants")
    assign.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("assignments")).to_contain_text("Consultants")
    story.shot("template-task-assignment")
    assert Assignment.objects.filter(task=interviews, pool__name="Consultants", units=100).exists()
    assert Dependency.objects.filter(predecessor=kickoff, successor=interviews, kind="FS").exists()
    durations = [Task.objects.get(pk=t.pk).duration_minutes for t in (kickoff, interviews, report)]
    assert durations == [2 * 480, 5 * 480, 3 * 480]


def _approve_carls_week(page: Any) -> None:
    page.get_by_test_id("approvals-group").first.locator("[data-select-group]").check()
    page.get_by_test_id("approve-selected").click()


@pytest.fixture
def patient_expect() -> Iterator[None]:
    """Waits as long as the page's own timeout: the story is long, and the machine may be busy."""
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other tests


def test_a_new_firm_reaches_its_first_invoice_in_the_browser(
    page: Any, transactional_db: None, monkeypatch: pytest.MonkeyPatch, patient_expect: None
) -> None:
    story = Story(page)
    today = timezone.localdate()
    monday = week_start(today) - timedelta(days=7)  # last week: every day of it is in the past
    year_start = date(monday.year, 1, 1)
    _found_the_firm(monkeypatch)

    # 1. Ada signs in to an empty firm: her home is a checklist of what to set up, the company first.
    story.sign_in("ada", ADA_PASSWORD)
    expect(page.get_by_test_id("setup-next")).to_have_text("Create the company")
    story.shot("home-empty")

    company = _create_company(story)
    _add_role(story, "Consultant")
    _add_role(story, "Engagement lead")
    # A pool of consultants: a template's task can then ask for "a consultant" before anyone is chosen.
    pool = page.get_by_test_id("pool-new")
    pool.get_by_label("Name").fill("Consultants")
    pool.get_by_label("Job role").select_option(label="Consultant")
    pool.get_by_label("Capacity (%)").fill("200")
    pool.get_by_role("button", name="Add pool").click()
    story.saved("The pool Consultants is added")
    expect(page.get_by_test_id("pools")).to_contain_text("Consultants")
    story.shot("roles")
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_test_id("setup-company")).to_have_attribute("data-done", "true")
    expect(page.get_by_test_id("setup-next")).to_have_text("Add people and their cost rates")
    page.get_by_test_id("setup-next").click()

    # Ada is the administrator and also works on projects: her person signs in as her user.
    ada = _add_person(story, "Ada Brandt", "ada@lumen.test", "Engagement lead", signs_in_as="ada")
    _add_cost_rate(story, "70.00", year_start)
    assert ada.user is not None and ada.user.username == "ada"
    expect(page.get_by_test_id("person-access")).to_contain_text("Signs in as ada, administrator")
    story.shot("person-ada")

    carl = _add_person(story, "Carl Weber", "carl@lumen.test", "Consultant")  # his cost rate is forgotten
    assert carl.user_id is None and carl.company_id == company.pk
    story.shot("person-carl")

    # 2. Carl is invited by e-mail; the invitation links his account to his person (same e-mail).
    _invite(story, "carl@lumen.test", "Carl", "Weber")
    carl.refresh_from_db()
    assert carl.user is not None and Membership.objects.get(user=carl.user).role == "member"
    story.sign_out()
    _accept_invitation(story, "carl@lumen.test", CARL_PASSWORD)
    story.sign_in("carl@lumen.test", CARL_PASSWORD)
    story.shot("home-carl-before-project")
    story.sign_out()

    # 3. The client, with a contact who receives invoices and 14 days to pay.
    story.sign_in("ada", ADA_PASSWORD)
    expect(page.get_by_test_id("setup-next")).to_have_text("Add a client")
    story.shot("home-setting-up")
    _add_client(story)

    # 4. A template, built in the browser: New project → Blank template, then its tasks, links and pool.
    _build_template(story, year_start)

    # 5. The project, from that template: Carl as a member, the template's rate card plus the lead's rate.
    story.menu("projects", "new-project")
    page.get_by_test_id("template-TPL-AUDIT").click()
    form = page.get_by_test_id("new-project-form")
    form.get_by_label("Code", exact=True).fill("GLX-1")
    form.get_by_label("Name", exact=True).fill("Globex process audit")
    form.get_by_label("Start", exact=True).fill(monday.isoformat())
    form.get_by_label("Carl Weber — Lumen Advisory GmbH").check()
    expect(page.locator("input[name='rates-0-hourly_rate']")).to_have_value("120.00")
    _rate_row(story, 1, "Engagement lead", year_start, "180")
    story.shot("project-form")
    page.get_by_test_id("create-project").click()
    story.saved("Project GLX-1 is created")
    story.shot("project")
    project = Project.objects.get(code="GLX-1")
    assert (project.is_template, project.start_date, project.currency) == (False, monday, "EUR")
    assert set(project.members.values_list("name", flat=True)) == {"Ada Brandt", "Carl Weber"}
    assert {t.name for t in project.tasks.all()} == {"Kick-off workshop", "Interviews", "Findings report"}
    assert Dependency.objects.filter(project=project).count() == 2
    assert Assignment.objects.filter(task__project=project, task__name="Interviews", pool__name="Consultants").exists()
    rates = {
        (r.role.name if r.role else r.person.name, r.hourly_rate)
        for r in BillRate.objects.filter(rate_card__contract__covered__project=project).all()
    }
    assert rates == {("Consultant", Decimal(120)), ("Engagement lead", Decimal(180))}
    page.get_by_test_id("tab-rates").click()
    story.shot("project-rates")
    story.sign_out()

    # 6. Carl logs last week's interviews in My week and submits them.
    story.sign_in("carl@lumen.test", CARL_PASSWORD)
    story.shot("home-carl")
    story.menu("time", "week")
    page.get_by_test_id("previous-week").click()
    expect(page.get_by_test_id("week-range")).to_contain_text(f"{monday:%-d %b}")
    interviews = project.tasks.get(name="Interviews")
    search = page.get_by_test_id("add-row-search")
    search.fill("Interv")
    search.press("Enter")
    expect(page.locator(f"#week-rows tr[data-task='{interviews.pk}']")).to_be_visible()
    _log(page, interviews, monday, "8")
    _log(page, interviews, monday + timedelta(days=1), "6:30")
    expect(page.get_by_test_id("week-total")).to_have_text("14:30")
    story.shot("week")
    page.get_by_test_id("submit-week").click()
    expect(page.get_by_test_id("week-notice")).to_contain_text("Submitted")
    story.shot("week-submitted")
    entries = TimeEntry.objects.filter(person=carl)
    assert sorted(entries.values_list("minutes", "status")) == [(390, "submitted"), (480, "submitted")]
    story.sign_out()

    # 7. Ada approves it: approval values each entry at Carl's bill and cost rates — and Carl has no cost
    # rate yet. The refusal says so, and where to add it; nothing is approved until she has.
    story.sign_in("ada", ADA_PASSWORD)
    story.menu("time", "approvals")
    expect(page.get_by_test_id("approvals-summary")).to_contain_text("2 entries waiting")
    story.shot("approvals")
    _approve_carls_week(page)
    expect(page.get_by_test_id("approvals-error")).to_contain_text(
        f"Carl Weber has no cost rate on {monday.day} {monday:%b %Y}"
    )
    expect(page.get_by_test_id("approvals-error")).to_contain_text("Settings → People → Carl Weber")
    story.shot("approval-refused")
    assert set(entries.values_list("status", flat=True)) == {"submitted"}
    story.menu("settings", "people")
    page.get_by_role("link", name="Carl Weber").click()
    _add_cost_rate(story, "45.00", year_start)
    story.menu("time", "approvals")
    _approve_carls_week(page)
    expect(page.get_by_test_id("approvals-notice")).to_have_text("Approved 2 entries.")
    story.shot("approved")
    assert sorted(entries.values_list("status", "bill_amount_minor", "cost_amount_minor")) == [
        ("approved", 78000, 29250),
        ("approved", 96000, 36000),
    ]

    # 8. The invoice: drafted from the approved time, issued with the company's next number.
    story.menu("invoices", "invoices")
    expect(page.get_by_test_id("to-invoice-table")).to_contain_text("GLX-1")
    story.shot("to-invoice")
    page.get_by_test_id("draft-GLX-1").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Draft")
    expect(page.get_by_label("Terms (days)")).to_have_value("14")  # the client's payment terms
    expect(page.get_by_test_id("client-terms")).to_have_text("Globex AG's terms: 14 days.")
    story.shot("invoice-draft")
    page.get_by_test_id("issue-invoice").click()
    number = f"LA-{today.year}-0001"
    expect_notice(page, f"Invoice {number} is issued.")
    story.shot("invoice-issued")
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.status, invoice.total_minor, invoice.currency) == (number, "issued", 174000, "EUR")
    assert invoice.due_date == invoice.issue_date + timedelta(days=14)
    with page.context.expect_page() as printed:
        page.get_by_test_id("print-link").click()
    sheet = printed.value
    expect(sheet.get_by_test_id("print-number")).to_have_text(number)
    expect(sheet.get_by_test_id("print-recipient")).to_have_text("Attn. Hank Scorpio, CFO")
    expect(sheet.get_by_test_id("print-bank")).to_contain_text("DE89 3704 0044 0532 0130 00")
    expect(sheet.get_by_test_id("print-total")).to_have_text("1,740.00 EUR")
    story.shot("invoice-printed", sheet)
    sheet.close()

    # Ada's home now is the firm: the project's revenue, cost and margin, the issued invoice; set-up is done.
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_test_id("part-firm")).to_contain_text("GLX-1")
    expect(page.get_by_test_id("setup")).to_have_count(0)
    expect(page.get_by_test_id("part-invoicing")).to_contain_text("Everything approved is invoiced.")
    expect(page.get_by_test_id("issued-by-age").locator("canvas")).to_be_visible()  # the open invoice, by age
    story.shot("home-ada-after")
