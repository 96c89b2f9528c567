"""Veille: saved searches, the new posts they match, their alerts and the "to my desk" shortcut.

Matching follows the index. When the writer has applied a batch of new or edited posts, each
distinct saved query (identical ones are asked once) is matched against that batch's posts alone
(``SearchBackend.match_new_posts``: by default one index query restricted to the batch's post ids;
Whoosh matches against a throwaway in-memory index of the batch, a fraction of a millisecond per
query). The cost grows with the number of distinct saved queries, never with saved searches times
indexed posts. The few candidates are then checked against what each owner may read now
(``rse.permissions.readable_posts``), one query per owner with candidates. A post
counts for a saved search once (a unique match row), and only when it was written after the search
was saved, so an edit or a rename re-indexing old posts never floods anyone.

Immediate alerts notify at once, one notification per match; daily ones wait for
``rse search digest``, which notifies once per saved search with the number of new matches.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from feed import tallies
from feed.models import Notification, Post, PostRecipient
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Invalid, NotFound, _l
from rse.extensions import db
from search.models import ALERTS, LEVELS, SavedSearch, SavedSearchMatch
from search.query import QuerySyntaxError

log = logging.getLogger(__name__)

FILTER_NAMES = ("community_id", "author_id", "tag", "priority", "qualification", "after", "before")
MAX_SAVED_SEARCHES = 50  # per person: each one is a query on every indexed batch


# Saved searches ---------------------------------------------------------------------------------


def get_saved_search_or_404(user: User, saved_search_id: int) -> SavedSearch:
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or not permissions.can_see_saved_search(user, saved):
        raise NotFound()
    return saved


def saved_searches_query(user: User):
    return select(SavedSearch).where(permissions.readable_saved_searches(user))


def create_saved_search(
    user: User, *, label: str, query: str, filters: dict | None, level: str, alert: str
) -> SavedSearch:
    filters = {name: value for name, value in (filters or {}).items() if value not in (None, "")}
    errors: dict[str, list[str]] = {}
    label = (label or "").strip()
    if not label:
        errors["label"] = [_l("Give the search a name.")]
    if level not in LEVELS:
        errors["level"] = [_l("Unknown level.")]
    if alert not in ALERTS:
        errors["alert"] = [_l("Unknown alert.")]
    unknown = sorted(set(filters) - set(FILTER_NAMES))
    for name in unknown:
        errors[f"filters.{name}"] = [_l("Unknown filter.")]
    try:
        parsed = _parse(query, filters)
        if not parsed.has_text and not parsed.excluded and not parsed.filters and not filters:
            errors["query"] = [_l("A saved search needs words or filters: it would match every post.")]
    except QuerySyntaxError as error:
        errors["query" if error.field == "q" else error.field] = [error.args[0]]
    if errors:
        raise Invalid(_l("The saved search is not valid."), errors)
    count = db.session.scalar(select(func.count()).where(SavedSearch.user_id == user.id))
    if count >= MAX_SAVED_SEARCHES:
        raise Invalid(
            _l("You already have %(count)d saved searches: delete one first.", count=count),
            {"label": [_l("Too many saved searches.")]},
        )
    saved = SavedSearch(
        user_id=user.id, label=label, query=(query or "").strip(), filters=filters, level=level, alert=alert
    )
    db.session.add(saved)
    db.session.flush()
    # Matches start after the newest one recorded so far: nothing is "new" before saving.
    saved.last_seen_match_id = saved.digested_match_id = _newest_match_id(db.session)
    return saved


def delete_saved_search(user: User, saved: SavedSearch) -> None:
    db.session.execute(delete(Notification).where(Notification.saved_search_id == saved.id))
    db.session.delete(saved)


def _parse(query: str, filters: dict):
    from search.services import parse_with_filters

    return parse_with_filters(query or "", filters, field_prefix="filters.")


def _newest_match_id(session) -> int:
    return session.scalar(select(func.max(SavedSearchMatch.id))) or 0


def _readable_matches(user: User, saved: SavedSearch):
    return (
        select(SavedSearchMatch, Post)
        .join(Post, Post.id == SavedSearchMatch.post_id)
        .where(SavedSearchMatch.saved_search_id == saved.id, permissions.readable_posts(user))
    )


def new_match_counts(user: User, saved_searches: list[SavedSearch]) -> dict[int, int]:
    """Readable matches since each search was last looked at, in one grouped query."""
    if not saved_searches:
        return {}
    rows = db.session.execute(
        select(SavedSearchMatch.saved_search_id, func.count())
        .join(SavedSearch, SavedSearch.id == SavedSearchMatch.saved_search_id)
        .join(Post, Post.id == SavedSearchMatch.post_id)
        .where(
            SavedSearchMatch.saved_search_id.in_([saved.id for saved in saved_searches]),
            SavedSearchMatch.id > SavedSearch.last_seen_match_id,
            permissions.readable_posts(user),
        )
        .group_by(SavedSearchMatch.saved_search_id)
    ).all()
    counted = dict.fromkeys((saved.id for saved in saved_searches), 0)
    counted.update(dict(rows))
    return counted


def matches_query(user: User, saved: SavedSearch):
    """The posts the search matched that the owner may read now (page with ``SavedSearchMatch.id``)."""
    return _readable_matches(user, saved)


def mark_seen(saved: SavedSearch) -> None:
    newest = db.session.scalar(
        select(func.max(SavedSearchMatch.id)).where(SavedSearchMatch.saved_search_id == saved.id)
    )
    if newest and newest > saved.last_seen_match_id:
        saved.last_seen_match_id = newest


def on_desk_post_ids(user: User, post_ids: list[int]) -> set[int]:
    """Which of these posts already are open actions on my À faire."""
    if not post_ids:
        return set()
    return set(
        db.session.scalars(
            select(PostRecipient.post_id).where(
                PostRecipient.user_id == user.id,
                PostRecipient.kind == "action",
                PostRecipient.post_id.in_(post_ids),
            )
        )
    )


def to_action(user: User, saved: SavedSearch, post_id: int) -> Post:
    """Put a matched post on my À faire: a personal action row (outside the managers' tallies)."""
    found = db.session.execute(
        _readable_matches(user, saved).where(SavedSearchMatch.post_id == post_id)
    ).first()
    if found is None:
        raise NotFound()
    post = found.Post
    row = db.session.get(PostRecipient, (post.id, user.id))
    if row is None:
        db.session.add(PostRecipient(post_id=post.id, user_id=user.id, kind="action", personal=True))
    elif row.kind != "action":
        # Addressed to me for information: it becomes my own action, counted in no unit's tally
        # (managers addressed information, not this action), and the post's tallies follow.
        row.kind, row.unit_id, row.personal = "action", None, True
        db.session.flush()
        tallies.recount_post(post.id)
    return post


# Matching (called by the index writer) ----------------------------------------------------------


def record_matches(session: Session, documents: list) -> int:
    """Match freshly indexed post documents against every saved search; returns how many matches
    were new."""
    from search.backends import SearchRequest, get_backend
    from search.services import resolve_people_and_places

    documents = [document for document in documents if document.kind == "post"]
    if not documents:
        return 0
    posts = {
        row.id: row
        for row in session.execute(
            select(Post.id, Post.community_id, Post.author_id, Post.created_at).where(
                Post.id.in_([document.post_id for document in documents]), Post.deleted_at.is_(None)
            )
        )
    }
    documents = [document for document in documents if document.post_id in posts]
    if not documents:
        return 0
    newest_post = max(row.created_at for row in posts.values())
    saved_searches = session.scalars(
        select(SavedSearch).where(SavedSearch.created_at <= newest_post).order_by(SavedSearch.id)
    ).all()
    by_spec: dict[tuple, list[SavedSearch]] = defaultdict(list)
    for saved in saved_searches:
        by_spec[(saved.query, tuple(sorted((saved.filters or {}).items())))].append(saved)
    communities = sorted({row.community_id for row in posts.values()})
    requests = {}
    for spec in by_spec:
        query, filters = spec[0], dict(spec[1])
        try:
            parsed = _parse(query, filters)
            community_ids, author_ids = resolve_people_and_places(
                parsed, filters.get("community_id"), filters.get("author_id"), session
            )
        except QuerySyntaxError:
            continue  # saved before a rule changed; the page shows it, it matches nothing
        requests[spec] = SearchRequest(
            query=parsed,
            readable_community_ids=communities,
            community_ids=community_ids,
            author_ids=author_ids,
            post_ids=sorted(posts),
            sort="date",
        )
    candidates: dict[int, set[int]] = defaultdict(set)  # saved search id -> post ids
    for spec, matched in get_backend().match_new_posts(documents, requests).items():
        for saved in by_spec[spec]:
            for post_id in matched & posts.keys():
                post = posts[post_id]
                if post.created_at >= saved.created_at and post.author_id != saved.user_id:
                    candidates[saved.id].add(post_id)
    if not candidates:
        return 0
    return _store_matches(session, {saved.id: saved for saved in saved_searches}, candidates)


def _store_matches(session: Session, saved_by_id: dict, candidates: dict[int, set[int]]) -> int:
    already = set(
        session.execute(
            select(SavedSearchMatch.saved_search_id, SavedSearchMatch.post_id).where(
                SavedSearchMatch.saved_search_id.in_(list(candidates)),
                SavedSearchMatch.post_id.in_({pid for ids in candidates.values() for pid in ids}),
            )
        ).all()
    )
    by_owner: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for saved_id, post_ids in candidates.items():
        for post_id in post_ids:
            if (saved_id, post_id) not in already:
                by_owner[saved_by_id[saved_id].user_id].append((saved_id, post_id))
    now = utcnow()
    stored = 0
    for owner_id, pairs in by_owner.items():
        owner = session.get(User, owner_id)
        readable = set(
            session.scalars(
                select(Post.id).where(
                    Post.id.in_({post_id for _saved, post_id in pairs}), permissions.readable_posts(owner)
                )
            )
        )
        for saved_id, post_id in pairs:
            if post_id not in readable:
                continue
            session.add(SavedSearchMatch(saved_search_id=saved_id, post_id=post_id, matched_at=now))
            if saved_by_id[saved_id].alert == "immediate":
                session.add(
                    Notification(
                        user_id=owner_id,
                        kind="veille",
                        post_id=post_id,
                        saved_search_id=saved_id,
                        created_at=now,
                    )
                )
            stored += 1
    session.flush()
    return stored


# Daily digest -----------------------------------------------------------------------------------


def send_digest(session: Session) -> int:
    """One notification per daily saved search with new readable matches since the last digest."""
    now = utcnow()
    sent = 0
    for saved in session.scalars(
        select(SavedSearch).where(SavedSearch.alert == "daily").order_by(SavedSearch.id)
    ):
        owner = session.get(User, saved.user_id)
        newest, count = session.execute(
            select(func.max(SavedSearchMatch.id), func.count())
            .join(Post, Post.id == SavedSearchMatch.post_id)
            .where(
                SavedSearchMatch.saved_search_id == saved.id,
                SavedSearchMatch.id > saved.digested_match_id,
                permissions.readable_posts(owner),
            )
        ).one()
        if not count:
            continue
        session.add(
            Notification(
                user_id=saved.user_id,
                kind="veille_digest",
                saved_search_id=saved.id,
                match_count=count,
                created_at=now,
            )
        )
        session.execute(
            update(SavedSearch).where(SavedSearch.id == saved.id).values(digested_match_id=newest)
        )
        sent += 1
    return sent
