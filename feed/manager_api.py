"""``/api/v1/manager``: the items addressed into a manager's units, and their totals."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import select

from feed import manager
from feed.desk import NO_DUE_DATE
from feed.models import PRIORITIES
from feed.presenters import present_posts
from feed.schemas import PostSchema
from rse.accounts.models import User
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.db_types import utcnow
from rse.extensions import db
from rse.units.models import Unit
from rse.units.schemas import UnitRefSchema

blp = ApiBlueprint("manager", __name__, url_prefix="/api/v1/manager", description="The manager's view")


class ManagerFilterArgs(ma.Schema):
    unit_id = ma.fields.Integer(load_default=None)
    priority = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PRIORITIES))
    community_id = ma.fields.Integer(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(["open", "done", "overdue"]))
    due_before = ma.fields.AwareDateTime(load_default=None)
    after = ma.fields.AwareDateTime(load_default=None, metadata={"description": "Default: 90 days ago."})
    before = ma.fields.AwareDateTime(load_default=None)


class ManagerListArgs(ListArgs, ManagerFilterArgs):
    pass


class HolderSchema(ma.Schema):
    type = ma.fields.String()
    id = ma.fields.Integer()
    name = ma.fields.String()


class ManagerItemSchema(ma.Schema):
    post = ma.fields.Nested(PostSchema)
    holder = ma.fields.Nested(HolderSchema)
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True)
    status = ma.fields.String()
    age_hours = ma.fields.Integer()


class StatusCountsSchema(ma.Schema):
    open = ma.fields.Integer()
    done = ma.fields.Integer()
    overdue = ma.fields.Integer()


class UnitSummarySchema(StatusCountsSchema):
    unit = ma.fields.Nested(UnitRefSchema)
    by_priority = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(StatusCountsSchema))
    info_read_rate = ma.fields.Float(allow_none=True)


class SummarySchema(ma.Schema):
    units = ma.fields.List(ma.fields.Nested(UnitSummarySchema))
    totals = ma.fields.Nested(StatusCountsSchema)


def _filters(args) -> manager.ManagerFilters:
    return manager.ManagerFilters(
        **{field: args.get(field) for field in manager.ManagerFilters.__dataclass_fields__}
    )


@blp.get("/items")
@blp.arguments(ManagerListArgs, location="query")
@blp.response(200, page_schema(ManagerItemSchema))
def list_items(args):
    """Action items addressed into my units: overdue first, then by priority and due date."""
    now = utcnow()
    columns, directions = manager.items_order(now)
    page = keyset_page(
        manager.items_query(current_user, _filters(args), now),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=columns,
        descending=directions,
        scalars=False,
        key_of=lambda row: (
            0 if manager.status_of(row.PostRecipient, row.Post, now) == "overdue" else 1,
            PRIORITIES.index(row.Post.priority),
            (row.Post.due_at or NO_DUE_DATE).isoformat(),
            row.Post.id,
            row.PostRecipient.user_id,
        ),
    )
    rows = page["items"]
    posts = present_posts(current_user, [row.Post for row in rows])
    holders = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({row.PostRecipient.user_id for row in rows}))
        ).all()
    )
    paths = dict(
        db.session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_({row.PostRecipient.unit_id for row in rows}))
        ).all()
    )
    items = []
    for row, post in zip(rows, posts, strict=True):
        recipient = row.PostRecipient
        items.append(
            {
                "post": post,
                "holder": {"type": "user", "id": recipient.user_id, "name": holders.get(recipient.user_id)},
                "unit": {"id": recipient.unit_id, "path": paths.get(recipient.unit_id)}
                if recipient.unit_id
                else None,
                "status": manager.status_of(recipient, row.Post, now),
                "age_hours": int((now - row.Post.created_at).total_seconds() // 3600),
            }
        )
    return {"items": items, "next": page["next"]}


@blp.get("/summary")
@blp.arguments(ManagerFilterArgs, location="query")
@blp.response(200, SummarySchema)
def get_summary(args):
    """Totals by unit and priority over my units (posts of the last 90 days unless ``after``)."""
    return manager.summary(current_user, _filters(args))
