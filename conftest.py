"""Fixtures shared by every test: a small firm built through the real actions (once per module, see
tests/shared_firm.py), and a clock that keeps timer tests away from midnight."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, time
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import settings
from pytest_django.plugin import blocking_manager_key

from tests.firm import Firm, build_firm
from tests.shared_firm import FIXTURE, shared, shares_the_firm

# Property tests explore new examples on a developer's machine; CI (.ci/run) replays a fixed sequence, so a run
# that lands cannot fail on an example no earlier run met (what a search finds is fixed with its own test).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def firm(request: pytest.FixtureRequest, db: None) -> Firm:
    if FIXTURE in request.fixturenames:
        shared_copy: Firm = request.getfixturevalue(FIXTURE)
        return shared_copy
    return build_firm()


@pytest.fixture(scope="session")
def _shared_firm_session(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    shared.close(django_db_blocker)  # before the test database goes


@pytest.fixture
def _shared_firm(request: pytest.FixtureRequest, _shared_firm_session: None, django_db_blocker: Any) -> Firm:
    return shared.for_module(request.module, django_db_blocker)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if FIXTURE not in getattr(item, "fixturenames", ()):  # it must see the database without the module's firm
        shared.close(item.config.stash[blocking_manager_key])


@pytest.fixture
def midday(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Move Django's clock to today's noon (local time) and let it run from there.

    Timers started "42 minutes ago" must not cross midnight when the suite runs at 00:10, or they
    would be refused as spanning two days. Returns the moved "now" at the time of the call.
    """
    real_now: Callable[[], datetime] = timezone.now
    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    shift = real_now() - noon
    monkeypatch.setattr(timezone, "now", lambda: real_now() - shift)
    return timezone.now()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the groups to schedule them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests for `pytest -n 2 --dist loadgroup` (make test): a module's tests stay on one worker, so its
    module-scoped fixtures (the demo firm, the shared test firm) are built once; and every browser test runs on the
    same worker, so two Chromiums never fight for the two cores while timing-sensitive drags and focus checks run."""
    for item in items:
        group = "browser" if _is_browser(item) else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
        # set up before pytest-django's transaction (`db`), whatever order the test names its fixtures in
        if shares_the_firm(item) and FIXTURE not in item.fixturenames:
            item.fixturenames.insert(0, FIXTURE)  # type: ignore[attr-defined]


class _BrowserTestsFirst:
    """xdist hands the groups out in collection order, so the browser group (the longest, minutes) goes first: one
    worker starts it while the other takes the short modules, and neither waits for the other at the end."""

    @pytest.hookimpl(trylast=True)  # after pytest-django's, which puts the tests that commit (the browser's) last
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: not _is_browser(item))  # stable: each part keeps its order


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_BrowserTestsFirst(), "margin-browser-tests-first")


def _is_browser(item: pytest.Item) -> bool:
    return "tests/browser/" in item.nodeid
