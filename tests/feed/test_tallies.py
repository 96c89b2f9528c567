"""The per post and unit tallies behind the manager's totals stay equal to a recount of the people
reached, whatever sequence of writes came before."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.feed.test_manager_api import _action, org  # noqa: F401  (the fixture is used by name)


def _stored(app):
    from feed.models import RecipientTally
    from rse.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(
                RecipientTally.post_id,
                RecipientTally.unit_id,
                RecipientTally.kind,
                RecipientTally.community_id,
                RecipientTally.priority,
                RecipientTally.due_at,
                RecipientTally.reached,
                RecipientTally.done,
                RecipientTally.read,
            )
        ).all()
        return sorted(tuple(row) for row in rows)


def _recounted(app):
    from feed.tallies import _counted
    from rse.extensions import db

    with app.app_context():
        rows = db.session.execute(_counted()).all()
        # post, unit, kind, community, priority, (created_at left out), due, reached, done, read
        return sorted((*row[:5], *row[6:]) for row in rows)


def _info(api, org, title, unit):  # noqa: F811
    response = api(org["author"]).post(
        f"/api/v1/communities/{org['community']}/posts",
        json={"title": title, "body": "x", "qualification": "information",
              "info_addressees": [{"type": "unit", "id": unit}]},
    )  # fmt: skip
    assert response.status_code == 201
    return response.get_json()["id"]


def test_tallies_equal_a_recount_after_every_kind_of_write(app, api, org):  # noqa: F811
    afrique, asie = org["afrique"], org["asie"]
    late = _action(api, org, "late", org["unit_afrique"], due=datetime.now(UTC) - timedelta(hours=1))
    both = _action(api, org, "both", org["unit_afrique"], priority="flash")
    info = _info(api, org, "info", org["unit_afrique"])
    doomed = _action(api, org, "doomed", org["unit_asie"])
    assert _stored(app) == _recounted(app) and len(_stored(app)) == 4

    steps = [
        lambda: api(afrique[0]).post(f"/api/v1/posts/{late}/done"),
        lambda: api(afrique[1]).post(f"/api/v1/posts/{late}/done"),
        lambda: api(afrique[1]).delete(f"/api/v1/posts/{late}/done"),  # undone
        lambda: api(afrique[2]).post(f"/api/v1/posts/{info}/read"),
        lambda: api(afrique[0]).post("/api/v1/desk/toread/mark-read"),
        # Re-addressed: Asie joins, Afrique's done mark is kept.
        lambda: api(afrique[0]).post(f"/api/v1/posts/{both}/done"),
        lambda: api(org["author"]).patch(
            f"/api/v1/posts/{both}",
            json={
                "action_addressees": [
                    {"type": "unit", "id": org["unit_afrique"]},
                    {"type": "user", "id": asie},
                ]
            },
        ),  # fmt: skip
        lambda: api(org["author"]).patch(
            f"/api/v1/posts/{late}",
            json={"priority": "immediate", "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
        ),
        lambda: api(asie).post(f"/api/v1/posts/{doomed}/done"),
        lambda: api(org["author"]).delete(f"/api/v1/posts/{doomed}"),
        # Requalified as information: the action rows go, information rows come.
        lambda: api(org["author"]).patch(
            f"/api/v1/posts/{both}",
            json={
                "qualification": "information",
                "action_addressees": [],
                "info_addressees": [{"type": "unit", "id": org["unit_afrique"]}],
            },
        ),  # fmt: skip
    ]
    for number, step in enumerate(steps):
        response = step()
        assert response.status_code < 300, (number, response.get_json())
        assert _stored(app) == _recounted(app), f"after step {number}"

    stored = {(row[0], row[1], row[2]): row for row in _stored(app)}
    assert not any(key[0] == doomed for key in stored)
    late_row = stored[(late, org["unit_afrique"], "action")]
    assert (late_row[4], late_row[6], late_row[7]) == ("immediate", 3, 1)  # priority, reached, done
    assert stored[(info, org["unit_afrique"], "information")][8] == 2  # read by two of three
    assert (both, org["unit_afrique"], "information") in stored
    assert (both, org["unit_afrique"], "action") not in stored


def test_summary_from_tallies_matches_the_items(api, org):  # noqa: F811
    now = datetime.now(UTC)
    first = _action(api, org, "flash", org["unit_afrique"], priority="flash", due=now - timedelta(hours=2))
    _action(api, org, "routine", org["unit_asie"], due=now + timedelta(days=3))
    api(org["afrique"][0]).post(f"/api/v1/posts/{first}/done")
    chief = api(org["chief"])
    for status in (None, "open", "done", "overdue"):
        query = f"?status={status}" if status else ""
        summary = chief.get(f"/api/v1/manager/summary{query}").get_json()
        items = chief.get(f"/api/v1/manager/items{query}{'&' if query else '?'}limit=100").get_json()["items"]
        statuses = [item["status"] for item in items]
        assert summary["totals"] == {
            "open": statuses.count("open") + statuses.count("overdue"),
            "done": statuses.count("done"),
            "overdue": statuses.count("overdue"),
        }, status
    assert chief.get("/api/v1/manager/summary").get_json()["totals"] == pytest.approx(
        {"open": 3, "done": 1, "overdue": 2}
    )


@pytest.mark.parametrize("status", [None, "open", "done", "overdue"])
def test_items_pages_walk_the_same_order_as_one_long_page(api, org, status):  # noqa: F811
    now = datetime.now(UTC)
    late = _action(api, org, "late", org["unit_afrique"], due=now - timedelta(hours=2))
    _action(api, org, "late flash", org["unit_asie"], priority="flash", due=now - timedelta(hours=1))
    soon = _action(api, org, "soon", org["unit_afrique"], priority="flash", due=now + timedelta(days=1))
    _action(api, org, "undated", org["unit_afrique"])
    for post in (late, soon):
        api(org["afrique"][1]).post(f"/api/v1/posts/{post}/done")
    chief = api(org["chief"])
    query = f"&status={status}" if status else ""

    def key(item):
        return (item["post"]["id"], item["holder"]["id"], item["status"])

    everything = [
        key(item) for item in chief.get(f"/api/v1/manager/items?limit=100{query}").get_json()["items"]
    ]
    walked, cursor = [], None
    while True:
        page = chief.get(f"/api/v1/manager/items?limit=2{query}" + (f"&cursor={cursor}" if cursor else ""))
        body = page.get_json()
        walked += [key(item) for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert walked == everything
    assert len(everything) == {None: 10, "open": 8, "done": 2, "overdue": 3}[status]
