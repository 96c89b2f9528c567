def _walk(client, path):
    seen, cursor = [], None
    while True:
        url = path + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen.extend(item["path"] for item in body["items"])
        cursor = body["next"]
        if cursor is None:
            return seen


def test_units_page_through_every_item_once(api, make_user, make_unit):
    for office in ("Afrique", "Asie", "Europe", "Amériques", "Océanie"):
        make_unit(f"MEAE/DGM/{office}")
    client = api(make_user(unit="MEAE/DGM/Afrique"))
    paged = _walk(client, "/api/v1/units?limit=2")
    everything = client.get("/api/v1/units?limit=100").get_json()["items"]
    assert paged == [unit["path"] for unit in everything]
    assert len(paged) == len(set(paged)) == 7  # MEAE, MEAE/DGM and five offices
    assert paged == sorted(paged)


def test_list_envelope_and_default_limit(api, make_user, make_unit):
    for number in range(25):
        make_unit(f"MEF/DGFiP/Bureau {number:02d}")
    body = api(make_user()).get("/api/v1/units").get_json()
    assert set(body) == {"items", "next"}
    assert len(body["items"]) == 20
    assert body["next"]


def test_limit_out_of_range_is_422(api, make_user):
    client = api(make_user())
    for limit in (0, 101, -3):
        response = client.get(f"/api/v1/units?limit={limit}")
        assert response.status_code == 422
        assert "limit" in response.get_json()["errors"]


def test_bad_cursor_is_400(api, make_user):
    client = api(make_user())
    for cursor in ("garbage!", "WzFd", "bm90IGpzb24"):
        response = client.get(f"/api/v1/units?cursor={cursor}")
        assert response.status_code == 400
        assert "cursor" in response.get_json()["errors"]


def test_users_search_for_addressee_pickers(api, make_user):
    alice = make_user("Alice Martin", email="alice.martin@diplomatie.gouv.fr")
    make_user("Bruno Petit", email="bruno.petit@diplomatie.gouv.fr")
    make_user("Inactive Martin", active=False)
    body = api(alice).get("/api/v1/users?q=martin").get_json()
    assert [user["name"] for user in body["items"]] == ["Alice Martin"]
    assert body["items"][0]["unit"]["path"] == "MEAE/DGM/Afrique"


def test_like_wildcards_in_queries_are_literal(api, make_user, make_unit):
    make_unit("MEAE/DGM/Afrique")
    client = api(make_user())
    assert client.get("/api/v1/units?q=%25").get_json()["items"] == []
    assert client.get("/api/v1/units?q=_").get_json()["items"] == []


def test_forged_cursor_values_are_400_not_500(api, make_user):
    from rse.api import encode_cursor

    client = api(make_user())
    for values in ([{"a": 1}, 2], ["MEAE", "x"], [True, 1], ["MEAE", None]):
        response = client.get(f"/api/v1/units?cursor={encode_cursor(values)}")
        assert response.status_code == 400, values
