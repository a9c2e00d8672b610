"""Comment Markdown to safe HTML, and the @mentions in it (pure: no Django).

CommonMark by markdown-it-py with raw HTML off (a `<script>` typed in a comment is text), strikethrough and
tables on, and bare addresses linked (linkify-it): `https://…`, `www.…` and e-mail addresses, but not a
word that merely ends in a country's domain (`models.py`, `notes.md` stay text); then nh3 (ammonia) keeps
only an explicit allow-list of tags and attributes, links only to http, https and mailto, each with
`rel="nofollow noopener noreferrer"`. Two locks: the parser emits no raw HTML and
the sanitiser would remove it if it did.

A mention is `@handle` where the handle is a user name (letters, digits and `_ . + -`, or an e-mail-like
`name@host.tld`): the UI inserts it from the autocomplete, so names with spaces never need typing. Only
mentions in ordinary text count: not in code, not inside a link's text. `render` highlights the handles it
is given (those resolved to a person who may see the thread); any other `@word` stays plain text, so the
page does not tell whether such a user exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

HANDLE = re.compile(r"(?<![\w.@/])@([A-Za-z0-9_][A-Za-z0-9_.+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
MAX_MENTIONS = 20

TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "del", "s",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}, "ol": {"start"}}
CLASSES = {"span": {"mention"}}
SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": True})
    md.enable(["strikethrough", "table", "linkify"])
    assert md.linkify is not None  # linkify-it-py is a dependency: the option above needs it
    md.linkify.add("//", None).add("ftp:", None)  # no protocol-relative or FTP links: only SCHEMES are kept
    md.core.ruler.after("linkify", "linkify_plain_words", _unlink_plain_words)
    md.add_render_rule("mention", _render_mention)
    return md


def _unlink_plain_words(state: StateCore) -> None:
    """Undo linkify's guesses at words with no scheme and no `www.` (`models.py`, `report.md`): a file name in
    a comment is far likelier than a site in Paraguay or Moldova. E-mail addresses stay links."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        index = 0
        while index + 2 < len(children):
            opening, text = children[index], children[index + 1]
            guessed = opening.type == "link_open" and opening.info == "auto" and opening.markup == "linkify"
            if guessed and not _written_as_link(text.content):
                children[index : index + 3] = [text]
            index += 1


def _written_as_link(text: str) -> bool:
    lowered = text.lower()
    return "://" in lowered or lowered.startswith(("www.", "mailto:")) or "@" in lowered


def _render_mention(self: object, tokens: Sequence[Token], idx: int, options: object, env: object) -> str:
    return f'<span class="mention">@{escapeHtml(tokens[idx].content)}</span>'


_MD = _parser()


def _handle(match: re.Match[str]) -> str:
    return match.group(1).rstrip(".-+")


def _text_children(tokens: Sequence[Token]) -> list[tuple[Token, int]]:
    """Each inline token's text children outside links: (the inline token, the child's index)."""
    found: list[tuple[Token, int]] = []
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        in_link = 0
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text" and not in_link:
                found.append((token, index))
    return found


def find_mentions(source: str) -> list[str]:
    """The handles mentioned in `source` (lower case, first occurrence first, at most MAX_MENTIONS)."""
    handles: list[str] = []
    for inline, index in _text_children(_MD.parse(source)):
        assert inline.children is not None
        for match in HANDLE.finditer(inline.children[index].content):
            handle = _handle(match).lower()
            if handle and handle not in handles:
                handles.append(handle)
    return handles[:MAX_MENTIONS]


def _split_mentions(inline: Token, index: int, names: Mapping[str, str]) -> list[Token]:
    """The text child at `index` as text and mention tokens (only handles in `names` become mentions)."""
    assert inline.children is not None
    child = inline.children[index]
    text, parts, at = child.content, [], 0
    for match in HANDLE.finditer(text):
        handle = _handle(match)
        name = names.get(handle.lower())
        if name is None:
            continue
        start, end = match.start(), match.start(1) + len(handle)
        if start > at:
            parts.append(Token("text", "", 0, content=text[at:start]))
        parts.append(Token("mention", "", 0, content=name, meta={"handle": handle.lower()}))
        at = end
    if not parts:
        return [child]
    if at < len(text):
        parts.append(Token("text", "", 0, content=text[at:]))
    return parts


def sanitise(html: str) -> str:
    """Only the allowed tags, attributes and link schemes; every link marked nofollow, noopener, noreferrer."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Safe HTML for `source`. `mentions` maps a handle (lower case) to the name shown for it, highlighted."""
    names = {k.lower(): v for k, v in (mentions or {}).items()}
    tokens = _MD.parse(source)
    if names:
        for inline, index in reversed(_text_children(tokens)):
            assert inline.children is not None
            inline.children[index : index + 1] = _split_mentions(inline, index, names)
    return sanitise(_MD.renderer.render(tokens, _MD.options, {}))
