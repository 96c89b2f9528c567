"""Desk, manager, selection and notification pages: thin views over the services the API uses.

The counts of the desk (À faire, open selection items, unread notifications) also feed the main
navigation's badges: one ``desk.counts`` call per request, kept on ``g``.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError

from communities.models import Community, Membership
from feed import desk, manager, notifications, selection
from feed import posts as post_services
from feed.models import PRIORITIES, SELECTION_STATUSES, Post, SelectionItem
from feed.presenters import present_posts
from feed.selection_api import present_items, selection_rank
from rse.accounts.models import User
from rse.api import keyset_page
from rse.db_types import utcnow
from rse.errors import Conflict, Invalid, translate
from rse.extensions import db
from rse.forms import next_page_url, safe_next
from rse.units.models import Unit

log = logging.getLogger(__name__)

blp = Blueprint("desk_pages", __name__, template_folder="templates")

PAGE_SIZE = 20
MAX_NOTE = 5000
DUE_WINDOWS = {"24h": timedelta(hours=24), "3d": timedelta(days=3), "7d": timedelta(days=7)}

# Navigation counts ------------------------------------------------------------------------------


def desk_counts() -> dict | None:
    """``desk.counts`` for the current user, computed once per request (None if the database fails)."""
    if "desk_counts" not in g:
        try:
            g.desk_counts = desk.counts(current_user)
        except SQLAlchemyError:
            log.exception("Desk counts failed")
            db.session.rollback()
            g.desk_counts = None
    return g.desk_counts


@blp.app_context_processor
def navigation_counts() -> dict:
    if not current_user or not current_user.is_authenticated:
        return {}
    return {"nav_counts": desk_counts(), "is_manager": bool(current_user.managed_units)}


# Form values ------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _choice(value: str | None, allowed) -> str | None:
    return value if value in allowed else None


def _flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    """Midnight of ``day`` in the time zone the pages show dates in, as a UTC time."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _query_args(form: dict) -> dict:
    return {key: value for key, value in form.items() if value not in (None, "")}


def _desk_filters(args) -> tuple[desk.DeskFilters, dict]:
    """The desk filters from a form, and the cleaned values to show in it again."""
    after, before = _day(args.get("after")), _day(args.get("before"))
    form = {
        "priority": _choice(args.get("priority"), PRIORITIES),
        "community_id": _int(args.get("community_id")),
        "tag": (args.get("tag") or "").strip().lstrip("#")[:64] or None,
        "author_id": _int(args.get("author_id")),
        "after": after.isoformat() if after else None,
        "before": before.isoformat() if before else None,
        "overdue": _choice(args.get("overdue"), ("yes", "no")),
        "unread": _choice(args.get("unread"), ("yes", "no")),
    }
    filters = desk.DeskFilters(
        priority=form["priority"],
        community_id=form["community_id"],
        tag=form["tag"],
        author_id=form["author_id"],
        after=_start_of(after),
        before=_start_of(before + timedelta(days=1)) if before else None,  # the last day included
        overdue=_flag(form["overdue"]),
        unread=_flag(form["unread"]),
    )
    return filters, form


def _my_communities(selected: int | None = None) -> list:
    rows = db.session.execute(
        select(Community.id, Community.name)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == current_user.id)
        .order_by(Community.name)
        .limit(300)
    ).all()
    if selected and selected not in {row.id for row in rows}:
        rows += db.session.execute(select(Community.id, Community.name).where(Community.id == selected)).all()
    return rows


def _note_and_priority(form) -> tuple[str, str | None, str | None]:
    """The note and the optional priority of a forward form, and what is wrong with them."""
    note = (form.get("note") or "").strip()
    priority = _choice(form.get("priority"), PRIORITIES)
    problem = None
    if not note:
        problem = _("Add a note: say why the level above should look at it.")
    elif len(note) > MAX_NOTE:
        problem = _("The note is limited to %(num)d characters.", num=MAX_NOTE)
    return note, priority, problem


def _flash_refusal(error: Conflict | Invalid) -> None:
    flash(translate(error.detail), "error")


def _unit_path(unit_id: int | None) -> str:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.path if unit else ""


# Desk -------------------------------------------------------------------------------------------


def _rank(post: Post) -> int:
    return PRIORITIES.index(post.priority)


TABS = {
    "todo": (
        desk.todo_query,
        desk.todo_order,
        lambda post: (
            _rank(post),
            (post.due_at or desk.NO_DUE_DATE).isoformat(),
            post.created_at.isoformat(),
            post.id,
        ),
    ),
    # À lire pages walk the priorities in turn (desk.toread_page): no single sort order.
    "toread": (desk.toread_query, None, None),
    "done": (
        desk.done_query,
        desk.done_order,
        lambda post: (desk.my_done_at(current_user, post).isoformat(), post.id),
    ),
}


