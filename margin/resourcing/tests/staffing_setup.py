"""A staffing situation on the test firm: skills, a request asking for them (shared by the staffing tests)."""

from __future__ import annotations

from datetime import date

from margin.resourcing.actions import RequestInput, staffing_request_create
from margin.resourcing.models import PersonSkill, Skill, SkillCategory, StaffingRequest
from tests.firm import Firm

MONDAY = date(2027, 3, 1)
FRIDAY = date(2027, 3, 5)


def skill(firm: Firm, name: str) -> Skill:
    org = firm.usd.organisation_id
    category, _ = SkillCategory.objects.get_or_create(organisation_id=org, name="Tech")
    return Skill.objects.get_or_create(organisation_id=org, category=category, name=name)[0]


def give(firm: Firm, person_id: int, name: str, level: int) -> None:
    PersonSkill.objects.create(
        organisation_id=firm.usd.organisation_id, person_id=person_id, skill=skill(firm, name), level=level
    )


def ask(
    firm: Firm, *, skills: tuple[tuple[str, int], ...] = (("Python", 3),), minutes: int = 480, **more: object
) -> StaffingRequest:
    data = RequestInput(
        project=firm.project,
        role=firm.consultant,
        first_day=more.pop("first_day", MONDAY),  # type: ignore[arg-type]
        last_day=more.pop("last_day", FRIDAY),  # type: ignore[arg-type]
        minutes_per_day=minutes,
        priority=more.pop("priority", 2),  # type: ignore[arg-type]
        skills=[(skill(firm, name), level) for name, level in skills],
    )
    return staffing_request_create(viewer=firm.manager, data=data)
