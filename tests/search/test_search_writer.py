"""The background writer: requests answer without indexing, the process's thread catches up."""

import pytest

from tests.search.test_search_api import search, write


@pytest.fixture
def writer_thread_stopped_after(app):
    """Whatever started the process's writer thread, no other test meets it."""
    yield
    app.config["SEARCH_WORKER"] = "inline"
    writer = app.extensions.pop("rse_search_writer", None)
    if writer is not None:
        writer.stop(timeout=30)


@pytest.fixture
def background(app, writer_thread_stopped_after):
    """The server's default mode."""
    app.config["SEARCH_WORKER"] = "background"


def _pending(app) -> int:
    from search.outbox import pending_count

    with app.app_context():
        return pending_count()


def test_the_writer_thread_indexes_what_a_request_committed(app, api, world, background):
    from search.outbox import wait_until_indexed, writer_lock

    # While another writer holds the lock, the request still answers: indexing is not its job.
    with app.app_context(), writer_lock(block=True):
        write(api, world["author"], world["community"], title="Relève de garde", body="Texte")
        assert search(api, world["reader"], q="releve")["total"] == 0
        assert _pending(app) == 1
    assert wait_until_indexed(app)
    assert search(api, world["reader"], q="releve")["total"] == 1
    assert _pending(app) == 0


def test_the_writer_thread_finishes_its_work_when_the_process_stops(app, api, world, background):
    from search.outbox import writer_lock

    with app.app_context(), writer_lock(block=True):
        write(api, world["author"], world["community"], title="Dernier message", body="Texte")
    writer = app.extensions["rse_search_writer"]
    writer.stop(timeout=30)
    assert not writer._thread.is_alive()
    assert _pending(app) == 0
    assert search(api, world["reader"], q="dernier")["total"] == 1


def test_changes_left_in_the_outbox_are_applied_without_a_new_commit(
    app, api, world, background, monkeypatch
):
    """Rows a stopped process left behind (here: written while servers left them to a worker)."""
    import time

    from search import outbox

    app.config["SEARCH_WORKER"] = "external"
    write(api, world["author"], world["community"], title="Oublié", body="Texte")
    assert _pending(app) == 1
    app.config["SEARCH_WORKER"] = "background"
    monkeypatch.setattr(outbox, "PERIODIC_PASS_SECONDS", 0.05)
    outbox.start_background_writer(app)
    deadline = time.monotonic() + 60
    while _pending(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _pending(app) == 0
    assert search(api, world["reader"], q="oublie")["total"] == 1


def test_each_commit_is_searchable_once_the_writer_is_idle(app, api, world, background):
    from search.outbox import wait_until_indexed

    for number in range(5):
        write(api, world["author"], world["community"], title=f"Série {number}", body="Texte")
    assert wait_until_indexed(app)
    assert search(api, world["reader"], q="serie")["total"] == 5


def test_a_request_past_its_budget_leaves_the_rest_to_the_writer_thread(
    app, api, world, writer_thread_stopped_after, monkeypatch
):
    """A request drains a few batches only; what is left (a backlog, or rows other processes
    committed while it held the lock and left to it) is still applied, by the writer thread."""
    from search import outbox

    app.config["SEARCH_WORKER"] = "external"
    for number in range(2):
        write(api, world["author"], world["community"], title=f"Arriéré {number}", body="Texte")
    assert _pending(app) == 2
    app.config["SEARCH_WORKER"] = "inline"
    monkeypatch.setattr(outbox, "BATCH_SIZE", 1)
    monkeypatch.setattr(outbox, "INLINE_MAX_BATCHES", 1)
    write(api, world["author"], world["community"], title="Arriéré 2", body="Texte")
    assert outbox.wait_until_indexed(app)
    assert _pending(app) == 0
    assert search(api, world["reader"], q="arriere")["total"] == 3
