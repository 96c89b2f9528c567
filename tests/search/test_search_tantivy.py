"""What only the tantivy backend has: its folder, its layout check, the engine timed alone."""

from pathlib import Path

import pytest

from tests.search.test_search_api import search, write

SEARCH_BACKENDS = ["tantivy"]  # tests/search/conftest.py runs these against this backend only


def test_the_index_lives_in_its_own_folder_of_the_search_dir(app, search_backend):
    current = search_backend.current
    assert current.parent == Path(app.config["SEARCH_DIR"]) / "tantivy" and current.is_symlink()
    assert (current / "meta.json").exists()


def test_an_index_of_another_layout_is_replaced_by_an_empty_one(app, api, world, search_backend):
    write(api, world["author"], world["community"], title="Négociations", body="Texte")
    assert search(api, world["reader"], q="negociation")["total"] == 1
    (search_backend.current / "rse-layout").write_text("0")
    before = search_backend.current.resolve()
    search_backend.ensure_index()
    assert search_backend.current.resolve() != before
    assert search(api, world["reader"], q="negociation")["total"] == 0


def test_raw_search_times_the_engine_alone(app, api, world, search_backend):
    post = write(api, world["author"], world["community"], title="Négociations à Bamako", body="Texte")
    with app.app_context():
        assert search_backend.raw_search("negociation bamako") == ([f"post:{post['id']}"], 1)
        assert search_backend.raw_search("introuvable") == ([], 0)


def _dated_documents(words_by_day: dict[int, str]):
    """One post a day of November 2026 (day: its text), by a different author each."""
    from datetime import UTC, datetime

    from search.documents import IndexBatch, SearchDocument

    batch = IndexBatch()
    for day, text in words_by_day.items():
        batch.posts[day] = [
            SearchDocument(
                kind="post",
                object_id=day,
                post_id=day,
                portal_item_id=None,
                community_id=7,
                author_id=100 + day,
                author_name=f"Auteur {day}",
                community_name="Veille",
                title=text,
                body=text,
                tags=(),
                qualification=None,
                priority=None,
                created_at=datetime(2026, 11, day, 9, tzinfo=UTC),
            )
        ]
    return batch


@pytest.mark.parametrize(
    "words_by_day",
    [
        # Matches every day: the bound's most recent matches are the newest documents.
        {day: "dépêche" for day in range(1, 11)},
        # Matches in the oldest days only: far from the newest documents, which hold none.
        {day: "dépêche" if day <= 10 else "note" for day in range(1, 31)},
    ],
)
def test_beyond_the_bound_the_most_recent_matches_are_counted(app, search_backend, monkeypatch, words_by_day):
    from search import bounds
    from search.backends import SearchRequest
    from search.query import parse_query

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    with app.app_context():
        search_backend.apply(_dated_documents(words_by_day))
        found = search_backend.search(SearchRequest(query=parse_query("depeche"), readable_community_ids=[7]))
    assert found.total == 3 and found.total_exact is False and found.facets_exact is False
    newest = sorted(day for day, text in words_by_day.items() if text == "dépêche")[-3:]
    assert found.facets["author"] == {str(100 + day): 1 for day in newest}
