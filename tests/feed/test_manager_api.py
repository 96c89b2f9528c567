"""The manager's view of the items addressed into their units."""

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def org(api, make_user, make_unit):
    chief = make_user("Cheffe DGM", unit="MEAE/DGM", manages=["MEAE/DGM"])
    author = make_user("Auteur Cabinet", unit="MEAE/Cabinet")
    afrique = [make_user(f"Afrique {n}", unit="MEAE/DGM/Afrique") for n in range(3)]
    asie = make_user("Asie 1", unit="MEAE/DGM/Asie")
    dgp = make_user("DGP 1", unit="MEAE/DGP")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Suivi", "visibility": "open"}).get_json()
    )
    secret = (
        api(author).post("/api/v1/communities", json={"name": "Cellule", "visibility": "secret"}).get_json()
    )
    for user in (*afrique, asie, dgp, chief):
        api(user).post(f"/api/v1/communities/{community['id']}/join")
    api(author).post(f"/api/v1/communities/{secret['id']}/members", json={"user_id": afrique[0]})
    return {
        "chief": chief, "author": author, "afrique": afrique, "asie": asie, "dgp": dgp,
        "community": community["id"], "secret": secret["id"],
        "unit_afrique": make_unit("MEAE/DGM/Afrique"), "unit_asie": make_unit("MEAE/DGM/Asie"),
        "unit_dgp": make_unit("MEAE/DGP"),
    }  # fmt: skip


def _action(api, org, title, unit, community=None, priority="routine", due=None):
    fields = {"title": title, "body": "x", "qualification": "action", "priority": priority,
              "action_addressees": [{"type": "unit", "id": unit}]}  # fmt: skip
    if due:
        fields["due_at"] = due.isoformat()
    response = api(org["author"]).post(
        f"/api/v1/communities/{community or org['community']}/posts", json=fields
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_items_in_scope_overdue_first_with_holders(api, org):
    now = datetime.now(UTC)
    _action(api, org, "routine Afrique", org["unit_afrique"])
    _action(api, org, "flash Asie", org["unit_asie"], priority="flash")
    _action(api, org, "late Asie", org["unit_asie"], due=now - timedelta(hours=3))
    _action(api, org, "DGP, out of scope", org["unit_dgp"])
    _action(api, org, "secret", org["unit_afrique"], community=org["secret"])
    body = api(org["chief"]).get("/api/v1/manager/items?limit=100").get_json()
    titles = [item["post"]["title"] for item in body["items"]]
    assert titles == ["late Asie", "flash Asie", "routine Afrique", "routine Afrique", "routine Afrique"]
    first = body["items"][0]
    assert first["status"] == "overdue" and first["holder"]["name"] == "Asie 1"
    assert first["unit"] == {"id": org["unit_asie"], "path": "MEAE/DGM/Asie"}
    assert first["age_hours"] == 0


def test_filters_by_unit_status_and_priority(api, org):
    post = _action(api, org, "Afrique", org["unit_afrique"], priority="flash")
    api(org["afrique"][0]).post(f"/api/v1/posts/{post}/done")
    client = api(org["chief"])
    done = client.get("/api/v1/manager/items?status=done").get_json()["items"]
    assert [item["holder"]["name"] for item in done] == ["Afrique 0"]
    assert len(client.get("/api/v1/manager/items?status=open").get_json()["items"]) == 2
    assert client.get(f"/api/v1/manager/items?unit_id={org['unit_asie']}").get_json()["items"] == []
    assert len(client.get("/api/v1/manager/items?priority=flash").get_json()["items"]) == 3
    outside = client.get(f"/api/v1/manager/items?unit_id={org['unit_dgp']}")
    assert outside.status_code == 403


def test_summary_by_unit_and_priority(api, org):
    now = datetime.now(UTC)
    first = _action(api, org, "Afrique flash", org["unit_afrique"], priority="flash")
    _action(api, org, "Asie late", org["unit_asie"], due=now - timedelta(days=1))
    api(org["afrique"][1]).post(f"/api/v1/posts/{first}/done")
    info = api(org["author"]).post(
        f"/api/v1/communities/{org['community']}/posts",
        json={"title": "Info", "body": "x", "qualification": "information",
              "info_addressees": [{"type": "unit", "id": org["unit_afrique"]}]},
    ).get_json()  # fmt: skip
    api(org["afrique"][2]).post(f"/api/v1/posts/{info['id']}/read")
    summary = api(org["chief"]).get("/api/v1/manager/summary").get_json()
    units = {entry["unit"]["path"]: entry for entry in summary["units"]}
    afrique, asie = units["MEAE/DGM/Afrique"], units["MEAE/DGM/Asie"]
    assert (afrique["open"], afrique["done"], afrique["overdue"]) == (2, 1, 0)
    assert afrique["by_priority"]["flash"] == {"open": 2, "done": 1, "overdue": 0}
    assert afrique["info_read_rate"] == pytest.approx(1 / 3, abs=0.001)
    assert (asie["open"], asie["done"], asie["overdue"]) == (1, 0, 1)
    assert asie["info_read_rate"] is None
    assert summary["totals"] == {"open": 3, "done": 1, "overdue": 1}


def test_manager_sees_only_what_they_may_read(api, org):
    _action(api, org, "secret", org["unit_afrique"], community=org["secret"])
    assert api(org["chief"]).get("/api/v1/manager/items").get_json()["items"] == []
    assert api(org["chief"]).get("/api/v1/manager/summary").get_json()["totals"]["open"] == 0


def test_non_managers_get_403(api, org):
    assert api(org["asie"]).get("/api/v1/manager/summary").status_code == 403
    assert api(org["asie"]).get("/api/v1/manager/items").status_code == 403


def test_a_due_window_does_not_hide_information_read_rates(api, org):
    _action(api, org, "Afrique", org["unit_afrique"], due=datetime.now(UTC) + timedelta(hours=2))
    info = api(org["author"]).post(
        f"/api/v1/communities/{org['community']}/posts",
        json={"title": "Info", "body": "x", "qualification": "information",
              "info_addressees": [{"type": "unit", "id": org["unit_afrique"]}]},
    ).get_json()  # fmt: skip
    api(org["afrique"][0]).post(f"/api/v1/posts/{info['id']}/read")
    window = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+", "%2B")
    summary = api(org["chief"]).get(f"/api/v1/manager/summary?due_before={window}").get_json()
    afrique = next(entry for entry in summary["units"] if entry["unit"]["path"] == "MEAE/DGM/Afrique")
    assert afrique["open"] == 3
    assert afrique["info_read_rate"] == pytest.approx(1 / 3, abs=0.001)
