"""What only the PostgreSQL backend has: bounded candidates, a lock every machine sees, its table."""

import os

import pytest

from tests.search.test_search_api import search, titles, write

pytestmark = pytest.mark.skipif(
    not os.environ.get("RSE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL search backend needs the suite to run on PostgreSQL",
)
SEARCH_BACKENDS = ["postgresql"]  # tests/search/conftest.py runs these against this backend only


def test_a_broad_query_ranks_a_bounded_set_of_recent_matches_and_says_the_total_is_a_floor(
    api, world, monkeypatch, client, login
):
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    for number in range(5):
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    ranked = search(api, world["reader"], q="depeche", limit=2)
    assert ranked["total"] == 3 and ranked["total_exact"] is False and ranked["next"]
    assert sum(entry["count"] for entry in ranked["facets"]["month"]) == 3
    latest = search(api, world["reader"], q="depeche", sort="date", limit=3)
    assert [item["title"] for item in latest["items"]] == ["Dépêche 4", "Dépêche 3", "Dépêche 2"]
    selective = search(api, world["reader"], q="depeche 4")
    assert selective["total"] == 1 and selective["total_exact"] is True
    login(client, "bruno.lemaire@example.gouv.fr")
    page = client.get("/search?q=depeche").get_data(as_text=True)
    assert "Au moins 3 résultats" in page


@pytest.mark.parametrize("walk_over_fetch", [0, 10**9], ids=["gin-index", "newest-first"])
def test_either_plan_finds_the_same_bounded_most_recent_matches(api, world, monkeypatch, walk_over_fetch):
    """The backend forces one of two plans from estimates: what the reader sees must not depend on it."""
    from search import bounds, postgres

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    monkeypatch.setattr(postgres, "WALK_OVER_FETCH", walk_over_fetch)
    for number in range(5):
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    write(api, world["author"], world["community"], title="Rapport", body="sans rapport")
    latest = search(api, world["reader"], q="depeche", sort="date", limit=3)
    assert [item["title"] for item in latest["items"]] == ["Dépêche 4", "Dépêche 3", "Dépêche 2"]
    assert latest["total"] == 3 and latest["total_exact"] is False
    assert search(api, world["reader"], q='"depeche 4"')["total"] == 1
    assert search(api, world["reader"], q="depeche* -rapport")["total"] == 3
    nowhere = search(api, world["reader"], q='"rapport depeche"')
    assert nowhere["total"] == 0 and nowhere["total_exact"] is True


@pytest.fixture
def narrow_windows(monkeypatch):
    """A bound of 3 matches, the GIN index only, and a first window of newest documents far too narrow."""
    from search import bounds, postgres

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    monkeypatch.setattr(postgres, "WALK_OVER_FETCH", 0)  # the GIN index, never the walk
    monkeypatch.setattr(postgres, "WINDOW_MARGIN", 0.01)  # a first window far too narrow
    # The planner narrows each window through the readable documents' index, as it does on a large
    # table (on a small one it reads every document holding the words: one statement, below).
    monkeypatch.setattr(postgres.PostgresBackend, "_plan_uses", staticmethod(lambda *args: True))


def _analyse(app) -> None:
    """Statistics for the windows (their bounds come from the created_at histogram)."""
    from sqlalchemy import text

    from rse.extensions import db

    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("ANALYZE search_documents"))


def test_a_window_of_recent_documents_too_narrow_is_widened_until_it_holds_the_bounded_matches(
    app, api, world, monkeypatch, narrow_windows
):
    """The GIN plan reads the newest documents first, from the date histogram: same results."""
    from search import postgres

    for number in range(5):
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    for number in range(12):
        write(api, world["author"], world["community"], title=f"Rapport {number}", body="sans rapport")
    _analyse(app)
    windows = []
    make_window = postgres.PostgresBackend._window

    def recorded(*args, **kwargs):
        path = make_window(*args, **kwargs)
        windows.append(path.since)
        return path

    monkeypatch.setattr(postgres.PostgresBackend, "_window", staticmethod(recorded))
    latest = search(api, world["reader"], q="depeche", sort="date", limit=3)
    assert [item["title"] for item in latest["items"]] == ["Dépêche 4", "Dépêche 3", "Dépêche 2"]
    assert latest["total"] == 3 and latest["total_exact"] is False
    assert windows[0] is not None and windows[-1] is None  # widened up to the whole table
    assert search(api, world["reader"], q="depeche*")["total"] == 3
    assert search(api, world["reader"], q="depeche qualification:action")["total"] == 0


def _statements_read(monkeypatch) -> list[int]:
    """The matches each statement of the next searches counted (one list entry per statement)."""
    from search import postgres

    counted: list[int] = []
    gather = postgres.PostgresBackend._gathered

    def recorded(rows, *args):
        counted.extend(int(row[5]) for row in rows if row[0] == "total")
        return gather(rows, *args)

    monkeypatch.setattr(postgres.PostgresBackend, "_gathered", staticmethod(recorded))
    return counted


