"""A person's line manager: set and cleared by an administrator, never themselves nor one of their reports."""

from __future__ import annotations

from margin.accounts.actions import person_update
from margin.accounts.models import Person
from margin.core.errors import Forbidden, Invalid, NotFound
from tests.checks import audit_rows, refused
from tests.firm import Firm


def test_an_administrator_sets_and_clears_a_line_manager(firm: Firm) -> None:
    person_update(viewer=firm.admin, person=firm.member_person, manager=firm.manager_person)
    assert Person.objects.get(pk=firm.member_person.pk).manager_id == firm.manager_person.pk
    assert audit_rows("person.update", firm.member_person)[-1].after == {"manager": firm.manager_person.pk}
    person_update(viewer=firm.admin, person=firm.member_person, manager=None)
    assert Person.objects.get(pk=firm.member_person.pk).manager_id is None


def test_no_one_manages_themselves_nor_their_own_manager(firm: Firm) -> None:
    with refused(Invalid, firm.member_person, match="cannot be their own line manager"):
        person_update(viewer=firm.admin, person=firm.member_person, manager=firm.member_person)
    person_update(viewer=firm.admin, person=firm.member_person, manager=firm.manager_person)
    person_update(viewer=firm.admin, person=firm.member2_person, manager=firm.member_person)
    with refused(Invalid, firm.manager_person, match="Lea reports to Maya already"):
        person_update(viewer=firm.admin, person=firm.manager_person, manager=firm.member2_person)


def test_only_an_administrator_and_only_within_the_organisation(firm: Firm) -> None:
    with refused(Forbidden, firm.member_person):
        person_update(viewer=firm.manager, person=firm.member_person, manager=firm.manager_person)
    stranger = Person.objects.exclude(organisation_id=firm.member_person.organisation_id).first()
    assert stranger is not None
    with refused(NotFound, firm.member_person):
        person_update(viewer=firm.admin, person=firm.member_person, manager=stranger)
