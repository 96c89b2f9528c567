"""The search query language, parsed once for every backend.

Words are ANDed; ``"exact phrase"``; ``-word`` or ``-"phrase"`` excludes; ``prefix*`` expands to
the most frequent indexed terms; ``field:value`` filters on an allowlist of fields. Anything else
is a syntax error that names what is wrong, so the caller gets a 400 instead of a surprise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from feed.models import PRIORITIES
from rse.errors import _l

MAX_QUERY_LENGTH = 500
MAX_CLAUSES = 24
MIN_PREFIX_LENGTH = 3
FILTER_FIELDS = ("community", "author", "tag", "priority", "qualification", "before", "after")
QUALIFICATION_VALUES = ("action", "information", "none")

_TOKEN = re.compile(r'(?P<minus>-)?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))')


class QuerySyntaxError(ValueError):
    """A query we refuse to guess about; the message says why."""

    def __init__(self, message: str, field: str = "q"):
        super().__init__(message)
        self.field = field


@dataclass
class ParsedQuery:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # words or phrases
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases or self.prefixes)

    def add_filter(self, name: str, value: str) -> None:
        self.filters.setdefault(name, []).append(value)


def parse_query(text: str) -> ParsedQuery:
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(
            _l("The query is too long (at most %(count)d characters).", count=MAX_QUERY_LENGTH)
        )
    if text.count('"') % 2:
        raise QuerySyntaxError(_l("A quotation mark is not closed."))
    parsed = ParsedQuery()
    clauses = 0
    position = 0
    for match in _TOKEN.finditer(text):
        if text[position : match.start()].strip():
            raise QuerySyntaxError(
                _l("The query cannot be read near “%(text)s”.", text=text[position : match.start()])
            )
        position = match.end()
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise QuerySyntaxError(_l("The query has too many parts (at most %(count)d).", count=MAX_CLAUSES))
        negated = bool(match.group("minus"))
        name = match.group("field")
        value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        if name is not None:
            name = name.lower()
            if name not in FILTER_FIELDS:
                raise QuerySyntaxError(
                    _l(
                        "Unknown filter “%(name)s:”. Filters: %(names)s.",
                        name=name,
                        names=", ".join(f"{known}:" for known in FILTER_FIELDS),
                    )
                )
            if negated:
                raise QuerySyntaxError(_l("Filters cannot be negated (“-%(name)s:”).", name=name))
            add_filter(parsed, name, value, field_name="q")
        elif match.group("phrase") is not None:
            if value.strip():
                (parsed.excluded if negated else parsed.phrases).append(value.strip())
        elif "*" in value:
            if negated:
                raise QuerySyntaxError(_l("A prefix (“%(word)s”) cannot be excluded.", word=value))
            parsed.prefixes.append(_checked_prefix(value))
        elif value == "-":
            continue
        else:
            (parsed.excluded if negated else parsed.words).append(value)
    if text[position:].strip():
        raise QuerySyntaxError(_l("The query cannot be read near “%(text)s”.", text=text[position:]))
    return parsed


def _checked_prefix(value: str) -> str:
    prefix = value[:-1]
    if not value.endswith("*") or "*" in prefix:
        raise QuerySyntaxError(_l("Only a final * is allowed (“%(word)s”).", word=value))
    if len(prefix) < MIN_PREFIX_LENGTH:
        raise QuerySyntaxError(
            _l(
                "“%(word)s” is too broad: give at least %(count)d letters before *.",
                word=value,
                count=MIN_PREFIX_LENGTH,
            )
        )
    return prefix


def add_filter(parsed: ParsedQuery, name: str, value: str, *, field_name: str) -> None:
    """Check one filter value (from ``q`` or an API parameter) and keep it."""
    value = (value or "").strip()
    if not value:
        raise QuerySyntaxError(_l("The filter “%(name)s:” needs a value.", name=name), field_name)
    if name == "priority" and value.lower() not in PRIORITIES:
        raise QuerySyntaxError(
            _l("Unknown priority “%(value)s”: one of %(values)s.", value=value, values=", ".join(PRIORITIES)),
            field_name,
        )
    if name == "qualification" and value.lower() not in QUALIFICATION_VALUES:
        raise QuerySyntaxError(
            _l(
                "Unknown qualification “%(value)s”: one of %(values)s.",
                value=value,
                values=", ".join(QUALIFICATION_VALUES),
            ),
            field_name,
        )
    if name in ("before", "after"):
        parse_date(value, field_name)
    if name in ("priority", "qualification"):
        value = value.lower()
    if name == "tag":
        value = value.lstrip("#").lower()
    parsed.add_filter(name, value)


def parse_date(value: str, field_name: str = "q") -> datetime:
    """``2026``, ``2026-03`` or ``2026-03-15``: the start of that period, in UTC."""
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise QuerySyntaxError(
        _l("“%(value)s” is not a date (YYYY-MM-DD, YYYY-MM or YYYY).", value=value), field_name
    )
