"""Checking and normalizing parameters that the kernel and many grants share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookiejar import CookieJar
from typing import Any, TypeGuard

from oauth2kit._exceptions import InvalidParam, InvalidScopeParam

__all__ = [
    "check_subclass",
    "check_type",
    "checked_form",
    "checked_requests_kwargs",
    "checked_timeout",
    "is_number",
    "normalize_scope",
]

# The `requests` arguments a caller may pass in ``requests_kwargs``: the kernel sets the
# method, URL, form data and auth itself, and merges ``headers`` and ``params`` in.
_TRANSPORT_ARGUMENTS = frozenset(
    {"cert", "cookies", "headers", "params", "proxies", "timeout", "verify"}
)  # fmt: skip

_INF = float("inf")


def check_type(name: str, value: object, expected: type | tuple[type, ...]) -> None:
    """Raise `InvalidParam` unless `value` is None or an instance of `expected`."""
    if value is not None and not isinstance(value, expected):
        kinds = expected if isinstance(expected, tuple) else (expected,)
        names = " or ".join(kind.__name__ for kind in kinds)
        msg = f"{name} must be a {names}, got {type(value).__name__}"
        raise InvalidParam(msg)


def check_subclass(name: str, value: object, base: type) -> None:
    """Raise `InvalidParam` unless `value` is None or a subclass of `base`."""
    if value is not None and not (isinstance(value, type) and issubclass(value, base)):
        msg = f"{name} must be a {base.__name__} subclass, got {value!r}"
        raise InvalidParam(msg)


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float, not a bool (which Python counts as an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_form_value(value: object) -> bool:
    return value is None or isinstance(value, str) or is_number(value)


def checked_form(data: object) -> dict[str, Any]:
    """Return the form fields `data` as a new dict, if a form can carry them as they are.

    A value is a str, a number, None (not sent) or a list or tuple of those (the field is
    repeated, as for ``resource``). Anything else would be sent mangled (a dict as its
    keys, True as ``True``), so it is refused: a plugin that needs JSON in a field, such as
    ``authorization_details``, encodes it itself.

    Raises:
        InvalidParam: naming the first field that cannot be sent.
    """
    if not isinstance(data, Mapping | None):
        msg = f"form data must be a Mapping, got {type(data).__name__}"
        raise InvalidParam(msg)
    form: dict[object, Any] = dict(data or {})
    for name, value in form.items():
        items = value if isinstance(value, list | tuple) else (value,)
        if not isinstance(name, str):
            msg = f"form field names are strs, got {name!r}"
            raise InvalidParam(msg)
        if not all(_is_form_value(item) for item in items):
            msg = (
                f"form field {name!r} has a value of type {type(value).__name__}; a form takes"
                " strs and numbers, or lists of them"
            )
            raise InvalidParam(msg)
    return {str(name): value for name, value in form.items()}  # all strs, checked above


def _is_name(value: object) -> bool:
    """A header or cookie name: printable ASCII, no spaces or separators that break it."""
    return (
        isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and bool(value)
        and not any(ch.isspace() or ch in ":;=," for ch in value)
    )


def _str_map(value: object, *, form_values: bool = False, cookie: bool = False) -> bool:
    """A mapping of names to strs (or to form values, for query parameters)."""
    if not isinstance(value, Mapping):
        return False
    if form_values:
        return all(isinstance(key, str) and _is_form_value(item) for key, item in value.items())
    forbidden = "\r\n;," if cookie else "\r\n"
    return all(
        _is_name(key) and isinstance(item, str) and not any(ch in forbidden for ch in item)
        for key, item in value.items()
    )


def checked_requests_kwargs(kwargs: object, default_timeout: Any) -> dict[str, Any]:
    """Return the transport arguments `kwargs` for `requests`, checked, with defaults.

    The timeout defaults to `default_timeout`.

    Raises:
        InvalidParam: for an argument the kernel sets itself or that `requests` lacks, or a
            value `requests` would choke on.
    """
    if not isinstance(kwargs, Mapping | None):
        msg = f"requests_kwargs must be a Mapping, got {type(kwargs).__name__}"
        raise InvalidParam(msg)
    checked: dict[str, Any] = dict(kwargs or {})
    if unknown := sorted(map(str, checked.keys() - _TRANSPORT_ARGUMENTS)):
        msg = (
            f"requests_kwargs: {', '.join(map(repr, unknown))} cannot be passed to requests"
            f" here; allowed: {', '.join(sorted(_TRANSPORT_ARGUMENTS))}"
        )
        raise InvalidParam(msg)
    cert = checked.get("cert")
    verify = checked.get("verify", True)
    valid = {
        "headers": _str_map(checked.get("headers", {})),
        "proxies": _str_map(checked.get("proxies", {})),
        "cookies": isinstance(checked.get("cookies"), CookieJar)
        or _str_map(checked.get("cookies", {}), cookie=True),
        "params": _str_map(checked.get("params", {}), form_values=True),
        "cert": cert is None
        or isinstance(cert, str)
        or (isinstance(cert, tuple) and len(cert) == 2 and all(isinstance(c, str) for c in cert)),  # noqa: PLR2004
        # A CA bundle path, or a bool: "" would switch verification off, unsaid.
        "verify": isinstance(verify, bool) or (isinstance(verify, str) and bool(verify)),
    }
    if bad := sorted(name for name, ok in valid.items() if not ok):
        msg = f"requests_kwargs: unusable value for {', '.join(map(repr, bad))}"
        raise InvalidParam(msg)
    checked["timeout"] = checked_timeout(checked.get("timeout", default_timeout))
    return checked


def checked_timeout(timeout: Any) -> Any:
    """Return `timeout` if `requests` can use it: None, seconds, or (connect, read) seconds.

    Raises:
        InvalidParam: for anything else, which requests would refuse only when sending.
    """

    def seconds(value: object) -> bool:
        return is_number(value) and 0 < value < _INF

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
        # RFC 6749 section 3.3: one or more scope-tokens, none empty or with spaces.
        if items and all(isinstance(item, str) and item and " " not in item for item in items):
            return " ".join(items)
    raise InvalidScopeParam(scope)
