import marshmallow as ma

from feed.models import PRIORITIES, QUALIFICATIONS
from rse.accounts.schemas import UserRefSchema
from rse.api import ListArgs


class AddresseeInSchema(ma.Schema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(["user", "unit"]))
    id = ma.fields.Integer(required=True, strict=True)


class AddresseeSchema(ma.Schema):
    type = ma.fields.String()
    id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)


class CommunityRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    slug = ma.fields.String()


class PostSchema(ma.Schema):
    id = ma.fields.Integer()
    community = ma.fields.Nested(CommunityRefSchema)
    author = ma.fields.Nested(UserRefSchema)
    title = ma.fields.String()
    body = ma.fields.String()
    body_html = ma.fields.String()
    qualification = ma.fields.String(allow_none=True)
    priority = ma.fields.String()
    action_addressees = ma.fields.List(ma.fields.Nested(AddresseeSchema))
    info_addressees = ma.fields.List(ma.fields.Nested(AddresseeSchema))
    due_at = ma.fields.DateTime(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    mentions = ma.fields.List(ma.fields.Nested(UserRefSchema))
    comment_count = ma.fields.Integer()
    reactions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    my_reactions = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)
    done_at = ma.fields.DateTime(allow_none=True)
    is_action_for_me = ma.fields.Boolean()


_TITLE = ma.validate.Length(min=1, max=200)
_BODY = ma.validate.Length(min=1, max=50_000)
_ADDRESSEES = ma.validate.Length(max=200)
_TAGS = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)))


class PostCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=_TITLE)
    body = ma.fields.String(required=True, validate=_BODY)
    qualification = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.OneOf(QUALIFICATIONS)
    )
    priority = ma.fields.String(load_default="routine", validate=ma.validate.OneOf(PRIORITIES))
    action_addressees = ma.fields.List(
        ma.fields.Nested(AddresseeInSchema), load_default=list, validate=_ADDRESSEES
    )
    info_addressees = ma.fields.List(
        ma.fields.Nested(AddresseeInSchema), load_default=list, validate=_ADDRESSEES
    )
    due_at = ma.fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    tags = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), load_default=list)


class PostUpdateSchema(ma.Schema):
    title = ma.fields.String(validate=_TITLE)
    body = ma.fields.String(validate=_BODY)
    qualification = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(QUALIFICATIONS))
    priority = ma.fields.String(validate=ma.validate.OneOf(PRIORITIES))
    action_addressees = ma.fields.List(ma.fields.Nested(AddresseeInSchema), validate=_ADDRESSEES)
    info_addressees = ma.fields.List(ma.fields.Nested(AddresseeInSchema), validate=_ADDRESSEES)
    due_at = ma.fields.AwareDateTime(allow_none=True)
    tags = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)))


class PostListArgs(ListArgs):
    qualification = ma.fields.String(load_default=None, validate=ma.validate.OneOf([*QUALIFICATIONS, "none"]))
    priority = ma.fields.String(load_default=None, validate=ma.validate.OneOf(PRIORITIES))
    tag = ma.fields.String(load_default=None, validate=ma.validate.Length(max=65))


class RevisionSchema(ma.Schema):
    at = ma.fields.DateTime()
    by = ma.fields.Nested(UserRefSchema)
    changes = ma.fields.Dict()


class ReadSchema(ma.Schema):
    read_at = ma.fields.DateTime()


class DoneSchema(ma.Schema):
    done_at = ma.fields.DateTime(allow_none=True)


class UnitRefOrNoneSchema(ma.Schema):
    id = ma.fields.Integer()
    path = ma.fields.String()


class UnitReceiptSchema(ma.Schema):
    unit = ma.fields.Nested(UnitRefOrNoneSchema, allow_none=True)
    addressees = ma.fields.Integer()
    read = ma.fields.Integer()
    done = ma.fields.Integer()


class PersonReceiptSchema(ma.Schema):
    user = ma.fields.Nested(UserRefSchema)
    unit_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    read_at = ma.fields.DateTime(allow_none=True)
    done_at = ma.fields.DateTime(allow_none=True)


class ReceiptsSchema(ma.Schema):
    addressees = ma.fields.Integer()
    read = ma.fields.Integer()
    done = ma.fields.Integer()
    by_unit = ma.fields.List(ma.fields.Nested(UnitReceiptSchema))
    people = ma.fields.List(ma.fields.Nested(PersonReceiptSchema))


class CommentSchema(ma.Schema):
    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    author = ma.fields.Nested(UserRefSchema)
    body = ma.fields.String()
    body_html = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CommentCreateSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20_000))
    parent_id = ma.fields.Integer(load_default=None, allow_none=True)


class CommentUpdateSchema(ma.Schema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20_000))


class ReactionSchema(ma.Schema):
    emoji = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=16))
