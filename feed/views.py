"""Post pages: compose, read a post with its comments, reactions, read/done marks and receipts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from communities.views import community_by_slug_or_404
from feed import comments as comment_services
from feed import posts as post_services
from feed import selection
from feed.comments import REACTIONS, threaded
from feed.models import PRIORITIES
from feed.presenters import present_post
from rse import permissions
from rse.accounts.models import User
from rse.errors import DomainError, Forbidden
from rse.extensions import db
from rse.forms import flash_domain_error, parse_addressees, parse_local_datetime, parse_tags, safe_next
from rse.units.models import Unit

blp = Blueprint("post", __name__, template_folder="templates")


def _post_fields(form) -> dict:
    qualification = form.get("qualification") or None
    return {
        "title": form.get("title", "").strip(),
        "body": form.get("body", ""),
        "qualification": None if qualification == "none" else qualification,
        "priority": form.get("priority", "routine"),
        "action_addressees": parse_addressees(form.getlist("action_addressees"))
        if qualification == "action"
        else [],
        "info_addressees": parse_addressees(form.getlist("info_addressees")) if qualification else [],
        "due_at": parse_local_datetime(form.get("due_at", ""), form.get("tz_offset"))
        if qualification == "action"
        else None,
        "tags": parse_tags(form.get("tags", "")),
    }


def _chosen_addressees(form) -> dict[str, list[dict]]:
    """The addressees picked in a refused form, with their names, so the picker shows them again."""

    def named(ref: dict) -> dict:
        if ref["type"] == "user":
            found = db.session.get(User, ref["id"])
            return {**ref, "name": found.name if found else None}
        found = db.session.get(Unit, ref["id"])
        return {**ref, "name": found.path if found else None}

    return {
        field: [named(ref) for ref in parse_addressees(form.getlist(field))[:50]]
        for field in ("action_addressees", "info_addressees")
    }


def _missing_text(fields: dict) -> bool:
    if fields["title"] and fields["body"].strip():
        return False
    flash(_("A post needs a title and a text."), "error")
    return True


@blp.route("/c/<slug>/write", methods=["GET", "POST"])
@login_required
def compose(slug: str):
    community = community_by_slug_or_404(slug)
    if not permissions.can_contribute(current_user, community):
        raise Forbidden("Only members may write in this community.")
    if request.method == "POST":
        fields = _post_fields(request.form)
        if not _missing_text(fields):
            try:
                post = post_services.create_post(current_user, community, **fields)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash_domain_error(error)
            else:
                flash(_("Your post was published."), "success")
                return redirect(url_for("post.show", post_id=post.id))
    return render_template(
        "feed/compose.html",
        community=community,
        form=request.form,
        chosen=_chosen_addressees(request.form),
        priorities=PRIORITIES,
        post=None,
    )


@blp.get("/posts/<int:post_id>")
@login_required
def show(post_id: int):
    post = post_services.get_post_or_404(current_user, post_id)
    comments = db.session.scalars(
        comment_services.comments_query(current_user, post).order_by("id").limit(500)
    ).all()
    threads, replies = threaded(comments)
    receipts = (
        post_services.receipts(current_user, post)
        if permissions.can_see_receipts(current_user, post) and post.qualification
        else None
    )
    return render_template(
        "feed/post.html",
        post=present_post(current_user, post),
        community=post.community,
        threads=threads,
        replies=replies,
        receipts=receipts,
        reactions=REACTIONS,
        can_comment=permissions.can_comment(current_user, post),
        can_edit=permissions.can_edit_post(current_user, post),
        can_delete=permissions.can_delete_post(current_user, post),
        delete_comment_url=lambda comment: url_for("post.delete_comment", comment_id=comment.id),
        may_delete_comment=lambda comment: permissions.can_delete_comment(current_user, comment, post),
        forward_to=selection.level_above_for(current_user),
        priorities=PRIORITIES,
    )


@blp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = post_services.get_post_or_404(current_user, post_id)
    if not permissions.can_edit_post(current_user, post):
        raise Forbidden("Only the author or an animator may change this post.")
    if request.method == "POST":
        fields = _post_fields(request.form)
        if not _missing_text(fields):
            try:
                post_services.update_post(current_user, post, fields)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash_domain_error(error)
            else:
                flash(_("The post was updated."), "success")
                return redirect(url_for("post.show", post_id=post.id))
    return render_template(
        "feed/compose.html",
        community=post.community,
        form=request.form,
        chosen=_chosen_addressees(request.form),
        priorities=PRIORITIES,
        post=present_post(current_user, post),
    )


def _act(post_id: int, action) -> object:
    post = post_services.get_post_or_404(current_user, post_id)
    try:
        action(post)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(safe_next(request.form.get("next"), "post.show", post_id=post_id))


@blp.post("/posts/<int:post_id>/read")
@login_required
def mark_read(post_id: int):
    return _act(post_id, lambda post: post_services.mark_read(current_user, post))


@blp.post("/posts/<int:post_id>/done")
@login_required
def mark_done(post_id: int):
    return _act(post_id, lambda post: post_services.mark_done(current_user, post))


@blp.post("/posts/<int:post_id>/undone")
@login_required
def mark_not_done(post_id: int):
    return _act(post_id, lambda post: post_services.mark_not_done(current_user, post))


@blp.post("/posts/<int:post_id>/react")
@login_required
def react(post_id: int):
    emoji = request.form.get("emoji", "")

    def toggle(post):
        if emoji in present_post(current_user, post)["my_reactions"]:
            comment_services.remove_reaction(current_user, post, emoji)
        else:
            comment_services.add_reaction(current_user, post, emoji)

    return _act(post_id, toggle)


@blp.post("/posts/<int:post_id>/comments")
@login_required
def comment(post_id: int):
    body = request.form.get("body", "").strip()
    parent = request.form.get("parent_id")
    if not body:
        flash(_("A comment needs a text."), "error")
        return redirect(url_for("post.show", post_id=post_id))
    return _act(
        post_id,
        lambda post: comment_services.create_comment(
            current_user, post, body, int(parent) if parent and parent.isdigit() else None
        ),
    )


@blp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    found, post = comment_services.get_comment_or_404(current_user, comment_id)
    return _act(post.id, lambda post: comment_services.delete_comment(current_user, found, post))


@blp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    post = post_services.get_post_or_404(current_user, post_id)
    slug = post.community.slug
    post_services.delete_post(current_user, post)
    db.session.commit()
    flash(_("The post was deleted."), "success")
    return redirect(url_for("community.show", slug=slug))
