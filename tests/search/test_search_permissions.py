"""Search hits and facets agree with the permission matrix: found exactly where the viewer reads."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.test_permission_matrix import ACTIONS, MATRIX, world  # noqa: F401 (the matrix's world fixture)

READS = {}
for viewer, community, *cells in MATRIX:
    READS.setdefault(viewer, {})[community] = dict(zip(ACTIONS, cells, strict=True))["read"]


@pytest.mark.parametrize("viewer", sorted(READS))
def test_search_finds_a_community_post_exactly_when_the_viewer_may_read_it(app, world, viewer):  # noqa: F811
    client = ApiClient(app.test_client(), world["tokens"][viewer])
    response = client.get("/api/v1/search", query_string={"q": "lire", "limit": 100})
    if set(READS[viewer].values()) == {401}:
        assert response.status_code == 401
        return
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    found = {item["post_id"] for item in result["items"]}
    readable = {key for key, status in READS[viewer].items() if status == 200}
    assert found == {world["posts"][key]["read"] for key in readable}
    assert result["total"] == len(readable)
    faceted = {entry["value"] for entry in result["facets"]["community"]}
    assert faceted == {world["communities"][key] for key in readable}
