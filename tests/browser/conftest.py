"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse ORM calls
from that thread as "async-unsafe"; the tests only touch the database between browser steps, so we
allow it here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from tests.firm import PASSWORD, Firm, build_firm

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server answers one request at a time. On the in-memory SQLite database its threads share the test's
    one connection, and two requests in flight (the week grid saves cells as the user types) then collide ("cannot
    start a transaction within a transaction"). Connections stay threaded (keep-alive), only the app is serialised."""

    _lock = threading.Lock()

    def set_app(self, application: Callable[..., Iterable[bytes]]) -> None:
        def one_at_a_time(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = _OneRequestAtATime

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_firm(transactional_db: None) -> Firm:
    return build_firm()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def sign_in(page: Any) -> Callable[[str], Any]:
    def _sign_in(username: str) -> Any:
        page.goto("/signin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page

    return _sign_in
