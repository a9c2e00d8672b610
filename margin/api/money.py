"""The money rule in the API's answers (the rule itself is `margin.projects.queries.money_visible`).

Two kinds of operations carry money:

- operations that answer nothing but money (profitability, bill rates, invoices, earned value, cost
  rates) refuse a viewer who may not see it: 403 when the project is visible to them, 404 for an
  invoice (an invisible object). They are marked ``x-money: "operation"`` in the OpenAPI document;
- shapes that others may read too (a project, a time entry, an expense line, a baseline) keep their
  money fields but answer **null** in them for a viewer who may not see that project's money. Those
  fields are marked ``x-money: true`` and say so in their description. Null rather than an omitted
  field: the shape stays the same for every caller, and generated clients need no optional keys.

A field's resolver asks `shown(context, project_id)`; the viewer's `MoneyScope` is read once per
request. Anything that cannot tell (no request in the context) shows no money.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field

from margin.api.schemas.common import MoneyOut, money
from margin.api.security import viewer_of
from margin.projects.queries import MoneyScope, money_scope

HIDDEN = "Null unless you may see this project's money (finance, administrators, the project's manager)."
# openapi_extra of an operation that answers only money.
MONEY_ONLY: dict[str, Any] = {"x-money": "operation"}
# json_schema_extra of a shape that is all money (answered only by MONEY_ONLY operations).
MONEY_SHAPE: dict[str, Any] = {"x-money": "shape"}


def money_field(description: str) -> Any:
    """A money field in a shape that viewers without the project's money read too (null for them)."""
    return Field(description=f"{description}. {HIDDEN}", json_schema_extra={"x-money": True})


def _scope(request: HttpRequest) -> MoneyScope:
    scope = getattr(request, "_margin_money_scope", None)
    if not isinstance(scope, MoneyScope):
        scope = money_scope(viewer_of(request))
        request._margin_money_scope = scope  # type: ignore[attr-defined]
    return scope


def shown(context: Any, project_id: int | None) -> bool:
    """May the caller of this request see the money of this project?"""
    request = context.get("request") if isinstance(context, dict) else None
    if not isinstance(request, HttpRequest):
        return False
    return _scope(request).covers(project_id)


def money_shown(context: Any, project_id: int | None, minor: int | None, currency: str) -> MoneyOut | None:
    """The amount, or None when the caller may not see this project's money (or there is none)."""
    if minor is None or not shown(context, project_id):
        return None
    return money(minor, currency)
