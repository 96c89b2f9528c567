"""Snippets for the embedded backends: the matched words of a text in ``<mark>``, the rest escaped.

The text is analysed like the query (``search.analysis``), so a word matches its other forms.

Whoosh's highlighter runs its analyser over the whole text of every hit, six chained generators
per word: most of a search's time at twenty hits a page. Every step of that chain looks at one
word alone, so ``_SnippetAnalyzer`` cuts the text with the same pattern and asks the chain once
per distinct word (cached): the tokens, hence the fragments, are the same, for a fraction of
the cost.
"""

from __future__ import annotations

import functools
import re

from whoosh import highlight
from whoosh.analysis import Token

from search.analysis import TOKEN_PATTERN, analyse, fold, french_analyzer
from search.query import ParsedQuery

_WORDS = re.compile(TOKEN_PATTERN)
# Distinct words remembered (each a few short strings): a corpus's working vocabulary.
WORD_CACHE_SIZE = 200_000


class MarkFormatter(highlight.HtmlFormatter):
    """``<mark>word</mark>``, everything else escaped."""

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{highlight.htmlescape(highlight.get_text(text, token, replace))}</mark>"


@functools.lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_term(word: str) -> tuple[str, bool]:
    """What the French chain makes of one word as the highlighter asks it: (text, stop word)."""
    for token in french_analyzer()(word, mode="query", removestops=False):
        return token.text, token.stopped
    return fold(word), True  # not reached: the word is one match of the tokenizer's pattern


class _SnippetAnalyzer:
    """Tokens as ``french_analyzer()`` gives them with character offsets, one cached lookup each."""

    def __call__(self, text: str, chars: bool = False, removestops: bool = True, **_kwargs):
        token = Token(positions=False, chars=True, removestops=removestops, mode="query")
        token.boost = 1.0
        for match in _WORDS.finditer(text):
            term, stopped = _word_term(match.group())
            if stopped and removestops:
                continue
            token.text, token.stopped = term, stopped
            token.startchar, token.endchar = match.span()
            yield token


_ANALYZER = _SnippetAnalyzer()


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
            for token in _ANALYZER(text)
            if any(token.text.startswith(p) or p.startswith(token.text) for p in prefixes)
        )
    fragment = highlight.highlight(
        text,
        frozenset(terms),
        _ANALYZER,
        highlight.ContextFragmenter(maxchars=200, surround=60),
        MarkFormatter(),
        top=2,
    )
    return fragment or None
