"""Domain refusals. Services raise these; ``rse.api`` and the pages map them to responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad Request"

    def __init__(self, detail: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule; names the fields at fault."""

    status = 422
    title = "Unprocessable Content"


class NotFound(DomainError):
    """Missing, or hidden from this caller: both answer the same."""

    status = 404
    title = "Not Found"

    def __init__(self, detail: str | None = None, errors=None):
        # One fixed text, so that hidden and missing objects cannot be told apart.
        super().__init__("The requested resource was not found.", None)


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"
