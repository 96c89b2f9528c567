import marshmallow as ma

from communities.models import MEMBER_ROLES, VISIBILITIES
from rse.accounts.schemas import UserRefSchema
from rse.api import ListArgs


class CommunitySchema(ma.Schema):
    id = ma.fields.Integer()
    slug = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    visibility = ma.fields.String()
    ministry_id = ma.fields.Integer(allow_none=True)
    member_count = ma.fields.Integer()
    my_role = ma.fields.String(allow_none=True)
    my_request = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class CommunityCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=120))
    slug = ma.fields.String(validate=ma.validate.Length(min=2, max=80))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    visibility = ma.fields.String(required=True, validate=ma.validate.OneOf(VISIBILITIES))
    ministry_id = ma.fields.Integer(allow_none=True)


class CommunityUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=2, max=120))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    visibility = ma.fields.String(validate=ma.validate.OneOf(VISIBILITIES))


class CommunityListArgs(ListArgs):
    visibility = ma.fields.String(load_default=None, validate=ma.validate.OneOf(VISIBILITIES))
    member = ma.fields.Boolean(load_default=None)
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))


class JoinStatusSchema(ma.Schema):
    status = ma.fields.String()


class MemberSchema(ma.Schema):
    user = ma.fields.Nested(UserRefSchema)
    role = ma.fields.String()
    joined_at = ma.fields.DateTime()


class MemberAddSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(MEMBER_ROLES))


class MemberRoleSchema(ma.Schema):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(MEMBER_ROLES))


class JoinRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    user = ma.fields.Nested(UserRefSchema)
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
