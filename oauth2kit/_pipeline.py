"""The request pipeline: one call to an endpoint, the hooks around it, and the one send.

`send` is the only code that talks to the network, in `_transmit`: a transport other than
`requests` replaces that one function, not a flow.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
import weakref
from typing import TYPE_CHECKING, Any, final
from urllib.parse import urlencode, urlsplit

import attrs
import requests
import urllib3
from requests.auth import AuthBase
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict

from oauth2kit._client_auth import BaseClientAuthenticationMethod
from oauth2kit._exceptions import (
    InvalidParam,
    InvalidTokenResponse,
    OAuth2Error,
    OAuth2KitError,
    PluginError,
    ResponseTooLarge,
    TransportError,
    redact_uri,
)
from oauth2kit._tokens import BearerToken
from oauth2kit._values import Form, Headers, Transport, is_number

if TYPE_CHECKING:
    from collections.abc import Mapping

    from oauth2kit._client import OAuth2Client

__all__ = ["MAX_ATTEMPTS", "MAX_RETRY_DELAY", "EndpointCall", "EndpointResponse", "send"]

logger = logging.getLogger("oauth2kit")

MAX_ATTEMPTS = 3
"""Attempts per endpoint call when `oauth2kit_retry_request` hooks ask for retries."""
MAX_RETRY_DELAY = 30.0
"""Seconds; a retry that a hook wants to wait longer for is not made (the response stands)."""


class _NoAuth(AuthBase):
    """No authentication at all; unlike None, it keeps the session's auth and netrc out."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


_NO_AUTH = _NoAuth()


_METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})


def _checked_url(call: EndpointCall, _: object, url: str) -> str:
    return call.client.checked_endpoint(call.endpoint, url)


def _checked_method(_: object, __: object, method: object) -> None:
    if method not in _METHODS:
        raise InvalidParam(f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}")


@attrs.define(repr=False, eq=False)
class EndpointCall:
    """One call to an authorization server endpoint, as the hooks see it.

    Hooks and client authentication change the call in place; what they set is checked as
    it is set (`Form` and `Headers` check each value, `url` goes through the client's URI
    policy, `transport` must be a `Transport`).

    Attributes:
        client: the client making the call.
        endpoint: the setting naming the endpoint, such as ``token_endpoint``.
        url: the endpoint URL.
        form: the form fields to send.
        headers: the headers to send (``Accept: application/json`` by default).
        transport: how the request is sent (timeout, TLS, proxies, cookies).
        method: the HTTP method.
        auth: the client authentication method (applied to `form` and `headers` after the
            request hooks), another requests auth handler (an access token, for userinfo),
            or None for no authentication at all (not the session's, nor ``~/.netrc``).
        grant: for token requests, the grant name (``client_credentials``, ...).
        options: anything else the caller or a plugin wants the hooks to see, e.g. a
            ``token_class`` or a DPoP key.
        attempt: 1 for the first attempt, then 2, 3 when a hook asked for a retry.
        response: the latest response, once one arrived.
    """

    client: OAuth2Client
    endpoint: str
    url: str = attrs.field(on_setattr=_checked_url)
    # A hook may set a plain mapping: it is checked into a Form (or Headers) as it is set.
    form: Form = attrs.field(on_setattr=lambda _, __, value: Form(value))
    headers: Headers = attrs.field(on_setattr=lambda _, __, value: Headers(value))
    transport: Transport = attrs.field(
        validator=attrs.validators.instance_of(Transport), on_setattr=attrs.setters.validate
    )
    method: str = attrs.field(
        default="POST", validator=_checked_method, on_setattr=attrs.setters.validate
    )
    auth: AuthBase | None = None
    grant: str | None = None
    options: dict[str, Any] = attrs.Factory(dict)
    attempt: int = 1
    response: EndpointResponse | None = None

    def last_response(self) -> requests.Response:
        """The HTTP response of the latest attempt.

        Raises:
            RuntimeError: if nothing was sent yet (a programming error, not bad input).
        """
        if self.response is None:
            raise RuntimeError("this call has not been sent")
        return self.response.response

    def __repr__(self) -> str:
        # Form fields may hold secrets (client_secret, refresh_token, code): names only.
        return (
            f"EndpointCall({self.method} {self.endpoint}={redact_uri(self.url)!r},"
            f" grant={self.grant!r}, fields={sorted(self.form)}, attempt={self.attempt})"
        )


