"""Search for a user: parse, trim to what they may read now, rank, facet, highlight.

Trimming happens twice. The backend only counts documents of the communities
``rse.permissions.readable_community_ids`` gives at this moment, and the portal items
``readable_portal_items`` gives (scheduled and ended ones for curators only), hits, totals and facets
alike,
so leaving a community hides its content on the very next search, before any reindex. Then each
hit of the page is checked against the database (``readable_posts_in`` with the community ids read
for this search, ``readable_portal_items``), which drops a post deleted or moved since it was
indexed.
"""

from __future__ import annotations

import functools
import heapq
import re
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import escape
from sqlalchemy import bindparam, func, literal, or_, select, union_all

from communities.models import Community
from feed.models import Comment, Post
from portal.models import PortalItem
from rse import permissions
from rse.accounts.models import User
from rse.api import decode_cursor, encode_cursor
from rse.extensions import db
from search import bounds
from search.analysis import fold
from search.backends import FACETS, SearchRequest, get_backend
from search.query import ParsedQuery, QuerySyntaxError, add_filter, parse_query

SNIPPET_FALLBACK_CHARS = 200
MAX_OFFSET = 1000  # relevance pages go this deep; narrow the query beyond


@dataclass
class SearchPage:
    items: list[dict]
    total: int
    total_exact: bool
    facets: dict[str, list[dict]]
    next: str | None
    warnings: list[str] = field(default_factory=list)
    facets_exact: bool = True  # False: counted over the bounded set of matches (search.bounds)


def search(
    user: User,
    q: str = "",
    *,
    community_id: int | None = None,
    author_id: int | None = None,
    tag: str | None = None,
    priority: str | None = None,
    qualification: str | None = None,
    after: str | None = None,
    before: str | None = None,
    sort: str = "relevance",
    priority_boost: bool = False,
    limit: int = 20,
    cursor: str | None = None,
) -> SearchPage:
    parsed = parse_with_filters(
        q,
        {"tag": tag, "priority": priority, "qualification": qualification, "after": after, "before": before},
    )
    offset = 0
    if cursor is not None:
        (offset,) = decode_cursor(cursor, 1)
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise QuerySyntaxError("Not a cursor from this list.", "cursor")
    readable, readable_items = readable_now(user)
    community_ids = _resolve_communities(parsed.filters.get("community", []), community_id)
    author_ids = _resolve_authors(parsed.filters.get("author", []), author_id)
    found = get_backend().search(
        SearchRequest(
            query=parsed,
            readable_community_ids=readable,
            readable_portal_item_ids=readable_items,
            community_ids=community_ids,
            author_ids=author_ids,
            sort=sort,
            priority_boost=priority_boost,
            offset=offset,
            limit=limit,
        )
    )
    # Before the total and the facets: a backend may still be counting them (SearchHitsLater).
    items = _present_hits(user, readable, parsed, found.hits)
    dropped = len(found.hits) - len(items)
    next_offset = offset + limit
    return SearchPage(
        items=items,
        total=found.total - dropped,
        total_exact=found.total_exact and dropped == 0,
        facets=_label_facets(found.facets),
        next=encode_cursor([next_offset])
        if next_offset < found.total and next_offset <= MAX_OFFSET
        else None,
        warnings=list(found.warnings),  # English; pages translate them
        facets_exact=found.facets_exact,
    )


def readable_now(user: User) -> tuple[list[int], list[int]]:
    """The ids of the communities and of the portal items the user may read now, in one round trip."""
    communities = permissions.readable_community_ids(user).subquery()
    rows = db.session.execute(
        union_all(
            select(literal("community"), communities.c.id),
            select(literal("portal_item"), PortalItem.id).where(permissions.readable_portal_items(user)),
        )
    )
    readable: dict[str, list[int]] = {"community": [], "portal_item": []}
    for kind, object_id in rows:
        readable[kind].append(object_id)
    return readable["community"], readable["portal_item"]


TEXT_FILTERS = ("tag", "priority", "qualification", "after", "before")


def parse_with_filters(q: str, filters: dict, field_prefix: str = "") -> ParsedQuery:
    """The query text and the filters given beside it, checked alike (QuerySyntaxError names the field)."""
    parsed = parse_query(q)
    for name in TEXT_FILTERS:
        if filters.get(name) is not None:
            add_filter(parsed, name, filters[name], field_name=f"{field_prefix}{name}")
    return parsed


