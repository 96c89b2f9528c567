"""``/api/v1/saved-searches``: veille — saved searches, their matches, a match onto my desk."""

from __future__ import annotations

from flask_login import current_user

from rse.api import ApiBlueprint, ListArgs, keyset_page, page_schema
from rse.extensions import db
from search import veille
from search.models import SavedSearch, SavedSearchMatch
from search.schemas import SavedSearchInSchema, SavedSearchMatchSchema, SavedSearchSchema, ToActionSchema

blp = ApiBlueprint(
    "saved_searches", __name__, url_prefix="/api/v1/saved-searches", description="Veille: saved searches"
)


def present_saved_searches(user, saved_searches: list[SavedSearch]) -> list[dict]:
    counts = veille.new_match_counts(user, saved_searches)
    return [
        {
            "id": saved.id,
            "label": saved.label,
            "query": saved.query,
            "filters": saved.filters or {},
            "level": saved.level,
            "alert": saved.alert,
            "created_at": saved.created_at,
            "new_matches": counts.get(saved.id, 0),
        }
        for saved in saved_searches
    ]


def present_matches(user, saved: SavedSearch, rows) -> list[dict]:
    on_desk = veille.on_desk_post_ids(user, [post.id for _match, post in rows])
    return [
        {
            "id": match.id,
            "post_id": post.id,
            "title": post.title,
            "community": {"id": post.community.id, "name": post.community.name},
            "author": {"id": post.author.id, "name": post.author.name},
            "created_at": post.created_at,
            "matched_at": match.matched_at,
            "new": match.id > saved.last_seen_match_id,
            "on_desk": post.id in on_desk,
            "priority": post.priority,  # not in the API: pages show it
        }
        for match, post in rows
    ]


def matches_page(user, saved: SavedSearch, limit: int, cursor: str | None) -> dict:
    """A page of matches, newest first; looking at them makes them no longer new."""
    page = keyset_page(
        veille.matches_query(user, saved),
        limit=limit,
        cursor=cursor,
        key_columns=[SavedSearchMatch.id],
        key_of=lambda row: (row[0].id,),
        scalars=False,
    )
    items = present_matches(user, saved, page["items"])
    veille.mark_seen(saved)
    return {"items": items, "next": page["next"]}


@blp.get("")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(SavedSearchSchema))
def list_saved_searches(args):
    """My saved searches, newest first, with their counts of new matches."""
    page = keyset_page(
        veille.saved_searches_query(current_user),
        limit=args["limit"],
        cursor=args["cursor"],
        key_columns=[SavedSearch.id],
        key_of=lambda saved: (saved.id,),
    )
    return {"items": present_saved_searches(current_user, page["items"]), "next": page["next"]}


@blp.post("")
@blp.arguments(SavedSearchInSchema)
@blp.response(201, SavedSearchSchema)
def create_saved_search(args):
    """Save a query with its filters, a level and an alert (immediate or daily)."""
    saved = veille.create_saved_search(current_user, **args)
    db.session.commit()
    return present_saved_searches(current_user, [saved])[0]


@blp.get("/<int:saved_search_id>")
@blp.response(200, SavedSearchSchema)
def get_saved_search(saved_search_id):
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    return present_saved_searches(current_user, [saved])[0]


@blp.delete("/<int:saved_search_id>")
@blp.response(204)
def delete_saved_search(saved_search_id):
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    veille.delete_saved_search(current_user, saved)
    db.session.commit()


@blp.get("/<int:saved_search_id>/matches")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(SavedSearchMatchSchema))
def list_matches(args, saved_search_id):
    """The new posts the search matched that I may read, newest first (they stop being new)."""
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    page = matches_page(current_user, saved, args["limit"], args["cursor"])
    db.session.commit()
    return page


@blp.post("/<int:saved_search_id>/matches/<int:post_id>/to-action")
@blp.response(200, ToActionSchema)
def match_to_action(saved_search_id, post_id):
    """Put a matched post on my À faire (as my own action; doing it twice changes nothing)."""
    saved = veille.get_saved_search_or_404(current_user, saved_search_id)
    post = veille.to_action(current_user, saved, post_id)
    db.session.commit()
    return {"post_id": post.id, "on_desk": True}
