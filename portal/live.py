"""Live events of the portal: a newly published item and new comments, for every portal reader.

The ``portal`` room holds every active user's sockets, and every active user reads live items, so
an item is sent only when it is live at once (a scheduled one is not announced) and without the
per-viewer link to its source post.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.models import PortalComment, PortalItem
from portal.presenters import present_items
from portal.schemas import PortalCommentSchema, PortalItemSchema
from rse import permissions
from rse.extensions import db


class PortalItemEventSchema(PortalItemSchema):
    """``portal.item_published``: the item as any reader sees it."""


class PortalCommentEventSchema(PortalCommentSchema):
    """``portal.comment_created``."""


class _Nobody:
    id = -1


def events(intents) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    items = db.session.scalars(select(PortalItem).where(PortalItem.id.in_(intents.portal_items))).all()
    live = [item for item in items if item.unpublished_at is None and permissions.portal_item_is_live(item)]
    for payload in present_items(_Nobody(), live):
        payload.update(source_post_id=None, my_reactions=[], status="live")
        out.append(("portal.item_published", PortalItemEventSchema().dump(payload)))
    comments = db.session.scalars(
        select(PortalComment).where(PortalComment.id.in_(intents.portal_comments))
    ).all()
    for comment in comments:
        item = db.session.get(PortalItem, comment.item_id)
        if (
            comment.deleted_at is None
            and item.unpublished_at is None
            and permissions.portal_item_is_live(item)
        ):
            out.append(("portal.comment_created", PortalCommentEventSchema().dump(comment)))
    return out
