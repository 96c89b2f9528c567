"""``/api/v1/manager``: the items addressed into a manager's units, and their totals."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user

from feed import manager
from feed.models import PRIORITIES
from feed.schemas import PostSchema
from rse.api import ApiBlueprint, ListArgs, page_schema
from rse.db_types import utcnow
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
    return manager.items_page(current_user, _filters(args), args["limit"], args["cursor"], utcnow())


@blp.get("/summary")
@blp.arguments(ManagerFilterArgs, location="query")
@blp.response(200, SummarySchema)
def get_summary(args):
    """Totals by unit and priority over my units (posts of the last 90 days unless ``after``)."""
    return manager.summary(current_user, _filters(args))
