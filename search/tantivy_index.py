"""The embedded backend for large indexes: tantivy (a Rust engine) in the instance folder.

Text is analysed by tantivy itself with the French chain every backend shares: words as
``search.analysis.TOKEN_PATTERN`` cuts them, lower case, French stop words, accents folded, Snowball's
French stemmer. Snowball keeps the plural ``s`` of short words (``elus`` and ``elu``): each query word
also asks for its other number, as with PostgreSQL. The query language is ``search.query``'s; queries
are built term by term, never through tantivy's own parser. Snippets come from ``search.snippets``.

Like Whoosh, the index lives under ``<directory>/current``, a link to the generation being served:
``rebuild`` fills a new one and swaps the link atomically. One writer at a time (the outbox's lock);
every search reloads its reader, cheap when nothing changed, so other processes' commits show at once.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import tantivy

from search import bounds, engine_threads
from search.analysis import FRENCH_STOP_WORDS, TOKEN_PATTERN, fold, number_forms
from search.backends import FACETS, Hit, SearchBackend, SearchHits, SearchHitsLater, SearchRequest
from search.documents import IndexBatch, SearchDocument, document_key
from search.generations import building, swap_generation
from search.query import ParsedQuery, parse_date
from search.snippets import highlight_snippet

log = logging.getLogger(__name__)

TOKENIZER = "rse_french"
# Bumped when the schema changes: an index of another layout is replaced by an empty one.
LAYOUT = "2"  # 2: the ``day`` field
# Ranking: title counts more than the body (BM25 per field, boosted).
TEXT_FIELDS = {"title": 2.0, "body": 1.0, "tags_text": 1.5, "author": 1.0, "community": 0.5}
PRIORITY_BOOSTS = {"flash": 4.0, "immediate": 2.5, "priority": 1.5}
# Terms read from the dictionary for one prefix (the most frequent first) before keeping the best.
PREFIX_SCAN_LIMIT = 1000
FACET_FIELDS = {
    "community": "community_id",
    "qualification": "qualification",
    "priority": "priority",
    "author": "author_id",
    "month": "month",
}
# Facet values read per facet: all of them for the small facets, and above any number a bounded
# set of matches (search.bounds.MAX_COUNTED documents) can hold; a few more than the service keeps
# for the facets that may have thousands (communities, authors: the most frequent; months: the
# most recent), to tell whether values tied with the last one kept were left out.
FACET_ALL = 10_000
FACET_FETCH_FACTOR = 5
TOP_COUNTED_FACETS = ("community", "author")
WRITER_HEAP_BYTES = 50_000_000
REBUILD_HEAP_BYTES = 256_000_000
_WORDS = re.compile(TOKEN_PATTERN)


@functools.cache
def french_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(sorted(FRENCH_STOP_WORDS)))
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("french"))
        .build()
    )


@functools.cache
def document_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw")
    builder.add_integer_field("post_id", stored=True, indexed=True)
    builder.add_integer_field("community_id", indexed=True, fast=True)
    builder.add_integer_field("author_id", indexed=True, fast=True)
    for name in ("qualification", "priority", "month"):
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    builder.add_text_field("tags", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER)
    # Microseconds since the epoch: sorts by date and filters before:/after:.
    builder.add_integer_field("created_ts", indexed=True, fast=True)
    # The UTC day (YYYY-MM-DD) of created_ts: the most recent days' terms lead the searches bounded
    # to the most recent matches (a range on created_ts filters each match, it never leads).
    builder.add_text_field("day", tokenizer_name="raw")
    builder.add_text_field("digest", stored=True, tokenizer_name="raw")
    return builder.build()


def _timestamp(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _day(moment: datetime) -> str:
    """The UTC day of a moment, as the ``day`` field holds it (ordered as created_ts is)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _document_of(document: SearchDocument) -> tantivy.Document:
    fields = {
        "key": document.key,
        "kind": document.kind,
        "author_id": document.author_id,
        "qualification": document.qualification or "none",
        "priority": document.priority or "routine",
        "month": document.month,
        # A comment is found by its own words, not by its post's title (the post answers that).
        "title": document.title if document.kind != "comment" else "",
        "body": "\n".join([document.body, *document.extra_text]),
        "tags_text": " ".join(document.tags),
        "author": document.author_name,
        "community": document.community_name,
        "created_ts": _timestamp(document.created_at),
        "day": _day(document.created_at),
        "digest": document.digest,
    }
    if document.tags:
        fields["tags"] = [tag.lower() for tag in document.tags]
    if document.post_id is not None:
        fields["post_id"] = document.post_id
    if document.community_id is not None:
        fields["community_id"] = document.community_id
    return tantivy.Document(**fields)