def test_windows_widened_read_each_match_once_and_rank_them_together(
    app, api, world, monkeypatch, narrow_windows
):
    """Each wider window reads only the documents older than the last: one ranking, one total."""
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_COUNTED", 50)
    write(api, world["author"], world["community"], title="Dépêche dépêche", body="Dépêche de dépêches.")
    for number in range(12):
        write(api, world["author"], world["community"], title=f"Rapport {number}", body="sans rapport")
    for number in range(4):
        write(api, world["author"], world["community"], title=f"Note {number}", body=f"dépêche {number}")
    _analyse(app)
    counted = _statements_read(monkeypatch)
    pages, cursor = [], None
    while True:
        result = search(api, world["reader"], q="depeche", limit=2, **({"cursor": cursor} if cursor else {}))
        assert result["total"] == 5 and result["total_exact"] is True
        assert sum(entry["count"] for entry in result["facets"]["month"]) == 5
        pages.append([item["title"] for item in result["items"]])
        cursor = result["next"]
        if not cursor:
            break
    # The oldest post, found by the last statement, holds the word most: it ranks first.
    assert pages == [["Dépêche dépêche", "Note 3"], ["Note 2", "Note 1"], ["Note 0"]]
    # Several statements for each page, and no match counted twice.
    assert len(counted) > len(pages) and sum(counted) == 5 * len(pages)
    by_date = search(api, world["reader"], q="depeche", sort="date", limit=5)
    assert [item["title"] for item in by_date["items"]] == [f"Note {n}" for n in (3, 2, 1, 0)] + [
        "Dépêche dépêche"
    ]


def test_a_window_after_another_always_starts_at_an_older_document(app, api, world):
    """A next window asked barely wider than the last still reaches older documents (no endless loop)."""
    from rse.extensions import db
    from search import postgres

    for number in range(30):
        write(api, world["author"], world["community"], title=f"Rapport {number}", body="rapport")
    _analyse(app)
    with app.app_context(), db.engine.connect() as connection:
        window = postgres.PostgresBackend._window(connection, 0.3, 30)
        assert window.since is not None
        for share in (window.share, window.share * (1 + 1e-9)):
            following = postgres.PostgresBackend._window(connection, share, 30, before=window.since)
            assert following.since is None or following.since < window.since
            assert following.share > window.share


def test_a_window_the_planner_would_not_narrow_is_read_as_the_whole_table_at_once(
    app, api, world, monkeypatch
):
    """On a small table the planner reads every document holding the words, window or not: one statement."""
    from search import bounds, postgres

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    monkeypatch.setattr(postgres, "WALK_OVER_FETCH", 0)
    monkeypatch.setattr(postgres, "WINDOW_MARGIN", 0.01)
    for number in range(2):
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    for number in range(12):
        write(api, world["author"], world["community"], title=f"Rapport {number}", body="sans rapport")
    _analyse(app)
    counted = _statements_read(monkeypatch)
    found = search(api, world["reader"], q="depeche", sort="date")
    assert [item["title"] for item in found["items"]] == ["Dépêche 1", "Dépêche 0"]
    assert found["total"] == 2 and found["total_exact"] is True
    assert counted == [2]


@pytest.mark.parametrize("entry_cost", [0, 10**9], ids=["readable-bitmap", "readable-row-by-row"])
def test_the_whole_table_read_either_way_keeps_only_what_the_reader_may_read(
    app, api, world, monkeypatch, narrow_windows, entry_cost
):
    """Past the windows, readability is checked through its index or on each row: same results."""
    from search import postgres

    monkeypatch.setattr(postgres, "READABLE_ENTRY_COST", entry_cost)
    secret = api(world["author"]).post(
        "/api/v1/communities", json={"name": "Cabinet", "visibility": "secret"}
    )
    assert secret.status_code == 201, secret.get_json()
    for number in range(2):
        write(api, world["author"], secret.get_json(), title=f"Dépêche secrète {number}", body="dépêche")
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    for number in range(12):
        write(api, world["author"], world["community"], title=f"Rapport {number}", body="sans rapport")
    _analyse(app)
    decisions = []
    decide = postgres.PostgresBackend._readable_by_row

    def recorded(*args, **kwargs):
        decisions.append(decide(*args, **kwargs))
        return decisions[-1]

    monkeypatch.setattr(postgres.PostgresBackend, "_readable_by_row", recorded)
    found = search(api, world["reader"], q="depeche", sort="date")
    assert [item["title"] for item in found["items"]] == ["Dépêche 1", "Dépêche 0"]
    assert found["total"] == 2 and found["total_exact"] is True
    assert decisions == [bool(entry_cost)]
    assert search(api, world["author"], q="depeche", sort="date")["items"][0]["title"] == "Dépêche 1"
    assert search(api, world["author"], q="secrete")["total"] == 2  # its author reads the secret ones
    # With a filter, always the index: what the window held says little about the words.
    for q in ("depeche priority:routine", "depeche after:2000"):
        assert search(api, world["reader"], q=q)["total"] == 2 and decisions[-1] is False, q


