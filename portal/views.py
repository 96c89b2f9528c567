"""Portal pages: the front page, an item with its comments, the curation queue, the item editor.

Thin views over the services the API uses; refusals are flashed and the page is shown again.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from feed import posts as post_services
from feed.comments import REACTIONS, threaded
from feed.models import Post
from feed.rendering import render_markdown
from portal import curation
from portal import services as portal
from portal.models import PortalItem
from portal.presenters import present_item, present_items, present_proposals, present_suggestions
from rse import permissions
from rse.errors import DomainError
from rse.extensions import db
from rse.forms import flash_domain_error, parse_local_datetime, safe_next

blp = Blueprint("portal_pages", __name__, template_folder="templates")

MAX_NOTE = 5000


@blp.app_context_processor
def portal_navigation() -> dict:
    def proposals_box(post_id: int) -> dict | None:
        """What the post page shows of the portal: may I propose it, and my earlier proposals."""
        post = db.session.get(Post, post_id)
        if post is None or not permissions.can_propose(current_user, post):
            return None
        return {"proposals": present_proposals(current_user, curation.my_proposals(current_user, post))}

    if not current_user or not current_user.is_authenticated:
        return {}
    return {"has_curation_queue": curation.can_see_queue(current_user), "portal_proposals_box": proposals_box}


def _form_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.lstrip("-").isdigit() and len(value) < 12 else None


def _form_time(name: str):
    return parse_local_datetime(request.form.get(name, ""), request.form.get("tz_offset"))


@blp.get("/portal")
@login_required
def home():
    sections = [
        (section, present_items(current_user, items)) for section, items in portal.front_page(current_user)
    ]
    pinned = [item for _section, items in sections for item in items if item["pinned"]]
    return render_template(
        "portal/home.html", sections=sections, pinned=pinned, can_curate=permissions.can_curate(current_user)
    )


def _item_page(item: PortalItem, preview: dict | None = None):
    comments = db.session.scalars(portal.comments_query(item).order_by("id").limit(500)).all()
    threads, replies = threaded(comments)
    return render_template(
        "portal/item.html",
        item=present_item(current_user, item),
        section=item.section,
        threads=threads,
        replies=replies,
        reactions=REACTIONS,
        can_comment=permissions.can_comment_portal_item(current_user, item),
        can_curate=permissions.can_curate(current_user),
        delete_comment_url=lambda comment: url_for("portal_pages.delete_comment", comment_id=comment.id),
        may_delete_comment=lambda comment: permissions.can_delete_portal_comment(current_user, comment, item),
    )


@blp.get("/portal/items/<int:item_id>")
@login_required
def item(item_id: int):
    return _item_page(portal.get_item_or_404(current_user, item_id))


def _act(item_id: int, action, back: str | None = None):
    found = portal.get_item_or_404(current_user, item_id)
    try:
        action(found)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(safe_next(back or request.form.get("next"), "portal_pages.item", item_id=item_id))


@blp.post("/portal/items/<int:item_id>/comments")
@login_required
def comment(item_id: int):
    body = request.form.get("body", "").strip()
    parent = request.form.get("parent_id")
    if not body:
        flash(_("A comment needs a text."), "error")
        return redirect(url_for("portal_pages.item", item_id=item_id))
    return _act(
        item_id,
        lambda found: portal.create_comment(
            current_user, found, body, int(parent) if parent and parent.isdigit() else None
        ),
    )


@blp.post("/portal/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    found, item = portal.get_comment_or_404(current_user, comment_id)
    return _act(item.id, lambda item: portal.delete_comment(current_user, found, item))


@blp.post("/portal/items/<int:item_id>/react")
@login_required
def react(item_id: int):
    emoji = request.form.get("emoji", "")

    def toggle(found):
        if emoji in present_item(current_user, found)["my_reactions"]:
            portal.remove_reaction(current_user, found, emoji)
        else:
            portal.add_reaction(current_user, found, emoji)

    return _act(item_id, toggle)


# Curation ---------------------------------------------------------------------------------------


@blp.post("/posts/<int:post_id>/propose")
@login_required
def propose(post_id: int):
    post = post_services.get_post_or_404(current_user, post_id)
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    if not note:
        flash(_("Say in a note why this post deserves the portal."), "error")
    else:
        try:
            curation.propose(current_user, post, note)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        else:
            flash(_("Your proposal was sent to the curators."), "success")
    return redirect(url_for("post.show", post_id=post_id))


@blp.get("/curation")
@login_required
def queue():
    found = curation.queue(current_user)
    return render_template(
        "portal/queue.html",
        proposals=present_proposals(current_user, found["proposals"]),
        approvals=present_proposals(current_user, found["approvals"]),
        changed=present_items(current_user, portal.changed_items(current_user)),
        suggestions=present_suggestions(current_user),
        sections=portal.sections(),
        can_curate=permissions.can_curate(current_user),
    )


def _back_to_queue():
    return redirect(url_for("portal_pages.queue"))


@blp.post("/curation/publish")
@login_required
def publish():
    """Publish a proposed or suggested post (the form names it)."""
    try:
        item = portal.publish(
            current_user,
            _form_int("post_id") or 0,
            section_id=_form_int("section_id") or 0,
            headline=request.form.get("headline", "")[:200],
            standfirst=request.form.get("standfirst", "")[:2000],
            publish_at=_form_time("publish_at"),
            ends_at=_form_time("ends_at"),
            pinned=bool(request.form.get("pinned")),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return _back_to_queue()
    flash(_("The item is on the portal."), "success")
    return redirect(url_for("portal_pages.item", item_id=item.id))


@blp.post("/curation/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id: int):
    proposal = curation.get_proposal_or_404(current_user, proposal_id)
    try:
        curation.decline(current_user, proposal, request.form.get("note", "")[:MAX_NOTE])
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash(_("The proposal was declined."), "success")
    return _back_to_queue()


@blp.post("/curation/proposals/<int:proposal_id>/approve")
@login_required
def approve(proposal_id: int):
    proposal = curation.get_proposal_or_404(current_user, proposal_id)
    try:
        curation.approve(current_user, proposal)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash(_("The post may now be published on the portal."), "success")
    return _back_to_queue()


@blp.post("/portal/sections")
@login_required
def create_section():
    try:
        portal.create_section(current_user, request.form.get("name", "")[:120])
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash(_("The section was created."), "success")
    return _back_to_queue()


# Item editor ------------------------------------------------------------------------------------


def _editor_changes(item: PortalItem) -> dict:
    changes = {
        "section_id": _form_int("section_id"),
        "headline": request.form.get("headline", "")[:200],
        "standfirst": request.form.get("standfirst", "")[:2000],
        "body": request.form.get("body", "")[:50_000],
        "publish_at": _form_time("publish_at"),
        "ends_at": _form_time("ends_at"),
        "pinned": bool(request.form.get("pinned")),
        "position": _form_int("position") or 0,
    }
    if changes["publish_at"] is None:
        del changes["publish_at"]  # an emptied field keeps the publication time
    # The form shows times to the minute: an untouched field is no change.
    for field, current in (("publish_at", item.published_at), ("ends_at", item.ends_at)):
        if (
            field in changes
            and current is not None
            and changes[field] == current.replace(second=0, microsecond=0)
        ):
            del changes[field]
    return changes


@blp.route("/portal/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    found = portal.get_item_or_404(current_user, item_id)
    portal.require_curator(current_user)
    preview = None
    form = request.form if request.method == "POST" else None
    if request.method == "POST" and request.form.get("action") == "preview":
        preview = render_markdown(request.form.get("body", ""))
    elif request.method == "POST":
        try:
            portal.update_item(current_user, found, _editor_changes(found))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        else:
            flash(_("The item was updated."), "success")
            return redirect(url_for("portal_pages.item", item_id=item_id))
    history = db.session.scalars(portal.history(current_user, found).order_by("id")).all()
    return render_template(
        "portal/edit.html",
        item=present_item(current_user, found),
        form=form,
        preview=preview,
        sections=portal.sections(),
        history=history,
        source_deleted=found.post.deleted_at is not None,
    )


@blp.post("/portal/items/<int:item_id>/source")
@login_required
def source_decision(item_id: int):
    """Take the source's new text, or keep the snapshot and clear the flag."""
    refresh = request.form.get("decision") == "refresh"
    changes = {"refresh_from_source": True} if refresh else {"source_changed": False}
    return _act(item_id, lambda found: portal.update_item(current_user, found, changes))


@blp.post("/portal/items/<int:item_id>/unpublish")
@login_required
def unpublish(item_id: int):
    found = portal.get_item_or_404(current_user, item_id)
    try:
        portal.unpublish(current_user, found)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("portal_pages.item", item_id=item_id))
    flash(_("The item was taken off the portal."), "success")
    return redirect(url_for("portal_pages.home"))
