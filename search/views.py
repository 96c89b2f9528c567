"""The search page: a query box, facets as filters, highlighted results, sort options."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from rse.errors import translate
from search import services
from search.query import QuerySyntaxError

blp = Blueprint("search_pages", __name__, template_folder="templates")

PAGE_SIZE = 20
FILTER_PARAMS = ("community_id", "author_id", "tag", "priority", "qualification", "after", "before")


def _page_args() -> dict:
    args: dict = {"q": request.args.get("q", ""), "sort": request.args.get("sort", "relevance")}
    if args["sort"] not in ("relevance", "date"):
        args["sort"] = "relevance"
    for name in FILTER_PARAMS:
        value = request.args.get(name, "").strip()
        if not value:
            continue
        if name.endswith("_id"):
            if not value.isdigit():
                continue
            value = int(value)
        args[name] = value
    return args


def month_label(month: str) -> str:
    """``2026-11`` → « novembre 2026 » in the page's language."""
    from datetime import date

    from flask_babel import format_date

    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), "LLLL y")


def next_month(month: str) -> str:
    """``2026-11`` → ``2026-12``: a month facet filters ``after`` its start and ``before`` the next."""
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


@blp.get("/search")
@login_required
def search_page():
    args = _page_args()
    page, error = None, None
    try:
        page = services.search(current_user, **args, limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    except QuerySyntaxError as refused:
        error = translate(refused.args[0])
    if page is not None:
        page.warnings = [translate(warning) for warning in page.warnings]

    def link(**changes) -> str:
        merged = {key: value for key, value in args.items() if value not in (None, "")}
        merged.update(changes)
        merged = {key: value for key, value in merged.items() if value is not None}
        return url_for("search_pages.search_page", **merged)

    status = 400 if error else 200
    return (
        render_template(
            "search/search.html",
            args=args,
            page=page,
            error=error,
            link=link,
            next_month=next_month,
            month_label=month_label,
            active_filters=[name for name in FILTER_PARAMS if name in args],
        ),
        status,
    )
