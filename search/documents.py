"""The search document model: what one indexed item says, whatever the backend.

A document is built from the database alone, so the index can always be rebuilt or checked
against it. Posts, their comments and the portal's items (``kind="portal_item"``, no ``post_id``
nor community: who may read one is the portal's rule, not a community's) are indexed;
attachments would fit as extra text of their parent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import select

KINDS = ("post", "comment", "portal_item")


@dataclass(frozen=True)
class SearchDocument:
    kind: str
    object_id: int
    post_id: int | None
    portal_item_id: int | None
    community_id: int | None
    author_id: int
    author_name: str
    community_name: str
    title: str
    body: str
    tags: tuple[str, ...]
    qualification: str | None
    priority: str | None
    created_at: datetime
    extra_text: tuple[str, ...] = field(default=())  # e.g. attachments' text, later

    @property
    def key(self) -> str:
        return document_key(self.kind, self.object_id)

    @property
    def month(self) -> str:
        return self.created_at.strftime("%Y-%m")

    @property
    def digest(self) -> str:
        """Changes whenever anything indexed changes: ``verify`` compares it to find stale documents."""
        # Every field is a plain value or a tuple of strings: a shallow copy serialises as
        # ``asdict``'s deep one would, without its recursion (a tenth of a Whoosh rebuild).
        values = {name: getattr(self, name) for name in _FIELD_NAMES}
        values["created_at"] = self.created_at.isoformat()
        raw = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha1(raw.encode()).hexdigest()


_FIELD_NAMES = tuple(entry.name for entry in fields(SearchDocument))


def document_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def post_document(post) -> SearchDocument:
    return SearchDocument(
        kind="post",
        object_id=post.id,
        post_id=post.id,
        portal_item_id=None,
        community_id=post.community_id,
        author_id=post.author_id,
        author_name=post.author.name,
        community_name=post.community.name,
        title=post.title,
        body=post.body,
        tags=tuple(post.tags),
        qualification=post.qualification,
        priority=post.priority,
        created_at=post.created_at,
    )


def comment_document(comment, post) -> SearchDocument:
    """A comment carries its post's community, tags and qualification: filters treat them alike."""
    return SearchDocument(
        kind="comment",
        object_id=comment.id,
        post_id=post.id,
        portal_item_id=None,
        community_id=post.community_id,
        author_id=comment.author_id,
        author_name=comment.author.name,
        community_name=post.community.name,
        title=post.title,
        body=comment.body,
        tags=tuple(post.tags),
        qualification=post.qualification,
        priority=post.priority,
        created_at=comment.created_at,
    )


def portal_item_document(item) -> SearchDocument:
    """The curated snapshot as readers see it: headline, standfirst and body, by the source's author.

    The source community is left out: the portal shows its items to readers who may not read it.
    """
    return SearchDocument(
        kind="portal_item",
        object_id=item.id,
        post_id=None,
        portal_item_id=item.id,
        community_id=None,
        author_id=item.post.author_id,
        author_name=item.post.author.name,
        community_name="",
        title=item.headline,
        body=item.body,
        tags=(),
        qualification=None,
        priority=None,
        created_at=item.published_at,
        extra_text=(item.standfirst,) if item.standfirst else (),
    )


def portal_item_document_by_id(session, item_id: int) -> SearchDocument | None:
    """None once the item is unpublished (or gone): it must not be found any more."""
    from portal.models import PortalItem

    item = session.get(PortalItem, item_id)
    if item is None or item.unpublished_at is not None:
        return None
    return portal_item_document(item)


def documents_for_post(session, post_id: int) -> tuple[list[SearchDocument], bool]:
    """The live documents of a post (itself and its live comments), and whether the post lives."""
    from feed.models import Comment, Post

    post = session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        return [], False
    comments = session.scalars(
        select(Comment).where(Comment.post_id == post.id, Comment.deleted_at.is_(None))
    ).all()
    return [post_document(post), *(comment_document(comment, post) for comment in comments)], True


