"""Reads of utilisation targets: which a viewer sees, and the target that applies to a person on each day.

A person's target on a day is the latest of their own targets valid from that day or before; else the latest of
their role's; else the organisation's default; else none (0 %, shown as "no target"). A period that spans a
change weighs each day's target by that day's capacity (:func:`target_minutes`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from margin.accounts.queries import Viewer
from margin.core.errors import NotFound
from margin.resourcing.models import UtilisationTarget


def utilisation_targets_visible(viewer: Viewer) -> QuerySet[UtilisationTarget]:
    """Every target of the viewer's organisation (a person's only if they are in the viewer's companies)."""
    return (
        UtilisationTarget.objects.filter(organisation_id=viewer.organisation_id)
        .filter(Q(person__isnull=True) | Q(person__company_id__in=viewer.company_ids))
        .select_related("person", "role")
        .order_by("valid_from", "id")
    )


def utilisation_target_get(viewer: Viewer, target_id: int) -> UtilisationTarget:
    found = utilisation_targets_visible(viewer).filter(pk=target_id).first()
    if found is None:
        raise NotFound("No such utilisation target.")
    return found


@dataclass
class Targets:
    """An organisation's targets, read once, answering per person and day."""

    default: list[tuple[date, int]] = field(default_factory=list)
    by_role: dict[int, list[tuple[date, int]]] = field(default_factory=dict)
    by_person: dict[int, list[tuple[date, int]]] = field(default_factory=dict)

    def steps(self, person_id: int, role_id: int | None) -> list[tuple[date, int]]:
        """The person's target as steps (from a day, percent), sorted: own targets win over the role's, the
        role's over the default, from the first day each applies."""
        layers = [self.default, self.by_role.get(role_id or 0, []), self.by_person.get(person_id, [])]
        days = sorted({d for layer in layers for d, _ in layer})
        out: list[tuple[date, int]] = []
        for day in days:
            percent = 0
            for layer in layers:
                i = bisect_right(layer, (day, 101))
                if i:
                    percent = layer[i - 1][1]
            if not out or out[-1][1] != percent:
                out.append((day, percent))
        return out

    def percent_on(self, person_id: int, role_id: int | None, day: date) -> int | None:
        steps = self.steps(person_id, role_id)
        i = bisect_right(steps, (day, 101))
        return steps[i - 1][1] if i else None


def targets_of(organisation_id: int) -> Targets:
    out = Targets()
    role: dict[int, list[tuple[date, int]]] = defaultdict(list)
    person: dict[int, list[tuple[date, int]]] = defaultdict(list)
    rows = UtilisationTarget.objects.filter(organisation_id=organisation_id).order_by("valid_from", "id")
    for person_id, role_id, valid_from, percent in rows.values_list("person_id", "role_id", "valid_from", "percent"):
        if person_id is not None:
            person[person_id].append((valid_from, percent))
        elif role_id is not None:
            role[role_id].append((valid_from, percent))
        else:
            out.default.append((valid_from, percent))
    out.by_role, out.by_person = dict(role), dict(person)
    return out


def target_minutes(steps: Sequence[tuple[date, int]], days: Sequence[date], capacity: Sequence[int]) -> int:
    """Σ over ``days`` (consecutive) of capacity × that day's target %, in minutes (rounded down once)."""
    if not steps or not days:
        return 0
    first = days[0]
    total = 0  # minutes × percent
    for i, (since, percent) in enumerate(steps):
        until = steps[i + 1][0] if i + 1 < len(steps) else None
        lo = max(0, (since - first).days)
        hi = len(days) if until is None else max(0, min(len(days), (until - first).days))
        if hi > lo and percent:
            total += sum(capacity[lo:hi]) * percent
    return total // 100
