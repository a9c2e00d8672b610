"""Period close racing time writes on PostgreSQL: whatever wins, no time lands in the closed period
after the close counted it (the close takes a SHARE lock on the time table; the triggers of
timesheets/0006 refuse a write that checked the lock date just before the close)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from margin.closing.actions import period_close
from margin.core.errors import DomainError
from margin.core.models import AuditEntry
from margin.core.periods import week_start
from margin.timesheets.actions import ImportRow, time_entries_import
from margin.timesheets.models import TimeEntry
from tests.firm import Firm

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL's row and table locks"),
]

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def race(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except (DomainError, DatabaseError) as error:
            results[i] = error
        except BaseException as error:  # pragma: no cover - reported below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError | DatabaseError)]
    assert not unexpected, unexpected
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_close_racing_an_import(firm: Firm, attempt: int) -> None:
    rows = [
        ImportRow(firm.project.pk, firm.build.pk, person, MONDAY - timedelta(days=d), 30)
        for d in range(1, 200)
        for person in (firm.member_person.pk, firm.member2_person.pk)
    ]
    imported, closed = race(
        lambda: time_entries_import(viewer=firm.admin, rows=rows),
        lambda: period_close(viewer=firm.finance, company=firm.usd, through=MONDAY, override_reason="Race test"),
    )
    assert not isinstance(closed, BaseException), closed
    in_period = TimeEntry.objects.filter(company_id=firm.usd.pk, work_date__lte=MONDAY).count()
    after = AuditEntry.objects.get(action="period.close").after
    assert after is not None
    counted = after["unapproved_entries"]
    assert in_period == counted  # nothing slipped in after the close counted
    assert in_period in (0, len(rows))
    assert (in_period == len(rows)) == (isinstance(imported, list) and len(imported) == len(rows))
