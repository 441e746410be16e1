"""Server metadata discovery (RFC 8414, OpenID Connect Discovery 1.0): ``endpoint.discovery``.

Provides the class operations behind `OAuth2Client.from_discovery_endpoint` and
`OAuth2Client.from_discovery_document`, the ``discovery_document`` setting, and the
functions `well_known_uri`, `oidc_discovery_document_url` and
`oauth2_discovery_document_url`.

Which document members configure the client: ``token_endpoint`` and ``issuer`` always
(the kernel owns them), and each member of `DOCUMENT_SETTINGS` only when a plugin provides
the setting of that name for the client being built (not blocked for it). The others are
not configured, since a client refuses a setting that no plugin provides. Nothing is lost
either way: the whole document is kept, read-only, as the client's ``discovery_document``
setting, where plugins and users find the members that are not settings (the
``*_supported`` lists, ...) and the endpoints of plugins that were absent.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

import requests.auth

from oauth2kit import (
    InvalidIssuer,
    InvalidParam,
    InvalidUri,
    PluginHost,
    PluginNotAvailable,
    Setting,
    default_host,
    hookimpl,
    redact_uri,
    validate_endpoint_uri,
    validate_issuer_uri,
)

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry

DOCUMENT: Final = "discovery_document"
FETCHED_FROM: Final = "discovery_endpoint"
"""The setting of the URL a discovery document is fetched from."""
DOCUMENT_SETTINGS: Final = (
    "authorization_endpoint",
    "authorization_response_iss_parameter_supported",
    "backchannel_authentication_endpoint",
    "device_authorization_endpoint",
    "end_session_endpoint",
    "introspection_endpoint",
    "jwks_uri",
    "mtls_endpoint_aliases",
    "pushed_authorization_request_endpoint",
    "registration_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
)
"""Document members that are client settings of the same name, passed on when provided."""


class InvalidDiscoveryDocument(InvalidParam):
    """A discovery document is unusable: not a JSON object, no token endpoint, another issuer.

    Attributes:
        discovery_document: the document (or what was received instead), if any.
    """

    def __init__(self, message: str, discovery_document: object) -> None:
        super().__init__(message)
        self.discovery_document = discovery_document


# --- well-known URIs ---------------------------------------------------------------------


def _shown(value: object) -> str:
    """`value` for a message: a URI without its credentials."""
    return redact_uri(value) if isinstance(value, str) else repr(value)


def well_known_uri(origin: str, name: str, *, at_root: bool = True) -> str:
    """The URI of well-known resource `name` for `origin` (an issuer identifier).

    With `at_root` (RFC 8615, RFC 8414 section 3.1) ``/.well-known/<name>`` goes between
    the host and the issuer's path: ``https://as.example/tenant`` gives
    ``https://as.example/.well-known/<name>/tenant``. Without it (OpenID Connect Discovery
    section 4), it is appended to the path: ``https://as.example/tenant/.well-known/<name>``.
    A terminating ``/`` of the issuer is dropped either way.

    Raises:
        InvalidParam: `origin` has no scheme or host, or has a query or fragment (which no
            issuer has); `name` is empty or holds a ``/``.
    """
    parts = urlsplit(origin) if isinstance(origin, str) else None
    if parts is None or not parts.scheme or not parts.netloc or parts.query or parts.fragment:
        shown = redact_uri(origin) if isinstance(origin, str) else type(origin).__name__
        msg = f"origin must be an absolute URI without query or fragment, got {shown!r}"
        raise InvalidParam(msg)
    if not isinstance(name, str) or not name or "/" in name:
        raise InvalidParam(f"name must be a non-empty str without '/', got {name!r}")
    path = parts.path.rstrip("/")
    well_known = f"/.well-known/{name}"
    path = well_known + path if at_root else path + well_known
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def oidc_discovery_document_url(issuer: str) -> str:
    """The OpenID Connect discovery URL of `issuer` (``.../.well-known/openid-configuration``)."""
    return well_known_uri(issuer, "openid-configuration", at_root=False)


def oauth2_discovery_document_url(issuer: str) -> str:
    """The RFC 8414 metadata URL of `issuer` (``/.well-known/oauth-authorization-server...``)."""
    return well_known_uri(issuer, "oauth-authorization-server", at_root=True)


# --- the document ------------------------------------------------------------------------


def _read_only(value: object) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_read_only(item) for item in value)
    return value


def checked_document(client: OAuth2Client | None, value: object) -> Mapping[str, Any]:  # noqa: ARG001 - a Setting converter
    """Check a discovery document and return a read-only copy (lists become tuples).

    Raises:
        InvalidDiscoveryDocument: it is not a mapping with str keys.
    """
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        msg = f"a discovery document is a JSON object, got {type(value).__name__}"
        raise InvalidDiscoveryDocument(msg, value)
    try:
        return _read_only(value)  # type: ignore[no-any-return] # a mapping, checked above
    except RecursionError:
        msg = "the discovery document is nested too deeply"
        raise InvalidDiscoveryDocument(msg, None) from None


def _plugins_providing(kwargs: Mapping[str, Any]) -> Callable[[str], bool]:
    """Tell which settings the client that `kwargs` will build has a plugin for."""
    host = kwargs.get("plugins") or default_host()
    if not isinstance(host, PluginHost):
        raise InvalidParam(f"plugins must be a PluginHost, got {type(host).__name__}")
    disabled = kwargs.get("disable_plugins", ())
    names = [disabled] if isinstance(disabled, str) else disabled
    # Anything but plugin names is the constructor's to refuse, with its own message.
    names = names if isinstance(names, Iterable) else ()
    blocked = frozenset(name for name in names if isinstance(name, str))

    def provides(name: str) -> bool:
        try:
            host.settings.entry(name, blocked=blocked)
        except PluginNotAvailable:  # absent, or disabled for this client (PluginDisabled)
            return False
        return True

    return provides


def from_discovery_document(
    cls: type[OAuth2Client],
    discovery: Mapping[str, Any],
    issuer: str | None = None,
    **kwargs: Any,
) -> OAuth2Client:
    """Build a client of `cls` from a discovery document; `kwargs` go to the constructor.

    `kwargs` win over the document (``userinfo_endpoint=...`` replaces the document's).
    ``https=False`` is upstream's deprecated spelling of ``testing=True``.

    Raises:
        InvalidDiscoveryDocument: the document is not a JSON object, has no
            ``token_endpoint``, or names another issuer than `issuer`.
    """
    document = checked_document(None, discovery)
    if kwargs.pop("https", True) is False:
        warnings.warn("https=False is deprecated: pass testing=True", UserWarning, stacklevel=4)
        kwargs["testing"] = True
    received = document.get("issuer")
    if issuer is not None and received != issuer:
        msg = (
            "Mismatching `issuer` value in discovery document"
            f" (received '{_shown(received)}', expected '{_shown(issuer)}')"
        )
        raise InvalidDiscoveryDocument(msg, discovery)
    token_endpoint = document.get("token_endpoint")
    if not isinstance(token_endpoint, str) or not token_endpoint:
        raise InvalidDiscoveryDocument("the discovery document has no token_endpoint", discovery)
    provides = _plugins_providing(kwargs)
    configured = {n: document[n] for n in DOCUMENT_SETTINGS if n in document and provides(n)}
    arguments = {"token_endpoint": token_endpoint, "issuer": received, **configured}
    return cls(**{**arguments, DOCUMENT: document, **kwargs})


class _Anonymous(requests.auth.AuthBase):
    """The fetching client's authentication: none, since the document is public."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


# What the fetching client takes of the caller's arguments: how to reach the server.
_FETCH_ARGUMENTS = (
    "session",
    "timeout",
    "max_response_bytes",
    "testing",
    "plugins",
    "disable_plugins",
)


def fetch_document(cls: type[OAuth2Client], url: str, **kwargs: Any) -> dict[str, Any]:
    """GET the discovery document at `url` through the client pipeline, as every request is.

    The request is sent by a client made for it alone (its ``token_endpoint`` is only a
    placeholder), with the caller's session, timeout, body cap, URI policy and plugins:
    so redirects are not followed, plain http (to a loopback host) never goes through a
    proxy, and the call has one deadline.

    Raises:
        TransportError: the server could not be reached (`ResponseTooLarge`: too large).
        OAuth2Error: the server answered another status than 2xx (no status check upstream).
        InvalidDiscoveryDocument: the body is not a JSON object.
    """
    options: dict[str, Any] = {name: kwargs[name] for name in _FETCH_ARGUMENTS if name in kwargs}
    options[FETCHED_FROM] = url
    fetcher = cls(url, auth=_Anonymous(), **options)
    document: dict[str, Any] = fetcher.call(FETCHED_FROM, method="GET", auth=False)
    return document


@hookimpl
def oauth2kit_parse_response(call: EndpointCall, response: EndpointResponse) -> object | None:
    """The discovery document, from a successful answer of the discovery endpoint."""
    if call.endpoint != FETCHED_FROM:
        return None
    if response.data is None:
        msg = f"the discovery document at {redact_uri(call.url)} is not a JSON object"
        raise InvalidDiscoveryDocument(msg, None)
    return response.data


def from_discovery_endpoint(
    cls: type[OAuth2Client], url: str | None = None, issuer: str | None = None, **kwargs: Any
) -> OAuth2Client:
    """Fetch the discovery document at `url` (or the OpenID Connect one of `issuer`).

    With `issuer`, the document must name that issuer. When the document has a
    ``jwks_uri`` that a plugin configured and that plugin provides
    ``update_authorization_server_public_keys``, the server's keys are fetched too.

    Raises:
        InvalidParam: neither `url` nor `issuer` was given.
        InvalidIssuer: `issuer` is not an acceptable issuer identifier.
        InvalidUri: `url` is not an acceptable URI (https, or http to a loopback host).
        InvalidDiscoveryDocument: see `from_discovery_document`.
    """
    testing = kwargs.get("testing") is True or kwargs.get("https") is False
    if issuer is not None and not testing:
        try:
            validate_issuer_uri(issuer)
        except InvalidUri as exc:
            raise InvalidIssuer("issuer", issuer, exc) from exc
    if url is None:
        if issuer is None:
            raise InvalidParam("from_discovery_endpoint needs at least one of `issuer` or `url`")
        url = oidc_discovery_document_url(issuer)
    if not testing:
        validate_endpoint_uri(url)
    document = fetch_document(cls, url, **{**kwargs, "testing": testing})
    client = from_discovery_document(cls, document, issuer, **kwargs)
    if "jwks_uri" in client.settings:
        try:
            client.lookup(client.plugins.operations, "update_authorization_server_public_keys")
        except PluginNotAvailable:
            return client
        client.update_authorization_server_public_keys()
    return client


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """Register ``discovery_document`` (empty by default) and ``discovery_endpoint``."""
    registry.add(DOCUMENT, Setting(default=MappingProxyType({}), convert=checked_document))
    registry.add(FETCHED_FROM, Setting(endpoint=True))


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register the class operations ``from_discovery_endpoint`` and ``from_discovery_document``."""
    registry.add("from_discovery_endpoint", from_discovery_endpoint)
    registry.add("from_discovery_document", from_discovery_document)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `InvalidDiscoveryDocument` and the well-known URI functions."""
    exported = (
        InvalidDiscoveryDocument,
        well_known_uri,
        oidc_discovery_document_url,
        oauth2_discovery_document_url,
    )
    for value in exported:
        registry.add(value.__name__, value)
