"""Comments (one level of replies) and reactions on posts."""

from __future__ import annotations

from sqlalchemy import select, update

from feed import notifications
from feed.models import AuditEvent, Comment, Post, Reaction, Revision
from feed.posts import get_post_or_404
from feed.rendering import render_markdown
from rse import events, permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Conflict, Forbidden, Invalid, NotFound, _l
from rse.extensions import db
from search.outbox import enqueue as enqueue_for_search

# A small fixed palette keeps reactions meaningful and the counts readable.
REACTIONS = ("👍", "❤️", "🎉", "👀", "✅", "🙏", "😄", "😮")


def comments_query(user: User, post: Post):
    return select(Comment).where(Comment.post_id == post.id, Comment.deleted_at.is_(None))


def get_comment_or_404(user: User, comment_id: int) -> tuple[Comment, Post]:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    post = get_post_or_404(user, comment.post_id)
    return comment, post


def create_comment(user: User, post: Post, body: str, parent_id: int | None = None) -> Comment:
    if not permissions.can_comment(user, post):
        raise Forbidden("Only members may comment in this community.")
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.post_id != post.id or parent.deleted_at is not None:
            raise Invalid("Unknown comment to reply to.", {"parent_id": [_l("Not a comment of this post.")]})
        if parent.parent_id is not None:
            parent_id = parent.parent_id  # replies stay one level deep: answer the thread
    now = utcnow()
    comment = Comment(
        post_id=post.id,
        parent_id=parent_id,
        author_id=user.id,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        updated_at=now,
    )
    db.session.add(comment)
    db.session.execute(update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1))
    replied_to = {post.author_id}
    if parent_id is not None:
        replied_to.add(db.session.get(Comment, parent_id).author_id)
    notifications.notify(replied_to, "reply", actor=user, post=post)
    db.session.flush()
    enqueue_for_search("comment", comment.id)
    db.session.refresh(post, ["comment_count"])
    events.comment_created(comment)
    return comment


def update_comment(user: User, comment: Comment, post: Post, body: str) -> Comment:
    if not permissions.can_edit_comment(user, comment, post):
        raise Forbidden("Only the author may change this comment.")
    if body != comment.body:
        db.session.add(
            Revision(
                target_type="comment",
                target_id=comment.id,
                by_id=user.id,
                changes={"body": [comment.body, body]},
            )
        )
        comment.body = body
        comment.body_html = render_markdown(body)
        comment.updated_at = utcnow()
        enqueue_for_search("comment", comment.id)
    return comment


def delete_comment(user: User, comment: Comment, post: Post) -> None:
    if not permissions.can_delete_comment(user, comment, post):
        raise Forbidden("Only the author, an animator or an administrator may delete this comment.")
    comment.deleted_at = utcnow()
    enqueue_for_search("comment", comment.id)
    db.session.execute(update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count - 1))
    db.session.add(
        AuditEvent(
            actor_id=user.id,
            action="comment.deleted",
            target_type="comment",
            target_id=comment.id,
            details={"post_id": post.id, "author_id": comment.author_id},
        )
    )


def add_reaction(user: User, post: Post, emoji: str) -> None:
    if not permissions.can_comment(user, post):
        raise Forbidden("Only members may react in this community.")
    if emoji not in REACTIONS:
        raise Invalid("Unknown reaction.", {"emoji": [f"One of {' '.join(REACTIONS)}."]})
    if db.session.get(Reaction, (post.id, user.id, emoji)) is not None:
        raise Conflict(_l("You already reacted with this emoji."))
    db.session.add(Reaction(post_id=post.id, user_id=user.id, emoji=emoji))


def remove_reaction(user: User, post: Post, emoji: str) -> None:
    reaction = db.session.get(Reaction, (post.id, user.id, emoji))
    if reaction is None:
        raise NotFound()
    db.session.delete(reaction)
