"""The one NinjaAPI at /api/v1, assembled here (wiring): the domain routers that `margin.api` attaches itself,
and the routers of the integrations, which sit above `margin.api` in the layers and so cannot be attached
from it. `config.urls` serves this object; anything that reads the API's routes or OpenAPI document (the
`export_openapi` command, the JSON 404 of unknown paths) loads the URL configuration first, so it sees the
API as served."""

from __future__ import annotations

from margin.api.main import api
from margin.integrations.ledgers.api import router as ledgers
from margin.integrations.msproject.api import router as msproject
from margin.integrations.projectfile.api import router as projectfile
from margin.integrations.timecsv.api import router as timecsv

api.add_router("/", msproject)
api.add_router("/", timecsv)
api.add_router("/", projectfile)
api.add_router("/", ledgers)

__all__ = ["api"]
