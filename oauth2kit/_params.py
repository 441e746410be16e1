"""Checking and normalizing parameters that the kernel and many grants share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oauth2kit._exceptions import InvalidParam, InvalidScopeParam

__all__ = ["check_type", "checked_timeout", "normalize_scope"]

_INF = float("inf")


def check_type(name: str, value: object, expected: type) -> None:
    """Raise `InvalidParam` unless `value` is None or an instance of `expected`."""
    if value is not None and not isinstance(value, expected):
        msg = f"{name} must be a {expected.__name__}, got {type(value).__name__}"
        raise InvalidParam(msg)


def checked_timeout(timeout: Any) -> Any:
    """Return `timeout` if `requests` can use it: None, seconds, or (connect, read) seconds.

    Raises:
        InvalidParam: for anything else, which requests would refuse only when sending.
    """

    def seconds(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < _INF

    if timeout is None or seconds(timeout):
        return timeout
    pair = isinstance(timeout, tuple) and len(timeout) == 2  # noqa: PLR2004 - (connect, read)
    if pair and all(part is None or seconds(part) for part in timeout):
        return timeout
    msg = f"timeout must be None, positive seconds or a (connect, read) pair, got {timeout!r}"
    raise InvalidParam(msg)


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
