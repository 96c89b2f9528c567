"""Snippets for the embedded backends: the matched words of a text in ``<mark>``, the rest escaped.

The text is analysed like the query (``search.analysis``), so a word matches its other forms.

The fragments are Whoosh's (``whoosh.highlight``: ``ContextFragmenter(maxchars=200, surround=60)``,
the two best by ``BasicFragmentScorer``, ``HtmlFormatter``). Whoosh's highlighter ran its whole
analyser over every hit's text, six chained generators and a token object per word: most of a
search's time at twenty hits a page. Every step of that chain looks at one word alone, so the text
is cut with the same pattern and the chain asked once per distinct word (cached), and
``_context_fragments`` walks the words as ``ContextFragmenter`` does, keeping only the matched
ones: the same fragments for a fraction of the cost.
"""

from __future__ import annotations

import functools
import re
from collections import deque

from whoosh import highlight

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


class _Match:
    """A matched word as Whoosh's scorer and formatter read it (a ``Token`` has many more fields)."""

    __slots__ = ("boost", "endchar", "startchar", "text")

    def __init__(self, text: str, startchar: int, endchar: int):
        self.text, self.startchar, self.endchar, self.boost = text, startchar, endchar, 1.0


def _context_fragments(
    text: str, termset: frozenset, maxchars: int = 200, surround: int = 60, charlimit: int = 2**15
):
    """``whoosh.highlight.ContextFragmenter.fragment_tokens``, step for step, over the text's words
    (stop words included, as the highlighter asks the analyser for them)."""
    first = None
    firsts: deque[int] = deque()  # start characters of the words just before, within ``surround``
    countdown = -1  # < 0: not in a fragment; else characters left before it ends
    matches: list[_Match] = []
    endchar = None
    currentlen = 0
    for word in _WORDS.finditer(text):
        term = _word_term(word.group())[0]
        startchar, endchar = word.span()
        length = endchar - startchar
        if charlimit and endchar > charlimit:
            break
        matched = term in termset
        if countdown < 0 and not matched:
            firsts.append(startchar)
            while firsts and endchar - firsts[0] > surround:
                firsts.popleft()
        elif currentlen + length > maxchars:
            countdown = 0
        elif matched:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += surround
            matches.append(_Match(term, startchar, endchar))
        if countdown >= 0:
            currentlen += length
            countdown -= length
            if countdown <= 0:
                yield highlight.mkfrag(text, matches, startchar=first, endchar=endchar)
                matches, firsts, first, currentlen = [], deque(), None, 0
    if matches:
        yield highlight.mkfrag(text, matches, startchar=first, endchar=endchar)


@functools.lru_cache(maxsize=256)
def _query_terms(words: tuple[str, ...]) -> frozenset[str]:
    """The terms of a query's words and phrases: worked out once for a page's twenty snippets."""
    return frozenset(term for word in words for term in analyse(word))


def highlight_snippet(query: ParsedQuery, text: str) -> str | None:
    terms = set(_query_terms((*query.words, *query.phrases)))
    prefixes = [fold(prefix) for prefix in query.prefixes]
    if not terms and not prefixes:
        return None
    if prefixes:
        for word in _WORDS.findall(text):
            term, stopped = _word_term(word)
            if not stopped and any(term.startswith(p) or p.startswith(term) for p in prefixes):
                terms.add(term)
    fragments = highlight.top_fragments(
        _context_fragments(text, frozenset(terms)),
        2,
        highlight.BasicFragmentScorer(),
        highlight.FIRST,
        minscore=1,
    )
    return MarkFormatter()(text, fragments) or None
