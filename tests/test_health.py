def test_healthz_needs_nothing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_database_and_search_index(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "search": "ok"}


def test_readyz_reports_a_missing_index(app, client, tmp_path, monkeypatch):
    from search.backends import WhooshBackend

    monkeypatch.setitem(app.extensions, "rse_search", WhooshBackend(tmp_path / "nowhere"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["search"].startswith("error")
