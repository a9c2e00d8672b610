"""Finance → Period close: who may open it, close, reopen with a reason, the changes since a close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.accounts.queries import company_locked_through as locked_through
from margin.closing.models import PeriodLock
from margin.core.periods import week_start
from margin.timesheets.actions import approval_delegate_add, time_entry_create, time_entry_update
from margin.web.access import can_approve
from tests.checks import table_counts
from tests.firm import Firm

MONDAY = week_start(timezone.localdate()) - timedelta(days=7)


def test_only_finance_opens_period_close(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:periods")).status_code == 403
    assert sign_in(firm.manager_user).get(reverse("web:periods")).status_code == 403
    assert sign_in(firm.manager_user).post(reverse("web:period_close"), {}).status_code == 403
    page = sign_in(firm.finance_user).get(reverse("web:periods"))
    assert page.status_code == 200
    assert "Acme US" in page.content.decode() and 'data-testid="nav-periods"' in page.content.decode()


def test_close_reopen_and_see_the_changes(sign_in: Callable[[User], Client], firm: Firm) -> None:
    entry = time_entry_create(viewer=firm.member, project=firm.project, task=firm.build, work_date=MONDAY, minutes=60)
    finn = sign_in(firm.finance_user)
    page = finn.get(reverse("web:periods"))
    assert page.context["rows"][0]["company"].name in ("Acme EU", "Acme US")

    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    counts = table_counts()
    refused = finn.post(reverse("web:period_close"), {"company": firm.usd.pk, "through": future})
    assert refused.status_code == 422 and "future" in refused.content.decode()
    assert table_counts() == counts

    # The draft blocks the close: the page says so, in the checklist of that company and date too.
    close = {"company": firm.usd.pk, "through": MONDAY.isoformat()}
    blocked = finn.post(reverse("web:period_close"), close)
    html = blocked.content.decode()
    assert blocked.status_code == 422 and "The close is blocked (Time not yet approved: 1)" in html
    assert 'data-testid="checklist-blocked"' in html
    assert table_counts() == counts
    partial = finn.get(reverse("web:period_checklist"), close, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="checklist-unapproved_time"' in partial and "<html" not in partial
    assert "blocks" in partial and 'href="/approvals/"' in partial
    closed = finn.post(reverse("web:period_close"), close | {"override_reason": "Tom approves it next week"})
    assert closed.status_code == 302
    assert locked_through(firm.usd.pk) == MONDAY
    lock = PeriodLock.objects.get()

    counts = table_counts()
    assert finn.post(reverse("web:period_reopen", args=[lock.pk]), {"reason": ""}).status_code == 302
    assert table_counts() == counts and locked_through(firm.usd.pk) == MONDAY  # no reason: nothing reopened

    reopened = finn.post(reverse("web:period_reopen", args=[lock.pk]), {"reason": "Late fix"})
    assert reopened.status_code == 302 and reopened["Location"].endswith(f"?lock={lock.pk}")
    assert locked_through(firm.usd.pk) is None
    time_entry_update(viewer=firm.member, entry=entry, minutes=90)

    page = finn.get(reverse("web:periods"), {"lock": lock.pk})
    html = page.content.decode()
    assert 'data-testid="period-changes"' in html and "Late fix" in html
    (change,) = page.context["changes"]
    assert (change["what"], change["minutes"], change["row"].object_id) == ("update", "1:30", entry.pk)
    assert "minutes 60 → 90" in change["detail"]
    assert finn.get(reverse("web:periods"), {"lock": 999999}).status_code == 404


def test_a_delegate_may_open_the_approvals_inbox(firm: Firm) -> None:
    assert not can_approve(firm.member2)
    approval_delegate_add(viewer=firm.manager, delegate=firm.member2_person, project=firm.project)
    assert can_approve(firm.member2)
