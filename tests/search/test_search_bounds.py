"""What one search may cost, on every backend: bounded totals and facets, prefixes, time."""

import pytest

from tests.search.test_search_api import search, titles, write


@pytest.fixture
def world(world, api):
    """The package's world with five dispatches to count."""
    for number in range(5):
        write(api, world["author"], world["community"], title=f"Dépêche {number}", body="dépêche")
    return world


def test_beyond_the_bound_the_total_is_a_floor_and_facets_say_so(api, world, monkeypatch, client, login):
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_COUNTED", 3)
    broad = search(api, world["reader"], q="depeche", limit=2)
    assert broad["total"] == 3 and broad["total_exact"] is False and broad["facets_exact"] is False
    assert len(broad["items"]) == 2 and broad["next"]
    assert sum(entry["count"] for entry in broad["facets"]["month"]) == 3
    selective = search(api, world["reader"], q="depeche 4")
    assert titles(selective) == ["Dépêche 4"]
    assert selective["total_exact"] is True and selective["facets_exact"] is True
    login(client, "bruno.lemaire@example.gouv.fr")
    page = client.get("/search?q=depeche").get_data(as_text=True)
    assert "Au moins 3 résultats" in page and "Décompte sur 3 résultats seulement" in page


def test_within_the_bound_everything_is_exact(api, world):
    result = search(api, world["reader"], q="depeche", limit=2)
    assert result["total"] == 5 and result["total_exact"] is True and result["facets_exact"] is True
    assert sum(entry["count"] for entry in result["facets"]["month"]) == 5


def test_facets_list_their_most_frequent_values_only(api, world, make_user, monkeypatch):
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_FACET_VALUES", 2)
    for number, name in enumerate(("Chloé Roux", "Denis Petit")):
        colleague = make_user(name, email=f"colleague{number}@example.gouv.fr", unit="MEAE/DGM")
        api(colleague).post(f"/api/v1/communities/{world['community']['id']}/members", json={})
        for _ in range(number + 1):
            write(api, colleague, world["community"], title=f"Dépêche de {name}", body="dépêche")
    result = search(api, world["reader"], q="depeche")
    assert result["total"] == 8 and result["total_exact"] is True
    # Alice wrote 5, Denis 2, Chloé 1: the facet keeps the two most frequent authors.
    assert [(entry["label"], entry["count"]) for entry in result["facets"]["author"]] == [
        ("Alice Martin", 5),
        ("Denis Petit", 2),
    ]


def test_among_equally_frequent_values_every_backend_keeps_the_same(api, world, make_user, monkeypatch):
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_FACET_VALUES", 2)
    # tantivy reads a few more values than the service keeps: as few as kept here, so that the tie
    # at the cut is only settled by reading the facet again in full.
    monkeypatch.setattr("search.tantivy_index.FACET_FETCH_FACTOR", 1)
    colleagues = {}
    for number in range(4):
        name = f"Collègue {number}"
        colleague = make_user(name, email=f"tie{number}@example.gouv.fr", unit="MEAE/DGM")
        api(colleague).post(f"/api/v1/communities/{world['community']['id']}/members", json={})
        write(api, colleague, world["community"], title=f"Dépêche de {name}", body="dépêche")
        colleagues[colleague] = name
    result = search(api, world["reader"], q="depeche")
    # Alice wrote 5, each colleague 1: beside her, the first of the tied values (as text), always.
    first = min(colleagues, key=str)
    assert [(entry["label"], entry["count"]) for entry in result["facets"]["author"]] == [
        ("Alice Martin", 5),
        (colleagues[first], 1),
    ]


def test_a_query_out_of_time_stops_with_a_clear_message(api, world, monkeypatch, client, login):
    from search import bounds

    monkeypatch.setattr(bounds, "TIME_BUDGET_SECONDS", 0.0)
    stopped = search(api, world["reader"], q="depeche")
    assert stopped["total_exact"] is False and stopped["facets_exact"] is False
    assert any("stopped after 0 s" in warning for warning in stopped["warnings"])
    login(client, "bruno.lemaire@example.gouv.fr")
    response = client.get("/search?q=depeche")
    assert response.status_code == 200
    assert "La recherche a été arrêtée après 0 s" in response.get_data(as_text=True)
    monkeypatch.setattr(bounds, "TIME_BUDGET_SECONDS", 2.0)
    assert search(api, world["reader"], q="depeche")["total"] == 5
