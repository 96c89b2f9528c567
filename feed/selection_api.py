"""``/api/v1/selection``, ``/posts/<id>/forward`` and ``/api/v1/notifications``."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select

from feed import notifications, selection
from feed import posts as post_services
from feed.desk_api import MarkedSchema
from feed.models import PRIORITIES, SelectionItem
from feed.presenters import present_posts
from feed.schemas import PostSchema
from rse.accounts.schemas import UserRefSchema
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.extensions import db
from rse.units.models import Unit
from rse.units.schemas import UnitRefSchema

blp = ApiBlueprint("selection", __name__, url_prefix="/api/v1", description="Forwarding up and notifications")


class ForwardSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
    priority = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PRIORITIES))


class DecisionSchema(ma.Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class NoteSchema(ma.Schema):
    by = ma.fields.Nested(UserRefSchema)
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True)
    action = ma.fields.String()
    note = ma.fields.String()
    priority = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class SelectionItemSchema(ma.Schema):
    id = ma.fields.Integer()
    post = ma.fields.Nested(PostSchema)
    unit = ma.fields.Nested(UnitRefSchema)
    status = ma.fields.String()
    priority = ma.fields.String()
    created_at = ma.fields.DateTime()
    notes = ma.fields.List(ma.fields.Nested(NoteSchema))


class SelectionListArgs(ListArgs):
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(["open", "kept", "closed", "forwarded"])
    )


class FunnelArgs(ma.Schema):
    unit_id = ma.fields.Integer(load_default=None)
    after = ma.fields.AwareDateTime(load_default=None)
    before = ma.fields.AwareDateTime(load_default=None)


class FunnelLevelSchema(ma.Schema):
    unit = ma.fields.Nested(UnitRefSchema)
    depth = ma.fields.Integer()
    arrived = ma.fields.Integer()
    forwarded = ma.fields.Integer()
    kept = ma.fields.Integer()
    closed = ma.fields.Integer()
    open = ma.fields.Integer()


class FunnelSchema(ma.Schema):
    levels = ma.fields.List(ma.fields.Nested(FunnelLevelSchema))


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    read = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    actor = ma.fields.Nested(UserRefSchema, allow_none=True)
    post_id = ma.fields.Integer(allow_none=True)
    portal_item_id = ma.fields.Integer(allow_none=True)
    selection_item_id = ma.fields.Integer(allow_none=True)
    saved_search_id = ma.fields.Integer(allow_none=True)
    text = ma.fields.String()


class NotificationPageSchema(page_schema(NotificationSchema)):
    unread = ma.fields.Integer()


class NotificationListArgs(ListArgs):
    unread = ma.fields.Boolean(load_default=None)


class MarkNotificationsSchema(ma.Schema):
    ids = ma.fields.List(ma.fields.Integer(), validate=ma.validate.Length(max=500))
    all = ma.fields.Boolean()

    @ma.validates_schema
    def one_of(self, data, **kwargs):
        if bool(data.get("ids")) == bool(data.get("all")):
            raise ma.ValidationError("Give either ids or all: true.", "_body")


def present_items(items: list[SelectionItem], viewer=None) -> list[dict]:
    """Items as the API shows them to ``viewer`` (the current user unless given)."""
    notes = selection.chain(items)
    posts = present_posts(viewer or current_user, [item.post for item in items])
    unit_ids = {item.unit_id for item in items} | {
        n.unit_id for chain in notes.values() for n in chain if n.unit_id
    }
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(unit_ids))).all())
    return [
        {
            "id": item.id,
            "post": post,
            "unit": {"id": item.unit_id, "path": paths.get(item.unit_id)},
            "status": item.status,
            "priority": item.priority,
            "created_at": item.created_at,
            "notes": [
                {
                    "by": {"id": note.by.id, "name": note.by.name},
                    "unit": {"id": note.unit_id, "path": paths.get(note.unit_id)} if note.unit_id else None,
                    "action": note.action,
                    "note": note.note,
                    "priority": note.priority,
                    "at": note.at,
                }
                for note in notes[item.id]
            ],
        }
        for item, post in zip(items, posts, strict=True)
    ]


@blp.post("/posts/<int:post_id>/forward")
@blp.arguments(ForwardSchema)
@blp.response(201, SelectionItemSchema)
def forward_post(payload, post_id):
    """Send a post to the level above, with a note and an optional new priority."""
    post = post_services.get_post_or_404(current_user, post_id)
    item = selection.forward_post(current_user, post, payload["note"], payload["priority"])
    db.session.commit()
    return present_items([item])[0]


@blp.get("/selection")
@blp.arguments(SelectionListArgs, location="query")
@blp.response(200, page_schema(SelectionItemSchema))
def list_selection(args):
    """Items forwarded to the units I manage, most urgent first, then the newest."""
    rank = selection_rank()
    page = keyset_page(
        selection.selection_query(current_user, args["status"]),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[rank, SelectionItem.id],
        descending=[False, True],
        key_of=lambda item: (PRIORITIES.index(item.priority), item.id),
    )
    return {"items": present_items(page["items"]), "next": page["next"]}


def selection_rank():
    from sqlalchemy import case

    return case({priority: rank for rank, priority in enumerate(PRIORITIES)}, value=SelectionItem.priority)


def _decision(item_id, payload, decide):
    item = selection.get_item_or_404(current_user, item_id)
    result = decide(current_user, item, payload["note"])
    db.session.commit()
    return present_items([result])[0]


@blp.post("/selection/<int:item_id>/forward")
@blp.arguments(ForwardSchema)
@blp.response(201, SelectionItemSchema)
def forward_item(payload, item_id):
    """Forward one level further up; answers the item created (or joined) at that level."""
    item = selection.get_item_or_404(current_user, item_id)
    forwarded = selection.forward_item(current_user, item, payload["note"], payload["priority"])
    db.session.commit()
    return present_items([forwarded])[0]


@blp.post("/selection/<int:item_id>/keep")
@blp.arguments(DecisionSchema)
@blp.response(200, SelectionItemSchema)
def keep_item(payload, item_id):
    return _decision(item_id, payload, selection.keep_item)


@blp.post("/selection/<int:item_id>/close")
@blp.arguments(DecisionSchema)
@blp.response(200, SelectionItemSchema)
def close_item(payload, item_id):
    return _decision(item_id, payload, selection.close_item)


@blp.get("/selection/funnel")
@blp.arguments(FunnelArgs, location="query")
@blp.response(200, FunnelSchema)
def get_funnel(args):
    """For a unit and a period (default: last 7 days), how many items reached each level and went on."""
    return {"levels": selection.funnel(current_user, args["unit_id"], args["after"], args["before"])}


@blp.get("/notifications")
@blp.arguments(NotificationListArgs, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(args):
    if notifications.refresh_due_notifications(current_user):
        db.session.commit()
    page = notifications.page(current_user, args["unread"], limit=args["limit"], cursor=args["cursor"])
    return {
        "items": notifications.present(page["items"]),
        "next": page["next"],
        "unread": notifications.unread_count(current_user),
    }


@blp.post("/notifications/read")
@blp.arguments(MarkNotificationsSchema)
@blp.response(200, MarkedSchema)
def mark_notifications_read(payload):
    marked = notifications.mark_read(current_user, None if payload.get("all") else payload["ids"])
    db.session.commit()
    return {"marked": marked}
