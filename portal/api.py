"""``/api/v1/portal``, ``/api/v1/curation`` and ``/api/v1/posts/<id>/propose``."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from communities import services as community_services
from feed import posts as post_services
from feed.schemas import CommentCreateSchema, ReactionSchema
from portal import curation, engagement, stats
from portal import services as portal
from portal.models import PortalComment, PortalItemRevision
from portal.presenters import present_item, present_items, present_proposals, present_suggestions
from portal.schemas import (
    CommunityStatsSchema,
    DeclineSchema,
    ItemRevisionSchema,
    ItemUpdateSchema,
    PortalCommentSchema,
    PortalItemSchema,
    PortalSchema,
    PortalStatsSchema,
    PostStatsSchema,
    ProposalSchema,
    ProposeSchema,
    PublishSchema,
    QueueArgs,
    QueueSchema,
    SectionCreateSchema,
    SectionSchema,
    StatsArgs,
    ViewInSchema,
    ViewSchema,
)
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.extensions import db

blp = ApiBlueprint("portal", __name__, url_prefix="/api/v1", description="Portal and curation")


@blp.get("/portal")
@blp.response(200, PortalSchema)
def front_page():
    """Every section with its items: pinned first, then by position, then the newest."""
    return {
        "sections": [
            {
                "id": section.id,
                "name": section.name,
                "slug": section.slug,
                "position": section.position,
                "items": present_items(current_user, items),
            }
            for section, items in portal.front_page(current_user)
        ]
    }


@blp.post("/portal/sections")
@blp.arguments(SectionCreateSchema)
@blp.response(201, SectionSchema)
def create_section(payload):
    section = portal.create_section(current_user, payload["name"], payload["slug"])
    db.session.commit()
    return section


@blp.post("/portal/items")
@blp.arguments(PublishSchema)
@blp.response(201, PortalItemSchema)
def publish(payload):
    """Publish a post (409 while an animator's approval is missing for restricted content)."""
    item = portal.publish(current_user, payload.pop("post_id"), **payload)
    db.session.commit()
    return present_item(current_user, item)


@blp.get("/portal/items/<int:item_id>")
@blp.response(200, PortalItemSchema)
def get_item(item_id):
    return present_item(current_user, portal.get_item_or_404(current_user, item_id))


@blp.patch("/portal/items/<int:item_id>")
@blp.arguments(ItemUpdateSchema)
@blp.response(200, PortalItemSchema)
def update_item(changes, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    portal.update_item(current_user, item, changes)
    db.session.commit()
    return present_item(current_user, item)


@blp.delete("/portal/items/<int:item_id>")
@blp.response(204)
def unpublish(item_id):
    item = portal.get_item_or_404(current_user, item_id)
    portal.unpublish(current_user, item)
    db.session.commit()


@blp.get("/portal/items/<int:item_id>/history")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(ItemRevisionSchema))
def item_history(args, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    return keyset_page(
        portal.history(current_user, item),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[PortalItemRevision.id],
        key_of=lambda revision: (revision.id,),
        descending=False,
    )


@blp.get("/portal/items/<int:item_id>/comments")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(PortalCommentSchema))
def list_comments(args, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    return keyset_page(
        portal.comments_query(item),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[PortalComment.id],
        key_of=lambda comment: (comment.id,),
        descending=False,
    )


@blp.post("/portal/items/<int:item_id>/comments")
@blp.arguments(CommentCreateSchema)
@blp.response(201, PortalCommentSchema)
def create_comment(payload, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    comment = portal.create_comment(current_user, item, payload["body"], payload["parent_id"])
    db.session.commit()
    return comment


@blp.delete("/portal/comments/<int:comment_id>")
@blp.response(204)
def delete_comment(comment_id):
    comment, item = portal.get_comment_or_404(current_user, comment_id)
    portal.delete_comment(current_user, comment, item)
    db.session.commit()


@blp.post("/portal/items/<int:item_id>/reactions")
@blp.arguments(ReactionSchema)
@blp.response(200, PortalItemSchema)
def add_reaction(payload, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    portal.add_reaction(current_user, item, payload["emoji"])
    db.session.commit()
    return present_item(current_user, item)


@blp.delete("/portal/items/<int:item_id>/reactions")
@blp.arguments(ReactionSchema)
@blp.response(200, PortalItemSchema)
def remove_reaction(payload, item_id):
    item = portal.get_item_or_404(current_user, item_id)
    portal.remove_reaction(current_user, item, payload["emoji"])
    db.session.commit()
    return present_item(current_user, item)


# Curation ---------------------------------------------------------------------------------------


@blp.post("/posts/<int:post_id>/propose")
@blp.arguments(ProposeSchema)
@blp.response(201, ProposalSchema)
def propose(payload, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    proposal = curation.propose(current_user, post, payload["note"])
    db.session.commit()
    return present_proposals(current_user, [proposal])[0]


@blp.get("/curation/queue")
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueueSchema)
def queue(args):
    """Proposals ready to publish, engaging posts nobody proposed (curators), approvals awaiting
    animators, and items whose source changed. ``after``/``before`` bound the period (default: the
    last 7 days for suggestions)."""
    found = curation.queue(current_user, args["after"], args["before"])
    return {
        "proposals": present_proposals(current_user, found["proposals"]),
        "suggestions": present_suggestions(current_user, args["after"], args["before"]),
        "approvals": present_proposals(current_user, found["approvals"]),
        "changed_items": present_items(current_user, portal.changed_items(current_user)),
    }


def _reading() -> bool:
    return engagement.counts_as_reading(
        via_token=bool(g.get("authenticated_by_token")), user_agent=request.headers.get("User-Agent")
    )


@blp.post("/posts/<int:post_id>/view")
@blp.arguments(ViewInSchema)
@blp.response(200, ViewSchema)
def record_view(payload, post_id):
    """One view of a post by the caller today, with its reading time. Not recorded (``recorded``
    false) for the author, for API-token callers and for User-Agents that declare a bot."""
    post = post_services.get_post_or_404(current_user, post_id)
    recorded = engagement.record_view(current_user, post, payload["seconds"], reading=_reading())
    db.session.commit()
    return recorded


@blp.post("/portal/items/<int:item_id>/view")
@blp.arguments(ViewInSchema)
@blp.response(200, ViewSchema)
def record_item_view(payload, item_id):
    """One view of a portal item by the caller today, under the rules of post views."""
    item = portal.get_item_or_404(current_user, item_id)
    recorded = engagement.record_item_view(current_user, item, payload["seconds"], reading=_reading())
    db.session.commit()
    return recorded


@blp.get("/curation/proposals/<int:proposal_id>")
@blp.response(200, ProposalSchema)
def get_proposal(proposal_id):
    return present_proposals(current_user, [curation.get_proposal_or_404(current_user, proposal_id)])[0]


@blp.post("/curation/proposals/<int:proposal_id>/approve")
@blp.response(200, ProposalSchema)
def approve(proposal_id):
    proposal = curation.get_proposal_or_404(current_user, proposal_id)
    curation.approve(current_user, proposal)
    db.session.commit()
    return present_proposals(current_user, [proposal])[0]


@blp.post("/curation/proposals/<int:proposal_id>/decline")
@blp.arguments(DeclineSchema)
@blp.response(200, ProposalSchema)
def decline(payload, proposal_id):
    proposal = curation.get_proposal_or_404(current_user, proposal_id)
    curation.decline(current_user, proposal, payload["note"])
    db.session.commit()
    return present_proposals(current_user, [proposal])[0]


# Statistics -------------------------------------------------------------------------------------


@blp.get("/stats/posts/<int:post_id>")
@blp.response(200, PostStatsSchema)
def post_stats(post_id):
    """A post's figures and its readers day by day (curators, and animators of its community)."""
    return stats.post_stats(current_user, post_services.get_post_or_404(current_user, post_id))


@blp.get("/stats/communities/<int:community_id>")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, CommunityStatsSchema)
def community_stats(args, community_id):
    """A community's figures and vitality week by week (its animators)."""
    community = community_services.get_known_or_404(current_user, community_id)
    return stats.community_stats(current_user, community, args["weeks"])


@blp.get("/stats/portal")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, PortalStatsSchema)
def portal_stats(args):
    """The portal's figures, its readers week by week and each item's figures (curators)."""
    return stats.portal_stats(current_user, args["weeks"])
