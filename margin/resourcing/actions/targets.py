"""Writes of utilisation targets: an administrator sets a person's, a role's or the organisation's default target
from a day on (setting one again on the same day changes it), changes or removes one.

A target is a whole percentage of capacity from 0 to 100. The latest target valid on a day applies
(:mod:`margin.resourcing.queries.targets`), so history stays: a new target from 1 July leaves the first half
year measured against the old one.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.core import audit
from margin.core.errors import Forbidden, Invalid
from margin.resourcing.models import UtilisationTarget

TARGET_FIELDS = ["person", "role", "valid_from", "percent"]
EARLIEST = date(2000, 1, 1)


def _require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise Forbidden("Only an administrator sets utilisation targets.")


def _check(viewer: Viewer, *, person: Person | None, role: Role | None, valid_from: object, percent: object) -> None:
    if person is not None and role is not None:
        raise Invalid("A target is for a person, for a role, or the organisation's default: not both.", field="role_id")
    if person is not None and (
        person.organisation_id != viewer.organisation_id or person.company_id not in viewer.company_ids
    ):
        raise Invalid("No such person.", field="person_id")
    if role is not None and role.organisation_id != viewer.organisation_id:
        raise Invalid("No such role.", field="role_id")
    if type(percent) is not int or not 0 <= percent <= 100:
        raise Invalid("A utilisation target is a whole percentage from 0 to 100.", field="percent")
    if not isinstance(valid_from, date) or valid_from < EARLIEST:
        raise Invalid("Say the day the target applies from.", field="valid_from")


def _audit(viewer: Viewer, action: str, target: UtilisationTarget, before: dict[str, object] | None = None) -> None:
    audit.record(
        organisation_id=viewer.organisation_id,
        actor_id=viewer.user_id,
        action=action,
        obj=target,
        before=before,
        after=None if action.endswith("delete") else audit.snapshot(target, TARGET_FIELDS),
    )


@transaction.atomic
def utilisation_target_set(
    *, viewer: Viewer, percent: int, valid_from: date, person: Person | None = None, role: Role | None = None
) -> UtilisationTarget:
    """The target of ``person``, else ``role``, else the organisation (neither) from ``valid_from`` on."""
    _require_admin(viewer)
    _check(viewer, person=person, role=role, valid_from=valid_from, percent=percent)
    existing = (
        UtilisationTarget.objects.select_for_update()
        .filter(
            organisation_id=viewer.organisation_id,
            person=person,
            role=None if person is not None else role,
            valid_from=valid_from,
        )
        .first()
    )
    if existing is not None:
        before = audit.snapshot(existing, TARGET_FIELDS)
        existing.percent = percent
        existing.save(update_fields=["percent"])
        _audit(viewer, "utilisation_target.update", existing, before)
        return existing
    target = UtilisationTarget.objects.create(
        organisation_id=viewer.organisation_id, person=person, role=role, valid_from=valid_from, percent=percent
    )
    _audit(viewer, "utilisation_target.create", target)
    return target


@transaction.atomic
def utilisation_target_update(
    *, viewer: Viewer, target: UtilisationTarget, percent: int | None = None, valid_from: date | None = None
) -> UtilisationTarget:
    _require_admin(viewer)
    locked = (
        UtilisationTarget.objects.select_for_update(of=("self",)).select_related("person", "role").get(pk=target.pk)
    )
    new_percent = locked.percent if percent is None else percent
    new_from = locked.valid_from if valid_from is None else valid_from
    _check(viewer, person=locked.person, role=locked.role, valid_from=new_from, percent=new_percent)
    clash = (
        UtilisationTarget.objects.filter(
            organisation_id=locked.organisation_id, person=locked.person, role=locked.role, valid_from=new_from
        )
        .exclude(pk=locked.pk)
        .exists()
    )
    if clash:
        raise Invalid("There is already a target from that day; change that one instead.", field="valid_from")
    before = audit.snapshot(locked, TARGET_FIELDS)
    locked.percent, locked.valid_from = new_percent, new_from
    locked.save(update_fields=["percent", "valid_from"])
    _audit(viewer, "utilisation_target.update", locked, before)
    return locked


@transaction.atomic
def utilisation_target_delete(*, viewer: Viewer, target: UtilisationTarget) -> None:
    _require_admin(viewer)
    locked = UtilisationTarget.objects.select_for_update().get(pk=target.pk)
    _audit(viewer, "utilisation_target.delete", locked, audit.snapshot(locked, TARGET_FIELDS))
    locked.delete()
