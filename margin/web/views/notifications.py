"""Notifications in the web app: the bell's menu, the list page, marking read, opening one."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.core.notifications import notifications_mark_read, notifications_of, unread_count
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

PER_PAGE = 50
MENU_ITEMS = 6


@viewer_view
def notification_list(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    rows = notifications_of(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    page_obj = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return page(
        request,
        viewer,
        "web/notifications/list.html",
        {"page_obj": page_obj, "unread_only": bool(request.GET.get("unread"))},
        active="notifications",
    )


@viewer_view
def notification_menu(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """The bell's menu (loaded when it opens): the latest notifications."""
    rows = list(notifications_of(organisation_id=viewer.organisation_id, user_id=viewer.user_id)[:MENU_ITEMS])
    unread = unread_count(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    return render(request, "web/notifications/menu.html", {"rows": rows, "unread": unread})


@viewer_view
def notification_open(request: HtmxRequest, viewer: Viewer, notification_id: int) -> HttpResponse:
    """Mark one notification read and go where it points (only ever inside Margin)."""
    row = (
        notifications_of(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
        .filter(id=notification_id)
        .first()
    )
    if row is None:
        raise NotFound("No such notification.")
    notifications_mark_read(organisation_id=viewer.organisation_id, user_id=viewer.user_id, ids=[row.pk])
    target = row.url if row.url and url_has_allowed_host_and_scheme(row.url, allowed_hosts=None) else ""
    return HttpResponseRedirect(target or reverse("web:notifications"))


@require_POST
@viewer_view
def notifications_read(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    """Mark every notification read."""
    notifications_mark_read(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    return HttpResponseRedirect(reverse("web:notifications"))