def comment_document_by_id(session, comment_id: int) -> tuple[SearchDocument | None, int | None]:
    """The comment's document (None when it or its post is gone) and its post id."""
    from feed.models import Comment, Post

    comment = session.get(Comment, comment_id)
    if comment is None:
        return None, None
    post = session.get(Post, comment.post_id)
    if comment.deleted_at is not None or post is None or post.deleted_at is not None:
        return None, comment.post_id
    return comment_document(comment, post), post.id


class _Rows:
    """Reads the rebuild's documents as plain rows: the columns a document needs, no ORM objects.

    Loading posts as mapped objects (each with its author, community and tags through their
    relationships, and its HTML body) took most of the reading side of a rebuild; these rows give
    the same documents (``post_document``, ``comment_document``) at a fraction of the cost.
    Author and community names are looked up once each.
    """

    def __init__(self, session):
        self.session = session
        self.author_names: dict[int, str] = {}
        self.community_names: dict[int, str] = {}

    def _names(self, model, known: dict[int, str], ids: Iterable[int]) -> dict[int, str]:
        missing = {value for value in ids if value not in known}
        if missing:
            known.update(
                self.session.execute(select(model.id, model.name).where(model.id.in_(missing))).all()
            )
        return known

    def _tags(self, post_ids: list[int]) -> dict[int, tuple[str, ...]]:
        from feed.models import PostTag

        tags: dict[int, list[str]] = {}
        rows = self.session.execute(select(PostTag.post_id, PostTag.tag).where(PostTag.post_id.in_(post_ids)))
        for post_id, tag in rows:
            tags.setdefault(post_id, []).append(tag)
        return {post_id: tuple(sorted(values)) for post_id, values in tags.items()}

    def posts(self, batch_size: int, *conditions) -> Iterator[list]:
        """The live posts meeting ``conditions``, in id order, one keyset batch of rows at a time."""
        from feed.models import Post

        last_id = 0
        while True:
            rows = self.session.execute(
                select(
                    Post.id,
                    Post.id.label("post_id"),
                    Post.community_id,
                    Post.author_id,
                    Post.title,
                    Post.body,
                    Post.qualification,
                    Post.priority,
                    Post.created_at,
                )
                .where(Post.id > last_id, Post.deleted_at.is_(None), *conditions)
                .order_by(Post.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return
            last_id = rows[-1].id
            yield rows

    def documents(self, kind: str, rows) -> list[SearchDocument]:
        """Documents of rows of ``posts`` or ``comments``: the same columns, a comment's taken
        from its post but for its own id, author, body and date."""
        from communities.models import Community
        from rse.accounts.models import User

        authors = self._names(User, self.author_names, (row.author_id for row in rows))
        communities = self._names(Community, self.community_names, (row.community_id for row in rows))
        tags = self._tags(sorted({row.post_id for row in rows}))
        return [
            SearchDocument(
                kind=kind,
                object_id=row.id,
                post_id=row.post_id,
                portal_item_id=None,
                community_id=row.community_id,
                author_id=row.author_id,
                author_name=authors[row.author_id],
                community_name=communities[row.community_id],
                title=row.title,
                body=row.body,
                tags=tags.get(row.post_id, ()),
                qualification=row.qualification,
                priority=row.priority,
                created_at=row.created_at,
            )
            for row in rows
        ]

    @staticmethod
    def comments():
        """Live comments of live posts, with what their document takes from the post."""
        from feed.models import Comment, Post

        return (
            select(
                Comment.id,
                Comment.post_id,
                Comment.author_id,
                Comment.body,
                Comment.created_at,
                Post.community_id,
                Post.title,
                Post.qualification,
                Post.priority,
            )
            .join(Post, Post.id == Comment.post_id)
            .where(Comment.deleted_at.is_(None), Post.deleted_at.is_(None))
            .order_by(Comment.id)
        )


def all_documents(session, batch_size: int = 2000, *, by_community: bool = False) -> Iterator[SearchDocument]:
    """Every document the index should hold, read in keyset batches (posts, then comments).

    ``by_community``: each community's posts and comments together, one community after the other
    (a backend whose readability filter costs less over long runs of one community asks for it).
    """
    from feed.models import Comment

    rows = _Rows(session)
    if by_community:
        yield from _documents_by_community(rows, batch_size)
        yield from _portal_item_documents(session, batch_size)
        return
    for posts in rows.posts(batch_size):
        yield from rows.documents("post", posts)
        _end_batch(session)
    last_id = 0
    while True:
        comments = session.execute(rows.comments().where(Comment.id > last_id).limit(batch_size)).all()
        if not comments:
            break
        yield from rows.documents("comment", comments)
        last_id = comments[-1].id
        _end_batch(session)
    yield from _portal_item_documents(session, batch_size)


def _documents_by_community(rows: _Rows, batch_size: int) -> Iterator[SearchDocument]:
    """Each community's posts in id order, each batch of them followed by their comments."""
    from communities.models import Community
    from feed.models import Comment, Post

    session = rows.session
    for community_id in session.scalars(select(Community.id).order_by(Community.id)).all():
        for posts in rows.posts(batch_size, Post.community_id == community_id):
            yield from rows.documents("post", posts)
            post_ids = [post.id for post in posts]
            comments = session.execute(rows.comments().where(Comment.post_id.in_(post_ids))).all()
            yield from rows.documents("comment", comments)
            _end_batch(session)


def _portal_item_documents(session, batch_size: int) -> Iterator[SearchDocument]:
    from portal.models import PortalItem

    last_id = 0
    while True:
        items = session.scalars(
            select(PortalItem)
            .where(PortalItem.id > last_id, PortalItem.unpublished_at.is_(None))
            .order_by(PortalItem.id)
            .limit(batch_size)
        ).all()
        if not items:
            break
        yield from (portal_item_document(item) for item in items)
        last_id = items[-1].id
        _end_batch(session)


def _end_batch(session) -> None:
    # Ending the read transaction between batches lets writers commit during a long rebuild
    # (SQLite would otherwise hold them back), and keeps memory flat.
    session.expunge_all()
    session.commit()


def count_documents(session) -> int:
    from sqlalchemy import func

    from feed.models import Comment, Post

    posts = session.scalar(select(func.count()).select_from(Post).where(Post.deleted_at.is_(None)))
    comments = session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.deleted_at.is_(None), Post.deleted_at.is_(None))
    )
    from portal.models import PortalItem

    items = session.scalar(
        select(func.count()).select_from(PortalItem).where(PortalItem.unpublished_at.is_(None))
    )
    return posts + comments + items