@final
class EndpointResponse:
    """An endpoint's HTTP response, decoded once for every hook that looks at it.

    `oauth2kit_fixup_response` hooks may change `status_code` and `data` (to turn a vendor's
    HTTP 200 error into a real error, or a form-encoded body into a dict) before the parse
    hooks run.

    Attributes:
        response: the `requests.Response`.
        status_code: the HTTP status that decides between the parse and error hooks.
        data: the body as a JSON object, or None if it is not one.
    """

    __slots__ = ("data", "response", "status_code")

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status_code: int = response.status_code
        self.data: dict[str, Any] | None = _json_object(response)

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status_code < 300  # noqa: PLR2004 - the 2xx range

    @property
    def content_type(self) -> str:
        """The media type of the body, without parameters, lowercased."""
        value = self.response.headers.get("Content-Type", "")
        return value.split(";", 1)[0].strip().lower()

    def describe(self) -> str:
        """A short description of the body for error messages (never the body itself)."""
        if self.data is not None:
            return f"HTTP {self.status_code} with a JSON object"
        kind = self.content_type or "no Content-Type"
        return f"HTTP {self.status_code} with a {kind} body of {len(self.response.content)} bytes"

    def __repr__(self) -> str:
        return f"EndpointResponse({self.describe()})"


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    """Decode the body as a JSON object, or return None: bodies are untrusted input."""
    try:
        decoded = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


def send(call: EndpointCall) -> Any:
    """Send `call`, with the request, response, retry and parse hooks around it.

    Raises:
        TransportError: the server could not be reached.
        OAuth2Error: (or the subclass an error hook chose) for an error response.
    """
    hook, blocked = call.client.plugins.call, call.client.disabled_plugins
    while True:
        hook("oauth2kit_prepare_request", blocked, call=call)
        response = call.response = _transmit(call)
        hook("oauth2kit_fixup_response", blocked, call=call, response=response)
        status = response.status_code
        if isinstance(status, bool) or not isinstance(status, int):
            raise PluginError(f"an oauth2kit_fixup_response hook set status_code to {status!r}")
        if call.attempt < MAX_ATTEMPTS:
            delay = hook("oauth2kit_retry_request", blocked, call=call, response=response)
            if _checked_delay(delay) <= MAX_RETRY_DELAY:
                time.sleep(delay)
                call.attempt += 1
                continue
        return _parsed(call, response)


def _transmit(call: EndpointCall) -> EndpointResponse:
    """Authenticate the call and send it once: the pipeline's only network I/O."""
    auth = call.auth
    if isinstance(auth, BaseClientAuthenticationMethod):
        auth.authenticate(call.url, call.form, call.headers)
        auth = None
    timeout = call.transport.timeout
    deadline = time.monotonic() + timeout if isinstance(timeout, int | float) else math.inf
    try:
        raw = _request(call, auth or _NO_AUTH)
        _read_body(raw, call.transport.max_response_bytes, deadline)
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
    logger.debug(
        "%s %s (%s) -> %s", call.method, redact_uri(call.url), call.grant or "-", raw.status_code
    )
    return EndpointResponse(raw)


def _request(call: EndpointCall, auth: AuthBase) -> requests.Response:
    """Send `call` with `requests`, without following redirects; the body is left to read.

    A redirect would send the form (secrets, codes, tokens) wherever its Location points,
    unchecked: a 3xx is an error response instead. A subclass of `requests.Session`, which
    may change `request()`, is called through it; a `requests.Session` itself is sent the
    prepared request with its environment settings worked out once (`_environment`).
    """
    session = call.client.session
    kwargs = _request_kwargs(call.transport, call.url, call.client.testing)
    form, headers = call.form.plain, call.headers.plain
    if type(session) is not requests.Session:
        return session.request(
            call.method, call.url, data=form or None, headers=headers, auth=auth,
            allow_redirects=False, stream=True, **kwargs,
        )  # fmt: skip
    prepared = _prepared(session, call, auth, kwargs["cookies"])
    settings = _environment(session, call, prepared.url or call.url, kwargs)
    return session.send(prepared, allow_redirects=False, timeout=kwargs["timeout"], **settings)


def _prepared(
    session: requests.Session, call: EndpointCall, auth: AuthBase, cookies: Any
) -> requests.PreparedRequest:
    """What `session.prepare_request` makes of `call`, without its Protocol checks.

    requests 2.34 merges settings and encodes forms through ``runtime_checkable`` Protocol
    isinstance checks, nine per token request, which cost more than the rest of the
    request on Python 3.11. The form is encoded here (it is checked already), and the
    session's headers, cookies and hooks are merged as `prepare_request` merges them.
    """
    headers = CaseInsensitiveDict(session.headers)
    headers.update(call.headers.plain)
    for name in [name for name, value in headers.items() if value is None]:
        del headers[name]  # requests' way for a request to drop a session header
    form = call.form.plain
    if form and "Content-Type" not in headers:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    jar = RequestsCookieJar()  # the session's cookies, then the call's over them
    jar.update(session.cookies)
    jar.update(cookies or {})
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=call.method, url=call.url, headers=headers, data=_encoded(form),
        params=session.params or "", auth=auth, cookies=jar, hooks=session.hooks,
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


