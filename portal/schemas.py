import marshmallow as ma

from feed.schemas import PostSchema
from rse.accounts.schemas import UserRefSchema

_HEADLINE = ma.validate.Length(min=1, max=200)
_STANDFIRST = ma.validate.Length(max=2000)
_BODY = ma.validate.Length(min=1, max=50_000)
_NOTE = ma.validate.Length(max=5000)


class RefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class CreditsSchema(ma.Schema):
    author = ma.fields.Nested(RefSchema)
    community = ma.fields.Nested(RefSchema)


class PortalItemSchema(ma.Schema):
    id = ma.fields.Integer()
    section_id = ma.fields.Integer()
    headline = ma.fields.String()
    standfirst = ma.fields.String()
    body = ma.fields.String()
    body_html = ma.fields.String()
    pinned = ma.fields.Boolean()
    position = ma.fields.Integer()
    published_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime(allow_none=True)
    status = ma.fields.String(
        metadata={"description": "live, scheduled or ended (the last two for curators)"}
    )
    credits = ma.fields.Nested(CreditsSchema)
    source_post_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "null when the caller may not read the source post"}
    )
    comment_count = ma.fields.Integer()
    reactions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    my_reactions = ma.fields.List(ma.fields.String())
    source_changed = ma.fields.Boolean()


class SectionSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    slug = ma.fields.String()
    position = ma.fields.Integer()


class SectionWithItemsSchema(SectionSchema):
    items = ma.fields.List(ma.fields.Nested(PortalItemSchema))


class PortalSchema(ma.Schema):
    sections = ma.fields.List(ma.fields.Nested(SectionWithItemsSchema))


class SectionCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    slug = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=80))


class PublishSchema(ma.Schema):
    post_id = ma.fields.Integer(required=True, strict=True)
    section_id = ma.fields.Integer(required=True, strict=True)
    headline = ma.fields.String(required=True, validate=_HEADLINE)
    standfirst = ma.fields.String(load_default="", validate=_STANDFIRST)
    body = ma.fields.String(load_default=None, validate=_BODY)
    publish_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    pinned = ma.fields.Boolean(load_default=False)


class ItemUpdateSchema(ma.Schema):
    section_id = ma.fields.Integer(strict=True)
    headline = ma.fields.String(validate=_HEADLINE)
    standfirst = ma.fields.String(validate=_STANDFIRST)
    body = ma.fields.String(validate=_BODY)
    publish_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    pinned = ma.fields.Boolean()
    position = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=-1000, max=1000))
    refresh_from_source = ma.fields.Boolean(
        metadata={"description": "true: take the source post's current text as the body again"}
    )
    source_changed = ma.fields.Boolean(
        validate=ma.validate.Equal(False),
        metadata={"description": "false: keep the snapshot, clear the flag"},
    )


class ItemRevisionSchema(ma.Schema):
    at = ma.fields.DateTime()
    by = ma.fields.Nested(UserRefSchema, allow_none=True)
    action = ma.fields.String()
    changes = ma.fields.Dict()


class PortalCommentSchema(ma.Schema):
    id = ma.fields.Integer()
    portal_item_id = ma.fields.Integer()
    post_id = ma.fields.Integer(allow_none=True)
    parent_id = ma.fields.Integer(allow_none=True)
    author = ma.fields.Nested(UserRefSchema)
    body = ma.fields.String()
    body_html = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ProposeSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


class DeclineSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=_NOTE)


class ProposalSchema(ma.Schema):
    id = ma.fields.Integer()
    post_id = ma.fields.Integer()
    post = ma.fields.Nested(
        PostSchema, allow_none=True, metadata={"description": "null while the caller may not see the post"}
    )
    by = ma.fields.Nested(UserRefSchema)
    note = ma.fields.String()
    by_animator = ma.fields.Boolean()
    status = ma.fields.String()
    needs_approval = ma.fields.Boolean()
    approved_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    item_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class QueueArgs(ma.Schema):
    after = ma.fields.AwareDateTime(load_default=None)
    before = ma.fields.AwareDateTime(load_default=None)