@dataclass
class IndexBatch:
    """What one drain writes: posts replaced whole (with their comments), single documents.

    ``comments`` holds every document replaced on its own by key: comments and portal items
    (backends upsert them alike, whatever their kind).
    """

    posts: dict[int, list[SearchDocument]] = field(default_factory=dict)
    comments: list[SearchDocument] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)

    @classmethod
    def from_outbox(cls, session, rows) -> IndexBatch:
        batch = cls()
        post_ids = {row.object_id for row in rows if row.kind == "post"}
        for post_id in sorted(post_ids):
            documents, _alive = documents_for_post(session, post_id)
            batch.posts[post_id] = documents
        for comment_id in sorted({row.object_id for row in rows if row.kind == "comment"}):
            document, post_id = comment_document_by_id(session, comment_id)
            if post_id in post_ids:
                continue  # already refreshed with its post
            if document is None:
                batch.deleted_keys.append(document_key("comment", comment_id))
            else:
                batch.comments.append(document)
        for item_id in sorted({row.object_id for row in rows if row.kind == "portal_item"}):
            document = portal_item_document_by_id(session, item_id)
            if document is None:
                batch.deleted_keys.append(document_key("portal_item", item_id))
            else:
                batch.comments.append(document)
        return batch

    def __len__(self) -> int:
        return sum(len(docs) for docs in self.posts.values()) + len(self.comments) + len(self.deleted_keys)
