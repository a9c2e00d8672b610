"""What the invoice run reads of the entries (ADR 0024): grouped by ids, with task and role names looked up
once, and on SQLite from the index alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from margin.billing.queries import line_groups_of
from margin.billing.ready import time_unbilled
from margin.billing.tests.test_actions import SUNDAY, approve, standard
from tests.firm import Firm


def test_groups_carry_the_names_of_their_task_and_role(firm: Firm) -> None:
    standard(firm)
    groups = line_groups_of(time_unbilled([firm.project.pk], SUNDAY))[firm.project.pk]
    named = {(g.task_name, g.role_name, g.minutes, g.entries) for g in groups}
    # The firm's member and member2 are consultants, the manager a senior (tests.firm).
    assert named == {
        ("Build", firm.consultant.name, 780, 3),
        ("Design", firm.consultant.name, 90, 1),
        ("Design", firm.senior.name, 45, 1),
    }


def test_time_without_a_task_is_general(firm: Firm) -> None:
    approve(firm, firm.project, ("member", None, 0, 60))
    (group,) = line_groups_of(time_unbilled([firm.project.pk], SUNDAY))[firm.project.pk]
    assert (group.task_id, group.task_name, group.minutes) == (None, "General", 60)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the covering index is SQLite's (ADR 0024)")
def test_on_sqlite_the_grouping_reads_the_index_alone(firm: Firm) -> None:
    standard(firm)
    with CaptureQueriesContext(connection) as captured:
        line_groups_of(time_unbilled([firm.project.pk], SUNDAY))
    (grouping,) = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {grouping}")
        plan = " | ".join(row[3] for row in cursor.fetchall())
    assert "COVERING INDEX timeentry_project_figures" in plan, plan
