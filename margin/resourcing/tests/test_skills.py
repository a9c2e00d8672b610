"""Skills: the taxonomy (admins, names unique, in use not deleted), self-assessment and a line manager's
confirmation, certifications and their expiry reminders, and the search for people by skills and level."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from margin.accounts.models import Person
from margin.core.errors import Conflict, Forbidden, Invalid, NotFound
from margin.core.models import Notification
from margin.resourcing.actions import (
    CertificationInput,
    certification_add,
    certification_remove,
    certification_update,
    certifications_remind,
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
from margin.resourcing.jobs import certification_reminders
from margin.resourcing.models import Certification, PersonSkill, Skill, SkillCategory
from margin.resourcing.queries import (
    certification_state,
    parse_requirement,
    people_with_skills,
    skill_taxonomy,
    skills_person_get,
    skills_search,
)
from tests.checks import audit_row, audit_rows, refused
from tests.firm import Firm


@pytest.fixture
def skills(firm: Firm) -> dict[str, Skill]:
    """Technology: Python, Django, AWS; Delivery: Scrum. Tom and Lea report to Maya."""
    Person.objects.filter(pk__in=[firm.member_person.pk, firm.member2_person.pk]).update(manager=firm.manager_person)
    firm.member_person.refresh_from_db()
    firm.member2_person.refresh_from_db()
    tech = skill_category_create(viewer=firm.admin, name="Technology")
    delivery = skill_category_create(viewer=firm.admin, name="Delivery")
    return {
        "python": skill_create(viewer=firm.admin, category=tech, name="Python"),
        "django": skill_create(viewer=firm.admin, category=tech, name="Django"),
        "aws": skill_create(viewer=firm.admin, category=tech, name="AWS"),
        "scrum": skill_create(viewer=firm.admin, category=delivery, name="Scrum"),
    }


# --- taxonomy -------------------------------------------------------------------------------------------------


def test_the_taxonomy_is_for_administrators_with_unique_names(firm: Firm, skills: dict[str, Skill]) -> None:
    tech = skills["python"].category
    assert audit_row("skill.create", skills["python"]).after == {
        "category": tech.pk,
        "name": "Python",
        "description": "",
    }
    with refused(Forbidden):
        skill_category_create(viewer=firm.manager, name="Industry")
    with refused(Forbidden):
        skill_create(viewer=firm.member, category=tech, name="Rust")
    with refused(Conflict, tech, match="exists already"):
        skill_category_create(viewer=firm.admin, name="technology")
    with refused(Conflict, skills["aws"], match="exists already"):
        skill_update(viewer=firm.admin, skill=skills["aws"], name="python")
    with refused(Invalid):
        skill_create(viewer=firm.admin, category=tech, name="   ")
    rival = skill_category_create(viewer=firm.other_admin, name="Technology")  # another organisation: no clash
    with refused(NotFound):
        skill_create(viewer=firm.admin, category=rival, name="Rust")
    with refused(NotFound):
        skill_update(viewer=firm.other_admin, skill=skills["aws"], name="Amazon Web Services")

    renamed = skill_category_rename(viewer=firm.admin, category=tech, name="Tech")
    assert audit_row("skill_category.rename", renamed).before == {"name": "Technology"}
    moved = skill_update(viewer=firm.admin, skill=skills["scrum"], category=tech, description="Agile delivery")
    assert (moved.category_id, moved.description) == (tech.pk, "Agile delivery")


def test_a_skill_in_use_is_not_deleted(firm: Firm, skills: dict[str, Skill]) -> None:
    person_skill_set(viewer=firm.member, person=firm.member_person, skill=skills["python"], level=3)
    person_skill_set(viewer=firm.member2, person=firm.member2_person, skill=skills["python"], level=2)
    with refused(Conflict, skills["python"], match="2 people hold Python") as info:
        skill_delete(viewer=firm.admin, skill=skills["python"])
    assert info.value.status == 409
    with refused(Conflict, match="holds 3 skills"):
        skill_category_delete(viewer=firm.admin, category=skills["python"].category)
    skill_delete(viewer=firm.admin, skill=skills["aws"])
    assert not Skill.objects.filter(pk=skills["aws"].pk).exists()
    assert audit_rows("skill.delete")[0].before["name"] == "AWS"  # type: ignore[index]
    empty = skill_category_create(viewer=firm.admin, name="Industry")
    skill_category_delete(viewer=firm.admin, category=empty)
    assert not SkillCategory.objects.filter(pk=empty.pk).exists()
    rows = {row.category.name: row for row in skill_taxonomy(firm.member)}
    assert rows["Technology"].holders == {skills["django"].pk: 0, skills["python"].pk: 2}


# --- a person's skills ----------------------------------------------------------------------------------------


def test_self_assessment_then_the_line_manager_confirms(firm: Firm, skills: dict[str, Skill]) -> None:
    mine = person_skill_set(viewer=firm.member, person=firm.member_person, skill=skills["python"], level=3, years=4)
    assert (mine.level, mine.years, mine.confirmed) == (3, 4, False)
    assert audit_row("person_skill.set", mine).after["level"] == 3  # type: ignore[index]
    with refused(Forbidden, mine, match="not by yourself"):
        person_skill_confirm(viewer=firm.member, person_skill=mine)
    with refused(Forbidden, mine):
        person_skill_confirm(viewer=firm.member2, person_skill=mine)
    with refused(Forbidden, mine):
        person_skill_confirm(viewer=firm.finance, person_skill=mine)
    confirmed = person_skill_confirm(viewer=firm.manager, person_skill=mine)
    assert confirmed.confirmed_by_id == firm.manager_user.pk and confirmed.confirmed
    assert audit_row("person_skill.confirm", mine).before["confirmed_at"] is None  # type: ignore[index]

    # A new self-assessment clears the confirmation; the manager's own level counts as confirmed.
    again = person_skill_set(viewer=firm.member, person=firm.member_person, skill=skills["python"], level=4, years=4)
    assert (again.pk, again.level, again.confirmed, again.confirmed_by_id) == (mine.pk, 4, False, None)
    by_manager = person_skill_set(viewer=firm.manager, person=firm.member_person, skill=skills["python"], level=3)
    assert by_manager.confirmed and by_manager.confirmed_by_id == firm.manager_user.pk
    assert PersonSkill.objects.count() == 1

    # Administrators confirm anyone's but their own; nobody else changes someone's skills.
    admins_own = person_skill_set(
        viewer=firm.admin, person=Person.objects.get(user=firm.admin_user), skill=skills["aws"], level=5
    )
    with refused(Forbidden, admins_own):
        person_skill_confirm(viewer=firm.admin, person_skill=admins_own)
    with refused(Forbidden):
        person_skill_set(viewer=firm.member2, person=firm.member_person, skill=skills["aws"], level=2)
    with refused(Forbidden):
        person_skill_set(viewer=firm.finance, person=firm.member_person, skill=skills["aws"], level=2)
    with refused(NotFound):
        person_skill_set(viewer=firm.other_admin, person=firm.member_person, skill=skills["aws"], level=2)
    person_skill_remove(viewer=firm.manager, person_skill=by_manager)
    assert not PersonSkill.objects.filter(pk=by_manager.pk).exists()
    assert audit_row("person_skill.remove", by_manager).before["level"] == 3  # type: ignore[index]


@pytest.mark.parametrize("level", [0, 6, -1, 3.5, "3", None, True])
def test_a_level_outside_one_to_five_is_refused(firm: Firm, skills: dict[str, Skill], level: object) -> None:
    with refused(Invalid, match=r"A skill level is 1 \(novice\) to 5 \(expert\)\.") as info:
        person_skill_set(viewer=firm.member, person=firm.member_person, skill=skills["python"], level=level)  # type: ignore[arg-type]
    assert info.value.field == "level" and info.value.status == 422


@pytest.mark.parametrize("years", [-1, 71, 2.5])
def test_years_are_zero_to_seventy(firm: Firm, skills: dict[str, Skill], years: object) -> None:
    with refused(Invalid, match="0 to 70") as info:
        person_skill_set(viewer=firm.member, person=firm.member_person, skill=skills["python"], level=2, years=years)  # type: ignore[arg-type]
    assert info.value.field == "years"


def test_another_organisations_skill_is_not_found(firm: Firm, skills: dict[str, Skill]) -> None:
    rival = skill_create(
        viewer=firm.other_admin, category=skill_category_create(viewer=firm.other_admin, name="Tech"), name="Go"
    )
    with refused(NotFound, match="No such skill"):
        person_skill_set(viewer=firm.member, person=firm.member_person, skill=rival, level=2)
    with refused(NotFound):
        certification_add(
            viewer=firm.member,
            person=firm.member_person,
            data=CertificationInput(name="Go cert", obtained_on=date(2025, 1, 1), skill=rival),
        )
    with pytest.raises(NotFound):
        skills_search(firm.manager, [(rival.pk, 1)])


def test_who_reads_a_persons_skills(firm: Firm) -> None:
    Person.objects.filter(pk=firm.member_person.pk).update(manager=firm.manager_person, company=firm.eur)
    assert skills_person_get(firm.manager, firm.member_person.pk).pk == firm.member_person.pk
    assert skills_person_get(firm.member, firm.member_person.pk).pk == firm.member_person.pk
    with pytest.raises(NotFound):
        skills_person_get(firm.other_admin, firm.member_person.pk)


# --- certifications -------------------------------------------------------------------------------------------


def test_certifications_and_a_renewal_clears_the_reminder(firm: Firm, skills: dict[str, Skill]) -> None:
    today = timezone.localdate()
    data = CertificationInput(
        name="AWS Solutions Architect",
        issuer="Amazon",
        obtained_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=20),
        skill=skills["aws"],
    )
    cert = certification_add(viewer=firm.member, person=firm.member_person, data=data)
    assert audit_row("certification.add", cert).after["issuer"] == "Amazon"  # type: ignore[index]
    with refused(Invalid, cert, match="expires on or after") as info:
        certification_update(
            viewer=firm.member,
            certification=cert,
            data=CertificationInput(name="AWS", obtained_on=today, expires_on=today - timedelta(days=1)),
        )
    assert info.value.field == "expires_on"
    with refused(Invalid, match="on or before today"):
        certification_add(
            viewer=firm.member,
            person=firm.member_person,
            data=CertificationInput(name="Future", obtained_on=today + timedelta(days=1)),
        )
    with refused(Forbidden, cert):
        certification_remove(viewer=firm.member2, certification=cert)
    Certification.objects.filter(pk=cert.pk).update(reminded_at=timezone.now())
    same_expiry = certification_update(
        viewer=firm.manager, certification=cert, data=CertificationInput(**{**data.__dict__, "reference": "AWS-123"})
    )
    assert same_expiry.reminded_at is not None  # not a renewal
    renewed = certification_update(
        viewer=firm.member,
        certification=cert,
        data=CertificationInput(**{**data.__dict__, "expires_on": today + timedelta(days=3 * 365)}),
    )
    assert renewed.reminded_at is None
    assert len(audit_rows("certification.update", cert)) == 2
    certification_remove(viewer=firm.admin, certification=cert)
    assert not Certification.objects.exists()


def test_certification_states() -> None:
    today = date(2026, 12, 7)
    assert certification_state(None, today) == "valid"
    assert certification_state(today - timedelta(days=1), today) == "expired"
    assert certification_state(today, today) == "lapsing"
    assert certification_state(today + timedelta(days=30), today) == "lapsing"
    assert certification_state(today + timedelta(days=31), today) == "valid"


def test_the_reminder_tells_holder_and_manager_once(
    firm: Firm, skills: dict[str, Skill], django_capture_on_commit_callbacks: Any
) -> None:
    today = date(2026, 12, 7)
    obtained = date(2024, 1, 1)

    def add(person: Person, name: str, expires: date | None) -> Certification:
        return Certification.objects.create(
            organisation_id=firm.admin.organisation_id,
            person=person,
            name=name,
            obtained_on=obtained,
            expires_on=expires,
        )

    lapsing = add(firm.member_person, "Scrum Master", today + timedelta(days=30))
    add(firm.member_person, "Later", today + timedelta(days=31))
    add(firm.member_person, "Expired", today - timedelta(days=1))
    add(firm.member_person, "Forever", None)
    add(firm.manager_person, "Manager's own", today + timedelta(days=10))  # Maya has no line manager

    dry = certifications_remind(today=today, dry_run=True)
    assert sorted(i.name for i in dry.due) == ["Manager's own", "Scrum Master"]
    assert not Notification.objects.exists() and Certification.objects.filter(reminded_at__isnull=False).count() == 0

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = certifications_remind(today=today)
    assert sorted(m.to[0] for m in mail.outbox) == ["maya@example.test", "maya@example.test", "tom@example.test"]
    assert run.notified == 3 and len(run.certifications) == 2
    texts = sorted(Notification.objects.values_list("user_id", "text"))
    assert (firm.member_user.pk, "Your certification Scrum Master lapses in 30 days (6 Jan 2027); renew it.") in texts
    assert (
        firm.manager_user.pk,
        "Tom's certification Scrum Master lapses in 30 days (6 Jan 2027); renew it.",
    ) in texts
    lapsing.refresh_from_db()
    assert lapsing.reminded_at is not None
    assert len(audit_rows("certification.remind")) == 2

    again = certifications_remind(today=today)
    assert (again.notified, again.certifications, again.due) == (0, [], [])
    assert Notification.objects.count() == 3

    # A renewal (new expiry) is reminded again when it comes near.
    certification_update(
        viewer=firm.member,
        certification=lapsing,
        data=CertificationInput(name="Scrum Master", obtained_on=obtained, expires_on=today + timedelta(days=400)),
    )
    assert certification_reminders.call(today=(today + timedelta(days=380)).isoformat()) == 2
    assert Notification.objects.count() == 5


def test_the_command_lists_in_a_dry_run(firm: Firm, capsys: pytest.CaptureFixture[str]) -> None:
    Certification.objects.create(
        organisation_id=firm.admin.organisation_id,
        person=firm.member_person,
        name="PRINCE2",
        obtained_on=date(2024, 1, 1),
        expires_on=date(2026, 12, 20),
    )
    call_command("remind_certifications", "--dry-run", "--today", "2026-12-07")
    out = capsys.readouterr().out
    assert "Tom: PRINCE2 lapses on 20 Dec 2026" in out and "dry run, nobody notified" in out
    assert not Notification.objects.exists()
    call_command("remind_certifications", "--today", "2026-12-07", "--organisation", "acme")
    assert "1 certifications reminded now (1 notifications)" in capsys.readouterr().out
    assert Notification.objects.count() == 1


# --- search ---------------------------------------------------------------------------------------------------


@pytest.fixture
def rated(firm: Firm, skills: dict[str, Skill]) -> Firm:
    """Tom: Python 4 (confirmed), Django 3; Lea: Python 5, Django 2 (both confirmed); Maya (no line manager, her
    own assessment): Python 3, Scrum 5."""
    tom, lea, maya = firm.member_person, firm.member2_person, firm.manager_person
    person_skill_set(viewer=firm.manager, person=tom, skill=skills["python"], level=4, years=6)
    person_skill_set(viewer=firm.member, person=tom, skill=skills["django"], level=3)
    person_skill_set(viewer=firm.admin, person=lea, skill=skills["python"], level=5)
    person_skill_set(viewer=firm.manager, person=lea, skill=skills["django"], level=2)
    person_skill_set(viewer=firm.manager, person=maya, skill=skills["python"], level=3)
    person_skill_set(viewer=firm.manager, person=maya, skill=skills["scrum"], level=5)
    return firm


def test_people_with_skills_all_required_ranked_in_one_query(rated: Firm, skills: dict[str, Skill]) -> None:
    org = rated.admin.organisation_id
    tom, lea, maya = rated.member_person.pk, rated.member2_person.pk, rated.manager_person.pk
    py, dj, scrum = skills["python"].pk, skills["django"].pk, skills["scrum"].pk
    with CaptureQueriesContext(connection) as queries:
        found = people_with_skills(org, [(py, 3)])
    assert len(queries) == 1
    assert list(found) == [lea, tom, maya]  # 2, 1 and 0 above the minimum
    assert found[tom] == {py: 4}
    assert list(people_with_skills(org, [(py, 3), (dj, 2)])) == [tom, lea]  # 1+1 vs 2+0: a tie, by id
    assert people_with_skills(org, [(py, 3), (dj, 3)]) == {tom: {py: 4, dj: 3}}
    assert people_with_skills(org, [(py, 1), (dj, 1)], confirmed_only=True) == {lea: {py: 5, dj: 2}}
    assert people_with_skills(org, [(py, 1), (scrum, 1)], person_ids=[tom, lea]) == {}
    assert people_with_skills(org, [(py, 2), (py, 5)]) == {lea: {py: 5}}  # twice: the higher minimum
    assert set(people_with_skills(org, [], person_ids=[tom, lea])) == {tom, lea}
    Person.objects.filter(pk=lea).update(active=False)
    assert list(people_with_skills(org, [(py, 3)])) == [tom, maya]
    with pytest.raises(Invalid, match="1 \\(novice\\) to 5"):
        people_with_skills(org, [(py, 6)])


def test_skills_search_for_a_viewer(rated: Firm, skills: dict[str, Skill]) -> None:
    py, dj = skills["python"].pk, skills["django"].pk
    with CaptureQueriesContext(connection) as queries:
        found = skills_search(rated.manager, [(py, 3), (dj, 2)])
    assert len(queries) <= 3
    assert [m.person.name for m in found] == ["Tom", "Lea"]
    tom = found[0]
    assert [(lv.skill_id, lv.level, lv.confirmed) for lv in tom.levels] == [(py, 4, True), (dj, 3, False)]
    assert tom.above_minimum == 2 and tom.person.role.name == "Consultant"
    assert [m.person.name for m in skills_search(rated.admin, [(py, 3)], role_id=rated.senior.pk)] == ["Maya"]
    assert skills_search(rated.admin, [(py, 3)], company_id=rated.eur.pk) == []
    assert [m.person.name for m in skills_search(rated.finance, [(py, 1)], confirmed_only=True)] == ["Lea", "Tom"]
    with pytest.raises(Forbidden):
        skills_search(rated.member, [(py, 1)])
    with pytest.raises(Invalid):
        skills_search(rated.manager, [])
    with pytest.raises(NotFound):
        skills_search(rated.manager, [(999_999, 1)])


@pytest.mark.parametrize(("text", "expected"), [("12:3", (12, 3)), ("7", (7, 1)), (" 5:5 ", (5, 5))])
def test_the_requirement_grammar(text: str, expected: tuple[int, int]) -> None:
    assert parse_requirement(text) == expected


@pytest.mark.parametrize(("text", "error"), [("x:1", Invalid), ("3:6", Invalid), ("3:0", Invalid), ("3:-1", Invalid)])
def test_a_bad_requirement(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_requirement(text)
