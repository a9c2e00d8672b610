"""Two closes of one company at once (PostgreSQL, real threads): they queue on the company's row, so exactly
one closes the period, the other is refused whole, and the lock date and the history agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from margin.accounts.models import Company
from margin.closing.actions import period_close
from margin.closing.models import PeriodLock
from margin.core.errors import Conflict
from margin.core.models import AuditEntry
from tests.firm import Firm
from tests.test_concurrency import race

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]

THROUGH = timezone.localdate() - timedelta(days=10)


@pytest.mark.parametrize("attempt", range(3))
def test_two_closes_of_one_date_at_once(firm: Firm, attempt: int) -> None:
    results = race(
        lambda: period_close(viewer=firm.finance, company=firm.usd, through=THROUGH, note="Finn"),
        lambda: period_close(viewer=firm.admin, company=firm.usd, through=THROUGH, note="Ada"),
    )
    closed = [r for r in results if isinstance(r, PeriodLock)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(closed) == 1 and len(refused) == 1, results
    assert "closed already" in refused[0].message
    assert Company.objects.get(pk=firm.usd.pk).locked_through == THROUGH
    assert PeriodLock.objects.filter(company=firm.usd).count() == 1
    assert AuditEntry.objects.filter(action="period.close").count() == 1


def test_two_closes_of_different_dates_at_once_leave_the_later_date(firm: Firm) -> None:
    """Whichever commits first, the lock date ends at the later of the two (or the earlier is refused)."""
    earlier = THROUGH - timedelta(days=5)
    results = race(
        lambda: period_close(viewer=firm.finance, company=firm.usd, through=THROUGH),
        lambda: period_close(viewer=firm.admin, company=firm.usd, through=earlier),
    )
    assert all(isinstance(r, PeriodLock | Conflict) for r in results), results
    assert isinstance(results[0], PeriodLock)
    assert Company.objects.get(pk=firm.usd.pk).locked_through == THROUGH
    standing = PeriodLock.objects.filter(company=firm.usd, reopened_at__isnull=True)
    assert max(lock.through for lock in standing) == THROUGH
    assert standing.count() == AuditEntry.objects.filter(action="period.close").count()
