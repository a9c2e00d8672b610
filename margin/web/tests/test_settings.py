"""Settings → Time policy, People and Client billing increments: who may open them, saving, and refusals
that show as form errors and change nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.accounts.actions import person_create
from margin.accounts.models import Company, Membership, Person
from margin.crm.models import Client as Customer
from tests.checks import audit_row, audit_rows, stored, table_counts
from tests.firm import Firm

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_nav_entries_follow_the_role(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-settings"' in admin and 'data-testid="nav-delegates"' in admin
    manager = sign_in(firm.manager_user).get(reverse("web:home")).content.decode()
    assert 'data-testid="nav-settings"' not in manager
    assert 'data-testid="nav-delegates"' in manager and 'data-testid="nav-client-increments"' in manager
    member = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    for entry in ("nav-settings", "nav-delegates", "nav-client-increments"):
        assert f'data-testid="{entry}"' not in member


def test_only_administrators_open_time_and_people(sign_in: Callable[[User], Client], firm: Firm) -> None:
    for user in (firm.member_user, firm.manager_user, firm.finance_user):
        client = sign_in(user)
        for name in ("web:settings_time", "web:settings_people"):
            refused = client.get(reverse(name))
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


def test_people_start_date_and_logging_for_others(sign_in: Callable[[User], Client], firm: Firm) -> None:
    admin = sign_in(firm.admin_user)
    page = admin.get(reverse("web:settings_people"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tom" in html and "Maya" in html and "Rita" not in html

    url = reverse("web:settings_start_date", args=[firm.member_person.pk])
    saved = admin.post(url, {"start_date": "2026-03-02"})
    assert saved.status_code == 302
    person = Person.objects.get(pk=firm.member_person.pk)
    assert str(person.start_date) == "2026-03-02"
    assert audit_row("person.start_date", person).after == {"start_date": "2026-03-02"}
    row = admin.post(url, {"start_date": ""}, **HTMX)  # htmx: the row comes back
    assert row.status_code == 200 and row.content.decode().lstrip().startswith("<tr")
    assert "has no start date" in row.content.decode()
    assert Person.objects.get(pk=person.pk).start_date is None

    counts, before = table_counts(), stored(person)
    bad = admin.post(url, {"start_date": "2026-13-45"}, **HTMX)
    assert bad.status_code == 422 and "Enter a valid date" in bad.content.decode()
    assert table_counts() == counts and stored(person) == before
    full = admin.post(url, {"start_date": "yesterday"})
    assert full.status_code == 422 and "Enter a valid date" in full.content.decode()
    assert 'data-testid="people"' in full.content.decode() and table_counts() == counts

    toggle = reverse("web:settings_log_for_others", args=[firm.member_person.pk])
    assert admin.post(toggle, {"allowed": "on"}).status_code == 302
    membership = Membership.objects.get(user=firm.member_user)
    assert membership.can_log_for_others
    assert audit_rows("membership.log_for_others", membership)[-1].after == {
        "can_log_for_others": True,
        "person": firm.member_person.pk,
    }
    revoked = admin.post(toggle, {"allowed": ""}, **HTMX)
    assert revoked.status_code == 200 and "may no longer log time for others" in revoked.content.decode()
    assert not Membership.objects.get(user=firm.member_user).can_log_for_others


def test_people_refusals_change_nothing(sign_in: Callable[[User], Client], firm: Firm) -> None:
    contractor = person_create(
        viewer=firm.admin, company=firm.usd, role=firm.consultant, name="Carl Contractor", email="carl@example.test"
    )
    admin = sign_in(firm.admin_user)
    counts = table_counts()
    refused = admin.post(reverse("web:settings_log_for_others", args=[contractor.pk]), {"allowed": "on"}, **HTMX)
    assert refused.status_code == 422 and "does not sign in" in refused.content.decode()
    assert 'data-testid="person-error"' in refused.content.decode() and table_counts() == counts
    page = admin.post(reverse("web:settings_log_for_others", args=[contractor.pk]), {"allowed": "on"})
    assert page.status_code == 422 and "does not sign in" in page.content.decode() and table_counts() == counts

    before = stored(firm.member_person)
    member = sign_in(firm.member_user)
    url = reverse("web:settings_start_date", args=[firm.member_person.pk])
    assert member.post(url, {"start_date": "2026-01-01"}).status_code == 403
    toggle = reverse("web:settings_log_for_others", args=[firm.member_person.pk])
    assert member.post(toggle, {"allowed": "on"}).status_code == 403
    assert table_counts() == counts and stored(firm.member_person) == before
    assert not Membership.objects.get(user=firm.member_user).can_log_for_others
    rival = Person.objects.get(name="Rita")
    other = sign_in(firm.admin_user).post(reverse("web:settings_start_date", args=[rival.pk]), {"start_date": ""})
    assert other.status_code == 404 and table_counts() == counts


def test_client_billing_increments(sign_in: Callable[[User], Client], firm: Firm) -> None:
    assert sign_in(firm.member_user).get(reverse("web:settings_clients")).status_code == 403
    manager = sign_in(firm.manager_user)
    page = manager.get(reverse("web:settings_clients"))
    assert page.status_code == 200 and "Globex" in page.content.decode() and "Initech" not in page.content.decode()
    tabs = page.content.decode()
    assert 'data-testid="settings-tab-time"' not in tabs and 'data-testid="settings-tab-delegates"' in tabs

    url = reverse("web:settings_client", args=[firm.client.pk])
    saved = manager.post(url, {"billing_increment_minutes": "6", "billing_rounding": "nearest"}, **HTMX)
    assert saved.status_code == 200 and "in steps of 6 min" in saved.content.decode()
    client = Customer.objects.get(pk=firm.client.pk)
    assert (client.billing_increment_minutes, client.billing_rounding) == (6, "nearest")
    assert audit_rows("client.update", client)[-1].after["billing_increment_minutes"] == 6

    for data, message in [
        ({"billing_increment_minutes": "61", "billing_rounding": "up"}, "less than or equal to 60"),
        ({"billing_increment_minutes": "x", "billing_rounding": "up"}, "Enter a whole number"),
        ({"billing_increment_minutes": "15", "billing_rounding": "down"}, "Select a valid choice"),
    ]:
        counts, before = table_counts(), stored(client)
        response = manager.post(url, data, **HTMX)
        assert response.status_code == 422 and message in response.content.decode()
        assert table_counts() == counts and stored(client) == before
    full = manager.post(url, {"billing_increment_minutes": "61", "billing_rounding": "up"})
    assert full.status_code == 422 and 'data-testid="clients"' in full.content.decode()
    assert manager.post(url, {"billing_increment_minutes": "0", "billing_rounding": "up"}).status_code == 302
    assert Customer.objects.get(pk=client.pk).billing_increment_minutes == 0
    counts = table_counts()
    assert sign_in(firm.member_user).post(url, {"billing_increment_minutes": "30"}).status_code == 403
    other = Customer.objects.get(name="Initech")
    assert sign_in(firm.admin_user).post(reverse("web:settings_client", args=[other.pk]), {}).status_code == 404
    assert table_counts() == counts
