import marshmallow as ma

from rse.accounts.schemas import UserRefSchema
from rse.api import ListArgs

SORTS = ("relevance", "date")


class SearchArgs(ListArgs):
    # Length is checked by the query parser, which says why in the problem's detail.
    q = ma.fields.String(load_default="")
    community_id = ma.fields.Integer(load_default=None)
    author_id = ma.fields.Integer(load_default=None)
    tag = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))
    priority = ma.fields.String(load_default=None)
    qualification = ma.fields.String(load_default=None)
    after = ma.fields.String(load_default=None)
    before = ma.fields.String(load_default=None)
    sort = ma.fields.String(load_default="relevance", validate=ma.validate.OneOf(SORTS))
    priority_boost = ma.fields.Boolean(load_default=False)


class SearchCommunitySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class SearchItemSchema(ma.Schema):
    kind = ma.fields.String()
    id = ma.fields.Integer()
    post_id = ma.fields.Integer(allow_none=True)
    portal_item_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    snippet = ma.fields.String(metadata={"description": "HTML: escaped text, matched words in <mark>."})
    community = ma.fields.Nested(SearchCommunitySchema, allow_none=True)
    author = ma.fields.Nested(UserRefSchema)
    created_at = ma.fields.DateTime()
    score = ma.fields.Float(allow_none=True, metadata={"description": "Relevance; null when sorted by date."})


class FacetValueSchema(ma.Schema):
    value = ma.fields.Raw()
    label = ma.fields.String()
    count = ma.fields.Integer()


class FacetsSchema(ma.Schema):
    community = ma.fields.List(ma.fields.Nested(FacetValueSchema))
    qualification = ma.fields.List(ma.fields.Nested(FacetValueSchema))
    priority = ma.fields.List(ma.fields.Nested(FacetValueSchema))
    author = ma.fields.List(ma.fields.Nested(FacetValueSchema))
    month = ma.fields.List(ma.fields.Nested(FacetValueSchema))


class SearchPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SearchItemSchema))
    total = ma.fields.Integer()
    total_exact = ma.fields.Boolean()
    facets = ma.fields.Nested(FacetsSchema)
    next = ma.fields.String(allow_none=True)
    warnings = ma.fields.List(
        ma.fields.String(), metadata={"description": "What was bounded (e.g. a broad prefix)."}
    )
