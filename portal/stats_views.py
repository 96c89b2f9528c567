"""Statistics pages: a post, a community, the portal. Each shows the figures, a chart and its table.

The links to them (post page, community page, portal pages) come from ``stats_links`` so that the
templates ask ``rse.permissions`` and nothing else.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from communities.models import Community
from communities.views import community_by_slug_or_404
from feed import posts as post_services
from feed.models import Post
from portal import stats
from portal.charts import bar_chart
from rse import permissions
from rse.extensions import db

blp = Blueprint("stats_pages", __name__, template_folder="templates")

WEEK_CHOICES = (4, 12, 26, 52)


@blp.app_context_processor
def stats_links() -> dict:
    def post_stats_url(post_id: int) -> str | None:
        post = db.session.get(Post, post_id)
        if post is None or not permissions.can_see_post_stats(current_user, post):
            return None
        return url_for("stats_pages.post", post_id=post_id)

    def community_stats_url(community_id: int) -> str | None:
        community = db.session.get(Community, community_id)
        if community is None or not permissions.can_see_community_stats(current_user, community):
            return None
        return url_for("stats_pages.community", slug=community.slug)

    def portal_stats_url(item_id: int | None = None) -> str | None:
        if not permissions.can_see_portal_stats(current_user):
            return None
        return url_for("stats_pages.portal", _anchor=f"item-{item_id}" if item_id else None)

    if not current_user or not current_user.is_authenticated:
        return {}
    return {
        "post_stats_url": post_stats_url,
        "community_stats_url": community_stats_url,
        "portal_stats_url": portal_stats_url,
    }


@blp.app_template_filter("reading_time")
def reading_time(seconds: int) -> str:
    """``1 h 05 min``, ``12 min 30 s``, ``45 s``: reading time at a glance."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _weeks() -> int:
    value = request.args.get("weeks", "")
    return int(value) if value.isdigit() and int(value) in WEEK_CHOICES else stats.DEFAULT_WEEKS


def _week_labels(series: list[dict]) -> list[str]:
    return [format_date(entry["week"], "d MMM") for entry in series]


@blp.get("/posts/<int:post_id>/stats")
@login_required
def post(post_id: int):
    found = post_services.get_post_or_404(current_user, post_id)
    figures = stats.post_stats(current_user, found)
    labels = [format_date(entry["day"], "d MMM") for entry in figures["days"]]
    chart = bar_chart(
        figures["days"], [("views", _("Views")), ("readers", _("Readers"))], labels, label_every=7
    )
    return render_template("portal/stats_post.html", post=found, stats=figures, chart=chart, labels=labels)


@blp.get("/c/<slug>/stats")
@login_required
def community(slug: str):
    found = community_by_slug_or_404(slug)
    weeks = _weeks()
    figures = stats.community_stats(current_user, found, weeks)
    labels = _week_labels(figures["weeks"])
    chart = bar_chart(
        figures["weeks"],
        [("posts", _("Posts")), ("comments", _("Comments")), ("active_members", _("Active members"))],
        labels,
        label_every=max(1, weeks // 12),
    )
    return render_template(
        "portal/stats_community.html",
        community=found,
        stats=figures,
        chart=chart,
        labels=labels,
        weeks=weeks,
        week_choices=WEEK_CHOICES,
    )


@blp.get("/portal/stats")
@login_required
def portal():
    weeks = _weeks()
    figures = stats.portal_stats(current_user, weeks)
    labels = _week_labels(figures["weeks"])
    chart = bar_chart(
        figures["weeks"],
        [("views", _("Views")), ("readers", _("Readers"))],
        labels,
        label_every=max(1, weeks // 12),
    )
    return render_template(
        "portal/stats_portal.html",
        stats=figures,
        chart=chart,
        labels=labels,
        weeks=weeks,
        week_choices=WEEK_CHOICES,
    )
