"""API plumbing: flask-smorest set-up, problem+json errors, JSON body parsing, keyset pagination.

Every route lives under ``/api/v1`` and goes through marshmallow schemas. Errors follow RFC 9457
(``application/problem+json``) with the fields at fault in ``errors`` as dotted paths.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
PROBLEM_MIME = "application/problem+json"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class RseApi(Api):
    """flask-smorest's Api, with our own error handlers (registered in ``create_app``)."""

    def _register_error_handlers(self):
        pass


class JsonBodyParser(FlaskParser):
    """Missing bodies, non-JSON bodies and malformed JSON are 400s, never empty objects."""

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            abort_problem(400, "A JSON body is required.")
        if not req.is_json:
            abort_problem(400, "The body must be JSON (Content-Type: application/json).")
        return super().load_json(req, schema)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort_problem(400, "The body is not valid JSON.")


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


# Problems ---------------------------------------------------------------------------------------


class ProblemException(HTTPException):
    """An HTTP error that carries a problem detail and field errors."""

    def __init__(self, status: int, detail: str, errors: dict | None = None, title: str | None = None):
        self.code = status
        super().__init__(description=detail)
        self.problem_title = title
        self.errors = errors or {}


def abort_problem(status: int, detail: str, errors: dict | None = None):
    raise ProblemException(status, detail, errors)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"a.0.b": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = (prefix.rstrip(".") or "_body") if key == "_schema" else f"{prefix}{key}"
            if isinstance(value, dict):
                flat.update(flatten_errors(value, f"{name}."))
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for item in value:
                    flat.update(flatten_errors(item, f"{name}."))
            else:
                flat.setdefault(name, []).extend(value if isinstance(value, list) else [str(value)])
    elif isinstance(messages, list):
        flat.setdefault(prefix.rstrip(".") or "_body", []).extend(str(m) for m in messages)
    return flat


def problem_response(
    status: int, detail: str | None = None, errors: dict | None = None, title: str | None = None
) -> Response:
    from werkzeug.http import HTTP_STATUS_CODES

    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail or HTTP_STATUS_CODES.get(status, "Error"),
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME
    )
    return response


def problem_from_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    errors: dict[str, list[str]] = {}
    detail = error.description
    title = None
    if isinstance(error, ProblemException):
        errors = error.errors
        title = error.problem_title
    data = getattr(error, "data", None)
    if data and "messages" in data:
        # webargs validation failure: {"json": {...}} or {"query": {...}}
        for _location, messages in data["messages"].items():
            errors.update(flatten_errors(messages))
        detail = "The request has invalid or unknown fields."
    if status == 404:
        detail = "The requested resource was not found."
    elif status == 405:
        detail = "This method is not allowed on this resource."
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"The body is larger than the {limit} bytes allowed."
    response = problem_response(status, detail, errors, title)
    if status == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    for key, value in error.get_headers() if status == 405 else []:
        if key.lower() == "allow":
            response.headers[key] = value
    return response


# Pagination -------------------------------------------------------------------------------------


class ListArgs(ma.Schema):
    """``?limit=1..100&cursor=<next>`` for every list."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != arity:
        bad_cursor()
    return values


def bad_cursor():
    abort_problem(400, "The cursor is not valid.", {"cursor": ["Not a cursor from this list."]})


def typed_cursor_values(values: list[Any], columns: Sequence[Any]) -> list[Any]:
    """Cursor values checked against the sort columns' types (a forged cursor is a 400, not a 500)."""
    typed = []
    for value, column in zip(values, columns, strict=True):
        try:
            expected = column.type.python_type
        except (AttributeError, NotImplementedError):
            expected = type(value)
        try:
            if expected is datetime:
                value = datetime.fromisoformat(value)
            elif not isinstance(value, expected) or isinstance(value, bool):
                bad_cursor()
        except (TypeError, ValueError):
            bad_cursor()
        typed.append(value)
    return typed


def keyset_after(columns: Sequence[Any], values: Sequence[Any], descending: Sequence[bool]):
    """Rows strictly after ``values`` in the given order (a row comparison when directions agree)."""
    from sqlalchemy import and_, literal, or_, tuple_

    # Typed binds, so that each value is converted as its column is (times on SQLite above all).
    values = [literal(value, type_=column.type) for value, column in zip(values, columns, strict=True)]
    if len(set(descending)) == 1:
        key, bound = tuple_(*columns), tuple_(*values)
        return key < bound if descending[0] else key > bound
    clauses = []
    for index, (column, value, desc) in enumerate(zip(columns, values, descending, strict=True)):
        equal_before = [col == val for col, val in zip(columns[:index], values[:index], strict=True)]
        clauses.append(and_(*equal_before, column < value if desc else column > value))
    return or_(*clauses)


def keyset_page(
    stmt,
    *,
    limit: int,
    cursor: str | None,
    key_columns: Sequence[Any],
    key_of: Callable[[Any], Sequence[Any]],
    descending: bool | Sequence[bool] = True,
    scalars: bool = True,
    session=None,
) -> dict[str, Any]:
    """Run ``stmt`` one page at a time, ordered by ``key_columns`` (together unique, none NULL).

    ``descending`` is one direction for all columns or one per column. ``key_of`` gives a row's
    values for the columns, JSON-serialisable (datetimes as ISO strings).
    """
    from rse.extensions import db

    session = session or db.session
    directions = [descending] * len(key_columns) if isinstance(descending, bool) else list(descending)
    after = decode_cursor(cursor, len(key_columns))
    if after is not None:
        stmt = stmt.where(keyset_after(key_columns, typed_cursor_values(after, key_columns), directions))
    order = [col.desc() if desc else col.asc() for col, desc in zip(key_columns, directions, strict=True)]
    result = session.execute(stmt.order_by(*order).limit(limit + 1))
    rows = list(result.scalars() if scalars else result)
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": encode_cursor(key_of(rows[-1])) if has_more and rows else None}


class PageSchema(ma.Schema):
    next = ma.fields.String(allow_none=True)


@functools.cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The ``{"items": [...], "next": ...}`` envelope for an item schema."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": ma.fields.List(ma.fields.Nested(item_schema))})


def init_api(app) -> RseApi:
    app.config.setdefault("API_TITLE", "rse")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/vendor/swagger-ui-dist/")
    api = RseApi(
        app,
        spec_kwargs={
            "info": {"description": "rse JSON API. Errors are application/problem+json (RFC 9457)."},
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
            "security": [{"bearer": []}, {"session": []}],
        },
    )
    return api
