"""The PostgreSQL search backend: full-text search in the application's own database.

Documents live in the ``search_documents`` table with a weighted ``tsvector`` (GIN index) computed
when they are written, with the ``rse_french`` text search configuration: PostgreSQL's French
stemmer after the ``unaccent`` dictionary (made by the migration). The query language is the one
``search.query`` parses for every backend; each word also matches its singular or plural form,
which the Snowball stemmer leaves apart on short words (``élu`` and ``elus``).

Cost is bounded (``search.bounds``): a query considers at most ``MAX_COUNTED`` matches, the most
recent first; ranking, facets and the total are computed over them, and the total says it is a
lower bound beyond (``total_exact`` and ``facets_exact`` false). Those matches are found either by
walking the newest documents, or through the GIN index within a window of the newest documents
widened until it holds them (``PostgresBackend._choose_path``). ``statement_timeout`` ends a query
that outlives the time budget.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import escape
from psycopg.errors import QueryCanceled
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from rse.extensions import db
from search import bounds
from search.analysis import FRENCH_STOP_WORDS, analyse, fold, number_forms
from search.backends import FACETS, Hit, SearchBackend, SearchHits, SearchRequest
from search.documents import IndexBatch, SearchDocument
from search.query import ParsedQuery, parse_date

CONFIG = "rse_french"
TABLE = "search_documents"
BUILDING_TABLE = "search_documents_building"
# Documents sampled (most recent first) to find which indexed words a prefix stands for. Reading
# their vectors is most of a prefix's cost before the search itself; at 1,000,000 posts, 500
# rather than 2,000 took the 75 prefix queries of the benchmark from p95 289 to 246 ms, with the
# same totals, and the same first page but for four prefixes whose rare words no longer passed the
# bound of ``MAX_PREFIX_TERMS`` in the sample (every word was then searched, no warning).
PREFIX_SAMPLE = 500
# ts_rank weights for D, C, B, A: author and community names, body, tags, title.
RANK_WEIGHTS = "{0.2, 0.4, 0.6, 1.0}"
# Added to a rank normalised into [0, 1) when priority_boost asks for urgent posts first.
PRIORITY_BOOSTS = {"flash": 1.0, "immediate": 0.6, "priority": 0.3}
INSERT_BATCH = 1000
# Reading a document found through the GIN index costs about this many documents walked through
# the created_at index (measured at 1,000,000 posts: scattered reads against neighbouring ones).
WALK_OVER_FETCH = 2
# Reading one entry of a posting list from the GIN index into a bitmap costs about this many
# documents walked (measured at 1,000,000 posts).
GIN_ENTRY_COST = 0.2
# Reading one entry of the readable communities' index into a bitmap costs about this many
# documents walked (measured at 1,000,000 posts: the 1,018,197 entries of a member of 58
# communities took 178 ms, the 22,940 scattered rows of `melan:*` 78 ms).
READABLE_ENTRY_COST = 0.1
# A window of the newest documents is sized to hold this many times the matches wanted, so that
# an estimate too high by as much still fills the bound in one statement...
WINDOW_MARGIN = 2
# ... and a window holding too few is followed by one sized from the matches it held (at least
# this many times wider), or this many times wider when it held none.
WINDOW_GROWTH_FOUND = 1.5
WINDOW_GROWTH = 8
# The memory of each sort and bitmap of a search statement (PostgreSQL's default is 4 MB).
WORK_MEM = "32MB"
# The widest first window: past it, the matches it holds decide (``_wider``).
FIRST_WINDOW_SHARE = 0.25
# Past this share of the documents, the whole table. A window's cost follows its share (the
# readable documents' bitmap is most of it for a member of many communities: 1,000,000 entries,
# about 100 ms, over the whole table at 1,000,000 posts), so a window of half the table still
# costs about half as much.
MAX_WINDOW_SHARE = 0.8
# The single writer's lock, a PostgreSQL advisory lock: every server and worker sees it, on
# whichever machine it runs (a lock file would only keep out the processes of one machine).
WRITER_LOCK_KEY = 0x7273655F73656172

# What the caller may read. Portal items belong to no community: each is readable by its own id.
READABLE = "(community_id = ANY(:readable) OR (kind = 'portal_item' AND object_id = ANY(:portal_items)))"
# The same, checked on each row read instead of through an index: ``+ 0`` keeps the planner from
# answering it with a bitmap of every readable document (``_readable_by_row``).
READABLE_BY_ROW = (
    "(community_id + 0 = ANY(:readable) OR (kind = 'portal_item' AND object_id + 0 = ANY(:portal_items)))"
)

_VECTOR = (
    f"setweight(to_tsvector('{CONFIG}', :title), 'A')"
    f" || setweight(to_tsvector('{CONFIG}', :tags_text), 'B')"
    f" || setweight(to_tsvector('{CONFIG}', :body), 'C')"
    f" || setweight(to_tsvector('{CONFIG}', :author_name || ' ' || :community_name), 'D')"
)
# The filtered fields' values as lexemes without position (``FILTER_LEXEME_FORMS``): the GIN index
# answers the filters with the words (see the migration that made ``rse_filter_lexemes``).
_FILTER_LEXEMES = (
    "rse_filter_lexemes(CAST(:priority AS text), CAST(:qualification AS text), CAST(:tags AS text))"
)
# The lexeme standing for a filter's value, as ``rse_filter_lexemes`` writes it: the leading space
# keeps it apart from every word (no word of a document, a query or a prefix holds a space).
FILTER_LEXEME_FORMS = {"priority": " priority:{}", "qualification": " qualification:{}", "tag": " tag:{}"}
# Each column written from a parameter, with its type (the values are selected, not inserted as
# VALUES, so that the vector is computed once for both columns that derive from it).
_COLUMN_TYPES = {
    "key": "text",
    "kind": "text",
    "object_id": "integer",
    "post_id": "integer",
    "community_id": "integer",
    "author_id": "integer",
    "qualification": "text",
    "priority": "text",
    "month": "text",
    "tags": "text",
    "created_at": "timestamptz",
    "title": "text",
    "body": "text",
    "author_name": "text",
    "community_name": "text",
    "digest": "text",
}


def _insert_sql(table: str) -> str:
    columns = ", ".join(_COLUMN_TYPES)
    values = ", ".join(f"CAST(:{name} AS {type_})" for name, type_ in _COLUMN_TYPES.items())
    return (
        f"INSERT INTO {table} ({columns}, document, phrase_pairs)"
        f" SELECT {values}, computed.document, rse_phrase_pairs(computed.document)"
        f" FROM (SELECT {_VECTOR} || {_FILTER_LEXEMES} AS document) AS computed"
    )


def _row_of(document: SearchDocument) -> dict:
    created_at = document.created_at
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return {
        "key": document.key,
        "kind": document.kind,
        "object_id": document.object_id,
        "post_id": document.post_id,
        "community_id": document.community_id,
        "author_id": document.author_id,
        "qualification": document.qualification or "none",
        "priority": document.priority or "routine",
        "month": document.month,
        "tags": "|" + "|".join(tag.lower() for tag in document.tags) + "|",
        "tags_text": " ".join(document.tags),
        "created_at": created_at,
        # A comment is found by its own words, not by its post's title (the post answers that).
        "title": document.title if document.kind != "comment" else "",
        "body": "\n".join([document.body, *document.extra_text]),
        "author_name": document.author_name,
        "community_name": document.community_name,
        "digest": document.digest,
    }


@dataclass(frozen=True)
class _Path:
    """How the next statement reads the matches (``PostgresBackend._choose_path``)."""

    walk: int | None = None  # newest first, through the created_at index, this many documents
    since: datetime | None = None  # the GIN index, among the documents created since then
    share: float = 1.0  # the share of the documents the window covers
    documents: float = 0.0  # the table's documents, as the statistics say
    readable_by_row: bool = False  # readability checked on each row read, not through its index

    @property
    def complete(self) -> bool:
        """Every match is read: the GIN index over the whole table."""
        return self.walk is None and self.since is None


class _TsQuery:
    """Builds a tsquery SQL expression from a parsed query, with bound parameters only."""

    def __init__(self, params: dict, prefix: str = "q"):
        self.params = params
        self.names = (f"{prefix}{number}" for number in itertools.count())
        # Each form of a word as PostgreSQL analyses it (tsquery text), when read beforehand
        # (``PostgresBackend._analyse_words``).
        self.analysed: dict[str, str] = {}

    def bind(self, value) -> str:
        name = next(self.names)
        self.params[name] = value
        return f":{name}"

    def word(self, word: str) -> str | None:
        if not analyse(word):  # a stop word, not required (as with every backend)
            return None
        forms = number_forms(word)
        if all(form in self.analysed for form in forms):
            # The singular and the plural mostly stem alike: one lexeme, not an OR of it with
            # itself, which the planner would take for twice as many documents.
            queries = sorted({self.analysed[form] for form in forms} - {""})
            if queries:
                return "(" + " || ".join(f"CAST({self.bind(query)} AS tsquery)" for query in queries) + ")"
        parts = [f"plainto_tsquery('{CONFIG}', {self.bind(form)})" for form in forms]
        return "(" + " || ".join(parts) + ")"

    def phrase(self, phrase: str) -> str | None:
        words = [word for word in phrase.split() if fold(word) not in FRENCH_STOP_WORDS]
        if not analyse(phrase):
            return None
        if len(words) == 1:
            return self.word(words[0])
        forms = [
            f"phraseto_tsquery('{CONFIG}', {self.bind(variant)})" for variant in _phrase_variants(phrase)
        ]
        return "(" + " || ".join(forms) + ")"

    def prefix_terms(self, prefix: str) -> str:
        """The prefix as ``:*`` plus the shorter stems it may stand for (``negociat*``: ``negoci``)."""
        folded = fold(prefix)
        lexemes = [_quote_lexeme(folded) + ":*"] + [
            _quote_lexeme(folded[:size]) for size in range(4, len(folded))
        ]
        return f"CAST({self.bind(' | '.join(lexemes))} AS tsquery)"


def _phrase_variants(phrase: str) -> list[str]:
    """The phrase as written and with its last forms in the plural (``number_forms``)."""
    return sorted({phrase, " ".join(number_forms(word)[-1] for word in phrase.split())})


def _is_word_phrase(phrase: str) -> bool:
    """A phrase of several words once stop words are left out (else it is searched as a word)."""
    words = [word for word in phrase.split() if fold(word) not in FRENCH_STOP_WORDS]
    return len(words) > 1 and bool(analyse(phrase))


def _filter_tsquery(filters: dict, builder: _TsQuery) -> str | None:
    """The filters on priority, qualification and tags as a tsquery of their lexemes, or None.

    Values of one field are alternatives (``priority = ANY``), tags are all required, as in
    ``PostgresBackend._restrictions``.
    """
    parts = []
    for name in ("priority", "qualification"):
        if filters.get(name):
            lexemes = " | ".join(
                _quote_lexeme(FILTER_LEXEME_FORMS[name].format(value)) for value in filters[name]
            )
            parts.append(f"CAST({builder.bind(lexemes)} AS tsquery)")
    for tag in filters.get("tag", []):
        lexeme = _quote_lexeme(FILTER_LEXEME_FORMS["tag"].format(tag))
        parts.append(f"CAST({builder.bind(lexeme)} AS tsquery)")
    return " && ".join(parts) or None


def _quote_lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresBackend(SearchBackend):
    name = "postgresql"

    def __init__(self, database_uri: str):
        if not database_uri.startswith("postgresql"):
            from rse.config import ConfigError

            raise ConfigError("RSE_SEARCH_BACKEND=postgresql needs a PostgreSQL database.")

    @contextlib.contextmanager
    def writer_lock(self, *, block: bool) -> Iterator[bool]:
        with db.engine.connect() as connection:
            if block:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK_KEY})
            elif not connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": WRITER_LOCK_KEY}
            ).scalar_one():
                yield False
                return
            connection.commit()  # the lock belongs to the session, not to this transaction
            try:
                yield True
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK_KEY})
                connection.commit()

    def ensure_index(self) -> None:
        """The table and its configuration come with the migrations."""

    def ping(self) -> None:
        with db.engine.connect() as connection:
            connection.execute(text(f"SELECT 1 FROM {TABLE} LIMIT 1"))

    def clear(self) -> None:
        with db.engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {TABLE}"))

    # Writing --------------------------------------------------------------------------------

    def apply(self, batch: IndexBatch) -> None:
        if not len(batch) and not batch.posts:
            return
        with db.engine.begin() as connection:
            if batch.posts:
                connection.execute(
                    text(f"DELETE FROM {TABLE} WHERE post_id = ANY(:ids)"), {"ids": list(batch.posts)}
                )
            replaced = [document.key for document in batch.comments] + list(batch.deleted_keys)
            if replaced:
                connection.execute(text(f"DELETE FROM {TABLE} WHERE key = ANY(:keys)"), {"keys": replaced})
            rows = [_row_of(document) for documents in batch.posts.values() for document in documents]
            rows += [_row_of(document) for document in batch.comments]
            if rows:
                connection.execute(text(_insert_sql(TABLE)), rows)

    def delete_keys(self, keys: Iterable[str]) -> None:
        with db.engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {TABLE} WHERE key = ANY(:keys)"), {"keys": list(keys)})

    def digests(self) -> dict[str, str]:
        with db.engine.connect() as connection:
            return dict(connection.execute(text(f"SELECT key, digest FROM {TABLE}")).all())

    def rebuild(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        """Fill a new table, index it, then swap it in by renaming in one transaction.

        Searches read the old table until that commit; its indexes and constraint take the
        names the migrations gave, so the schema stays what the models declare.
        """
        count = 0
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {BUILDING_TABLE}"))
            connection.execute(text(f"CREATE TABLE {BUILDING_TABLE} (LIKE {TABLE} INCLUDING DEFAULTS)"))
        insert = text(_insert_sql(BUILDING_TABLE))
        try:
            rows: list[dict] = []
            for document in documents:
                rows.append(_row_of(document))
                if len(rows) >= INSERT_BATCH:
                    count += self._insert_rows(insert, rows, progress)
                    rows = []
            count += self._insert_rows(insert, rows, progress)
            with db.engine.begin() as connection:
                for statement in (
                    f"ALTER TABLE {BUILDING_TABLE} ADD CONSTRAINT building_pk PRIMARY KEY (key)",
                    f"CREATE INDEX building_document ON {BUILDING_TABLE} USING gin (document)",
                    f"CREATE INDEX building_phrase_pairs ON {BUILDING_TABLE} USING gin (phrase_pairs)",
                    f"CREATE INDEX building_created_at ON {BUILDING_TABLE} (created_at)",
                    f"CREATE INDEX building_post_id ON {BUILDING_TABLE} (post_id)",
                    f"CREATE INDEX building_community_recent ON {BUILDING_TABLE}"
                    " (community_id, created_at, qualification, priority)",
                    f"CREATE INDEX building_portal_item ON {BUILDING_TABLE} (object_id)"
                    " WHERE kind = 'portal_item'",
                    f"ANALYZE {BUILDING_TABLE}",
                ):
                    connection.execute(text(statement))
            with db.engine.begin() as connection:
                for statement in (
                    f"DROP TABLE {TABLE}",
                    f"ALTER TABLE {BUILDING_TABLE} RENAME TO {TABLE}",
                    f"ALTER TABLE {TABLE} RENAME CONSTRAINT building_pk TO pk_{TABLE}",
                    f"ALTER INDEX building_document RENAME TO ix_{TABLE}_document",
                    f"ALTER INDEX building_phrase_pairs RENAME TO ix_{TABLE}_phrase_pairs",
                    f"ALTER INDEX building_created_at RENAME TO ix_{TABLE}_created_at",
                    f"ALTER INDEX building_post_id RENAME TO ix_{TABLE}_post_id",
                    f"ALTER INDEX building_community_recent RENAME TO ix_{TABLE}_community_recent",
                    f"ALTER INDEX building_portal_item RENAME TO ix_{TABLE}_portal_item",
                ):
                    connection.execute(text(statement))
        except BaseException:
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP TABLE IF EXISTS {BUILDING_TABLE}"))
            raise
        return count

    def _insert_rows(self, insert, rows: list[dict], progress: Callable[[int], None]) -> int:
        if not rows:
            return 0
        with db.engine.begin() as connection:
            connection.execute(insert, rows)
        progress(len(rows))
        return len(rows)

    # Reading --------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchHits:
        readable = request.readable_community_ids or request.readable_portal_item_ids
        if not readable or [] in (request.community_ids, request.author_ids, request.post_ids):
            return SearchHits([], 0, {name: {} for name in FACETS}, [])
        if request.community_ids is not None and not set(request.community_ids) & set(
            request.readable_community_ids
        ):
            # Communities the caller may not read (portal items belong to none): nothing to look
            # for, and the planner, taking both lists as independent, would look everywhere.
            return SearchHits([], 0, {name: {} for name in FACETS}, [])
        deadline = bounds.Deadline()
        try:
            if not deadline.passed():
                return self._search(request, deadline)
        except OperationalError as error:
            if not isinstance(error.orig, QueryCanceled):
                raise
        stopped = [bounds.time_budget_warning()]
        return SearchHits(
            [], 0, {name: {} for name in FACETS}, stopped, total_exact=False, facets_exact=False
        )

    def _search(self, request: SearchRequest, deadline: bounds.Deadline) -> SearchHits:
        warnings: list[str] = []
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        params: dict = {}
        builder = _TsQuery(params)
        with db.engine.connect() as connection:
            self._limit_time(connection, deadline)
            self._analyse_words(connection, builder, request.query)
            positive = self._positive(connection, builder, request, warnings)
            if positive == "":
                return SearchHits([], 0, facets, warnings)
            restrictions = self._restrictions(request, params)
            where = list(restrictions)
            indexed = None
            if positive is not None:
                pairs = self._phrase_pairs(connection, builder, request.query.phrases)
                if pairs:
                    # The pairs' GIN index finds the few documents that may hold the phrases; the
                    # words and the phrases themselves are checked on those rows only (a function
                    # call, which the planner does not take to the words' GIN index: their posting
                    # lists would cost more than the rows they could leave out).
                    indexed = pairs
                    where += [pairs, f"ts_match_vq(document, ({positive}))"]
                else:
                    filters = _filter_tsquery(request.query.filters, builder)
                    indexed = f"document @@ ({positive})"
                    if filters:
                        # The filters' lexemes narrow the GIN index's answer: only the documents
                        # holding the words and meeting the filters are read.
                        indexed = f"document @@ ({positive} && {filters})"
                    where.append(indexed)
            excluded = [part for part in map(builder.phrase, request.query.excluded) if part]
            if excluded:
                where.append(f"NOT (document @@ ({' || '.join(excluded)}))")
            ranked = positive is not None and request.sort == "relevance"
            score = "NULL::real"
            if ranked:
                score = f"ts_rank('{RANK_WEIGHTS}', document, ({positive}), 32)"
                if request.priority_boost:
                    boosts = " ".join(
                        f"WHEN '{name}' THEN {boost}" for name, boost in PRIORITY_BOOSTS.items()
                    )
                    score += f" + CASE priority {boosts} ELSE 0 END"
            params.update(page_end=request.offset + request.limit)
            order = "score DESC, created_at DESC, key" if ranked else "created_at DESC, key"
            path = None
            if indexed is not None:
                path = self._choose_path(connection, indexed, where, params, bounds.MAX_COUNTED + 1)
            # What the statements so far found: each reads the documents older than the last one's
            # window (a band), so a window too narrow is not read again by the next.
            read: list = []
            found = 0
            band_end: datetime | None = None
            while True:
                params.update(cap=bounds.MAX_COUNTED + 1 - found, kept=bounds.MAX_COUNTED - found)
                statement = self._statement(path, where, band_end, score, order, params)
                if (
                    path is not None
                    and path.since is not None
                    and not self._plan_uses(connection, statement, params, f"ix_{TABLE}_community_recent")
                ):
                    # The planner reads every document holding the words, in the window or not
                    # (it expects few): the window would save nothing, and the wider statement
                    # after it would read them all again. The whole table at once.
                    path = _Path(share=1.0, documents=path.documents, readable_by_row=True)
                    statement = self._statement(path, where, band_end, score, order, params)
                rows = connection.execute(text(statement), params).all()
                read += rows
                found += sum(int(row[5]) for row in rows if row[0] in ("total", "beyond"))
                if path is None or path.complete or found > bounds.MAX_COUNTED:
                    break
                # Fewer matches than the bound among the newest documents read: the rest may be
                # older. A wider window, or in the end every match through the GIN index.
                previous, path = path, self._wider(connection, path, found, bounds.MAX_COUNTED + 1)
                if path.complete and self._readable_by_row(connection, restrictions, params, previous, found):
                    path = _Path(share=1.0, documents=path.documents, readable_by_row=True)
                if previous.since is None:
                    # A walk's last document is not known: the next statement starts again.
                    read, found, band_end = [], 0, None
                else:
                    band_end = previous.since
                self._force_plan(connection, "index")
                self._limit_time(connection, deadline)
        return self._gathered(read, ranked, request, facets, warnings)

    @staticmethod
    def _gathered(rows: list, ranked: bool, request: SearchRequest, facets: dict, warnings) -> SearchHits:
        """The page, the total and the facets from the rows of every statement of a search."""
        found = []
        total = beyond = 0
        for part, kind, object_id, post_id, value, number, created_at in rows:
            if part == "hit":
                found.append((kind, object_id, post_id, value, number, created_at))
            elif part == "total":
                total += int(number)
            elif part == "beyond":
                beyond += int(number)  # matches past the bound: the total is a floor
            elif value is not None:
                facets[part][value] = facets[part].get(value, 0) + int(number)
        # As the statements order them: best (or newest) first, then newest, then by key.
        found.sort(key=lambda hit: hit[3])
        found.sort(key=lambda hit: (hit[4], hit[5]) if ranked else hit[5], reverse=True)
        hits = [
            Hit(
                kind=kind,
                object_id=object_id,
                post_id=post_id,
                score=round(float(number), 4) if number is not None else None,
            )
            for kind, object_id, post_id, _key, number, _created_at in found[
                request.offset : request.offset + request.limit
            ]
        ]
        return SearchHits(hits, total, facets, warnings, total_exact=beyond == 0, facets_exact=beyond == 0)

    @staticmethod
    def _limit_time(connection, deadline: bounds.Deadline) -> None:
        """The next statements end with the time budget (for this transaction only)."""
        connection.execute(
            text("SELECT set_config('statement_timeout', :budget, true)"),
            {"budget": f"{max(1, int(deadline.remaining() * 1000))}ms"},
        )

    @staticmethod
    def _statement(
        path: _Path | None, where: list[str], band_end: datetime | None, score: str, order: str, params: dict
    ) -> str:
        """The statement reading the bounded candidates once for the page, the facets and the total.

        It reads the documents ``path`` covers, older than ``band_end`` when an earlier statement
        read the newer ones. The candidates are ranked as they are kept (after the bound, never
        each match read), so their vectors are read once and not carried into the kept set. The
        page is the first ``page_end`` hits, with their keys and dates: a search of several
        statements orders their hits together (``_gathered``).
        """
        source, conditions = TABLE, list(where)
        if path is not None and path.walk is not None:
            # Newest first, but no further than the GIN index would have cost.
            params["walk"] = path.walk
            dates = [condition for condition in where if condition.startswith("created_at")]
            source = (
                f"(SELECT * FROM {TABLE} {'WHERE ' + ' AND '.join(dates) if dates else ''}"
                " ORDER BY created_at DESC, key LIMIT :walk) AS walked"
            )
        elif path is not None and path.since is not None:
            params["window_start"] = path.since
            conditions.append("created_at >= :window_start")
        elif path is not None and path.readable_by_row:
            conditions = [READABLE_BY_ROW if condition == READABLE else condition for condition in where]
        if band_end is not None:
            params["window_end"] = band_end
            conditions.append("created_at < :window_end")
        return f"""
                    WITH matched AS MATERIALIZED (
                        SELECT key, kind, object_id, post_id, community_id, author_id, qualification,
                               priority, month, created_at, recent, {score} AS score
                        FROM (
                            SELECT key, kind, object_id, post_id, community_id, author_id, qualification,
                                   priority, month, created_at, document,
                                   row_number() OVER (ORDER BY created_at DESC, key) AS recent
                            FROM {source} WHERE {" AND ".join(conditions)}
                            ORDER BY created_at DESC, key LIMIT :cap
                        ) AS candidates
                    ), page AS (
                        SELECT key, kind, object_id, post_id, score, created_at FROM matched
                        WHERE recent <= :kept
                        ORDER BY {order} LIMIT :page_end
                    )
                    SELECT 'hit' AS part, kind, object_id, post_id, key AS value, score AS number,
                           created_at
                    FROM page
                    UNION ALL
                    SELECT CASE WHEN GROUPING(community_id) = 0 THEN 'community'
                                WHEN GROUPING(qualification) = 0 THEN 'qualification'
                                WHEN GROUPING(priority) = 0 THEN 'priority'
                                WHEN GROUPING(author_id) = 0 THEN 'author'
                                WHEN GROUPING(month) = 0 THEN 'month'
                                ELSE 'total' END,
                           NULL, NULL, NULL,
                           COALESCE(community_id::text, qualification, priority, author_id::text, month),
                           count(*), NULL
                    FROM matched WHERE recent <= :kept
                    GROUP BY GROUPING SETS ((community_id), (qualification), (priority), (author_id),
                                            (month), ())
                    UNION ALL
                    SELECT 'beyond', NULL, NULL, NULL, NULL, count(*), NULL FROM matched WHERE recent > :kept
                    """

    @staticmethod
    def _plan_uses(connection, statement: str, params: dict, index: str) -> bool:
        """Whether the planner reads ``index`` for the statement (planned, not run)."""
        plan = connection.execute(text(f"EXPLAIN (FORMAT JSON) {statement}"), params).scalar_one()
        return f'"{index}"' in json.dumps(plan)

    def _choose_path(self, connection, indexed: str, where: list[str], params: dict, wanted: int) -> _Path:
        """Plan the next statements: a newest-first walk, or the GIN index over the newest documents.

        ``indexed`` is the condition a GIN index answers (the required words, or the pairs of the
        phrases' neighbouring words), ``where`` every condition of the search (it included),
        ``wanted`` how many of the most recent matches are needed. Either the created_at index is
        walked from the most recent document until ``wanted`` matches are found, or the GIN index
        gives the documents holding the words (a bitmap), ANDed with the bitmap of the readable
        documents meeting the filters from ``ix_search_documents_community_recent``, within a
        window of the most recent documents sized to hold about ``WINDOW_MARGIN`` times the
        matches wanted; the documents in both are read and sorted by date. The walk costs in
        proportion to the documents walked past, wide rows whose words are checked one by one: it
        wins only when matches are dense among recent documents. The bitmaps cost little per
        entry, the rows read much more: the window keeps those to the ones needed even for the
        most frequent words. Left to itself, the planner misjudges both: data in memory makes its
        random reads too dear, a phrase is estimated as its words together (a phrase found nowhere
        walks the whole table) and a filter matching nothing behind a frequent word too. Its
        estimates are still the best cheap ones (the GIN statistics are close for single words):
        the choice is made here from them, with the measured costs of both ways. A walk stops where
        the GIN index would have cost as much and a window too narrow for the matches wanted is
        widened (``_wider``), so a wrong estimate costs a few times the better way, never the
        whole table.
        """
        words = self._estimate(connection, indexed, params)
        matches = self._estimate(connection, " AND ".join(where), params)
        documents = self._documents(connection)
        walked = wanted * documents / max(matches, 1)
        share = min(WINDOW_MARGIN * wanted / max(matches, 1), 1.0)
        # The rows read through the bitmaps (the matches in the window: the readable documents
        # meeting the filters come from their own index) and the words' posting lists.
        indexed = matches * share * WALK_OVER_FETCH + words * GIN_ENTRY_COST
        if indexed <= walked:
            self._force_plan(connection, "index")
            # Estimates of phrases and rarer words are often several times too low: the whole
            # table only once the matches of a first window show it is needed.
            return self._window(connection, min(share, FIRST_WINDOW_SHARE), documents)
        self._force_plan(connection, "recent")
        # Twice as far as the break-even: near it, a walk stopping short would be paid twice.
        return _Path(walk=max(int(2 * indexed), wanted), share=0.0, documents=documents)

    def _wider(self, connection, path: _Path, found: int, wanted: int) -> _Path:
        """The next plan after ``path`` found too few matches (``found`` of the ``wanted``).

        The matches found tell how dense they are among the newest documents: after a window,
        whose matches are kept (the next statement reads only older documents), the next one
        adds what should hold the matches still wanted, with the same margin as the first; after a
        walk, which is read again, it is sized for all of them (and at least ``WINDOW_GROWTH_FOUND``
        times wider). ``WINDOW_GROWTH`` times wider when there were none; the whole table past
        ``MAX_WINDOW_SHARE``.
        """
        covered = path.share if path.walk is None else path.walk / max(path.documents, 1)
        if not found:
            share = covered * WINDOW_GROWTH
        elif path.since is not None:
            share = covered * (1 + WINDOW_MARGIN * (wanted - found) / found)
        else:
            share = covered * max(WINDOW_MARGIN * wanted / found, WINDOW_GROWTH_FOUND)
        share = 1.0 if share >= MAX_WINDOW_SHARE else share
        return self._window(connection, share, path.documents, before=path.since)

    def _readable_by_row(
        self, connection, restrictions: list[str], params: dict, previous: _Path, found: int
    ) -> bool:
        """Whether the whole table is cheaper read checking readability row by row.

        Called when a window of the newest documents (``previous``, before widening) held only
        ``found`` of the matches wanted. Through the index, every document the caller may read
        goes into a bitmap first: for a member of many communities about a million entries, whatever
        the words. Row by row, every document holding the words is read, readable or not. The
        planner cannot weigh the two: its estimate of the words is often several times off
        (words taken as independent, prefixes). The window tells better: if the matches are
        spread over time like the documents, the words match about ``found / share`` readable
        documents, and that divided by the share of documents that are readable, in all. Only
        without filters.
        """
        covered = previous.share if previous.walk is None else previous.walk / max(previous.documents, 1)
        if restrictions != [READABLE] or not covered or not previous.documents:
            # A filter (qualification, priority, dates...) is often tied to the words: what the
            # window held says little about how many documents hold them. Even the filters the GIN
            # index answers with the words: the documents holding both may mostly be unreadable
            # (`transmettre consolider qualification:action`: 50,000 read to keep 5,546).
            return False
        readable = self._estimate(connection, READABLE, params)
        expected = max(found, 1) / covered  # readable matches, whole table
        holding_words = expected * previous.documents / max(readable, 1)
        by_row = holding_words * WALK_OVER_FETCH
        through_index = readable * READABLE_ENTRY_COST + expected * WALK_OVER_FETCH
        return by_row < through_index

    @staticmethod
    def _window(connection, share: float, documents: float, before: datetime | None = None) -> _Path:
        """The GIN plan over the newest ``share`` of the documents, from the created_at histogram.

        ``ANALYZE`` keeps the histogram (the rebuild runs it, autovacuum after many writes); documents
        written since are newer than its last bound, so a window is only ever wider than asked.
        Without a histogram (a table never analysed) the window is the whole table. A window
        following one that started at ``before`` starts at an older bound, so each reads more.
        """
        if share >= 1.0:
            return _Path(share=1.0, documents=documents)
        bounds_ = connection.execute(
            text(
                "SELECT CAST(CAST(histogram_bounds AS text) AS timestamptz[]) FROM pg_stats"
                " WHERE schemaname = current_schema() AND tablename = :table AND attname = 'created_at'"
            ),
            {"table": TABLE},
        ).scalar()
        if not bounds_ or len(bounds_) < 2:
            return _Path(share=1.0, documents=documents)
        position = int((1 - share) * (len(bounds_) - 1))
        while before is not None and position > 0 and bounds_[position] >= before:
            position -= 1
        if position <= 0:
            return _Path(share=1.0, documents=documents)
        covered = (len(bounds_) - 1 - position) / (len(bounds_) - 1)
        return _Path(since=bounds_[position], share=covered, documents=documents)

    @staticmethod
    def _documents(connection) -> float:
        return connection.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"), {"table": TABLE}
        ).scalar_one()

    @staticmethod
    def _force_plan(connection, path: str) -> None:
        """``index``: a bitmap scan of the GIN index; ``recent``: the created_at index, backwards."""
        settings = {
            "enable_indexscan": "off" if path == "index" else "on",
            "enable_bitmapscan": "on" if path == "index" else "off",
            "enable_seqscan": "off",
            # Compiling a statement costs more than the few thousand rows it reads.
            "jit": "off",
            # Room for exact bitmaps of a few hundred thousand entries (a lossy one checks the words
            # of every document of its pages again) and for the kept candidates, in memory.
            "work_mem": WORK_MEM,
        }
        # For this transaction only, like SET LOCAL; in one round trip.
        calls = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in settings.items())
        connection.execute(text(f"SELECT {calls}"))

    @staticmethod
    def _estimate(connection, condition: str, params: dict) -> float:
        """The planner's estimate of the documents meeting a condition (planned, not run)."""
        plan = connection.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE {condition}"), params
        ).scalar_one()
        return plan[0]["Plan"]["Plan Rows"]

    def _positive(self, connection, builder: _TsQuery, request: SearchRequest, warnings) -> str | None:
        """The required words as one tsquery; None when nothing is required, "" when nothing matches."""
        parsed = request.query
        parts = [part for part in map(builder.word, parsed.words) if part]
        parts += [part for part in map(builder.phrase, parsed.phrases) if part]
        for prefix in parsed.prefixes:
            part = self._prefix(connection, builder, prefix, request, warnings)
            if part is None:
                return ""
            parts.append(part)
        return " && ".join(parts) if parts else None

    @staticmethod
    def _analyse_words(connection, builder: _TsQuery, parsed: ParsedQuery) -> None:
        """Every form of the query's words as PostgreSQL analyses it, in one round trip."""
        words = [*parsed.words]
        for phrase in [*parsed.phrases, *parsed.excluded]:
            words += phrase.split()
        forms = sorted({form for word in words if analyse(word) for form in number_forms(word)})
        if forms:
            builder.analysed = dict(
                connection.execute(
                    text(
                        "SELECT form, CAST(plainto_tsquery(CAST(:config AS regconfig), form) AS text)"
                        " FROM unnest(CAST(:forms AS text[])) AS form"
                    ),
                    {"config": CONFIG, "forms": forms},
                ).all()
            )

    @staticmethod
    def _phrase_pairs(connection, builder: _TsQuery, phrases: list[str]) -> str | None:
        """A condition on ``phrase_pairs`` that every document holding the phrases meets, or None.

        The pairs of neighbouring words of each phrase (every variant of it) are made by the same
        function as the documents' pairs, from its own vector: a document holding the phrase holds
        them at the same neighbouring positions. A phrase with stop words between its words has
        none for them; one without any pair is left to the words' index.
        """
        phrases = [phrase for phrase in phrases if _is_word_phrase(phrase)]
        if not phrases:
            return None
        variants = [_phrase_variants(phrase) for phrase in phrases]
        pairs_of = dict(
            connection.execute(
                text(
                    "SELECT variant, tsvector_to_array(rse_phrase_pairs(to_tsvector(CAST(:config AS"
                    " regconfig), variant))) FROM unnest(CAST(:variants AS text[])) AS variant"
                ),
                {"config": CONFIG, "variants": [variant for group in variants for variant in group]},
            ).all()
        )
        conditions = []
        for group in variants:
            if not all(pairs_of.get(variant) for variant in group):
                continue
            tsquery = " | ".join(
                "(" + " & ".join(_quote_lexeme(pair) for pair in pairs_of[variant]) + ")" for variant in group
            )
            conditions.append(f"phrase_pairs @@ CAST({builder.bind(tsquery)} AS tsquery)")
        return " AND ".join(conditions) or None

    def _prefix(self, connection, builder: _TsQuery, prefix: str, request: SearchRequest, warnings):
        """``:*`` when the prefix stands for few words; else its most frequent words, with a warning.

        Which words it stands for is read from a bounded sample of the most recent readable
        documents it matches, so a broad prefix never walks the whole index.
        """
        sample_params: dict = {}
        sample = _TsQuery(sample_params, "s")
        tsquery = sample.prefix_terms(prefix)
        folded = fold(prefix)
        stems = [folded[:size] for size in range(4, len(folded))]
        readable = {
            "readable": request.readable_community_ids,
            "portal_items": request.readable_portal_item_ids,
        }
        # The sample's own statement (run by ts_stat) is planned like the search's.
        path = self._choose_path(
            connection,
            f"document @@ ({tsquery})",
            [READABLE, f"document @@ ({tsquery})"],
            {**sample_params, **readable},
            PREFIX_SAMPLE,
        )
        while True:
            words = connection.execute(
                # The tsquery is normalised to text in the same statement (no round trip of its own).
                text(
                    f"""
                    SELECT word, ndoc FROM ts_stat(format(
                        'SELECT document FROM search_documents
                         WHERE document @@ %L::tsquery
                           AND (community_id = ANY(%L::int[])
                                OR (kind = ''portal_item'' AND object_id = ANY(%L::int[])))
                           AND created_at >= %L::timestamptz
                         ORDER BY created_at DESC LIMIT %s',
                        CAST({tsquery} AS text), CAST(:readable AS int[]), CAST(:portal_items AS int[]),
                        CAST(:window_start AS text), :sample))
                    WHERE word LIKE :pattern OR word = ANY(:stems)
                    ORDER BY ndoc DESC, word
                    """
                ),
                {
                    **sample_params,
                    **readable,
                    "window_start": path.since if path.since is not None else "-infinity",
                    "sample": PREFIX_SAMPLE,
                    "pattern": folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                    "stems": stems,
                },
            ).all()
            if words or path.since is None:
                break
            # Nothing among the newest documents: a wider window may still hold matches.
            path = self._wider(connection, path, 0, PREFIX_SAMPLE)
            self._force_plan(connection, "index")
        if not words:
            return None
        if len(words) <= bounds.MAX_PREFIX_TERMS:
            return builder.prefix_terms(prefix)
        warnings.append(bounds.prefix_warning(prefix, len(words), bounds.MAX_PREFIX_TERMS))
        kept = " | ".join(_quote_lexeme(word) for word, _count in words[: bounds.MAX_PREFIX_TERMS])
        return f"CAST({builder.bind(kept)} AS tsquery)"

    def _restrictions(self, request: SearchRequest, params: dict) -> list[str]:
        """What the caller may read and asked for, as SQL conditions."""
        where = [READABLE]
        params["readable"] = request.readable_community_ids
        params["portal_items"] = request.readable_portal_item_ids
        filters = request.query.filters
        if request.community_ids is not None:
            where.append("community_id = ANY(:community_ids)")
            params["community_ids"] = request.community_ids
        if request.author_ids is not None:
            where.append("author_id = ANY(:author_ids)")
            params["author_ids"] = request.author_ids
        if request.post_ids is not None:
            where.append("post_id = ANY(:post_ids)")
            params["post_ids"] = request.post_ids
        for number, tag in enumerate(filters.get("tag", [])):
            where.append(f"position(:tag{number} in tags) > 0")
            params[f"tag{number}"] = f"|{tag}|"
        for name in ("priority", "qualification"):
            if filters.get(name):
                where.append(f"{name} = ANY(:{name})")
                params[name] = filters[name]
        # The date conditions start with created_at: the newest-first walk keeps them (_search).
        for number, value in enumerate(filters.get("after", [])):
            where.append(f"created_at >= :after{number}")
            params[f"after{number}"] = parse_date(value)
        for number, value in enumerate(filters.get("before", [])):
            where.append(f"created_at < :before{number}")
            params[f"before{number}"] = parse_date(value)
        return where

    def snippet(self, query: ParsedQuery, text_: str) -> str | None:
        return self.snippets(query, [text_])[0]

    def snippets(self, query: ParsedQuery, texts: list[str]) -> list[str | None]:
        """Every text's ``ts_headline`` in one statement (a page's hits: one round trip, not twenty)."""
        params: dict = {}
        builder = _TsQuery(params)
        parts = [part for part in map(builder.word, query.words) if part]
        parts += [part for part in map(builder.phrase, query.phrases) if part]
        parts += [builder.prefix_terms(prefix) for prefix in query.prefixes]
        if not parts or not texts:
            return [None] * len(texts)
        # The text is escaped first: ts_headline keeps entities as they are and adds only <mark>.
        params["texts"] = [str(escape(" ".join(text_.split()))) for text_ in texts]
        with db.engine.connect() as connection:
            fragments = connection.execute(
                text(
                    f"SELECT ts_headline('{CONFIG}', texts.text, ({' || '.join(parts)}), "
                    "'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15')"
                    " FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS texts(text, position)"
                    " ORDER BY texts.position"
                ),
                params,
            ).scalars()
            return [fragment if fragment and "<mark>" in fragment else None for fragment in fragments]
