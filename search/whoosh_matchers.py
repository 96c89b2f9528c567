"""Whoosh matchers that walk several posting lists at once in one loop.

Whoosh 2.7 intersects N lists as a tree of N - 1 pairwise matchers: each step of the walk goes
down the tree and back, half a dozen method calls per level, for every posting it skips. In a
sampling profile of the bench's two-word queries at 100,000 posts, the tree's own calls took more
time than the reading of postings. The leapfrog below keeps the same postings and the same scores
but moves the lists in one loop, reading a posting list's current block directly.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import partial
from heapq import heapify, heappop, heappush

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher, NullMatcher, ReadTooFar, WrappingMatcher
from whoosh.matching.wrappers import FilterMatcher


def holds_phrase(positions_of, words) -> bool:
    """Whether ``words`` stand at consecutive positions in a document, ``positions_of(word)``
    giving a word's positions there (None when the document lacks it): the possible starts are
    narrowed word by word."""
    first, *following = words
    starts = positions_of(first)
    for step, word in enumerate(following, start=1):
        if not starts:
            return False
        positions = positions_of(word)
        if positions is None:
            return False
        later = set(positions)
        starts = [start for start in starts if start + step in later]
    return bool(starts)


def _unwrap_deletions(matcher):
    """A term's postings without the filter Whoosh adds for deleted documents, and those documents.

    Every list of one intersection comes from the same segment, so its deleted documents are
    checked once, on a document all lists agree on.
    """
    if type(matcher) is FilterMatcher and matcher._exclude and type(matcher.child) is W3LeafMatcher:
        return matcher.child, matcher._ids
    return matcher, None


class _WalkedOnce(Matcher):
    """What the matchers below share: walked once, forward, never pruned by quality.

    Subclasses keep the current document in ``_id`` (None at the end) and list their parts in
    ``children``. They are built for one walk of one search: Whoosh's ``copy`` and ``reset``
    would need copies of term lists, which Whoosh's own lists do not offer.
    """

    _id: int | None = None

    def _take(self, subs) -> None:
        """``subs`` without Whoosh's filters of deleted documents (checked here instead), which of
        them are term lists read directly (``_raw``), and no narrowing yet (``keep``)."""
        self.subs = []
        self.deleted = None
        for sub in subs:
            sub, deleted = _unwrap_deletions(sub)
            if deleted:
                self.deleted = deleted
            self.subs.append(sub)
        self._raw = [type(sub) is W3LeafMatcher for sub in self.subs]
        self.keep: list[tuple] = []

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id

    def supports(self, astype) -> bool:
        return False

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return sum(child.max_quality() for child in self.children())

    def replace(self, minquality=0):
        return self if self._id is not None else NullMatcher()

    def copy(self):
        raise NotImplementedError(f"{type(self).__name__} is walked once")

    def reset(self):
        raise NotImplementedError(f"{type(self).__name__} is walked once")


class LeapfrogMatcher(_WalkedOnce):
    """The documents every one of ``subs`` matches, in increasing order, scored as their sum.

    ``subs`` come rarest first: the rarest list leads, and each other list is moved forward to the
    document the last one stood on until all agree (leapfrog intersection). A term's list is moved
    within its current block by bisection, without a method call; any other matcher (a union, a
    restriction) through its own ``skip_to``.
    """

    def __init__(self, subs):
        self._take(subs)
        self._id = None
        if all(sub.is_active() for sub in self.subs):
            self._settle(self.subs[0].id())

    # The walk -----------------------------------------------------------------------------

    def _settle(self, target: int) -> None:
        """Stand on the first document, from ``target`` on, that every list holds (or end)."""
        subs, raw, count = self.subs, self._raw, len(self.subs)
        while True:
            agreed, index = 0, 0
            while agreed < count:
                sub = subs[index]
                if raw[index]:
                    ids = sub._ids
                    if ids is None:
                        sub._read_ids()
                        ids = sub._ids
                    position = sub._i
                    if ids[position] < target:
                        if target > sub._maxid:
                            sub.skip_to(target)
                            if sub._atend:
                                self._id = None
                                return
                            ids, position = sub._ids, sub._i
                        else:
                            position = sub._i = bisect_left(ids, target, position)
                    found = ids[position]
                else:
                    if sub.id() < target:
                        sub.skip_to(target)
                        if not sub.is_active():
                            self._id = None
                            return
                    found = sub.id()
                if found == target:
                    agreed += 1
                else:
                    target, agreed = found, 1
                index = index + 1 if index + 1 < count else 0
            if (self.deleted is None or target not in self.deleted) and (
                not self.keep or all(flags[codes[target]] for codes, flags in self.keep)
            ):
                self._id = target
                return
            if not self._step_lead():
                return
            target = self.subs[0].id()

    def narrow(self, keep: list[tuple]) -> None:
        """As ``BlockIntersectionMatcher.narrow``: documents not flagged are stepped over here."""
        self.keep = keep
        if self._id is not None and not all(flags[codes[self._id]] for codes, flags in keep):
            self.next()

    def _step_lead(self) -> bool:
        """The leading list one posting on; False (and the walk ends) past its last one."""
        lead = self.subs[0]
        if self._raw[0]:
            lead._i += 1
            if lead._i >= lead._blocklength:
                lead._next_block()
                if lead._atend:
                    self._id = None
                    return False
            return True
        lead.next()
        if not lead.is_active():
            self._id = None
            return False
        return True

    # Whoosh's matcher interface -------------------------------------------------------------

    def next(self):
        if self._id is None:
            raise ReadTooFar
        if self._step_lead():
            self._settle(self.subs[0].id())

    def skip_to(self, target):
        if self._id is None:
            raise ReadTooFar
        if target > self._id:
            self._settle(target)

    def score(self) -> float:
        return sum(sub.score() for sub in self.subs)

    def weight(self) -> float:
        return sum(sub.weight() for sub in self.subs)

    def children(self):
        return list(self.subs)


class BlockIntersectionMatcher(_WalkedOnce):
    """The documents every one of ``terms`` (term lists of one segment) and ``others`` match.

    The leapfrog above costs a loop turn per posting of the rarest list, a microsecond or two: for
    two frequent words, a phrase's most of all, that loop was most of the search. Here the term
    lists are intersected a window at a time, the window being what their current blocks have in
    common, with the set operations of the interpreter (in C): a few microseconds per window of up
    to 128 documents. ``others`` (unions, restrictions) are asked only about the documents found,
    in order, as each is reached, so that they stand on it for its score.
    """

    def __init__(self, terms, others, deleted):
        self.terms = terms
        self.others = others
        self.deleted = deleted
        # (codes, flags): a document is kept only if ``flags[codes[docnum]]`` (``narrow``).
        self.keep: list[tuple] = []
        # Each phrase as the indexes in ``terms`` of its words, in order (``check_phrases``).
        self.phrases: list[list[int]] = []
        self._found: list[int] = []
        self._next = 0
        self._from = 0
        self._id = None
        self._ended = False
        self._advance()

    def _window(self) -> bool:
        """The documents of the next window that every term list holds, in ``_found``."""
        terms = self.terms
        while not self._ended:
            start = self._from
            # Every list at ``start`` or beyond; the window begins at the furthest of them.
            for term in terms:
                ids = term._ids
                if ids is None:
                    term._read_ids()
                    ids = term._ids
                if ids[term._i] < start:
                    if start > term._maxid:
                        term.skip_to(start)
                        if term._atend:
                            self._ended = True
                            return False
                        ids = term._ids
                    else:
                        term._i = bisect_left(ids, start, term._i)
                if ids[term._i] > start:
                    start = ids[term._i]
            # The window ends where the first of the current blocks ends: within it, each list's
            # postings are in memory.
            end = min(term._maxid for term in terms)
            if end < start:
                self._from = end + 1
                continue
            spans = []
            for term in terms:
                ids, first = term._ids, term._i
                if ids[first] < start:
                    first = term._i = bisect_left(ids, start, first)
                last = bisect_right(ids, end, first)
                spans.append((last - first, ids, first, last))
            spans.sort(key=lambda span: span[0])
            _count, ids, first, last = spans[0]
            found = ids[first:last]
            for count, ids, first, last in spans[1:]:
                if not found:
                    break
                if len(found) * 8 < count:
                    # A few documents against a whole window: looked up, not gathered.
                    found = [
                        docnum
                        for docnum in found
                        if (at := bisect_left(ids, docnum, first, last)) < last and ids[at] == docnum
                    ]
                else:
                    held = set(ids[first:last])
                    found = [docnum for docnum in found if docnum in held]
            if found and self.deleted is not None:
                found = [docnum for docnum in found if docnum not in self.deleted]
            for codes, flags in self.keep:
                found = [docnum for docnum in found if flags[codes[docnum]]]
            if found and self.phrases:
                found = [docnum for docnum in found if self._holds_phrases(docnum)]
            self._from = end + 1
            if found:
                self._found, self._next = found, 0
                return True
        return False

    def _advance(self) -> None:
        """Stand on the next document found that the other matchers hold too (or end)."""
        others = self.others
        while True:
            if self._next >= len(self._found) and not self._window():
                self._id = None
                return
            docnum = self._found[self._next]
            self._next += 1
            held = True
            for other in others:
                if other.id() < docnum:
                    other.skip_to(docnum)
                    if not other.is_active():
                        self._ended, self._found, self._id = True, [], None
                        return
                if other.id() != docnum:
                    held = False
                    # Documents before the other's next one cannot match: skip them.
                    self._skip_found(other.id())
                    break
            if held:
                for term in self.terms:
                    term._i = bisect_left(term._ids, docnum, term._i)
                self._id = docnum
                return

    def narrow(self, keep: list[tuple]) -> None:
        """Keep only documents whose code in each ``codes`` array is flagged in its ``flags``.

        The caller's cheapest checks (who may read a document, filters on its facet values),
        made a window at a time instead of a document at a time, before the document is stood on.
        """
        self.keep = keep
        found, start = self._found, self._next
        for codes, flags in keep:
            found = [*found[:start], *(docnum for docnum in found[start:] if flags[codes[docnum]])]
        self._found = found
        if self._id is not None and not all(flags[codes[self._id]] for codes, flags in keep):
            self._advance()

    def check_phrases(self, field_name: str, phrases: list[list[str]]) -> bool:
        """Keep only documents holding each phrase's words at consecutive positions, read from
        the blocks in memory as each window is intersected; False (nothing checked) when a word
        of a phrase is not one of this matcher's term lists."""
        lists = {}
        for index, term in enumerate(self.terms):
            name, text = term.term()
            lists[(name, text.decode() if isinstance(text, bytes) else text)] = index
        wanted = [[lists.get((field_name, token)) for token in tokens] for tokens in phrases]
        if any(index is None for indexes in wanted for index in indexes):
            return False
        self.phrases = wanted
        found, start = self._found, self._next
        self._found = [*found[:start], *(docnum for docnum in found[start:] if self._holds_phrases(docnum))]
        if self._id is not None and not self._holds_phrases(self._id):
            self._advance()
        return True

    def _positions(self, index: int, docnum: int) -> list[int]:
        term = self.terms[index]
        at = bisect_left(term._ids, docnum, term._i)
        if term._values is None:
            term._read_values()
        return term.format.decode_positions(term._values[at])

    def _holds_phrases(self, docnum: int) -> bool:
        return all(holds_phrase(partial(self._positions, docnum=docnum), words) for words in self.phrases)

    def _skip_found(self, target: int) -> None:
        found = self._found
        if self._next < len(found) and found[self._next] < target:
            self._next = bisect_left(found, target, self._next)
        if self._next >= len(found) and target > self._from:
            self._from = target

    # Whoosh's matcher interface -------------------------------------------------------------

    def next(self):
        if self._id is None:
            raise ReadTooFar
        self._advance()

    def skip_to(self, target):
        if self._id is None:
            raise ReadTooFar
        if target <= self._id:
            return
        self._skip_found(target)
        self._advance()

    def score(self) -> float:
        return sum(term.score() for term in self.terms) + sum(other.score() for other in self.others)

    def weight(self) -> float:
        return sum(sub.weight() for sub in (*self.terms, *self.others))

    def children(self):
        return [*self.terms, *self.others]


