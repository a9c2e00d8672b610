"""Settings → Time policy and the Settings menu: who may open them, saving, and refusals that show as form
errors and change nothing. People, clients, companies and roles: test_settings_firm.py."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts.models import Company
from tests.checks import audit_row, stored, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_nav_entries_follow_the_role(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
    for entry in ("nav-settings", "nav-delegates", "nav-organisation", "nav-roles", "nav-people", "nav-clients"):
        assert f'data-testid="{entry}"' in admin
    manager = sign_in(firm.manager_user).get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-settings"' not in manager and 'data-testid="nav-people"' not in manager
    assert 'data-testid="nav-delegates"' in manager and 'data-testid="nav-clients"' in manager
    finance = sign_in(firm.finance_user).get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-people"' in finance and 'data-testid="nav-organisation"' not in finance
    member = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    for entry in ("nav-settings", "nav-delegates", "nav-clients", "nav-people", "nav-organisation"):
        assert f'data-testid="{entry}"' not in member


def test_only_administrators_open_the_time_policy(sign_in: Callable[[User], Client], firm: Firm) -> None:
    for user in (firm.member_user, firm.manager_user, firm.finance_user):
        refused = sign_in(user).get(reverse("web:settings_time"))
        assert refused.status_code == 403
        assert "Only administrators change the time policy" in refused.content.decode()
    page = sign_in(firm.admin_user).get(reverse("web:settings_time"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme US" in html and "Acme EU" in html and "Rival" not in html
    assert 'data-testid="settings-tab-people"' in html and 'data-testid="settings-tab-delegates"' in html
    assert "24:00 h" in html and "(installation default)" in html  # the values in force


def test_save_the_time_policy(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    url = reverse("web:settings_time_policy", args=[firm.usd.pk])
    saved = admin.post(url, {"max_day": "7:30", "max_future_days": "10", "submit_period": "month"})
    assert saved.status_code == 302 and saved["Location"] == reverse("web:settings_time")
    company = Company.objects.get(pk=firm.usd.pk)
    assert (company.max_day_minutes, company.max_future_days, company.submit_period) == (450, 10, "month")
    row = audit_row("company.time_policy", company)
    assert row.after == {"max_day_minutes": 450, "max_future_days": 10, "submit_period": "month"}
    html = admin.get(reverse("web:settings_time")).content.decode()
    assert "7:30 h" in html and "10 days" in html and 'value="7:30"' in html

    cleared = admin.post(url, {"max_day": "8", "max_future_days": "", "submit_period": "week"})
    assert cleared.status_code == 302
    company.refresh_from_db()
    assert (company.max_day_minutes, company.max_future_days, company.submit_period) == (480, None, "week")


def test_a_refused_policy_is_a_form_error_and_changes_nothing(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    url = reverse("web:settings_time_policy", args=[firm.usd.pk])
    bad = [
        ({"max_day": "lots", "max_future_days": "", "submit_period": "week"}, "is not a duration"),
        ({"max_day": "25:00", "max_future_days": "", "submit_period": "week"}, "between 0:01 and 24:00"),  # action
        ({"max_day": "0", "max_future_days": "", "submit_period": "week"}, "between 0:01 and 24:00"),
        ({"max_day": "8:00", "max_future_days": "400", "submit_period": "week"}, "less than or equal to 366"),
        ({"max_day": "8:00", "max_future_days": "-1", "submit_period": "week"}, "greater than or equal to 0"),
        ({"max_day": "8:00", "max_future_days": "", "submit_period": "year"}, "Select a valid choice"),
        ({"max_day": "8:00\x00", "max_future_days": "", "submit_period": "week"}, "Null characters"),
    ]
    for data, message in bad:
        counts, before = table_counts(), stored(firm.usd)
        response = admin.post(url, data)
        assert response.status_code == 422, data
        html = response.content.decode()
        assert message in html, (data, html[:200])
        assert "is-invalid" in html
        assert table_counts() == counts and stored(firm.usd) == before
    assert admin.post(reverse("web:settings_time_policy", args=[999999]), bad[0][0]).status_code == 404
    assert admin.post(reverse("web:settings_time_policy", args=[2**70]), bad[0][0]).status_code == 404
    counts = table_counts()
    refused = sign_in(firm.manager_user).post(url, {"max_day": "4:00", "max_future_days": "", "submit_period": "week"})
    assert refused.status_code == 403 and table_counts() == counts
    assert Company.objects.get(pk=firm.usd.pk).max_day_minutes == 24 * 60
