"""``/api/v1/desk``: counts and the À faire, À lire and Fait lists with their filters."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from feed import desk
from feed.models import PRIORITIES, Post
from feed.presenters import present_posts
from feed.schemas import PostSchema
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.db_types import utcnow
from rse.extensions import db

blp = ApiBlueprint("desk", __name__, url_prefix="/api/v1/desk", description="The agent's desk")


class DeskFilterArgs(ma.Schema):
    priority = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PRIORITIES))
    community_id = ma.fields.Integer(load_default=None)
    tag = ma.fields.String(load_default=None, validate=ma.validate.Length(max=65))
    author_id = ma.fields.Integer(load_default=None)
    after = ma.fields.AwareDateTime(load_default=None)
    before = ma.fields.AwareDateTime(load_default=None)
    overdue = ma.fields.Boolean(load_default=None)
    unread = ma.fields.Boolean(load_default=None)


class DeskListArgs(ListArgs, DeskFilterArgs):
    pass


class DeskItemSchema(PostSchema):
    overdue = ma.fields.Boolean()


class PriorityCountsSchema(ma.Schema):
    flash = ma.fields.Integer()
    immediate = ma.fields.Integer()
    priority = ma.fields.Integer()
    routine = ma.fields.Integer()


class ListCountsSchema(ma.Schema):
    total = ma.fields.Integer()
    overdue = ma.fields.Integer()
    by_priority = ma.fields.Nested(PriorityCountsSchema)
    capped = ma.fields.Boolean(
        metadata={"description": "À lire only: a priority's count stopped at 99 (show 99+)."}
    )


class DoneCountsSchema(ma.Schema):
    total = ma.fields.Integer()


class DeskCountsSchema(ma.Schema):
    todo = ma.fields.Nested(ListCountsSchema)
    toread = ma.fields.Nested(ListCountsSchema)
    done = ma.fields.Nested(DoneCountsSchema)
    selection = ma.fields.Integer(metadata={"description": "Open items of my selection (managers)."})
    notifications = ma.fields.Integer(metadata={"description": "Unread notifications."})


class MarkedSchema(ma.Schema):
    marked = ma.fields.Integer()


def filters_from(args: dict) -> desk.DeskFilters:
    return desk.DeskFilters(**{field: args.get(field) for field in desk.DeskFilters.__dataclass_fields__})


def _page(stmt, order, key_of, args):
    columns, directions = order
    page = keyset_page(
        stmt,
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=columns,
        descending=directions,
        key_of=key_of,
    )
    return _present(page)


def _present(page):
    now = utcnow()
    items = present_posts(current_user, page["items"])
    for item in items:
        item["overdue"] = bool(item["due_at"] and item["due_at"] < now and not item["done_at"])
    return {"items": items, "next": page["next"]}


def _rank(post: Post) -> int:
    return PRIORITIES.index(post.priority)


@blp.get("")
@blp.response(200, DeskCountsSchema)
def get_counts():
    from feed import notifications

    if notifications.refresh_due_notifications(current_user):
        db.session.commit()
    return desk.counts(current_user)


@blp.get("/todo")
@blp.arguments(DeskListArgs, location="query")
@blp.response(200, page_schema(DeskItemSchema))
def list_todo(args):
    """Open actions for me: flash first, then the soonest due date (undated last), then the oldest."""
    return _page(
        desk.todo_query(current_user, filters_from(args)),
        desk.todo_order(),
        lambda post: (
            _rank(post),
            (post.due_at or desk.NO_DUE_DATE).isoformat(),
            post.created_at.isoformat(),
            post.id,
        ),
        args,
    )


@blp.get("/toread")
@blp.arguments(DeskListArgs, location="query")
@blp.response(200, page_schema(DeskItemSchema))
def list_toread(args):
    """Unread information for me: flash first, then the newest."""
    return _present(desk.toread_page(current_user, filters_from(args), args["limit"], args["cursor"]))


@blp.get("/done")
@blp.arguments(DeskListArgs, location="query")
@blp.response(200, page_schema(DeskItemSchema))
def list_done(args):
    """The actions I marked done, latest first."""
    return _page(
        desk.done_query(current_user, filters_from(args)),
        desk.done_order(),
        lambda post: (desk.my_done_at(current_user, post).isoformat(), post.id),
        args,
    )


@blp.post("/toread/mark-read")
@blp.arguments(DeskFilterArgs, location="query")
@blp.response(200, MarkedSchema)
def mark_all_read(args):
    """Mark every unread item of the filtered À lire list read (filters in the query string)."""
    marked = desk.mark_read(current_user, filters_from(args))
    db.session.commit()
    return {"marked": marked}
