"""Domain refusals. Services raise these; ``rse.api`` and the pages map them to responses."""

from __future__ import annotations


class Message(str):
    """An English message, as the API says it, that a page can still show translated.

    It keeps its template and values so that ``translate`` can look the template up in the
    catalogue; ``_l`` marks it for extraction (``pybabel extract -k _l``).
    """

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        message = super().__new__(cls, template % params if params else template)
        message.template = template
        message.params = params
        return message


def _l(template: str, **params) -> Message:
    return Message(template, **params)


def translate(message: str) -> str:
    """The message in the current request's language."""
    from flask_babel import gettext

    if isinstance(message, Message):
        return gettext(message.template, **message.params)
    return gettext(message)


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
