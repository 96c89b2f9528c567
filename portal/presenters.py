"""Portal items and proposals as the API contract shapes them, in a few queries for a whole list."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from feed.presenters import present_posts
from portal.models import CurationProposal, PortalItem, PortalReaction
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.extensions import db


def item_status(item: PortalItem) -> str:
    """``live``, ``scheduled`` (publication time ahead) or ``ended`` (curators see all three)."""
    now = utcnow()
    if item.published_at > now:
        return "scheduled"
    return "ended" if item.ends_at is not None and item.ends_at <= now else "live"


def present_items(viewer: User, items: list[PortalItem]) -> list[dict]:
    if not items:
        return []
    ids = [item.id for item in items]
    reactions: dict[int, dict[str, int]] = defaultdict(dict)
    for item_id, emoji, count in db.session.execute(
        select(PortalReaction.item_id, PortalReaction.emoji, func.count())
        .where(PortalReaction.item_id.in_(ids))
        .group_by(PortalReaction.item_id, PortalReaction.emoji)
    ):
        reactions[item_id][emoji] = count
    mine: dict[int, list[str]] = defaultdict(list)
    for item_id, emoji in db.session.execute(
        select(PortalReaction.item_id, PortalReaction.emoji).where(
            PortalReaction.item_id.in_(ids), PortalReaction.user_id == viewer.id
        )
    ):
        mine[item_id].append(emoji)
    return [
        {
            "id": item.id,
            "section_id": item.section_id,
            "headline": item.headline,
            "standfirst": item.standfirst,
            "body": item.body,
            "body_html": item.body_html,
            "pinned": item.pinned,
            "position": item.position,
            "published_at": item.published_at,
            "ends_at": item.ends_at,
            "status": item_status(item),
            "credits": {
                "author": {"id": item.post.author.id, "name": item.post.author.name},
                "community": {"id": item.post.community.id, "name": item.post.community.name},
            },
            "source_post_id": item.post_id if permissions.can_see_portal_source(viewer, item) else None,
            "comment_count": item.comment_count,
            "reactions": reactions.get(item.id, {}),
            "my_reactions": mine.get(item.id, []),
            "source_changed": item.source_changed,
        }
        for item in items
    ]


def present_item(viewer: User, item: PortalItem) -> dict:
    return present_items(viewer, [item])[0]


def present_proposals(viewer: User, proposals: list[CurationProposal]) -> list[dict]:
    """The post of a proposal goes only to those who may see it (see ``can_see_proposal_post``)."""
    shown = [proposal for proposal in proposals if permissions.can_see_proposal_post(viewer, proposal)]
    posts = {post["id"]: post for post in present_posts(viewer, [proposal.post for proposal in shown])}
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({proposal.proposer_id for proposal in proposals}))
        ).all()
    )
    return [
        {
            "id": proposal.id,
            "post_id": proposal.post_id,
            "post": posts.get(proposal.post_id) if proposal in shown else None,
            "by": {"id": proposal.proposer_id, "name": names.get(proposal.proposer_id)},
            "note": proposal.note,
            "by_animator": proposal.by_animator,
            "status": proposal.status,
            "needs_approval": proposal.needs_approval,
            "approved_at": proposal.approved_at,
            "decision_note": proposal.decision_note or None,
            "item_id": proposal.item_id,
            "created_at": proposal.created_at,
        }
        for proposal in proposals
    ]


def present_suggestions(viewer: User, after=None, before=None) -> list[dict]:
    """The queue's engagement-ranked suggestions, for curators only."""
    from portal.engagement import suggestions

    if not permissions.can_curate(viewer):
        return []
    found = suggestions(viewer, after, before)
    posts = present_posts(viewer, [suggestion["post"] for suggestion in found])
    return [{**suggestion, "post": post} for suggestion, post in zip(found, posts, strict=True)]
