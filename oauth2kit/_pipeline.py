"""The request pipeline: one call to an endpoint, the hooks around it, and the one send.

`_transmit` hands each attempt to the `oauth2kit_transmit` hook, the only network I/O: the
built-in ``transport.requests`` plugin sends it with the client's requests Session, and a
transport for another HTTP stack is another plugin, not a change to any flow.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any, final
from urllib.parse import urlsplit

import attrs
import requests

from oauth2kit._client_auth import BaseClientAuthenticationMethod
from oauth2kit._exceptions import (
    InvalidParam,
    InvalidTokenResponse,
    OAuth2Error,
    OAuth2KitError,
    PluginError,
    redact_uri,
    shown,
)
from oauth2kit._tokens import BearerToken
from oauth2kit._values import Form, Headers, Transport, is_number

if TYPE_CHECKING:
    from requests.auth import AuthBase

    from oauth2kit._client import OAuth2Client

__all__ = ["MAX_ATTEMPTS", "MAX_RETRY_DELAY", "EndpointCall", "EndpointResponse", "send"]

logger = logging.getLogger("oauth2kit")

MAX_ATTEMPTS = 3
"""Attempts per endpoint call when `oauth2kit_retry_request` hooks ask for retries."""
MAX_RETRY_DELAY = 30.0
"""Seconds; a retry that a hook wants to wait longer for is not made (the response stands)."""


_METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})


def _checked_url(call: EndpointCall, _: object, url: str) -> str:
    return call.client.checked_endpoint(call.endpoint, url)


def _checked_method(_: object, __: object, method: object) -> None:
    if not isinstance(method, str) or method not in _METHODS:
        raise InvalidParam(f"method must be one of {', '.join(sorted(_METHODS))}, got {shown(method)}")  # fmt: skip # noqa: E501


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
    attempt = 1
    while True:
        call.attempt = attempt  # counted here, not there: a hook may change call.attempt
        hook("oauth2kit_prepare_request", blocked, call=call)
        response = call.response = _transmit(call)
        hook("oauth2kit_fixup_response", blocked, call=call, response=response)
        status = response.status_code
        if isinstance(status, bool) or not isinstance(status, int):
            raise PluginError(f"an oauth2kit_fixup_response hook set status_code to {status!r}")
        if attempt < MAX_ATTEMPTS:
            delay = hook("oauth2kit_retry_request", blocked, call=call, response=response)
            if _checked_delay(delay) <= MAX_RETRY_DELAY:
                time.sleep(delay)
                attempt += 1
                continue
        return _parsed(call, response)


def _transmit(call: EndpointCall) -> EndpointResponse:
    """Authenticate the call and have the transport plugin send it once: the only network I/O."""
    auth = call.auth
    if isinstance(auth, BaseClientAuthenticationMethod):
        auth.authenticate_call(call)
        auth = None
    transport = _with_proxy_policy(call.transport, call.url, call.client.testing)
    raw = call.client.hook("oauth2kit_transmit", call=call, transport=transport, auth=auth)
    if raw is None:
        off = {*call.client.disabled_plugins, *call.client.plugins.unavailable()}
        msg = "no plugin sends requests (oauth2kit_transmit)"
        raise PluginError(f"{msg}; blocked or failed plugins: {', '.join(sorted(off)) or 'none'}")
    if not isinstance(raw, requests.Response):
        kind = type(raw).__name__
        raise PluginError(f"an oauth2kit_transmit hook returned a {kind}, not a requests.Response")
    logger.debug(
        "%s %s (%s) -> %s", call.method, redact_uri(call.url), call.grant or "-", raw.status_code
    )
    return EndpointResponse(raw)


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
def _with_proxy_policy(transport: Transport, url: str, testing: bool) -> Transport:
    """`transport` for a call to `url`: with no proxy at all when it is plain http.

    Plain http is accepted for loopback hosts only because no network lies between; a
    proxy (from ``HTTP_PROXY``, say) would carry the secrets across one in clear text.
    """
    parts = urlsplit(url)
    if testing or parts.scheme != "http":
        return transport
    host = parts.hostname
    keys = ("http", "all", f"http://{host}", f"all://{host}")
    if any(transport.proxies.get(key) for key in keys):
        raise InvalidParam("a plain-http (loopback) endpoint cannot be reached through a proxy")
    # None overrides the environment's proxies for these keys, in requests.
    return attrs.evolve(transport, proxies={**transport.proxies, **dict.fromkeys(keys)})


def _checked_delay(delay: object) -> float:
    """What an `oauth2kit_retry_request` hook returned, checked: inf for None (no retry)."""
    if delay is None:
        return math.inf
    if is_number(delay) and delay >= 0:
        return float(delay) if delay <= MAX_RETRY_DELAY else math.inf  # no overflow
    msg = f"an oauth2kit_retry_request hook returned {shown(delay)}, not None or seconds >= 0"
    raise PluginError(msg)
