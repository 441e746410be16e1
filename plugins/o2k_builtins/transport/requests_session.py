"""Sending calls with a requests Session: entry point ``transport.requests``.

The kernel's pipeline hands every call, once authenticated, to the `oauth2kit_transmit`
hook; this plugin answers it (``trylast``, so that a plugin for another HTTP stack, or one
that records or injects faults, takes over by answering first). It sends the call with the
client's session, never follows a redirect (the form holds secrets, codes and tokens, and a
``Location`` is unchecked: a 3xx is an error response instead), reads the body within the
size cap and the whole call's timeout, and turns whatever requests, urllib3 or the OS
raise into a `TransportError` that says what went wrong without a URL's credentials.

A plain `requests.Session` is sent a request prepared here, with its environment merged
once per endpoint; a subclass, which may change `Session.request`, goes through that.
"""

from __future__ import annotations

import copy
import math
import time
import weakref
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
import urllib3
from requests.auth import AuthBase
from requests.cookies import RequestsCookieJar, create_cookie, extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.structures import CaseInsensitiveDict

from oauth2kit import OAuth2KitError, ResponseTooLarge, TransportError, hookimpl, redact_uri

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, Transport


class _NoAuth(AuthBase):
    """No authentication at all; unlike None, it keeps the session's auth and netrc out."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


_NO_AUTH = _NoAuth()


@hookimpl(trylast=True)
def oauth2kit_transmit(
    call: EndpointCall, transport: Transport, auth: AuthBase | None
) -> requests.Response:
    """Send `call` once with its client's session; return the response, its body read."""
    timeout = transport.timeout
    deadline = time.monotonic() + timeout if isinstance(timeout, int | float) else math.inf
    try:
        raw = _request(call, transport, auth or _NO_AUTH)
        _read_body(raw, transport.max_response_bytes, deadline)
    except OAuth2KitError:
        raise  # from an auth handler, while requests prepared the request; or the body's
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        # OSError: a CA bundle or client certificate file that cannot be read;
        # ValueError: a URL that urllib3 cannot use (a DNS label over 63 characters).
        reason = _reason(exc)
        if time.monotonic() > deadline:  # the deadline's watchdog shut the connection
            reason = "Timeout: no answer within the timeout (the whole call)"
        msg = f"{call.method} {redact_uri(call.url)} failed: {reason}"
        raise TransportError(msg, request=getattr(exc, "request", None)) from exc
    return raw


def _request(call: EndpointCall, transport: Transport, auth: AuthBase) -> requests.Response:
    """Send `call` with `requests`, without following redirects; the body is left to read."""
    session = call.client.session
    key = _transport_key(transport)
    kwargs = _request_kwargs(key, transport)
    if type(session) is not requests.Session:
        # A copy of the proxies: Session.request adds the environment's to the dict it is
        # given, which is the transport's own (checked once, and never to change).
        return session.request(
            call.method, call.url, data=call.form.plain or None, headers=call.headers.plain,
            auth=auth, allow_redirects=False, stream=True,
            **{**kwargs, "proxies": dict(kwargs["proxies"])},
        )  # fmt: skip
    prepared = _prepared(session, call, auth, kwargs["cookies"])
    settings = _environment(session, key, prepared.url or call.url, kwargs)
    return _sent(session, prepared, timeout=kwargs["timeout"], **settings)


