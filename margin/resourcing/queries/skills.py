"""Reads of skills: the taxonomy, a person's skills and certifications, and the search for people by skills.

Who sees what:

- the taxonomy (categories and skills) is the organisation's vocabulary: every member reads it;
- a person's skills and certifications: the person, their line manager (``Person.manager``), and whoever sees
  the person (people of the viewer's companies); another organisation's person or one of a hidden company
  answers 404;
- the search across people is for those who staff and watch load (:func:`can_see_resources`).

:func:`people_with_skills` is the one set-based search (one SQL statement whatever the number of people); the
staffing engine ranks a request's candidates with it, and :func:`skills_search` wraps it for a viewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.db.models import Count, Q, QuerySet

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core.errors import Invalid, NotFound
from margin.resourcing.models import MAX_LEVEL, MIN_LEVEL, Certification, PersonSkill, Skill, SkillCategory

from .access import require_can_see_resources

# What each level means, shown beside every level picker and in the API's description.
LEVELS: dict[int, str] = {
    1: "Novice: has learned it, needs guidance",
    2: "Beginner: does simple work alone",
    3: "Competent: does the usual work alone",
    4: "Proficient: handles the hard cases, guides others",
    5: "Expert: the reference in the firm, teaches it",
}
LEVEL_MESSAGE = "A skill level is 1 (novice) to 5 (expert)."
# A certification lapsing within this many days is flagged (amber) and its holder reminded.
LAPSING_DAYS = 30

Requirement = tuple[int, int]  # (skill_id, min_level)
# People to search among: ids, or a values queryset of their ids (a subquery).
PersonIds = Iterable[int] | QuerySet[Any, Any]


# --- taxonomy -------------------------------------------------------------------------------------------------


def skill_categories_visible(viewer: Viewer) -> QuerySet[SkillCategory]:
    return SkillCategory.objects.filter(organisation_id=viewer.organisation_id).order_by("name", "id")


def skill_category_get(viewer: Viewer, category_id: int) -> SkillCategory:
    found = skill_categories_visible(viewer).filter(pk=category_id).first()
    if found is None:
        raise NotFound("No such skill category.")
    return found


def skills_visible(viewer: Viewer) -> QuerySet[Skill]:
    """The organisation's skills with their category, by category then name."""
    return (
        Skill.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("category")
        .order_by("category__name", "name", "id")
    )


def skill_get(viewer: Viewer, skill_id: int) -> Skill:
    found = skills_visible(viewer).filter(pk=skill_id).first()
    if found is None:
        raise NotFound("No such skill.")
    return found


@dataclass
class CategoryRow:
    category: SkillCategory
    skills: list[Skill] = field(default_factory=list)
    holders: dict[int, int] = field(default_factory=dict)  # skill id → people holding it


def skill_taxonomy(viewer: Viewer) -> list[CategoryRow]:
    """Categories with their skills and how many people hold each (three queries)."""
    rows = {c.pk: CategoryRow(c) for c in skill_categories_visible(viewer)}
    held = dict(
        PersonSkill.objects.filter(organisation_id=viewer.organisation_id)
        .values("skill_id")
        .annotate(n=Count("id"))
        .values_list("skill_id", "n")
    )
    for skill in skills_visible(viewer):
        row = rows[skill.category_id]
        row.skills.append(skill)
        row.holders[skill.pk] = held.get(skill.pk, 0)
    return list(rows.values())


# --- a person's skills ----------------------------------------------------------------------------------------


def is_line_manager(viewer: Viewer, person: Person) -> bool:
    """The viewer is the user of the person's line manager."""
    if person.manager_id is None:
        return False
    return Person.objects.filter(pk=person.manager_id, user_id=viewer.user_id).exists()


def skills_person_get(viewer: Viewer, person_id: int) -> Person:
    """A person whose skills the viewer may read: themselves, someone of their companies, or one of their reports
    (a line manager may sit in another company). Anyone else answers 404."""
    person = (
        Person.objects.filter(organisation_id=viewer.organisation_id, pk=person_id)
        .filter(
            Q(company_id__in=viewer.company_ids)
            | Q(pk=viewer.person_id or 0)
            | Q(manager__user_id=viewer.user_id, manager__isnull=False)
        )
        .select_related("role", "company", "manager", "user")
        .first()
    )
    if person is None:
        raise NotFound("No such person.")
    return person


def may_change_skills(viewer: Viewer, person: Person) -> bool:
    """The person themselves (a self-assessment), their line manager, or an administrator."""
    return viewer.person_id == person.pk or viewer.is_admin or is_line_manager(viewer, person)


