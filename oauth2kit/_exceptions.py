"""The one exception hierarchy of oauth2kit.

Every error a user can meet derives from `OAuth2KitError`. Each class also keeps the
builtin base its upstream namesake has (ValueError, TypeError, ...), so code written
against the upstream API catches the same things.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, Self, TypeVar

import requests

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "AuthorizationResponseError",
    "BackChannelAuthenticationError",
    "ConsentRequired",
    "DeviceAuthorizationError",
    "EndpointError",
    "ExpiredAccessToken",
    "ExpiredToken",
    "ExportNotAvailable",
    "InteractionRequired",
    "IntrospectionError",
    "InvalidAcrValuesParam",
    "InvalidAuthResponse",
    "InvalidBackChannelAuthenticationResponse",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidClient",
    "InvalidDeviceAuthorizationResponse",
    "InvalidEndpointUri",
    "InvalidGrant",
    "InvalidIssuer",
    "InvalidParam",
    "InvalidPlugin",
    "InvalidPushedAuthorizationResponse",
    "InvalidRequest",
    "InvalidRequestForClientAuthentication",
    "InvalidScope",
    "InvalidScopeParam",
    "InvalidTarget",
    "InvalidTokenResponse",
    "InvalidUri",
    "LoginRequired",
    "MismatchingIssuer",
    "MismatchingState",
    "MissingAuthCode",
    "MissingClientId",
    "MissingEndpointUri",
    "MissingIssuer",
    "MissingIssuerParam",
    "MissingRefreshToken",
    "NonRenewableTokenError",
    "OAuth2Error",
    "OAuth2KitError",
    "PluginDisabled",
    "PluginError",
    "PluginNotAvailable",
    "RegistryConflict",
    "RevocationError",
    "ServerError",
    "SessionSelectionRequired",
    "SlowDown",
    "TokenEndpointError",
    "TransportError",
    "UnauthorizedClient",
    "UnknownGrantType",
    "UnknownIntrospectionError",
    "UnknownTokenEndpointError",
    "UnsupportedClientCredentials",
    "UnsupportedTokenType",
    "UseDPoPNonce",
]


class OAuth2KitError(Exception):
    """Base class of every exception raised by oauth2kit and its built-in plugins.

    Every one of them survives `copy.copy` and pickling (a worker process can send it back),
    although most take other constructor arguments than their message. A pickled endpoint
    error leaves its ``client`` behind (None after unpickling): a client's session and
    plugins mean nothing in another process. Its request loses its form body and
    ``Authorization`` header: pickles get stored.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds with cls(*self.args), which these constructors do not take:
        # rebuild from the message, then restore the attributes. What is pickled may be
        # stored (a task queue's result backend): the client and the request's secrets
        # (its form body and Authorization header) stay behind.
        state = dict(self.__dict__)
        for secretive in ("client", "token"):  # a token: MissingRefreshToken's, say
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
        clone.__dict__.update(self.__dict__)
        return clone


def _without_secrets(request: requests.PreparedRequest) -> requests.PreparedRequest:
    request = request.copy()
    request.body = None
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
    """A problem with a plugin or with what a plugin registered."""


class InvalidPlugin(PluginError):
    """A plugin's hook implementations do not match the specs (an unknown hook, say).

    A plugin that cannot be imported is recorded with the exception its import raised.
    """


