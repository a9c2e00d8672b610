"""Who may open a screen: sign-in, the `Viewer`, role checks, and domain errors turned into HTTP.

Every view of the web UI is wrapped by `viewer_view`: it signs the user in (or sends them to the
sign-in page, with an htmx-aware redirect), builds the viewer, and maps the domain's errors so that
nothing a user sends can end in a 500: `NotFound` → 404, `Forbidden` → 403, any other
`DomainError` → its 4xx status with the message in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from margin.accounts.models import AccessRole
from margin.accounts.queries import Viewer, margin_number, viewer_for
from margin.accounts.rules import client_address as address_behind_proxies
from margin.core.errors import DomainError, Forbidden, NotFound, from_database
from margin.timesheets.queries import delegations_in_force

P = ParamSpec("P")


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


def before_two_factor(
    view: Callable[Concatenate[HtmxRequest, P], HttpResponse],
) -> Callable[Concatenate[HtmxRequest, P], HttpResponse]:
    """Mark a `viewer_view` that someone whose organisation requires a second factor may open before
    they have set one up (the set-up screens themselves). Apply it beneath `viewer_view`."""
    view.before_two_factor = True  # type: ignore[attr-defined]
    return view


def viewer_view(
    view: Callable[Concatenate[HtmxRequest, Viewer, P], HttpResponse],
) -> Callable[Concatenate[HtmxRequest, P], HttpResponse]:
    """Require a signed-in member of an organisation and pass their `Viewer` to the view. When their
    organisation requires two-factor authentication and they have none, every screen but the set-up
    sends them to set it up."""
    open_before_two_factor = getattr(view, "before_two_factor", False)

    @wraps(view)
    def wrapped(request: HtmxRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.htmx:
                return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
            return redirect_to_login(request.get_full_path())
        try:
            viewer = viewer_for(request.user)
        except NotFound:
            raise PermissionDenied("Your account does not belong to any organisation.") from None
        if not open_before_two_factor and viewer.second_factor_due:
            if request.htmx:
                return HttpResponseClientRedirect(resolve_url("web:two_factor"))
            return redirect("web:two_factor")
        try:
            try:
                return view(request, viewer, *args, **kwargs)
            except DatabaseError as refused:
                # A database guard (a period closed during the request) is a refusal, not a crash.
                guarded = from_database(refused)
                if guarded is None:
                    raise
                raise guarded from refused
        except PermissionDenied as denied:
            if request.htmx:
                return domain_error_response(request, Forbidden(str(denied) or "You may not do this."))
            raise
        except Http404 as missing:
            if request.htmx:
                return domain_error_response(request, NotFound(str(missing) or "Not found."))
            raise
        except DomainError as error:
            if request.htmx:
                return domain_error_response(request, error)
            if isinstance(error, NotFound):
                raise Http404(error.message) from error
            if isinstance(error, Forbidden):
                raise PermissionDenied(error.message) from error
            return domain_error_response(request, error)

    return wrapped


def client_address(request: HttpRequest) -> str:
    """The address a request came from (MARGIN["TRUSTED_PROXIES"] proxies in front append to X-Forwarded-For)."""
    return address_behind_proxies(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        margin_number("TRUSTED_PROXIES"),
    )


def domain_error_response(request: HtmxRequest, error: DomainError) -> HttpResponse:
    """The message of a refused request, as a page or (for htmx) as an alert fragment."""
    template = "web/errors/error.html#message" if request.htmx else "web/errors/error.html"
    return render(request, template, {"message": error.message, "status": error.status}, status=error.status)


def can_approve(viewer: Viewer) -> bool:
    """Administrators, project managers, and anyone holding a delegation of approvals in force today."""
    if viewer.is_admin or viewer.role == AccessRole.MANAGER:
        return True
    return viewer.person_id is not None and delegations_in_force(viewer.person_id, timezone.localdate()).exists()


def can_edit_clients(viewer: Viewer) -> bool:
    """Clients' billing terms (increment, rounding): administrators, finance and project managers."""
    return viewer.role in (AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER)


def require_approver(viewer: Viewer) -> None:
    if not can_approve(viewer):
        raise PermissionDenied("Only project managers and administrators approve time.")


def require_finance(viewer: Viewer) -> None:
    if not viewer.is_finance:
        raise PermissionDenied("Only finance and administrators work with invoices.")
