"""The activity feed screens: a project's Activity tab (with follow / unfollow) and "My activity" (the projects I
follow or work on). Sentences come from `margin.collaboration.activity`; names in them are data, escaped by the
template and emphasised by its markup."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from margin.accounts.queries import Viewer
from margin.collaboration.activity import Page, my_activity, project_activity
from margin.core.errors import Invalid
from margin.notifications.actions import project_follow, project_unfollow
from margin.notifications.queries import is_following
from margin.projects.queries import project_get
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page
from margin.web.views.settings import checked_id


def _read(request: HtmxRequest, read: object) -> tuple[Page, str]:
    """The page asked for; a broken "older" link shows the newest page with a message, not an error page."""
    before = str(request.GET.get("before", ""))[:80]
    assert callable(read)
    try:
        return read(before), ""
    except Invalid as error:
        return read(""), error.message


@viewer_view
def project_activity_view(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    feed, problem = _read(request, lambda before: project_activity(viewer, project, before=before))
    context = {
        "project": project,
        "tab": "activity",
        "feed": feed,
        "problem": problem,
        "following": is_following(viewer, project.pk),
    }
    return page(request, viewer, "web/activity/project.html", context, active="projects")


@viewer_view
def my_activity_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    feed, problem = _read(request, lambda before: my_activity(viewer, before=before))
    return page(request, viewer, "web/activity/mine.html", {"feed": feed, "problem": problem}, active="projects")


@require_POST
@viewer_view
def project_follow_view(request: HtmxRequest, viewer: Viewer, project_id: int) -> HttpResponse:
    project = project_get(viewer, checked_id(project_id))
    if request.POST.get("follow") == "1":
        project_follow(viewer=viewer, project_id=project.pk)
        messages.success(request, f"You follow {project.name}: its news reach you as your notification settings say.")
    else:
        project_unfollow(viewer=viewer, project_id=project.pk)
        messages.success(request, f"You no longer follow {project.name}.")
    if request.POST.get("back") == "overview":
        return redirect("web:project", project.pk)
    return redirect("web:project_activity", project.pk)
