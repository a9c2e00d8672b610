"""The Content-Security-Policy holds on Margin's own pages: no violation, no page error, on the main screens
(home, my week, Gantt, board, approvals, invoices, expenses, settings) and the API documentation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.firm import Firm

pytestmark = pytest.mark.browser

# Collected in the page itself: the event fires for every blocked script, style, frame or eval.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI || "inline", e.sourceFile, e.lineNumber].join(" "));
});
"""


def test_main_pages_pass_the_content_security_policy(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.add_init_script(LISTEN)
    sign_in("acme-admin")
    project = browser_firm.project.pk
    screens = {
        "/": "Projects and profitability",
        "/week/": None,
        f"/projects/{project}/gantt/": None,
        f"/projects/{project}/board/": None,
        "/board/": None,
        "/approvals/": None,
        "/invoices/": None,
        "/expenses/": None,
        "/settings/time/": None,
        "/api/v1/docs": None,
    }
    for path in screens:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
        page.wait_for_load_state("networkidle", timeout=30_000)  # a loaded CI machine may take longer than 10 s
        if path == "/api/v1/docs":
            expect(page.locator(".swagger-ui .title")).to_contain_text("Margin API")  # drawn from local files
        page.screenshot(path=f"/tmp/csp{path.replace('/', '_')}.png")
        violations = page.evaluate("window.__csp")
        assert not violations, f"{path}: {violations}"
    blocked = [text for text in console if "Content Security Policy" in text]
    assert not blocked, blocked


def test_a_select_submits_its_form_without_an_inline_handler(
    page: Any, browser_firm: Firm, sign_in: Callable[[str], Any]
) -> None:
    sign_in("tom")
    page.goto("/board/")
    page.locator("#board-project").select_option(str(browser_firm.project.pk))
    page.wait_for_url(f"**/board/?*project={browser_firm.project.pk}*")
