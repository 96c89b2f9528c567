"""The embedded search backend: a Whoosh index in the instance folder, French analysis."""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import sys
import threading
import time
from array import array
from collections.abc import Callable, Hashable, Iterable
from functools import partial
from pathlib import Path

from whoosh import index
from whoosh import query as wq
from whoosh.analysis import Analyzer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.matching import IntersectionMatcher, NullMatcherClass, WrappingMatcher
from whoosh.multiproc import MpWriter
from whoosh.util.times import datetime_to_long

from search import bounds, whoosh_fixes
from search.analysis import analyse, fold, french_analyzer
from search.backends import FACETS, Hit, SearchBackend, SearchHits, SearchRequest
from search.documents import IndexBatch, SearchDocument, document_key
from search.generations import building, swap_generation
from search.query import ParsedQuery, parse_date
from search.snippets import highlight_snippet
from search.whoosh_matchers import HeapOr, LeapfrogAnd, holds_phrase, narrowable

log = logging.getLogger(__name__)

# Words are matched in one field holding every text of a document (title, body, tags, author,
# community): one posting list per word instead of one per field, which is most of a query's
# cost. The title is indexed again on its own, boosted, and only read to rank what matched.
TEXT_FIELD = "text"
TITLE_FIELD = "title"
TITLE_BOOST = 2.0
# Between the parts of the text field; the analysis leaves a gap in the positions there, so that
# a phrase never runs from one part into the next (a title's last word and the body's first).
PART_BREAK = "\u2029"
# A rebuild sorts its postings in memory, spilling sorted runs to disk when the pool is full, then
# merges them: a larger pool means fewer runs pickled out and read back. On 45,511 documents,
# 128 MB -> 512 MB (with the missing columns remembered, `whoosh_fixes`): 54.9 -> 39.3 s, 482 MB
# resident at most.
REBUILD_POOL_MB = 512
# Up to this many documents a rebuild stays in one process (tests, small sites); beyond, the
# indexing is shared between processes, each taking batches of documents and writing its own
# segment. One per core: the reading process mostly waits for them.
REBUILD_IN_PROCESS = 20_000
REBUILD_PROCESSES = min(os.cpu_count() or 1, 4)
REBUILD_BATCH = 500

whoosh_fixes.apply()


class PartsAnalyzer(Analyzer):
    """The French analysis of each part of a value, positions jumping one between parts."""

    def __init__(self, analyzer=None):
        self.analyzer = analyzer or french_analyzer()

    def __eq__(self, other):
        return isinstance(other, PartsAnalyzer) and self.analyzer == other.analyzer

    def __call__(self, value, positions=False, start_pos=0, **kwargs):
        position = start_pos
        for part in value.split(PART_BREAK):
            last = None
            for token in self.analyzer(part, positions=positions, start_pos=position, **kwargs):
                last = token.pos if positions else None
                yield token
            if last is not None:
                position = last + 2


PRIORITY_BOOSTS = {"flash": 4.0, "immediate": 2.5, "priority": 1.5}


def document_schema() -> Schema:
    analyzer = french_analyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID(stored=True),
        post_id=ID(stored=True),
        community_id=ID(stored=True, sortable=True),
        author_id=ID(stored=True, sortable=True),
        qualification=ID(sortable=True),
        priority=ID(sortable=True),
        month=ID(sortable=True),
        tags=KEYWORD(commas=True, lowercase=True),
        title=TEXT(analyzer=analyzer, field_boost=TITLE_BOOST, phrase=False),
        text=TEXT(analyzer=PartsAnalyzer(analyzer)),
        created_at=DATETIME(sortable=True),
        digest=STORED,
    )


def _fields_of(document: SearchDocument) -> dict:
    # A comment is found by its own words, not by its post's title (the post answers that).
    title = document.title if document.kind != "comment" else ""
    return {
        "key": document.key,
        "kind": document.kind,
        "post_id": str(document.post_id) if document.post_id is not None else "",
        "community_id": str(document.community_id) if document.community_id is not None else "",
        "author_id": str(document.author_id),
        "qualification": document.qualification or "none",
        "priority": document.priority or "routine",
        "month": document.month,
        "tags": ",".join(document.tags),
        "title": title,
        "text": PART_BREAK.join(
            [title, document.body, *document.extra_text, " ".join(document.tags), document.author_name]
            + [document.community_name]
        ),
        "created_at": document.created_at.replace(tzinfo=None),
        "digest": document.digest,
    }