# Session -> (transport, URL, the session's own settings) -> requests' merge of them with the
# environment. Kept per session, so that a session's settings changed later are seen.
_ENVIRONMENTS: weakref.WeakKeyDictionary[requests.Session, dict[object, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_KEPT_ENVIRONMENTS = 64  # per session: past that, forgotten and merged anew


def _environment(
    session: requests.Session, call: EndpointCall, url: str, kwargs: dict[str, Any]
) -> dict[str, Any]:
    """The proxies, TLS and stream settings for `call`: the session's and the environment's.

    `Session.request` merges them for every request, and reads the whole environment twice
    to do it (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ...), which costs more
    than the rest of a token request. They are merged once per transport, URL and session
    settings instead, so an environment changed later is seen by new sessions (as httpx
    reads it once per client).
    """
    environments = _ENVIRONMENTS.get(session) or _ENVIRONMENTS.setdefault(session, {})
    own = repr((session.trust_env, session.verify, session.cert, session.proxies))
    key = (call.transport, url, own)
    settings = environments.get(key)
    if settings is None:
        if len(environments) >= _KEPT_ENVIRONMENTS:
            environments.clear()
        merged = session.merge_environment_settings(
            url, dict(kwargs["proxies"]), stream=True, verify=kwargs["verify"], cert=kwargs["cert"]
        )
        settings = environments[key] = dict(merged)
    return settings


def _read_body(raw: requests.Response, limit: int, deadline: float) -> None:
    """Read `raw`'s body (decompressed) into it, up to `limit` bytes and until `deadline`.

    Read in pieces as they arrive (urllib3 bounds each piece's decompression too, so a
    gzip bomb stops at the cap), then handed to requests as its content; a body that is too
    large or too slow is dropped with its connection. An adapter that read the body itself (a stub)
    has it checked against the cap all the same.
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
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None)  # type: ignore[assignment]
    for name, words in _WORDS:
        if any(type(e).__name__.endswith(name) for e in seen):
            return f"{type(seen[0]).__name__}: {words}"
    return type(seen[0]).__name__


_WORDS = (
    ("ConnectTimeout", "connecting timed out"),
    ("Timeout", "timed out"),
    ("SSLError", "TLS failed"),
)


def _parsed(call: EndpointCall, response: EndpointResponse) -> Any:
    """The result of a successful response, or the exception for an error response."""
    client = call.client
    if response.ok:
        result = client.hook("oauth2kit_parse_response", call=call, response=response)
        if result is None:
            msg = f"no plugin parses responses from {call.endpoint} ({response.describe()})"
            raise OAuth2Error(response.response, client, msg)
        if call.endpoint == "token_endpoint":
            if not isinstance(result, BearerToken):
                msg = f"the token response was parsed into a {type(result).__name__}, not a token"
                raise InvalidTokenResponse(response.response, client, msg)
            client.hook("oauth2kit_token_obtained", call=call, token=result)
        return result
    error = client.hook("oauth2kit_parse_error", call=call, response=response)
    if error is None:
        described = f"{call.endpoint} answered {response.describe()}"
        error = OAuth2Error(response.response, client, described)
    elif not isinstance(error, OAuth2KitError):
        kind = type(error).__name__
        raise PluginError(
            f"an oauth2kit_parse_error hook returned a {kind}, not an oauth2kit error"
        )
    raise error


@functools.lru_cache(maxsize=64)
def _request_kwargs(transport: Transport, url: str, testing: bool) -> dict[str, Any]:
    """What `requests` receives of `transport` for `url`, derived once (do not change it)."""
    kwargs = transport.as_kwargs()
    if is_number(seconds := kwargs["timeout"]):
        # A total too: the transport.deadline plugin bounds the headers' arrival by it (the
        # body's, `_read_body`); urllib3 alone cuts each read's timeout down to what is left.
        kwargs["timeout"] = urllib3.Timeout(connect=seconds, read=seconds, total=seconds)
    if not testing:
        kwargs["proxies"] = _no_proxy_for_plain_http(url, kwargs["proxies"])
    return kwargs


def _no_proxy_for_plain_http(url: str, proxies: Any) -> dict[str, Any]:
    """The proxies for `url`: none at all when it is plain http (to a loopback host).

    Plain http is accepted for loopback hosts only because no network lies between; a
    proxy (from ``HTTP_PROXY``, say) would carry the secrets across one in clear text.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme != "http":
        return dict(proxies)
    keys = ("http", "all", f"http://{host}", f"all://{host}")
    if any(proxies.get(key) for key in keys):
        raise InvalidParam("a plain-http (loopback) endpoint cannot be reached through a proxy")
    # None overrides the environment's proxies for these keys, in requests.
    return {**proxies, **dict.fromkeys(keys)}


def _checked_delay(delay: object) -> float:
    """What an `oauth2kit_retry_request` hook returned, checked: inf for None (no retry)."""
    if delay is None:
        return math.inf
    if is_number(delay) and delay >= 0:
        return float(delay) if delay <= MAX_RETRY_DELAY else math.inf  # no overflow
    msg = f"an oauth2kit_retry_request hook returned {delay!r}, not None or seconds >= 0"
    raise PluginError(msg)
