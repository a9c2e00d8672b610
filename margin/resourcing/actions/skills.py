"""Writes of skills: the taxonomy, people's levels and their confirmation, certifications and their expiry
reminders.

The rules, checked on every write:

- the taxonomy (categories and skills) is the organisation's vocabulary: administrators change it; names are
  unique in the organisation (whatever their case); a skill someone holds, or a category with skills, is not
  deleted (409, with the count);
- a person's level (1 novice … 5 expert, :data:`~margin.resourcing.queries.skills.LEVELS`) and years (0–70) are
  set by the person themselves — a self-assessment, which clears any confirmation — or by their line manager
  (``Person.manager``'s user) or an administrator, whose level counts as confirmed by them;
- a level is confirmed by the line manager or an administrator, never by the person themselves;
- certifications are added, changed and removed by the person, their line manager or an administrator; an
  expiry before the day obtained is refused; a new expiry (a renewal) clears ``reminded_at``, so the next lapse
  is reminded again;
- :func:`certifications_remind` tells each holder and their line manager once, :data:`LAPSING_DAYS` days before a
  certification lapses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from margin.accounts.models import Person
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.notifications import Message, notify
from margin.core.text import clean_text
from margin.resourcing.models import MAX_LEVEL, MIN_LEVEL, Certification, PersonSkill, Skill, SkillCategory
from margin.resourcing.queries.skills import (
    LEVEL_MESSAGE,
    Lapsing,
    certifications_lapsing,
    may_change_skills,
    may_confirm_skills,
)

SKILL_FIELDS = ["category", "name", "description"]
PERSON_SKILL_FIELDS = ["person", "skill", "level", "years", "confirmed_by", "confirmed_at"]
CERTIFICATION_FIELDS = ["person", "skill", "name", "issuer", "reference", "obtained_on", "expires_on", "reminded_at"]
MAX_YEARS = 70
CERTIFICATION_LAPSING = "certification_lapsing"


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("Only administrators change the skills taxonomy.")


def _audit(
    viewer: Viewer, action: str, obj: SkillCategory | Skill | PersonSkill | Certification, before: object, after: object
) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=obj,
        before=before,  # type: ignore[arg-type]
        after=after,  # type: ignore[arg-type]
    )


def _own(viewer: Viewer, obj: SkillCategory | Skill | Person, what: str) -> None:
    if obj.organisation_id != viewer.organisation_id:
        raise NotFound(f"No such {what}.")


# --- taxonomy -------------------------------------------------------------------------------------------------


def _category_name(viewer: Viewer, name: str, *, exclude: int | None = None) -> str:
    name = clean_text(name, field="name", max_length=100, required=True)
    taken = SkillCategory.objects.filter(organisation_id=viewer.organisation_id, name__iexact=name)
    if taken.exclude(pk=exclude or 0).exists():
        raise Conflict(f"A skill category named {name!r} exists already.", field="name")
    return name


def _skill_name(viewer: Viewer, name: str, *, exclude: int | None = None) -> str:
    name = clean_text(name, field="name", max_length=100, required=True)
    taken = Skill.objects.filter(organisation_id=viewer.organisation_id, name__iexact=name)
    if taken.exclude(pk=exclude or 0).exists():
        raise Conflict(f"A skill named {name!r} exists already.", field="name")
    return name


@transaction.atomic
def skill_category_create(*, viewer: Viewer, name: str) -> SkillCategory:
    _require_admin(viewer)
    category = SkillCategory.objects.create(organisation_id=viewer.organisation_id, name=_category_name(viewer, name))
    _audit(viewer, "skill_category.create", category, None, {"name": category.name})
    return category


@transaction.atomic
def skill_category_rename(*, viewer: Viewer, category: SkillCategory, name: str) -> SkillCategory:
    _require_admin(viewer)
    _own(viewer, category, "skill category")
    locked = SkillCategory.objects.select_for_update().get(pk=category.pk)
    before = {"name": locked.name}
    locked.name = _category_name(viewer, name, exclude=locked.pk)
    locked.save(update_fields=["name"])
    _audit(viewer, "skill_category.rename", locked, before, {"name": locked.name})
    return locked


@transaction.atomic
def skill_category_delete(*, viewer: Viewer, category: SkillCategory) -> None:
    _require_admin(viewer)
    _own(viewer, category, "skill category")
    locked = SkillCategory.objects.select_for_update().get(pk=category.pk)
    count = Skill.objects.filter(category=locked).count()
    if count:
        raise Conflict(
            f"{locked.name} holds {count} skill{'s' if count != 1 else ''}; delete or move them first.",
            field="category",
            code="in_use",
        )
    _audit(viewer, "skill_category.delete", locked, {"name": locked.name}, None)
    locked.delete()


@transaction.atomic
def skill_create(*, viewer: Viewer, category: SkillCategory, name: str, description: str = "") -> Skill:
    _require_admin(viewer)
    _own(viewer, category, "skill category")
    skill = Skill.objects.create(
        organisation_id=viewer.organisation_id,
        category=category,
        name=_skill_name(viewer, name),
        description=clean_text(description, field="description", max_length=1000),
    )
    _audit(viewer, "skill.create", skill, None, audit.snapshot(skill, SKILL_FIELDS))
    return skill


@transaction.atomic
def skill_update(
    *,
    viewer: Viewer,
    skill: Skill,
    name: str | None = None,
    category: SkillCategory | None = None,
    description: str | None = None,
) -> Skill:
    """Rename a skill, move it to another category or change its description (administrators). People keep
    their levels in it."""
    _require_admin(viewer)
    _own(viewer, skill, "skill")
    if category is not None:
        _own(viewer, category, "skill category")
    locked = Skill.objects.select_for_update().get(pk=skill.pk)
    before = audit.snapshot(locked, SKILL_FIELDS)
    if name is not None:
        locked.name = _skill_name(viewer, name, exclude=locked.pk)
    if category is not None:
        locked.category = category
    if description is not None:
        locked.description = clean_text(description, field="description", max_length=1000)
    locked.save()
    _audit(viewer, "skill.update", locked, before, audit.snapshot(locked, SKILL_FIELDS))
    return locked


@transaction.atomic
def skill_delete(*, viewer: Viewer, skill: Skill) -> None:
    """Delete a skill nobody holds (409 with the number of people who do)."""
    _require_admin(viewer)
    _own(viewer, skill, "skill")
    locked = Skill.objects.select_for_update().get(pk=skill.pk)
    count = PersonSkill.objects.filter(skill=locked).count()
    if count:
        raise Conflict(
            f"{count} {'people hold' if count != 1 else 'person holds'} {locked.name}; "
            "remove it from them before deleting it.",
            field="skill",
            code="in_use",
        )
    _audit(viewer, "skill.delete", locked, audit.snapshot(locked, SKILL_FIELDS), None)
    locked.delete()


# --- a person's skills ----------------------------------------------------------------------------------------


def _check_person(viewer: Viewer, person: Person) -> None:
    _own(viewer, person, "person")
    if not may_change_skills(viewer, person):
        raise Forbidden("Only the person, their line manager or an administrator changes their skills.")


def check_level(level: object) -> int:
    if type(level) is not int or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise Invalid(LEVEL_MESSAGE, field="level")
    return level


def check_years(years: object) -> int:
    if type(years) is not int or not 0 <= years <= MAX_YEARS:
        raise Invalid(f"Years of practice are 0 to {MAX_YEARS}.", field="years")
    return years


@transaction.atomic
def person_skill_set(*, viewer: Viewer, person: Person, skill: Skill, level: int, years: int = 0) -> PersonSkill:
    """Set a person's level and years in a skill (adds it if new). By the person: a self-assessment, which
    clears any confirmation. By their line manager or an administrator: confirmed by them at once."""
    _check_person(viewer, person)
    _own(viewer, skill, "skill")
    level, years = check_level(level), check_years(years)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    current = PersonSkill.objects.select_for_update().filter(person=person, skill=skill).first()
    before = audit.snapshot(current, PERSON_SKILL_FIELDS) if current is not None else None
    row = current or PersonSkill(organisation_id=viewer.organisation_id, person=person, skill=skill)
    row.level, row.years = level, years
    if viewer.person_id == person.pk:
        row.confirmed_by, row.confirmed_at = None, None
    else:
        row.confirmed_by_id, row.confirmed_at = viewer.user_id, timezone.now()
    row.save()
    _audit(
        viewer,
        "person_skill.set" if current is None else "person_skill.update",
        row,
        before,
        audit.snapshot(row, PERSON_SKILL_FIELDS),
    )
    return row


@transaction.atomic
def person_skill_confirm(*, viewer: Viewer, person_skill: PersonSkill) -> PersonSkill:
    """Confirm a person's level: their line manager or an administrator, never the person themselves."""
    locked = PersonSkill.objects.select_for_update().select_related("person").get(pk=person_skill.pk)
    _own(viewer, locked.person, "person")
    if viewer.person_id == locked.person_id:
        raise Forbidden("A level is confirmed by your line manager, not by yourself.")
    if not may_confirm_skills(viewer, locked.person):
        raise Forbidden("Only the person's line manager or an administrator confirms their skills.")
    before = audit.snapshot(locked, PERSON_SKILL_FIELDS)
    locked.confirmed_by_id, locked.confirmed_at = viewer.user_id, timezone.now()
    locked.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    _audit(viewer, "person_skill.confirm", locked, before, audit.snapshot(locked, PERSON_SKILL_FIELDS))
    return locked


