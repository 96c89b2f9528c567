"""What only the tantivy backend has: its folder, its layout check, the engine timed alone."""

from pathlib import Path

import pytest

from tests.search.test_search_api import search, write

SEARCH_BACKENDS = ["tantivy"]  # tests/search/conftest.py runs these against this backend only


@pytest.fixture
def world(api, make_user):
    author = make_user("Alice Martin", unit="MEAE/DGM")
    reader = make_user("Bruno Lemaire", unit="MEAE/DGM/Afrique")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Veille", "visibility": "open"}).get_json()
    )
    return {"author": author, "reader": reader, "community": community}


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
