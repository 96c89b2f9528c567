"""French text analysis shared by indexing and querying.

Tokens are lower-cased, French stop words dropped, accents folded, then stemmed with Snowball's
French stemmer. Snowball leaves a final plural ``s``/``x`` on short words (``elus`` stays
``elus`` while ``élu`` gives ``elu``), so a last step strips it: both forms then meet.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from whoosh.analysis import Analyzer, Filter, Token
from whoosh.lang import stemmer_for_language, stopwords_for_language

# Snowball's list misses the most frequent article of all.
FRENCH_STOP_WORDS = frozenset(stopwords_for_language("fr")) | {"les"}
TOKEN_PATTERN = r"\w+(?:[-.]\w+)*"


def fold(text: str) -> str:
    """Lower case without accents: how every term is stored and compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Distinct words whose term the analyzer remembers (each entry about 250 bytes); past it, it
# starts afresh. A corpus's working vocabulary fits.
TERM_CACHE_SIZE = 100_000


def strip_plural(text: str) -> str:
    if len(text) > 3 and text[-1] in "sx" and text[-2] != text[-1]:
        return text[:-1]
    return text


class FrenchAnalyzer(Analyzer):
    """Whoosh's chain ``RegexTokenizer | LowercaseFilter | StopFilter | fold | StemFilter("fr") |
    strip_plural``, token for token, in one pass.

    Each distinct word's term is worked out once and remembered. The chain's six generators per
    token took a quarter of a Whoosh rebuild's CPU, for a vocabulary that is small beside the
    number of tokens. Positions are the chain's: stop words are not counted, but a stop word kept
    (``removestops=False``) has its raw position.
    """

    def __init__(self, pattern: str = TOKEN_PATTERN):
        self.pattern = pattern
        self._prepare()

    def _prepare(self) -> None:
        self._expression = re.compile(self.pattern)
        self._stem = stemmer_for_language("fr")
        self._terms: dict[str, tuple[str, bool]] = {}

    # Whoosh pickles the schema, analyzers included, into the index: only the pattern goes there.
    def __getstate__(self):
        return {"pattern": self.pattern}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._prepare()

    def __eq__(self, other):
        return isinstance(other, FrenchAnalyzer) and other.pattern == self.pattern

    __hash__ = None

    def term(self, word: str) -> tuple[str, bool]:
        """What one word the tokenizer found becomes: (term, whether it is a stop word)."""
        known = self._terms.get(word)
        if known is None:
            lowered = word.lower()
            stopped = not lowered or lowered in FRENCH_STOP_WORDS
            text = fold(lowered)
            if not stopped:
                text = self._stem(text)
            known = (strip_plural(text), stopped)
            if len(self._terms) >= TERM_CACHE_SIZE:
                self._terms.clear()
            self._terms[word] = known
        return known

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = (
            ((match.group(), match.start(), match.end()) for match in self._expression.finditer(value))
            if tokenize
            else iter([(value, 0, len(value))])
        )
        kept_position = None
        for index, (word, start, end) in enumerate(words):
            text, stopped = self.term(word)
            if stopped:
                if removestops:
                    continue
                position = start_pos + index
            else:
                kept_position = start_pos + index if kept_position is None else kept_position + 1
                position = kept_position
            token.text = text
            token.stopped = stopped
            token.boost = 1.0
            if keeporiginal or not tokenize:
                token.original = word
            if positions:
                token.pos = position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class FoldFilter(Filter):
    """The chain's fold step. An index written before ``FrenchAnalyzer`` names it in its schema
    (Whoosh pickles analyzers into the index), so it stays importable until that index is rebuilt."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


class PluralFilter(Filter):
    """The chain's plural step, kept for the same reason as ``FoldFilter``."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = strip_plural(token.text)
            yield token


@functools.cache
def french_analyzer() -> FrenchAnalyzer:
    # The tokenizer keeps "covid-19" and "1.5" whole; apostrophes split "l'ambassade".
    return FrenchAnalyzer()


def analyse(text: str) -> list[str]:
    return [token.text for token in french_analyzer()(text)]


def number_forms(word: str) -> list[str]:
    """The word and its other number: Snowball keeps the plural ``s`` of short words."""
    forms = [word]
    singular = strip_plural(word)
    if singular != word:
        forms.append(singular)
    elif word[-1:].isalpha():
        forms.append(word + "s")
    return forms
