"""The team follows its project: the projects app's actions make the manager and each member added follow it."""

from __future__ import annotations

from margin.notifications.actions import project_unfollow
from margin.notifications.queries import is_following, project_followers
from margin.projects.actions import project_member_add
from tests.firm import Firm


def test_the_team_follows_its_project_from_the_start(firm: Firm) -> None:
    followers = project_followers(firm.project.organisation_id, firm.project.pk)
    # The manager (made member on creation) and the two members added through the real action.
    assert followers == {firm.manager_user.pk, firm.member_user.pk, firm.member2_user.pk}
    assert firm.admin_user.pk not in followers  # an administrator who is not on the team does not


def test_a_member_who_unfollowed_is_not_made_to_follow_again_by_a_repeated_add(firm: Firm) -> None:
    project_unfollow(viewer=firm.member, project_id=firm.project.pk)
    # Adding someone already on the team changes nothing (no new follow either).
    project_member_add(viewer=firm.manager, project=firm.project, person=firm.member_person)
    assert not is_following(firm.member, firm.project.pk)
