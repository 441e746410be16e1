"""Standard OAuth 2.0 response and error parsing: entry point ``parse.oauth2``.

Both hooks are ``trylast``: a vendor plugin overrides them by returning a value, and falls
through to them by returning None. The plugin also owns the error codes that any endpoint
may answer beyond RFC 6749's token endpoint codes (which the kernel maps).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from oauth2kit import (
    BearerToken,
    EndpointError,
    InvalidTokenResponse,
    OAuth2Error,
    OAuth2KitError,
    PluginNotAvailable,
    TokenEndpointError,
    UnknownTokenEndpointError,
    hookimpl,
)

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, Registry


class ServerError(EndpointError):
    """``server_error``: the server met an unexpected condition."""


class AccessDenied(EndpointError):
    """``access_denied``: the resource owner or the server denied the request."""


class InvalidTarget(TokenEndpointError):
    """``invalid_target``: the requested resource is unknown or not allowed (RFC 8707)."""


_ERROR_CODES: dict[str, type[EndpointError]] = {
    "server_error": ServerError,
    "access_denied": AccessDenied,
    "invalid_target": InvalidTarget,
}


MAX_ERROR_TEXT = 1024
"""Characters kept of a server's error text: it goes into messages and logs."""


def _text(value: object) -> str | None:
    """A server's error text fit for a message: control characters escaped, length capped.

    RFC 6749 section 5.2 allows printable ASCII only; a server that sends a line break or a
    terminal escape must not forge a log line or drive a terminal through our messages.
    """
    if not isinstance(value, str) or not value:
        return None
    shown = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value[:MAX_ERROR_TEXT])
    return shown + ("..." if len(value) > MAX_ERROR_TEXT else "")


def _error_class(call: EndpointCall, error: str) -> type[EndpointError]:
    client = call.client
    mapped = type(client).exception_classes.get(error)
    if mapped is not None:
        return mapped
    try:
        return client.lookup(client.plugins.error_codes, error)  # type: ignore[no-any-return] # checked when registered
    except PluginNotAvailable:
        return UnknownTokenEndpointError if call.endpoint == "token_endpoint" else EndpointError


def error_from_response(call: EndpointCall, response: EndpointResponse) -> OAuth2Error:
    """Map an error response to its exception: by ``error`` code, or by endpoint."""
    data = response.data or {}
    error = _text(data.get("error"))
    if error is None:
        cls = InvalidTokenResponse if call.endpoint == "token_endpoint" else OAuth2Error
        message = f"{call.endpoint} answered {response.describe()}, not an OAuth 2.0 error"
        return cls(response.response, call.client, message)
    return _error_class(call, error)(
        response.response,
        call.client,
        error,
        _text(data.get("error_description")),
        _text(data.get("error_uri")),
    )


def _token_class(call: EndpointCall, token_type: object) -> type[BearerToken]:
    client = call.client
    if client.token_class is not None:
        return client.token_class
    name = token_type if isinstance(token_type, str) else BearerToken.TOKEN_TYPE
    return client.lookup(client.plugins.token_types, name)  # type: ignore[no-any-return] # checked when registered


def _expires_at_member(data: dict[str, object]) -> datetime | None:
    """Read a token response's non-standard ``expires_at`` member, or leave it out (None).

    Some servers (Strava, for one) send the expiry as epoch seconds beside ``expires_in``.
    RFC 6749 section 5.1 says to ignore members a client does not know, so it is used only
    when ``expires_in`` is missing, and only if it is a plausible timestamp.
    """
    value = data["expires_at"]
    if "expires_in" in data or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):  # NaN too
        return None


@hookimpl(trylast=True)
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Build a token from a token endpoint's JSON answer."""
    if call.endpoint != "token_endpoint":
        return None
    data = response.data
    if data is None:
        message = f"the token endpoint answered {response.describe()}, not a JSON object"
        raise InvalidTokenResponse(response.response, call.client, message)
    if "access_token" not in data:
        if "error" in data:  # some servers answer errors with HTTP 200
            raise error_from_response(call, response)
        message = "the token endpoint's answer has no access_token"
        raise InvalidTokenResponse(response.response, call.client, message)
    if "expires_at" in data:
        data = {**data, "expires_at": _expires_at_member(data)}
    try:
        return _token_class(call, data.get("token_type")).from_response(data)
    except PluginNotAvailable as exc:
        message = f"unsupported token_type {data.get('token_type')!r}: {exc}"
        raise InvalidTokenResponse(response.response, call.client, message) from exc
    except (OAuth2KitError, TypeError, ValueError) as exc:
        message = f"unusable token response: {exc}"
        raise InvalidTokenResponse(response.response, call.client, message) from exc


@hookimpl(trylast=True)
def oauth2kit_parse_error(call: EndpointCall, response: EndpointResponse) -> OAuth2KitError | None:
    """Map any endpoint's error response to the matching exception."""
    return error_from_response(call, response)


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Map ``server_error``, ``access_denied`` and ``invalid_target`` to their exceptions."""
    for code, cls in _ERROR_CODES.items():
        registry.add(code, cls)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export this plugin's exceptions from the package root."""
    for cls in _ERROR_CODES.values():
        registry.add(cls.__name__, cls)
