"""A receipt's files live exactly as long as its row: when the upload's transaction rolls back (inside
`receipt_add` or in a caller's transaction around it), the stored files are deleted at once; when it
commits, they stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from margin.core import audit
from margin.core.errors import Invalid
from margin.expenses import actions
from margin.expenses.models import ExpenseCategory, ExpenseLine, Receipt
from margin.expenses.tests import files
from margin.expenses.tests.conftest import FxTable
from tests.checks import refused
from tests.firm import Firm

Cats = dict[str, ExpenseCategory]


def _line(firm: Firm, cats: Cats) -> ExpenseLine:
    claim = actions.claim_create(viewer=firm.member, title="Lunch")
    return actions.line_add(
        viewer=firm.member, claim=claim, date=date(2026, 3, 10), category=cats["meals"], amount_minor=900
    )


def _stored() -> set[str]:
    """Every file under receipts/ in the storage."""
    found: set[str] = set()

    def walk(folder: str) -> None:
        if not default_storage.exists(folder):
            return
        folders, names = default_storage.listdir(folder)
        found.update(f"{folder}/{name}" for name in names)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk("receipts")
    return found


def test_a_failure_inside_the_upload_leaves_no_file(
    firm: Firm, cats: Cats, fx: FxTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _line(firm, cats)
    before = _stored()
    written: list[str] = []
    record = audit.record

    def failing_record(**kwargs: Any) -> Any:
        if kwargs["action"] == "receipt.create":  # the files and the row are written by now
            receipt = kwargs["obj"]
            written.extend([receipt.file.name, receipt.thumbnail.name])
            assert all(default_storage.exists(name) for name in written)
            raise Invalid("A later check fails.")
        return record(**kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    with refused(Invalid, line, match="later check"):
        actions.receipt_add(viewer=firm.member, line=line, data=files.image("PNG"), filename="lunch.png")
    assert len(written) == 2 and not any(default_storage.exists(name) for name in written)
    assert _stored() == before


def test_a_rollback_of_the_callers_transaction_leaves_no_file(firm: Firm, cats: Cats, fx: FxTable) -> None:
    line = _line(firm, cats)
    before = _stored()
    names: list[str] = []
    with pytest.raises(Invalid), transaction.atomic():
        receipt = actions.receipt_add(viewer=firm.member, line=line, data=files.image("JPEG"))
        names += [receipt.file.name, receipt.thumbnail.name]
        assert all(default_storage.exists(name) for name in names)  # usable inside the transaction
        raise Invalid("The caller's next step fails.")
    assert not Receipt.objects.filter(line=line).exists()
    assert not any(default_storage.exists(name) for name in names)
    assert _stored() == before


def test_a_committed_upload_keeps_its_files(
    firm: Firm, cats: Cats, fx: FxTable, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    line = _line(firm, cats)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        receipt = actions.receipt_add(viewer=firm.member, line=line, data=files.pdf(), filename="hotel.pdf")
    assert len(callbacks) == 1
    assert default_storage.exists(receipt.file.name)
    # The kept file goes only with its receipt, once that deletion commits.
    with django_capture_on_commit_callbacks(execute=True):
        actions.receipt_delete(viewer=firm.member, receipt=receipt)
    assert not default_storage.exists(receipt.file.name)


def test_a_failure_between_the_two_files_leaves_neither(
    firm: Firm, cats: Cats, fx: FxTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receipt is stored, then its thumbnail fails to store: the receipt file goes too."""
    line = _line(firm, cats)
    before = _stored()
    save = default_storage.save
    written: list[str] = []

    def failing_save(name: str, content: Any, max_length: int | None = None) -> str:
        if written:
            raise OSError("disk full")
        written.append(save(name, content, max_length=max_length))
        return written[-1]

    monkeypatch.setattr(default_storage, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        actions.receipt_add(viewer=firm.member, line=line, data=files.image("PNG"))
    assert len(written) == 1 and not default_storage.exists(written[0])
    assert _stored() == before and not Receipt.objects.exists()
