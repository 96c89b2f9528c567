"""French text analysis shared by indexing and querying.

Tokens are lower-cased, French stop words dropped, accents folded, then stemmed with Snowball's
French stemmer. Snowball leaves a final plural ``s``/``x`` on short words (``elus`` stays
``elus`` while ``élu`` gives ``elu``), so a last step strips it: both forms then meet.
"""

from __future__ import annotations

import functools
import unicodedata

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language

# Snowball's list misses the most frequent article of all.
FRENCH_STOP_WORDS = frozenset(stopwords_for_language("fr")) | {"les"}
TOKEN_PATTERN = r"\w+(?:[-.]\w+)*"


def fold(text: str) -> str:
    """Lower case without accents: how every term is stored and compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


class PluralFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            if len(token.text) > 3 and token.text[-1] in "sx" and token.text[-2] != token.text[-1]:
                token.text = token.text[:-1]
            yield token


@functools.cache
def french_analyzer():
    # The tokenizer keeps "covid-19" and "1.5" whole; apostrophes split "l'ambassade".
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | FoldFilter()
        | StemFilter(lang="fr", cachesize=50000)
        | PluralFilter()
    )


def analyse(text: str) -> list[str]:
    return [token.text for token in french_analyzer()(text)]


def number_forms(word: str) -> list[str]:
    """The word and its other number: Snowball keeps the plural ``s`` of short words."""
    forms = [word]
    if len(word) > 3 and word[-1] in "sx" and word[-2] != word[-1]:
        forms.append(word[:-1])
    elif word[-1:].isalpha():
        forms.append(word + "s")
    return forms
