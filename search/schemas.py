import marshmallow as ma

from rse.accounts.schemas import UserRefSchema
from rse.api import ListArgs
from search.models import ALERTS, LEVELS

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
    total_exact = ma.fields.Boolean(
        metadata={"description": "False: more matches than the bound; `total` is a floor."}
    )
    facets = ma.fields.Nested(FacetsSchema)
    facets_exact = ma.fields.Boolean(
        metadata={"description": "False: the facets count the bounded set of matches only."}
    )
    next = ma.fields.String(allow_none=True)
    warnings = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "What was bounded (a broad prefix, the time budget)."},
    )


class SavedSearchFiltersSchema(ma.Schema):
    """The search parameters kept beside the query text (the same names as ``GET /search``)."""

    community_id = ma.fields.Integer(allow_none=True)
    author_id = ma.fields.Integer(allow_none=True)
    tag = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64))
    priority = ma.fields.String(allow_none=True)
    qualification = ma.fields.String(allow_none=True)
    after = ma.fields.String(allow_none=True)
    before = ma.fields.String(allow_none=True)


class SavedSearchInSchema(ma.Schema):
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    query = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    filters = ma.fields.Nested(SavedSearchFiltersSchema, load_default=dict)
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    alert = ma.fields.String(load_default="immediate", validate=ma.validate.OneOf(ALERTS))


class SavedSearchSchema(ma.Schema):
    id = ma.fields.Integer()
    label = ma.fields.String()
    query = ma.fields.String()
    filters = ma.fields.Dict()
    level = ma.fields.String(metadata={"description": "opportunity, watch, risk or high_risk."})
    alert = ma.fields.String(metadata={"description": "immediate or daily."})
    created_at = ma.fields.DateTime()
    new_matches = ma.fields.Integer(metadata={"description": "Readable matches since last looked at."})


class SavedSearchMatchSchema(ma.Schema):
    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    title = ma.fields.String()
    community = ma.fields.Nested(SearchCommunitySchema)
    author = ma.fields.Nested(UserRefSchema)
    created_at = ma.fields.DateTime()
    matched_at = ma.fields.DateTime()
    new = ma.fields.Boolean(metadata={"description": "Matched since the search was last looked at."})
    on_desk = ma.fields.Boolean(metadata={"description": "Already an open or done action of mine."})


class ToActionSchema(ma.Schema):
    post_id = ma.fields.Integer()
    on_desk = ma.fields.Boolean()