def _authors_of(query, selected: int | None) -> list:
    """The authors found in a desk list (unfiltered), for the author filter."""
    authors = query(current_user).with_only_columns(Post.author_id).distinct()
    rows = db.session.execute(
        select(User.id, User.name).where(User.id.in_(authors)).order_by(User.name).limit(300)
    ).all()
    if selected and selected not in {row.id for row in rows}:
        rows += db.session.execute(select(User.id, User.name).where(User.id == selected)).all()
    return rows


@blp.get("/desk", defaults={"tab": "todo"})
@blp.get("/desk/<any(toread, done):tab>")
@login_required
def desk_page(tab: str):
    if notifications.refresh_due_notifications(current_user):
        db.session.commit()
    query, order, key_of = TABS[tab]
    filters, form = _desk_filters(request.args)
    if tab == "toread":
        page = desk.toread_page(current_user, filters, PAGE_SIZE, request.args.get("cursor"))
    else:
        columns, directions = order()
        page = keyset_page(
            query(current_user, filters),
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor"),
            key_columns=columns,
            descending=directions,
            key_of=key_of,
        )
    now = utcnow()
    items = present_posts(current_user, page["items"])
    for item in items:
        item["overdue"] = bool(item["due_at"] and item["due_at"] < now and not item["done_at"])
    return render_template(
        "desk/desk.html",
        tab=tab,
        items=items,
        counts=desk_counts(),
        form=form,
        query_args=_query_args(form),
        communities=_my_communities(form["community_id"]),
        authors=_authors_of(query, form["author_id"]),
        next_url=next_page_url(page["next"]),
        priorities=PRIORITIES,
    )


@blp.post("/desk/toread/mark-read")
@login_required
def mark_all_read():
    """Mark every unread item of the filtered À lire list read."""
    filters, form = _desk_filters(request.form)
    marked = desk.mark_read(current_user, filters)
    db.session.commit()
    flash(ngettext("%(num)d item marked as read.", "%(num)d items marked as read.", marked), "success")
    return redirect(url_for("desk_pages.desk_page", tab="toread", **_query_args(form)))


# Manager ----------------------------------------------------------------------------------------


def _manager_filters(args, now: datetime) -> tuple[manager.ManagerFilters, dict]:
    form = {
        "unit_id": _int(args.get("unit_id")),
        "priority": _choice(args.get("priority"), PRIORITIES),
        "community_id": _int(args.get("community_id")),
        "status": _choice(args.get("status"), ("open", "done", "overdue")),
        "due": _choice(args.get("due"), DUE_WINDOWS),
    }
    filters = manager.ManagerFilters(
        unit_id=form["unit_id"],
        priority=form["priority"],
        community_id=form["community_id"],
        status=form["status"],
        due_before=now + DUE_WINDOWS[form["due"]] if form["due"] else None,
    )
    return filters, form


def _units_in_scope(roots: list[Unit]) -> list:
    return db.session.execute(
        select(Unit.id, Unit.path)
        .where(or_(*[Unit.id_path.startswith(root.id_path, autoescape=True) for root in roots]))
        .order_by(Unit.path)
        .limit(300)
    ).all()


def _by_post(items: list[dict]) -> list[dict]:
    """Consecutive items of one post (one per holder) as one group: the post, then its holders."""
    groups: list[dict] = []
    for item in items:
        if groups and groups[-1]["post"]["id"] == item["post"]["id"]:
            groups[-1]["holders"].append(item)
        else:
            groups.append({"post": item["post"], "age": item["age"], "holders": [item]})
    return groups


def _short_path(roots: list[Unit]):
    """Unit paths from the managed unit down (the lead of the page names it in full)."""

    def shorten(path: str | None) -> str | None:
        for root in roots:
            if path and (path == root.path or path.startswith(root.path + "/")):
                return root.name + path[len(root.path) :]
        return path

    return shorten


def _manager_items(page_items: list[dict], now: datetime) -> list[dict]:
    """The API-shaped items with what the page shows: the unit path and the post's age."""
    return [
        {
            **item,
            "unit_path": item["unit"]["path"] if item["unit"] else None,
            "age": now - item["post"]["created_at"],
        }
        for item in page_items
    ]


@blp.get("/manager")
@login_required
def manager_page():
    roots = manager.managed_units(current_user)  # 403 for those who manage nothing
    now = utcnow()
    filters, form = _manager_filters(request.args, now)
    summary = manager.summary(current_user, filters, now)
    page = manager.items_page(current_user, filters, PAGE_SIZE, request.args.get("cursor"), now)
    items = _manager_items(page["items"], now)
    return render_template(
        "desk/manager.html",
        roots=roots,
        summary=summary,
        priority_totals={
            priority: {
                key: sum(entry["by_priority"][priority][key] for entry in summary["units"])
                for key in ("open", "done", "overdue")
            }
            for priority in PRIORITIES
        },
        overdue=_by_post([item for item in items if item["status"] == "overdue"]),
        others=_by_post([item for item in items if item["status"] != "overdue"]),
        short_path=_short_path(roots),
        form=form,
        units=_units_in_scope(roots),
        communities=_my_communities(form["community_id"]),
        forward_to=selection.level_above_for(current_user),
        next_url=next_page_url(page["next"]),
        priorities=PRIORITIES,
        period_days=manager.DEFAULT_PERIOD.days,
    )


