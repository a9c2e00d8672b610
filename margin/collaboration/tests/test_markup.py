"""Comment Markdown comes out as safe HTML: every payload inert, links marked, mentions only when resolved."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from margin.collaboration.markup import TAGS, find_mentions, render

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "`<script>`\n\n    <script>alert(1)</script>",
    '<span class="mention" onclick="alert(1)">@tom</span>',
    '[a](https://ok.example "title onmouseover=alert(1)")',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "https://ok.example/<script>alert(1)</script>",
    'https://ok.example/"onmouseover="alert(1)',
    "//evil.example/x and ftp://evil.example/f",
    "www.ok.example/?q=<img src=x onerror=alert(1)>",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", XSS)
def test_payloads_come_out_inert(payload: str) -> None:
    html = render(payload, mentions={"tom": "Tom"})
    for tag, attrs in tags_of(html):
        assert tag in TAGS, html
        assert not [a for a in attrs if a.startswith("on") or a in ("style", "src")], html
        if tag == "a":
            assert (attrs.get("href") or "").split(":")[0] in ("http", "https", "mailto"), html
            assert attrs.get("rel") == "nofollow noopener noreferrer"
        if tag == "span":
            assert attrs == {"class": "mention"}, html
    assert "<script" not in html.lower()


def test_links_are_marked_and_markdown_renders() -> None:
    html = render("**bold** _it_ ~~old~~ [site](https://example.com) `code`\n\n- one\n- two")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<s>old</s>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>' in html
    assert "<code>code</code>" in html and "<li>one</li>" in html


def test_mentions_found_outside_code_and_links_only() -> None:
    source = "@Maya and @tom.k. see `@lea` and [@sam](https://x.example) mail bob@example.com @ana@firm.example"
    assert find_mentions(source) == ["maya", "tom.k", "ana@firm.example"]


def test_only_resolved_mentions_highlighted_and_names_escaped() -> None:
    html = render("hi @maya and @ghost", mentions={"maya": "Maya <b>L</b>"})
    assert '<span class="mention">@Maya &lt;b&gt;L&lt;/b&gt;</span>' in html
    assert "@ghost" in html and html.count("mention") == 1


def test_a_typed_mention_span_is_text() -> None:
    html = render('<span class="mention">@boss</span>')
    assert "<span" not in html


def test_bare_addresses_become_links_but_file_names_stay_text() -> None:
    html = render("see https://example.com/a?b=1&c=2. or www.example.org, mail ana@firm.com; edit models.py")
    links = [attrs for tag, attrs in tags_of(html) if tag == "a"]
    assert [a["href"] for a in links] == [
        "https://example.com/a?b=1&c=2",  # the sentence's full stop is not part of the address
        "http://www.example.org",
        "mailto:ana@firm.com",
    ]
    assert all(a["rel"] == "nofollow noopener noreferrer" for a in links)
    assert "edit models.py" in html


def test_no_protocol_relative_or_ftp_links_and_no_link_in_code() -> None:
    html = render("//evil.example/x ftp://evil.example/f `https://in.code.example`")
    assert "<a" not in html
    assert "<code>https://in.code.example</code>" in html


def test_a_mention_inside_a_bare_address_is_not_a_mention() -> None:
    source = "@tom look at https://git.example/@lea/repo and www.example.org/@maya"
    assert find_mentions(source) == ["tom"]
    html = render(source, mentions={"tom": "Tom", "lea": "Lea", "maya": "Maya"})
    assert html.count('class="mention"') == 1
