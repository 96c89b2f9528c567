"""``rse search`` commands and the single writer shared by several processes."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.search.test_search_api import search, write


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def _index_directly(app, change) -> None:
    """Change the index behind the outbox's back, as a crash or a bug would."""
    with app.app_context():
        change(app.extensions["rse_search"])


def _generation(app):
    """What the searches read now: the embedded index's current folder, PostgreSQL's table (its oid)."""
    if app.config["SEARCH_BACKEND"] == "postgresql":
        from sqlalchemy import text

        from rse.extensions import db

        with app.app_context():
            return db.session.scalar(text("SELECT 'search_documents'::regclass::oid"))
    return app.extensions["rse_search"].current.resolve()


def _generation_exists(app, generation) -> bool:
    if app.config["SEARCH_BACKEND"] == "postgresql":
        from sqlalchemy import text

        from rse.extensions import db

        with app.app_context():
            return bool(
                db.session.scalar(text("SELECT count(*) FROM pg_class WHERE oid = :oid"), {"oid": generation})
            )
    return generation.exists()


def test_reindex_rebuilds_everything_and_swaps_atomically(app, api, world, cli):
    post = write(api, world["author"], world["community"], title="Négociations", body="Texte")
    api(world["reader"]).post(f"/api/v1/posts/{post['id']}/comments", json={"body": "Commentaire utile"})
    old_generation = _generation(app)
    _index_directly(app, lambda backend: backend.clear())
    assert search(api, world["reader"], q="negociation")["total"] == 0
    result = cli("search", "reindex")
    assert result.exit_code == 0, result.output
    assert "Indexed 2 documents" in result.output and "documents/s" in result.output
    new_generation = _generation(app)
    assert new_generation != old_generation and not _generation_exists(app, old_generation)
    assert search(api, world["reader"], q="negociation")["total"] == 1
    assert search(api, world["reader"], q="utile")["items"][0]["kind"] == "comment"


def test_reading_by_community_gives_every_document_once_each_community_together(app, api, world):
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search.documents import all_documents

    other = (
        api(world["author"])
        .post("/api/v1/communities", json={"name": "Autre", "visibility": "open"})
        .get_json()
    )
    posts = [
        write(api, world["author"], community, title="Note") for community in (world["community"], other) * 3
    ]
    for post in posts[:3]:
        api(world["reader"]).post(f"/api/v1/posts/{post['id']}/comments", json={"body": "Vu"})
    assert api(world["author"]).delete(f"/api/v1/posts/{posts[4]['id']}").status_code == 204
    with app.app_context(), Session(db.engine) as session:
        written = {document.key: document.digest for document in all_documents(session, batch_size=2)}
        grouped = list(all_documents(session, batch_size=2, by_community=True))
    assert {document.key: document.digest for document in grouped} == written
    assert len(grouped) == len(written) == 5 + 3
    communities = [document.community_id for document in grouped]
    assert communities == sorted(communities)
    assert f"post:{posts[4]['id']}" not in written


def test_verify_reports_missing_stale_and_orphans_and_repairs(app, api, world, cli):
    from search.documents import IndexBatch, SearchDocument, document_key

    kept = write(api, world["author"], world["community"], title="Gardé", body="Texte")
    lost = write(api, world["author"], world["community"], title="Perdu", body="Texte")
    assert cli("search", "verify").output.strip().endswith("The index matches the database.")

    def damage(backend):
        backend.delete_keys([document_key("post", lost["id"])])
        documents = backend.digests()
        assert document_key("post", kept["id"]) in documents
        ghost = SearchDocument(
            kind="post", object_id=9999, post_id=9999, portal_item_id=None, community_id=world["community"]["id"],
            author_id=world["author"], author_name="x", community_name="x", title="Fantôme", body="fantome",
            tags=(), qualification=None, priority="routine", created_at=__import__("datetime").datetime(2026, 1, 1),
        )  # fmt: skip
        stale = SearchDocument(
            **{**ghost.__dict__, "object_id": kept["id"], "post_id": kept["id"], "title": "Vieux"}
        )
        backend.apply(IndexBatch(posts={9999: [ghost], kept["id"]: [stale]}))

    _index_directly(app, damage)
    report = cli("search", "verify")
    assert report.exit_code != 0
    assert f"missing: 1 (post:{lost['id']})" in report.output
    assert f"stale: 1 (post:{kept['id']})" in report.output
    assert "orphan: 1 (post:9999)" in report.output
    repaired = cli("search", "verify", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "Repaired 3 documents" in repaired.output
    assert cli("search", "verify").output.strip().endswith("The index matches the database.")
    assert search(api, world["reader"], q="perdu")["total"] == 1
    assert search(api, world["reader"], q="vieux")["total"] == 0


def test_external_worker_mode_leaves_draining_to_the_worker(app, api, world, cli):
    app.config["SEARCH_WORKER"] = "external"
    try:
        write(api, world["author"], world["community"], title="Différé", body="Texte")
        assert search(api, world["reader"], q="differe")["total"] == 0
        result = cli("search", "worker", "--once")
        assert result.exit_code == 0 and "Applied 1 changes" in result.output
    finally:
        app.config["SEARCH_WORKER"] = "inline"
    assert search(api, world["reader"], q="differe")["total"] == 1


def test_community_rename_reaches_its_documents(app, api, world, cli):
    write(api, world["author"], world["community"], title="Note", body="Texte")
    renamed = api(world["author"]).patch(
        f"/api/v1/communities/{world['community']['id']}", json={"name": "Observatoire Sahel"}
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert search(api, world["reader"], q="observatoire")["total"] == 1
    assert cli("search", "verify").output.strip().endswith("The index matches the database.")


WRITER = textwrap.dedent(
    """
    import json, os, sys
    from rse import create_app
    from rse.extensions import db

    config = json.loads(os.environ["RSE_TEST_APP_CONFIG"])
    app = create_app(config)
    with app.app_context():
        from communities.models import Community
        from feed.posts import create_post
        from rse.accounts.models import User

        author = db.session.get(User, int(sys.argv[1]))
        community_id = int(sys.argv[2])
        for number in range(int(sys.argv[4])):
            create_post(author, db.session.get(Community, community_id),
                        title=f"Parallèle {sys.argv[3]} {number}", body="Écrit en parallèle")
            db.session.commit()
    """
)


def test_two_processes_writing_at_once_lose_no_document(app, app_config, api, world, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "RSE_TEST_APP_CONFIG": json.dumps(app_config)}
    root = Path(__file__).resolve().parents[2]
    per_process = 12
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(world["author"]),
                str(world["community"]["id"]),
                name,
                str(per_process),
            ],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for name in ("A", "B")
    ]
    errors = []
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        errors.append(err)
    result = search(api, world["reader"], q="parallele", limit=100)
    # What the writers logged (a failed drain leaves its rows in the outbox) says why, if any is missing.
    assert result["total"] == 2 * per_process, errors
    assert len({item["title"] for item in result["items"]}) == 2 * per_process
    with app.app_context():
        from search.outbox import pending_count

        assert pending_count() == 0