@transaction.atomic
def person_skill_remove(*, viewer: Viewer, person_skill: PersonSkill) -> None:
    locked = PersonSkill.objects.select_for_update().select_related("person").get(pk=person_skill.pk)
    _check_person(viewer, locked.person)
    _audit(viewer, "person_skill.remove", locked, audit.snapshot(locked, PERSON_SKILL_FIELDS), None)
    locked.delete()


# --- certifications -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationInput:
    """What a certification says; :func:`certification_add` and :func:`certification_update` check it alike."""

    name: str
    obtained_on: date
    expires_on: date | None = None
    issuer: str = ""
    reference: str = ""
    skill: Skill | None = None


def _check_certification(viewer: Viewer, data: CertificationInput) -> CertificationInput:
    name = clean_text(data.name, field="name", max_length=200, required=True)
    if not isinstance(data.obtained_on, date):
        raise Invalid("Say the day the certification was obtained.", field="obtained_on")
    if data.obtained_on > timezone.localdate():
        raise Invalid("A certification is obtained on or before today.", field="obtained_on")
    if data.expires_on is not None and data.expires_on < data.obtained_on:
        raise Invalid("A certification expires on or after the day it was obtained.", field="expires_on")
    if data.skill is not None:
        _own(viewer, data.skill, "skill")
    return CertificationInput(
        name=name,
        obtained_on=data.obtained_on,
        expires_on=data.expires_on,
        issuer=clean_text(data.issuer, field="issuer", max_length=200),
        reference=clean_text(data.reference, field="reference", max_length=100),
        skill=data.skill,
    )


