"""Skills: the taxonomy (categories, skills), a person's levels (self-assessed, confirmed by their line manager)
and certifications, and the search for people by skills and minimum levels."""

from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from margin.api.schemas.common import Id, responses
from margin.api.schemas.skills import (
    CertificationIn,
    CertificationOut,
    PersonSkillIn,
    PersonSkillOut,
    SkillCategoryIn,
    SkillCategoryOut,
    SkillIn,
    SkillMatchOut,
    SkillOut,
    SkillPatch,
)
from margin.api.security import viewer_of
from margin.resourcing.actions import (
    CertificationInput,
    certification_add,
    certification_remove,
    certification_update,
    person_skill_confirm,
    person_skill_remove,
    person_skill_set,
    skill_category_create,
    skill_category_delete,
    skill_category_rename,
    skill_create,
    skill_delete,
    skill_update,
)
from margin.resourcing.models import Certification, PersonSkill, Skill, SkillCategory
from margin.resourcing.queries import (
    certification_get,
    certification_state,
    certifications_of,
    parse_requirement,
    person_skill_get,
    person_skills,
    skill_categories_visible,
    skill_category_get,
    skill_get,
    skills_person_get,
    skills_search,
    skills_visible,
)

router = Router(tags=["skills"])


def _category(c: SkillCategory, count: int | None = None) -> dict[str, Any]:
    return {"id": c.pk, "name": c.name, "skills": count if count is not None else c.skills.count()}


def _skill(s: Skill, holders: int | None = None) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "description": s.description,
        "category_id": s.category_id,
        "category": s.category.name,
        "holders": holders if holders is not None else s.holders.count(),
    }


def _person_skill(ps: PersonSkill) -> dict[str, Any]:
    return {
        "person_id": ps.person_id,
        "skill_id": ps.skill_id,
        "skill": ps.skill.name,
        "category": ps.skill.category.name,
        "level": ps.level,
        "years": ps.years,
        "confirmed": ps.confirmed_at is not None,
        "confirmed_by_user_id": ps.confirmed_by_id,
        "confirmed_at": ps.confirmed_at,
    }


def _certification(c: Certification) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person_id": c.person_id,
        "name": c.name,
        "issuer": c.issuer,
        "reference": c.reference,
        "obtained_on": c.obtained_on,
        "expires_on": c.expires_on,
        "skill_id": c.skill_id,
        "state": certification_state(c.expires_on, timezone.localdate()),
        "reminded_at": c.reminded_at,
    }


# --- taxonomy -------------------------------------------------------------------------------------------------


@router.get("/skills/categories", response=responses(list[SkillCategoryOut]), summary="List skill categories")
def skill_category_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = skill_categories_visible(viewer_of(request)).annotate(n=Count("skills"))
    return [_category(c, c.n) for c in rows]


@router.post(
    "/skills/categories", response=responses(SkillCategoryOut, 201), summary="Add a skill category (administrators)"
)
def skill_category_add(request: HttpRequest, payload: SkillCategoryIn) -> Status[dict[str, Any]]:
    return Status(201, _category(skill_category_create(viewer=viewer_of(request), name=payload.name), 0))


