"""Fixtures shared by every test: a small firm built through the real actions."""

from __future__ import annotations

import pytest

from tests.firm import Firm, build_firm


@pytest.fixture
def firm(db: None) -> Firm:
    return build_firm()
