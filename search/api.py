from dataclasses import fields

from flask_login import current_user

from rse.api import ApiBlueprint, abort_problem
from search import services
from search.query import QuerySyntaxError
from search.schemas import SearchArgs, SearchPageSchema

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
    page = run_search(args)
    # A shallow view: items and facets are plain dicts and lists already, which ``asdict`` would
    # copy deeply, value by value, before the schema serialises them anyway.
    return {field.name: getattr(page, field.name) for field in fields(page)}