@transaction.atomic
def certification_add(*, viewer: Viewer, person: Person, data: CertificationInput) -> Certification:
    _check_person(viewer, person)
    clean = _check_certification(viewer, data)
    certification = Certification.objects.create(
        organisation_id=viewer.organisation_id,
        person=person,
        skill=clean.skill,
        name=clean.name,
        issuer=clean.issuer,
        reference=clean.reference,
        obtained_on=clean.obtained_on,
        expires_on=clean.expires_on,
    )
    _audit(viewer, "certification.add", certification, None, audit.snapshot(certification, CERTIFICATION_FIELDS))
    return certification


@transaction.atomic
def certification_update(*, viewer: Viewer, certification: Certification, data: CertificationInput) -> Certification:
    """Change a certification; a new expiry (a renewal) clears ``reminded_at`` so its next lapse is reminded."""
    locked = Certification.objects.select_for_update().select_related("person").get(pk=certification.pk)
    _check_person(viewer, locked.person)
    clean = _check_certification(viewer, data)
    before = audit.snapshot(locked, CERTIFICATION_FIELDS)
    if clean.expires_on != locked.expires_on:
        locked.reminded_at = None
    locked.name, locked.issuer, locked.reference = clean.name, clean.issuer, clean.reference
    locked.obtained_on, locked.expires_on, locked.skill = clean.obtained_on, clean.expires_on, clean.skill
    locked.save()
    _audit(viewer, "certification.update", locked, before, audit.snapshot(locked, CERTIFICATION_FIELDS))
    return locked


@transaction.atomic
def certification_remove(*, viewer: Viewer, certification: Certification) -> None:
    locked = Certification.objects.select_for_update().select_related("person").get(pk=certification.pk)
    _check_person(viewer, locked.person)
    _audit(viewer, "certification.remove", locked, audit.snapshot(locked, CERTIFICATION_FIELDS), None)
    locked.delete()


