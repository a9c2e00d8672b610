"""The skills endpoints: the taxonomy, a person's levels and confirmation, certifications, and the search; list
endpoints cost the same number of queries whatever they list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.accounts.models import Person
from margin.api.tests.conftest import Api, error_of, unchanged
from margin.resourcing.actions import CertificationInput, certification_add, person_skill_set
from margin.resourcing.models import PersonSkill, Skill, SkillCategory
from tests.firm import Firm

ApiAs = Callable[[User | None], Api]


@pytest.fixture
def taxonomy(firm: Firm, api_as: ApiAs) -> dict[str, int]:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person)
    firm.member_person.refresh_from_db()
    admin = api_as(firm.admin_user)
    tech = admin.post("/skills/categories", {"name": "Technology"})
    assert tech.status_code == 201, tech.content
    ids = {"tech": tech.json()["id"]}
    for name in ("Python", "AWS"):
        response = admin.post("/skills", {"category_id": ids["tech"], "name": name})
        assert response.status_code == 201, response.content
        ids[name.lower()] = response.json()["id"]
    return ids


def test_the_taxonomy_api(firm: Firm, taxonomy: dict[str, int], api_as: ApiAs) -> None:
    admin, member = api_as(firm.admin_user), api_as(firm.member_user)
    assert [c["name"] for c in member.get("/skills/categories").json()] == ["Technology"]
    assert member.get("/skills/categories").json()[0]["skills"] == 2
    assert [(s["name"], s["category"], s["holders"]) for s in member.get("/skills").json()] == [
        ("AWS", "Technology", 0),
        ("Python", "Technology", 0),
    ]
    python = Skill.objects.get(pk=taxonomy["python"])
    with unchanged(python):
        error_of(member.post("/skills", {"category_id": taxonomy["tech"], "name": "Rust"}), 403)
        error_of(admin.post("/skills", {"category_id": taxonomy["tech"], "name": "PYTHON"}), 409)
        error_of(admin.post("/skills/categories", {"name": "technology"}), 409)
        error_of(admin.patch(f"/skills/{python.pk}", {"name": "aws"}), 409)
        error_of(api_as(User.objects.get(username="rival-admin")).get(f"/skills/{python.pk}"), 404)
    person_skill_set(viewer=firm.member, person=firm.member_person, skill=python, level=2)
    body = error_of(admin.delete(f"/skills/{python.pk}"), 409)
    assert "1 person holds Python" in body["detail"]
    error_of(admin.delete(f"/skills/categories/{taxonomy['tech']}"), 409)
    moved = admin.post("/skills/categories", {"name": "Delivery"}).json()
    changed = admin.patch(f"/skills/{taxonomy['aws']}", {"category_id": moved["id"], "description": "Cloud"})
    assert (changed.json()["category"], changed.json()["description"]) == ("Delivery", "Cloud")
    assert admin.patch(f"/skills/categories/{moved['id']}", {"name": "Cloud"}).json()["name"] == "Cloud"
    assert admin.delete(f"/skills/{taxonomy['aws']}").status_code == 204
    assert admin.delete(f"/skills/categories/{moved['id']}").status_code == 204
    assert not SkillCategory.objects.filter(pk=moved["id"]).exists()


def test_a_persons_skills_and_the_confirmation(firm: Firm, taxonomy: dict[str, int], api_as: ApiAs) -> None:
    tom, maya, lea = api_as(firm.member_user), api_as(firm.manager_user), api_as(firm.member2_user)
    path = f"/people/{firm.member_person.pk}/skills"
    python = taxonomy["python"]
    bad = error_of(tom.put(f"{path}/{python}", {"level": 6, "years": 1}), 422)
    assert bad["detail"] == "A skill level is 1 (novice) to 5 (expert)." and bad["field"] == "level"
    error_of(tom.put(f"{path}/{python}", {"level": 3, "years": 71}), 422)
    assert not PersonSkill.objects.exists()
    saved = tom.put(f"{path}/{python}", {"level": 4, "years": 3})
    assert saved.status_code == 200, saved.content
    assert (saved.json()["level"], saved.json()["confirmed"]) == (4, False)
    error_of(tom.post(f"{path}/{python}/confirm"), 403)
    error_of(lea.post(f"{path}/{python}/confirm"), 403)
    error_of(lea.put(f"{path}/{taxonomy['aws']}", {"level": 2}), 403)
    confirmed = maya.post(f"{path}/{python}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["confirmed_by_user_id"] == firm.manager_user.pk
    assert [s["skill"] for s in lea.get(path).json()] == ["Python"]
    error_of(api_as(User.objects.get(username="rival-admin")).get(path), 404)
    error_of(tom.put(f"{path}/999999", {"level": 2}), 404)
    assert tom.delete(f"{path}/{python}").status_code == 204
    error_of(tom.delete(f"{path}/{python}"), 404)


def test_certifications_api(firm: Firm, taxonomy: dict[str, int], api_as: ApiAs) -> None:
    tom = api_as(firm.member_user)
    path = f"/people/{firm.member_person.pk}/certifications"
    today = timezone.localdate()
    body: dict[str, Any] = {
        "name": "AWS Solutions Architect",
        "issuer": "Amazon",
        "obtained_on": (today - timedelta(days=700)).isoformat(),
        "expires_on": (today + timedelta(days=10)).isoformat(),
        "skill_id": taxonomy["aws"],
    }
    created = tom.post(path, body)
    assert created.status_code == 201, created.content
    cert = created.json()
    assert cert["state"] == "lapsing" and cert["reminded_at"] is None
    bad = error_of(tom.post(path, {**body, "expires_on": (today - timedelta(days=800)).isoformat()}), 422)
    assert bad["field"] == "expires_on"
    error_of(api_as(firm.member2_user).post(path, body), 403)
    renewed = tom.put(f"{path}/{cert['id']}", {**body, "expires_on": (today + timedelta(days=900)).isoformat()})
    assert renewed.json()["state"] == "valid"
    assert [c["name"] for c in api_as(firm.manager_user).get(path).json()] == ["AWS Solutions Architect"]
    assert tom.delete(f"{path}/{cert['id']}").status_code == 204


def test_the_search_api(firm: Firm, taxonomy: dict[str, int], api_as: ApiAs) -> None:
    python, aws = Skill.objects.get(pk=taxonomy["python"]), Skill.objects.get(pk=taxonomy["aws"])
    person_skill_set(viewer=firm.manager, person=firm.member_person, skill=python, level=4)
    person_skill_set(viewer=firm.member, person=firm.member_person, skill=aws, level=2)
    person_skill_set(viewer=firm.member2, person=firm.member2_person, skill=python, level=5)
    maya = api_as(firm.manager_user)
    found = maya.get("/skills/search", {"skill": [f"{python.pk}:3"]}).json()
    assert [m["name"] for m in found] == ["Lea", "Tom"]
    assert found[1]["levels"] == [{"skill_id": python.pk, "level": 4, "confirmed": True}]
    both = maya.get("/skills/search", {"skill": [f"{python.pk}:3", f"{aws.pk}:2"]}).json()
    assert [(m["name"], m["above_minimum"], m["role"]) for m in both] == [("Tom", 1, "Consultant")]
    confirmed = maya.get("/skills/search", {"skill": [f"{python.pk}"], "confirmed_only": "true"}).json()
    assert [m["name"] for m in confirmed] == ["Tom"]
    assert maya.get("/skills/search", {"skill": [f"{python.pk}:1"], "role_id": firm.senior.pk}).json() == []
    bad = error_of(maya.get("/skills/search", {"skill": [f"{python.pk}:6"]}), 422)
    assert bad["detail"] == "A skill level is 1 (novice) to 5 (expert)."
    error_of(maya.get("/skills/search", {"skill": ["nonsense"]}), 422)
    error_of(maya.get("/skills/search", {"skill": ["999999:2"]}), 404)
    error_of(api_as(firm.member_user).get("/skills/search", {"skill": [f"{python.pk}:1"]}), 403)


def _queries(api: Api, path: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_list_endpoints_do_not_grow_with_rows(firm: Firm, taxonomy: dict[str, int], api_as: ApiAs) -> None:
    maya = api_as(firm.manager_user)
    admin = api_as(firm.admin_user)
    python = Skill.objects.get(pk=taxonomy["python"])
    person_skill_set(viewer=firm.manager, person=firm.member_person, skill=python, level=3)
    certification_add(
        viewer=firm.member,
        person=firm.member_person,
        data=CertificationInput(name="One", obtained_on=timezone.localdate()),
    )
    paths: list[tuple[str, dict[str, Any] | None]] = [
        ("/skills", None),
        ("/skills/categories", None),
        (f"/people/{firm.member_person.pk}/skills", None),
        (f"/people/{firm.member_person.pk}/certifications", None),
        ("/skills/search", {"skill": [f"{python.pk}:1"]}),
    ]
    before = [_queries(maya, p, q) for p, q in paths]
    for n in range(6):
        category = admin.post("/skills/categories", {"name": f"Category {n}"}).json()
        skill = Skill.objects.get(
            pk=admin.post("/skills", {"category_id": category["id"], "name": f"S{n}"}).json()["id"]
        )
        person_skill_set(viewer=firm.manager, person=firm.member_person, skill=skill, level=2)
        certification_add(
            viewer=firm.member,
            person=firm.member_person,
            data=CertificationInput(name=f"Cert {n}", obtained_on=timezone.localdate(), skill=skill),
        )
    for person in (firm.member2_person, firm.manager_person):
        person_skill_set(viewer=firm.admin, person=person, skill=python, level=4)
    after = [_queries(maya, p, q) for p, q in paths]
    assert after == before
