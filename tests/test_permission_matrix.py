"""Who may see or do what, as one table: viewers x community visibilities x actions, through the API.

Each row of ``MATRIX`` is one viewer facing one community; its cells are the statuses the rules in the
issue call for, written out by hand (never computed from ``rse.permissions``). One test per row builds
a small world, plays every action in a fixed order (reads first, writes on posts made for them, join
last) and reports every cell that differs at once.

Every 404 must also be indistinguishable from a request for an id that never existed: same status,
same body apart from ``instance``.
"""

from __future__ import annotations

import pytest

from rse.extensions import db as _db

NO_SUCH_ID = 987_654_321

# Viewers
#   anonymous            no credentials
#   other_ministry       agent of MINARM, member of nothing
#   non_member           agent of MEAE, member of nothing
#   member               agent of MEAE, member of every community
#   member_elsewhere     agent of MINARM, member of every community (members see theirs, any ministry)
#   animator             agent of MEAE, animator of every community (and author of the "edit" post)
#   curator              agent of MEAE with the curator role, member of nothing
#   manager              agent of MEAE who manages the MEAE units, member of nothing
#   admin                agent of MEAE with the admin role, member of nothing
#   admin_elsewhere      agent of MINARM with the admin role, member of nothing
#   deactivated          former member of everything whose account was deactivated
#
# Communities: open, restricted and secret are scoped to MEAE; inter is open and inter-ministerial.
#
# Actions
#   list     is the community in GET /communities: "in", "out", or 401
#   read     GET /communities/<id>/posts and GET /posts/<id> (both must answer this)
#   post     POST /communities/<id>/posts
#   comment  POST /posts/<id>/comments
#   edit     PATCH /posts/<id> {"title"} on the animator's post
#   qualify  PATCH /posts/<id> {"qualification": "information"} on a third person's post
#   delete   DELETE /posts/<id> on a third person's post
#   join     POST /communities/<id>/join (200 {"status": "member"}, 202 {"status": "pending"})

ACTIONS = ("list", "read", "post", "comment", "edit", "qualify", "delete", "join")

