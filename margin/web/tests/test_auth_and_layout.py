"""Sign-in, sign-out, the layout's menu per role, and what anonymous visitors get."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.firm import PASSWORD, Firm


def test_sign_in_page_renders(client: Client, db: None) -> None:
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    assert b"Sign in to your account" in response.content


def test_sign_in_with_the_right_password_goes_home(client: Client, firm: Firm) -> None:
    response = client.post(reverse("web:login"), {"username": "tom", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200


def test_sign_in_with_a_wrong_password_shows_an_error(client: Client, firm: Firm) -> None:
    response = client.post(reverse("web:login"), {"username": "tom", "password": "nope"})
    assert response.status_code == 200
    assert b"alert-danger" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.member_user)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert "_auth_user_id" not in client.session


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    for name in ("web:home", "web:week", "web:approvals", "web:invoices"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login") + "?next=")


def test_anonymous_htmx_requests_get_a_client_redirect(client: Client, db: None) -> None:
    response = client.post(
        reverse("web:week_cell"), {"task": 1, "date": "2026-01-05", "value": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("web:login")


def test_menu_shows_what_the_role_may_open(sign_in: Callable[[User], Client], firm: Firm) -> None:
    # (the links' hrefs: "/approvals/" is also the tail of the expense approvals' "/expenses/approvals/")
    member = sign_in(firm.member_user).get(reverse("web:home")).content.decode()
    assert reverse("web:week") in member
    assert f'href="{reverse("web:approvals")}"' not in member
    assert reverse("web:invoices") not in member
    manager = sign_in(firm.manager_user).get(reverse("web:home")).content.decode()
    assert f'href="{reverse("web:approvals")}"' in manager
    assert reverse("web:invoices") not in manager
    finance = sign_in(firm.finance_user).get(reverse("web:home")).content.decode()
    assert reverse("web:invoices") in finance
    assert f'href="{reverse("web:approvals")}"' not in finance
    admin = sign_in(firm.admin_user).get(reverse("web:home")).content.decode()
    assert reverse("web:invoices") in admin
    assert f'href="{reverse("web:approvals")}"' in admin
    assert "Ada Admin" in admin


def test_a_user_without_an_organisation_is_refused(client: Client, db: None) -> None:
    user = User.objects.create_user(username="loner", password=PASSWORD)
    client.force_login(user)
    assert client.get(reverse("web:home")).status_code == 403


def test_huge_ids_in_urls_are_404_not_500(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    huge = 10**25
    for name in ("web:project", "web:invoice", "web:invoice_print", "web:invoice_run_status"):
        assert client.get(reverse(name, args=[huge])).status_code == 404, name
    assert client.post(reverse("web:invoice_issue", args=[huge]), {"payment_days": 30}).status_code == 404
