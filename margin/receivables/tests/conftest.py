"""Fixtures of the receivables tests."""

from __future__ import annotations

from typing import Any

import pytest

from margin.billing.models import Invoice
from margin.receivables.tests.factories import issued_invoice
from tests.firm import Firm


@pytest.fixture
def invoice_of(firm: Firm) -> Any:
    """`invoice_of(10_000, due_days=0, ...)`: an issued invoice of the firm's client (see `issued_invoice`)."""

    def make(total_minor: int, **kwargs: Any) -> Invoice:
        return issued_invoice(firm, total_minor, **kwargs)

    return make
