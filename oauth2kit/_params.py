"""Normalizing parameters that many grants and endpoints share."""

from __future__ import annotations

from collections.abc import Iterable

from oauth2kit._exceptions import InvalidScopeParam

__all__ = ["normalize_scope"]


def normalize_scope(scope: object) -> str | None:
    """Return `scope` as the space-separated string OAuth 2.0 sends, or None.

    Args:
        scope: None, a string (sent as is), or an iterable of strings (joined with spaces).

    Raises:
        InvalidScopeParam: for anything else, including an iterable of non-strings.
    """
    if scope is None or isinstance(scope, str):
        return scope
    if isinstance(scope, Iterable) and not isinstance(scope, bytes | dict):
        items = list(scope)
        if all(isinstance(item, str) for item in items):
            return " ".join(items)
    raise InvalidScopeParam(scope)
