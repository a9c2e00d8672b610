"""Following a project: idempotent both ways, audited once (the team following its project from the start is
tested with the projects app, in margin/collaboration/tests/test_activity_follow.py)."""

from __future__ import annotations

from margin.core.models import AuditEntry
from margin.notifications.actions import project_follow, project_followers_add, project_unfollow
from margin.notifications.models import Follow
from margin.notifications.queries import followed_project_ids, is_following
from tests.firm import Firm


def test_follow_and_unfollow_are_idempotent(firm: Firm) -> None:
    pid = firm.project.pk
    assert not is_following(firm.finance, pid)
    first = project_follow(viewer=firm.finance, project_id=pid)
    again = project_follow(viewer=firm.finance, project_id=pid)
    assert first.pk == again.pk and is_following(firm.finance, pid)
    assert pid in followed_project_ids(firm.finance)
    assert AuditEntry.objects.filter(action="project.follow", actor_id=firm.finance_user.pk).count() == 1
    assert project_unfollow(viewer=firm.finance, project_id=pid) is True
    assert project_unfollow(viewer=firm.finance, project_id=pid) is False
    assert not is_following(firm.finance, pid)
    assert AuditEntry.objects.filter(action="project.unfollow", actor_id=firm.finance_user.pk).count() == 1


def test_followers_add_skips_those_already_following(firm: Firm) -> None:
    before = Follow.objects.count()
    project_followers_add(
        organisation_id=firm.project.organisation_id,
        project_id=firm.project.pk,
        user_ids=[firm.manager_user.pk, firm.finance_user.pk, firm.finance_user.pk],
    )
    assert Follow.objects.count() == before + 1
