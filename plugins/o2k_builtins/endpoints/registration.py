"""Dynamic client registration (RFC 7591) and its management (RFC 7592): ``endpoint.registration``.

`register_client` registers a new client at a ``registration_endpoint`` and returns a
`ClientRegistration`, which reads, updates and deletes it at its ``registration_client_uri``
with its ``registration_access_token`` (kept up to date when the server rotates it). A
client that has a ``registration_endpoint`` setting registers through the operation of the
same name, ``client.run("register_client", metadata)``.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import requests.auth

from oauth2kit import (
    DEFAULT_TIMEOUT,
    EndpointError,
    InvalidEndpointUri,
    InvalidParam,
    InvalidUri,
    OAuth2Client,
    OAuth2Error,
    OAuth2KitError,
    Setting,
    hookimpl,
)

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, PluginHost, Registry

ENDPOINT = "registration_endpoint"
# Issued by the server, never sent back in an update (RFC 7592 section 2.2).
_SERVER_ONLY = (
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
)


class RegistrationError(EndpointError):
    """An error answered by a registration endpoint (RFC 7591 section 3.2.2)."""


class InvalidRedirectUri(RegistrationError):
    """``invalid_redirect_uri``: a redirect URI is not acceptable to the server."""


class InvalidClientMetadata(RegistrationError):
    """``invalid_client_metadata``: a metadata field is invalid or not allowed."""


class InvalidSoftwareStatement(RegistrationError):
    """``invalid_software_statement``: the software statement is invalid."""


class UnapprovedSoftwareStatement(RegistrationError):
    """``unapproved_software_statement``: the server does not accept the software statement."""


class InvalidRegistrationResponse(OAuth2Error):
    """A registration endpoint answered success with something that is not a client."""


class InvalidRegistrationMetadata(InvalidParam):
    """Client metadata to send is not a JSON object with str keys."""


class RegistrationNotManageable(OAuth2KitError, RuntimeError):
    """The registration has no ``registration_access_token`` and ``registration_client_uri``.

    The server does not support RFC 7592 management, or the registration was deleted.
    """


_ERROR_CODES: dict[str, type[EndpointError]] = {
    "invalid_redirect_uri": InvalidRedirectUri,
    "invalid_client_metadata": InvalidClientMetadata,
    "invalid_software_statement": InvalidSoftwareStatement,
    "unapproved_software_statement": UnapprovedSoftwareStatement,
}


class _JsonRequest(requests.auth.AuthBase):
    """Puts a JSON body and a Bearer token on a registration request.

    `OAuth2Client.request_endpoint` sends form bodies only; RFC 7591 and 7592 send JSON.
    Setting the body here, while requests prepares the request, keeps the call in the
    pipeline (hooks, URI policy, timeouts, size caps). No client authentication: the client
    authenticates with the Bearer token, if any (RFC 7591 section 3, RFC 7592 section 2).
    """

    def __init__(self, body: Mapping[str, Any] | None, bearer: str | None) -> None:
        self._body, self._bearer = body, bearer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._body is not None:
            request.prepare_body(data=None, files=None, json=self._body)
        if self._bearer is not None:
            request.headers["Authorization"] = f"Bearer {self._bearer}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(json={self._body is not None}, bearer=...)"


def _checked_metadata(metadata: object, more: Mapping[str, Any]) -> dict[str, Any]:
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping) or not all(isinstance(key, str) for key in metadata):
        msg = f"client metadata must be a Mapping with str keys, got {type(metadata).__name__}"
        raise InvalidRegistrationMetadata(msg)
    merged = {**metadata, **more}
    try:
        json.dumps(merged, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRegistrationMetadata(f"client metadata must be JSON: {exc}") from None
    return merged


def _checked_token(name: str, value: object) -> str | None:
    # It goes into an Authorization header: printable ASCII without spaces, as an access token.
    if value is None or (isinstance(value, str) and value.isascii() and value.isprintable() and value and " " not in value):  # fmt: skip # noqa: E501
        return value
    msg = f"{name} must be a non-empty str of printable ASCII without spaces"
    raise InvalidParam(f"{msg}, got {type(value).__name__}")


def _agent(name: str, uri: object, **kwargs: Any) -> OAuth2Client:
    """A client that sends to `uri` (its "token endpoint" too: it never asks for tokens).

    A refused `uri` is named `name` (``registration_endpoint``, ...), not ``token_endpoint``.
    """
    try:
        return OAuth2Client(uri, auth=_JsonRequest(None, None), registration_endpoint=uri, **kwargs)  # type: ignore[arg-type] # checked by the client
    except InvalidEndpointUri as exc:
        if exc.endpoint != "token_endpoint" or not isinstance(exc.__cause__, InvalidUri):
            raise
        raise InvalidEndpointUri(name, uri, exc.__cause__) from None


def _send(
    client: OAuth2Client, method: str, body: Mapping[str, Any] | None, bearer: str | None,
    requests_kwargs: Mapping[str, Any] | None,
) -> Any:  # fmt: skip
    auth = _JsonRequest(body, bearer)
    return client.call(ENDPOINT, method=method, auth=auth, requests_kwargs=requests_kwargs)


class ClientRegistration:
    """A client registered at an authorization server, and its management (RFC 7592).

    Built from the server's client information response by `register_client`, or from a
    stored `as_dict` to manage a registration later. Its methods are safe to call from
    several threads: one management request at a time, so that a rotated
    ``registration_access_token`` is always the one sent next.

    Args:
        response: the client information: ``client_id``, the metadata, and (to manage the
            registration) ``registration_access_token`` and ``registration_client_uri``.
        client: the client whose session, timeout, plugins and URI policy management
            requests use; by default a client with default settings.

    Raises:
        InvalidParam: `response` has no ``client_id`` or holds unusable management values.
        InvalidEndpointUri: the ``registration_client_uri`` is not acceptable.
    """

    def __init__(self, response: Mapping[str, Any], *, client: OAuth2Client | None = None) -> None:
        if client is not None and not isinstance(client, OAuth2Client):
            raise InvalidParam(f"client must be an OAuth2Client, got {type(client).__name__}")
        self._base = client
        self._lock = threading.RLock()
        self._agent: OAuth2Client | None = None
        self._token: str | None = None
        self._uri: str | None = None
        self._adopt(response)

    def _adopt(self, response: Mapping[str, Any]) -> None:
        """Take the server's (or a stored) client information as the current state."""
        if not isinstance(response, Mapping) or not isinstance(response.get("client_id"), str):
            raise InvalidParam("client information must be a Mapping with a str client_id")
        # The server may rotate the token (RFC 7592 section 3): keep the newest, or the last.
        token = _checked_token(
            "registration_access_token", response.get("registration_access_token", self._token)
        )
        uri = response.get("registration_client_uri", self._uri)
        if uri is not None and (self._agent is None or uri != self._uri):
            self._agent = self._management_client(uri)
        metadata = {key: value for key, value in response.items() if key not in _SERVER_ONLY[:2]}
        self._token, self._uri = token, uri
        self._metadata = MappingProxyType(metadata)

    def _management_client(self, uri: object) -> OAuth2Client:
        """A client that sends to `uri`, with the base client's session and plugins.

        Its "token endpoint" is the URI too: a client needs one, and this one never asks
        for tokens.
        """
        base = self._base
        if base is None:
            return _agent("registration_client_uri", uri)
        transport = base.transport
        return _agent(
            "registration_client_uri",
            uri,
            session=base.session,
            timeout=transport.timeout,
            max_response_bytes=transport.max_response_bytes,
            testing=base.testing,
            plugins=base.plugins,
            disable_plugins=base.disabled_plugins,
        )

    # --- what was registered -----------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The client identifier the server issued."""
        client_id: str = self._metadata["client_id"]
        return client_id

    @property
    def client_secret(self) -> str | None:
        """The client secret the server issued, if any."""
        secret = self._metadata.get("client_secret")
        return secret if isinstance(secret, str) else None

    @property
    def client_secret_expires_at(self) -> float | None:
        """When the client secret expires, as epoch seconds; None if it never does (0)."""
        expires = self._metadata.get("client_secret_expires_at")
        if isinstance(expires, int | float) and not isinstance(expires, bool):
            try:  # a 400-digit int overflows a float: a date past any calendar, as "never"
                return expires if expires > 0 and math.isfinite(expires) else None
            except OverflowError:
                return None
        return None

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The client information the server last returned, read-only.

        Without the ``registration_access_token`` and ``registration_client_uri``.
        """
        return self._metadata

    @property
    def registration_access_token(self) -> str | None:
        """The current registration access token (rotated by the server), if any."""
        return self._token

    @property
    def registration_client_uri(self) -> str | None:
        """Where the registration is managed, if the server supports RFC 7592."""
        return self._uri

    def as_dict(self) -> dict[str, Any]:
        """Everything needed to manage the registration later: store it as a secret.

        ``ClientRegistration(stored)`` builds the registration again.
        """
        with self._lock:
            extra = {"registration_access_token": self._token, "registration_client_uri": self._uri}
            return {**self._metadata, **{k: v for k, v in extra.items() if v is not None}}

    # --- management (RFC 7592) ---------------------------------------------------------

    def _manage(
        self, method: str, body: Mapping[str, Any] | None,
        requests_kwargs: Mapping[str, Any] | None,
    ) -> Any:  # fmt: skip
        agent, token = self._agent, self._token
        if agent is None or token is None:
            msg = (
                f"client {self.client_id!r} cannot be managed: it has no"
                " registration_access_token and registration_client_uri (any more)"
            )
            raise RegistrationNotManageable(msg)
        return _send(agent, method, body, token, requests_kwargs)

    def read(self, *, requests_kwargs: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """Read the client's current information from the server (RFC 7592 section 2.1).

        Returns:
            The new `metadata`.

        Raises:
            RegistrationNotManageable: the registration cannot be managed.
            OAuth2Error: the server refused (HTTP 401 for a client it no longer knows).
        """
        with self._lock:
            self._adopt(self._manage("GET", None, requests_kwargs))
            return self._metadata

    def update(
        self, metadata: Mapping[str, Any] | None = None, *,
        requests_kwargs: Mapping[str, Any] | None = None, **more: Any,
    ) -> Mapping[str, Any]:  # fmt: skip
        """Replace the client's metadata (RFC 7592 section 2.2) and return the new `metadata`.

        The update replaces the whole registration: fields left out are removed or reset
        to the server's defaults. To change one field, pass the current metadata with it,
        ``registration.update(registration.metadata, client_name="New name")``. The fields
        the server issues (``client_secret_expires_at``, ...) are left out for you, and
        ``client_id`` is set. A rotated registration access token is kept.

        Raises:
            InvalidRegistrationMetadata: the metadata is not a JSON object.
            RegistrationNotManageable: the registration cannot be managed.
            EndpointError: the server refused it; a `RegistrationError` subclass for the
                codes of RFC 7591 (``invalid_client_metadata``, ...).
        """
        body = _checked_metadata(metadata, more)
        body = {k: v for k, v in body.items() if k not in _SERVER_ONLY}
        with self._lock:
            body["client_id"] = self.client_id
            self._adopt(self._manage("PUT", body, requests_kwargs))
            return self._metadata

    def delete(self, *, requests_kwargs: Mapping[str, Any] | None = None) -> None:
        """Deregister the client (RFC 7592 section 2.3); it cannot be managed afterwards.

        Raises:
            RegistrationNotManageable: the registration cannot be managed.
            OAuth2Error: the server refused.
        """
        with self._lock:
            self._manage("DELETE", None, requests_kwargs)
            self._token, self._agent = None, None

    def __repr__(self) -> str:
        """Name the client; its secret and registration access token stay out."""
        return (
            f"{type(self).__name__}(client_id={self.client_id!r},"
            f" registration_client_uri={self._uri!r}, manageable={self._token is not None})"
        )


def register(
    client: OAuth2Client, metadata: Mapping[str, Any] | None = None, *,
    initial_access_token: str | None = None, requests_kwargs: Mapping[str, Any] | None = None,
    **more_metadata: Any,
) -> ClientRegistration:  # fmt: skip
    """The operation ``register_client``: register a client at `client`'s registration endpoint.

    See `register_client`; the registration is managed with `client`'s session and plugins.
    """
    body = _checked_metadata(metadata, more_metadata)
    bearer = _checked_token("initial_access_token", initial_access_token)
    return ClientRegistration(_send(client, "POST", body, bearer, requests_kwargs), client=client)


def register_client(
    registration_endpoint: str, metadata: Mapping[str, Any] | None = None, *,
    initial_access_token: str | None = None, session: requests.Session | None = None,
    timeout: Any = DEFAULT_TIMEOUT, testing: bool = False, plugins: PluginHost | None = None,
    requests_kwargs: Mapping[str, Any] | None = None, **more_metadata: Any,
) -> ClientRegistration:  # fmt: skip
    """Register a new client at `registration_endpoint` (RFC 7591).

    Args:
        registration_endpoint: the server's ``registration_endpoint`` (from discovery).
        metadata: the client metadata (``redirect_uris``, ``client_name``,
            ``token_endpoint_auth_method``, ``grant_types``, ``jwks``, ...), a JSON object.
        initial_access_token: the Bearer token some servers require for registration.
        session: the `requests.Session` to send with.
        timeout: seconds before each request gives up.
        testing: skip endpoint URI validation, as `OAuth2Client` does.
        plugins: the plugin host; by default the process-wide one.
        requests_kwargs: transport arguments for this request, as `OAuth2Client.grant` takes.
        **more_metadata: more metadata fields, merged over `metadata`.

    Returns:
        The registration: ``client_id``, ``client_secret``, the server's ``metadata``, and
        ``read()``, ``update()`` and ``delete()`` if the server supports RFC 7592.

    Raises:
        InvalidEndpointUri: `registration_endpoint` is not acceptable.
        InvalidRegistrationMetadata: the metadata is not a JSON object.
        EndpointError: the server refused; a `RegistrationError` subclass for the codes of
            RFC 7591 (``invalid_redirect_uri``, ``invalid_client_metadata``, ...).
        InvalidRegistrationResponse: the server's answer is not client information.
    """
    agent = _agent(
        ENDPOINT,
        registration_endpoint,
        session=session,
        timeout=timeout,
        testing=testing,
        plugins=plugins,
    )
    return register(
        agent, metadata, initial_access_token=initial_access_token,
        requests_kwargs=requests_kwargs, **more_metadata,
    )  # fmt: skip


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``registration_endpoint``."""
    registry.add(ENDPOINT, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``register_client``, for clients that have a ``registration_endpoint``."""
    registry.add("register_client", register)


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Map the RFC 7591 error codes to their exceptions."""
    for code, cls in _ERROR_CODES.items():
        registry.add(code, cls)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `register_client`, `ClientRegistration` and this plugin's exceptions."""
    registry.add("register_client", register_client)
    registry.add("ClientRegistration", ClientRegistration)
    exceptions: tuple[type[Exception], ...] = (
        RegistrationError, *_ERROR_CODES.values(), InvalidRegistrationResponse,
        InvalidRegistrationMetadata, RegistrationNotManageable,
    )  # fmt: skip
    for cls in exceptions:
        registry.add(cls.__name__, cls)


@hookimpl
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """Read a registration endpoint's client information (and a deletion's empty answer)."""
    if call.endpoint != ENDPOINT:
        return None
    if call.method == "DELETE":
        return True
    data = response.data
    if data is None or not isinstance(data.get("client_id"), str) or not data["client_id"]:
        message = f"the registration endpoint answered {response.describe()} without a client_id"
        raise InvalidRegistrationResponse(response.response, call.client, message)
    return data
