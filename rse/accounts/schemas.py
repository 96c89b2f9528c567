import marshmallow as ma

from rse.api import ListArgs
from rse.units.schemas import UnitRefSchema


class MeSchema(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True)
    roles = ma.fields.List(ma.fields.String())
    manages = ma.fields.List(ma.fields.Nested(UnitRefSchema), attribute="managed_units")
    locale = ma.fields.String()


class MeUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    locale = ma.fields.String(validate=ma.validate.OneOf(["fr", "en"]))


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, validate=ma.validate.Length(max=1024))
    new_password = ma.fields.String(required=True, validate=ma.validate.Length(max=1024))


class UserRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class UserSummarySchema(UserRefSchema):
    unit = ma.fields.Nested(UnitRefSchema, allow_none=True)


class UserListArgs(ListArgs):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


class TokenCreateSchema(ma.Schema):
    name = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100))


class TokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    created_at = ma.fields.DateTime()
    last_used_at = ma.fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = ma.fields.String(metadata={"description": "Shown only in this response."})