def may_confirm_skills(viewer: Viewer, person: Person) -> bool:
    """Their line manager, or an administrator; never the person themselves."""
    if viewer.person_id == person.pk:
        return False
    return viewer.is_admin or is_line_manager(viewer, person)


def person_skills(person: Person) -> QuerySet[PersonSkill]:
    """A person's skills, by category and skill name, with who confirmed them."""
    return (
        PersonSkill.objects.filter(person=person)
        .select_related("skill", "skill__category", "confirmed_by", "confirmed_by__person")
        .order_by("skill__category__name", "skill__name", "id")
    )


def person_skill_get(viewer: Viewer, person: Person, skill_id: int) -> PersonSkill:
    """The person's level in a skill (``person`` already read through :func:`skills_person_get`)."""
    found = person_skills(person).filter(skill_id=skill_id, organisation_id=viewer.organisation_id).first()
    if found is None:
        raise NotFound("No such skill on this person.")
    return found


def certifications_of(person: Person) -> QuerySet[Certification]:
    """A person's certifications: those without an expiry last, the others by the day they lapse."""
    return Certification.objects.filter(person=person).select_related("skill").order_by("expires_on", "name", "id")


def certification_get(viewer: Viewer, person: Person, certification_id: int) -> Certification:
    found = certifications_of(person).filter(pk=certification_id, organisation_id=viewer.organisation_id).first()
    if found is None:
        raise NotFound("No such certification.")
    return found


def certification_state(expires_on: date | None, today: date) -> str:
    """``expired`` (lapsed before today), ``lapsing`` (within :data:`LAPSING_DAYS`), else ``valid``."""
    if expires_on is None:
        return "valid"
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=LAPSING_DAYS):
        return "lapsing"
    return "valid"


@dataclass(frozen=True)
class Lapsing:
    certification_id: int
    organisation_id: int
    person_id: int
    person_name: str
    name: str
    expires_on: date

    @property
    def key(self) -> str:
        # One reminder per certification and expiry: a renewal (a new expiry) is reminded again.
        return f"certification:{self.certification_id}:{self.expires_on.isoformat()}"


def certifications_lapsing(*, today: date, organisation_id: int | None = None) -> list[Lapsing]:
    """Certifications of active people lapsing from today to :data:`LAPSING_DAYS` days ahead, not yet
    reminded for this expiry."""
    rows = Certification.objects.filter(
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=LAPSING_DAYS),
        reminded_at__isnull=True,
        person__active=True,
    )
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return [
        Lapsing(pk, org, person, person_name, name, expires or today)
        for pk, org, person, person_name, name, expires in rows.order_by("organisation_id", "expires_on", "id")
        .values_list("id", "organisation_id", "person_id", "person__name", "name", "expires_on")
        .iterator()
    ]


# --- search ---------------------------------------------------------------------------------------------------


def requirements_clean(requirements: Iterable[Requirement]) -> dict[int, int]:
    """Requirements as {skill_id: min_level}; a skill asked for twice keeps its higher minimum. Invalid for a
    level outside 1–5."""
    wanted: dict[int, int] = {}
    for skill_id, min_level in requirements:
        if type(min_level) is not int or not MIN_LEVEL <= min_level <= MAX_LEVEL:
            raise Invalid(LEVEL_MESSAGE, field="skill")
        wanted[skill_id] = max(min_level, wanted.get(skill_id, MIN_LEVEL))
    return wanted


def _matching_rows(
    organisation_id: int,
    wanted: dict[int, int],
    *,
    person_ids: PersonIds | None,
    confirmed_only: bool,
) -> QuerySet[PersonSkill]:
    """The rows (one per person and required skill) of active people holding every required skill at its
    minimum level or above: one statement, the people found by a grouped subquery."""
    condition = Q()
    for skill_id, min_level in wanted.items():
        condition |= Q(skill_id=skill_id, level__gte=min_level)
    rows = PersonSkill.objects.filter(condition, organisation_id=organisation_id, person__active=True)
    if confirmed_only:
        rows = rows.filter(confirmed_at__isnull=False)
    if person_ids is not None:
        rows = rows.filter(person_id__in=cast(Any, person_ids))
    holders = rows.values("person_id").annotate(n=Count("skill_id", distinct=True)).filter(n=len(wanted))
    return rows.filter(person_id__in=holders.values("person_id"))