class SuggestionSchema(ma.Schema):
    post = ma.fields.Nested(PostSchema)
    views = ma.fields.Integer()
    readers = ma.fields.Integer()
    reading_seconds = ma.fields.Integer()
    comments = ma.fields.Integer()
    reactions = ma.fields.Integer()
    score = ma.fields.Float()


class QueueSchema(ma.Schema):
    proposals = ma.fields.List(ma.fields.Nested(ProposalSchema))
    suggestions = ma.fields.List(
        ma.fields.Nested(SuggestionSchema), metadata={"description": "empty until views are recorded"}
    )
    approvals = ma.fields.List(ma.fields.Nested(ProposalSchema))
    changed_items = ma.fields.List(
        ma.fields.Nested(PortalItemSchema), metadata={"description": "items whose source post changed"}
    )


class ViewInSchema(ma.Schema):
    seconds = ma.fields.Integer(
        load_default=0,
        strict=True,
        validate=ma.validate.Range(min=0, max=86_400),
        metadata={"description": "reading time of this view; capped at 600 per view, 3600 per day"},
    )


class ViewSchema(ma.Schema):
    recorded = ma.fields.Boolean(metadata={"description": "false for the author's own views"})
    day = ma.fields.Date()
    views = ma.fields.Integer()
    seconds = ma.fields.Integer()


# Statistics -------------------------------------------------------------------------------------


class StatsArgs(ma.Schema):
    weeks = ma.fields.Integer(
        load_default=12,
        validate=ma.validate.Range(min=1, max=52),
        metadata={"description": "how many weeks back, this week included"},
    )


class FiguresSchema(ma.Schema):
    views = ma.fields.Integer(metadata={"description": "openings, counted once per reader and day"})
    readers = ma.fields.Integer(metadata={"description": "distinct readers"})
    reading_seconds = ma.fields.Integer(metadata={"description": "visible time, capped per view and day"})
    comments = ma.fields.Integer()
    reactions = ma.fields.Integer()


class PostRefSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()


class ItemRefSchema(ma.Schema):
    id = ma.fields.Integer()
    headline = ma.fields.String()


class PostDaySchema(ma.Schema):
    day = ma.fields.Date()
    views = ma.fields.Integer()
    readers = ma.fields.Integer()
    reading_seconds = ma.fields.Integer()


class PostStatsSchema(FiguresSchema):
    post = ma.fields.Nested(PostRefSchema)
    days = ma.fields.List(ma.fields.Nested(PostDaySchema), metadata={"description": "the last 30 days"})


class CommunityWeekSchema(ma.Schema):
    week = ma.fields.Date(metadata={"description": "the Monday starting the week (UTC)"})
    posts = ma.fields.Integer()
    comments = ma.fields.Integer()
    active_members = ma.fields.Integer(metadata={"description": "people who posted, commented or reacted"})


class PostFiguresSchema(FiguresSchema):
    post = ma.fields.Nested(PostRefSchema)


class CommunityStatsSchema(FiguresSchema):
    community = ma.fields.Nested(RefSchema)
    since = ma.fields.Date()
    posts = ma.fields.Integer()
    weeks = ma.fields.List(ma.fields.Nested(CommunityWeekSchema))
    top_posts = ma.fields.List(ma.fields.Nested(PostFiguresSchema))


class PortalWeekSchema(ma.Schema):
    week = ma.fields.Date(metadata={"description": "the Monday starting the week (UTC)"})
    views = ma.fields.Integer()
    readers = ma.fields.Integer()
    reading_seconds = ma.fields.Integer()


class ItemFiguresSchema(FiguresSchema):
    item = ma.fields.Nested(ItemRefSchema)


class PortalStatsSchema(FiguresSchema):
    since = ma.fields.Date()
    weeks = ma.fields.List(ma.fields.Nested(PortalWeekSchema))
    items = ma.fields.List(ma.fields.Nested(ItemFiguresSchema))