# Forwarding ---------------------------------------------------------------------------------------


@blp.post("/posts/<int:post_id>/forward")
@login_required
def forward_post(post_id: int):
    """Send a post to the level above (from its page or from the manager's dashboard)."""
    post = post_services.get_post_or_404(current_user, post_id)
    back = safe_next(request.form.get("next"), "post.show", post_id=post_id)
    note, priority, problem = _note_and_priority(request.form)
    if problem:
        flash(problem, "error")
        return redirect(back)
    try:
        item = selection.forward_post(current_user, post, note, priority)
        db.session.commit()
    except (Conflict, Invalid) as error:
        db.session.rollback()
        _flash_refusal(error)
    else:
        flash(_("Forwarded to the managers of %(unit)s.", unit=_unit_path(item.unit_id)), "success")
    return redirect(back)


# Selection --------------------------------------------------------------------------------------


def _selection_status(value: str | None) -> str:
    return value if value in (*SELECTION_STATUSES, "all") else "open"


@blp.get("/selection")
@login_required
def selection_page():
    status = _selection_status(request.args.get("status"))
    stmt = selection.selection_query(current_user, None if status == "all" else status)  # 403 if no unit
    page = keyset_page(
        stmt,
        limit=PAGE_SIZE,
        cursor=request.args.get("cursor"),
        key_columns=[selection_rank(), SelectionItem.id],
        descending=[False, True],
        key_of=lambda item: (PRIORITIES.index(item.priority), item.id),
    )
    managed = sorted(current_user.managed_units, key=lambda unit: (unit.depth, unit.path))
    # Where each managed unit forwards to (the service's own rule), to offer "forward" only where
    # there is a level above.
    forward_to = {unit.id: selection.level_above_unit(unit, current_user) for unit in managed}
    levels = selection.funnel(current_user, None, None, None)
    return render_template(
        "desk/selection.html",
        items=present_items(page["items"]),
        status=status,
        statuses=SELECTION_STATUSES,
        managed=managed,
        forward_to=forward_to,
        levels=levels,
        funnel_root=managed[0],
        short_path=_short_path(managed),
        funnel_max=max((level["arrived"] for level in levels), default=0),
        funnel_days=selection.DEFAULT_FUNNEL_PERIOD.days,
        next_url=next_page_url(page["next"]),
        priorities=PRIORITIES,
    )


@blp.post("/selection/<int:item_id>/decide")
@login_required
def decide(item_id: int):
    """Forward further up, keep or close an item of my selection, with a note."""
    item = selection.get_item_or_404(current_user, item_id)
    decision = request.form.get("decision")
    back = safe_next(request.form.get("next"), "desk_pages.selection_page")
    note, priority, problem = _note_and_priority(request.form)
    if decision not in ("forward", "keep", "close"):
        abort(400)
    if problem and (decision == "forward" or note):  # keeping or closing needs no note
        flash(problem, "error")
        return redirect(back)
    if decision == "forward":
        try:
            forwarded = selection.forward_item(current_user, item, note, priority)
            db.session.commit()
        except (Conflict, Invalid) as error:
            db.session.rollback()
            _flash_refusal(error)
        else:
            flash(_("Forwarded to the managers of %(unit)s.", unit=_unit_path(forwarded.unit_id)), "success")
        return redirect(back)
    if decision == "keep":
        selection.keep_item(current_user, item, note)
        message = _("Kept in your selection: %(title)s", title=item.post.title)
    else:
        selection.close_item(current_user, item, note)
        message = _("Closed: %(title)s", title=item.post.title)
    db.session.commit()
    flash(message, "success")
    return redirect(back)


# Notifications ----------------------------------------------------------------------------------


@blp.get("/notifications")
@login_required
def notifications_page():
    if notifications.refresh_due_notifications(current_user):
        db.session.commit()
    unread_only = request.args.get("unread") == "yes"
    page = notifications.page(
        current_user, True if unread_only else None, limit=30, cursor=request.args.get("cursor")
    )
    return render_template(
        "desk/notifications.html",
        items=notifications.present(page["items"]),
        unread=notifications.unread_count(current_user),
        unread_only=unread_only,
        next_url=next_page_url(page["next"]),
    )


@blp.post("/notifications/read")
@login_required
def notifications_read():
    back = safe_next(request.form.get("next"), "desk_pages.notifications_page")
    if request.form.get("all"):
        marked = notifications.mark_read(current_user)
        db.session.commit()
        flash(
            ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", marked),
            "success",
        )
        return redirect(back)
    ids = [int(value) for value in request.form.getlist("id") if value.isdigit() and len(value) < 12][:500]
    if ids:
        notifications.mark_read(current_user, ids)
        db.session.commit()
    return redirect(back)
