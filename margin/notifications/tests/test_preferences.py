"""Preferences: defaults without a row, a round trip, only differences stored, bad input refused whole."""

from __future__ import annotations

import pytest

from margin.core.errors import Invalid
from margin.core.models import AuditEntry
from margin.notifications.actions import preferences_save
from margin.notifications.models import Preference
from margin.notifications.queries import preferences_for, preferences_of
from margin.notifications.rules import EVENT_KINDS, Choice, default_choice
from tests.firm import Firm


def test_without_a_row_each_kind_has_its_defaults(firm: Firm) -> None:
    mine = preferences_of(firm.member)
    assert set(mine) == set(EVENT_KINDS)
    assert mine["comment.mentioned"] == Choice(app=True, email="immediate", slack=False, teams=False)
    assert mine["risk.changed"] == Choice(app=False, email="off", slack=False, teams=False)


def test_a_round_trip_stores_only_what_differs(firm: Firm) -> None:
    digest = Choice(app=True, email="digest", slack=True, teams=False)
    saved = preferences_save(
        viewer=firm.member,
        choices={"risk.raised": digest, "comment.created": default_choice("comment.created")},
    )
    assert saved["risk.raised"] == digest
    assert preferences_of(firm.member)["risk.raised"] == digest
    assert preferences_of(firm.manager)["risk.raised"] == default_choice("risk.raised")  # only mine changed
    assert list(Preference.objects.filter(user=firm.member_user).values_list("kind", flat=True)) == ["risk.raised"]
    row = AuditEntry.objects.get(action="notification_preferences.save")
    assert row.after == {"risk.raised": {"app": True, "email": "digest", "slack": True, "teams": False}}
    # Back to the defaults: the row goes.
    preferences_save(viewer=firm.member, choices={"risk.raised": default_choice("risk.raised")})
    assert not Preference.objects.filter(user=firm.member_user).exists()


def test_preferences_for_reads_many_people_in_one_query(firm: Firm, django_assert_num_queries: object) -> None:
    preferences_save(viewer=firm.member, choices={"risk.raised": Choice(False, "off", False, False)})
    ids = [firm.member_user.pk, firm.manager_user.pk]
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = preferences_for(firm.member.organisation_id, "risk.raised", ids)
    assert found[firm.member_user.pk].app is False
    assert found[firm.manager_user.pk] == default_choice("risk.raised")


@pytest.mark.parametrize(
    ("choices", "match"),
    [
        ({"no.such.kind": Choice(True, "off", False, False)}, "Unknown kind"),
        ({"risk.raised": Choice(True, "weekly", False, False)}, "must be one of"),
        ({"risk.raised": Choice("yes", "off", False, False)}, "true or false"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_refused_and_nothing_changes(firm: Firm, choices: dict[str, Choice], match: str) -> None:
    preferences_save(viewer=firm.member, choices={"risk.changed": Choice(True, "off", False, False)})
    before = list(Preference.objects.values_list("kind", "app", "email", "slack", "teams"))
    audits = AuditEntry.objects.count()
    with pytest.raises(Invalid, match=match):
        preferences_save(viewer=firm.member, choices={"comment.created": Choice(False, "off", False, False), **choices})
    assert list(Preference.objects.values_list("kind", "app", "email", "slack", "teams")) == before
    assert AuditEntry.objects.count() == audits
