"""Settings → Calendars: the list, creating, the weekly-hours form, exceptions, the month grid, access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from margin.projects import actions
from margin.projects.models import CalendarException, WorkCalendar
from margin.web.views.calendars import months_of
from tests.checks import table_counts
from tests.firm import Firm


def default_of(firm: Firm) -> WorkCalendar:
    return actions.default_calendar_ensure(firm.project)


def week_post(**changes: str) -> dict[str, str]:
    data = {"name": "Standard", "country": "", "subdivision": "", "parent": ""}
    data |= {f"day_{d}": "09:00-13:00, 14:00-18:00" for d in range(5)} | {"day_5": "", "day_6": ""}
    return data | changes


def ex(**fields: str) -> dict[str, str]:
    return {f"exception-{k}": v for k, v in fields.items()}


def test_nav_link_and_list_for_admins(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default_of(firm)
    page = sign_in(firm.admin_user).get(reverse("web:calendars"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="nav-calendars"' in html and "Standard" in html and "New calendar" in html
    assert "40 h" in html
    member = sign_in(firm.member_user).get(reverse("web:calendars")).content.decode()
    assert 'data-testid="nav-calendars"' not in member and "New calendar" not in member


def test_create_a_company_calendar(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default = default_of(firm)
    client = sign_in(firm.admin_user)
    response = client.post(reverse("web:calendar_new"), {"name": "Berlin", "owner": f"company:{firm.eur.pk}"})
    cal = WorkCalendar.objects.get(name="Berlin")
    assert response.status_code == 302 and response["Location"] == reverse("web:calendar", args=[cal.pk])
    assert cal.company == firm.eur and cal.parent == default
    again = client.post(reverse("web:calendar_new"), {"name": "Berlin", "owner": f"company:{firm.usd.pk}"})
    assert again.status_code == 422 and "exists already" in again.content.decode()
    forbidden = sign_in(firm.manager_user).post(
        reverse("web:calendar_new"), {"name": "X", "owner": f"company:{firm.usd.pk}"}
    )
    assert forbidden.status_code == 403 and not WorkCalendar.objects.filter(name="X").exists()


def test_detail_shows_week_exceptions_and_month_grid(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default = default_of(firm)
    CalendarException.objects.create(calendar=default, date=date(2026, 12, 24), intervals=[], name="Christmas Eve")
    actions.calendar_update(viewer=firm.admin, calendar=default, country="US")
    html = sign_in(firm.member_user).get(reverse("web:calendar", args=[default.pk])).content.decode()
    assert "Weekly hours" in html and "Christmas Eve" in html and 'data-testid="month-grid"' in html
    assert 'data-testid="week-save"' not in html  # members look, admins edit
    months = months_of(default, date(2026, 12, 1), today=date(2026, 12, 1))
    assert [m.title for m in months] == ["December 2026", "January 2027", "February 2027"]
    cells = {c.day: c for m in months for w in m.weeks for c in w if c is not None}
    assert len(cells) == 31 + 31 + 28
    assert cells[date(2026, 12, 24)].kind == "exception" and "Christmas Eve" in cells[date(2026, 12, 24)].title
    assert cells[date(2026, 12, 25)].kind == "holiday" and "Christmas" in cells[date(2026, 12, 25)].title
    assert cells[date(2026, 12, 26)].kind == "weekend" and cells[date(2026, 12, 28)].kind == "working"
    assert "cal-today" in cells[date(2026, 12, 1)].css
    assert months[0].weeks[0][0] is None  # 1 December 2026 is a Tuesday
    assert sign_in(firm.admin_user).get(reverse("web:calendar", args=[999999])).status_code == 404


def test_save_the_week_and_show_errors_on_the_day(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default = default_of(firm)
    client = sign_in(firm.admin_user)
    url = reverse("web:calendar", args=[default.pk])
    saved = client.post(url, week_post(day_4="09:00-13:00", country="DE", subdivision="BY"), follow=True)
    assert saved.status_code == 200 and "Calendar saved." in saved.content.decode()
    default.refresh_from_db()
    assert default.week["4"] == [[540, 780]] and (default.country, default.subdivision) == ("DE", "BY")
    before = table_counts()
    bad = client.post(url, week_post(day_2="14:00-12:00"))
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'data-testid="day-error"' in html and "Wednesday" in html and "end after it starts" in html
    empty = client.post(url, week_post(**{f"day_{d}": "" for d in range(7)}))
    assert empty.status_code == 422 and "no working time" in empty.content.decode()
    assert table_counts() == before
    assert sign_in(firm.member_user).post(url, week_post(name="Mine")).status_code == 403


def test_add_and_remove_an_exception(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default = default_of(firm)
    client = sign_in(firm.admin_user)
    add = reverse("web:calendar_exception_add", args=[default.pk])
    response = client.post(add, ex(first="2026-12-28", last="2026-12-30", intervals="", name="Shutdown"))
    assert response.status_code == 302
    assert CalendarException.objects.filter(calendar=default, name="Shutdown").count() == 3
    clash = client.post(add, ex(first="2026-12-30", name="Again"))
    assert clash.status_code == 422 and "already" in clash.content.decode()
    bad = client.post(add, ex(first="2026-11-02", intervals="9-5"))
    assert bad.status_code == 422 and "not a time" in bad.content.decode()
    exception = CalendarException.objects.filter(calendar=default).first()
    assert exception is not None
    url = reverse("web:calendar_exception_delete", args=[default.pk, exception.pk])
    assert sign_in(firm.member_user).post(url).status_code == 403
    assert sign_in(firm.admin_user).post(url).status_code == 302
    assert not CalendarException.objects.filter(pk=exception.pk).exists()


def test_delete_in_use_shows_why(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default = default_of(firm)
    page = sign_in(firm.admin_user).post(reverse("web:calendar_delete", args=[default.pk]), follow=True)
    assert "is in use" in page.content.decode() and WorkCalendar.objects.filter(pk=default.pk).exists()


def test_subdivisions_follow_the_country(sign_in: Callable[[User], Client], firm: Firm) -> None:
    html = sign_in(firm.admin_user).get(reverse("web:calendar_subdivisions"), {"country": "DE"}).content.decode()
    assert 'id="subdivision-field"' in html and 'value="BY"' in html and 'value="HB"' in html


def test_a_derived_calendar_inherits_the_days_ticked(sign_in: Callable[[User], Client], firm: Firm) -> None:
    default_of(firm)
    us = actions.calendar_create(viewer=firm.admin, name="US", company=firm.usd).calendar
    client = sign_in(firm.admin_user)
    url = reverse("web:calendar", args=[us.pk])
    html = client.get(url).content.decode()
    assert html.count('name="inherit_') == 7 and html.count("checked") >= 7
    data = week_post(name="US", parent=str(us.parent_id), day_4="09:00-12:00")
    data |= {f"inherit_{d}": "on" for d in (0, 1, 2, 3, 5, 6)}
    assert client.post(url, data).status_code == 302
    us.refresh_from_db()
    assert us.week == {"4": [[540, 720]]} and us.parent_id is not None
