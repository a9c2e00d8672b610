"""Shapes of skills: the taxonomy, a person's levels and certifications, and the search for people by skills.

Component names start with ``Skill``/``PersonSkill``/``Certification`` (unique across the API). A level is sent as
a plain integer: the action answers a level outside 1–5 with its own message ("A skill level is 1 (novice) to 5
(expert).")."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from margin.api.schemas.common import Id, Name, ShortText, Title

LEVEL_HELP = "1 novice, 2 beginner, 3 competent, 4 proficient, 5 expert"


class SkillCategoryIn(Schema):
    name: ShortText = Field(description="Unique in the organisation (whatever the case)")


class SkillCategoryOut(Schema):
    id: int
    name: str
    skills: int = Field(description="Skills in the category")


class SkillIn(Schema):
    category_id: Id
    name: ShortText = Field(description="Unique in the organisation (whatever the case)")
    description: str = Field("", max_length=1000)


class SkillPatch(Schema):
    category_id: Id | None = None
    name: ShortText | None = None
    description: str | None = Field(None, max_length=1000)


class SkillOut(Schema):
    id: int
    name: str
    description: str
    category_id: int
    category: str = Field(description="The category's name")
    holders: int = Field(description="People who hold the skill (a skill held by anyone cannot be deleted)")


class PersonSkillIn(Schema):
    level: int = Field(description=LEVEL_HELP)
    years: int = Field(0, description="Years of practice, 0 to 70")


class PersonSkillOut(Schema):
    person_id: int
    skill_id: int
    skill: str
    category: str
    level: int = Field(description=LEVEL_HELP)
    years: int
    confirmed: bool = Field(description="Confirmed by the line manager or an administrator")
    confirmed_by_user_id: int | None
    confirmed_at: datetime | None


class CertificationIn(Schema):
    name: Title = Field(min_length=1)
    issuer: Title = ""
    reference: ShortText = ""
    obtained_on: date
    expires_on: date | None = Field(None, description="On or after obtained_on; none: it does not lapse")
    skill_id: Id | None = Field(None, description="The skill it is evidence of")


class CertificationOut(Schema):
    id: int
    person_id: int
    name: str
    issuer: str
    reference: str
    obtained_on: date
    expires_on: date | None
    skill_id: int | None
    state: str = Field(description="valid, lapsing (within 30 days) or expired")
    reminded_at: datetime | None = Field(description="When the holder was reminded of this expiry (none: not yet)")


class SkillLevelOut(Schema):
    skill_id: int
    level: int
    confirmed: bool


class SkillMatchOut(Schema):
    person_id: int
    name: Name
    role_id: int
    role: str
    company_id: int
    company: str
    above_minimum: int = Field(description="Sum over the required skills of level − minimum (the rank)")
    levels: list[SkillLevelOut]
