"""The Whoosh backend's own layout: one text field for matching, its parts kept apart."""

import pytest

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


def test_a_large_rebuild_shared_between_processes_finds_every_document_once(app, api, world, monkeypatch):
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search import whoosh_index
    from search.backends import get_backend
    from search.documents import all_documents

    # Small thresholds stand for a large index: several batches, each process writing its segment.
    monkeypatch.setattr(whoosh_index, "REBUILD_IN_PROCESS", 3)
    monkeypatch.setattr(whoosh_index, "REBUILD_BATCH", 2)
    monkeypatch.setattr(whoosh_index, "REBUILD_PROCESSES", 2)
    posts = [
        write(
            api,
            world["author"],
            world["community"],
            title=f"Télégramme {number}",
            body="télégramme diplomatique",
        )
        for number in range(9)
    ]
    with app.app_context(), Session(db.engine) as session:
        backend = get_backend()
        progressed = []
        assert backend.rebuild(all_documents(session), progressed.append) == 9
        leaves = backend._searcher().reader().leaf_readers()
    assert sum(progressed) == 9 and len(leaves) == 2
    result = search(api, world["reader"], q="telegrammes diplomatiques", limit=50)
    assert result["total"] == 9
    assert sorted(item["id"] for item in result["items"]) == sorted(post["id"] for post in posts)


def test_a_rebuild_that_fails_halfway_stops_its_processes_and_keeps_the_served_index(
    app, api, world, monkeypatch
):
    from search import whoosh_index
    from search.backends import get_backend

    monkeypatch.setattr(whoosh_index, "REBUILD_IN_PROCESS", 3)
    monkeypatch.setattr(whoosh_index, "REBUILD_BATCH", 2)
    monkeypatch.setattr(whoosh_index, "REBUILD_PROCESSES", 2)
    write(api, world["author"], world["community"], title="Télégramme servi", body="télégramme")
    started = []
    real_writer = whoosh_index.MpWriter

    def recording_writer(*args, **kwargs):
        writer = real_writer(*args, **kwargs)
        started.append(writer)
        return writer

    monkeypatch.setattr(whoosh_index, "MpWriter", recording_writer)

    def failing_documents():
        from search.documents import SearchDocument

        for number in range(8):
            yield SearchDocument(
                kind="post", object_id=1000 + number, post_id=1000 + number, portal_item_id=None,
                community_id=world["community"]["id"], author_id=world["author"], author_name="x",
                community_name="x", title="Perdu", body="perdu", tags=(), qualification=None,
                priority="routine", created_at=__import__("datetime").datetime(2026, 1, 1),
            )  # fmt: skip
        raise RuntimeError("the database went away")

    with app.app_context():
        served = get_backend().current.resolve()
        with pytest.raises(RuntimeError):
            get_backend().rebuild(failing_documents(), lambda count: None)
        assert get_backend().current.resolve() == served
    assert started and all(not task.is_alive() for task in started[0].tasks)
    assert len(started[0].tasks) == 2
    assert titles(search(api, world["reader"], q="telegramme")) == ["Télégramme servi"]
    assert search(api, world["reader"], q="perdu")["total"] == 0


def test_words_found_together_across_many_posting_blocks_are_every_document_holding_both():
    from whoosh import query as wq
    from whoosh.filedb.filestore import RamStorage

    from search.analysis import analyse
    from search.whoosh_index import TEXT_FIELD, document_schema

    # Postings are written in blocks of 128 documents: thousands of documents span many blocks,
    # and a sparse word makes the frequent one skip whole blocks and land inside others.
    words = {
        "frequent": lambda n: n % 2 == 0,
        "sparse": lambda n: n % 97 == 3,
        "middle": lambda n: n % 5 == 1,
    }
    index = RamStorage().create_index(document_schema())
    writer = index.writer()
    for number in range(3000):
        text = " ".join(word for word, holds in words.items() if holds(number)) or "vide"
        writer.add_document(key=f"post:{number}", text=text)
    writer.commit()
    with index.searcher() as searcher:
        for first, second in [("frequent", "sparse"), ("sparse", "middle"), ("frequent", "middle")]:
            query = wq.And([wq.Term(TEXT_FIELD, analyse(word)[0]) for word in (first, second)])
            found = list(query.matcher(searcher).all_ids())
            expected = [n for n in range(3000) if words[first](n) and words[second](n)]
            assert found == expected
        for target in (0, 1, 127, 128, 129, 1000, 2997, 2998):
            matcher = searcher.reader().postings(TEXT_FIELD, analyse("frequent")[0])
            matcher.skip_to(target)
            assert matcher.id() == target + target % 2
        matcher = searcher.reader().postings(TEXT_FIELD, analyse("sparse")[0])
        matcher.skip_to(2999)
        assert not matcher.is_active()


def test_postings_written_before_native_pickles_still_read_beside_new_ones(monkeypatch):
    """Blocks of postings are now pickled with protocol 4; an index's older segments hold
    protocol 2 blocks, and a search must read both: documents, positions (phrases) and scores."""
    import pickle

    from whoosh import query as wq
    from whoosh.codec import whoosh3
    from whoosh.filedb.filestore import RamStorage

    from search.analysis import analyse
    from search.whoosh_index import TEXT_FIELD, document_schema

    def texts(first: int):
        return [
            (f"post:{n}", f"rapport {'mission urgente' if n % 3 else 'urgente mission'} {n}")
            for n in range(first, first + 400)
        ]

    index = RamStorage().create_index(document_schema())
    native = whoosh3.dumps
    assert getattr(native, "native_bytes", False)  # the backend's fix is in force
    monkeypatch.setattr(whoosh3, "dumps", lambda value, protocol=2: pickle.dumps(value, 2))
    with index.writer() as writer:
        for key, text in texts(0):
            writer.add_document(key=key, text=text)
    monkeypatch.setattr(whoosh3, "dumps", native)
    with index.writer(merge=False) as writer:
        for key, text in texts(400):
            writer.add_document(key=key, text=text)
    assert len(index._segments()) == 2
    with index.searcher() as searcher:
        rapport = searcher.reader().postings(TEXT_FIELD, analyse("rapport")[0])
        assert len(list(rapport.all_ids())) == 800
        phrase = wq.Phrase(TEXT_FIELD, analyse("mission urgente"))
        found = {hit["key"] for hit in searcher.search(phrase, limit=None)}
        assert found == {f"post:{n}" for n in range(800) if n % 3}
