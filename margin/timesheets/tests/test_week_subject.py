"""Whose week a viewer may open (one rule for the week grid and the API) and a week's capacity."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from margin.accounts.actions import log_for_others_set
from margin.accounts.models import Membership
from margin.accounts.queries import viewer_for
from margin.core.errors import Forbidden, NotFound
from margin.core.periods import week_days
from margin.timesheets.queries import capacity_of, week_subject_get
from tests.firm import Firm


def test_own_week_someone_elses_and_a_strangers(firm: Firm) -> None:
    tom, lea = firm.member_person, firm.member2_person
    assert week_subject_get(firm.member, None) == tom
    assert week_subject_get(firm.member, tom.pk) == tom
    with pytest.raises(Forbidden):
        week_subject_get(firm.member, lea.pk)  # a colleague, without the permission
    with pytest.raises(Forbidden):
        week_subject_get(firm.manager, tom.pk)  # managing his project does not give it
    assert week_subject_get(firm.admin, tom.pk) == tom
    with pytest.raises(NotFound):
        week_subject_get(firm.admin, firm.other_project.manager_id)  # another organisation's person
    log_for_others_set(viewer=firm.admin, person=firm.member2_person, allowed=True)
    assert week_subject_get(viewer_for(firm.member2_user), tom.pk) == tom


def test_a_viewer_without_a_person_has_no_week(firm: Firm) -> None:
    user = User.objects.create_user("robot", password="x")
    Membership.objects.create(organisation_id=firm.admin.organisation_id, user=user, role="member")
    assert week_subject_get(viewer_for(user), None) is None


def test_capacity_of_a_week_without_a_calendar_of_ones_own(firm: Firm) -> None:
    days = week_days(date(2026, 3, 2))
    weekly, per_day = capacity_of(firm.member_person.pk, days)
    assert weekly == 40 * 60 and per_day == [480] * 5 + [0, 0]
    assert capacity_of(10**9, days) == (0, [0] * 7)