def resolve_people_and_places(
    parsed: ParsedQuery, community_id: int | None, author_id: int | None, session=None
) -> tuple[list[int] | None, list[int] | None]:
    """The community and author ids that ``community:``/``author:`` and the id filters name."""
    return (
        _resolve_communities(parsed.filters.get("community", []), community_id, session),
        _resolve_authors(parsed.filters.get("author", []), author_id, session),
    )


def _resolve_communities(names: list[str], community_id: int | None, session=None) -> list[int] | None:
    """``community:`` values are ids or names (accents and case ignored); None means no filter."""
    if not names and community_id is None:
        return None
    ids: set[int] = set()
    if community_id is not None:
        ids.add(community_id)
    wanted = {fold(name) for name in names if not name.isdigit()}
    ids.update(int(name) for name in names if name.isdigit())
    if wanted:
        rows = (session or db.session).execute(select(Community.id, Community.name, Community.slug))
        for cid, name, slug in rows:
            if fold(name) in wanted or slug in wanted:
                ids.add(cid)
    return sorted(ids)


def _resolve_authors(names: list[str], author_id: int | None, session=None) -> list[int] | None:
    """``author:`` values are ids, handles (``alice.martin``) or full names."""
    if not names and author_id is None:
        return None
    ids: set[int] = {author_id} if author_id is not None else set()
    ids.update(int(name) for name in names if name.isdigit())
    words = [name.lower() for name in names if not name.isdigit()]
    if words:
        ids.update(
            (session or db.session).scalars(
                select(User.id).where(or_(User.handle.in_(words), func.lower(User.name).in_(words)))
            )
        )
    return sorted(ids)


def _rows_by_id(ids, make_statement) -> dict:
    """The rows ``make_statement(ids)`` selects, by id; nothing built nor sent when there are no ids.

    Building a statement with its permission conditions costs about as much as running it: a
    page without comments or portal items should pay for neither.
    """
    return {row.id: row for row in db.session.execute(make_statement(ids))} if ids else {}


@functools.cache
def _posts_shown():
    """The columns a hit shows of its post, author and community joined, for the posts among
    ``post_ids`` still readable: built once (building costs as much as running it)."""
    return (
        select(
            Post.id,
            Post.title,
            Post.body,
            Post.created_at,
            Post.qualification,
            Post.priority,
            Post.community_id,
            Community.name.label("community_name"),
            Post.author_id,
            User.name.label("author_name"),
        )
        .join(Community, Community.id == Post.community_id)
        .join(User, User.id == Post.author_id)
        .where(
            Post.id.in_(bindparam("post_ids", expanding=True)),
            permissions.readable_posts_in(bindparam("readable_community_ids", expanding=True)),
        )
    )


def _present_hits(user: User, readable: list[int], parsed, hits) -> list[dict]:
    """The page's hits still readable now, with what a result shows.

    Plain rows with only the columns shown, authors and communities joined in the same statement:
    loading ORM objects here would bring their eager relationships along (addressees, tags, an
    author's roles), and a comment's author one statement each. ``readable``: the community ids
    ``readable_now`` read for this search.
    """
    post_ids = {hit.post_id for hit in hits if hit.post_id is not None}
    comment_ids = [hit.object_id for hit in hits if hit.kind == "comment"]
    item_ids = [hit.object_id for hit in hits if hit.kind == "portal_item"]
    posts = (
        {
            row.id: row
            for row in db.session.execute(
                _posts_shown(), {"post_ids": list(post_ids), "readable_community_ids": readable}
            )
        }
        if post_ids
        else {}
    )
    comments = _rows_by_id(
        comment_ids,
        lambda ids: (
            select(
                Comment.id,
                Comment.body,
                Comment.created_at,
                Comment.author_id,
                User.name.label("author_name"),
            )
            .join(User, User.id == Comment.author_id)
            .where(Comment.id.in_(ids), Comment.deleted_at.is_(None))
        ),
    )
    portal_items = _rows_by_id(
        item_ids,
        lambda ids: (
            select(
                PortalItem.id,
                PortalItem.headline,
                PortalItem.standfirst,
                PortalItem.body,
                PortalItem.published_at,
                Post.author_id,
                User.name.label("author_name"),
            )
            .join(Post, Post.id == PortalItem.post_id)
            .join(User, User.id == Post.author_id)
            .where(PortalItem.id.in_(ids), permissions.readable_portal_items(user))
        ),
    )
    items, texts = [], []
    for hit in hits:
        if hit.kind == "portal_item":
            item = portal_items.get(hit.object_id)
            if item is not None:
                items.append(_present_portal_item(hit, item))
                texts.append(plain_text("\n".join(part for part in (item.standfirst, item.body) if part)))
            continue
        post = posts.get(hit.post_id)
        if post is None:
            continue
        source = post
        if hit.kind == "comment":
            source = comments.get(hit.object_id)
            if source is None:
                continue
        items.append(
            {
                "kind": hit.kind,
                "id": hit.object_id,
                "post_id": post.id,
                "portal_item_id": None,
                "title": post.title,
                "snippet": None,
                "community": {"id": post.community_id, "name": post.community_name},
                "author": {"id": source.author_id, "name": source.author_name},
                "created_at": source.created_at,
                "score": hit.score,
                # Not in the API: what a page shows beside the result.
                "qualification": post.qualification,
                "priority": post.priority,
            }
        )
        texts.append(plain_text(source.body))
    # All the page's snippets at once: one round trip for a backend that highlights in SQL.
    for item, text, snippet in zip(items, texts, get_backend().snippets(parsed, texts), strict=True):
        item["snippet"] = snippet or _plain_snippet(text)
    return items


