"""The demo firm's utilisation targets: the organisation's default (75 % of capacity), the principals' (40 %: they
sell and lead more than they bill), the consultants' (80 %), and the demo member's own lower target from six weeks
before the anchor (he mentors a new joiner), so the utilisation screen shows a target that changes mid-period.

All from the first of the anchor's year minus one, so the whole demo history has a target."""

from __future__ import annotations

from datetime import date, timedelta

from margin.accounts.models import Person, Role
from margin.accounts.queries import Viewer
from margin.demo.specs import CONSULTANT, DEMO_MEMBER, PRINCIPAL
from margin.resourcing.actions import utilisation_target_set

DEFAULT_TARGET = 75
ROLE_TARGETS = {PRINCIPAL: 40, CONSULTANT: 80}
MEMBER_TARGET = 65


def demo_utilisation_targets(admin: Viewer, people: dict[str, Person], anchor: date) -> None:
    since = date(anchor.year - 1, 1, 1)
    utilisation_target_set(viewer=admin, percent=DEFAULT_TARGET, valid_from=since)
    for name, percent in ROLE_TARGETS.items():
        role = Role.objects.filter(organisation_id=admin.organisation_id, name=name).first()
        if role is not None:
            utilisation_target_set(viewer=admin, percent=percent, valid_from=since, role=role)
    member = people.get(DEMO_MEMBER)
    if member is not None:
        utilisation_target_set(
            viewer=admin, percent=MEMBER_TARGET, valid_from=anchor - timedelta(weeks=6), person=member
        )
