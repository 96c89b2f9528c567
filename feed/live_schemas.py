"""Payloads of the live (Socket.IO) events about posts, comments, desks and notifications.

Each event has its schema, as each API response has; payloads are the API objects, trimmed to what
every recipient of the room may see.
"""

import marshmallow as ma

from feed.desk_api import DeskCountsSchema
from feed.schemas import CommentSchema, PostSchema
from feed.selection_api import NotificationSchema


class PostEventSchema(PostSchema):
    """``post.created`` / ``post.updated``: the post object with no per-viewer state."""


class PostDeletedEventSchema(ma.Schema):
    """``post.deleted``: only the id, so that pages drop it."""

    id = ma.fields.Integer(required=True)


class CommentEventSchema(CommentSchema):
    """``comment.created`` in the room of its post."""


class DeskCountsEventSchema(DeskCountsSchema):
    """``desk.counts``: the ``GET /desk`` object of the person the room belongs to."""


class NotificationEventSchema(NotificationSchema):
    """``notification.created``: one notification, in its recipient's language."""
