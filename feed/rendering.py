"""Markdown to sanitised HTML, and the tags and mentions written in a body."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

# "html": False makes raw HTML in the source text literal; nh3 is the safety net after rendering.
_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
)

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}

TAG_RE = re.compile(r"(?<![\w&#])#([\w-]{1,64})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,64})", re.UNICODE)


def render_markdown(text: str) -> str:
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def parse_tags(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in TAG_RE.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def parse_mentions(text: str) -> list[str]:
    """The e-mail local parts written as ``@alice.martin``."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text):
        seen.setdefault(match.group(1).rstrip(".").lower(), None)
    return list(seen)
