"""Veille pages: my saved searches with their levels and new matches, a search's matches, and
the forms that save a search and put a match on my desk."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from rse.errors import Invalid, translate
from rse.extensions import db
from search import veille
from search.models import ALERTS, LEVELS
from search.veille_api import matches_page, present_saved_searches
from search.views import FILTER_PARAMS

blp = Blueprint("veille_pages", __name__, template_folder="templates")

PAGE_SIZE = 30


@blp.get("/search/saved")
@login_required
def saved_searches_page():
    saved_searches = db.session.scalars(
        veille.saved_searches_query(current_user).order_by(veille.SavedSearch.id.desc())
    ).all()
    presented = present_saved_searches(current_user, saved_searches)
    for item in presented:
        item["filter_labels"] = _filter_labels(item["filters"])
    return render_template("search/saved_searches.html", saved_searches=presented)


def _filter_labels(filters: dict) -> list[str]:
    """``community_id: 3`` → « Communauté : Veille Sahel », for the list of saved searches."""
    from communities.models import Community
    from rse.accounts.models import User

    names = {
        "community_id": _("Community"),
        "author_id": _("Author"),
        "tag": _("Tag"),
        "priority": _("Priority"),
        "qualification": _("Qualification"),
        "after": _("After"),
        "before": _("Before"),
    }
    labels = []
    for name, value in filters.items():
        if name == "community_id":
            value = db.session.scalar(select(Community.name).where(Community.id == value)) or value
        elif name == "author_id":
            value = db.session.scalar(select(User.name).where(User.id == value)) or value
        labels.append(_("%(name)s: %(value)s", name=names.get(name, name), value=value))
    return labels


@blp.post("/search/saved")
@login_required
def save_search():
    form = request.form
    filters = {name: form.get(name, "").strip() for name in FILTER_PARAMS if form.get(name, "").strip()}
    for name in ("community_id", "author_id"):
        if name in filters:
            filters[name] = int(filters[name]) if filters[name].isdigit() else None
    try:
        saved = veille.create_saved_search(
            current_user,
            label=form.get("label", ""),
            query=form.get("q", ""),
            filters=filters,
            level=form.get("level", ""),
            alert=form.get("alert", ""),
        )
        db.session.commit()
    except Invalid as error:
        db.session.rollback()
        reasons = [translate(message) for messages in error.errors.values() for message in messages]
        flash(" ".join(reasons) or translate(error.detail), "error")
        return redirect(url_for("search_pages.search_page", q=form.get("q", ""), **filters))
    flash(_("Search saved: new matching posts will be announced to you."), "success")
    return redirect(url_for("veille_pages.matches_page_view", saved_search_id=saved.id))


@blp.post("/search/saved/<int:saved_search_id>/delete")
@login_required
def delete_saved_search(saved_search_id: int):
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    veille.delete_saved_search(current_user, saved)
    db.session.commit()
    flash(_("Saved search deleted."), "success")
    return redirect(url_for("veille_pages.saved_searches_page"))


@blp.get("/search/saved/<int:saved_search_id>")
@login_required
def matches_page_view(saved_search_id: int):
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    page = matches_page(current_user, saved, PAGE_SIZE, request.args.get("cursor"))
    db.session.commit()
    search_args = {"q": saved.query, **(saved.filters or {})}
    return render_template(
        "search/saved_search.html",
        saved=saved,
        page=page,
        search_url=url_for("search_pages.search_page", **search_args),
    )


@blp.post("/search/saved/<int:saved_search_id>/matches/<int:post_id>/to-action")
@login_required
def match_to_action(saved_search_id: int, post_id: int):
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    veille.to_action(current_user, saved, post_id)
    db.session.commit()
    flash(_("Added to your À faire."), "success")
    return redirect(url_for("veille_pages.matches_page_view", saved_search_id=saved.id))


def level_choices() -> list[tuple[str, str]]:
    labels = level_labels()
    return [(level, labels[level]) for level in LEVELS]


def level_labels() -> dict[str, str]:
    return {
        "opportunity": _("Opportunity"),
        "watch": _("To watch"),
        "risk": _("Risk"),
        "high_risk": _("High risk"),
    }


def alert_labels() -> dict[str, str]:
    return {"immediate": _("Immediately"), "daily": _("Once a day")}


@blp.app_context_processor
def veille_labels():
    return {"veille_levels": level_labels, "veille_alerts": alert_labels, "VEILLE_ALERTS": ALERTS}
