"""Comments in the browser: Maya opens a task, writes a comment mentioning Tom chosen from the "@" list, posts it
and attaches a sketch (its preview shows; a file that lies about its type is refused in the form); Tom signs in,
the bell tells him, and the comment shows with his mention highlighted."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.discussion import attach, mention_from_list
from tests.firm import Firm

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/margin-shots")


def _png() -> bytes:
    image = Image.new("RGB", (320, 200), (240, 244, 248))
    for x in range(20, 300):
        for y in (20, 21, 22):
            image.putpixel((x, y), (32, 107, 196))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def patient(page: Any) -> Iterator[Any]:
    """The story makes a dozen requests per step: on a busy machine give each more than the 10 s default."""
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    expect.set_options(timeout=20_000)
    yield page
    expect.set_options(timeout=5_000)  # Playwright's default, for the other tests


def test_mention_notify_and_attach(patient: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm, page = browser_firm, patient
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("maya")
    page.goto(f"/tasks/{firm.design.pk}/")
    panel = page.get_by_test_id("discussion")
    expect(panel.get_by_test_id("no-comments")).to_be_visible()
    box = mention_from_list(panel, "Please check the estimate, @to", "tom", shot=SHOTS / "comments-autocomplete.png")
    expect(box).to_have_value("Please check the estimate, @tom ")
    box.press_sequentially("— **before Friday** <script>alert(1)</script>")
    panel.get_by_role("button", name="Comment").click()
    comment = page.get_by_test_id("comment")
    expect(comment).to_have_count(1)
    expect(comment.locator(".mention")).to_have_text("@Tom")
    expect(comment.get_by_test_id("comment-body").locator("strong")).to_have_text("before Friday")
    expect(comment.get_by_test_id("comment-body")).to_contain_text("<script>alert(1)</script>")  # shown as text

    # A file that lies about its type is refused in the form; an image is attached and previewed.
    attach(page, "invoice.pdf", "application/pdf", b"<html><script>alert(1)</script></html>")
    expect(page.get_by_test_id("file-error")).to_contain_text("invoice.pdf is HTML")
    expect(page.get_by_test_id("attachment")).to_have_count(0)
    attach(page, "estimate-sketch.png", "image/png", _png())
    preview = page.get_by_test_id("attachment-preview")
    expect(preview).to_be_visible()
    expect(page.get_by_test_id("attachment-name")).to_have_text("estimate-sketch.png")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    page.get_by_test_id("discussion").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "comments-maya.png"), full_page=True)
    page.context.clear_cookies()

    # Tom: the bell tells him, and the comment shows his mention highlighted.
    sign_in("tom")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    menu = page.get_by_test_id("notification-menu")
    expect(menu).to_contain_text("Maya mentioned you on Design")
    page.screenshot(path=str(SHOTS / "comments-bell.png"))
    menu.get_by_role("link", name="Maya mentioned you").click()
    page.wait_for_url(f"**/tasks/{firm.design.pk}/**")
    mention = page.get_by_test_id("comment").locator(".mention")
    expect(mention).to_have_text("@Tom")
    background = mention.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(page.get_by_test_id("attachment-preview")).to_be_visible()
    # The task's history tells it in sentences, newest first: the file, then Maya's comment.
    sentences = page.get_by_test_id("history-sentence")
    expect(sentences.nth(0)).to_have_text("Maya attached estimate-sketch.png to Design")
    expect(sentences.nth(1)).to_have_text("Maya commented on Design")
    page.get_by_test_id("discussion").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "comments-tom.png"), full_page=True)


# The shares of dark and of white pixels in an image as the browser decoded it.
SHARES = """img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0, white = 0;
    for (let i = 0; i < data.length; i += 4) {
        const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
        if (v < 60) dark++; else if (v > 230) white++;
    }
    return [dark / (data.length / 4), white / (data.length / 4)];
}"""


def _pdf() -> bytes:
    """A one-page A4 PDF drawn by WeasyPrint: a title and a black box in the middle of the page."""
    import weasyprint

    return bytes(
        weasyprint.HTML(
            string="<style>@page{size:A4;margin:2cm}h1{font:bold 28pt sans-serif}"
            ".box{margin:4cm auto;width:8cm;height:8cm;background:#000}</style>"
            "<h1>Statement of work</h1><div class='box'></div>"
        ).write_pdf()
    )


def test_a_pdf_shows_its_first_page(patient: Any, browser_firm: Firm, sign_in: Callable[[str], Any]) -> None:
    firm, page = browser_firm, patient
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in("maya")
    page.goto(f"/tasks/{firm.design.pk}/")
    attach(page, "statement-of-work.pdf", "application/pdf", _pdf())
    preview = page.get_by_test_id("attachment-preview")
    expect(preview).to_be_visible()
    expect(preview).to_have_attribute("alt", "First page of statement-of-work.pdf")
    expect(page.get_by_test_id("attachment-name")).to_have_text("statement-of-work.pdf")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    # The whole page, upright: A4 fitted to 320 pixels high, and it links to the PDF itself.
    assert preview.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [227, 320]
    link = preview.locator("xpath=..")
    expect(link).to_have_attribute("href", re.compile(r"/files/\d+/\?inline=1$"))
    answer = page.request.get(preview.get_attribute("src"))
    assert answer.headers["content-type"] == "image/jpeg" and answer.headers["x-content-type-options"] == "nosniff"
    # Mostly white, with the black box dark in the middle (read back from the image the browser shows).
    dark, white = preview.evaluate(SHARES)
    assert 0.08 < dark < 0.3 and white > 0.6
    page.get_by_test_id("discussion").scroll_into_view_if_needed()
    page.get_by_test_id("attachments").screenshot(path=str(SHOTS / "comments-pdf-preview.png"))
    page.screenshot(path=str(SHOTS / "comments-pdf-page.png"), full_page=True)
