"""Search through the API: French matching, the query language, trimming, facets, the outbox."""

import pytest


@pytest.fixture
def world(api, make_user):
    """An open MEAE community, a secret one, an author and readers."""
    author = make_user("Alice Martin", email="alice.martin@diplomatie.gouv.fr", unit="MEAE/DGM")
    reader = make_user("Bruno Lemaire", unit="MEAE/DGM/Afrique")
    outsider = make_user("Eve Minarm", unit="MINARM/EMA")
    client = api(author)
    open_community = client.post(
        "/api/v1/communities", json={"name": "Veille Afrique", "visibility": "open"}
    ).get_json()
    secret = client.post(
        "/api/v1/communities", json={"name": "Cellule crise", "visibility": "secret"}
    ).get_json()
    return {
        "author": author,
        "reader": reader,
        "outsider": outsider,
        "open": open_community,
        "secret": secret,
    }


def write(api, user, community, **fields):
    payload = {"title": "Note", "body": "Texte", **fields}
    response = api(user).post(f"/api/v1/communities/{community['id']}/posts", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def search(api, user, **params):
    response = api(user).get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(result):
    return sorted(item["title"] for item in result["items"])


def test_accentless_stemmed_query_finds_french_text(api, world):
    write(api, world["author"], world["open"], title="Les négociations diplomatiques", body="Point d'étape.")
    write(
        api, world["author"], world["open"], title="Réunion des élus", body="Les élus locaux se réunissent."
    )
    write(api, world["author"], world["open"], title="Sans rapport", body="Météo du jour.")
    assert titles(search(api, world["reader"], q="negociation diplomatique")) == [
        "Les négociations diplomatiques"
    ]
    assert titles(search(api, world["reader"], q="élu")) == ["Réunion des élus"]
    assert titles(search(api, world["reader"], q="ELUS")) == ["Réunion des élus"]
    # "les" and "des" are French stop words: they are not required to match.
    assert titles(search(api, world["reader"], q="les négociations des")) == [
        "Les négociations diplomatiques"
    ]


def test_result_shape_snippet_and_title_ranking(api, world):
    body_hit = write(
        api, world["author"], world["open"], title="Compte rendu", body="Une note sur le Sahel <b>ici</b>."
    )
    title_hit = write(api, world["author"], world["open"], title="Sahel : situation", body="Rien de plus.")
    result = search(api, world["reader"], q="sahel")
    assert result["total"] == 2 and result["total_exact"] is True and result["next"] is None
    assert [item["id"] for item in result["items"]] == [title_hit["id"], body_hit["id"]]  # title weighs more
    item = result["items"][1]
    assert item["kind"] == "post" and item["post_id"] == body_hit["id"] and item["portal_item_id"] is None
    assert item["community"] == {"id": world["open"]["id"], "name": "Veille Afrique"}
    assert item["author"] == {"id": world["author"], "name": "Alice Martin"}
    assert item["score"] > 0 and item["created_at"]
    assert "<mark>Sahel</mark>" in item["snippet"]
    assert "<b>" not in item["snippet"] and "&lt;b&gt;" in item["snippet"]  # the text is escaped


def test_query_language_phrase_exclusion_prefix_and_filters(api, world):
    write(api, world["author"], world["open"], title="Crise au Mali", body="La situation sécuritaire", tags=["mali"],
          qualification="information", priority="flash")  # fmt: skip
    write(
        api,
        world["author"],
        world["open"],
        title="Situation au Niger",
        body="La sécurité sanitaire",
        tags=["niger"],
    )
    reader = world["reader"]
    assert titles(search(api, reader, q='"situation sécuritaire"')) == ["Crise au Mali"]
    assert titles(search(api, reader, q="situation -niger")) == ["Crise au Mali"]
    assert titles(search(api, reader, q="sécur*")) == ["Crise au Mali", "Situation au Niger"]
    assert titles(search(api, reader, q="situation tag:niger")) == ["Situation au Niger"]
    assert titles(search(api, reader, q="situation priority:flash")) == ["Crise au Mali"]
    assert titles(search(api, reader, q="qualification:information")) == ["Crise au Mali"]
    assert titles(search(api, reader, q='community:"veille afrique" niger')) == ["Situation au Niger"]
    assert titles(search(api, reader, q="author:alice.martin mali")) == ["Crise au Mali"]
    assert search(api, reader, q="situation before:2000-01-01")["total"] == 0
    assert search(api, reader, q="situation after:2000-01")["total"] == 2
    # The same filters as parameters.
    assert titles(search(api, reader, q="situation", tag="mali")) == ["Crise au Mali"]
    assert titles(search(api, reader, q="situation", priority="routine")) == ["Situation au Niger"]
    assert search(api, reader, q="situation", community_id=world["secret"]["id"])["total"] == 0


@pytest.mark.parametrize(
    ("q", "field", "words"),
    [
        ('"phrase non fermée', "q", "quotation mark"),
        ("secret:oui", "q", "Unknown filter"),
        ("priority:urgentissime", "q", "Unknown priority"),
        ("after:hier", "q", "not a date"),
        ("a*", "q", "too broad"),
        ("ne*go", "q", "final *"),
        ("x" * 501, "q", "too long"),
        (" ".join(["mot"] * 30), "q", "too many parts"),
    ],
)
def test_bad_queries_are_400_problems(api, world, q, field, words):
    response = api(world["reader"]).get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert words.lower() in problem["detail"].lower()
    assert field in problem["errors"]


def test_bad_filter_parameter_names_it(api, world):
    response = api(world["reader"]).get("/api/v1/search", query_string={"q": "x", "before": "demain"})
    assert response.status_code == 400 and "before" in response.get_json()["errors"]
    response = api(world["reader"]).get("/api/v1/search", query_string={"q": "x", "sort": "random"})
    assert response.status_code == 422 and "sort" in response.get_json()["errors"]  # schema validation


def test_broad_prefix_is_bounded_and_says_so(api, world, monkeypatch):
    from search import bounds

    monkeypatch.setattr(bounds, "MAX_PREFIX_TERMS", 3)
    write(api, world["author"], world["open"], title="Budget", body="programme progrès projet produit profit")
    result = search(api, world["reader"], q="pro*")
    assert result["total"] == 1
    assert result["warnings"] and "3" in result["warnings"][0]


def test_results_are_trimmed_to_what_the_caller_reads_now(api, world):
    write(api, world["author"], world["secret"], title="Évacuation confidentielle", body="Plan de crise")
    write(api, world["author"], world["open"], title="Plan de crise public", body="Plan de crise")
    assert titles(search(api, world["author"], q="crise")) == [
        "Plan de crise public",
        "Évacuation confidentielle",
    ]
    reader_view = search(api, world["reader"], q="crise")
    assert titles(reader_view) == ["Plan de crise public"]
    assert reader_view["total"] == 1
    assert [entry["value"] for entry in reader_view["facets"]["community"]] == [world["open"]["id"]]
    # The MINARM agent is out of the open MEAE community's scope: nothing at all.
    outsider_view = search(api, world["outsider"], q="crise")
    assert outsider_view["total"] == 0 and outsider_view["facets"]["community"] == []


def test_leaving_a_secret_community_hides_it_at_the_next_search(api, world):
    other = world["reader"]
    add = api(world["author"]).post(
        f"/api/v1/communities/{world['secret']['id']}/members", json={"user_id": other}
    )
    assert add.status_code in (200, 201), add.get_json()
    write(api, world["author"], world["secret"], title="Évacuation confidentielle", body="Plan")
    assert search(api, other, q="evacuation")["total"] == 1
    assert api(other).post(f"/api/v1/communities/{world['secret']['id']}/leave").status_code in (200, 204)
    after = search(api, other, q="evacuation")
    assert after["total"] == 0 and after["items"] == [] and after["facets"]["community"] == []


def test_facets_count_communities_priorities_authors_and_months(api, world):
    write(
        api,
        world["author"],
        world["open"],
        title="Mali un",
        body="mali",
        priority="flash",
        qualification="information",
    )
    write(api, world["author"], world["open"], title="Mali deux", body="mali")
    write(api, world["reader"], world["open"], title="Mali trois", body="mali")
    facets = search(api, world["reader"], q="mali")["facets"]
    assert facets["community"] == [{"value": world["open"]["id"], "label": "Veille Afrique", "count": 3}]
    assert {entry["value"]: entry["count"] for entry in facets["priority"]} == {"routine": 2, "flash": 1}
    assert {entry["value"]: entry["count"] for entry in facets["qualification"]} == {
        "none": 2,
        "information": 1,
    }
    assert {entry["label"]: entry["count"] for entry in facets["author"]} == {
        "Alice Martin": 2,
        "Bruno Lemaire": 1,
    }
    assert sum(entry["count"] for entry in facets["month"]) == 3


def test_pagination_and_date_sort(api, world):
    for number in range(5):
        write(api, world["author"], world["open"], title=f"Dépêche {number}", body="dépêche")
    first = search(api, world["reader"], q="depeche", sort="date", limit=2)
    assert [item["title"] for item in first["items"]] == ["Dépêche 4", "Dépêche 3"]
    assert first["total"] == 5 and first["items"][0]["score"] is None
    second = search(api, world["reader"], q="depeche", sort="date", limit=2, cursor=first["next"])
    third = search(api, world["reader"], q="depeche", sort="date", limit=2, cursor=second["next"])
    assert [item["title"] for item in second["items"] + third["items"]] == [
        "Dépêche 2",
        "Dépêche 1",
        "Dépêche 0",
    ]
    assert third["next"] is None


def test_priority_boost_puts_urgent_posts_first(api, world):
    write(api, world["author"], world["open"], title="Sahel sahel", body="sahel sahel")
    write(api, world["author"], world["open"], title="Point", body="sahel", priority="flash")
    plain = search(api, world["reader"], q="sahel")
    boosted = search(api, world["reader"], q="sahel", priority_boost="true")
    assert plain["items"][0]["title"] == "Sahel sahel"
    assert boosted["items"][0]["title"] == "Point"


def test_comments_are_found_and_lead_to_their_post(api, world):
    post = write(api, world["author"], world["open"], title="Note", body="Texte")
    comment = api(world["reader"]).post(
        f"/api/v1/posts/{post['id']}/comments", json={"body": "Vu avec l'ambassade"}
    )
    assert comment.status_code == 201, comment.get_json()
    result = search(api, world["author"], q="ambassade")
    assert [(item["kind"], item["id"], item["post_id"]) for item in result["items"]] == [
        ("comment", comment.get_json()["id"], post["id"])
    ]
    assert result["items"][0]["author"]["name"] == "Bruno Lemaire"
    assert result["items"][0]["title"] == "Note"


def test_edits_and_deletions_follow_the_database(api, world):
    post = write(api, world["author"], world["open"], title="Brouillon", body="Premier jet")
    client = api(world["author"])
    comment = client.post(
        f"/api/v1/posts/{post['id']}/comments", json={"body": "Remarque logistique"}
    ).get_json()
    assert client.patch(f"/api/v1/posts/{post['id']}", json={"title": "Version finale"}).status_code == 200
    assert search(api, world["reader"], q="brouillon")["total"] == 0
    assert titles(search(api, world["reader"], q="finale")) == ["Version finale"]
    assert (
        client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Remarque budgétaire"}).status_code
        == 200
    )
    assert search(api, world["reader"], q="logistique")["total"] == 0
    assert search(api, world["reader"], q="budgetaire")["total"] == 1
    assert client.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    assert search(api, world["reader"], q="finale")["total"] == 0
    assert search(api, world["reader"], q="budgetaire")["total"] == 0  # its comments go with it


def test_a_rolled_back_write_changes_nothing(app, api, world):
    from communities.models import Community
    from feed.posts import create_post
    from rse.accounts.models import User
    from rse.extensions import db
    from search.outbox import pending_count

    with app.app_context():
        create_post(
            db.session.get(User, world["author"]), db.session.get(Community, world["open"]["id"]),
            title="Annulé", body="Jamais publié",
        )  # fmt: skip
        db.session.rollback()
        assert pending_count() == 0
        db.session.remove()
    assert search(api, world["reader"], q="annule")["total"] == 0


def test_a_refused_request_writes_nothing_to_the_index(api, world):
    response = api(world["author"]).post(
        f"/api/v1/communities/{world['open']['id']}/posts",
        json={"title": "Refusé", "body": "Refusé", "qualification": "action"},
    )
    assert response.status_code == 422
    assert search(api, world["author"], q="refuse")["total"] == 0


def test_search_requires_authentication(api):
    assert api(None).get("/api/v1/search?q=x").status_code == 401