def _cancel(writer) -> None:
    """Drop what ``writer`` wrote. Whoosh's own cancel only flags its indexing processes in this
    process's copy of them, leaving them waiting for work: they are stopped here."""
    for task in getattr(writer, "tasks", ()):
        task.terminate()
        task.join()
    writer.cancel()


class _UnscoredMatcher(WrappingMatcher):
    """Matches what its child matches with a score of 0 and no quality shortcuts.

    Whoosh prunes matchers whose best score cannot reach the current top hits; a restriction
    must never be pruned that way (it would drop readable documents), nor change any score.
    """

    def __init__(self, child, boost=1.0):
        super().__init__(child)

    def _replacement(self, newchild):
        return _UnscoredMatcher(newchild)

    def copy(self):
        return _UnscoredMatcher(self.child.copy())

    def replace(self, minquality=0):
        child = self.child.replace(0)
        return child if not child.is_active() else _UnscoredMatcher(child)

    def supports_block_quality(self):
        return False

    def max_quality(self):
        return 0.0

    def block_quality(self):
        return 0.0

    def score(self):
        return 0.0


class Restriction(wq.WrappingQuery):
    """A query used as a filter inside an And: walked lazily, never scored."""

    def matcher(self, searcher, context=None):
        child = self.child.matcher(searcher, context)
        return child if isinstance(child, NullMatcherClass) else _UnscoredMatcher(child)


class _SteppingIntersection(IntersectionMatcher):
    def all_ids(self):
        # Whoosh intersects two full sets here; a restriction can cover most of the index while
        # the words match a few documents, so step through with skip_to instead.
        while self.is_active():
            yield self.id()
            self.next()


class RestrictedAnd(wq.And):
    """The words and the restrictions: every part must match."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _SteppingIntersection, searcher, context, lambda query: 0 - query.estimate_size(reader)
        )


# Per document, the value of each facet field (facet name -> field).
VALUE_FIELDS = {
    "community": "community_id",
    "qualification": "qualification",
    "priority": "priority",
    "author": "author_id",
    "month": "month",
}


def _posting_ids(reader, field_name: str, term) -> Iterable[int]:
    """Every document number of a term, a block of postings at a time where Whoosh allows it."""
    matcher = reader.postings(field_name, term)
    matcher = getattr(matcher, "child", matcher)  # deleted documents keep a value nobody reads
    if not all(hasattr(matcher, name) for name in ("_read_ids", "_next_block", "_ids")):
        yield from matcher.all_ids()
        return
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        yield from matcher._ids
        matcher._next_block()


class _SegmentValues:
    """One segment's facet fields as arrays of small codes, one entry per document.

    A match's community (to check that the caller may read it) and its facet values are read
    here in a few tens of nanoseconds, where Whoosh's columns cost microseconds each and a union
    of every readable community's term costs more than the words themselves. A segment never
    changes its documents' values (an update deletes and adds), so this is read once per segment,
    from the postings of each value, and kept while the segment is served.
    """

    def __init__(self, reader):
        size = reader.doc_count_all()
        self.vocabulary: dict[str, list[str]] = {}
        self.codes: dict[str, array] = {}
        self.code_of: dict[str, dict[str, int]] = {}
        self.sizes: dict[str, list[int]] = {}
        for field_name in VALUE_FIELDS.values():
            terms = [term for term in reader.lexicon(field_name) if term]
            vocabulary = ["", *(term.decode() if isinstance(term, bytes) else term for term in terms)]
            sizes = [0, *(reader.doc_frequency(field_name, term) for term in terms)]
            # Two bytes a document while the values fit (hundreds of communities, authors).
            codes = array("H" if len(vocabulary) < 2**16 else "I", [0]) * size
            for code, term in enumerate(terms, start=1):
                for docnum in _posting_ids(reader, field_name, term):
                    codes[docnum] = code
            self.vocabulary[field_name] = vocabulary
            self.codes[field_name] = codes
            self.code_of[field_name] = {text: code for code, text in enumerate(vocabulary)}
            self.sizes[field_name] = sizes
        self.size = size

    def flags(self, field_name: str, values: Iterable[str]) -> bytearray:
        """1 for the codes of ``values`` (the others 0), to test a document's code by indexing."""
        flags = bytearray(len(self.vocabulary[field_name]))
        code_of = self.code_of[field_name]
        for value in values:
            code = code_of.get(value)
            if code:
                flags[code] = 1
        return flags

    def matching(self, field_name: str, values: Iterable[str]) -> int:
        """How many documents (deleted ones included) hold one of ``values``."""
        code_of, sizes = self.code_of[field_name], self.sizes[field_name]
        return sum(sizes[code_of[value]] for value in set(values) if code_of.get(value))


