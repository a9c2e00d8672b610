"""The REST API at /api/v1: one NinjaAPI, a router per domain, one table of error answers.

Endpoints only translate: parse the request → access function (404 if not visible) → one action →
schema. Authentication: a personal API token (`Authorization: Bearer …`) or the Django session
(with CSRF on unsafe methods). Every POST takes an `Idempotency-Key` header (margin.api.idempotency).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from margin.api import errors
from margin.api.docs import LocalSwagger
from margin.api.idempotency import document_header
from margin.api.routers import (
    accounts,
    activity,
    attachments,
    board,
    bookings,
    books,
    calendars,
    clients,
    comments,
    companies,
    contracts,
    exchange_rates,
    expenses,
    invoice_documents,
    invoice_review,
    invoices,
    leveling,
    notifications,
    people,
    periods,
    planning,
    preferences,
    project_copies,
    projects,
    receivables,
    revenue,
    risks,
    roles,
    skills,
    staffing,
    time_entries,
    time_off,
    timers,
    users,
    utilisation,
    webhooks,
)
from margin.api.security import BearerToken, SessionAuth


class MarginAPI(NinjaAPI):
    """NinjaAPI whose document also describes what the middleware adds (the Idempotency-Key header)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_header(schema)
        return schema


api = MarginAPI(
    title="Margin API",
    version="1",
    description=(
        "Projects, time, invoices and profitability of a professional-services firm. "
        "Money is integer minor units plus currency plus a decimal string; durations are minutes. "
        "Every error answers `{detail, code, field}`."
    ),
    auth=[BearerToken(), SessionAuth()],
    docs=LocalSwagger(),
)
errors.install(api)

api.add_router("/", accounts.router)
api.add_router("/companies", companies.router)
api.add_router("/organisation", companies.organisation_router)
api.add_router("/people", people.router)
api.add_router("/roles", roles.router)
api.add_router("/clients", clients.router)
api.add_router("/contracts", contracts.router)
api.add_router("/", contracts.around_router)
api.add_router("/projects", projects.router)
api.add_router("/", project_copies.router)
api.add_router("/time-entries", time_entries.router)
api.add_router("/timers", timers.router)
api.add_router("/invoices", invoices.router)
api.add_router("/", invoice_review.router)
api.add_router("/invoices", invoice_documents.router)
api.add_router("/", planning.router)
api.add_router("/", leveling.router)
api.add_router("/", utilisation.router)
api.add_router("/bookings", bookings.router)
api.add_router("/staffing-requests", staffing.requests_router)
api.add_router("/staffing-plans", staffing.plans_router)
api.add_router("/time-off", time_off.router)
api.add_router("/", board.router)
api.add_router("/", periods.router)
api.add_router("/calendars", calendars.router)
api.add_router("/notifications", notifications.router)
api.add_router("/exchange-rates", exchange_rates.router)
api.add_router("/expenses", expenses.router)
api.add_router("/comments", comments.router)
api.add_router("/attachments", attachments.router)
api.add_router("/books", books.router)
api.add_router("/revenue", revenue.router)
api.add_router("/", users.router)
api.add_router("/payments", receivables.payments)
api.add_router("/bank-statements", receivables.statements)
api.add_router("/", receivables.reports)
api.add_router("/", skills.router)
api.add_router("/", risks.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/allowed-hosts", webhooks.hosts_router)
api.add_router("/me/channels", webhooks.channels_router)
api.add_router("/", activity.router)
api.add_router("/", preferences.router)
