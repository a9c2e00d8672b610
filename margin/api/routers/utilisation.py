"""Utilisation (both denominators, targets, realisation), its forecast from bookings, the resource heatmap and
utilisation targets. Reads are :mod:`margin.reporting.utilisation` and :mod:`margin.reporting.heatmap`; a team
member sees only their own figures; realisation is null for a viewer who sees no money."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from margin.accounts.queries import person_get, role_get
from margin.api.pagination import Pages
from margin.api.schemas.common import Id, responses
from margin.api.schemas.utilisation import (
    ForecastOut,
    ForecastQuery,
    HeatmapOut,
    HeatmapQuery,
    UtilisationOut,
    UtilisationQuery,
    UtilisationTargetIn,
    UtilisationTargetOut,
    UtilisationTargetPatch,
)
from margin.api.security import viewer_of
from margin.reporting.heatmap import heatmap
from margin.reporting.utilisation import Figures, ForecastRow, utilisation_forecast, utilisation_report
from margin.resourcing.actions import utilisation_target_delete, utilisation_target_set, utilisation_target_update
from margin.resourcing.models import UtilisationTarget
from margin.resourcing.queries import utilisation_target_get, utilisation_targets_visible

router = Router(tags=["utilisation"])


def _figures(key: int, label: str, f: Figures, money: bool) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "people": f.people,
        "capacity_minutes": f.capacity,
        "recorded_minutes": f.recorded,
        "billable_minutes": f.billable,
        "target_minutes": f.target,
        "of_capacity_pct": f.of_capacity,
        "of_recorded_pct": f.of_recorded,
        "target_pct": f.target_pct,
        "realisation_pct": f.realisation if money else None,
    }


@router.get("/utilisation", response=responses(UtilisationOut), summary="Utilisation per person, role, team or company")
def utilisation_get(request: HttpRequest, query: Query[UtilisationQuery]) -> dict[str, Any]:
    today = timezone.localdate()
    first = query.date_from or today.replace(month=1, day=1)
    last = query.date_to or today
    report = utilisation_report(viewer_of(request), first=first, last=last, group=query.group)
    return {
        "from": report.first,
        "to": report.last,
        "group": report.group,
        "rows": [_figures(r.key, r.label, r.figures, report.money) for r in report.rows],
        "total": _figures(0, "Everyone", report.total, report.money),
    }


def _forecast_row(row: ForecastRow, weeks: list[Any]) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "weeks": [
            {
                "week": w,
                "capacity_minutes": row.capacity[i],
                "hard_minutes": row.hard[i],
                "soft_minutes": row.soft[i],
                "target_minutes": row.target[i],
                "hard_pct": row.hard_pct(i),
                "hard_and_soft_pct": row.total_pct(i),
                "bench_minutes": row.bench(i),
            }
            for i, w in enumerate(weeks)
        ],
    }


@router.get(
    "/utilisation/forecast",
    response=responses(ForecastOut),
    summary="Forecast utilisation from bookings (hard, hard and soft) for the coming weeks",
)
def utilisation_forecast_get(request: HttpRequest, query: Query[ForecastQuery]) -> dict[str, Any]:
    forecast = utilisation_forecast(
        viewer_of(request), first_monday=query.date_from, weeks=query.weeks, group=query.group
    )
    return {
        "group": forecast.group,
        "rows": [_forecast_row(r, forecast.weeks) for r in forecast.rows],
        "total": _forecast_row(forecast.total, forecast.weeks),
    }


@router.get("/heatmap", response=responses(HeatmapOut), summary="The resource heatmap: people × weeks by load")
def heatmap_get(request: HttpRequest, query: Query[HeatmapQuery]) -> dict[str, Any]:
    found = heatmap(
        viewer_of(request),
        first_monday=query.date_from,
        weeks=query.weeks,
        role_id=query.role_id,
        skill_id=query.skill_id,
        min_level=query.min_level,
        company_id=query.company_id,
        project_id=query.project_id,
    )
    return {
        "weeks": found.weeks,
        "rows": [
            {
                "person_id": row.id,
                "name": row.member.name,
                "role_id": row.member.role_id,
                "company_id": row.member.company_id,
                "load_pct": row.load_pct,
                "cells": [
                    {
                        "week": w,
                        "minutes": c.minutes,
                        "capacity_minutes": c.capacity,
                        "percent": c.percent,
                        "level": c.level,
                        "past": c.past,
                    }
                    for w, c in zip(found.weeks, row.cells, strict=True)
                ],
            }
            for row in found.rows
        ],
    }


@router.get("/utilisation-targets", response=responses(list[UtilisationTargetOut]), summary="List utilisation targets")
@paginate(Pages)
def target_list(request: HttpRequest) -> QuerySet[UtilisationTarget]:
    return utilisation_targets_visible(viewer_of(request))


@router.post(
    "/utilisation-targets",
    response=responses(UtilisationTargetOut, 201),
    summary="Set a person's, a role's or the organisation's target from a day (administrators)",
)
def target_add(request: HttpRequest, payload: UtilisationTargetIn) -> Status[UtilisationTarget]:
    viewer = viewer_of(request)
    person = person_get(viewer, payload.person_id) if payload.person_id else None
    role = role_get(viewer, payload.role_id) if payload.role_id else None
    target = utilisation_target_set(
        viewer=viewer, percent=payload.percent, valid_from=payload.valid_from, person=person, role=role
    )
    return Status(201, target)


@router.get("/utilisation-targets/{target_id}", response=responses(UtilisationTargetOut), summary="Get a target")
def target_detail(request: HttpRequest, target_id: Id) -> UtilisationTarget:
    return utilisation_target_get(viewer_of(request), target_id)


@router.patch(
    "/utilisation-targets/{target_id}",
    response=responses(UtilisationTargetOut),
    summary="Change a target's percentage or first day (administrators)",
)
def target_change(request: HttpRequest, target_id: Id, payload: UtilisationTargetPatch) -> UtilisationTarget:
    viewer = viewer_of(request)
    target = utilisation_target_get(viewer, target_id)
    return utilisation_target_update(
        viewer=viewer, target=target, percent=payload.percent, valid_from=payload.valid_from
    )


@router.delete(
    "/utilisation-targets/{target_id}", response=responses(None, 204), summary="Remove a target (administrators)"
)
def target_remove(request: HttpRequest, target_id: Id) -> Status[None]:
    viewer = viewer_of(request)
    utilisation_target_delete(viewer=viewer, target=utilisation_target_get(viewer, target_id))
    return Status(204, None)
