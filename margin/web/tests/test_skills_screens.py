"""The skills screens through Django's test client: Settings → Skills (administrators), a person's skills and
certifications (the person, their line manager, an administrator), and Find people. Each write is its action; a
refusal is a form error (its 4xx) that changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from margin.accounts.models import Person
from margin.resourcing.actions import person_skill_set, skill_category_create, skill_create
from margin.resourcing.models import Certification, PersonSkill, Skill, SkillCategory
from tests.checks import table_counts
from tests.firm import Firm

SignIn = Callable[[User], Client]


@pytest.fixture
def taxonomy(firm: Firm) -> dict[str, Skill]:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    firm.member_person.refresh_from_db()
    tech = skill_category_create(viewer=firm.admin, name="Technology")
    return {
        "python": skill_create(viewer=firm.admin, category=tech, name="Python"),
        "aws": skill_create(viewer=firm.admin, category=tech, name="AWS"),
    }


def test_the_taxonomy_screen(firm: Firm, sign_in: SignIn) -> None:
    admin = sign_in(firm.admin_user)
    url = reverse("web:settings_skills")
    assert admin.get(url).status_code == 200
    response = admin.post(url, {"name": "Technology"})
    assert response.status_code == 302
    tech = SkillCategory.objects.get(name="Technology")
    response = admin.post(reverse("web:settings_skill_new"), {"category": tech.pk, "name": "Python"})
    assert response.status_code == 302
    python = Skill.objects.get(name="Python")
    page = admin.get(url).content.decode()
    assert f'data-testid="skill-{python.pk}"' in page and 'data-testid="settings-tab-skills"' in page

    counts = table_counts()
    refused = admin.post(reverse("web:settings_skill_new"), {"category": tech.pk, "name": "python"})
    assert refused.status_code == 409 and "exists already" in refused.content.decode()
    refused = admin.post(url, {"name": ""})
    assert refused.status_code == 422
    person_skill_set(viewer=firm.member, person=firm.member_person, skill=python, level=3)
    counts = table_counts()
    refused = admin.post(reverse("web:settings_skill", args=[python.pk]), {"delete": "1"})
    assert refused.status_code == 409 and "1 person holds Python" in refused.content.decode()
    refused = admin.post(reverse("web:settings_skill_category", args=[tech.pk]), {"delete": "1"})
    assert refused.status_code == 409 and "holds 1 skill" in refused.content.decode()
    assert table_counts() == counts

    renamed = admin.post(
        reverse("web:settings_skill", args=[python.pk]), {"name": "Python 3", "category": tech.pk, "description": ""}
    )
    assert renamed.status_code == 302 and Skill.objects.get(pk=python.pk).name == "Python 3"
    assert sign_in(firm.manager_user).get(url).status_code == 403
    rival = sign_in(User.objects.get(username="rival-admin"))
    assert rival.post(reverse("web:settings_skill", args=[python.pk]), {"delete": "1"}).status_code == 404
    assert rival.get(reverse("web:person_skills", args=[firm.member_person.pk])).status_code == 404


def test_my_skills_self_assessment_and_the_managers_confirmation(
    firm: Firm, taxonomy: dict[str, Skill], sign_in: SignIn
) -> None:
    tom = sign_in(firm.member_user)
    mine = reverse("web:person_skills", args=[firm.member_person.pk])
    assert tom.get(reverse("web:my_skills"))["Location"] == mine
    page = tom.get(mine).content.decode()
    assert "My skills" in page and 'data-testid="level-picker"' in page and "Expert: the reference in the firm" in page

    counts = table_counts()
    bad = tom.post(mine, {"skill": taxonomy["python"].pk, "level": "7", "years": "2"})
    assert bad.status_code == 422 and "A skill level is 1 (novice) to 5 (expert)." in bad.content.decode()
    bad = tom.post(mine, {"skill": taxonomy["python"].pk, "years": "2"})
    assert bad.status_code == 422 and "A skill level is 1 (novice) to 5 (expert)." in bad.content.decode()
    bad = tom.post(mine, {"skill": taxonomy["python"].pk, "level": "3", "years": "71"})
    assert bad.status_code == 422 and "0 to 70" in bad.content.decode()
    assert table_counts() == counts

    assert tom.post(mine, {"skill": taxonomy["python"].pk, "level": "4", "years": "3"}).status_code == 302
    held = PersonSkill.objects.get()
    assert (held.level, held.years, held.confirmed) == (4, 3, False)
    page = tom.get(mine).content.decode()
    assert "Self-assessed" in page and f'data-testid="confirm-{taxonomy["python"].pk}"' not in page
    refused = tom.post(reverse("web:person_skill_confirm", args=[firm.member_person.pk, taxonomy["python"].pk]))
    assert refused.status_code == 403

    maya = sign_in(firm.manager_user)
    page = maya.get(mine).content.decode()
    assert f'data-testid="confirm-{taxonomy["python"].pk}"' in page
    confirm = reverse("web:person_skill_confirm", args=[firm.member_person.pk, taxonomy["python"].pk])
    assert maya.post(confirm).status_code == 302
    held.refresh_from_db()
    assert held.confirmed_by_id == firm.manager_user.pk
    assert "Confirmed" in maya.get(mine).content.decode()
    # Lea is not Tom's manager: she sees his skills (same company) but confirms nothing.
    lea = sign_in(firm.member2_user)
    assert f'data-testid="confirm-{taxonomy["python"].pk}"' not in lea.get(mine).content.decode()
    assert lea.post(mine, {"skill": taxonomy["aws"].pk, "level": "2"}).status_code == 403


def test_certifications_with_expiry_badges(firm: Firm, taxonomy: dict[str, Skill], sign_in: SignIn) -> None:
    today = timezone.localdate()
    tom = sign_in(firm.member_user)
    mine = reverse("web:person_skills", args=[firm.member_person.pk])
    add = reverse("web:certification_new", args=[firm.member_person.pk])
    counts = table_counts()
    bad = tom.post(
        add,
        {"name": "AWS SAA", "obtained_on": today.isoformat(), "expires_on": (today - timedelta(days=3)).isoformat()},
    )
    assert bad.status_code == 422 and "expires on or after the day it was obtained" in bad.content.decode()
    assert table_counts() == counts
    for name, expires in [("Expired one", -5), ("Lapsing one", 12), ("Valid one", 400)]:
        response = tom.post(
            add,
            {
                "name": name,
                "issuer": "Issuer",
                "obtained_on": (today - timedelta(days=800)).isoformat(),
                "expires_on": (today + timedelta(days=expires)).isoformat(),
                "skill": taxonomy["aws"].pk,
            },
        )
        assert response.status_code == 302, response.content.decode()
    page = tom.get(mine).content.decode()
    assert page.count('data-testid="badge-expired"') == 1 and page.count('data-testid="badge-lapsing"') == 1
    assert "Lapses in 12 days" in page

    lapsing = Certification.objects.get(name="Lapsing one")
    Certification.objects.filter(pk=lapsing.pk).update(reminded_at=timezone.now())
    renew = reverse("web:certification_renew", args=[firm.member_person.pk, lapsing.pk])
    assert tom.post(renew, {"expires_on": (today + timedelta(days=1000)).isoformat()}).status_code == 302
    lapsing.refresh_from_db()
    assert lapsing.reminded_at is None and lapsing.expires_on == today + timedelta(days=1000)
    remove = reverse("web:certification_remove", args=[firm.member_person.pk, lapsing.pk])
    assert sign_in(firm.member2_user).post(remove).status_code == 403
    assert sign_in(firm.member_user).post(remove).status_code == 302
    assert not Certification.objects.filter(pk=lapsing.pk).exists()


def test_find_people_by_skills(firm: Firm, taxonomy: dict[str, Skill], sign_in: SignIn) -> None:
    py, aws = taxonomy["python"], taxonomy["aws"]
    person_skill_set(viewer=firm.manager, person=firm.member_person, skill=py, level=4)
    person_skill_set(viewer=firm.member, person=firm.member_person, skill=aws, level=3)
    person_skill_set(viewer=firm.member2, person=firm.member2_person, skill=py, level=5)
    url = reverse("web:skills_find")
    maya = sign_in(firm.manager_user)
    assert maya.get(url).status_code == 200
    page = maya.get(url, {"skill": [py.pk, aws.pk, ""], "level": ["3", "2", "1"]}).content.decode()
    assert f'data-testid="match-{firm.member_person.pk}"' in page
    assert f'data-testid="match-{firm.member2_person.pk}"' not in page  # no AWS
    assert "1 person found" in page and "confirmed" in page and "self-assessed" in page
    page = maya.get(url, {"skill": [py.pk], "level": ["1"], "confirmed": "1"}).content.decode()
    assert f'data-testid="match-{firm.member_person.pk}"' in page
    assert f'data-testid="match-{firm.member2_person.pk}"' not in page
    page = maya.get(url, {"skill": [py.pk], "level": ["5"], "role": firm.senior.pk}).content.decode()
    assert 'data-testid="no-match"' in page
    assert maya.get(url, {"skill": ["999999"], "level": ["9"]}).status_code == 200
    assert sign_in(firm.member_user).get(url).status_code == 403
