from sqlalchemy import select

from rse.api import ApiBlueprint, keyset_page, page_schema
from rse.db_types import contains_pattern
from rse.errors import NotFound
from rse.extensions import db
from rse.units.models import Unit
from rse.units.schemas import UnitListArgs, UnitSchema

blp = ApiBlueprint("units", __name__, url_prefix="/api/v1/units", description="Organisation units")


@blp.get("")
@blp.arguments(UnitListArgs, location="query")
@blp.response(200, page_schema(UnitSchema))
def list_units(args):
    """Units of every ministry (the organisation tree is public inside the network)."""
    stmt = select(Unit)
    if args["q"]:
        stmt = stmt.where(Unit.path.ilike(contains_pattern(args["q"]), escape="\\"))
    if args["parent_id"] is not None:
        stmt = stmt.where(Unit.parent_id == args["parent_id"])
    return keyset_page(
        stmt,
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[Unit.path, Unit.id],
        key_of=lambda unit: (unit.path, unit.id),
        descending=False,
    )


@blp.get("/<int:unit_id>")
@blp.response(200, UnitSchema)
def get_unit(unit_id):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    return unit
