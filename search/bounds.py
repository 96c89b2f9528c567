"""What one search may cost, whatever the backend: the bounds are here, in one place.

A person asks for twenty results; no query may cost in proportion to the whole corpus.

- ``MAX_COUNTED``: matches counted exactly. Beyond it the total is a floor (``total_exact``
  false, pages say "more than N") and the facets are counted over the bounded set of matches
  (``facets_exact`` false). PostgreSQL takes the most recent matches, tantivy too; Whoosh takes the
  first ones in index order, its newest segments first (a segment's postings only run forward), and
  the most recently indexed documents first when there are no words.
- ``MAX_PREFIX_TERMS``: ``prefix*`` stands for at most this many indexed words, the most frequent
  first; a warning says when some were left out.
- ``MAX_FACET_VALUES``: each facet lists at most this many values, the most frequent first (months:
  the most recent); a broad query's author facet would otherwise list thousands of people, and
  labelling and serialising them cost more than the search itself.
- ``TIME_BUDGET_SECONDS``: a query still running after this gives up with what it has and a
  warning (PostgreSQL cancels the statement), instead of holding a worker.
"""

from __future__ import annotations

import time

from rse.errors import _l

MAX_COUNTED = 5_000
MAX_PREFIX_TERMS = 50
MAX_FACET_VALUES = 20
TIME_BUDGET_SECONDS = 2.0


def prefix_warning(prefix: str, count: int, kept: int):
    return _l(
        "“%(prefix)s*” matches %(count)d words: only the %(kept)d most frequent were searched.",
        prefix=prefix,
        count=count,
        kept=kept,
    )


def time_budget_warning():
    seconds = format(TIME_BUDGET_SECONDS, "g")
    return _l(
        "The search was stopped after %(seconds)s s: the results may be incomplete. Add words or filters.",
        seconds=seconds,
    )


class Deadline:
    """When the time budget of one query runs out (read from the module, so tests can lower it)."""

    def __init__(self, seconds: float | None = None):
        self.seconds = TIME_BUDGET_SECONDS if seconds is None else seconds
        self.ends_at = time.monotonic() + self.seconds

    def passed(self) -> bool:
        return time.monotonic() >= self.ends_at

    def remaining(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())
