"""The Whoosh backend's own layout: one text field for matching, its parts kept apart."""

from tests.search.test_search_api import search, titles, write

SEARCH_BACKENDS = ["whoosh"]  # tests/search/conftest.py runs these against this backend only


def test_a_phrase_does_not_run_from_one_part_of_a_post_into_the_next(api, world):
    write(
        api,
        world["author"],
        world["community"],
        title="Point réseau",
        body="Export des données",
        tags=["appui"],
    )
    write(api, world["author"], world["community"], title="Autre note", body="Le réseau export se réunit")
    assert titles(search(api, world["reader"], q='"réseau export"')) == ["Autre note"]
    assert titles(search(api, world["reader"], q='"export données"')) == ["Point réseau"]
    # Tags and the body are parts too.
    assert search(api, world["reader"], q='"données appui"')["total"] == 0


def test_counts_and_facets_stay_exact_over_several_segments_and_deletions(api, world):
    posts = [
        write(
            api,
            world["author"],
            world["community"],
            title=f"Dépêche {number}",
            body="dépêche",
            priority=priority,
        )
        for number, priority in enumerate(["routine", "flash", "routine", "immediate"])
    ]
    response = api(world["author"]).delete(f"/api/v1/posts/{posts[1]['id']}")
    assert response.status_code in (200, 204), response.get_json()
    result = search(api, world["reader"], q="depeche")
    assert result["total"] == 3 and result["total_exact"] is True
    assert {entry["value"]: entry["count"] for entry in result["facets"]["priority"]} == {
        "routine": 2,
        "immediate": 1,
    }
    assert titles(search(api, world["reader"], q="depeche", priority="flash")) == []


def test_a_search_after_a_commit_reopens_only_the_new_segments_and_sees_deletions_in_the_old(app, api, world):
    from search.backends import get_backend

    kept = write(api, world["author"], world["community"], title="Dépêche conservée", body="dépêche")
    edited = write(api, world["author"], world["community"], title="Dépêche initiale", body="dépêche")
    assert titles(search(api, world["reader"], q="depeche")) == ["Dépêche conservée", "Dépêche initiale"]
    with app.app_context():
        before = {
            leaf.segment().segment_id(): leaf for leaf, _ in get_backend()._searcher().reader().leaf_readers()
        }

    # The edit deletes the old document from a segment already open and adds one in a new segment.
    response = api(world["author"]).patch(f"/api/v1/posts/{edited['id']}", json={"title": "Dépêche revue"})
    assert response.status_code == 200, response.get_json()
    result = search(api, world["reader"], q="depeche")
    assert titles(result) == ["Dépêche conservée", "Dépêche revue"] and result["total"] == 2
    assert search(api, world["reader"], q="initiale")["total"] == 0
    assert titles(search(api, world["reader"], q="conservee")) == [kept["title"]]

    with app.app_context():
        after = {
            leaf.segment().segment_id(): leaf for leaf, _ in get_backend()._searcher().reader().leaf_readers()
        }
    reused = [segment_id for segment_id in before if after.get(segment_id) is before[segment_id]]
    assert reused, "the unchanged segments' readers are reused, not reopened"
    assert set(after) - set(before), "the edit is in a new segment"


GREENLETS_SCRIPT = """
from gevent import monkey

monkey.patch_all()
import sys

import gevent

from search.whoosh_index import WhooshBackend

backend = WhooshBackend(sys.argv[1])
backend.ensure_index()
writer = backend._open().writer()
writer.add_document(key="post:1", text="dépêche")
writer.commit()
searchers = gevent.joinall([gevent.spawn(backend._searcher) for _ in range(3)])
print(len({id(greenlet.value) for greenlet in searchers}))
"""


def test_requests_served_by_greenlets_share_their_threads_searcher(tmp_path):
    """Under gevent (the default worker) a request is a greenlet: it must not open the index anew."""
    import subprocess
    import sys

    opened = subprocess.run(
        [sys.executable, "-c", GREENLETS_SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert opened.stdout.split() == ["1"]


def test_warming_up_reads_what_the_first_search_would(app, api, world, search_backend):
    write(api, world["author"], world["community"], title="Dépêche", body="dépêche")
    write(api, world["author"], world["community"], title="Note", body="note")
    with app.app_context():
        fresh = type(search_backend)(search_backend.directory)
        fresh.warm_up()
        segments = {leaf.segment().segment_id() for leaf, _ in fresh._searcher().reader().leaf_readers()}
        assert {segment for _generation, segment in fresh._values._by_segment} == segments