def test_the_single_writer_lock_is_held_in_the_database(app, world):
    from search.outbox import writer_lock

    with app.app_context():
        with writer_lock(block=False) as first, writer_lock(block=False) as second:
            assert (first, second) == (True, False)
        with writer_lock(block=False) as again:
            assert again is True


def test_documents_carry_a_weighted_french_vector(app, api, world):
    from sqlalchemy import text

    from rse.extensions import db

    write(api, world["author"], world["community"], title="Les élus", body="Négociations", tags=["sahel"])
    with app.app_context():
        vector = db.session.scalar(text("SELECT document::text FROM search_documents"))
    assert {"'elus':2A", "'sahel':3B", "'negoci':4C"} <= set(vector.split())


def test_filters_are_lexemes_of_the_vector_that_no_word_of_a_query_can_match(app, api, world):
    """priority, qualification and tags are answered by the GIN index with the words."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from rse.extensions import db

    write(
        api, world["author"], world["community"], title="Convocation", body="Réunion du comité",
        priority="immediate", qualification="information", tags=["Sahel"],
    )  # fmt: skip
    write(api, world["author"], world["community"], title="Convocation", body="Réunion de service")

    def lexemes():
        with app.app_context():
            vector = db.session.scalar(
                text("SELECT tsvector_to_array(document) FROM search_documents WHERE body LIKE '%comité%'")
            )
        return {lexeme for lexeme in vector if lexeme.startswith(" ")}

    def total(q):
        return search(api, world["reader"], q=q)["total"]

    assert lexemes() == {" priority:immediate", " qualification:information", " tag:sahel"}
    assert total("convocation priority:immediate") == 1
    assert total("convocation qualification:information tag:sahel") == 1
    assert total("convocation priority:routine") == 1
    assert total("convocation priority:immediate priority:routine") == 2  # alternatives
    assert total("convocation qualification:action") == 0
    # No word or prefix reaches them: they start with a space.
    for q in ("immediate", "immediat*", "priority", "prior*", "qualif*", "informat*"):
        assert total(q) == 0, q
    # The migration fills the rows already there (and its downgrade takes the lexemes away).
    with app.app_context():
        downgrade(revision="3c8e5a7f1b24")
        assert lexemes() == set()
        upgrade()
    assert lexemes() == {" priority:immediate", " qualification:information", " tag:sahel"}
    assert total("convocation priority:immediate") == 1


def test_phrases_are_found_through_the_pairs_of_neighbouring_words(app, api, world):
    """The pairs index only narrows the rows checked: every phrase search must answer as before."""
    from sqlalchemy import text

    from rse.extensions import db

    write(
        api,
        world["author"],
        world["community"],
        title="Point de situation",
        body="Le porte-parole évoque les négociations diplomatiques.",
    )
    write(
        api, world["author"], world["community"], title="Situation", body="Bilan : situation point par point."
    )
    post = write(api, world["author"], world["community"], title="Réunion", body="Ordre du jour")
    comment = api(world["author"]).post(
        f"/api/v1/posts/{post['id']}/comments", json={"body": "Une négociation diplomatique s'ouvre"}
    )
    assert comment.status_code == 201, comment.get_json()
    with app.app_context():
        pairs = db.session.scalar(
            text(
                "SELECT tsvector_to_array(phrase_pairs) FROM search_documents"
                " WHERE title = 'Point de situation'"
            )
        )
    # Neighbours only: "point" and "situation" have a stop word between them.
    assert {"negoci diplomat", "port parol"} <= set(pairs) and "point situat" not in pairs

    def found(q):
        return titles(search(api, world["reader"], q=q))

    for _run in ("written", "reindexed"):
        # Accents, the plural and a comment's words; neighbours only, in their order.
        assert found('"negociation diplomatique"') == ["Point de situation", "Réunion"]
        assert found('"porte-parole"') == ["Point de situation"]
        assert found('"situation point"') == ["Situation"]
        assert found('"diplomatique negociation"') == []
        # Stop words between the words: no pair of neighbours, the words' index answers.
        assert found('"point de situation"') == ["Point de situation"]
        assert found('"point de situation" -porte') == []
        assert found('"point de situation" evoque') == ["Point de situation"]
        assert found('"situation point" bilan -"negociation diplomatique"') == ["Situation"]
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output


def test_a_statement_outliving_the_time_budget_is_cancelled_with_a_warning(api, world, monkeypatch):
    from sqlalchemy import text

    from search import bounds, postgres

    write(api, world["author"], world["community"], title="Dépêche", body="dépêche")
    monkeypatch.setattr(bounds.Deadline, "remaining", lambda self: 0.001)
    choose_words = postgres.PostgresBackend._positive

    def slow(self, connection, *args):
        connection.execute(text("SELECT pg_sleep(0.5)"))  # a runaway statement
        return choose_words(self, connection, *args)

    monkeypatch.setattr(postgres.PostgresBackend, "_positive", slow)
    stopped = search(api, world["reader"], q="depeche")
    assert stopped["items"] == [] and stopped["total_exact"] is False
    assert any("stopped after" in warning for warning in stopped["warnings"])
