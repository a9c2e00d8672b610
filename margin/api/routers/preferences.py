"""Notification preferences of the signed-in user (/me/notification-preferences): for every kind of event, in the
app (on/off), e-mail (off, at once, daily digest), their own Slack and Teams channels (on/off). PUT saves the
kinds given (the others stay); an unknown kind or value is refused whole (422) and nothing changes."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from margin.api.schemas.common import responses
from margin.api.security import viewer_of
from margin.notifications.actions import preferences_save
from margin.notifications.queries import personal_channels, preferences_of
from margin.notifications.rules import EVENT_KINDS, Choice

router = Router(tags=["notification preferences"])

EmailValue = Literal["off", "immediate", "digest"]


class PreferenceIn(Schema):
    kind: str = Field(max_length=64)
    app: bool
    email: EmailValue
    slack: bool
    teams: bool


class PreferenceOut(PreferenceIn):
    label: str
    group: str


class PreferencesIn(Schema):
    preferences: list[PreferenceIn] = Field(max_length=len(EVENT_KINDS) * 2)


class PreferencesOut(Schema):
    preferences: list[PreferenceOut]
    slack_channel: bool = Field(description="Whether you have a Slack channel of your own (/me/channels)")
    teams_channel: bool = Field(description="Whether you have a Teams channel of your own (/me/channels)")


def _out(request: HttpRequest) -> PreferencesOut:
    viewer = viewer_of(request)
    mine = preferences_of(viewer)
    channels = personal_channels(viewer)
    return PreferencesOut(
        preferences=[
            PreferenceOut(
                kind=kind,
                label=k.label,
                group=k.group,
                app=mine[kind].app,
                email=mine[kind].email,  # type: ignore[arg-type]
                slack=mine[kind].slack,
                teams=mine[kind].teams,
            )
            for kind, k in EVENT_KINDS.items()
        ],
        slack_channel="slack" in channels,
        teams_channel="teams" in channels,
    )


@router.get("/me/notification-preferences", response=responses(PreferencesOut), summary="Your notification preferences")
def preferences_get(request: HttpRequest) -> PreferencesOut:
    return _out(request)


@router.put("/me/notification-preferences", response=responses(PreferencesOut), summary="Save notification preferences")
def preferences_put(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    viewer = viewer_of(request)
    preferences_save(
        viewer=viewer,
        choices={p.kind: Choice(app=p.app, email=p.email, slack=p.slack, teams=p.teams) for p in payload.preferences},
    )
    return _out(request)
