"""Notification settings (user menu): one matrix, a row per kind of event (grouped), a column per channel, saved
in one POST. Slack and Teams reach a person's own channel: without one, a note links to where it is set up."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from margin.accounts.queries import Viewer
from margin.core.errors import DomainError
from margin.notifications.actions import preferences_save
from margin.notifications.models import EmailMode
from margin.notifications.queries import personal_channels, preferences_of
from margin.notifications.rules import EVENT_KINDS, Choice
from margin.web.access import HtmxRequest, viewer_view
from margin.web.pages import page


def _rows(choices: dict[str, Choice]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind, k in EVENT_KINDS.items():
        groups[k.group].append({"kind": kind, "label": k.label, "choice": choices[kind]})
    return list(groups.items())


def _posted(request: HtmxRequest) -> dict[str, Choice]:
    data = request.POST
    return {
        kind: Choice(
            app=data.get(f"app-{kind}") == "on",
            email=str(data.get(f"email-{kind}", EmailMode.OFF))[:16],
            slack=data.get(f"slack-{kind}") == "on",
            teams=data.get(f"teams-{kind}") == "on",
        )
        for kind in EVENT_KINDS
    }


@viewer_view
def notification_settings_view(request: HtmxRequest, viewer: Viewer) -> HttpResponse:
    choices = preferences_of(viewer)
    problem = ""
    status = 200
    if request.method == "POST":
        posted = _posted(request)
        try:
            preferences_save(viewer=viewer, choices=posted)
        except DomainError as error:
            problem, status, choices = error.message, error.status, posted
        else:
            messages.success(request, "Notification settings saved.")
            return redirect("web:notification_settings")
    channels = personal_channels(viewer)
    context = {
        "groups": _rows(choices),
        "email_modes": EmailMode.choices,
        "problem": problem,
        "has_slack": "slack" in channels,
        "has_teams": "teams" in channels,
    }
    response = page(request, viewer, "web/preferences/settings.html", context)
    response.status_code = status
    return response
