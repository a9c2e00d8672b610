"""One meaning of who works on a task (ADR 0011): its person assignments. The Tasks table, the task page, the board
cards, the calendar feed and leveling all name the same people; the old ``assignee`` column became assignments."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from margin.integrations.ical.feeds import calendar_feed_reset
from margin.projects.actions import project_reschedule
from margin.projects.planning import task_people
from margin.reporting.board import board_of
from margin.resourcing.actions import assignment_create
from margin.web.views.tasks import task_rows
from tests.firm import Firm


def test_an_assignment_is_the_assignee_everywhere(firm: Firm) -> None:
    """Leveling reads assignments; so does every screen: a person booked through assignments is never shown as
    'nobody' in the Tasks table while leveling counts their load."""
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member_person, units=100)
    assignment_create(viewer=firm.manager, task=firm.build, person=firm.member2_person, units=50)
    tom, other = firm.member_person.name, firm.member2_person.name
    row = next(r for r in task_rows(firm.project) if r.id == firm.build.pk)
    assert (row.assignee_id, row.assignee_name, row.people) == (firm.member_person.pk, tom, [tom, other])
    client = Client()
    client.force_login(firm.manager_user)
    table = client.get(reverse("web:project_tasks", args=[firm.project.pk])).content.decode()
    assert f'value="{tom}"' in table and f'title="{other}">+1<' in table
    page = client.get(reverse("web:task", args=[firm.build.pk])).content.decode()
    assert f'data-testid="task-people">{tom}, {other}<' in page
    card = next(
        c for lane in board_of([firm.project]).lanes for cs in lane.cells.values() for c in cs if c.id == firm.build.pk
    )
    assert (card.assignee_id, card.assignee_name, card.others) == (firm.member_person.pk, tom, (other,))
    project_reschedule(viewer=firm.manager, project=firm.project)
    feed = calendar_feed_reset(viewer=firm.member)
    assert f"due-{firm.build.pk}@" in Client().get(f"/calendar/{feed.token}.ics").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_assignees_into_assignments() -> None:
    executor = MigrationExecutor(connection)
    before, after = [("projects", "0006_task_deadline")], [("projects", "0007_assignee_becomes_assignment")]
    executor.migrate(before)
    # The other apps as they stand, except those whose migrations need a later state of projects (contracts).
    graph = executor.loader.graph
    others = [
        node for node in graph.leaf_nodes() if node[0] != "projects" and after[0] not in graph.forwards_plan(node)
    ]
    apps = executor.loader.project_state(before + others).apps
    org = apps.get_model("accounts", "Organisation").objects.create(name="Old", slug="old")
    company = apps.get_model("accounts", "Company").objects.create(organisation=org, name="Old Co", base_currency="EUR")
    role = apps.get_model("accounts", "Role").objects.create(organisation=org, name="Consultant")
    person_model = apps.get_model("accounts", "Person")
    ann = person_model.objects.create(organisation=org, company=company, name="Ann", email="ann@old.test", role=role)
    bob = person_model.objects.create(organisation=org, company=company, name="Bob", email="bob@old.test", role=role)
    client = apps.get_model("crm", "Client").objects.create(organisation=org, name="C", currency="EUR")
    project = apps.get_model("projects", "Project").objects.create(
        organisation=org, company=company, client=client, code="OLD", name="Old", currency="EUR", manager=ann
    )
    task_model = apps.get_model("projects", "Task")
    solo = task_model.objects.create(project=project, name="Solo", assignee=ann)
    both = task_model.objects.create(project=project, name="Both", assignee=bob)
    task_model.objects.create(project=project, name="Nobody")
    apps.get_model("projects", "Assignment").objects.create(task=both, person=bob, units=50)
    executor.loader.build_graph()
    executor.migrate(after)
    executor.loader.build_graph()
    # Through to today (assignments have since moved to resourcing with their rows, ADR 0032), then read.
    executor.migrate(executor.loader.graph.leaf_nodes())
    people = task_people([solo.pk, both.pk])
    assert [(p.name, p.units) for p in people[solo.pk]] == [("Ann", 100)]
    assert [(p.name, p.units) for p in people[both.pk]] == [("Bob", 50)]  # kept, not doubled
