"""The Whoosh backend's own layout: one text field for matching, its parts kept apart."""

from tests.search.test_search_api import search, titles, write

SEARCH_BACKENDS = ["whoosh"]  # tests/search/conftest.py runs these against this backend only


def test_a_phrase_does_not_run_from_one_part_of_a_post_into_the_next(api, world):
    write(
        api,
        world["author"],
        world["community"],
        title="Point réseau",
        body="Export des données",
        tags=["appui"],
    )
    write(api, world["author"], world["community"], title="Autre note", body="Le réseau export se réunit")
    assert titles(search(api, world["reader"], q='"réseau export"')) == ["Autre note"]
    assert titles(search(api, world["reader"], q='"export données"')) == ["Point réseau"]
    # Tags and the body are parts too.
    assert search(api, world["reader"], q='"données appui"')["total"] == 0


def test_counts_and_facets_stay_exact_over_several_segments_and_deletions(api, world):
    posts = [
        write(
            api,
            world["author"],
            world["community"],
            title=f"Dépêche {number}",
            body="dépêche",
            priority=priority,
        )
        for number, priority in enumerate(["routine", "flash", "routine", "immediate"])
    ]
    response = api(world["author"]).delete(f"/api/v1/posts/{posts[1]['id']}")
    assert response.status_code in (200, 204), response.get_json()
    result = search(api, world["reader"], q="depeche")
    assert result["total"] == 3 and result["total_exact"] is True
    assert {entry["value"]: entry["count"] for entry in result["facets"]["priority"]} == {
        "routine": 2,
        "immediate": 1,
    }
    assert titles(search(api, world["reader"], q="depeche", priority="flash")) == []
