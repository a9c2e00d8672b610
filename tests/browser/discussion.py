"""Steps on the discussion panel that several browser stories take: a mention picked from the @ list, a file
attached through the form, as a person does them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect


def mention_from_list(panel: Any, typed: str, handle: str, *, shot: Path | None = None) -> Any:
    """Type `typed` (ending in the start of a name after "@") in the comment box and pick `@handle` from the
    list it opens; the box is returned for the rest of the comment. `shot`: a screenshot with the list open."""
    box = panel.get_by_label("Add a comment")
    box.click()
    box.press_sequentially(typed)
    option = panel.locator(".mention-option", has_text=f"@{handle}")
    expect(option).to_be_visible()
    if shot is not None:
        panel.page.screenshot(path=str(shot))
    option.click()
    return box


def attach(page: Any, name: str, mime_type: str, data: bytes) -> None:
    """Attach a file through the discussion panel's form, as a person picking it would."""
    files = page.get_by_test_id("attachment-form")
    files.get_by_label("File to attach").set_input_files({"name": name, "mimeType": mime_type, "buffer": data})
    files.get_by_role("button", name="Attach", exact=True).click()