def _present_portal_item(hit, item) -> dict:
    """A portal item as every reader sees it: no source community (it may be hidden from them)."""
    return {
        "kind": "portal_item",
        "id": item.id,
        "post_id": None,
        "portal_item_id": item.id,
        "title": item.headline,
        "snippet": None,
        "community": None,
        "author": {"id": item.author_id, "name": item.author_name},
        "created_at": item.published_at,
        "score": hit.score,
        "qualification": None,
        "priority": "routine",
    }


_MARKDOWN_MARKS = re.compile(r"\*\*|__|`+|^\s{0,3}(?:#{1,6}|>|[-*+])\s+", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """The words of a Markdown body without its emphasis and heading marks, for snippets."""
    return _MARKDOWN_MARKS.sub("", markdown)


def _plain_snippet(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > SNIPPET_FALLBACK_CHARS:
        text = text[:SNIPPET_FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
    return str(escape(text))


def _label_facets(counted: dict[str, dict[str, int]]) -> dict[str, list[dict]]:
    """Facet values with what a person reads, most frequent first (months newest first).

    Only the first ``bounds.MAX_FACET_VALUES`` of each facet are labelled and kept.
    """
    counted = {name: _top_values(name, values) for name, values in counted.items()}
    community_ids = [int(v) for v in counted.get("community", {}) if v.isdigit()]
    author_ids = [int(v) for v in counted.get("author", {}) if v.isdigit()]
    names: dict[str, dict[int, str]] = {"community": {}, "author": {}}
    if community_ids or author_ids:
        labels = db.session.execute(
            _facet_labels(), {"community_ids": community_ids, "author_ids": author_ids}
        )
        for facet, value, label in labels:
            names[facet][value] = label
    community_names, author_names = names["community"], names["author"]
    labelled: dict[str, list[dict]] = {}
    for name in FACETS:
        values = counted.get(name, {})
        entries = []
        for value, count in values.items():
            if value == "" and name in ("community", "author"):
                continue  # portal items belong to no community
            if name == "community":
                entries.append(
                    {"value": int(value), "label": community_names.get(int(value), value), "count": count}
                )
            elif name == "author":
                entries.append(
                    {"value": int(value), "label": author_names.get(int(value), value), "count": count}
                )
            elif name == "month":
                label = datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
                entries.append({"value": value, "label": label, "count": count})
            else:
                entries.append({"value": value, "label": value, "count": count})
        if name == "month":
            entries.sort(key=lambda entry: entry["value"], reverse=True)
        else:
            entries.sort(key=lambda entry: (-entry["count"], str(entry["label"])))
        labelled[name] = entries
    return labelled


@functools.cache
def _facet_labels():
    """Both facets' labels in one round trip, built once."""
    return union_all(
        select(literal("community"), Community.id, Community.name).where(
            Community.id.in_(bindparam("community_ids", expanding=True))
        ),
        select(literal("author"), User.id, User.name).where(
            User.id.in_(bindparam("author_ids", expanding=True))
        ),
    )


def _top_values(name: str, values: dict[str, int]) -> dict[str, int]:
    """The first ``bounds.MAX_FACET_VALUES``: a broad query counts thousands of authors, never sorted."""
    if len(values) <= bounds.MAX_FACET_VALUES:
        return values
    if name == "month":
        kept = heapq.nlargest(bounds.MAX_FACET_VALUES, values)
    else:
        kept = heapq.nsmallest(bounds.MAX_FACET_VALUES, values, key=lambda value: (-values[value], value))
    return {value: values[value] for value in kept}
