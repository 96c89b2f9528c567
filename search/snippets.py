"""Snippets for the embedded backends: the matched words of a text in ``<mark>``, the rest escaped.

The text is analysed like the query (``search.analysis``), so a word matches its other forms.
"""

from __future__ import annotations

from whoosh import highlight

from search.analysis import analyse, fold, french_analyzer
from search.query import ParsedQuery


class MarkFormatter(highlight.HtmlFormatter):
    """``<mark>word</mark>``, everything else escaped."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace))}</mark>"


def highlight_snippet(query: ParsedQuery, text: str) -> str | None:
    terms = set()
    for word in [*query.words, *query.phrases]:
        terms.update(analyse(word))
    prefixes = [fold(prefix) for prefix in query.prefixes]
    if not terms and not prefixes:
        return None
    if prefixes:
        terms.update(
            token.text
            for token in french_analyzer()(text)
            if any(token.text.startswith(p) or p.startswith(token.text) for p in prefixes)
        )
    fragment = highlight.highlight(
        text,
        frozenset(terms),
        french_analyzer(),
        highlight.ContextFragmenter(maxchars=200, surround=60),
        MarkFormatter(),
        top=2,
    )
    return fragment or None
