def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/me", "/api/v1/me/tokens", "/api/v1/units", "/api/v1/users"):
        assert path in spec["paths"], path
    assert "bearer" in spec["components"]["securitySchemes"]


def test_docs_page_is_served_with_local_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/vendor/swagger-ui-dist/" in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_docs_assets_come_from_npm_packages(app, client):
    from pathlib import Path

    bundle = Path(app.config["NODE_MODULES_DIR"]) / "swagger-ui-dist" / "swagger-ui-bundle.js"
    assert bundle.exists(), "run `make setup` (npm install) first"
    assert client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    assert client.get("/vendor/left-pad/index.js").status_code == 404
    assert client.get("/vendor/swagger-ui-dist/../../package.json").status_code == 404
