import marshmallow as ma

from rse.api import ListArgs


class UnitRefSchema(ma.Schema):
    id = ma.fields.Integer()
    path = ma.fields.String()


class UnitSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    path = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    ministry_id = ma.fields.Integer(allow_none=True)


class UnitListArgs(ListArgs):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    parent_id = ma.fields.Integer(load_default=None)