def _sent(session: requests.Session, prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # fmt: skip # noqa: E501
    """What `Session.send` does with ``allow_redirects=False``, without its redirect lookahead.

    That lookahead (for `Response.next`) reads the body of any 3xx with a Location whole,
    before the size cap and the deadline can see it, and a Location it cannot parse turns an
    answer into an error. The rest is the same: the adapter, the response hooks, the cookies.
    """
    started = time.perf_counter()
    response = session.get_adapter(url=prepared.url or "").send(prepared, **kwargs)
    response.elapsed = timedelta(seconds=time.perf_counter() - started)
    hooked: requests.Response = dispatch_hook("response", prepared.hooks, response, **kwargs)  # type: ignore[no-untyped-call]
    for earlier in hooked.history:  # from a hook that followed something itself
        extract_cookies_to_jar(session.cookies, earlier.request, earlier.raw)  # type: ignore[no-untyped-call]
    extract_cookies_to_jar(session.cookies, prepared, hooked.raw)  # type: ignore[no-untyped-call]
    return hooked


def _transport_key(transport: Transport) -> tuple[object, ...]:
    """What `transport` holds, as a key: equal transports share what is derived from them.

    A call with its own ``requests_kwargs`` (a per-call timeout, say) gets a new `Transport`
    each time; keyed by value, it still finds the request arguments and the environment
    merged for the first such call. A cookie jar counts by identity (it may change).
    """
    cookies = transport.cookies
    return (
        transport.timeout, transport.verify, transport.cert, tuple(transport.proxies.items()),
        tuple(cookies.items()) if isinstance(cookies, Mapping) else id(cookies),
    )  # fmt: skip


# Transport key -> the keyword arguments for requests (the cookie jar they hold keeps its id
# from being reused while it is here).
_KWARGS: dict[tuple[object, ...], dict[str, Any]] = {}
_KEPT = 64  # past that, forgotten and derived anew


def _request_kwargs(key: tuple[object, ...], transport: Transport) -> dict[str, Any]:
    """What `requests` receives of `transport`, derived once per key (do not change it)."""
    if (known := _KWARGS.get(key)) is not None:
        return known
    timeout = transport.timeout
    if isinstance(timeout, int | float):
        # A total too: the transport.deadline plugin bounds the headers' arrival by it (the
        # body's, `_read_body`); urllib3 alone cuts each read's timeout down to what is left.
        timeout = urllib3.Timeout(connect=timeout, read=timeout, total=timeout)
    kwargs = {
        "timeout": timeout,
        "verify": transport.verify,
        "cert": transport.cert,
        "proxies": transport.proxies,
        "cookies": transport.cookies,
    }
    if len(_KWARGS) >= _KEPT:
        _KWARGS.clear()
    _KWARGS[key] = kwargs
    return kwargs


def _prepared(
    session: requests.Session, call: EndpointCall, auth: AuthBase, cookies: Any
) -> requests.PreparedRequest:
    """What `session.prepare_request` makes of `call`, without its Protocol checks.

    requests 2.34 merges settings and encodes forms through ``runtime_checkable`` Protocol
    isinstance checks, nine per token request, which cost more than the rest of the
    request on Python 3.11. The form is encoded here (it is checked already), and the
    session's headers, cookies and hooks are merged as `prepare_request` merges them.
    """
    # requests merges a session's headers and query parameters only when they are mappings.
    own = session.headers if isinstance(session.headers, Mapping) else None
    headers = CaseInsensitiveDict(own)
    headers.update(call.headers.plain)
    for name in [name for name, value in headers.items() if value is None]:
        del headers[name]  # requests' way for a request to drop a session header
    form = call.form.plain
    if form and "Content-Type" not in headers:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    jar = RequestsCookieJar()  # the session's cookies, then the call's over them
    jar.update(session.cookies)
    if isinstance(cookies, Mapping):  # each one a cookie, as requests makes them (None too)
        cookies = [create_cookie(name, value) for name, value in cookies.items()]  # type: ignore[no-untyped-call]
    for cookie in cookies or ():
        jar.set_cookie(copy.copy(cookie))
    params = session.params if isinstance(session.params, Mapping) and session.params else ""
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=call.method, url=call.url, headers=headers, data=_encoded(form),
        params=params, auth=auth, cookies=jar, hooks=session.hooks,
    )  # fmt: skip
    return prepared


def _encoded(form: Mapping[str, Any]) -> str | None:
    """`form` URL-encoded as requests encodes a dict: lists repeat the field, None is left out."""
    if not form:
        return None
    pairs = [
        (name, item)
        for name, value in form.items()
        for item in (value if isinstance(value, list | tuple) else (value,))
        if item is not None
    ]
    return urlencode(pairs)


