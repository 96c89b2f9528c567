"""Post objects as the API contract shapes them, loaded in a few queries for a whole page."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from feed.models import Post, PostMention, PostRead, PostRecipient, Reaction
from rse.accounts.models import User
from rse.extensions import db
from rse.units.models import Unit


def present_posts(viewer: User, posts: list[Post]) -> list[dict]:
    if not posts:
        return []
    ids = [post.id for post in posts]
    user_ids = {row.target_id for post in posts for row in post.addressees if row.target_type == "user"}
    unit_ids = {row.target_id for post in posts for row in post.addressees if row.target_type == "unit"}
    user_names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
    unit_paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(unit_ids))).all())
    mentions: dict[int, list[dict]] = defaultdict(list)
    for post_id, user_id, name in db.session.execute(
        select(PostMention.post_id, User.id, User.name)
        .join(User, User.id == PostMention.user_id)
        .where(PostMention.post_id.in_(ids))
        .order_by(User.name)
    ):
        mentions[post_id].append({"id": user_id, "name": name})
    reactions: dict[int, dict[str, int]] = defaultdict(dict)
    for post_id, emoji, count in db.session.execute(
        select(Reaction.post_id, Reaction.emoji, func.count())
        .where(Reaction.post_id.in_(ids))
        .group_by(Reaction.post_id, Reaction.emoji)
    ):
        reactions[post_id][emoji] = count
    my_reactions: dict[int, list[str]] = defaultdict(list)
    for post_id, emoji in db.session.execute(
        select(Reaction.post_id, Reaction.emoji).where(
            Reaction.post_id.in_(ids), Reaction.user_id == viewer.id
        )
    ):
        my_reactions[post_id].append(emoji)
    reads = dict(
        db.session.execute(
            select(PostRead.post_id, PostRead.read_at).where(
                PostRead.user_id == viewer.id, PostRead.post_id.in_(ids)
            )
        ).all()
    )
    mine = {
        row.post_id: row
        for row in db.session.execute(
            select(PostRecipient.post_id, PostRecipient.kind, PostRecipient.done_at).where(
                PostRecipient.user_id == viewer.id, PostRecipient.post_id.in_(ids)
            )
        )
    }

    def refs(post: Post, kind: str) -> list[dict]:
        return [
            {
                "type": row.target_type,
                "id": row.target_id,
                "name": user_names.get(row.target_id)
                if row.target_type == "user"
                else unit_paths.get(row.target_id),
            }
            for row in sorted(post.addressees, key=lambda r: (r.target_type, r.target_id))
            if row.kind == kind
        ]

    return [
        {
            "id": post.id,
            "community": {"id": post.community.id, "name": post.community.name, "slug": post.community.slug},
            "author": {"id": post.author.id, "name": post.author.name},
            "title": post.title,
            "body": post.body,
            "body_html": post.body_html,
            "qualification": post.qualification,
            "priority": post.priority,
            "action_addressees": refs(post, "action"),
            "info_addressees": refs(post, "information"),
            "due_at": post.due_at,
            "tags": post.tags,
            "mentions": mentions.get(post.id, []),
            "comment_count": post.comment_count,
            "reactions": reactions.get(post.id, {}),
            "my_reactions": my_reactions.get(post.id, []),
            "created_at": post.created_at,
            "updated_at": post.updated_at,
            # Authors have read what they wrote.
            "read_at": reads.get(post.id) or (post.created_at if post.author_id == viewer.id else None),
            "done_at": mine[post.id].done_at if post.id in mine else None,
            "is_action_for_me": post.id in mine and mine[post.id].kind == "action",
        }
        for post in posts
    ]


def present_post(viewer: User, post: Post) -> dict:
    return present_posts(viewer, [post])[0]
