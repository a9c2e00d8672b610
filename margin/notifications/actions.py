"""Writes of notifications a person makes for themselves: following and unfollowing a project, and their
preferences (which kinds of event reach them on which channel).

Following takes the project's id: notifications sits below projects, so the caller (a view, an endpoint, the
projects app's team actions) has already checked the viewer may see the project. A project's team follows it
by default: the projects app calls `project_followers_add` when it makes someone manager or member."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Invalid
from margin.notifications.models import Follow, Preference
from margin.notifications.queries import PROJECT, preferences_of
from margin.notifications.rules import EMAIL_MODES, EVENT_KINDS, Choice, default_choice


@transaction.atomic
def project_follow(*, viewer: Viewer, project_id: int) -> Follow:
    """Follow a project the caller checked the viewer may see; following it again changes nothing."""
    follow, created = Follow.objects.get_or_create(
        organisation_id=viewer.organisation_id, user_id=viewer.user_id, object_type=PROJECT, object_id=project_id
    )
    if created:
        audit.record(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="project.follow",
            obj=follow,
            after={"project": project_id, "user": viewer.user_id},
        )
    return follow


@transaction.atomic
def project_unfollow(*, viewer: Viewer, project_id: int) -> bool:
    """Stop following a project; True if the viewer followed it (unfollowing twice changes nothing)."""
    follow = Follow.objects.filter(
        organisation_id=viewer.organisation_id, user_id=viewer.user_id, object_type=PROJECT, object_id=project_id
    ).first()
    if follow is None:
        return False
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action="project.unfollow",
        obj=follow,
        before={"project": project_id, "user": viewer.user_id},
    )
    follow.delete()
    return True


def project_followers_add(*, organisation_id: int, project_id: int, user_ids: Iterable[int]) -> None:
    """Make people follow a project (its new manager or member): one insert, those already following skipped.
    Part of the caller's transaction (the team change), audited by it."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return
    Follow.objects.bulk_create(
        [Follow(organisation_id=organisation_id, user_id=u, object_type=PROJECT, object_id=project_id) for u in wanted],
        ignore_conflicts=True,
    )


def _checked(kind: str, choice: Choice) -> Choice:
    if kind not in EVENT_KINDS:
        raise Invalid(f"Unknown kind of event: {kind}.", field="kind")
    if choice.email not in EMAIL_MODES:
        raise Invalid(
            f"E-mail for {EVENT_KINDS[kind].label.lower()} must be one of {', '.join(EMAIL_MODES)}.", field="email"
        )
    for name in ("app", "slack", "teams"):
        if not isinstance(getattr(choice, name), bool):
            raise Invalid(f"{name} must be true or false.", field=name)
    return choice


@transaction.atomic
def preferences_save(*, viewer: Viewer, choices: Mapping[str, Choice]) -> dict[str, Choice]:
    """Save the viewer's choices for the kinds given (the others stay as they were) in one go.

    Only choices that differ from a kind's defaults are stored, so a person who kept the defaults follows them
    if they change. Any unknown kind or bad value refuses the whole save."""
    checked = {kind: _checked(kind, choice) for kind, choice in choices.items()}
    before = preferences_of(viewer)
    after = before | checked
    Preference.objects.filter(organisation_id=viewer.organisation_id, user_id=viewer.user_id).delete()
    Preference.objects.bulk_create(
        [
            Preference(
                organisation_id=viewer.organisation_id,
                user_id=viewer.user_id,
                kind=kind,
                app=c.app,
                email=c.email,
                slack=c.slack,
                teams=c.teams,
            )
            for kind, c in sorted(after.items())
            if c != default_choice(kind)
        ]
    )
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit.record_many(
            organisation_id=viewer.organisation_id,
            actor_id=viewer.user_id,
            action="notification_preferences.save",
            changes=[
                audit.Change(
                    object_type="auth.user",
                    object_id=viewer.user_id,
                    before={k: _picture(before[k]) for k in sorted(changed)},
                    after={k: _picture(after[k]) for k in sorted(changed)},
                )
            ],
        )
    return after


def _picture(choice: Choice) -> dict[str, object]:
    return {"app": choice.app, "email": choice.email, "slack": choice.slack, "teams": choice.teams}
