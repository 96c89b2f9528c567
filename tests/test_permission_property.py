"""The per-object rules of ``rse.permissions`` and its SQL filters always agree, on random worlds.

Each example builds ministries and units, people with random units, roles and active flags,
communities of every visibility and scope, memberships and posts (some deleted), then compares, for
every pair, the ``can_*`` answer with the matching query: the lists, counts, search hits and addressee
expansions built on the filters must never show more or less than the single-object checks allow.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, true

from rse.extensions import db as _db

ROLES = ("curator", "manager", "admin")


def _empty_tables() -> None:
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(delete(table))
    _db.session.commit()


def _build(data) -> dict:
    """Draw and store a random world; return the ids of what was made."""
    from communities.models import VISIBILITIES, Community, Membership
    from feed.models import Post
    from rse.accounts.services import create_user
    from rse.db_types import utcnow
    from rse.units.services import ensure_path

    ministries = [ensure_path(f"M{m}") for m in range(data.draw(st.integers(1, 3), label="ministries"))]
    units = list(ministries)
    for m, depth in data.draw(
        st.lists(st.tuples(st.integers(0, len(ministries) - 1), st.integers(1, 2)), max_size=4),
        label="sub-units",
    ):
        units.append(ensure_path("/".join([f"M{m}", *[f"S{len(units)}-{d}" for d in range(depth)]])))

    people = data.draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.sampled_from(range(len(units)))),  # unit
                st.frozensets(st.sampled_from(ROLES)),  # roles
                st.booleans() | st.just(True),  # active, mostly
            ),
            min_size=1,
            max_size=6,
        ),
        label="users",
    )
    users = []
    for number, (unit_index, roles, active) in enumerate(people):
        user = create_user(
            email=f"u{number}@example.gouv.fr",
            name=f"User {number}",
            password=None,
            roles=sorted(roles),
            unit=units[unit_index] if unit_index is not None else None,
        )
        user.active = active
        users.append(user)

    shapes = data.draw(
        st.lists(
            st.tuples(st.sampled_from(VISIBILITIES), st.none() | st.sampled_from(range(len(ministries)))),
            min_size=1,
            max_size=5,
        ),
        label="communities",
    )
    communities = []
    for number, (visibility, ministry_index) in enumerate(shapes):
        community = Community(
            slug=f"c{number}",
            name=f"Community {number}",
            visibility=visibility,
            ministry_id=ministries[ministry_index].id if ministry_index is not None else None,
        )
        _db.session.add(community)
        communities.append(community)
    _db.session.flush()

    memberships = data.draw(
        st.dictionaries(
            st.tuples(st.sampled_from(range(len(users))), st.sampled_from(range(len(communities)))),
            st.sampled_from(("member", "animator")),
            max_size=12,
        ),
        label="memberships",
    )
    for (user_index, community_index), role in memberships.items():
        _db.session.add(
            Membership(user_id=users[user_index].id, community_id=communities[community_index].id, role=role)
        )

    posts = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(range(len(communities))), st.sampled_from(range(len(users))), st.booleans()
            ),
            max_size=8,
        ),
        label="posts",
    )
    for community_index, author_index, deleted in posts:
        _db.session.add(
            Post(
                community_id=communities[community_index].id,
                author_id=users[author_index].id,
                title="Post",
                body="Texte",
                body_html="<p>Texte</p>",
                deleted_at=utcnow() if deleted else None,
            )
        )
    _db.session.commit()
    return {"users": [user.id for user in users]}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_object_rules_and_query_filters_agree(app, data):
    from communities.models import Community
    from feed.models import Post
    from rse import permissions
    from rse.accounts.models import User

    with app.app_context():
        _db.session.remove()
        _empty_tables()
        try:
            _build(data)
            _db.session.remove()  # a fresh session: no cached memberships, everything reloaded

            users = list(_db.session.scalars(select(User).order_by(User.id)))
            communities = list(_db.session.scalars(select(Community).order_by(Community.id)))
            posts = list(_db.session.scalars(select(Post).order_by(Post.id)))
            for user in [None, *users]:
                who = "anonymous" if user is None else f"user {user.id} ({user.roles}, active={user.active})"
                known = set(_db.session.scalars(select(Community).where(permissions.known_communities(user))))
                readable_ids = set(_db.session.scalars(permissions.readable_community_ids(user)))
                readable_posts = set(
                    _db.session.scalars(select(Post).where(permissions.readable_posts(user)))
                )
                for community in communities:
                    assert permissions.can_know_community(user, community) == (community in known), (
                        who,
                        community,
                        "know",
                    )
                    assert permissions.can_read_community(user, community) == (
                        community.id in readable_ids
                    ), (who, community, "read")
                for post in posts:
                    assert permissions.can_read_post(user, post) == (post in readable_posts), (
                        who,
                        post.id,
                        post.community,
                        post.deleted_at,
                    )
            # The condition for many people at once (live desk counts) gives the same pairs.
            pairs = set(
                _db.session.execute(
                    # Every (person, post) pair, on purpose: a cross join, kept by the condition.
                    select(User.id, Post.id)
                    .join(Post, true())
                    .where(permissions.readable_posts_for_each(users, User.id))
                ).all()
            )
            expected_pairs = {
                (user.id, post.id)
                for user in users
                for post in posts
                if permissions.can_read_post(user, post)
            }
            assert pairs == expected_pairs
            for community in communities:
                readers = set(
                    _db.session.scalars(select(User.id).where(permissions.readers_of_community(community)))
                )
                expected = {
                    user.id
                    for user in users
                    if permissions.can_read_community(user, community) and user.active
                }
                assert readers == expected, (community, readers, expected)
        finally:
            _db.session.rollback()
            _db.session.remove()
