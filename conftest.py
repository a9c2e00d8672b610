"""Fixtures shared by every test: a small firm built through the real actions, and a clock that
keeps timer tests away from midnight."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, time

import pytest
from django.utils import timezone
from hypothesis import settings

from tests.firm import Firm, build_firm

# Property tests explore new examples on a developer's machine; CI (.ci/run) replays a fixed sequence, so a run
# that lands cannot fail on an example no earlier run met (what a search finds is fixed with its own test).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def firm(db: None) -> Firm:
    return build_firm()


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests for `pytest -n 2 --dist loadgroup` (make test): a module's tests stay on one worker, so its
    module-scoped fixtures (the demo firm) are built once; and every browser test runs on the same worker, so two
    Chromiums never fight for the two cores while timing-sensitive drags and focus checks run."""
    for item in items:
        group = "browser" if "tests/browser/" in item.nodeid else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
