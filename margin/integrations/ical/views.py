"""The feed address (public, the token is the credential) and the page where a user gets or resets it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from margin.accounts.models import CalendarFeed
from margin.accounts.queries import Viewer
from margin.integrations.ical.feeds import calendar_feed_of, calendar_feed_reset, feed_document
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page

TOKEN_MAX = 64


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first() if len(token) <= TOKEN_MAX else None
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar feed.")
    answer = HttpResponse(feed_document(feed), content_type="text/calendar; charset=utf-8")
    answer["Content-Disposition"] = 'inline; filename="margin.ics"'
    answer["Cache-Control"] = "private, max-age=300"
    return answer


@require_http_methods(["GET", "POST"])
@viewer_view
def calendar_feed_settings(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    if request.method == "POST":
        calendar_feed_reset(viewer=viewer)
        return HttpResponseRedirect(reverse("integrations:calendar_feed_settings"))
    feed = calendar_feed_of(viewer.user_id)
    url = request.build_absolute_uri(reverse("integrations:calendar_feed", args=[feed.token])) if feed else ""
    context = {"feed_url": url, "has_person": viewer.person_id is not None}
    return page(request, viewer, "integrations/calendar_feed.html", context, active="week")
