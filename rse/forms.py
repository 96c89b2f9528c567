"""Helpers shared by the HTML form views: they feed the same services as the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import flash, url_for

from rse.errors import DomainError, translate


def flash_domain_error(error: DomainError) -> None:
    """Show a refusal on the next page; field messages go through the catalogue."""
    if error.errors:
        for messages in error.errors.values():
            for message in messages:
                flash(translate(message), "error")
    else:
        flash(translate(error.detail), "error")


def parse_addressees(values: list[str]) -> list[dict]:
    """``["user:12", "unit:3"]`` from the addressee picker as API-shaped references."""
    refs = []
    for value in values:
        kind, _sep, raw_id = value.partition(":")
        if kind in ("user", "unit") and raw_id.isdigit():
            refs.append({"type": kind, "id": int(raw_id)})
    return refs


def parse_local_datetime(value: str, offset_minutes: str | None) -> datetime | None:
    """A ``datetime-local`` field read in the browser's time zone (its offset sent beside it)."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
        offset = int(offset_minutes or 0)
    except ValueError:
        return None
    # getTimezoneOffset() is UTC minus local time, in minutes.
    return (naive + timedelta(minutes=offset)).replace(tzinfo=UTC)


def parse_tags(value: str) -> list[str]:
    return [tag.strip().lstrip("#") for tag in value.replace(";", ",").split(",") if tag.strip()]


def safe_next(target: str | None, default_endpoint: str = "web.home", **values) -> str:
    """A local path to go back to; anything pointing elsewhere falls back to ``default_endpoint``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default_endpoint, **values)


def next_page_url(cursor: str | None) -> str | None:
    """The current page's address with ``cursor`` replaced, for "more" links."""
    from flask import request

    if cursor is None:
        return None
    args = {key: value for key, value in request.args.items() if key != "cursor"}
    return url_for(request.endpoint, **(request.view_args or {}), **args, cursor=cursor)
