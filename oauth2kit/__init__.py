"""oauth2kit: a pluggable OAuth 2.x and OpenID Connect client built on requests.

The kernel's public names are imported here from private modules. Names that plugins
provide (auth handlers, client authentication classes, ...) resolve on first access through
the plugin host, so ``import oauth2kit`` stays as cheap as importing requests and plugins
are discovered only when first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from oauth2kit._client import (
    DEFAULT_TIMEOUT,
    MAX_ATTEMPTS,
    MAX_RETRY_DELAY,
    Endpoints,
    GrantTypes,
    OAuth2Client,
)
from oauth2kit._client_auth import BaseClientAuthenticationMethod
from oauth2kit._exceptions import (
    AccessDenied,
    AccountSelectionRequired,
    AuthorizationPending,
    AuthorizationResponseError,
    BackChannelAuthenticationError,
    ConsentRequired,
    DeviceAuthorizationError,
    EndpointError,
    ExpiredAccessToken,
    ExpiredToken,
    ExportNotAvailable,
    InteractionRequired,
    IntrospectionError,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidBackChannelAuthenticationResponse,
    InvalidClient,
    InvalidDeviceAuthorizationResponse,
    InvalidEndpointUri,
    InvalidGrant,
    InvalidIssuer,
    InvalidParam,
    InvalidPlugin,
    InvalidPushedAuthorizationResponse,
    InvalidRequest,
    InvalidRequestForClientAuthentication,
    InvalidScope,
    InvalidScopeParam,
    InvalidTarget,
    InvalidTokenResponse,
    InvalidUri,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingClientId,
    MissingEndpointUri,
    MissingIssuer,
    MissingIssuerParam,
    MissingRefreshToken,
    NonRenewableTokenError,
    OAuth2Error,
    OAuth2KitError,
    PluginDisabled,
    PluginError,
    PluginNotAvailable,
    RegistryConflict,
    RevocationError,
    ServerError,
    SessionSelectionRequired,
    SlowDown,
    TokenEndpointError,
    TransportError,
    UnauthorizedClient,
    UnknownGrantType,
    UnknownIntrospectionError,
    UnknownTokenEndpointError,
    UnsupportedClientCredentials,
    UnsupportedTokenType,
    UseDPoPNonce,
)
from oauth2kit._exchange import EndpointCall, EndpointResponse
from oauth2kit._params import normalize_scope
from oauth2kit._tokens import BearerToken, TokenResponse, parse_expires_in
from oauth2kit._uri import is_loopback_host, validate_endpoint_uri, validate_issuer_uri

if TYPE_CHECKING:
    # Static view of the lazily resolved names, for type checkers and IDEs.
    from oauth2kit_client_auth.client_secret_basic import ClientSecretBasic
    from oauth2kit_client_auth.client_secret_post import ClientSecretPost
    from oauth2kit_client_auth.public_app import PublicApp
    from oauth2kit_handlers.access_token import OAuth2AccessTokenAuth
    from oauth2kit_handlers.client_credentials import OAuth2ClientCredentialsAuth

    from oauth2kit._host import PluginHost, PluginInfo, default_host, set_default_host
    from oauth2kit._registry import Registry, RegistryEntry
    from oauth2kit.hookspecs import hookimpl

__version__ = "0.1.0"

# Kernel names of the plugin machinery, most of which needs pluggy: imported on first
# access, so that `import oauth2kit` stays cheap.
_LAZY_KERNEL = {
    "PluginHost": "oauth2kit._host",
    "PluginInfo": "oauth2kit._host",
    "default_host": "oauth2kit._host",
    "set_default_host": "oauth2kit._host",
    "Registry": "oauth2kit._registry",
    "RegistryEntry": "oauth2kit._registry",
    "hookimpl": "oauth2kit.hookspecs",
}

_PUBLIC_SUBMODULES = frozenset({"hookspecs"})

# Names that built-in plugins register as extensions, and the plugin that provides each
# (to say which one is missing); any plugin may add more names.
_PLUGIN_EXPORTS = {
    "ClientSecretBasic": "auth.client_secret_basic",
    "ClientSecretPost": "auth.client_secret_post",
    "OAuth2AccessTokenAuth": "handler.access_token",
    "OAuth2ClientCredentialsAuth": "handler.client_credentials",
    "PublicApp": "auth.none",
}


def __getattr__(name: str) -> Any:
    """Resolve kernel names that are costly to import, and names that plugins provide."""
    import importlib  # noqa: PLC0415 - only on first access

    value: object
    if name in _PUBLIC_SUBMODULES:
        # `from oauth2kit import hookspecs` asks the package before importing the submodule.
        value = importlib.import_module(f"oauth2kit.{name}")
    elif name in _LAZY_KERNEL:
        value = getattr(importlib.import_module(_LAZY_KERNEL[name]), name)
    elif name.startswith("_"):
        # Tools probe dunder names (__wrapped__, __path__, ...): never a reason to discover.
        msg = f"module 'oauth2kit' has no attribute {name!r}"
        raise AttributeError(msg)
    else:
        from oauth2kit._host import exporting_host  # noqa: PLC0415 - plugins load on first use

        host = exporting_host()
        # Not cached: the current default host decides, so blocking a plugin takes effect.
        if name in host.extensions:
            return host.extensions.get(name)
        provider = _PLUGIN_EXPORTS.get(name)
        if provider is None:
            msg = f"module 'oauth2kit' has no attribute {name!r}"
            raise AttributeError(msg)
        raise ExportNotAvailable(name, provider, host.status(provider))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, including those resolved on first access."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_ATTEMPTS",
    "MAX_RETRY_DELAY",
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "AuthorizationResponseError",
    "BackChannelAuthenticationError",
    "BaseClientAuthenticationMethod",
    "BearerToken",
    "ClientSecretBasic",
    "ClientSecretPost",
    "ConsentRequired",
    "DeviceAuthorizationError",
    "EndpointCall",
    "EndpointError",
    "EndpointResponse",
    "Endpoints",
    "ExpiredAccessToken",
    "ExpiredToken",
    "ExportNotAvailable",
    "GrantTypes",
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
    "OAuth2AccessTokenAuth",
    "OAuth2Client",
    "OAuth2ClientCredentialsAuth",
    "OAuth2Error",
    "OAuth2KitError",
    "PluginDisabled",
    "PluginError",
    "PluginHost",
    "PluginInfo",
    "PluginNotAvailable",
    "PublicApp",
    "Registry",
    "RegistryConflict",
    "RegistryEntry",
    "RevocationError",
    "ServerError",
    "SessionSelectionRequired",
    "SlowDown",
    "TokenEndpointError",
    "TokenResponse",
    "TransportError",
    "UnauthorizedClient",
    "UnknownGrantType",
    "UnknownIntrospectionError",
    "UnknownTokenEndpointError",
    "UnsupportedClientCredentials",
    "UnsupportedTokenType",
    "UseDPoPNonce",
    "default_host",
    "hookimpl",
    "is_loopback_host",
    "normalize_scope",
    "parse_expires_in",
    "requests",
    "set_default_host",
    "validate_endpoint_uri",
    "validate_issuer_uri",
]
