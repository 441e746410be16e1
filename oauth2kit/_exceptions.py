"""The kernel's exceptions: the bases every plugin's exceptions derive from.

Every error a user can meet derives from `OAuth2KitError`. Each class also keeps the builtin
base its upstream namesake has (ValueError, TypeError, ...), so code written against the
upstream API catches the same things. Feature plugins add their own subclasses (and map
their own error codes to them); the kernel holds only the bases, the plugin-host errors,
and the token endpoint error codes of RFC 6749 section 5.2.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, Self, TypeVar

import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "TOKEN_ENDPOINT_ERRORS", "DisabledAttribute", "EndpointError", "ExpiredAccessToken",
    "ExportNotAvailable", "InvalidClient", "InvalidEndpointUri", "InvalidGrant",
    "InvalidIssuer", "InvalidParam", "InvalidRequest", "InvalidRequestForClientAuthentication",
    "InvalidScope", "InvalidScopeParam", "InvalidTokenResponse", "InvalidUri",
    "MissingClientId", "MissingEndpointUri", "OAuth2Error", "OAuth2KitError", "PluginDisabled",
    "PluginError", "PluginNotAvailable", "RegistryConflict", "ResponseTooLarge",
    "TokenEndpointError", "TransportError", "UnauthorizedClient", "UnknownGrantType",
    "UnknownTokenEndpointError", "UnsupportedClientCredentials", "UnsupportedGrantType",
    "redact_uri", "shown",
]  # fmt: skip

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?://)?")


def redact_uri(uri: str) -> str:
    """Return `uri` with any ``user:password@`` replaced, fit for messages and logs.

    Also for URIs without a scheme (``//user:pw@host``, ``user:pw@host/path``): when in
    doubt, more is hidden rather than less.
    """
    if "@" not in uri:
        return uri
    # Everything after the scheme up to the last "@" goes: a password may hold "/", "?" or
    # "#" (which makes the URI invalid, but must not show either).
    scheme = _SCHEME.match(uri)
    return f"{scheme.group(0) if scheme else ''}***@{uri.rpartition('@')[2]}"


def shown(value: object) -> str:
    """``repr(value)`` for an error message; an int too long to show (a ValueError) by its size.

    Plugins use it too, for the values they refuse: ``repr()`` of a 5000-digit int raises.
    """
    try:
        return repr(value)
    except ValueError:
        return f"<an int of {value.bit_length()} bits>" if isinstance(value, int) else "<?>"


class OAuth2KitError(Exception):
    """Base class of every exception raised by oauth2kit and its plugins.

    Every one of them survives `copy.copy` and pickling (a worker process can send it back),
    although most take other constructor arguments than their message. What is pickled may
    be stored (a task queue's result backend), so a pickled error leaves its ``client`` and
    any ``token`` behind (None after unpickling), and its request loses its form body and
    its ``Authorization``, ``DPoP`` and ``Cookie`` headers.
    """

    def _state(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if isinstance(self, AttributeError):  # its name is a slot, not in __dict__
            state["name"] = self.name
        return state

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds with cls(*self.args), which these constructors do not take.
        state = self._state()
        for secretive in ("client", "token"):
            if secretive in state:
                state[secretive] = None
        if isinstance(state.get("request"), requests.PreparedRequest):
            state["request"] = _without_secrets(state["request"])
        response = state.get("response")
        if isinstance(response, requests.Response) and response.request is not None:
            response = copy.copy(response)
            response.request = _without_secrets(response.request)
            if response.ok:  # a success that could not be used may still hold tokens
                response._content = b""  # noqa: SLF001 - requests has no public setter
            state["response"] = response
        return (_rebuild, (type(self), self.args), state)

    def __copy__(self) -> Self:
        clone = _rebuild(type(self), self.args)
        clone.__setstate__(self._state())  # BaseException's: it sets each attribute
        return clone


def _without_secrets(request: requests.PreparedRequest) -> requests.PreparedRequest:
    request = request.copy()
    request.body = None
    request._cookies = None  # type: ignore[attr-defined] # noqa: SLF001 - the Cookie header's jar
    for header in ("Authorization", "DPoP", "Cookie"):
        request.headers.pop(header, None)
    return request


_E = TypeVar("_E", bound=OAuth2KitError)


def _rebuild(cls: type[_E], args: tuple[Any, ...]) -> _E:
    """Create an exception of `cls` with `args` without running its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


# --- plugins -----------------------------------------------------------------------------


class PluginError(OAuth2KitError):
    """A problem with a plugin or with what a plugin registered or returned."""


class RegistryConflict(PluginError, ValueError):
    """Two plugins registered the same name, and the newcomer did not ask to replace it.

    Attributes:
        registry: the registry's name, e.g. ``grant_types``.
        name: the clashing entry.
        existing: the plugin that registered it first.
        newcomer: the plugin that tried to register it again.
    """

    def __init__(self, registry: str, name: str, existing: str, newcomer: str) -> None:
        super().__init__(
            f"{registry} entry {name!r} is already provided by plugin {existing!r}; plugin"
            f" {newcomer!r} must register it with replace=True to override it"
        )
        self.registry, self.name, self.existing, self.newcomer = registry, name, existing, newcomer


class PluginNotAvailable(PluginError, LookupError):
    """No loaded plugin provides the requested registry entry.

    Attributes:
        registry: the registry's name.
        name: the entry that was asked for.
    """

    def __init__(self, registry: str, name: str, message: str | None = None) -> None:
        super().__init__(message or f"no plugin provides {registry} entry {name!r}")
        self.registry = registry
        self.name = name


class PluginDisabled(PluginNotAvailable):
    """The entry exists, but every plugin that provides it is blocked for this client.

    Attributes:
        plugins: the names of the blocked plugins that provide the entry.
    """

    def __init__(self, registry: str, name: str, plugins: tuple[str, ...]) -> None:
        names = ", ".join(repr(p) for p in plugins)
        message = f"{registry} entry {name!r} comes from plugin {names}, which is disabled"
        super().__init__(registry, name, message)
        self.plugins = plugins


class DisabledAttribute(PluginDisabled, AttributeError):  # type: ignore[misc] # both have `name`, a str here
    """A setting read as a client attribute comes from a plugin blocked for that client.

    Also an `AttributeError`, so that ``hasattr(client, "redirect_uri")`` works as for any
    attribute.
    """


class ExportNotAvailable(PluginNotAvailable, AttributeError):  # type: ignore[misc] # both have `name`, a str here
    """``oauth2kit.<name>`` is provided by no loaded plugin.

    Also an `AttributeError`, so that ``hasattr()`` and ``getattr(oauth2kit, name, None)``
    work as for any module attribute.
    """


class UnknownGrantType(PluginNotAvailable, ValueError):
    """`OAuth2Client.grant()` was called with a grant name no plugin registered."""


# --- parameters and configuration --------------------------------------------------------


class InvalidParam(OAuth2KitError, ValueError):
    """A parameter passed to oauth2kit has an unusable value."""


class InvalidScopeParam(InvalidParam):
    """`scope` is neither a string nor an iterable of strings."""

    def __init__(self, scope: object) -> None:
        super().__init__(
            f"Invalid 'scope' parameter: expected a str or an iterable of str, got {shown(scope)}"
        )
        self.scope = scope


class InvalidUri(OAuth2KitError, ValueError):
    """A URI failed validation; `errors()` yields each reason, as upstream."""

    def __init__(self, url: str, errors: list[str]) -> None:
        super().__init__(f"Invalid URI: {', '.join(errors)}")
        self.url = redact_uri(url)
        self.reasons = tuple(errors)

    def errors(self) -> Iterator[str]:
        """Each reason the URI failed validation, such as ``must use https``."""
        yield from self.reasons


class InvalidEndpointUri(InvalidParam):
    """An endpoint URI given to a client failed validation."""

    def __init__(self, endpoint: str, uri: object, exc: InvalidUri) -> None:
        self.uri = redact_uri(uri) if isinstance(uri, str) else f"<{type(uri).__name__}>"
        super().__init__(f"Invalid endpoint uri '{self.uri}' for '{endpoint}': {exc}")
        self.endpoint = endpoint


class InvalidIssuer(InvalidEndpointUri):
    """The issuer identifier given to a client failed validation."""


class MissingEndpointUri(OAuth2KitError, AttributeError):
    """An operation needs an endpoint that the client was not configured with."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(f"No '{endpoint}' is configured for this client")
        self.endpoint = endpoint


class UnsupportedClientCredentials(OAuth2KitError, TypeError, ValueError):
    """The `auth` and credential arguments of a client do not describe a usable method."""


class InvalidRequestForClientAuthentication(OAuth2KitError, RuntimeError):
    """Client authentication was asked to authenticate something other than a form POST."""

    def __init__(self, request: requests.PreparedRequest) -> None:
        super().__init__(
            "client authentication applies to POST requests with a form-encoded body, got"
            f" {request.method} with Content-Type {request.headers.get('Content-Type')!r}"
        )
        self.request = request


class MissingClientId(OAuth2KitError, AttributeError):
    """The client's authentication method carries no client_id."""


class TransportError(OAuth2KitError, requests.RequestException):
    """The request never got an HTTP response: connection refused, timeout, TLS failure, ...

    It is also a `requests.RequestException`, so existing handlers of those keep working;
    the original exception is its ``__cause__``.
    """


class ResponseTooLarge(TransportError):
    """A response body (decompressed) was larger than the client reads; it was not kept."""


class ExpiredAccessToken(OAuth2KitError, RuntimeError):
    """An expired access token was about to be sent to a resource server."""


# --- endpoint errors ---------------------------------------------------------------------


class OAuth2Error(OAuth2KitError):
    """An authorization server endpoint answered with something other than success.

    Attributes:
        response: the HTTP response.
        client: the client that sent the request.
        description: a human-readable explanation.
    """

    def __init__(
        self, response: requests.Response, client: Any, description: str | None = None
    ) -> None:
        super().__init__(description or f"unexpected response from {redact_uri(response.url)}")
        self.response = response
        self.client = client
        self.description = description

    @property
    def request(self) -> requests.PreparedRequest:
        """The request that caused this error."""
        return self.response.request


class EndpointError(OAuth2Error):
    """The endpoint answered with a standard OAuth 2.0 error (`error` in the response body).

    Plugins subclass it for the error codes of their features, and register each class
    under its code with `oauth2kit_register_error_codes`.

    Attributes:
        error: the error code, such as ``invalid_client``.
        uri: the ``error_uri`` from the response, if any.
    """

    def __init__(
        self, response: requests.Response, client: Any, error: str, description: str | None = None,
        uri: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(response, client, description)
        self.args = (f"{error}: {description}" if description else error,)
        self.error = error
        self.uri = uri


class InvalidTokenResponse(OAuth2Error):
    """A token endpoint answered with something that is neither a token nor an OAuth 2.0 error."""


class TokenEndpointError(EndpointError):
    """An error answered by the token endpoint."""


class UnknownTokenEndpointError(EndpointError):
    """An error code that no plugin maps to a more specific class."""


class InvalidRequest(TokenEndpointError):
    """``invalid_request``."""


class InvalidClient(TokenEndpointError):
    """``invalid_client``: client authentication failed."""


class InvalidGrant(TokenEndpointError):
    """``invalid_grant``."""


class UnauthorizedClient(EndpointError):
    """``unauthorized_client``: this client may not use this grant."""


class UnsupportedGrantType(TokenEndpointError):
    """``unsupported_grant_type``."""


class InvalidScope(TokenEndpointError):
    """``invalid_scope``."""


TOKEN_ENDPOINT_ERRORS: dict[str, type[EndpointError]] = {
    "invalid_request": InvalidRequest,
    "invalid_client": InvalidClient,
    "invalid_grant": InvalidGrant,
    "unauthorized_client": UnauthorizedClient,
    "unsupported_grant_type": UnsupportedGrantType,
    "invalid_scope": InvalidScope,
}
"""The token endpoint error codes of RFC 6749 section 5.2, and their exceptions."""
