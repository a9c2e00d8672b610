"""Limit/offset pagination with bounded numbers (a huge offset is a 422, not a database overflow)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_OFFSET = 10**12


class Pages(LimitOffsetPagination):
    """`?limit=&offset=` → `{"items": [...], "count": n}`; at most 500 items a page."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT})")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