def _read_meta(generation: str) -> bytes | None:
    """The generation's meta.json as it is now; None when it cannot be read (reload to be sure)."""
    try:
        return (Path(generation) / "meta.json").read_bytes()
    except OSError:
        return None


def _open(path: Path) -> tantivy.Index:
    opened = tantivy.Index.open(str(path))
    opened.register_tokenizer(TOKENIZER, french_analyzer())
    return opened


class _Stopped(Exception):
    """The time budget ran out before the main search."""


class TantivyBackend(SearchBackend):
    name = "tantivy"
    # Every search intersects its words with the readable communities' postings: over long runs of
    # one community they cost less (measured: search API p95 about a tenth lower at 1,000,000 posts).
    rebuild_by_community = True

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory) / "tantivy"
        self.current = self.directory / "current"
        self._lock = threading.Lock()
        # The served generation's folder, its index, and the meta.json it was last read at.
        self._opened: tuple[str, tantivy.Index, bytes | None] | None = None

    # Layout ---------------------------------------------------------------------------------

    def _index(self) -> tantivy.Index:
        """The served generation, reopened after a swap, its reader reloaded to see every commit.

        Every commit, from any process, rewrites the generation's meta.json (its opstamp grows with
        each one): the reader is reloaded only when that file differs from the one it was last
        loaded at. Reading a few hundred bytes costs far less than a reload, which opens the
        segment list and compares it with the reader's, on every search.
        """
        generation = os.path.realpath(self.current)
        meta = _read_meta(generation)
        with self._lock:
            if self._opened is None or self._opened[0] != generation:
                self._opened = (generation, _open(Path(generation)), meta)
            elif meta is None or self._opened[2] != meta:
                # Read before reloading: a commit in between makes the next search reload again.
                self._opened[1].reload()
                self._opened = (generation, self._opened[1], meta)
            return self._opened[1]

    def _new_generation(self, prefix: str = "index") -> Path:
        stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        path = self.directory / f"{prefix}-{stamp}"
        path.mkdir(parents=True)
        tantivy.Index(document_schema(), path=str(path))
        (path / "rse-layout").write_text(LAYOUT)
        return path

    def _swap_to(self, generation: Path) -> None:
        swap_generation(self.current, generation)

    def ensure_index(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        layout = self.current / "rse-layout"
        if self.current.is_symlink() and layout.exists():
            if layout.read_text() == LAYOUT and tantivy.Index.exists(str(self.current.resolve())):
                return
            log.warning(
                "The search index has an older layout: starting an empty one (run `rse search reindex`)"
            )
        self._swap_to(self._new_generation())

    def ping(self) -> None:
        self._index().searcher().num_docs  # noqa: B018 - reading it is the check

    def clear(self) -> None:
        self._swap_to(self._new_generation())

    # Writing --------------------------------------------------------------------------------

    def _write(self, change: Callable[[tantivy.IndexWriter], None]) -> None:
        index = self._index()
        writer = index.writer(WRITER_HEAP_BYTES, 1)
        try:
            change(writer)
        except BaseException:
            writer.rollback()
            writer.wait_merging_threads()
            raise
        writer.commit()
        writer.wait_merging_threads()  # lets go of tantivy's own writer lock
        index.reload()

    def apply(self, batch: IndexBatch) -> None:
        if not len(batch) and not batch.posts:
            return

        def change(writer: tantivy.IndexWriter) -> None:
            for post_id, documents in batch.posts.items():
                writer.delete_documents_by_term("post_id", post_id)
                for document in documents:
                    writer.add_document(_document_of(document))
            for document in batch.comments:
                writer.delete_documents_by_term("key", document.key)
                writer.add_document(_document_of(document))
            for key in batch.deleted_keys:
                writer.delete_documents_by_term("key", key)

        self._write(change)

    def delete_keys(self, keys: Iterable[str]) -> None:
        keys = list(keys)

        def change(writer: tantivy.IndexWriter) -> None:
            for key in keys:
                writer.delete_documents_by_term("key", key)

        self._write(change)

    def rebuild(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        count = 0
        with building(self.current, self._new_generation("building")) as folder:
            writer = _open(folder).writer(REBUILD_HEAP_BYTES)
            pending = 0
            for document in documents:
                writer.add_document(_document_of(document))
                count += 1
                pending += 1
                if pending == 1000:
                    progress(pending)
                    pending = 0
            writer.commit()
            writer.wait_merging_threads()
            progress(pending)
        return count

    def digests(self) -> dict[str, str]:
        searcher = self._index().searcher()
        if not searcher.num_docs:
            return {}
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
        digests = {}
        for _score, address in found.hits:
            document = searcher.doc(address)
            digests[document.get_first("key")] = document.get_first("digest")
        return digests

    # Reading --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits | SearchHitsLater:
        warnings: list[str] = []
        empty = {name: {} for name in FACETS}
        readable = request.readable_community_ids or request.readable_portal_item_ids
        if not readable or [] in (request.community_ids, request.author_ids, request.post_ids):
            return SearchHits([], 0, empty, warnings)
        deadline = bounds.Deadline()
        searcher = self._index().searcher()
        try:
            text_query = self._text_query(searcher, request.query, warnings, deadline)
        except _Stopped:
            warnings.append(bounds.time_budget_warning())
            return SearchHits([], 0, empty, warnings, total_exact=False, facets_exact=False)
        if text_query is None:
            return SearchHits([], 0, empty, warnings)
        restrictions = self._restrictions(request)
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, text_query), (tantivy.Occur.Must, restrictions)]
        )
        by_date = request.sort == "date" or not request.query.has_text
        ranked_query = query
        if request.priority_boost and not by_date:
            boosts = [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.const_score_query(self._term("priority", name), boost),
                )
                for name, boost in PRIORITY_BOOSTS.items()
            ]
            ranked_query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *boosts])
        options = self._newest_first() if by_date else {}
        # Counting walks every match, as ranking does: the count and the facets run in another
        # thread while this one ranks the page (tantivy leaves the interpreter lock while it
        # searches), and the service presents the page while they go on (``SearchHitsLater``).
        counting = engine_threads.start(self._count_and_facets, searcher, query, deadline)
        found = engine_threads.run(
            functools.partial(
                searcher.search,
                ranked_query,
                limit=max(request.limit, 1),
                offset=request.offset,
                count=False,
                **options,
            )
        )
        hits = []
        for score, address in found.hits[: request.limit]:
            document = searcher.doc(address)
            post_id = document.get_first("post_id")
            hits.append(
                Hit(
                    kind=document.get_first("kind"),
                    object_id=int(document.get_first("key").split(":", 1)[1]),
                    post_id=int(post_id) if post_id is not None else None,
                    score=None if by_date else round(float(score), 4),
                )
            )

        def counted() -> SearchHits:
            matched, facets = counting()
            if not matched:
                return SearchHits(hits, 0, empty, warnings)
            if facets is None:
                warnings.append(bounds.time_budget_warning())
                return SearchHits(hits, min(matched, bounds.MAX_COUNTED), empty, warnings, False, False)
            exact = matched <= bounds.MAX_COUNTED
            return SearchHits(
                hits,
                matched if exact else bounds.MAX_COUNTED,
                facets,
                warnings,
                total_exact=exact,
                facets_exact=exact,
            )

        return SearchHitsLater(hits, counted)

    def raw_search(self, query_text: str, limit: int = 20) -> tuple[list[str], int]:
        """The engine alone (benchmarks): the keys of the best ``limit`` documents and the count.

        No permission trimming, no facets, no snippets: what tantivy costs by itself.
        """
        from search.query import parse_query

        searcher = self._index().searcher()
        query = self._text_query(searcher, parse_query(query_text), [], bounds.Deadline(3600))
        if query is None:
            return [], 0
        found = searcher.search(query, limit=limit, count=True)
        return [searcher.doc(address).get_first("key") for _score, address in found.hits], found.count

    @staticmethod
    def _newest_first() -> dict:
        return {"order_by_field": "created_ts", "order": tantivy.Order.Desc}

    @staticmethod
    def _days(searcher: tantivy.Searcher) -> list[tuple[str, int]]:
        """The days the index holds documents of, the most recent first, with their counts."""
        return sorted(searcher.terms_with_prefix("day", ""), reverse=True)

    def _days_since(self, searcher: tantivy.Searcher, moment: int) -> tantivy.Query:
        """Documents of the day of ``moment`` (microseconds) and after: a clause that leads."""
        first = _day(datetime.fromtimestamp(moment / 1_000_000, UTC))
        days = [day for day, _count in self._days(searcher) if day >= first]
        return self._any_of("day", days or [first])

    def _count_and_facets(
        self, searcher: tantivy.Searcher, query: tantivy.Query, deadline: bounds.Deadline
    ) -> tuple[int, dict[str, dict[str, int]] | None]:
        """How many documents match ``query``, and the facets over the most recent of them.

        One walk of every match, by date, counts them and finds the ``MAX_COUNTED``-th most recent;
        the facets are counted over the matches from that one on (every match when there are no
        more than the bound). No facets (None) once the time budget is spent.
        """
        found = searcher.search(
            query, limit=1, offset=bounds.MAX_COUNTED - 1, count=True, **self._newest_first()
        )
        matched = found.count or 0
        if not matched or deadline.passed():
            return matched, None
        counted_query = query
        if found.hits:
            oldest_counted = int(found.hits[0][0])
            counted_query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, self._date_range(lower=oldest_counted)),
                    (tantivy.Occur.Must, self._days_since(searcher, oldest_counted)),
                ]
            )
        return matched, self._facets(searcher, counted_query)

    def _facets(self, searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, dict[str, int]]:
        """Each facet's values and counts over ``query``: at least the ones the service keeps.

        The service lists ``bounds.MAX_FACET_VALUES`` of each facet, the most frequent (months: the
        most recent). Communities and authors are asked for a few more than that, counted exactly
        (``segment_size`` above any number of values the bounded matches can hold); a broad query's
        thousands of authors are then never turned into Python objects and sorted. When values tied
        with the last one kept may have been left out, that facet is asked again in full.
        """
        kept = bounds.MAX_FACET_VALUES
        fetched = FACET_FETCH_FACTOR * kept
        counted = searcher.aggregate(
            query, {name: self._facet_aggregation(name, fetched) for name in FACET_FIELDS}
        )
        facets = {name: self._buckets(counted, name) for name in FACETS}
        for name in TOP_COUNTED_FACETS:
            counts = sorted(facets[name].values(), reverse=True)
            truncated = len(counts) >= fetched and counts[kept - 1] == counts[-1]
            if truncated or counted.get(name, {}).get("doc_count_error_upper_bound"):
                whole = searcher.aggregate(query, {name: self._facet_aggregation(name, FACET_ALL)})
                facets[name] = self._buckets(whole, name)
        return facets

    @staticmethod
    def _facet_aggregation(name: str, size: int) -> dict:
        terms: dict = {"field": FACET_FIELDS[name], "size": FACET_ALL, "segment_size": FACET_ALL}
        if name in TOP_COUNTED_FACETS:
            terms["size"] = size  # the most frequent first
        elif name == "month":
            terms.update(size=size, order={"_key": "desc"})  # the most recent first
        return {"terms": terms}

    @staticmethod
    def _buckets(counted: dict, name: str) -> dict[str, int]:
        return {
            str(int(bucket["key"])) if isinstance(bucket["key"], float) else str(bucket["key"]): int(
                bucket["doc_count"]
            )
            for bucket in counted.get(name, {}).get("buckets", [])
        }

    # Query building -------------------------------------------------------------------------

    @staticmethod
    def _term(field_name: str, value) -> tantivy.Query:
        return tantivy.Query.term_query(document_schema(), field_name, value)

    @staticmethod
    def _any_of(field_name: str, values: list) -> tantivy.Query:
        return tantivy.Query.term_set_query(document_schema(), field_name, list(values))

    def _union_of(self, field_name: str, values: list) -> tantivy.Query:
        """Any of the values, as a union of term queries (unscored where it is used)."""
        if len(values) == 1:
            return self._term(field_name, values[0])
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, self._term(field_name, v)) for v in values]
        )

    def _scored_any_of(self, field_name: str, terms: list[str]) -> tantivy.Query:
        """Any of the terms, each scored (BM25), unlike a term set."""
        if len(terms) == 1:
            return self._term(field_name, terms[0])
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, self._term(field_name, term)) for term in terms]
        )

    def _restrictions(self, request: SearchRequest) -> tantivy.Query:
        """What the caller may read and asked for: unscored, it never changes the ranking."""
        readable = []
        if request.readable_community_ids:
            readable.append(self._union_of("community_id", request.readable_community_ids))
        if request.readable_portal_item_ids:
            keys = [document_key("portal_item", item_id) for item_id in request.readable_portal_item_ids]
            readable.append(self._any_of("key", keys))
        clauses = [
            (tantivy.Occur.Must, tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in readable]))
        ]
        filters = request.query.filters
        for field_name, values in (
            ("community_id", request.community_ids),
            ("author_id", request.author_ids),
            ("post_id", request.post_ids),
        ):
            if values is not None:
                clauses.append((tantivy.Occur.Must, self._any_of(field_name, values)))
        for tag in filters.get("tag", []):
            clauses.append((tantivy.Occur.Must, self._term("tags", tag)))
        for name in ("priority", "qualification"):
            if filters.get(name):
                clauses.append((tantivy.Occur.Must, self._any_of(name, filters[name])))
        for value in filters.get("after", []):
            clauses.append((tantivy.Occur.Must, self._date_range(lower=_timestamp(parse_date(value)))))
        for value in filters.get("before", []):
            clauses.append((tantivy.Occur.Must, self._date_range(upper=_timestamp(parse_date(value)))))
        return tantivy.Query.const_score_query(tantivy.Query.boolean_query(clauses), 0.0)

    @staticmethod
    def _date_range(lower: int | None = None, upper: int | None = None) -> tantivy.Query:
        return tantivy.Query.range_query(
            document_schema(),
            "created_ts",
            tantivy.FieldType.Integer,
            lower_bound=lower if lower is not None else -(2**62),
            upper_bound=upper if upper is not None else 2**62,
            include_lower=True,
            include_upper=upper is None,
        )

    def _text_query(
        self, searcher, parsed: ParsedQuery, warnings: list[str], deadline: bounds.Deadline
    ) -> tantivy.Query | None:
        """The words, phrases and prefixes, all required; None when nothing can match."""
        required: list[tantivy.Query] = []
        for text in [*parsed.words, *parsed.phrases]:
            query = self._phrase(text)
            if query is not None:
                required.append(query)
        for prefix in parsed.prefixes:
            if deadline.passed():
                raise _Stopped
            query = self._prefix(searcher, prefix, warnings)
            if query is None:
                return None
            required.append(query)
        if deadline.passed():
            raise _Stopped
        clauses = [(tantivy.Occur.Must, query) for query in required]
        if not clauses:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        for text in parsed.excluded:
            query = self._phrase(text)
            if query is not None:
                clauses.append((tantivy.Occur.MustNot, query))
        return tantivy.Query.boolean_query(clauses)

    @staticmethod
    def _tokens(text: str) -> list[tuple[int, list[str]]]:
        """Each word's position and the terms of its forms; stop words keep their place, no term."""
        analyzer = french_analyzer()
        tokens = []
        for position, match in enumerate(_WORDS.finditer(text)):
            if not analyzer.analyze(match.group()):
                continue  # a stop word: not required, as with every backend
            forms = []
            for form in number_forms(match.group().lower()):
                forms.extend(term for term in analyzer.analyze(form) if term not in forms)
            tokens.append((position, forms))
        return tokens

    def _any_field(self, make: Callable[[str], tantivy.Query]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.boost_query(make(name), boost))
                for name, boost in TEXT_FIELDS.items()
            ]
        )

    def _phrase(self, text: str) -> tantivy.Query | None:
        """A word (any of its forms) or a phrase (its words in order), in any text field."""
        tokens = self._tokens(text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return self._any_field(lambda name: self._scored_any_of(name, tokens[0][1]))
        start = tokens[0][0]
        variants = {tuple((position - start, forms[0]) for position, forms in tokens)}
        variants.add(tuple((position - start, forms[-1]) for position, forms in tokens))
        return self._any_field(
            lambda name: tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, tantivy.Query.phrase_query(document_schema(), name, list(words)))
                    for words in sorted(variants)
                ]
            )
        )

    def _prefix(self, searcher, prefix: str, warnings: list[str]) -> tantivy.Query | None:
        """The most frequent indexed terms starting with the prefix, at most ``MAX_PREFIX_TERMS``.

        Terms are stems, so a prefix longer than a word's stem ("negociat*" for "negoci") also
        matches that stem.
        """
        folded = fold(prefix)
        frequency: dict[str, int] = {}
        for name in TEXT_FIELDS:
            for term, count in searcher.terms_with_prefix(name, folded, limit=PREFIX_SCAN_LIMIT):
                frequency[term] = frequency.get(term, 0) + count
            for size in range(4, len(folded)):
                stem = folded[:size]
                count = searcher.doc_freq(name, stem)
                if count:
                    frequency[stem] = frequency.get(stem, 0) + count
        if not frequency:
            return None
        terms = sorted(frequency, key=lambda term: (-frequency[term], term))
        if len(terms) > bounds.MAX_PREFIX_TERMS:
            warnings.append(bounds.prefix_warning(prefix, len(terms), bounds.MAX_PREFIX_TERMS))
            terms = terms[: bounds.MAX_PREFIX_TERMS]
        return self._any_field(lambda name: self._scored_any_of(name, terms))

    def snippet(self, query: ParsedQuery, text: str) -> str | None:
        return highlight_snippet(query, text)
