"""What browser tests wait for after a form: the success notice, whichever way the form went."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def expect_notice(page: Any, text: str) -> None:
    """The notice saying `text`: the page's own when htmx answered the form, or the flash message after a
    redirect when the click came before htmx had bound the form (a busy machine; both are the product's)."""
    expect(page.get_by_role("alert").filter(has_text=text).first).to_be_visible()