# Session -> (transport key, URL) -> (the session's own settings, requests' merge of them with
# the environment). Kept per session, and compared with the session's settings at each
# request, so that a setting changed later is seen at once.
_ENVIRONMENTS: weakref.WeakKeyDictionary[requests.Session, dict[object, Any]] = (
    weakref.WeakKeyDictionary()
)
_KEPT_ENVIRONMENTS = 64  # per session: past that, forgotten and merged anew


def _environment(
    session: requests.Session, key: tuple[object, ...], url: str, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The proxies, TLS and stream settings for a request: the session's and the environment's.

    `Session.request` merges them for every request, and reads the whole environment twice
    to do it (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ...), which costs more
    than the rest of a token request. They are merged once per transport, URL and session
    settings instead, so an environment changed later is seen by new sessions (as httpx
    reads it once per client).
    """
    environments = _ENVIRONMENTS.get(session) or _ENVIRONMENTS.setdefault(session, {})
    own = (session.trust_env, session.verify, session.cert, session.proxies)
    found = environments.get((key, url))
    if found is not None and found[0] == own:
        return found[1]  # type: ignore[no-any-return] # what is stored below
    if len(environments) >= _KEPT_ENVIRONMENTS:
        environments.clear()
    merged = session.merge_environment_settings(
        url, dict(kwargs["proxies"]), stream=True, verify=kwargs["verify"], cert=kwargs["cert"]
    )
    settings = dict(merged)
    # A copy of the proxies: the session's own dict may change in place later.
    environments[key, url] = ((*own[:3], dict(session.proxies)), settings)
    return settings


def _read_body(raw: requests.Response, limit: int, deadline: float) -> None:
    """Read `raw`'s body (decompressed) into it, up to `limit` bytes and until `deadline`.

    Read in pieces as they arrive (urllib3 bounds each piece's decompression too, so a
    gzip bomb stops at the cap), then handed to requests as its content; a body that is too
    large or too slow is dropped with its connection. An adapter that read the body itself
    (a stub) has it checked against the cap all the same.
    """
    stream = None if getattr(raw, "_content_consumed", False) else raw.raw
    preloaded = b"" if stream is not None else raw.content or b""
    chunks, size = [preloaded], len(preloaded)
    try:
        if time.monotonic() > deadline:  # the headers' deadline cut the connection short
            raise _late(raw)
        while stream is not None and size <= limit:
            chunk = stream.read1(min(_PIECE, limit + 1 - size), decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if time.monotonic() > deadline:
                raise _late(raw)
        if time.monotonic() > deadline:  # the watchdog shut the socket: an end, but too late
            raise _late(raw)
        if size > limit:
            msg = f"{redact_uri(raw.url)} answered more than {limit} bytes (max_response_bytes)"
            raise ResponseTooLarge(msg, response=raw)
        raw._content = b"".join(chunks)  # noqa: SLF001 - what `raw.content` then returns
        raw._content_consumed = True  # type: ignore[attr-defined] # noqa: SLF001
    finally:
        raw.close()  # back to the pool when the body was read whole; dropped otherwise


_PIECE = 64 * 1024


def _late(raw: requests.Response) -> TransportError:
    msg = f"{redact_uri(raw.url)} did not answer within the timeout (the whole call)"
    return TransportError(msg, response=raw)


def _reason(exc: BaseException) -> str:
    """What went wrong, in words ("Connection refused"), never a URL or its credentials."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 8:  # noqa: PLR2004 - a bound
        seen.append(exc)
        if isinstance(exc, OSError) and exc.strerror:
            return f"{type(seen[0]).__name__}: {exc.strerror}"
        reason = getattr(exc, "reason", None)  # urllib3's wrapped error; a str in UnicodeError
        exc = exc.__cause__ or exc.__context__ or (reason if isinstance(reason, BaseException) else None)  # type: ignore[assignment] # fmt: skip # noqa: E501
    for name, words in _WORDS:
        if any(type(e).__name__.endswith(name) for e in seen):
            return f"{type(seen[0]).__name__}: {words}"
    return type(seen[0]).__name__


_WORDS = (
    ("ConnectTimeout", "connecting timed out"),
    ("Timeout", "timed out"),
    ("SSLError", "TLS failed"),
)
