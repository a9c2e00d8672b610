"""Security headers on every answer, and templates that need no inline script (the CSP forbids it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.firm import Firm

TEMPLATES = sorted(Path(settings.BASE_DIR, "margin").glob("**/templates/**/*.html"))


def test_pages_and_api_answers_carry_the_headers(sign_in: Callable[[User], Client], firm: Firm) -> None:
    client = sign_in(firm.admin_user)
    for path in ["/", "/week/", "/api/v1/me", "/api/v1/docs", "/signin/"]:
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "'unsafe-eval'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


def test_hsts_is_sent_over_https_when_configured(sign_in: Callable[[User], Client], firm: Firm, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    client = sign_in(firm.admin_user)
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/")


def test_the_api_docs_load_swagger_ui_from_our_static_files(client: Client, db: None) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html and "/static/api/swagger-init.js" in html
    # nothing from elsewhere: every address the page loads or links is our own (the page's random tokens may
    # spell anything, "cdn" included, so only the addresses are read)
    addresses = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert addresses and all(a.startswith("/") and not a.startswith("//") for a in addresses), addresses
    assert "https://" not in html and "http://" not in html
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_script(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    handlers = re.findall(r"<[^>]*\son[a-z]+\s*=", text)
    assert not handlers, f"inline event handler(s): {handlers}"
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert "javascript:" not in text