@router.patch(
    "/skills/categories/{category_id}",
    response=responses(SkillCategoryOut),
    summary="Rename a skill category (administrators)",
)
def skill_category_change(request: HttpRequest, category_id: Id, payload: SkillCategoryIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    category = skill_category_get(viewer, category_id)
    return _category(skill_category_rename(viewer=viewer, category=category, name=payload.name))


@router.delete(
    "/skills/categories/{category_id}",
    response=responses(None, 204),
    summary="Delete an empty skill category (administrators; 409 while it holds skills)",
)
def skill_category_remove(request: HttpRequest, category_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    skill_category_delete(viewer=viewer, category=skill_category_get(viewer, category_id))
    return Status(204, None)


class SkillSearchQuery(Schema):
    skill: list[str] = Field(
        ..., description="Required skills as <skill id>:<minimum level> (level 1–5, default 1); repeat for more"
    )
    role_id: Id | None = None
    company_id: Id | None = None
    confirmed_only: bool = Field(False, description="Count only levels a line manager or administrator confirmed")


@router.get(
    "/skills/search",
    response=responses(list[SkillMatchOut]),
    summary="Find people with every skill at its minimum level (administrators, finance, project managers)",
)
def skill_search(request: HttpRequest, query: Query[SkillSearchQuery]) -> list[dict[str, Any]]:
    viewer = viewer_of(request)
    requirements = [parse_requirement(text) for text in query.skill[:20]]
    found = skills_search(
        viewer,
        requirements,
        role_id=query.role_id,
        company_id=query.company_id,
        confirmed_only=query.confirmed_only,
    )
    return [
        {
            "person_id": m.person.pk,
            "name": m.person.name,
            "role_id": m.person.role_id,
            "role": m.person.role.name,
            "company_id": m.person.company_id,
            "company": m.person.company.name,
            "above_minimum": m.above_minimum,
            "levels": [{"skill_id": lv.skill_id, "level": lv.level, "confirmed": lv.confirmed} for lv in m.levels],
        }
        for m in found
    ]


@router.get("/skills", response=responses(list[SkillOut]), summary="List skills with their category")
def skill_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_skill(s, s.n) for s in skills_visible(viewer_of(request)).annotate(n=Count("holders"))]


@router.post("/skills", response=responses(SkillOut, 201), summary="Add a skill (administrators)")
def skill_add(request: HttpRequest, payload: SkillIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    skill = skill_create(
        viewer=viewer,
        category=skill_category_get(viewer, payload.category_id),
        name=payload.name,
        description=payload.description,
    )
    return Status(201, _skill(skill, 0))


@router.get("/skills/{skill_id}", response=responses(SkillOut), summary="Get a skill")
def skill_detail(request: HttpRequest, skill_id: Id) -> dict[str, Any]:
    return _skill(skill_get(viewer_of(request), skill_id))


@router.patch("/skills/{skill_id}", response=responses(SkillOut), summary="Rename or move a skill (administrators)")
def skill_change(request: HttpRequest, skill_id: Id, payload: SkillPatch) -> dict[str, Any]:
    viewer = viewer_of(request)
    skill = skill_get(viewer, skill_id)
    saved = skill_update(
        viewer=viewer,
        skill=skill,
        name=payload.name,
        category=skill_category_get(viewer, payload.category_id) if payload.category_id is not None else None,
        description=payload.description,
    )
    return _skill(saved)


@router.delete(
    "/skills/{skill_id}",
    response=responses(None, 204),
    summary="Delete a skill nobody holds (administrators; 409 with the number of holders)",
)
def skill_remove(request: HttpRequest, skill_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    skill_delete(viewer=viewer, skill=skill_get(viewer, skill_id))
    return Status(204, None)


# --- a person's skills ----------------------------------------------------------------------------------------


@router.get("/people/{person_id}/skills", response=responses(list[PersonSkillOut]), summary="A person's skills")
def person_skill_list(request: HttpRequest, person_id: Id) -> list[dict[str, Any]]:
    person = skills_person_get(viewer_of(request), person_id)
    return [_person_skill(ps) for ps in person_skills(person)]


@router.put(
    "/people/{person_id}/skills/{skill_id}",
    response=responses(PersonSkillOut),
    summary="Set a person's level in a skill (themselves: self-assessed; their line manager or an admin: confirmed)",
)
def person_skill_put(request: HttpRequest, person_id: Id, skill_id: Id, payload: PersonSkillIn) -> dict[str, Any]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    saved = person_skill_set(
        viewer=viewer, person=person, skill=skill_get(viewer, skill_id), level=payload.level, years=payload.years
    )
    return _person_skill(person_skill_get(viewer, person, saved.skill_id))


@router.post(
    "/people/{person_id}/skills/{skill_id}/confirm",
    response=responses(PersonSkillOut),
    summary="Confirm a person's level (their line manager or an administrator, not themselves)",
)
def person_skill_confirm_view(request: HttpRequest, person_id: Id, skill_id: Id) -> dict[str, Any]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    person_skill_confirm(viewer=viewer, person_skill=person_skill_get(viewer, person, skill_id))
    return _person_skill(person_skill_get(viewer, person, skill_id))


@router.delete(
    "/people/{person_id}/skills/{skill_id}", response=responses(None, 204), summary="Remove a skill from a person"
)
def person_skill_delete(request: HttpRequest, person_id: Id, skill_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    person_skill_remove(viewer=viewer, person_skill=person_skill_get(viewer, person, skill_id))
    return Status(204, None)


# --- certifications -------------------------------------------------------------------------------------------


def _input(request: HttpRequest, payload: CertificationIn) -> CertificationInput:
    viewer = viewer_of(request)
    return CertificationInput(
        name=payload.name,
        issuer=payload.issuer,
        reference=payload.reference,
        obtained_on=payload.obtained_on,
        expires_on=payload.expires_on,
        skill=skill_get(viewer, payload.skill_id) if payload.skill_id is not None else None,
    )


@router.get(
    "/people/{person_id}/certifications",
    response=responses(list[CertificationOut]),
    summary="A person's certifications (lapsing first)",
)
def certification_list(request: HttpRequest, person_id: Id) -> list[dict[str, Any]]:
    person = skills_person_get(viewer_of(request), person_id)
    return [_certification(c) for c in certifications_of(person)]


@router.post(
    "/people/{person_id}/certifications",
    response=responses(CertificationOut, 201),
    summary="Add a certification (the person, their line manager or an administrator)",
)
def certification_post(request: HttpRequest, person_id: Id, payload: CertificationIn) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    return Status(201, _certification(certification_add(viewer=viewer, person=person, data=_input(request, payload))))


@router.put(
    "/people/{person_id}/certifications/{certification_id}",
    response=responses(CertificationOut),
    summary="Change or renew a certification (a new expiry is reminded again)",
)
def certification_put(
    request: HttpRequest, person_id: Id, certification_id: Id, payload: CertificationIn
) -> dict[str, Any]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    cert = certification_get(viewer, person, certification_id)
    return _certification(certification_update(viewer=viewer, certification=cert, data=_input(request, payload)))


@router.delete(
    "/people/{person_id}/certifications/{certification_id}",
    response=responses(None, 204),
    summary="Remove a certification",
)
def certification_delete(request: HttpRequest, person_id: Id, certification_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    person = skills_person_get(viewer, person_id)
    certification_remove(viewer=viewer, certification=certification_get(viewer, person, certification_id))
    return Status(204, None)
