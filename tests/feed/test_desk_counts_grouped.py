"""The live desk counts of many people at once say exactly what each person's own desk says."""

from __future__ import annotations

from sqlalchemy import delete, select

from communities.models import Community, Membership
from feed import desk
from feed.models import Post, PostRecipient
from rse.accounts.models import User
from rse.db_types import utcnow


def test_grouped_counts_equal_each_persons_counts_on_the_demo_world(app, db):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    # Rights that changed after the content was written: a member removed from a secret community
    # keeps recipient rows and notifications about posts they may no longer read; a deleted post
    # keeps its recipient rows.
    secret_member = db.session.execute(
        select(Membership)
        .join(Community, Community.id == Membership.community_id)
        .join(Post, Post.community_id == Community.id)
        .join(
            PostRecipient, (PostRecipient.post_id == Post.id) & (PostRecipient.user_id == Membership.user_id)
        )
        .where(Community.visibility == "secret", Membership.role == "member")
        .limit(1)
    ).scalar_one()
    db.session.execute(
        delete(Membership).where(
            Membership.user_id == secret_member.user_id, Membership.community_id == secret_member.community_id
        )
    )
    action_post = db.session.scalars(
        select(Post).where(Post.qualification == "action", Post.deleted_at.is_(None)).limit(1)
    ).one()
    action_post.deleted_at = utcnow()
    db.session.commit()

    users = list(db.session.scalars(select(User).order_by(User.id)))
    grouped = desk.counts_for_many(users)
    one_by_one = {user.id: desk.counts(user) for user in users if user.active}
    assert {user_id: grouped[user_id] for user_id in one_by_one} == one_by_one
    # The world is not trivial: the comparison covers actions, done items and notifications.
    assert sum(counts["todo"]["total"] for counts in one_by_one.values()) > 50
    assert sum(counts["done"]["total"] for counts in one_by_one.values()) > 0
    assert sum(counts["notifications"] for counts in one_by_one.values()) > 0
    assert one_by_one[secret_member.user_id] == grouped[secret_member.user_id]
