"""The embedded search backend: a Whoosh index in the instance folder, French analysis."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

from whoosh import index, sorting
from whoosh import query as wq
from whoosh.collectors import WrappingCollector
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.matching import IntersectionMatcher, NullMatcherClass, WrappingMatcher

from search import bounds
from search.analysis import analyse, fold, french_analyzer
from search.backends import FACETS, Hit, SearchBackend, SearchHits, SearchRequest
from search.documents import IndexBatch, SearchDocument, document_key
from search.generations import swap_generation
from search.query import ParsedQuery, parse_date
from search.snippets import highlight_snippet

log = logging.getLogger(__name__)

# Ranking: title counts more than the body (BM25F field boosts).
TEXT_FIELDS = {"title": 2.0, "body": 1.0, "tags_text": 1.5, "author": 1.0, "community": 0.5}
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
        title=TEXT(analyzer=analyzer, field_boost=TEXT_FIELDS["title"]),
        body=TEXT(analyzer=analyzer),
        tags_text=TEXT(analyzer=analyzer, field_boost=TEXT_FIELDS["tags_text"]),
        author=TEXT(analyzer=analyzer),
        community=TEXT(analyzer=analyzer, field_boost=TEXT_FIELDS["community"]),
        created_at=DATETIME(sortable=True),
        digest=STORED,
    )


def _fields_of(document: SearchDocument) -> dict:
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
        # A comment is found by its own words, not by its post's title (the post answers that).
        "title": document.title if document.kind != "comment" else "",
        "body": "\n".join([document.body, *document.extra_text]),
        "tags_text": " ".join(document.tags),
        "author": document.author_name,
        "community": document.community_name,
        "created_at": document.created_at.replace(tzinfo=None),
        "digest": document.digest,
    }


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


class _BoundedCollector(WrappingCollector):
    """Collects at most ``cap`` matches and stops when the deadline passes, keeping what it has.

    Whoosh walks its segments oldest first: beyond the cap, the page, facets and total come from
    the first matches in index order.
    """

    def __init__(self, child, cap: int, deadline):
        super().__init__(child)
        self.cap = cap
        self.deadline = deadline
        self.collected = 0
        self.capped = self.timed_out = False

    def collect_matches(self):
        if self.capped or self.timed_out:
            return
        child = self.child
        for sub_docnum in child.matches():
            if self.collected >= self.cap:
                self.capped = True
                return
            if not self.collected % 64 and self.deadline.passed():
                self.timed_out = True
                return
            child.collect(sub_docnum)
            self.collected += 1


class _PlainOr(wq.Or):
    matcher_type = wq.Or.DEFAULT_MATCHER


def _plain_unions(query: wq.Query) -> wq.Query:
    if type(query) is wq.Or:
        return _PlainOr(query.subqueries, boost=query.boost)
    return query


class WhooshBackend(SearchBackend):
    """An index under ``<directory>/current``, a link to the generation being served.

    ``rebuild`` fills a new generation beside it and swaps the link atomically: searches keep
    using the old one until then.
    """

    name = "whoosh"

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.current = self.directory / "current"
        self._local = threading.local()

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
            for post_id, documents in batch.posts.items():
                writer.delete_by_term("post_id", str(post_id))
                for document in documents:
                    writer.add_document(**_fields_of(document))
            for document in batch.comments:
                writer.update_document(**_fields_of(document))
            for key in batch.deleted_keys:
                writer.delete_by_term("key", key)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def delete_keys(self, keys: Iterable[str]) -> None:
        writer = self._open().writer(timeout=30)
        for key in keys:
            writer.delete_by_term("key", key)
        writer.commit()

    def rebuild(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        # Built under another name, so that a swap elsewhere never takes it for an old generation.
        building = self._new_generation("building")
        count = 0
        try:
            writer = index.open_dir(building).writer(limitmb=128)
            for document in documents:
                writer.add_document(**_fields_of(document))
                count += 1
                progress(1)
            writer.commit()
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        generation = building.with_name(building.name.replace("building-", "index-", 1))
        building.rename(generation)
        self._swap_to(generation)
        return count

    def digests(self) -> dict[str, str]:
        with self._open().searcher() as searcher:
            return {fields["key"]: fields.get("digest") for fields in searcher.all_stored_fields()}

    # Reading --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits:
        warnings: list[str] = []
        readable = request.readable_community_ids or request.readable_portal_item_ids
        if not readable or [] in (request.community_ids, request.author_ids, request.post_ids):
            return SearchHits([], 0, {name: {} for name in FACETS}, warnings)
        deadline = bounds.Deadline()
        searcher = self._searcher()
        matcher = self._text_query(searcher, request.query, warnings)
        if request.priority_boost and request.sort == "relevance":
            matcher = wq.AndMaybe(
                matcher,
                wq.Or([wq.Term("priority", name, boost=boost) for name, boost in PRIORITY_BOOSTS.items()]),
            )
        facets = {
            "community": sorting.FieldFacet("community_id", maptype=sorting.Count),
            "qualification": sorting.FieldFacet("qualification", maptype=sorting.Count),
            "priority": sorting.FieldFacet("priority", maptype=sorting.Count),
            "author": sorting.FieldFacet("author_id", maptype=sorting.Count),
            "month": sorting.FieldFacet("month", maptype=sorting.Count),
        }
        options = {}
        if request.sort == "date" or not request.query.has_text:
            options = {"sortedby": "created_at", "reverse": True}
        collector = _BoundedCollector(
            searcher.collector(limit=request.offset + request.limit, groupedby=facets, **options),
            bounds.MAX_COUNTED,
            deadline,
        )
        searcher.search_with_collector(self._restricted(searcher, matcher, request), collector)
        results = collector.results()
        total = len(results)
        hits = [
            Hit(
                kind=stored["kind"],
                object_id=int(stored["key"].split(":", 1)[1]),
                post_id=int(stored["post_id"]) if stored.get("post_id") else None,
                score=round(result.score, 4) if result.score is not None and options == {} else None,
            )
            for result in results[request.offset : request.offset + request.limit]
            for stored in [result.fields()]
        ]
        if collector.timed_out:
            warnings.append(bounds.time_budget_warning())
        exact = not (collector.capped or collector.timed_out)
        counted = {name: dict(results.groups(name)) for name in FACETS}
        return SearchHits(hits, total, counted, warnings, total_exact=exact, facets_exact=exact)

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
                return any(
                    not any((name, token) in reader for name in TEXT_FIELDS) for token in analyse(text)
                )

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

    def _any_field(self, make) -> wq.Query:
        return wq.Or([make(name) for name in TEXT_FIELDS])

    def _text_query(self, searcher, parsed: ParsedQuery, warnings: list[str]) -> wq.Query:
        required: list[wq.Query] = []
        for word in parsed.words:
            for token in analyse(word):  # stop words give no token: they are not required
                required.append(self._any_field(lambda name, token=token: wq.Term(name, token)))
        for phrase in parsed.phrases:
            required.append(self._phrase(phrase))
        for prefix in parsed.prefixes:
            required.append(self._prefix(searcher, prefix, warnings))
        positive: wq.Query = wq.And(required) if required else wq.Every()
        excluded = [self._phrase(text) for text in parsed.excluded]
        excluded = [query for query in excluded if query is not wq.NullQuery]
        if excluded:
            return wq.AndNot(positive, wq.Or(excluded))
        return positive

    def _phrase(self, text: str) -> wq.Query:
        tokens = analyse(text)
        if not tokens:
            return wq.NullQuery
        if len(tokens) == 1:
            return self._any_field(lambda name: wq.Term(name, tokens[0]))
        return self._any_field(lambda name: wq.Phrase(name, tokens))

    def _prefix(self, searcher, prefix: str, warnings: list[str]) -> wq.Query:
        """The most frequent indexed terms starting with the prefix, at most ``bounds.MAX_PREFIX_TERMS``.

        Terms are stems, so a prefix longer than a word's stem ("negociat*" for "negoci") also
        matches that stem.
        """
        folded = fold(prefix)
        reader = searcher.reader()
        frequency: dict[str, int] = {}
        for name in TEXT_FIELDS:
            for term in reader.expand_prefix(name, folded):
                term = term.decode() if isinstance(term, bytes) else term
                frequency[term] = frequency.get(term, 0) + reader.doc_frequency(name, term)
            for size in range(4, len(folded)):
                stem = folded[:size]
                if (name, stem) in reader:
                    frequency[stem] = frequency.get(stem, 0) + reader.doc_frequency(name, stem)
        if not frequency:
            return wq.NullQuery
        terms = sorted(frequency, key=lambda term: (-frequency[term], term))
        if len(terms) > bounds.MAX_PREFIX_TERMS:
            warnings.append(bounds.prefix_warning(prefix, len(terms), bounds.MAX_PREFIX_TERMS))
            terms = terms[: bounds.MAX_PREFIX_TERMS]
        return wq.Or([wq.Term(name, term) for term in terms for name in TEXT_FIELDS])

    def snippet(self, query: ParsedQuery, text: str) -> str | None:
        return highlight_snippet(query, text)