def narrowable(matcher):
    """``matcher`` able to take ``narrow``: a lone term's list becomes a one-list window walk."""
    if hasattr(matcher, "narrow"):
        return matcher
    unwrapped, deleted = _unwrap_deletions(matcher)
    if type(unwrapped) is W3LeafMatcher and unwrapped.is_active():
        return BlockIntersectionMatcher([unwrapped], [], deleted)
    return None


def intersection(matchers):
    """The matcher of documents all of ``matchers`` (rarest first) match, the cheapest way.

    Term lists lead when the rarest is one, intersected a window at a time; otherwise the rarest
    matcher (a restriction to a few communities) leads a leapfrog, which skips the lists to it.
    """
    unwrapped = [_unwrap_deletions(matcher) for matcher in matchers]
    terms = [matcher for matcher, _deleted in unwrapped if type(matcher) is W3LeafMatcher]
    if len(terms) >= 2 and type(unwrapped[0][0]) is W3LeafMatcher:
        others = [matcher for matcher, _deleted in unwrapped if type(matcher) is not W3LeafMatcher]
        deleted = next((deleted for _matcher, deleted in unwrapped if deleted), None)
        return BlockIntersectionMatcher(terms, others, deleted)
    return LeapfrogMatcher(matchers)


class LeapfrogAnd(wq.And):
    """An And matched by one ``LeapfrogMatcher`` over its parts (nested Ands flattened)."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        parts = []
        for sub in subs:
            if type(sub) in (wq.And, LeapfrogAnd) and sub.boost == 1.0:
                parts.extend(sub.subqueries)
            else:
                parts.append(sub)
        parts.sort(key=lambda part: part.estimate_size(reader))
        matchers = [part.matcher(searcher, context) for part in parts]
        if any(not matcher.is_active() for matcher in matchers):
            return NullMatcher()
        matcher = matchers[0] if len(matchers) == 1 else intersection(matchers)
        if not matcher.is_active():
            return NullMatcher()
        return matcher if self.boost == 1.0 else WrappingMatcher(matcher, self.boost)


class HeapUnionMatcher(_WalkedOnce):
    """The documents any of ``subs`` matches, in increasing order, scored as the sum of those on it.

    The lists wait in one heap by their current document; the ones standing on the current
    document are kept aside (``_on``) and moved on together. Whoosh's tree of pairwise unions
    answers ``id()`` and ``next()`` by asking every level below (a prefix stands for up to fifty
    words, six levels).
    """

    def __init__(self, subs):
        self._take(subs)
        self._heap = [(sub.id(), index) for index, sub in enumerate(self.subs) if sub.is_active()]
        heapify(self._heap)
        self._on: list[int] = []
        self._id = None
        self._gather()

    def _gather(self) -> None:
        """Stand on the lowest document the lists hold that is not deleted (or end)."""
        heap = self._heap
        while heap:
            current = heap[0][0]
            on = []
            while heap and heap[0][0] == current:
                on.append(heappop(heap)[1])
            if (self.deleted is not None and current in self.deleted) or (
                self.keep and not all(flags[codes[current]] for codes, flags in self.keep)
            ):
                self._advance(on)
                continue
            on.sort()
            self._on, self._id = on, current
            return
        self._on, self._id = [], None

    def narrow(self, keep: list[tuple]) -> None:
        """As ``BlockIntersectionMatcher.narrow``. Each term list is narrowed on its own, a block
        at a time, so that the heap only ever holds documents that pass: a prefix's words under a
        selective filter would otherwise go through the heap one posting at a time, to be turned
        down one by one."""
        self.keep = keep
        subs = []
        for index, sub in enumerate(self.subs):
            if self._raw[index] and sub.is_active():
                sub = BlockIntersectionMatcher([sub], [], self.deleted)
                sub.narrow(keep)
            subs.append(sub)
        self.subs, self._raw = subs, [False] * len(subs)
        self._heap = [(sub.id(), index) for index, sub in enumerate(subs) if sub.is_active()]
        heapify(self._heap)
        self._gather()

    def _advance(self, indexes: list[int]) -> None:
        """Each of these lists one posting on, back into the heap unless it ended."""
        heap, subs, raw = self._heap, self.subs, self._raw
        for index in indexes:
            sub = subs[index]
            if raw[index]:
                sub._i += 1
                if sub._i >= sub._blocklength:
                    sub._next_block()
                    if sub._atend:
                        continue
                if sub._ids is None:
                    sub._read_ids()
                heappush(heap, (sub._ids[sub._i], index))
            else:
                sub.next()
                if sub.is_active():
                    heappush(heap, (sub.id(), index))

    def next(self):
        if self._id is None:
            raise ReadTooFar
        self._advance(self._on)
        self._gather()

    def skip_to(self, target):
        if self._id is None:
            raise ReadTooFar
        if target <= self._id:
            return
        heap, moved = self._heap, self._on
        while heap and heap[0][0] < target:
            moved.append(heappop(heap)[1])
        for index in moved:
            sub = self.subs[index]
            sub.skip_to(target)
            if sub.is_active():
                heappush(heap, (sub.id(), index))
        self._gather()

    def score(self) -> float:
        subs = self.subs
        return sum(subs[index].score() for index in self._on)

    def weight(self) -> float:
        subs = self.subs
        return sum(subs[index].weight() for index in self._on)

    def children(self):
        return list(self.subs)


class HeapOr(wq.Or):
    """An Or matched by one ``HeapUnionMatcher`` over its parts."""

    def _matcher(self, subs, searcher, context):
        matchers = [sub.matcher(searcher, context) for sub in subs]
        matchers = [matcher for matcher in matchers if matcher.is_active()]
        if not matchers:
            return NullMatcher()
        matcher = matchers[0] if len(matchers) == 1 else HeapUnionMatcher(matchers)
        return matcher if self.boost == 1.0 else WrappingMatcher(matcher, self.boost)
