"""The activity screens: a project's Activity tab (sentences, names escaped, follow / unfollow), My activity, and
the notification settings matrix (saved in one POST, bad input a form error)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client

from margin.notifications.models import Preference
from margin.notifications.queries import is_following, preferences_of
from margin.projects import actions
from margin.projects.actions import project_create
from tests.firm import Firm


def test_the_activity_tab_shows_sentences_with_names_escaped(firm: Firm, sign_in: Callable[[User], Client]) -> None:
    actions.task_create(viewer=firm.manager, project=firm.project, name="<script>alert(1)</script>")
    answer = sign_in(firm.member_user).get(f"/projects/{firm.project.pk}/activity/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<strong>Maya</strong> added task <em>&lt;script&gt;alert(1)&lt;/script&gt;</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'data-testid="tab-activity"' in html and 'data-testid="unfollow"' in html


def test_follow_and_unfollow_from_the_tab(firm: Firm, sign_in: Callable[[User], Client]) -> None:
    client = sign_in(firm.member_user)
    url = f"/projects/{firm.project.pk}/follow/"
    assert client.post(url, {"follow": "0"}).status_code == 302
    assert not is_following(firm.member, firm.project.pk)
    assert 'data-testid="follow"' in client.get(f"/projects/{firm.project.pk}/activity/").content.decode()
    answer = client.post(url, {"follow": "1", "back": "overview"})
    assert answer.status_code == 302 and answer["Location"] == f"/projects/{firm.project.pk}/"
    assert is_following(firm.member, firm.project.pk)
    assert 'data-testid="unfollow"' in client.get(f"/projects/{firm.project.pk}/").content.decode()


def test_another_organisations_or_a_hidden_project_answers_404(firm: Firm, sign_in: Callable[[User], Client]) -> None:
    hidden = project_create(
        viewer=firm.admin,
        company=firm.usd,
        client=firm.client,
        manager=firm.manager_person,
        code="GLX-8",
        name="Hidden",
    )
    client = sign_in(firm.member_user)
    for project_id in (firm.other_project.pk, hidden.pk):
        assert client.get(f"/projects/{project_id}/activity/").status_code == 404
        assert client.post(f"/projects/{project_id}/follow/", {"follow": "1"}).status_code == 404
    assert not is_following(firm.member, hidden.pk)


def test_my_activity_lists_my_projects_and_a_bad_older_link_is_a_message(
    firm: Firm, sign_in: Callable[[User], Client]
) -> None:
    client = sign_in(firm.member_user)
    html = client.get("/activity/").content.decode()
    assert "Globex portal" in html and 'data-testid="activity-item"' in html
    broken = client.get("/activity/?before=nonsense")
    assert broken.status_code == 200 and "not valid" in broken.content.decode()


def test_settings_matrix_saves_in_one_post(firm: Firm, sign_in: Callable[[User], Client]) -> None:
    client = sign_in(firm.member_user)
    html = client.get("/me/notification-settings/").content.decode()
    assert 'data-testid="channel-note"' in html and "/me/channels/" in html
    form = {f"email-{k}": c.email for k, c in preferences_of(firm.member).items()}
    form |= {f"app-{k}": "on" for k, c in preferences_of(firm.member).items() if c.app}
    form["email-risk.raised"] = "immediate"
    form["slack-risk.raised"] = "on"
    assert client.post("/me/notification-settings/", form).status_code == 302
    mine = preferences_of(firm.member)["risk.raised"]
    assert (mine.email, mine.slack, mine.app) == ("immediate", True, True)
    assert Preference.objects.filter(user=firm.member_user).count() == 1
    form["email-risk.raised"] = "hourly"
    refused = client.post("/me/notification-settings/", form)
    assert refused.status_code == 422 and "must be one of" in refused.content.decode()
    assert preferences_of(firm.member)["risk.raised"].email == "immediate"
