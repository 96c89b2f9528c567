from flask import jsonify
from flask_login import current_user

from rse.api import ApiBlueprint, abort_problem
from search import services
from search.query import QuerySyntaxError
from search.schemas import SearchArgs, SearchPageSchema, search_page_json

blp = ApiBlueprint("search", __name__, url_prefix="/api/v1", description="Full-text search")


def run_search(args: dict) -> services.SearchPage:
    """The search, with query-language mistakes as a 400 naming the parameter at fault."""
    try:
        return services.search(current_user, **args)
    except QuerySyntaxError as error:
        abort_problem(400, f"The search query is not valid: {error}", {error.field: [str(error)]})


@blp.get("/search")
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchPageSchema)
def search(args):
    """Posts and comments the caller may read, ranked or by date, with facets and snippets."""
    # The schema documents the response; the page is written out as it would dump it, faster.
    return jsonify(search_page_json(run_search(args)))