class _ValuesCache:
    """The values of the segments being served, shared by the threads that search them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_segment: dict[tuple[str, str], _SegmentValues] = {}

    def get(self, generation: str, reader) -> _SegmentValues:
        key = (generation, reader.segment().segment_id())
        values = self._by_segment.get(key)
        if values is None:
            with self._lock:
                values = self._by_segment.get(key)
                if values is None:
                    values = self._by_segment[key] = _SegmentValues(reader)
        return values

    def keep_only(self, generation: str, segment_ids: set[str]) -> None:
        """Forget merged-away segments and older generations."""
        with self._lock:
            for key in list(self._by_segment):
                if key[0] != generation or key[1] not in segment_ids:
                    del self._by_segment[key]


class _PhraseCheck:
    """Whether a document holds each phrase's tokens at consecutive positions.

    Asked only for documents that hold every token and passed the other checks, in increasing
    document order. The positions are read from the walking matcher's own term matchers, which
    stand on the document; a term matcher of our own is stepped forward only when none does.
    """

    def __init__(self, reader, phrases: list[list[str]], matcher):
        self.reader = reader
        self.phrases = phrases
        self.walking: dict[str, list] = {}
        for leaf in matcher.term_matchers():
            field_name, text = leaf.term()
            if field_name == TEXT_FIELD:
                text = text.decode() if isinstance(text, bytes) else text
                self.walking.setdefault(text, []).append(leaf)
        self.own: dict[str, object] = {}

    def _positions(self, token: str, docnum: int) -> list[int] | None:
        for leaf in self.walking.get(token, ()):
            if leaf.is_active() and leaf.id() == docnum:
                return leaf.format.decode_positions(leaf.value())
        if token not in self.own:
            present = (TEXT_FIELD, token) in self.reader
            self.own[token] = self.reader.postings(TEXT_FIELD, token) if present else None
        matcher = self.own[token]
        if matcher is None or not matcher.is_active():
            return None
        matcher.skip_to(docnum)
        if not matcher.is_active() or matcher.id() != docnum:
            return None
        return matcher.value_as("positions")

    def matches(self, docnum: int) -> bool:
        return all(holds_phrase(partial(self._positions, docnum=docnum), tokens) for tokens in self.phrases)


class _Walk:
    """One search over the segments: the checks per match, the count, the facets, the best hits."""

    def __init__(
        self, searcher, request: SearchRequest, by_score: bool, deadline, cap: int, phrases: list[list[str]]
    ):
        self.by_score = by_score
        self.phrases = phrases
        # What only adds to a match's score (title words, priority boosts); None when unranked.
        self.bonus: wq.Query | None = None
        self.deadline = deadline
        self.cap = cap
        self.wanted = request.offset + request.limit
        self.heap: list[tuple] = []
        self.counted = 0
        self.capped = self.timed_out = False
        self.tallies: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        if by_score:
            self.context = searcher.context(needs_current=True)
        else:
            self.context = searcher.boolean_context()
        self.readable = [str(value) for value in request.readable_community_ids]
        self.portal_keys = [
            document_key("portal_item", item_id) for item_id in request.readable_portal_item_ids
        ]
        filters = request.query.filters
        # Filters on facet fields: checked per match, and matched as terms when they are selective.
        self.value_filters: dict[str, list[str]] = {}
        if request.community_ids is not None:
            # Only readable communities can match: an unreadable one asked for settles it at once.
            readable = set(self.readable)
            self.value_filters["community_id"] = [
                str(value) for value in request.community_ids if str(value) in readable
            ]
        if request.author_ids is not None:
            self.value_filters["author_id"] = [str(value) for value in request.author_ids]
        for name in ("priority", "qualification"):
            if filters.get(name):
                self.value_filters[name] = list(filters[name])
        self.after = [
            datetime_to_long(parse_date(value).replace(tzinfo=None)) for value in filters.get("after", [])
        ]
        self.before = [
            datetime_to_long(parse_date(value).replace(tzinfo=None)) for value in filters.get("before", [])
        ]
        # Filters that are not facet fields stay terms of the query.
        self.term_clauses: list[wq.Query] = [
            Restriction(wq.Term("tags", tag)) for tag in filters.get("tag", [])
        ]
        if request.post_ids is not None:
            self.term_clauses.append(
                Restriction(HeapOr([wq.Term("post_id", str(value)) for value in request.post_ids]))
            )

    @property
    def hopeless(self) -> bool:
        """Nothing can match: every community asked for is unreadable."""
        return self.value_filters.get("community_id") == []

    @property
    def stopped(self) -> bool:
        return self.capped or self.timed_out

    def _query(self, reader, values: _SegmentValues, words, portal_size: int):
        """The words and term filters, with the restrictions more selective than them as terms.

        A restriction covering a small part of the segment is cheaper stepped through with
        skip_to than checked on every match of broad words; a broad one (the readable communities
        of most people) is only checked per match.
        """
        clauses = ([words] if words is not None else []) + self.term_clauses
        estimate = min((clause.estimate_size(reader) for clause in clauses), default=values.size)
        readable_size = values.matching("community_id", self.readable) + portal_size
        if readable_size * 4 < estimate:
            readable = [wq.Term("community_id", value) for value in self.readable]
            readable += [wq.Term("key", key) for key in self.portal_keys]
            clauses.append(Restriction(HeapOr(readable)))
        for field_name, wanted in self.value_filters.items():
            if values.matching(field_name, wanted) * 4 < estimate:
                clauses.append(Restriction(HeapOr([wq.Term(field_name, value) for value in wanted])))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else LeapfrogAnd(clauses)

    def segment(self, subsearcher, offset: int, values: _SegmentValues, words) -> None:
        reader = subsearcher.reader()
        portal: set[int] = set()
        for key in self.portal_keys:
            if ("key", key) in reader:
                portal.update(reader.postings("key", key).all_ids())
        query = self._query(reader, values, words, len(portal))
        community = values.codes["community_id"]
        readable = values.flags("community_id", self.readable)
        checks = [
            (values.codes[name], values.flags(name, wanted)) for name, wanted in self.value_filters.items()
        ]
        extra, extra_most = None, 0.0
        if self.bonus is not None:
            extra = self.bonus.matcher(subsearcher, self.context)
            if extra.is_active():
                extra_most = extra.max_quality()
            else:
                extra = None
        created = None
        if self.after or self.before or not self.by_score:
            created = reader.column_reader("created_at", translate=False)
        after, before = max(self.after, default=None), min(self.before, default=None)
        tallies = [
            (values.codes[field_name], [0] * len(values.vocabulary[field_name]))
            for field_name in VALUE_FIELDS.values()
        ]
        if query is None:
            matcher = None
            # No words: the last indexed documents first.
            deleted = reader.is_deleted if reader.has_deletions() else None
            candidates = iter(range(values.size - 1, -1, -1))
        else:
            matcher = query.matcher(subsearcher, self.context)
            narrowed = narrowable(matcher)
            if narrowed is not None:
                # The cheapest checks below made inside the matcher, before it stands on a
                # document (a window of documents at a time where it can); portal items (no
                # community) pass on to their own check.
                openable = bytearray(readable)
                openable[0] = 1 if portal else 0
                narrowed.narrow([(community, openable), *checks])
                matcher = narrowed
        in_order = None
        if self.phrases and matcher is not None:
            checked = hasattr(matcher, "check_phrases") and matcher.check_phrases(TEXT_FIELD, self.phrases)
            in_order = None if checked else _PhraseCheck(reader, self.phrases, matcher)
        heap, wanted, cap, by_score = self.heap, self.wanted, self.cap, self.by_score
        counted, steps = self.counted, 0
        while True:
            if matcher is None:
                docnum = next(candidates, None)
                if docnum is None:
                    break
                if deleted is not None and deleted(docnum):
                    continue
            else:
                if not matcher.is_active():
                    break
                docnum = matcher.id()
            if not steps & 127 and self.deadline.passed():
                self.timed_out = True
                break
            steps += 1
            kept = readable[community[docnum]] or (community[docnum] == 0 and docnum in portal)
            if kept:
                for codes, flags in checks:
                    if not flags[codes[docnum]]:
                        kept = False
                        break
            if kept and created is not None:
                moment = created[docnum]
                kept = (after is None or moment >= after) and (before is None or moment < before)
            if kept and in_order is not None:
                kept = in_order.matches(docnum)
            if kept:
                if counted >= cap:
                    self.capped = True
                    break
                counted += 1
                for codes, tally in tallies:
                    tally[codes[docnum]] += 1
                if by_score:
                    score = matcher.score()
                    # The bonus is read only when it could lift the match into the best ones.
                    if extra is not None and (len(heap) < wanted or score + extra_most >= heap[0][0]):
                        extra.skip_to(docnum)
                        if not extra.is_active():
                            extra = None
                        elif extra.id() == docnum:
                            score += extra.score()
                    item = (score, -(offset + docnum))
                else:
                    item = (moment, -(offset + docnum))
                if len(heap) < wanted:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
            if matcher is not None:
                matcher.next()
        self.counted = counted
        for (_codes, tally), (facet, field_name) in zip(tallies, VALUE_FIELDS.items(), strict=True):
            vocabulary, totals = values.vocabulary[field_name], self.tallies[facet]
            for code, count in enumerate(tally):
                if count:
                    totals[vocabulary[code]] = totals.get(vocabulary[code], 0) + count

    def ranked(self) -> list[tuple]:
        """(score or creation time, global document number), best first."""
        return [(key, -negated) for key, negated in sorted(self.heap, reverse=True)]

    def facets(self) -> dict[str, dict[str, int]]:
        return self.tallies


class _PlainOr(wq.Or):
    matcher_type = wq.Or.DEFAULT_MATCHER


def _plain_unions(query: wq.Query) -> wq.Query:
    if type(query) is wq.Or:
        return _PlainOr(query.subqueries, boost=query.boost)
    return query


def _per_os_thread() -> threading.local:
    """Storage of each operating-system thread, whose searcher is reused from search to search.

    Under gevent (``rse serve``'s default worker) ``threading.local`` is patched to hold one value
    per greenlet, that is per request: each search opened every segment anew (seconds on a large
    index). The original class holds one per thread, shared by the greenlets of the event loop,
    which never switch in the middle of Whoosh's work (it waits on no socket).
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        return monkey.get_original("threading", "local")()
    return threading.local()


class WhooshBackend(SearchBackend):
    """An index under ``<directory>/current``, a link to the generation being served.

    ``rebuild`` fills a new generation beside it and swaps the link atomically: searches keep
    using the old one until then.
    """

    name = "whoosh"

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.current = self.directory / "current"
        self._local = _per_os_thread()
        self._values = _ValuesCache()

    def _searcher(self):
        """This thread's searcher, refreshed (segments reused) or reopened after a swap.

        Opening one per search costs more than most queries on a large index.
        """
        generation = os.path.realpath(self.current)
        cached = getattr(self._local, "searcher", None)
        if cached is not None and self._local.generation == generation:
            searcher = cached.refresh()
        else:
            if cached is not None:
                cached.close()
            searcher = index.open_dir(generation).searcher()
            self._local.generation = generation
        self._local.searcher = searcher
        return searcher

    # Layout ---------------------------------------------------------------------------------

    def _new_generation(self, prefix: str = "index") -> Path:
        stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        path = self.directory / f"{prefix}-{stamp}"
        path.mkdir(parents=True)
        index.create_in(path, document_schema())
        return path

    def _swap_to(self, generation: Path) -> None:
        swap_generation(self.current, generation)

    def ensure_index(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.current.is_symlink() and index.exists_in(self.current):
            names = set(index.open_dir(self.current).schema.names())
            if names == set(document_schema().names()):
                return
            log.warning(
                "The search index has an older layout: starting an empty one (run `rse search reindex`)"
            )
        self._swap_to(self._new_generation())

    def _open(self):
        return index.open_dir(self.current)

    def warm_up(self) -> None:
        """This thread's searcher, every segment opened, and the values of each segment that
        searches check (``_SegmentValues``): seconds on a large index, paid at start rather than by
        the first search or write."""
        searcher = self._searcher()
        for subsearcher, _offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            if reader.segment():
                self._values.get(self._local.generation, reader)

    def ping(self) -> None:
        with self._open().searcher() as searcher:
            searcher.doc_count()

    def clear(self) -> None:
        self._swap_to(self._new_generation())

    # Writing --------------------------------------------------------------------------------

    def apply(self, batch: IndexBatch) -> None:
        if not len(batch) and not batch.posts:
            return
        writer = self._open().writer(timeout=30)
        try:
            searcher = self._searcher_for(writer)
            for post_id, documents in batch.posts.items():
                writer.delete_by_term("post_id", str(post_id), searcher=searcher)
                for document in documents:
                    writer.add_document(**_fields_of(document))
            for document in batch.comments:
                writer.delete_by_term("key", document.key, searcher=searcher)
                writer.add_document(**_fields_of(document))
            for key in batch.deleted_keys:
                writer.delete_by_term("key", key, searcher=searcher)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete_keys(self, keys: Iterable[str]) -> None:
        writer = self._open().writer(timeout=30)
        try:
            searcher = self._searcher_for(writer)
            for key in keys:
                writer.delete_by_term("key", key, searcher=searcher)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def _searcher_for(self, writer):
        """A searcher over the segments ``writer`` started from, to find what it deletes.

        Left to itself, the writer opens every segment afresh for each batch; this thread's
        searcher reuses them. The writer holds the lock, so no commit comes between: the newest
        generation is the writer's own starting point, and its document numbers are the writer's.
        None (the writer opens its own) when they differ all the same.
        """
        searcher = self._searcher()
        if searcher.reader().generation() != writer.generation - 1:
            return None
        return searcher

    def rebuild(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        """Every document into a new generation, swapped in when complete.

        A large rebuild is shared out: this process reads the database and hands batches of
        documents to ``REBUILD_PROCESSES`` indexing processes, each writing a segment of its own
        (Whoosh's analysis and posting pool are pure Python, and take about four times as long as
        the reading). A small one, up to ``REBUILD_IN_PROCESS`` documents, stays in this process.
        """
        documents = iter(documents)
        first = list(itertools.islice(documents, REBUILD_IN_PROCESS))
        shared = len(first) == REBUILD_IN_PROCESS and REBUILD_PROCESSES > 1
        count = 0
        with building(self.current, self._new_generation("building")) as folder:
            ix = index.open_dir(folder)
            if shared:
                writer = MpWriter(
                    ix,
                    procs=REBUILD_PROCESSES,
                    batchsize=REBUILD_BATCH,
                    multisegment=True,
                    limitmb=REBUILD_POOL_MB,
                )
            else:
                writer = ix.writer(limitmb=REBUILD_POOL_MB)
            try:
                for document in itertools.chain(first, documents):
                    writer.add_document(**_fields_of(document))
                    count += 1
                    progress(1)
            except BaseException:
                _cancel(writer)
                raise
            writer.commit()
        return count

    def digests(self) -> dict[str, str]:
        with self._open().searcher() as searcher:
            return {fields["key"]: fields.get("digest") for fields in searcher.all_stored_fields()}

    # Reading --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits:
        """The first ``bounds.MAX_COUNTED`` readable matches, ranked, counted and faceted.

        The words are Whoosh matchers; who may read what, and the filters on facet fields, are
        checked per match against in-memory values (``_SegmentValues``): the cost follows the
        matches walked, at most the bound plus the unreadable ones met on the way, and the time
        budget stops the walk, whatever the size of the corpus.
        """
        warnings: list[str] = []
        readable = request.readable_community_ids or request.readable_portal_item_ids
        if not readable or [] in (request.community_ids, request.author_ids, request.post_ids):
            return SearchHits([], 0, {name: {} for name in FACETS}, warnings)
        deadline = bounds.Deadline()
        searcher = self._searcher()
        parsed = request.query
        by_score = request.sort != "date" and parsed.has_text
        words, phrases, bonus = None, [], []
        if parsed.has_text or parsed.excluded:
            words = self._text_query(searcher, parsed, warnings, phrases, bonus)
            if request.priority_boost:
                bonus += [wq.Term("priority", name, boost=boost) for name, boost in PRIORITY_BOOSTS.items()]
        walk = _Walk(searcher, request, by_score, deadline, bounds.MAX_COUNTED, phrases)
        walk.bonus = HeapOr(bonus) if bonus and by_score else None
        if walk.hopeless:
            return SearchHits([], 0, {name: {} for name in FACETS}, warnings)
        generation = self._local.generation
        # An empty index has a reader without segment: nothing to walk.
        leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if sub.reader().segment()]
        self._values.keep_only(generation, {sub.reader().segment().segment_id() for sub, _ in leaves})
        # The most recent segments first: what was written since the last merge counts first.
        for subsearcher, offset in reversed(leaves):
            reader = subsearcher.reader()
            walk.segment(subsearcher, offset, self._values.get(generation, reader), words)
            if walk.stopped:
                break
        hits = [
            Hit(
                kind=stored["kind"],
                object_id=int(stored["key"].split(":", 1)[1]),
                post_id=int(stored["post_id"]) if stored.get("post_id") else None,
                score=round(key, 4) if by_score else None,
            )
            for key, docnum in walk.ranked()[request.offset : request.offset + request.limit]
            for stored in [searcher.stored_fields(docnum)]
        ]
        if walk.timed_out:
            warnings.append(bounds.time_budget_warning())
        exact = not (walk.capped or walk.timed_out)
        return SearchHits(hits, walk.counted, walk.facets(), warnings, total_exact=exact, facets_exact=exact)

    def match_new_posts(
        self, documents: list[SearchDocument], requests: dict[Hashable, SearchRequest]
    ) -> dict[Hashable, set[int]]:
        """Every saved query against a throwaway in-memory index of the batch's posts alone.

        Asking the main index costs a few milliseconds per query whatever the batch (matchers over
        every segment); a one-segment index of a few documents answers in a fraction of that, with
        the same analysis, schema, words and restrictions.
        """
        documents = [document for document in documents if document.kind == "post"]
        if not documents or not requests:
            return {key: set() for key in requests}
        batch_index = RamStorage().create_index(document_schema())
        writer = batch_index.writer()
        for document in documents:
            writer.add_document(**_fields_of(document))
        writer.commit()
        matched: dict[Hashable, set[int]] = {}
        with batch_index.searcher() as searcher:
            reader = searcher.reader()

            def absent(text: str) -> bool:
                return any((TEXT_FIELD, token) not in reader for token in analyse(text))

            for key, request in requests.items():
                parsed = request.query
                # Most saved queries miss a given post: a required word that none of the batch's
                # documents holds settles it with a few lookups, before any matcher is built.
                if [] in (request.community_ids, request.author_ids) or any(
                    absent(text) for text in [*parsed.words, *parsed.phrases]
                ):
                    matched[key] = set()
                    continue
                query = self._restricted(searcher, self._text_query(searcher, request.query, []), request)
                # Plain unions: on a tiny index Whoosh would otherwise build array unions sized
                # for thousands of documents, for every query.
                query = query.accept(_plain_unions)
                matcher = query.matcher(searcher, searcher.context(needs_current=True, weighting=None))
                matched[key] = {
                    int(searcher.stored_fields(docnum)["post_id"]) for docnum in matcher.all_ids()
                }
        return matched

    def _restricted(self, searcher, matcher: wq.Query, request: SearchRequest) -> wq.Query:
        """The words within the restrictions, combined the cheapest way for their sizes.

        Not Whoosh's ``filter=``, which lists every document of every readable community first.
        Selective words step through the restrictions with skip_to; broad ones intersect sets.
        """
        restrictions = self._restrictions(request)
        if not request.query.has_text and not request.query.excluded:
            return restrictions
        reader = searcher.reader()
        if matcher.estimate_size(reader) * 4 < restrictions.estimate_size(reader):
            return RestrictedAnd([matcher, restrictions])
        return wq.And([matcher, restrictions])

    def _restrictions(self, request: SearchRequest) -> wq.Query:
        """What the caller may read and asked for, as an unscored part of the query."""

        def any_of(field_name: str, values) -> wq.Query:
            return wq.Or([wq.Term(field_name, str(value)) for value in values])

        readable = [wq.Term("community_id", str(value)) for value in request.readable_community_ids]
        readable += [
            wq.Term("key", document_key("portal_item", item_id))
            for item_id in request.readable_portal_item_ids
        ]
        clauses = [wq.Or(readable)]
        filters = request.query.filters
        if request.community_ids is not None:
            clauses.append(any_of("community_id", request.community_ids))
        if request.author_ids is not None:
            clauses.append(any_of("author_id", request.author_ids))
        if request.post_ids is not None:
            clauses.append(any_of("post_id", request.post_ids))
        for tag in filters.get("tag", []):
            clauses.append(wq.Term("tags", tag))
        for name in ("priority", "qualification"):
            if filters.get(name):
                clauses.append(any_of(name, filters[name]))
        for value in filters.get("after", []):
            clauses.append(wq.DateRange("created_at", parse_date(value).replace(tzinfo=None), None))
        for value in filters.get("before", []):
            end = parse_date(value).replace(tzinfo=None)
            clauses.append(wq.DateRange("created_at", None, end, endexcl=True))
        return Restriction(wq.And(clauses))

    def _text_query(
        self,
        searcher,
        parsed: ParsedQuery,
        warnings: list[str],
        phrases: list[list[str]] | None = None,
        bonus: list[wq.Query] | None = None,
    ) -> wq.Query:
        """The words as a query; given ``phrases``, a phrase's words only, its tokens listed there.

        The caller then checks the positions itself (``_Walk``), after the cheaper checks: Whoosh's
        phrase matcher reads the positions of every document holding the words, readable or not.
        Given ``bonus``, the title queries that only add to the score go there instead of into an
        AndMaybe (the caller reads them only for documents that could still reach the page).
        """
        required: list[wq.Query] = []
        in_title: list[wq.Query] = []
        for word in parsed.words:
            for token in analyse(word):  # stop words give no token: they are not required
                required.append(wq.Term(TEXT_FIELD, token))
                in_title.append(wq.Term(TITLE_FIELD, token))
        for phrase in parsed.phrases:
            tokens = analyse(phrase)
            if phrases is not None and len(tokens) > 1:
                required.extend(wq.Term(TEXT_FIELD, token) for token in tokens)
                phrases.append(tokens)
            else:
                required.append(self._phrase(phrase))
            # Its words, not the phrase: checking positions in titles costs more than the match.
            in_title.extend(wq.Term(TITLE_FIELD, token) for token in analyse(phrase))
        for prefix in parsed.prefixes:
            required.append(self._prefix(searcher, prefix, warnings))
        positive: wq.Query = LeapfrogAnd(required) if required else wq.Every()
        in_title = [query for query in in_title if query is not wq.NullQuery]
        if bonus is not None:
            bonus.extend(in_title)
        elif in_title:
            # Ranking only: the title is read for documents the words already matched.
            positive = wq.AndMaybe(positive, wq.Or(in_title))
        excluded = [self._phrase(text) for text in parsed.excluded]
        excluded = [query for query in excluded if query is not wq.NullQuery]
        if excluded:
            return wq.AndNot(positive, wq.Or(excluded))
        return positive

    def _phrase(self, text: str, field_name: str = TEXT_FIELD) -> wq.Query:
        tokens = analyse(text)
        if not tokens:
            return wq.NullQuery
        if len(tokens) == 1:
            return wq.Term(field_name, tokens[0])
        return wq.Phrase(field_name, tokens)

    def _prefix(self, searcher, prefix: str, warnings: list[str]) -> wq.Query:
        """The most frequent indexed terms starting with the prefix, at most ``bounds.MAX_PREFIX_TERMS``.

        Terms are stems, so a prefix longer than a word's stem ("negociat*" for "negoci") also
        matches that stem.
        """
        folded = fold(prefix)
        reader = searcher.reader()
        frequency: dict[str, int] = {}
        for term in reader.expand_prefix(TEXT_FIELD, folded):
            term = term.decode() if isinstance(term, bytes) else term
            frequency[term] = reader.doc_frequency(TEXT_FIELD, term)
        for size in range(4, len(folded)):
            stem = folded[:size]
            if (TEXT_FIELD, stem) in reader:
                frequency[stem] = reader.doc_frequency(TEXT_FIELD, stem)
        if not frequency:
            return wq.NullQuery
        terms = sorted(frequency, key=lambda term: (-frequency[term], term))
        if len(terms) > bounds.MAX_PREFIX_TERMS:
            warnings.append(bounds.prefix_warning(prefix, len(terms), bounds.MAX_PREFIX_TERMS))
            terms = terms[: bounds.MAX_PREFIX_TERMS]
        return HeapOr([wq.Term(TEXT_FIELD, term) for term in terms])

    def snippet(self, query: ParsedQuery, text: str) -> str | None:
        return highlight_snippet(query, text)