class RegistryConflict(PluginError, ValueError):
    """Two plugins registered the same name in a registry, and the newcomer did not ask to replace.

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
        self.registry = registry
        self.name = name
        self.existing = existing
        self.newcomer = newcomer


class PluginNotAvailable(PluginError, LookupError):
    """No loaded plugin provides the requested registry entry."""

    def __init__(self, registry: str, name: str, message: str | None = None) -> None:
        super().__init__(message or f"no plugin provides {registry} entry {name!r}")
        self.registry = registry
        self.name = name


class PluginDisabled(PluginNotAvailable):
    """The entry exists, but every plugin that provides it is blocked (process-wide or per client).

    Attributes:
        plugins: the names of the blocked plugins that provide the entry.
    """

    def __init__(self, registry: str, name: str, plugins: tuple[str, ...]) -> None:
        names = ", ".join(repr(p) for p in plugins)
        message = f"{registry} entry {name!r} comes from plugin {names}, which is disabled"
        super().__init__(registry, name, message)
        self.plugins = plugins


class ExportNotAvailable(PluginNotAvailable, AttributeError):  # type: ignore[misc] # both have `name`, a str here
    """``oauth2kit.<name>`` is provided by a plugin that is disabled, failed or missing.

    Also an `AttributeError`, so that ``hasattr()`` and ``getattr(oauth2kit, name, None)``
    work as for any module attribute.

    Attributes:
        plugin: the plugin that provides the name.
    """

    def __init__(self, name: str, plugin: str, status: str | None) -> None:
        state = {"blocked": "disabled", "failed": "failed to load"}.get(
            status or "", "not installed"
        )
        message = f"oauth2kit.{name} comes from plugin {plugin!r}, which is {state}"
        super().__init__("extensions", name, message)
        self.plugin = plugin


class UnknownGrantType(PluginNotAvailable, ValueError):
    """`OAuth2Client.grant()` was called with a grant name no plugin registered."""


# --- parameters and configuration --------------------------------------------------------


class InvalidParam(OAuth2KitError, ValueError):
    """A parameter passed to oauth2kit has an unusable value."""


class InvalidScopeParam(InvalidParam):
    """`scope` is neither a string nor an iterable of strings."""

    def __init__(self, scope: object) -> None:
        super().__init__(
            f"Invalid 'scope' parameter: expected a str or an iterable of str, got {scope!r}"
        )
        self.scope = scope


class InvalidAcrValuesParam(InvalidParam):
    """`acr_values` is neither a string nor an iterable of strings."""

    def __init__(self, acr_values: object) -> None:
        super().__init__(f"Invalid 'acr_values' parameter: {acr_values!r}")
        self.acr_values = acr_values


class InvalidBackchannelAuthenticationRequestHintParam(InvalidParam):
    """A CIBA request needs exactly one of login_hint, login_hint_token or id_token_hint."""


class MissingIssuerParam(OAuth2KitError, ValueError):
    """RFC 9207 issuer checks were asked for, but no issuer is configured."""

    def __init__(self) -> None:
        super().__init__(
            "an 'issuer' is required when authorization_response_iss_parameter_supported=True"
        )


def redact_uri(uri: str) -> str:
    """Return `uri` with any ``user:password@`` replaced, fit for messages and logs.

    Also for URIs without a scheme (``//user:pw@host``, ``user:pw@host/path``): when in
    doubt, more is hidden rather than less.
    """
    if "@" not in uri:
        return uri
    # Everything after the scheme up to the last "@" goes: a password may hold "/", "//",
    # "?" or "#" (which makes the URI invalid, but must not show either). A "@" later in
    # the URI hides a little too much, no more.
    scheme = _SCHEME.match(uri)
    head = scheme.group(0) if scheme else ""
    return f"{head}***@{uri.rpartition('@')[2]}"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?://)?")


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
    """Client authentication was asked to sign something other than a form POST."""

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


# --- tokens ------------------------------------------------------------------------------


class ExpiredAccessToken(OAuth2KitError, RuntimeError):
    """An expired access token was about to be sent to a resource server."""


class NonRenewableTokenError(OAuth2KitError):
    """An auth handler has no valid token and no way to obtain one."""


class MissingRefreshToken(OAuth2KitError, ValueError):
    """A refresh was asked for with a token that carries no refresh token."""

    def __init__(self, token: object) -> None:
        super().__init__("the token does not contain a refresh_token")
        self.token = token


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

    Attributes:
        error: the error code, such as ``invalid_client``.
        uri: the ``error_uri`` from the response, if any.
    """

    def __init__(
        self,
        response: requests.Response,
        client: Any,
        error: str,
        description: str | None = None,
        uri: str | None = None,
    ) -> None:
        super().__init__(response, client, description)
        self.args = (f"{error}: {description}" if description else error,)
        self.error = error
        self.uri = uri


class InvalidTokenResponse(OAuth2Error):
    """A token endpoint answered with something that is neither a token nor an OAuth 2.0 error."""


class InvalidPushedAuthorizationResponse(OAuth2Error):
    """A PAR endpoint answered with something that is neither a request_uri nor an error."""


class InvalidBackChannelAuthenticationResponse(OAuth2Error):
    """A CIBA endpoint answered with something that is neither an auth_req_id nor an error."""


class InvalidDeviceAuthorizationResponse(OAuth2Error):
    """A device authorization endpoint answered with neither a device code nor an error."""


class UnknownIntrospectionError(OAuth2Error):
    """An introspection endpoint answered with an error that is not an OAuth 2.0 error."""


class TokenEndpointError(EndpointError):
    """An error answered by the token endpoint."""


class InvalidRequest(TokenEndpointError):
    """``invalid_request``."""


class InvalidClient(TokenEndpointError):
    """``invalid_client``: client authentication failed."""


class InvalidScope(TokenEndpointError):
    """``invalid_scope``."""


class InvalidTarget(TokenEndpointError):
    """``invalid_target``: the requested resource is unknown or not allowed (RFC 8707)."""


class InvalidGrant(TokenEndpointError):
    """``invalid_grant``."""


class AuthorizationPending(TokenEndpointError):
    """``authorization_pending``: the user has not acted yet (device flow, CIBA)."""


class SlowDown(TokenEndpointError):
    """``slow_down``: poll less often (device flow, CIBA)."""


class ExpiredToken(TokenEndpointError):
    """``expired_token``: the device code or auth_req_id expired."""


class UseDPoPNonce(TokenEndpointError):
    """``use_dpop_nonce``: the server wants a DPoP proof with its nonce."""


class UnknownTokenEndpointError(EndpointError):
    """An error code that oauth2kit does not map to a more specific class."""


class ServerError(EndpointError):
    """``server_error``."""


class UnauthorizedClient(EndpointError):
    """``unauthorized_client``: this client may not use this grant."""


class AccessDenied(EndpointError):
    """``access_denied``."""


class RevocationError(EndpointError):
    """An error answered by the revocation endpoint."""


class UnsupportedTokenType(RevocationError):
    """``unsupported_token_type``."""


class IntrospectionError(EndpointError):
    """An error answered by the introspection endpoint."""


class BackChannelAuthenticationError(EndpointError):
    """An error answered by the CIBA endpoint."""


class DeviceAuthorizationError(EndpointError):
    """An error answered by the device authorization endpoint."""


# --- authorization responses (front channel) ---------------------------------------------


class AuthorizationResponseError(OAuth2KitError):
    """The authorization response carries an OAuth 2.0 error."""

    def __init__(
        self,
        request: Any,
        response: str,
        error: str,
        description: str | None = None,
        uri: str | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.request = request
        self.response = response
        self.error = error
        self.description = description
        self.uri = uri


class InteractionRequired(AuthorizationResponseError):
    """``interaction_required``."""


class LoginRequired(InteractionRequired):
    """``login_required``."""


class AccountSelectionRequired(InteractionRequired):
    """``account_selection_required``."""


class SessionSelectionRequired(InteractionRequired):
    """``session_selection_required``."""


class ConsentRequired(InteractionRequired):
    """``consent_required``."""


class InvalidAuthResponse(OAuth2KitError, ValueError):
    """The authorization response is malformed or does not match its request."""

    def __init__(self, message: str, request: Any, response: str) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class MissingAuthCode(InvalidAuthResponse):
    """The authorization response has neither a code nor an error."""

    def __init__(self, request: Any, response: str) -> None:
        super().__init__("the authorization response contains no 'code'", request, response)


class MissingIssuer(InvalidAuthResponse):
    """The authorization response has no 'iss' although RFC 9207 requires one."""

    def __init__(self, request: Any, response: str) -> None:
        super().__init__("the authorization response contains no 'iss'", request, response)


class MismatchingState(InvalidAuthResponse):
    """The authorization response's 'state' is not the one that was sent."""

    def __init__(self, received: str | None, expected: str, request: Any, response: str) -> None:
        super().__init__(
            f"mismatching 'state' (received {received!r}, expected {expected!r})", request, response
        )
        self.received = received
        self.expected = expected


class MismatchingIssuer(InvalidAuthResponse):
    """The authorization response's 'iss' is not the expected issuer (RFC 9207)."""

    def __init__(self, received: str, expected: str, request: Any, response: str) -> None:
        super().__init__(
            f"mismatching 'iss' (received {received!r}, expected {expected!r})", request, response
        )
        self.received = received
        self.expected = expected
