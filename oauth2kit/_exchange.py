"""What travels through the hooks with one request to an authorization server endpoint."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, final

from requests.auth import AuthBase

from oauth2kit._exceptions import InvalidParam, redact_uri
from oauth2kit._params import (
    check_subclass,
    check_type,
    checked_form,
    checked_requests_kwargs,
)
from oauth2kit._tokens import BearerToken

if TYPE_CHECKING:
    import requests

    from oauth2kit._client import OAuth2Client

__all__ = ["EndpointCall", "EndpointResponse"]

_METHODS = frozenset({"DELETE", "GET", "PATCH", "POST", "PUT"})


class _NoAuth(AuthBase):
    """No authentication at all; unlike None, it keeps the session's auth and netrc out."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request

    def __repr__(self) -> str:
        return "NoAuth()"


_NO_AUTH = _NoAuth()


def _resolved_auth(client: OAuth2Client, auth: object) -> AuthBase:
    """True: the client's authentication; False (or None): none; a handler: that one."""
    if auth is True:
        return client.auth
    if auth is False or auth is None:
        return _NO_AUTH
    if isinstance(auth, AuthBase):
        return auth
    msg = f"auth must be True, False or a requests auth handler, got {type(auth).__name__}"
    raise InvalidParam(msg)


@final
class EndpointCall:
    """One call to an authorization server endpoint, as the hooks see it.

    Attributes:
        client: the client making the call.
        endpoint: the client attribute naming the endpoint, such as ``token_endpoint``.
        url: the endpoint URL.
        method: the HTTP method.
        data: the form fields to send; `oauth2kit_prepare_request` hooks see them on the
            `requests.Request` and may change them there.
        grant: for token requests, the grant name (``client_credentials``, ...).
        auth: the auth handler applied when the request is prepared: the client's
            authentication by default, a handler that adds nothing (keeping the session's
            auth and netrc out) for none, or another handler, such as the
            access token for a userinfo request.
        options: anything else the caller or a plugin wants the parse hooks to see,
            e.g. ``token_class`` or a DPoP key.
        requests_kwargs: the transport arguments for `requests` (``timeout``, ``verify``,
            ``cert``, ``proxies``); `oauth2kit_prepare_request` hooks may change them, e.g.
            to present a client certificate for mutual TLS.
        attempt: 1 for the first attempt, then 2, 3 when a hook asked for a retry.
        response: the latest response, once one arrived.
    """

    __slots__ = (
        "attempt",
        "auth",
        "client",
        "data",
        "endpoint",
        "grant",
        "method",
        "options",
        "requests_kwargs",
        "response",
        "url",
    )

    def __init__(
        self,
        client: OAuth2Client,
        endpoint: str,
        url: str,
        *,
        method: str = "POST",
        data: dict[str, Any] | None = None,
        grant: str | None = None,
        auth: AuthBase | bool = True,
        options: dict[str, Any] | None = None,
        requests_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if not (isinstance(method, str) and method in _METHODS):
            msg = f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}"
            raise InvalidParam(msg)
        self.client = client
        self.endpoint = endpoint
        self.url = url
        self.method = method
        self.data: dict[str, Any] = checked_form(data)
        self.grant = grant
        self.auth = _resolved_auth(client, auth)
        check_type("options", options, Mapping)
        self.options: dict[str, Any] = {} if options is None else dict(options)
        check_subclass("options['token_class']", self.options.get("token_class"), BearerToken)
        self.requests_kwargs = checked_requests_kwargs(requests_kwargs, client.timeout)
        self.attempt = 1
        self.response: EndpointResponse | None = None

    def last_response(self) -> requests.Response:
        """The HTTP response of the latest attempt.

        Raises:
            RuntimeError: if nothing was sent yet (a programming error, not bad input).
        """
        if self.response is None:
            msg = "this call has not been sent"
            raise RuntimeError(msg)
        return self.response.response

    def __repr__(self) -> str:
        # Form fields may hold secrets (client_secret, refresh_token, code): names only.
        return (
            f"EndpointCall({self.method} {self.endpoint}={redact_uri(self.url)!r},"
            f" grant={self.grant!r},"
            f" fields={sorted(self.data)}, attempt={self.attempt})"
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
        kind = self.content_type or "no Content-Type"
        if self.data is not None:
            return f"HTTP {self.status_code} with a JSON object"
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
