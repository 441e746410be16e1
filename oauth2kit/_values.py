"""Value objects checked once, where they enter: transport options, forms, headers, settings.

The send path trusts what these hold. Forms and headers are mappings that check every value
as it is set, so a value that a hook or a client authentication method adds is checked
where it enters too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from http.cookiejar import CookieJar
from typing import Any, TypeGuard
from urllib.parse import urlsplit

import attrs
from requests.structures import CaseInsensitiveDict

from oauth2kit._exceptions import InvalidParam, InvalidScopeParam, redact_uri, shown

__all__ = [
    "DEFAULT_TIMEOUT", "MAX_RESPONSE_BYTES", "Form", "Headers", "Setting", "Transport",
    "check_type", "is_number", "normalize_scope",
]  # fmt: skip

DEFAULT_TIMEOUT = 10.0
"""Seconds before a request to an authorization server gives up, unless told otherwise."""
MAX_RESPONSE_BYTES = 1024 * 1024
"""The largest response body a client reads, once decompressed, unless told otherwise."""


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float that a float can hold, not a bool (which Python counts as an int)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return not math.isnan(float(value))
    except OverflowError:  # a 400-digit int
        return False


def _is_text(value: object, forbidden: str = "") -> TypeGuard[str]:
    """A str that UTF-8 can encode (no lone surrogates) and without `forbidden` characters."""
    if not isinstance(value, str):
        return False
    for ch in forbidden:
        if ch in value:
            return False
    if value.isascii():  # the common case: nothing to encode
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_name(value: object) -> bool:
    """A header or cookie name: printable ASCII, no spaces or separators that break it."""
    return (
        isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and bool(value)
        and not any(ch.isspace() or ch in ":;=," for ch in value)
    )


_LONGEST_WAIT = 10.0**9
"""Seconds (some 30 years): sockets and locks overflow near 9.2e9, so longer is refused."""


def _seconds(value: object) -> bool:
    return is_number(value) and 0 < value <= _LONGEST_WAIT


_HEADER_VALUE = re.compile(r"(?:[!-~][\t -~]*)?")
"""What a header (or cookie) value may be: printable ASCII, tabs and inner spaces, empty."""


def _is_header_value(value: object, forbidden: str = "") -> bool:
    return isinstance(value, str) and bool(_HEADER_VALUE.fullmatch(value)) and not any(ch in value for ch in forbidden)  # fmt: skip # noqa: E501


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


# --- forms and headers -------------------------------------------------------------------


class _CheckedMap(MutableMapping[str, Any]):
    """A mapping that checks each item as it is set; what it holds is fit to send.

    It keeps what the check returns: plain values, never the caller's own (a list that
    could change after the check, a str subclass that encodes as something else).
    """

    __slots__ = ("_items",)

    def __init__(self, items: object = None) -> None:
        if items is None:
            self._items: MutableMapping[str, Any] = self._new({})
            return
        if not isinstance(items, Mapping):
            raise InvalidParam(f"{self._what}s take a Mapping, got {type(items).__name__}")
        # What is kept is what was checked, even from a Mapping that answers differently twice.
        pairs = items if type(items) is dict else dict(items.items())
        check = self._check
        self._items = self._new({name: check(name, value) for name, value in pairs.items()})

    @property
    def plain(self) -> Mapping[str, Any]:
        """What is held, as the plain mapping that is sent (do not change it)."""
        return self._items

    _what = "item"

    def _new(self, items: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return dict(items)

    def _check(self, name: object, value: Any) -> Any:
        raise NotImplementedError

    def __setitem__(self, name: str, value: Any) -> None:
        self._items[name] = self._check(name, value)

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        # Values may be secrets (client_secret, refresh_token, code): names only.
        return f"{type(self).__name__}({sorted(self._items)})"


def _plain(value: object) -> Any:
    """`value` as a plain str, int or float (or None); raises TypeError for anything else."""
    if value is None or _is_text(value):
        return value and str.__str__(value)  # str() of a str enum is its member's name
    if is_number(value) and math.isfinite(value):
        return (int if isinstance(value, int) else float)(value)
    raise TypeError


class Form(_CheckedMap):
    """The form fields of a request: strs, numbers, None (not sent), or lists of those.

    A list or tuple repeats the field, as RFC 8707 does with ``resource``. Anything else
    would be sent mangled (a dict as its keys, True as ``True``) and is refused: a plugin
    that needs JSON in a field, such as ``authorization_details``, encodes it itself.

    Raises:
        InvalidParam: naming the field that cannot be sent.
    """

    __slots__ = ()
    _what = "form"

    def _check(self, name: object, value: Any) -> Any:
        if type(name) is str and type(value) is str and name.isascii() and value.isascii():
            return value  # the common case, decided at once
        if not _is_text(name):
            raise InvalidParam(f"form field names are strs that UTF-8 can encode, got {shown(name)}")  # fmt: skip # noqa: E501
        try:
            return tuple(map(_plain, value)) if isinstance(value, list | tuple) else _plain(value)
        except TypeError:
            msg = (
                f"form field {name!r} has a value of type {type(value).__name__} that cannot"
                " be sent; a form takes strs and finite numbers, or lists of them"
            )
            raise InvalidParam(msg) from None


class Headers(_CheckedMap):
    """The headers of a request, case-insensitive; names and values that break it are refused.

    Names are HTTP tokens; values are printable ASCII, without line breaks or a leading
    space, so that neither requests nor http.client has to refuse one after it was checked.
    """

    __slots__ = ()
    _what = "header"

    def _new(self, items: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return CaseInsensitiveDict(items)

    def _check(self, name: object, value: Any) -> Any:
        if not (_is_name(name) and _is_header_value(value)):
            msg = f"header {shown(name)} cannot be sent with that {type(value).__name__} value"
            raise InvalidParam(msg + " (names are tokens, values printable ASCII text)")
        return str.__str__(value)


# --- transport ---------------------------------------------------------------------------


def check_type(name: str, value: object, kind: type | tuple[type, ...]) -> None:
    """Raise `InvalidParam` unless `value` is None or an instance of `kind`."""
    if value is not None and not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        names = " or ".join(k.__name__ for k in kinds)
        raise InvalidParam(f"{name} must be a {names}, got {type(value).__name__}")


def _pair(value: object, part: Callable[[object], bool]) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(part(p) for p in value)  # noqa: PLR2004 - a pair


def _is_proxy_key(key: object) -> bool:
    # The keys requests looks up: a scheme, "all", or a scheme (or "all") and a host.
    if not isinstance(key, str) or not key.isascii() or any(ch.isspace() for ch in key):
        return False
    scheme, sep, host = key.partition("://")
    return bool(scheme.isalpha() and (not sep or host))


def _is_str_map(value: object, keys: Callable[[object], bool], values: Callable[[object], bool]) -> bool:  # fmt: skip # noqa: E501
    return isinstance(value, Mapping) and all(
        keys(k) and (v is None or values(v)) for k, v in value.items()
    )


def _is_path(value: object) -> bool:
    return isinstance(value, str) and bool(value)  # "" would send no certificate, unsaid


def _is_cookie(value: object) -> bool:
    return _is_header_value(value, ";,")


def _is_proxy_url(value: object) -> bool:
    if value == "":  # requests: no proxy for this key, the environment's neither
        return True
    if not isinstance(value, str) or not _is_header_value(value):
        return False
    try:  # requests reads a proxy without a scheme as http://
        parts = urlsplit(value if "://" in value else f"http://{value}")
        return bool(parts.hostname) and parts.port != 0  # .port raises for one out of range
    except ValueError:
        return False


def _mapping(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def _timeout_ok(value: object) -> bool:
    return value is None or _seconds(value) or _pair(value, lambda p: p is None or _seconds(p))


# Field -> when a value is acceptable, and what it must be (values that may hold secrets,
# proxies and cookies, stay out of the message).
_TRANSPORT_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "timeout": (_timeout_ok, "timeout must be None, positive seconds or a (connect, read) pair"),
    # None: the session's (``session.verify``, True unless set, and REQUESTS_CA_BUNDLE); a
    # CA bundle path or a bool otherwise: "" would switch verification off, unsaid.
    "verify": (
        lambda v: v is None or isinstance(v, bool) or (isinstance(v, str) and bool(v)),
        "verify must be a bool or the path of a CA bundle",
    ),
    "cert": (
        lambda v: v is None or _is_path(v) or _pair(v, _is_path),
        "cert must be the path of a client certificate, or a (certificate, key) pair",
    ),
    "proxies": (
        lambda v: _is_str_map(v, _is_proxy_key, _is_proxy_url),
        "proxies map schemes (or scheme://host keys) to proxy URLs",
    ),
    "cookies": (
        lambda v: v is None or isinstance(v, CookieJar) or _is_str_map(v, _is_name, _is_cookie),
        "cookies must be a CookieJar or a mapping of cookie names to strs",
    ),
    "max_response_bytes": (
        lambda v: type(v) is int and v > 0,
        "max_response_bytes must be an int > 0",
    ),
}
_SHOWN = frozenset({"timeout", "verify", "cert", "max_response_bytes"})


def _transport_check(_: object, field: attrs.Attribute[Any], value: object) -> None:
    fits, message = _TRANSPORT_CHECKS[field.name]
    if not fits(value):
        raise InvalidParam(f"{message}, got {shown(value)}" if field.name in _SHOWN else message)


def _redacted_proxies(proxies: Mapping[str, str | None]) -> str:
    return repr({key: value and redact_uri(value) for key, value in proxies.items()})


def _counted_cookies(cookies: Mapping[str, str] | CookieJar | None) -> str:
    return "None" if cookies is None else f"<{len(cookies)} cookies>"


@attrs.frozen(eq=False)  # by identity: the pipeline caches what it derives
class Transport:
    """How requests are sent: what `requests` receives besides the method, URL, form and headers.

    Checked when built; change one with `attrs.evolve`, which checks the new value. Its
    repr keeps proxy credentials and cookie values out.

    Attributes:
        timeout: seconds (at most 10**9), a ``(connect, read)`` pair, or None for no
            timeout at all.
        verify: verify TLS certificates (True), or the path of a CA bundle; None (the
            default) leaves it to the session, whose own default is True.
        cert: a client certificate for mutual TLS: a path, or ``(certificate, key)``.
        proxies: requests' proxies: by scheme, ``all``, or ``scheme://host``, each a URL
            with a host (and a port in range), or None to use none for that key.
        cookies: cookies to send.
        max_response_bytes: the largest response body read (decompressed); a larger one is
            an error, found before it is all in memory. Per client, not per call.
    """

    timeout: Any = attrs.field(default=DEFAULT_TIMEOUT, validator=_transport_check)
    verify: bool | str | None = attrs.field(default=None, validator=_transport_check)
    cert: str | tuple[str, str] | None = attrs.field(default=None, validator=_transport_check)
    proxies: Mapping[str, str | None] = attrs.field(
        factory=dict, converter=_mapping, validator=_transport_check, repr=_redacted_proxies
    )
    cookies: Mapping[str, str] | CookieJar | None = attrs.field(
        default=None, converter=_mapping, validator=_transport_check, repr=_counted_cookies
    )
    max_response_bytes: int = attrs.field(default=MAX_RESPONSE_BYTES, validator=_transport_check)

    def with_kwargs(self, kwargs: object) -> tuple[Transport, Mapping[str, str], Mapping[str, Any]]:
        """Apply a call's ``requests_kwargs``; return the transport, its headers and query.

        Raises:
            InvalidParam: for an argument the kernel sets itself or that `requests` lacks, or
                a value `requests` would choke on.
        """
        if kwargs is None:
            return self, {}, {}
        if not isinstance(kwargs, Mapping):
            raise InvalidParam(f"requests_kwargs must be a Mapping, got {type(kwargs).__name__}")
        options = dict(kwargs)
        headers, params = (options.pop(name, None) for name in ("headers", "params"))
        headers, params = {} if headers is None else headers, {} if params is None else params
        if unknown := sorted(map(str, options.keys() - _TRANSPORT_FIELDS)):
            allowed = ", ".join(sorted({*_TRANSPORT_FIELDS, "headers", "params"}))
            names = ", ".join(map(repr, unknown))
            raise InvalidParam(
                f"requests_kwargs: {names} cannot be passed here; allowed: {allowed}"
            )
        if not isinstance(headers, Mapping) or not isinstance(params, Mapping):
            raise InvalidParam("requests_kwargs: headers and params must be mappings")
        return (attrs.evolve(self, **options) if options else self), headers, params


_TRANSPORT_FIELDS = frozenset({"timeout", "verify", "cert", "proxies", "cookies"})
"""What one call's ``requests_kwargs`` may change."""


# --- settings that plugins own -----------------------------------------------------------


@attrs.frozen
class Setting:
    """A client setting that a plugin owns, as it registers it with `oauth2kit_register_settings`.

    The client checks and converts a value given to its constructor (or to one call, in a
    grant's ``options``) once, when it is given; `OAuth2Client.setting` returns it, or the
    default when none was given.

    Attributes:
        default: the value when none is given.
        convert: ``convert(client, value)`` checks a given value (raising an
            `InvalidParam` subclass) and returns what the client keeps.
        endpoint: the value is an endpoint URL, checked by the client's URI policy first.
    """

    default: Any = None
    convert: Callable[[Any, Any], Any] | None = None
    endpoint: bool = False