# --- expiry reminders -----------------------------------------------------------------------------------------


@dataclass
class CertificationReminderRun:
    due: list[Lapsing] = field(default_factory=list)
    notified: int = 0  # notifications written now (each with its e-mail)
    certifications: list[int] = field(default_factory=list)  # reminded now (reminded_at set)


def _recipients(person_ids: set[int]) -> dict[int, list[tuple[int, str, bool]]]:
    """For each person: (user id, e-mail, is the holder) of themselves and their line manager, if they sign in."""
    out: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    rows = Person.objects.filter(pk__in=person_ids).values_list(
        "pk", "user_id", "user__email", "email", "manager__user_id", "manager__user__email", "manager__email"
    )
    for pk, user_id, user_email, email, manager_user, manager_user_email, manager_email in rows:
        if user_id is not None:
            out[pk].append((user_id, user_email or email, True))
        if manager_user is not None and manager_user != user_id:
            out[pk].append((manager_user, manager_user_email or manager_email, False))
    return out


def certifications_remind(
    *, today: date | None = None, organisation_id: int | None = None, dry_run: bool = False
) -> CertificationReminderRun:
    """Tell each holder and their line manager (in the app and by e-mail), once, that a certification lapses
    within :data:`LAPSING_DAYS` days, and stamp its ``reminded_at``. Idempotent: ``reminded_at`` and the
    notification's key (certification and expiry) keep a second run from notifying anyone twice. Run it daily."""
    today = today or timezone.localdate()
    run = CertificationReminderRun(due=certifications_lapsing(today=today, organisation_id=organisation_id))
    if dry_run or not run.due:
        return run
    by_org: dict[int, list[Lapsing]] = defaultdict(list)
    for item in run.due:
        by_org[item.organisation_id].append(item)
    now = timezone.now()
    for org_id, items in by_org.items():
        with transaction.atomic():
            # Lock and re-read: a concurrent run (or a renewal) may have changed them since.
            still = set(
                Certification.objects.select_for_update()
                .filter(pk__in=[i.certification_id for i in items], reminded_at__isnull=True)
                .values_list("pk", flat=True)
            )
            items = [i for i in items if i.certification_id in still]
            recipients = _recipients({i.person_id for i in items})
            messages = []
            for item in items:
                days = (item.expires_on - today).days
                when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
                for user_id, email, holder in recipients.get(item.person_id, []):
                    whose = "Your certification" if holder else f"{item.person_name}'s certification"
                    messages.append(
                        Message(
                            user_id=user_id,
                            kind=CERTIFICATION_LAPSING,
                            text=f"{whose} {item.name} lapses {when} ({item.expires_on:%-d %b %Y}); renew it.",
                            url=reverse("web:person_skills", args=[item.person_id]),
                            key=item.key,
                            email=email,
                            subject=f"Margin: {item.name} of {item.person_name} lapses on {item.expires_on:%-d %b %Y}",
                        )
                    )
            written = notify(organisation_id=org_id, messages=messages) if messages else []
            reminded = [i.certification_id for i in items]
            Certification.objects.filter(pk__in=reminded).update(reminded_at=now)
            audit.record_many(
                organisation_id=org_id,
                actor_id=None,
                action="certification.remind",
                changes=[
                    audit.Change(
                        "resourcing.certification",
                        i.certification_id,
                        None,
                        {"expires_on": i.expires_on.isoformat(), "notified": len(recipients.get(i.person_id, []))},
                    )
                    for i in items
                ],
            )
            run.notified += len(written)
            run.certifications += reminded
    return run


__all__ = [
    "CERTIFICATION_FIELDS",
    "CERTIFICATION_LAPSING",
    "PERSON_SKILL_FIELDS",
    "SKILL_FIELDS",
    "CertificationInput",
    "CertificationReminderRun",
    "certification_add",
    "certification_remove",
    "certification_update",
    "certifications_remind",
    "check_level",
    "check_years",
    "person_skill_confirm",
    "person_skill_remove",
    "person_skill_set",
    "skill_category_create",
    "skill_category_delete",
    "skill_category_rename",
    "skill_create",
    "skill_delete",
    "skill_update",
]
