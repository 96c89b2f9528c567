"""Community pages: directory, community page, creation, membership and members management."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from communities import services
from communities.models import Community, Membership
from feed import posts as post_services
from feed.models import PRIORITIES, Post
from feed.presenters import present_posts
from rse import permissions
from rse.accounts.models import User
from rse.api import keyset_page
from rse.errors import DomainError, NotFound
from rse.extensions import db
from rse.forms import flash_domain_error, next_page_url

blp = Blueprint("community", __name__, template_folder="templates")


def community_by_slug_or_404(slug: str) -> Community:
    community_id = db.session.scalar(select(Community.id).where(Community.slug == slug))
    if community_id is None:
        raise NotFound()
    return services.get_known_or_404(current_user, community_id)


@blp.get("/communities")
@login_required
def directory():
    visibility = request.args.get("visibility") or None
    if visibility not in (None, "open", "restricted", "secret"):
        visibility = None
    member = {"yes": True, "no": False}.get(request.args.get("member", ""))
    scope = request.args.get("scope", "")
    stmt = services.known_communities_query(
        current_user, visibility=visibility, member=member, q=request.args.get("q") or None
    )
    if scope == "inter":
        stmt = stmt.where(Community.ministry_id.is_(None))
    elif scope == "ministry":
        stmt = stmt.where(Community.ministry_id.is_not(None))
    page = keyset_page(
        stmt,
        limit=30,
        cursor=request.args.get("cursor"),
        key_columns=[func.lower(Community.name), Community.id],
        key_of=lambda community: (community.name.lower(), community.id),
        descending=False,
    )
    pending = services.communities_with_pending_request(
        current_user, [community.id for community in page["items"]]
    )
    return render_template(
        "communities/directory.html",
        communities=page["items"],
        next_url=next_page_url(page["next"]),
        pending=pending,
        filters={"visibility": visibility, "member": request.args.get("member", ""), "scope": scope,
                 "q": request.args.get("q", "")},
        role_of=lambda community: permissions.membership_role(current_user, community),
    )  # fmt: skip


@blp.route("/communities/new", methods=["GET", "POST"])
@login_required
def create():
    form = request.form
    if request.method == "POST":
        scope = form.get("scope", "ministry")
        try:
            community = services.create_community(
                current_user,
                name=form.get("name", ""),
                description=form.get("description", ""),
                visibility=form.get("visibility", ""),
                ministry_id=services.UNSET if scope == "ministry" else None,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        else:
            flash(_("The community was created. You are its animator."), "success")
            return redirect(url_for("community.show", slug=community.slug))
    return render_template("communities/new.html", form=form)


@blp.get("/c/<slug>")
@login_required
def show(slug: str):
    community = community_by_slug_or_404(slug)
    filters = {
        "qualification": request.args.get("qualification") or None,
        "priority": request.args.get("priority") or None,
        "tag": request.args.get("tag") or None,
    }
    if filters["qualification"] not in (None, "action", "information", "none"):
        filters["qualification"] = None
    if filters["priority"] not in (None, *PRIORITIES):
        filters["priority"] = None
    posts, next_cursor = [], None
    can_read = permissions.can_read_community(current_user, community)
    if can_read:
        page = keyset_page(
            post_services.posts_query(current_user, community, **filters),
            limit=20,
            cursor=request.args.get("cursor"),
            key_columns=[Post.id],
            key_of=lambda post: (post.id,),
        )
        posts, next_cursor = present_posts(current_user, page["items"]), page["next"]
    return render_template(
        "communities/show.html",
        community=community,
        posts=posts,
        next_url=next_page_url(next_cursor),
        filters=filters,
        can_read=can_read,
        can_contribute=permissions.can_contribute(current_user, community),
        my_role=permissions.membership_role(current_user, community),
        my_request=services.my_request_status(current_user, community),
        can_join=permissions.can_join(current_user, community),
    )


@blp.post("/c/<slug>/join")
@login_required
def join(slug: str):
    community = community_by_slug_or_404(slug)
    status = services.join(current_user, community)
    db.session.commit()
    if status == "member":
        flash(_("You joined the community."), "success")
    else:
        flash(_("Your request was sent to the animators."), "success")
    return redirect(url_for("community.show", slug=slug))


@blp.post("/c/<slug>/leave")
@login_required
def leave(slug: str):
    community = community_by_slug_or_404(slug)
    try:
        services.leave(current_user, community)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("community.show", slug=slug))
    flash(_("You left the community."), "success")
    if permissions.can_know_community(current_user, community):
        return redirect(url_for("community.show", slug=slug))
    return redirect(url_for("community.directory"))


@blp.get("/c/<slug>/members")
@login_required
def members(slug: str):
    community = community_by_slug_or_404(slug)
    if not permissions.can_read_community(current_user, community):
        abort(403)
    rows = db.session.scalars(
        services.members_query(current_user, community)
        .join(User, User.id == Membership.user_id)
        .order_by(Membership.role, User.name)
        .limit(500)
    ).all()
    is_animator = permissions.can_animate(current_user, community)
    requests = (
        db.session.scalars(services.pending_requests_query(current_user, community)).all()
        if is_animator
        else []
    )
    return render_template(
        "communities/members.html",
        community=community,
        memberships=rows,
        requests=requests,
        is_animator=is_animator,
    )


@blp.post("/c/<slug>/members")
@login_required
def add_member(slug: str):
    community = community_by_slug_or_404(slug)
    raw = request.form.get("user_id", "")
    user_id = int(raw.partition(":")[2] or raw) if raw.replace("user:", "").isdigit() else None
    if user_id is None:
        flash(_("Choose a person from the list."), "error")
        return redirect(url_for("community.members", slug=slug))
    try:
        _membership, approved = services.add_member(
            current_user, community, user_id, request.form.get("role", "member")
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash(_("The request was approved.") if approved else _("The person was added."), "success")
    return redirect(url_for("community.members", slug=slug))


@blp.post("/c/<slug>/members/<int:user_id>/role")
@login_required
def change_role(slug: str, user_id: int):
    community = community_by_slug_or_404(slug)
    try:
        services.change_member_role(current_user, community, user_id, request.form.get("role", "member"))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(url_for("community.members", slug=slug))


@blp.post("/c/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug: str, user_id: int):
    community = community_by_slug_or_404(slug)
    try:
        services.remove_member(current_user, community, user_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(url_for("community.members", slug=slug))


@blp.post("/c/<slug>/requests/<int:request_id>/decline")
@login_required
def decline(slug: str, request_id: int):
    community = community_by_slug_or_404(slug)
    services.decline_request(current_user, community, request_id)
    db.session.commit()
    flash(_("The request was declined."), "success")
    return redirect(url_for("community.members", slug=slug))