def people_with_skills(
    organisation_id: int,
    requirements: Sequence[Requirement],
    *,
    person_ids: PersonIds | None = None,
    confirmed_only: bool = False,
) -> dict[int, dict[int, int]]:
    """The active people who hold **every** required skill at or above its minimum level.

    ``requirements`` is ``[(skill_id, min_level), ...]`` (a skill listed twice keeps the higher minimum; a level
    outside 1–5 is :class:`Invalid`). ``person_ids`` narrows the search to those people (ids or a values
    queryset, e.g. a request's available people); ``confirmed_only`` counts only levels a manager confirmed.

    Returns ``{person_id: {skill_id: level}}`` with the person's level in each required skill, ordered best
    first: by how far above the minimums they are in all (the sum of level − minimum), then by person id. With no
    requirements, every active person (of ``person_ids`` if given) matches with an empty dict.

    One SQL statement (a grouped subquery finds the people), whatever the number of people; callers check the
    organisation owns the skills (another organisation's skill id simply matches nobody).
    """
    wanted = requirements_clean(requirements)
    if not wanted:
        people = Person.objects.filter(organisation_id=organisation_id, active=True)
        if person_ids is not None:
            people = people.filter(pk__in=cast(Any, person_ids))
        return {pk: {} for pk in people.order_by("pk").values_list("pk", flat=True)}
    found: dict[int, dict[int, int]] = {}
    for person_id, skill_id, level in _matching_rows(
        organisation_id, wanted, person_ids=person_ids, confirmed_only=confirmed_only
    ).values_list("person_id", "skill_id", "level"):
        found.setdefault(person_id, {})[skill_id] = level
    return dict(sorted(found.items(), key=lambda item: (-_margin(item[1], wanted), item[0])))


def _margin(levels: dict[int, int], wanted: dict[int, int]) -> int:
    return sum(levels[skill_id] - minimum for skill_id, minimum in wanted.items())


@dataclass(frozen=True)
class SkillLevel:
    skill_id: int
    level: int
    confirmed: bool


@dataclass(frozen=True)
class SkillMatch:
    """A person found by :func:`skills_search`, with their level in each required skill."""

    person: Person
    levels: list[SkillLevel]
    above_minimum: int  # the sum over required skills of level − minimum (the rank)


def skills_search(
    viewer: Viewer,
    requirements: Sequence[Requirement],
    *,
    role_id: int | None = None,
    company_id: int | None = None,
    confirmed_only: bool = False,
    limit: int = 200,
) -> list[SkillMatch]:
    """People of the viewer's companies with every required skill at its minimum level or above (optionally of
    a job role, of one company, counting confirmed levels only), best first, at most ``limit``.

    For those who staff and watch load (403 for others); a skill of another organisation answers 404. Three
    queries: the skills, the matching levels (one statement, see :func:`people_with_skills`), the people.
    """
    require_can_see_resources(viewer)
    wanted = requirements_clean(requirements)
    if not wanted:
        raise Invalid("Pick at least one skill to search for.", field="skill")
    known = set(skills_visible(viewer).filter(pk__in=wanted.keys()).values_list("pk", flat=True))
    if known != set(wanted):
        raise NotFound("No such skill.")
    scope = Person.objects.filter(organisation_id=viewer.organisation_id, company_id__in=viewer.company_ids)
    if role_id is not None:
        scope = scope.filter(role_id=role_id)
    if company_id is not None:
        scope = scope.filter(company_id=company_id)
    levels: dict[int, dict[int, tuple[int, bool]]] = {}
    for person_id, skill_id, level, confirmed_at in _matching_rows(
        viewer.organisation_id, wanted, person_ids=scope.values("pk"), confirmed_only=confirmed_only
    ).values_list("person_id", "skill_id", "level", "confirmed_at"):
        levels.setdefault(person_id, {})[skill_id] = (level, confirmed_at is not None)
    ranked = sorted(
        levels.items(),
        key=lambda item: (-_margin({s: lv for s, (lv, _) in item[1].items()}, wanted), item[0]),
    )[:limit]
    people = Person.objects.select_related("role", "company").in_bulk([pk for pk, _ in ranked])
    order = list(wanted)
    return [
        SkillMatch(
            person=people[pk],
            levels=[SkillLevel(s, by_skill[s][0], by_skill[s][1]) for s in order],
            above_minimum=_margin({s: lv for s, (lv, _) in by_skill.items()}, wanted),
        )
        for pk, by_skill in ranked
    ]


def parse_requirement(text: str) -> Requirement:
    """``"<skill_id>:<min_level>"`` (the API's and the search screen's grammar; the level defaults to 1)."""
    skill, _, level = text.strip().partition(":")
    if not skill.isdigit() or (level and not level.isdigit()):
        raise Invalid("Name a skill as <skill id>:<minimum level>, e.g. 12:3.", field="skill")
    if len(skill) > 12:
        raise NotFound("No such skill.")
    minimum = int(level) if level else MIN_LEVEL
    if not MIN_LEVEL <= minimum <= MAX_LEVEL:
        raise Invalid(LEVEL_MESSAGE, field="skill")
    return int(skill), minimum
