"""Domain errors. Actions raise them; the API turns them into 4xx JSON and the UI into form errors.

Nothing here knows HTTP: each class only carries the status it maps to, so one table decides it.
"""

from __future__ import annotations

from datetime import date


class DomainError(Exception):
    """Base: a request that breaks a business rule. Nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class Invalid(DomainError):
    """Input that is well-formed but not acceptable (zero minutes, a date too far ahead...)."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """Missing, or not visible to this user: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The user can see the object but may not do this to it."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object's state does not allow this now (editing an approved entry, issuing twice)."""

    status = 409
    code = "conflict"


class Unauthenticated(DomainError):
    """Credentials that do not sign anyone in (an unknown, expired or revoked token; a deactivated user)."""

    status = 401
    code = "unauthorized"


class Throttled(DomainError):
    """Too many failed attempts: nothing is checked until the wait is over."""

    status = 429
    code = "throttled"


def check_period_open(
    day: date, *, locked_through: date | None, company_name: str, what: str, verbs: str, field: str
) -> None:
    """The one refusal of a write dated in a company's closed period (ADR 0028), worded the same for
    time, expenses, invoices, credit notes and payments: `what` names the record ("an invoice"),
    `verbs` what can no longer happen to it ("issued or changed")."""
    if locked_through is not None and day <= locked_through:
        raise Conflict(
            f"The period up to {locked_through.isoformat()} is closed for {company_name}; {what} dated "
            f"{day.isoformat()} can no longer be {verbs}.",
            field=field,
            code="period_closed",
        )


# Raised by the database triggers that guard a closed period (timesheets, expenses, billing, receivables):
# a write that passed the actions' check just before a concurrent period close.
PERIOD_CLOSED_MARK = "period closed:"


def from_database(error: Exception) -> DomainError | None:
    """The domain error a database refusal stands for, when it is one of Margin's own guards."""
    if PERIOD_CLOSED_MARK in str(error):
        return Conflict(
            "The period was closed while you were saving: nothing dated on or before the lock date can "
            "change. Nothing was saved.",
            code="period_closed",
        )
    return None
