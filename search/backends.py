"""Search backends behind one small interface; the embedded default keeps a Whoosh index.

``RSE_SEARCH_BACKEND`` chooses the backend: ``whoosh`` (embedded, the default), ``tantivy``
(embedded, a Rust engine for large indexes) or ``postgresql`` (tsvector with French stemming and
unaccent, GIN index, in the application's database, shared by several machines). Backends only match,
rank, count and highlight: who may read what is decided by ``rse.permissions`` and handed to them
as the lists of readable community ids and readable portal item ids.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from flask import current_app

from search.documents import IndexBatch, SearchDocument
from search.query import ParsedQuery

FACETS = ("community", "qualification", "priority", "author", "month")


@dataclass
class SearchRequest:
    query: ParsedQuery
    readable_community_ids: list[int]
    # Portal items are readable one by one (scheduled and ended ones by curators only).
    readable_portal_item_ids: list[int] = field(default_factory=list)
    community_ids: list[int] | None = None  # None: no filter; []: matches nothing
    author_ids: list[int] | None = None
    # Only the documents of these posts (veille matches a batch of new posts); None: every post.
    post_ids: list[int] | None = None
    sort: str = "relevance"  # or "date"
    priority_boost: bool = False
    offset: int = 0
    limit: int = 20


@dataclass
class Hit:
    kind: str
    object_id: int
    post_id: int | None
    score: float | None


@dataclass
class SearchHits:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]
    warnings: list[str] = field(default_factory=list)
    total_exact: bool = True  # False: a backend counted up to its bound only (search.bounds)
    facets_exact: bool = True  # False: facets count the bounded set of matches only


class SearchHitsLater:
    """A search's hits at once; its total, facets and warnings once ``finish`` gives them.

    A backend still counting in another thread (tantivy) answers this, so that the service checks
    and presents the page's hits meanwhile. It reads like ``SearchHits``: reading the total, the
    facets or the warnings waits for the count.
    """

    def __init__(self, hits: list[Hit], finish: Callable[[], SearchHits]):
        self.hits = hits
        self._finish = finish
        self._finished: SearchHits | None = None

    def _counted(self) -> SearchHits:
        if self._finished is None:
            self._finished = self._finish()
        return self._finished

    @property
    def total(self) -> int:
        return self._counted().total

    @property
    def facets(self) -> dict[str, dict[str, int]]:
        return self._counted().facets

    @property
    def warnings(self) -> list[str]:
        return self._counted().warnings

    @property
    def total_exact(self) -> bool:
        return self._counted().total_exact

    @property
    def facets_exact(self) -> bool:
        return self._counted().facets_exact


class SearchBackend(abc.ABC):
    name: str
    # Whether ``rebuild`` wants each community's documents together (``all_documents(by_community=
    # True)``) rather than in the order they were written.
    rebuild_by_community = False

    @abc.abstractmethod
    def ensure_index(self) -> None:
        """Create an empty index when there is none."""

    def warm_up(self) -> None:  # noqa: B027 - most backends have nothing to open beforehand
        """Open what the first search or write would open (the writer thread calls it at start)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise when the index cannot answer."""

    @abc.abstractmethod
    def apply(self, batch: IndexBatch) -> None:
        """Write one drained batch of changes."""

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchHits | SearchHitsLater:
        """Match, rank, count and facet; only documents of readable communities and readable portal
        items ever count; ``post_ids``, when given, keeps the documents of those posts alone."""

    def match_new_posts(
        self, documents: list[SearchDocument], requests: dict[Hashable, SearchRequest]
    ) -> dict[Hashable, set[int]]:
        """For each request (a saved query), the ids of the posts among ``documents`` it matches.

        Veille asks this once per indexed batch with every distinct saved query. This default asks
        the index once per request, restricted to the batch's posts (``post_ids``); a backend can
        do better (Whoosh matches against a small in-memory index of the batch alone).
        """
        post_ids = sorted({document.post_id for document in documents if document.kind == "post"})
        matched: dict[Hashable, set[int]] = {}
        for key, request in requests.items():
            request.post_ids, request.offset, request.limit = post_ids, 0, max(len(post_ids) * 4, 20)
            found = self.search(request)
            matched[key] = {
                hit.post_id for hit in found.hits if hit.kind == "post" and hit.post_id in post_ids
            }
        return matched

    @abc.abstractmethod
    def snippet(self, query: ParsedQuery, text: str) -> str | None:
        """Escaped HTML with the matched words in ``<mark>``; None when nothing matches."""

    def snippets(self, query: ParsedQuery, texts: list[str]) -> list[str | None]:
        """``snippet`` of each text, in order: a page's hits at once.

        This default asks ``snippet`` text by text; a backend that pays a round trip per call
        (PostgreSQL) answers them all in one.
        """
        return [self.snippet(query, text) for text in texts]

    @abc.abstractmethod
    def digests(self) -> dict[str, str]:
        """Every indexed document's key and digest (for ``verify``)."""

    @abc.abstractmethod
    def delete_keys(self, keys: Iterable[str]) -> None:
        """Remove documents by key (orphans found by ``verify``)."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[SearchDocument], progress: Callable[[int], None]) -> int:
        """Index every document into a new index and swap it in when complete."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Empty the index (tests)."""


def make_backend(app) -> SearchBackend:
    name = app.config.get("SEARCH_BACKEND", "whoosh")
    if name == "whoosh":
        from search.whoosh_index import WhooshBackend

        return WhooshBackend(app.config["SEARCH_DIR"])
    if name == "tantivy":
        from search.tantivy_index import TantivyBackend

        return TantivyBackend(app.config["SEARCH_DIR"])
    if name == "postgresql":
        from search.postgres import PostgresBackend

        return PostgresBackend(app.config["SQLALCHEMY_DATABASE_URI"])
    raise ValueError(f"Unknown search backend {name!r}")


def get_backend() -> SearchBackend:
    backend = current_app.extensions.get("rse_search")
    if backend is None:
        backend = make_backend(current_app)
        current_app.extensions["rse_search"] = backend
    return backend


def __getattr__(name: str):
    # ``search.backends.WhooshBackend`` keeps working; the class lives in its own module, which
    # imports this one.
    if name == "WhooshBackend":
        from search.whoosh_index import WhooshBackend

        return WhooshBackend
    raise AttributeError(name)
