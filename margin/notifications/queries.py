"""Reads of notifications: who follows what, each person's preferences (their choices over the kinds' defaults),
the digest items waiting, and whether a person has a Slack or Teams channel of their own.

These take ids, not domain objects: notifications sits below the apps whose objects it names, so the callers
(which checked the viewer may see the project) pass the project's id."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from margin.accounts.queries import Viewer
from margin.notifications.models import DigestItem, Endpoint, EndpointFormat, Follow, Preference
from margin.notifications.rules import EVENT_KINDS, Choice, choice_of

PROJECT = "projects.project"


def is_following(viewer: Viewer, project_id: int) -> bool:
    return Follow.objects.filter(
        organisation_id=viewer.organisation_id, user_id=viewer.user_id, object_type=PROJECT, object_id=project_id
    ).exists()


def follows_of(viewer: Viewer) -> QuerySet[Follow]:
    """What the viewer follows, newest first (the caller keeps the projects they may still see)."""
    return Follow.objects.filter(organisation_id=viewer.organisation_id, user_id=viewer.user_id).order_by(
        "-created_at", "-id"
    )


def followed_project_ids(viewer: Viewer) -> set[int]:
    return set(follows_of(viewer).filter(object_type=PROJECT).values_list("object_id", flat=True))


def project_followers(organisation_id: int, project_id: int) -> set[int]:
    """The user ids following a project. Callers publishing an event keep only those who may still see it."""
    return set(
        Follow.objects.filter(organisation_id=organisation_id, object_type=PROJECT, object_id=project_id).values_list(
            "user_id", flat=True
        )
    )


def preferences_of(viewer: Viewer) -> dict[str, Choice]:
    """The viewer's choice for every kind of event: their stored row, else the kind's defaults."""
    rows = {
        p.kind: p for p in Preference.objects.filter(organisation_id=viewer.organisation_id, user_id=viewer.user_id)
    }
    return {kind: _choice(kind, rows.get(kind)) for kind in EVENT_KINDS}


CROWD = 500  # recipients above which preferences_for reads the kind's rows without an id list


def preferences_for(organisation_id: int, kind: str, user_ids: Iterable[int]) -> dict[int, Choice]:
    """Each user's choice for one kind, in one query (the fan-out of an event).

    Only choices that differ from the kind's defaults are stored, so for a crowd the organisation's rows of the
    kind are read whole and matched here: cheaper than sending thousands of ids as parameters."""
    ids = list(user_ids)
    rows = Preference.objects.filter(organisation_id=organisation_id, kind=kind)
    if len(ids) <= CROWD:
        rows = rows.filter(user_id__in=ids)
    wanted = set(ids)
    stored = {
        user_id: Choice(app, email, slack, teams)
        for user_id, app, email, slack, teams in rows.values_list("user_id", "app", "email", "slack", "teams")
        if user_id in wanted
    }
    default = choice_of(kind, None)
    return {u: stored.get(u, default) for u in ids}


def _choice(kind: str, row: Preference | None) -> Choice:
    return choice_of(kind, None if row is None else Choice(row.app, row.email, row.slack, row.teams))


def personal_channels(viewer: Viewer) -> set[str]:
    """The formats ("slack", "teams") of the viewer's own active channels."""
    return set(
        Endpoint.objects.filter(
            organisation_id=viewer.organisation_id,
            owner_id=viewer.user_id,
            active=True,
            format__in=[EndpointFormat.SLACK, EndpointFormat.TEAMS],
        ).values_list("format", flat=True)
    )


def digest_waiting(organisation_id: int | None = None) -> QuerySet[DigestItem]:
    """Digest items not sent yet, oldest first, with their events."""
    items = DigestItem.objects.filter(sent_at__isnull=True)
    if organisation_id is not None:
        items = items.filter(organisation_id=organisation_id)
    return items.select_related("event").order_by("user_id", "event__project_id", "event__created_at", "id")
