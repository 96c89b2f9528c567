"""Curation: members propose posts, animators approve restricted content, curators decline or publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from feed import notifications
from feed.models import Post
from portal.models import CurationProposal, PortalItem
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Conflict, Forbidden, NotFound, _l
from rse.extensions import db

QUEUE_SIZE = 100


def propose(user: User, post: Post, note: str) -> CurationProposal:
    """A member suggests their community's post; an animator's proposal approves it at once."""
    if not permissions.can_propose(user, post):
        raise Forbidden(_l("Only members of the community may propose this post."))
    already = db.session.scalar(
        select(CurationProposal.id).where(
            CurationProposal.post_id == post.id,
            CurationProposal.proposer_id == user.id,
            CurationProposal.status.in_(("pending", "approved")),
        )
    )
    if already is not None:
        raise Conflict(_l("You already proposed this post."))
    if _on_the_portal(post):
        raise Conflict(_l("This post is already on the portal."))
    now = utcnow()
    by_animator = permissions.is_animator(user, post.community)
    needs_approval = permissions.needs_animator_approval(post)
    proposal = CurationProposal(
        post_id=post.id,
        proposer_id=user.id,
        note=note.strip(),
        by_animator=by_animator,
        needs_approval=needs_approval,
        status="approved" if needs_approval and by_animator else "pending",
        approved_by_id=user.id if needs_approval and by_animator else None,
        approved_at=now if needs_approval and by_animator else None,
        created_at=now,
    )
    proposal.post = post
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _on_the_portal(post: Post) -> bool:
    """Published and not taken off (scheduled and ended items count: the curators chose already)."""
    return (
        db.session.scalar(
            select(PortalItem.id)
            .where(PortalItem.post_id == post.id, PortalItem.unpublished_at.is_(None))
            .limit(1)
        )
        is not None
    )


def get_proposal_or_404(user: User, proposal_id: int) -> CurationProposal:
    proposal = db.session.get(CurationProposal, proposal_id)
    if proposal is None or not permissions.can_know_proposal(user, proposal):
        raise NotFound()
    return proposal


def approve(user: User, proposal: CurationProposal) -> CurationProposal:
    if not permissions.can_approve_proposal(user, proposal):
        raise Forbidden(_l("Only an animator of the source community may approve this proposal."))
    if not proposal.needs_approval:
        raise Conflict(_l("This proposal needs no approval."))
    if proposal.status != "pending":
        raise Conflict(_l("This proposal is no longer waiting for an approval."))
    proposal.status = "approved"
    proposal.approved_by_id = user.id
    proposal.approved_at = utcnow()
    return proposal


def decline(user: User, proposal: CurationProposal, note: str) -> CurationProposal:
    if not permissions.can_curate(user):
        raise Forbidden(_l("Only curators may do this."))
    if proposal.status not in ("pending", "approved"):
        raise Conflict(_l("This proposal was already decided."))
    proposal.status = "declined"
    proposal.decision_note = note.strip()
    proposal.decided_by_id = user.id
    proposal.decided_at = utcnow()
    notifications.notify([proposal.proposer_id], "declined", actor=user, post=proposal.post)
    return proposal


def my_proposals(user: User, post: Post) -> list[CurationProposal]:
    return list(
        db.session.scalars(
            select(CurationProposal)
            .where(CurationProposal.post_id == post.id, CurationProposal.proposer_id == user.id)
            .order_by(CurationProposal.id.desc())
        )
    )


def can_see_queue(user: User) -> bool:
    return permissions.can_curate(user) or bool(
        db.session.scalar(permissions.approvable_community_ids(user).limit(1))
    )


def queue(user: User, after: datetime | None = None, before: datetime | None = None) -> dict:
    """Proposals ready for the curators, and the approvals awaiting animators.

    Curators see every approval request (to know what is coming); an animator who is no curator sees
    those of the communities they animate.
    """
    if not can_see_queue(user):
        raise Forbidden(_l("Only curators and animators have a curation queue."))
    live = (
        select(CurationProposal)
        .join(Post, Post.id == CurationProposal.post_id)
        .where(Post.deleted_at.is_(None))
    )
    if after is not None:
        live = live.where(CurationProposal.created_at >= after)
    if before is not None:
        live = live.where(CurationProposal.created_at < before)
    proposals: list[CurationProposal] = []
    if permissions.can_curate(user):
        proposals = list(
            db.session.scalars(
                live.where(
                    or_(
                        CurationProposal.status == "approved",
                        (CurationProposal.status == "pending") & CurationProposal.needs_approval.is_(False),
                    )
                )
                .order_by(CurationProposal.id.desc())
                .limit(QUEUE_SIZE)
            )
        )
    awaiting = live.where(CurationProposal.status == "pending", CurationProposal.needs_approval.is_(True))
    if not permissions.can_curate(user):
        awaiting = awaiting.where(Post.community_id.in_(permissions.approvable_community_ids(user)))
    approvals = list(db.session.scalars(awaiting.order_by(CurationProposal.id.desc()).limit(QUEUE_SIZE)))
    return {"proposals": proposals, "approvals": approvals}