# fmt: off
MATRIX = [
    # viewer              community     list   read post comment edit qualify delete join
    ("anonymous",         "open",       401,   401, 401, 401,    401, 401,    401,   401),
    ("anonymous",         "restricted", 401,   401, 401, 401,    401, 401,    401,   401),
    ("anonymous",         "secret",     401,   401, 401, 401,    401, 401,    401,   401),
    ("anonymous",         "inter",      401,   401, 401, 401,    401, 401,    401,   401),

    ("other_ministry",    "open",       "out", 404, 404, 404,    404, 404,    404,   404),
    ("other_ministry",    "restricted", "out", 404, 404, 404,    404, 404,    404,   404),
    ("other_ministry",    "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("other_ministry",    "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    ("non_member",        "open",       "in",  200, 201, 201,    403, 403,    403,   200),
    ("non_member",        "restricted", "in",  403, 403, 403,    403, 403,    403,   202),
    ("non_member",        "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("non_member",        "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    ("member",            "open",       "in",  200, 201, 201,    403, 403,    403,   200),
    ("member",            "restricted", "in",  200, 201, 201,    403, 403,    403,   200),
    ("member",            "secret",     "in",  200, 201, 201,    403, 403,    403,   200),
    ("member",            "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    ("member_elsewhere",  "open",       "in",  200, 201, 201,    403, 403,    403,   200),
    ("member_elsewhere",  "restricted", "in",  200, 201, 201,    403, 403,    403,   200),
    ("member_elsewhere",  "secret",     "in",  200, 201, 201,    403, 403,    403,   200),
    ("member_elsewhere",  "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    ("animator",          "open",       "in",  200, 201, 201,    200, 200,    204,   200),
    ("animator",          "restricted", "in",  200, 201, 201,    200, 200,    204,   200),
    ("animator",          "secret",     "in",  200, 201, 201,    200, 200,    204,   200),
    ("animator",          "inter",      "in",  200, 201, 201,    200, 200,    204,   200),

    ("curator",           "open",       "in",  200, 201, 201,    403, 403,    403,   200),
    ("curator",           "restricted", "in",  403, 403, 403,    403, 403,    403,   202),
    ("curator",           "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("curator",           "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    ("manager",           "open",       "in",  200, 201, 201,    403, 403,    403,   200),
    ("manager",           "restricted", "in",  403, 403, 403,    403, 403,    403,   202),
    ("manager",           "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("manager",           "inter",      "in",  200, 201, 201,    403, 403,    403,   200),

    # Admins read open and restricted communities of any ministry (moderation) and may delete there;
    # they write only where an agent of their own could, and never see a secret community.
    ("admin",             "open",       "in",  200, 201, 201,    403, 403,    204,   200),
    ("admin",             "restricted", "in",  200, 403, 403,    403, 403,    204,   202),
    ("admin",             "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("admin",             "inter",      "in",  200, 201, 201,    403, 403,    204,   200),

    # An admin of another ministry knows MEAE's open and restricted communities, so a refused write or
    # join there is a 403 (the caller may know the object exists), not a 404.
    ("admin_elsewhere",   "open",       "in",  200, 403, 403,    403, 403,    204,   403),
    ("admin_elsewhere",   "restricted", "in",  200, 403, 403,    403, 403,    204,   403),
    ("admin_elsewhere",   "secret",     "out", 404, 404, 404,    404, 404,    404,   404),
    ("admin_elsewhere",   "inter",      "in",  200, 201, 201,    403, 403,    204,   200),

    ("deactivated",       "open",       401,   401, 401, 401,    401, 401,    401,   401),
    ("deactivated",       "restricted", 401,   401, 401, 401,    401, 401,    401,   401),
    ("deactivated",       "secret",     401,   401, 401, 401,    401, 401,    401,   401),
    ("deactivated",       "inter",      401,   401, 401, 401,    401, 401,    401,   401),
]
# fmt: on

COMMUNITIES = {
    # key: (visibility, scoped to MEAE?)
    "open": ("open", True),
    "restricted": ("restricted", True),
    "secret": ("secret", True),
    "inter": ("open", False),
}


@pytest.fixture
def world(app) -> dict:
    """Users, communities, memberships, posts and tokens, straight through the services.

    Users have no password (no hashing): the API is reached with personal tokens.
    """
    from communities import services as communities
    from feed import posts
    from rse import permissions
    from rse.accounts.models import User
    from rse.accounts.services import create_token, create_user, deactivate_user
    from rse.units.services import ensure_path

    with app.app_context():
        meae = ensure_path("MEAE/DGM/Afrique")
        minarm = ensure_path("MINARM/EMA")
        meae_root = ensure_path("MEAE")

        def person(key, unit, roles=(), manages=()):
            return create_user(
                email=f"{key}@example.gouv.fr",
                name=key.replace("_", " ").title(),
                password=None,
                roles=list(roles),
                unit=unit,
                manages=list(manages),
            )

        users = {
            "animator": person("animator", meae),
            "writer": person("writer", meae),  # author of the posts that others qualify and delete
            "member": person("member", meae),
            "member_elsewhere": person("member_elsewhere", minarm),
            "deactivated": person("deactivated", meae),
            "other_ministry": person("other_ministry", minarm),
            "non_member": person("non_member", meae),
            "curator": person("curator", meae, roles=["curator"]),
            "manager": person("manager", meae, manages=[meae_root]),
            "admin": person("admin", meae, roles=["admin"]),
            "admin_elsewhere": person("admin_elsewhere", minarm, roles=["admin"]),
        }
        world: dict = {"communities": {}, "posts": {}}
        for key, (visibility, scoped) in COMMUNITIES.items():
            community = communities.create_community(
                users["animator"],
                name=f"Communauté {key}",
                visibility=visibility,
                ministry_id=meae_root.id if scoped else None,
            )
            for name in ("writer", "member", "member_elsewhere", "deactivated"):
                communities.add_member(users["animator"], community, users[name].id)
            for user in users.values():
                permissions.forget_memberships(user)

            def write(author, title, community=community):
                return posts.create_post(author, community, title=title, body="Texte").id

            world["communities"][key] = community.id
            world["posts"][key] = {
                "read": write(users["writer"], "À lire"),
                "comment": write(users["writer"], "À commenter"),
                "edit": write(users["animator"], "De l'animateur"),
                "qualify": write(users["writer"], "À qualifier"),
                "delete": write(users["writer"], "À supprimer"),
            }
        _db.session.commit()
        tokens = {key: create_token(user, "matrix")[1] for key, user in users.items()}
        # A former member: deactivation revokes their tokens; the one the matrix uses is made
        # afterwards, so that an inactive account's unrevoked token is shown to be refused too.
        tokens["deactivated_revoked"] = tokens["deactivated"]
        deactivate_user(users["deactivated"])
        tokens["deactivated"] = create_token(users["deactivated"], "after deactivation")[1]
        _db.session.commit()
        assert _db.session.get(User, users["deactivated"].id).active is False
        _db.session.remove()
    tokens["anonymous"] = None
    world["tokens"] = tokens
    return world


def _problem_without_instance(response) -> dict:
    body = dict(response.get_json() or {})
    body.pop("instance", None)
    return body


def _perform(client, world, community_key, action):
    """Do one action; return (response, the same request on an id that never existed)."""
    community_id = world["communities"][community_key]
    post_ids = world["posts"][community_key]
    if action == "post":
        payload = {"title": "Nouveau", "body": "Texte"}
        return (
            client.post(f"/api/v1/communities/{community_id}/posts", json=payload),
            lambda: client.post(f"/api/v1/communities/{NO_SUCH_ID}/posts", json=payload),
        )
    if action == "comment":
        payload = {"body": "Un commentaire"}
        return (
            client.post(f"/api/v1/posts/{post_ids['comment']}/comments", json=payload),
            lambda: client.post(f"/api/v1/posts/{NO_SUCH_ID}/comments", json=payload),
        )
    if action in ("edit", "qualify"):
        payload = {"title": "Titre changé"} if action == "edit" else {"qualification": "information"}
        return (
            client.patch(f"/api/v1/posts/{post_ids[action]}", json=payload),
            lambda: client.patch(f"/api/v1/posts/{NO_SUCH_ID}", json=payload),
        )
    if action == "delete":
        return (
            client.delete(f"/api/v1/posts/{post_ids['delete']}"),
            lambda: client.delete(f"/api/v1/posts/{NO_SUCH_ID}"),
        )
    if action == "join":
        return (
            client.post(f"/api/v1/communities/{community_id}/join"),
            lambda: client.post(f"/api/v1/communities/{NO_SUCH_ID}/join"),
        )
    raise AssertionError(action)


@pytest.mark.parametrize(
    ("viewer", "community", "expected"),
    [(viewer, community, dict(zip(ACTIONS, cells, strict=True))) for viewer, community, *cells in MATRIX],
    ids=[f"{row[0]}-{row[1]}" for row in MATRIX],
)
def test_permission_matrix(app, world, viewer, community, expected):
    from tests.conftest import ApiClient

    client = ApiClient(app.test_client(), world["tokens"][viewer])
    community_id = world["communities"][community]
    mismatches: list[str] = []

    def check(action, response, wanted, missing=None):
        cell = f"{viewer} x {community} x {action}"
        if response.status_code != wanted:
            mismatches.append(f"{cell}: expected {wanted}, got {response.status_code} {response.get_json()}")
            return
        if wanted == 404 and missing is not None:
            hidden, absent = _problem_without_instance(response), _problem_without_instance(missing())
            if hidden != absent:
                mismatches.append(f"{cell}: 404 body {hidden} differs from a missing id's {absent}")
        if action == "join" and wanted in (200, 202):
            status = (response.get_json() or {}).get("status")
            if status != ("member" if wanted == 200 else "pending"):
                mismatches.append(f"{cell}: {wanted} with body {response.get_json()}")

    # list
    listing = client.get("/api/v1/communities?limit=100")
    if expected["list"] == 401:
        check("list", listing, 401)
    elif listing.status_code != 200:
        mismatches.append(f"{viewer} x {community} x list: got {listing.status_code}")
    else:
        listed = community_id in {item["id"] for item in listing.get_json()["items"]}
        if listed != (expected["list"] == "in"):
            mismatches.append(f"{viewer} x {community} x list: expected {expected['list']}, listed={listed}")

    # read: the community's posts, and one post
    read_post = world["posts"][community]["read"]
    check(
        "read (posts list)",
        client.get(f"/api/v1/communities/{community_id}/posts"),
        expected["read"],
        lambda: client.get(f"/api/v1/communities/{NO_SUCH_ID}/posts"),
    )
    check(
        "read (post)",
        client.get(f"/api/v1/posts/{read_post}"),
        expected["read"],
        lambda: client.get(f"/api/v1/posts/{NO_SUCH_ID}"),
    )

    # writes, each on its own post, join last since it changes the viewer's membership
    for action in ("post", "comment", "edit", "qualify", "delete", "join"):
        response, missing = _perform(client, world, community, action)
        check(action, response, expected[action], missing)

    if viewer == "deactivated":
        revoked = ApiClient(app.test_client(), world["tokens"]["deactivated_revoked"])
        if revoked.get("/api/v1/communities").status_code != 401:
            mismatches.append("deactivated: the token revoked at deactivation still works")

    assert not mismatches, "\n" + "\n".join(mismatches)


# Portal and curation ----------------------------------------------------------------------------
#
# The same world, with one live portal item per community (restricted and secret ones approved by
# their animator), a scheduled item, and two proposals by a member waiting: one of the restricted
# community (for an animator's approval) and one of the open community (for a curator's decision).
#
# Actions
#   portal     GET /portal
#   item       GET /portal/items/<id> of the secret community's item (the portal is for everyone)
#   scheduled  GET /portal/items/<id> of an item whose publication time is ahead
#   comment    POST /portal/items/<id>/comments on the secret community's item
#   react      POST /portal/items/<id>/reactions on the secret community's item
#   links      the communities whose item gives the caller its source_post_id (others give null)
#   propose    POST /posts/<id>/propose on a restricted community's post
#   approve    POST /curation/proposals/<id>/approve on the restricted community's waiting proposal
#   decline    POST /curation/proposals/<id>/decline on the open community's waiting proposal
#   queue      GET /curation/queue
#   publish    POST /portal/items with an open community's post
#   section    POST /portal/sections

PORTAL_ACTIONS = (
    "portal", "item", "scheduled", "comment", "react", "links",
    "propose", "approve", "decline", "queue", "publish", "section",
)  # fmt: skip
_ALL = ("open", "restricted", "secret", "inter")
_OPEN = ("open", "inter")
_ADMIN = ("open", "restricted", "inter")

# fmt: off
PORTAL_MATRIX = [
    # viewer              portal item scheduled comment react links   propose approve decline queue publish section
    ("anonymous",         401,   401, 401,      401,    401,  401,    401,    401,    401,    401,  401,    401),
    ("other_ministry",    200,   200, 404,      201,    200,  ("inter",), 404, 404,   404,    403,  403,    403),
    ("non_member",        200,   200, 404,      201,    200,  _OPEN,  403,    404,    403,    403,  403,    403),
    ("member",            200,   200, 404,      201,    200,  _ALL,   201,    403,    403,    403,  403,    403),
    ("member_elsewhere",  200,   200, 404,      201,    200,  _ALL,   201,    403,    403,    403,  403,    403),
    ("animator",          200,   200, 404,      201,    200,  _ALL,   201,    200,    403,    200,  403,    403),
    ("curator",           200,   200, 200,      201,    200,  _OPEN,  403,    403,    200,    200,  201,    201),
    ("manager",           200,   200, 404,      201,    200,  _OPEN,  403,    404,    403,    403,  403,    403),
    ("admin",             200,   200, 404,      201,    200,  _ADMIN, 403,    403,    403,    403,  403,    403),
    ("admin_elsewhere",   200,   200, 404,      201,    200,  _ADMIN, 403,    403,    403,    403,  403,    403),
    ("deactivated",       401,   401, 401,      401,    401,  401,    401,    401,    401,    401,  401,    401),
]
# fmt: on


@pytest.fixture
def portal_world(app, world) -> dict:
    from datetime import timedelta

    from feed.models import Post
    from portal import curation
    from portal import services as portal
    from rse.accounts.models import User
    from rse.db_types import utcnow

    with app.app_context():

        def user(key):
            return _db.session.scalar(_db.select(User).where(User.email == f"{key}@example.gouv.fr"))

        curator, animator, member = user("curator"), user("animator"), user("member")
        section = portal.create_section(curator, "À la une")
        items = {}
        for key in COMMUNITIES:
            post = _db.session.get(Post, world["posts"][key]["read"])
            if key in ("restricted", "secret"):
                curation.propose(animator, post, "Approuvé par l'animateur")
            items[key] = portal.publish(curator, post.id, section_id=section.id, headline=f"Portail {key}").id
        scheduled = portal.publish(
            curator,
            world["posts"]["inter"]["edit"],
            section_id=section.id,
            headline="Plus tard",
            publish_at=utcnow() + timedelta(days=1),
        ).id
        waiting = {
            key: curation.propose(member, _db.session.get(Post, world["posts"][key]["comment"]), "À voir").id
            for key in ("restricted", "open")
        }
        _db.session.commit()
        section_id = section.id
        _db.session.remove()
    return {"items": items, "scheduled": scheduled, "waiting": waiting, "section": section_id}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [(viewer, dict(zip(PORTAL_ACTIONS, cells, strict=True))) for viewer, *cells in PORTAL_MATRIX],
    ids=[row[0] for row in PORTAL_MATRIX],
)
def test_portal_permission_matrix(app, world, portal_world, viewer, expected):
    from tests.conftest import ApiClient

    client = ApiClient(app.test_client(), world["tokens"][viewer])
    secret_item = portal_world["items"]["secret"]
    mismatches: list[str] = []

    def check(action, response, missing=None):
        wanted = expected[action]
        if response.status_code != wanted:
            mismatches.append(
                f"{viewer} x {action}: expected {wanted}, got {response.status_code} {response.get_json()}"
            )
        elif (
            wanted == 404
            and missing is not None
            and _problem_without_instance(response) != _problem_without_instance(missing())
        ):
            mismatches.append(f"{viewer} x {action}: a 404 unlike a missing id's")

    check("portal", client.get("/api/v1/portal"))
    check("item", client.get(f"/api/v1/portal/items/{secret_item}"))
    check(
        "scheduled",
        client.get(f"/api/v1/portal/items/{portal_world['scheduled']}"),
        lambda: client.get(f"/api/v1/portal/items/{NO_SUCH_ID}"),
    )
    if expected["links"] == 401:
        check("links", client.get(f"/api/v1/portal/items/{secret_item}"))
    else:
        linked = {
            key
            for key, item_id in portal_world["items"].items()
            if client.get(f"/api/v1/portal/items/{item_id}").get_json()["source_post_id"] is not None
        }
        if linked != set(expected["links"]):
            mismatches.append(f"{viewer} x links: expected {sorted(expected['links'])}, got {sorted(linked)}")
    check("queue", client.get("/api/v1/curation/queue"))

    check("comment", client.post(f"/api/v1/portal/items/{secret_item}/comments", json={"body": "Merci"}))
    check("react", client.post(f"/api/v1/portal/items/{secret_item}/reactions", json={"emoji": "👍"}))
    restricted_post = world["posts"]["restricted"]["qualify"]
    check(
        "propose",
        client.post(f"/api/v1/posts/{restricted_post}/propose", json={"note": "À la une ?"}),
        lambda: client.post(f"/api/v1/posts/{NO_SUCH_ID}/propose", json={"note": "À la une ?"}),
    )
    check(
        "approve",
        client.post(f"/api/v1/curation/proposals/{portal_world['waiting']['restricted']}/approve"),
        lambda: client.post(f"/api/v1/curation/proposals/{NO_SUCH_ID}/approve"),
    )
    check(
        "decline",
        client.post(
            f"/api/v1/curation/proposals/{portal_world['waiting']['open']}/decline", json={"note": "Non"}
        ),
        lambda: client.post(f"/api/v1/curation/proposals/{NO_SUCH_ID}/decline", json={"note": "Non"}),
    )
    publish = {
        "post_id": world["posts"]["open"]["edit"],
        "section_id": portal_world["section"],
        "headline": "Titre",
    }
    check("publish", client.post("/api/v1/portal/items", json=publish))
    check("section", client.post("/api/v1/portal/sections", json={"name": "Nouvelle rubrique"}))

    assert not mismatches, "\n" + "\n".join(mismatches)


# Statistics -------------------------------------------------------------------------------------
#
# The same world. Curators see the figures of the posts they read and of the portal; animators
# those of their community and its posts; everyone else is refused (403), and what they may not
# even know of answers like a missing id (404).
#
# Actions
#   post_<visibility>       GET /stats/posts/<id> of that community's post
#   community_<visibility>  GET /stats/communities/<id>
#   portal                  GET /stats/portal

STATS_ACTIONS = (
    "post_open", "post_restricted", "post_secret",
    "community_open", "community_restricted", "community_secret", "portal",
)  # fmt: skip

# fmt: off
STATS_MATRIX = [
    # viewer              post: open restricted secret  community: open restricted secret  portal
    ("anonymous",         401, 401, 401,                401, 401, 401,                     401),
    ("other_ministry",    404, 404, 404,                404, 404, 404,                     403),
    ("non_member",        403, 403, 404,                403, 403, 404,                     403),
    ("member",            403, 403, 403,                403, 403, 403,                     403),
    ("member_elsewhere",  403, 403, 403,                403, 403, 403,                     403),
    ("animator",          200, 200, 200,                200, 200, 200,                     403),
    ("curator",           200, 403, 404,                403, 403, 404,                     200),
    ("manager",           403, 403, 404,                403, 403, 404,                     403),
    ("admin",             403, 403, 404,                403, 403, 404,                     403),
    ("admin_elsewhere",   403, 403, 404,                403, 403, 404,                     403),
    ("deactivated",       401, 401, 401,                401, 401, 401,                     401),
]
# fmt: on


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [(viewer, dict(zip(STATS_ACTIONS, cells, strict=True))) for viewer, *cells in STATS_MATRIX],
    ids=[row[0] for row in STATS_MATRIX],
)
def test_stats_permission_matrix(app, world, viewer, expected):
    from tests.conftest import ApiClient

    client = ApiClient(app.test_client(), world["tokens"][viewer])
    mismatches: list[str] = []

    def check(action, response, missing=None):
        wanted = expected[action]
        if response.status_code != wanted:
            mismatches.append(
                f"{viewer} x {action}: expected {wanted}, got {response.status_code} {response.get_json()}"
            )
        elif (
            wanted == 404
            and missing is not None
            and _problem_without_instance(response) != _problem_without_instance(missing())
        ):
            mismatches.append(f"{viewer} x {action}: a 404 unlike a missing id's")

    for key in ("open", "restricted", "secret"):
        check(
            f"post_{key}",
            client.get(f"/api/v1/stats/posts/{world['posts'][key]['read']}"),
            lambda: client.get(f"/api/v1/stats/posts/{NO_SUCH_ID}"),
        )
        check(
            f"community_{key}",
            client.get(f"/api/v1/stats/communities/{world['communities'][key]}"),
            lambda: client.get(f"/api/v1/stats/communities/{NO_SUCH_ID}"),
        )
    check("portal", client.get("/api/v1/stats/portal"))

    assert not mismatches, "\n" + "\n".join(mismatches)


# Saved searches (veille) -------------------------------------------------------------------------
#
# The member owns a saved search that matched the open community's "read" post. A saved search,
# its matches and its "to my desk" shortcut are its owner's alone: anyone else gets the 404 of an
# id that never existed, whatever their role.
#
# Actions
#   list       is the saved search in GET /saved-searches: "in", "out", or 401
#   get        GET /saved-searches/<id>
#   matches    GET /saved-searches/<id>/matches
#   to_action  POST /saved-searches/<id>/matches/<post_id>/to-action
#   delete     DELETE /saved-searches/<id>

SAVED_SEARCH_ACTIONS = ("list", "get", "matches", "to_action", "delete")

# fmt: off
SAVED_SEARCH_MATRIX = [
    # viewer              list   get  matches to_action delete
    ("anonymous",         401,   401, 401,    401,      401),
    ("other_ministry",    "out", 404, 404,    404,      404),
    ("non_member",        "out", 404, 404,    404,      404),
    ("member",            "in",  200, 200,    200,      204),
    ("member_elsewhere",  "out", 404, 404,    404,      404),
    ("animator",          "out", 404, 404,    404,      404),
    ("curator",           "out", 404, 404,    404,      404),
    ("manager",           "out", 404, 404,    404,      404),
    ("admin",             "out", 404, 404,    404,      404),
    ("admin_elsewhere",   "out", 404, 404,    404,      404),
    ("deactivated",       401,   401, 401,    401,      401),
]
# fmt: on


@pytest.fixture
def saved_search_world(app, world) -> dict:
    from rse.accounts.models import User
    from search import veille
    from search.models import SavedSearchMatch

    with app.app_context():
        member = _db.session.scalar(_db.select(User).where(User.email == "member@example.gouv.fr"))
        saved = veille.create_saved_search(
            member, label="Veille", query="lire", filters={}, level="high_risk", alert="immediate"
        )
        _db.session.add(SavedSearchMatch(saved_search_id=saved.id, post_id=world["posts"]["open"]["read"]))
        _db.session.commit()
        saved_id = saved.id
        _db.session.remove()
    return {"saved": saved_id, "post": world["posts"]["open"]["read"]}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [(viewer, dict(zip(SAVED_SEARCH_ACTIONS, cells, strict=True))) for viewer, *cells in SAVED_SEARCH_MATRIX],
    ids=[row[0] for row in SAVED_SEARCH_MATRIX],
)
def test_saved_search_permission_matrix(app, world, saved_search_world, viewer, expected):
    from tests.conftest import ApiClient

    client = ApiClient(app.test_client(), world["tokens"][viewer])
    saved, post = saved_search_world["saved"], saved_search_world["post"]
    mismatches: list[str] = []

    def check(action, response, missing):
        wanted = expected[action]
        if response.status_code != wanted:
            mismatches.append(
                f"{viewer} x {action}: expected {wanted}, got {response.status_code} {response.get_json()}"
            )
        elif wanted == 404 and _problem_without_instance(response) != _problem_without_instance(missing()):
            mismatches.append(f"{viewer} x {action}: a 404 unlike a missing id's")

    listing = client.get("/api/v1/saved-searches")
    if expected["list"] == 401:
        if listing.status_code != 401:
            mismatches.append(f"{viewer} x list: expected 401, got {listing.status_code}")
    else:
        listed = saved in {item["id"] for item in listing.get_json()["items"]}
        if listed != (expected["list"] == "in"):
            mismatches.append(f"{viewer} x list: expected {expected['list']}, listed={listed}")
    check(
        "get",
        client.get(f"/api/v1/saved-searches/{saved}"),
        lambda: client.get(f"/api/v1/saved-searches/{NO_SUCH_ID}"),
    )
    check(
        "matches",
        client.get(f"/api/v1/saved-searches/{saved}/matches"),
        lambda: client.get(f"/api/v1/saved-searches/{NO_SUCH_ID}/matches"),
    )
    check(
        "to_action",
        client.post(f"/api/v1/saved-searches/{saved}/matches/{post}/to-action"),
        lambda: client.post(f"/api/v1/saved-searches/{NO_SUCH_ID}/matches/{post}/to-action"),
    )
    check(
        "delete",
        client.delete(f"/api/v1/saved-searches/{saved}"),
        lambda: client.delete(f"/api/v1/saved-searches/{NO_SUCH_ID}"),
    )
    assert not mismatches, "\n" + "\n".join(mismatches)
