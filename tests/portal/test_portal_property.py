"""Who reads a portal item: the per-object rule and the SQL filter agree, on random items and people."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from rse.extensions import db as _db

HOURS = st.integers(-72, 72)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(st.frozensets(st.sampled_from(("curator", "admin"))), st.booleans()), max_size=4
    ),
    items=st.lists(st.tuples(HOURS, st.none() | HOURS, st.booleans()), min_size=1, max_size=6),
)
def test_portal_item_rule_and_filter_agree(app, people, items):
    from communities.models import Community
    from feed.models import Post
    from portal.models import PortalItem, PortalSection
    from rse import permissions
    from rse.accounts.models import User
    from rse.accounts.services import create_user
    from rse.db_types import utcnow

    with app.app_context():
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(delete(table))
        try:
            now = utcnow()
            users = []
            for number, (roles, active) in enumerate(people):
                user = create_user(
                    email=f"p{number}@example.gouv.fr", name="P", password=None, roles=sorted(roles)
                )
                user.active = active
                users.append(user)
            author = create_user(email="author@example.gouv.fr", name="A", password=None)
            community = Community(slug="c", name="C", visibility="secret")
            _db.session.add(community)
            _db.session.flush()
            post = Post(community_id=community.id, author_id=author.id, title="T", body="B", body_html="B")
            section = PortalSection(name="S", slug="s", created_by_id=author.id)
            _db.session.add_all([post, section])
            _db.session.flush()
            for published, ends, unpublished in items:
                _db.session.add(
                    PortalItem(
                        section_id=section.id,
                        post_id=post.id,
                        headline="H",
                        body="B",
                        body_html="B",
                        published_at=now + timedelta(hours=published),
                        ends_at=None if ends is None else now + timedelta(hours=ends),
                        published_by_id=author.id,
                        unpublished_at=now if unpublished else None,
                    )
                )
            _db.session.commit()
            _db.session.remove()

            everyone = [None, *_db.session.scalars(select(User).order_by(User.id))]
            all_items = list(_db.session.scalars(select(PortalItem)))
            for user in everyone:
                listed = set(
                    _db.session.scalars(select(PortalItem).where(permissions.readable_portal_items(user)))
                )
                for item in all_items:
                    assert permissions.can_read_portal_item(user, item) == (item in listed), (
                        user and user.roles,
                        item.published_at,
                        item.ends_at,
                        item.unpublished_at,
                    )
        finally:
            _db.session.rollback()
            _db.session.remove()
