from flask_login import current_user

from communities.services import get_known_or_404
from feed import comments as comment_services
from feed import posts as post_services
from feed.models import Comment, Post, Revision
from feed.presenters import present_post, present_posts
from feed.schemas import (
    CommentCreateSchema,
    CommentSchema,
    CommentUpdateSchema,
    DoneSchema,
    PostCreateSchema,
    PostListArgs,
    PostSchema,
    PostUpdateSchema,
    ReactionSchema,
    ReadSchema,
    ReceiptsSchema,
    RevisionSchema,
)
from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.extensions import db

blp = ApiBlueprint("posts", __name__, url_prefix="/api/v1", description="Posts, comments, reactions")


@blp.get("/communities/<int:community_id>/posts")
@blp.arguments(PostListArgs, location="query")
@blp.response(200, page_schema(PostSchema))
def list_posts(args, community_id):
    """A community's posts, newest first."""
    community = get_known_or_404(current_user, community_id)
    stmt = post_services.posts_query(
        current_user,
        community,
        qualification=args["qualification"],
        priority=args["priority"],
        tag=args["tag"],
    )
    page = keyset_page(
        stmt, limit=args["limit"], cursor=args["cursor"], key_columns=[Post.id], key_of=lambda p: (p.id,)
    )
    return {"items": present_posts(current_user, page["items"]), "next": page["next"]}


@blp.post("/communities/<int:community_id>/posts")
@blp.arguments(PostCreateSchema)
@blp.response(201, PostSchema)
def create_post(payload, community_id):
    community = get_known_or_404(current_user, community_id)
    post = post_services.create_post(current_user, community, **payload)
    db.session.commit()
    return present_post(current_user, post)


@blp.get("/posts/<int:post_id>")
@blp.response(200, PostSchema)
def get_post(post_id):
    return present_post(current_user, post_services.get_post_or_404(current_user, post_id))


@blp.patch("/posts/<int:post_id>")
@blp.arguments(PostUpdateSchema)
@blp.response(200, PostSchema)
def update_post(changes, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    post_services.update_post(current_user, post, changes)
    db.session.commit()
    return present_post(current_user, post)


@blp.delete("/posts/<int:post_id>")
@blp.response(204)
def delete_post(post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    post_services.delete_post(current_user, post)
    db.session.commit()


@blp.get("/posts/<int:post_id>/history")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(RevisionSchema))
def post_history(args, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    return keyset_page(
        post_services.history(current_user, post),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[Revision.id],
        key_of=lambda revision: (revision.id,),
    )


@blp.post("/posts/<int:post_id>/read")
@blp.response(200, ReadSchema)
def mark_read(post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    read_at = post_services.mark_read(current_user, post)
    db.session.commit()
    return {"read_at": read_at}


@blp.post("/posts/<int:post_id>/done")
@blp.response(200, DoneSchema)
def mark_done(post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    done_at = post_services.mark_done(current_user, post)
    db.session.commit()
    return {"done_at": done_at}


@blp.delete("/posts/<int:post_id>/done")
@blp.response(200, DoneSchema)
def mark_not_done(post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    post_services.mark_not_done(current_user, post)
    db.session.commit()
    return {"done_at": None}


@blp.get("/posts/<int:post_id>/receipts")
@blp.response(200, ReceiptsSchema)
def receipts(post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    return post_services.receipts(current_user, post)


@blp.get("/posts/<int:post_id>/comments")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(CommentSchema))
def list_comments(args, post_id):
    """Comments in writing order; replies carry their thread's ``parent_id``."""
    post = post_services.get_post_or_404(current_user, post_id)
    return keyset_page(
        comment_services.comments_query(current_user, post),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[Comment.id],
        key_of=lambda comment: (comment.id,),
        descending=False,
    )


@blp.post("/posts/<int:post_id>/comments")
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
def create_comment(payload, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    comment = comment_services.create_comment(current_user, post, payload["body"], payload["parent_id"])
    db.session.commit()
    return comment


@blp.patch("/comments/<int:comment_id>")
@blp.arguments(CommentUpdateSchema)
@blp.response(200, CommentSchema)
def update_comment(payload, comment_id):
    comment, post = comment_services.get_comment_or_404(current_user, comment_id)
    comment_services.update_comment(current_user, comment, post, payload["body"])
    db.session.commit()
    return comment


@blp.delete("/comments/<int:comment_id>")
@blp.response(204)
def delete_comment(comment_id):
    comment, post = comment_services.get_comment_or_404(current_user, comment_id)
    comment_services.delete_comment(current_user, comment, post)
    db.session.commit()


@blp.post("/posts/<int:post_id>/reactions")
@blp.arguments(ReactionSchema)
@blp.response(200, PostSchema)
def add_reaction(payload, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    comment_services.add_reaction(current_user, post, payload["emoji"])
    db.session.commit()
    return present_post(current_user, post)


@blp.delete("/posts/<int:post_id>/reactions")
@blp.arguments(ReactionSchema)
@blp.response(200, PostSchema)
def remove_reaction(payload, post_id):
    post = post_services.get_post_or_404(current_user, post_id)
    comment_services.remove_reaction(current_user, post, payload["emoji"])
    db.session.commit()
    return present_post(current_user, post)
