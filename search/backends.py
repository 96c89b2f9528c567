"""Search backends. The embedded default keeps a Whoosh index in the instance folder."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from whoosh import index
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema


def document_schema() -> Schema:
    return Schema(
        key=ID(unique=True, stored=True),
        kind=ID(stored=True),
        post_id=NUMERIC(stored=True),
        community_id=NUMERIC(stored=True),
        title=TEXT(field_boost=2.0),
        body=TEXT,
        tags=KEYWORD(lowercase=True, commas=True),
        created_at=DATETIME(sortable=True),
    )


class WhooshBackend:
    name = "whoosh"

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def ensure_index(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not index.exists_in(self.directory):
            index.create_in(self.directory, document_schema())

    def ping(self) -> None:
        """Open the index and a searcher: raises when the index is missing or unreadable."""
        with index.open_dir(self.directory).searcher() as searcher:
            searcher.doc_count()


def get_backend() -> WhooshBackend:
    backend = current_app.extensions.get("rse_search")
    if backend is None:
        backend = WhooshBackend(current_app.config["SEARCH_DIR"])
        current_app.extensions["rse_search"] = backend
    return backend
