"""Path converters shared by the URLconfs (registered in BcrpConfig.ready)."""

from __future__ import annotations


class TokenConverter:
    """An unguessable token as the application makes them (`secrets.token_urlsafe`).

    Anything else in its place, a NUL byte included, is a page that does not exist: PostgreSQL
    refuses NUL in a text comparison, so such a token must never reach a query.
    """

    regex = "[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
