"""`OAuth2Client`: endpoints, client authentication, and hooks around every request.

The grant methods keep the upstream signatures but hold no flow logic: each one calls
`OAuth2Client.grant` with a grant name, and the grant type plugin registered under that name
turns the parameters into a token request.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from enum import StrEnum
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

import requests
import requests.auth

from oauth2kit._exceptions import (
    AccessDenied,
    AuthorizationPending,
    EndpointError,
    ExpiredToken,
    InvalidClient,
    InvalidEndpointUri,
    InvalidGrant,
    InvalidIssuer,
    InvalidParam,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    InvalidTokenResponse,
    InvalidUri,
    MissingClientId,
    MissingEndpointUri,
    MissingIssuerParam,
    OAuth2Error,
    OAuth2KitError,
    PluginError,
    ServerError,
    SlowDown,
    TransportError,
    UnauthorizedClient,
    UnsupportedClientCredentials,
    UnsupportedTokenType,
    UseDPoPNonce,
    redact_uri,
)
from oauth2kit._exchange import EndpointCall, EndpointResponse
from oauth2kit._params import (
    check_subclass,
    check_type,
    checked_requests_kwargs,
    checked_timeout,
    is_number,
)
from oauth2kit._tokens import BearerToken
from oauth2kit._uri import validate_endpoint_uri, validate_issuer_uri

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from oauth2kit._host import PluginHost

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_ATTEMPTS",
    "MAX_RETRY_DELAY",
    "Endpoints",
    "GrantTypes",
    "OAuth2Client",
]

logger = logging.getLogger("oauth2kit")

DEFAULT_TIMEOUT = 10.0
"""Seconds before a request to an authorization server gives up, unless told otherwise."""
MAX_ATTEMPTS = 3
"""Attempts per endpoint call when `oauth2kit_retry_request` hooks ask for retries."""
MAX_RETRY_DELAY = 30.0
"""Seconds; a retry that a hook wants to wait longer for is not made (the response stands)."""


class Endpoints(StrEnum):
    """The endpoint attributes of `OAuth2Client`, named as in RFC 8414 metadata."""

    TOKEN = "token_endpoint"  # noqa: S105 - an endpoint name, not a secret
    AUTHORIZATION = "authorization_endpoint"
    BACKCHANNEL_AUTHENTICATION = "backchannel_authentication_endpoint"
    DEVICE_AUTHORIZATION = "device_authorization_endpoint"
    INTROSPECTION = "introspection_endpoint"
    REVOCATION = "revocation_endpoint"
    PUSHED_AUTHORIZATION_REQUEST = "pushed_authorization_request_endpoint"
    JWKS = "jwks_uri"
    USER_INFO = "userinfo_endpoint"


class GrantTypes(StrEnum):
    """The ``grant_type`` values of the standard grants."""

    CLIENT_CREDENTIALS = "client_credentials"
    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant name, not a secret
    RESOURCE_OWNER_PASSWORD = "password"  # noqa: S105 - a grant name, not a secret
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
    JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION = "urn:openid:params:grant-type:ciba"
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


class OAuth2Client:
    """A client of one OAuth 2.0 / OpenID Connect authorization server.

    Only `token_endpoint` is required; other endpoints are needed by the operations that use
    them. Client authentication comes from `auth`, or from the credential arguments:

    ==============================================  ================================
    arguments                                       authentication method
    ==============================================  ================================
    ``auth=`` a `requests.auth.AuthBase`            used as is
    ``auth=(client_id, "secret")``                  ``client_secret_post``
    ``auth=(client_id, private_key)``               ``private_key_jwt``
    ``auth="client_id"``                            ``none`` (public client)
    ``client_id=, client_secret=``                  ``client_secret_post``
    ``client_id=, private_key=``                    ``private_key_jwt``
    ``client_id=`` alone                            ``none``
    ==============================================  ================================

    ``token_endpoint_auth_method=`` picks another registered method by name, for example
    ``client_secret_basic``.

    Args:
        token_endpoint: the token endpoint URL.
        auth: client authentication (see above).
        client_id: the client identifier.
        client_secret: the client secret.
        private_key: a private key (JWK dict or `cryptography` key) for ``private_key_jwt``.
        token_endpoint_auth_method: the client authentication method's registered name.
        redirect_uri: the redirection URI of this client.
        issuer: the authorization server's issuer identifier.
        token_class: the token class to build from token responses; by default the class
            registered for the response's ``token_type``.
        session: the `requests.Session` to send requests with.
        timeout: seconds before each request gives up (`requests` has no default timeout).
        testing: skip endpoint URI validation altogether (otherwise URIs must be https, or
            http to a loopback host).
        plugins: the plugin host; by default the process-wide `default_host()`.
        disable_plugins: plugin names (or globs) left out for this client only.
        **extra_metadata: any other server or client metadata, kept in `extra_metadata`;
            values of keys ending in ``_endpoint`` are validated like endpoints.

    The remaining keyword arguments (``*_endpoint``, ``jwks_uri``, ID token, PKCE and DPoP
    settings) mirror the upstream API and are used by the plugins of those features.

    Raises:
        InvalidEndpointUri: an endpoint URI is not acceptable.
        InvalidIssuer: the issuer is not acceptable.
        UnsupportedClientCredentials: the authentication arguments do not fit together.
        PluginNotAvailable: no plugin provides the requested authentication method.
    """

    exception_classes: ClassVar[dict[str, type[EndpointError]]] = {
        "server_error": ServerError,
        "invalid_request": InvalidRequest,
        "invalid_client": InvalidClient,
        "invalid_scope": InvalidScope,
        "invalid_target": InvalidTarget,
        "invalid_grant": InvalidGrant,
        "access_denied": AccessDenied,
        "unauthorized_client": UnauthorizedClient,
        "authorization_pending": AuthorizationPending,
        "slow_down": SlowDown,
        "expired_token": ExpiredToken,
        "use_dpop_nonce": UseDPoPNonce,
        "unsupported_token_type": UnsupportedTokenType,
    }

    def __init__(
        self,
        token_endpoint: str,
        auth: requests.auth.AuthBase | tuple[str, Any] | str | None = None,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Any = None,
        token_endpoint_auth_method: str | None = None,
        revocation_endpoint: str | None = None,
        introspection_endpoint: str | None = None,
        userinfo_endpoint: str | None = None,
        authorization_endpoint: str | None = None,
        redirect_uri: str | None = None,
        backchannel_authentication_endpoint: str | None = None,
        device_authorization_endpoint: str | None = None,
        pushed_authorization_request_endpoint: str | None = None,
        jwks_uri: str | None = None,
        authorization_server_jwks: Any = None,
        issuer: str | None = None,
        id_token_signed_response_alg: str | None = "RS256",  # noqa: S107 - an algorithm
        id_token_encrypted_response_alg: str | None = None,
        id_token_decryption_key: Any = None,
        code_challenge_method: str | None = "S256",
        authorization_response_iss_parameter_supported: bool = False,
        token_class: type[BearerToken] | None = None,
        session: requests.Session | None = None,
        dpop_bound_access_tokens: bool = False,
        dpop_key_generator: Any = None,
        dpop_alg: str = "ES256",
        timeout: float | None = DEFAULT_TIMEOUT,
        testing: bool = False,
        plugins: PluginHost | None = None,
        disable_plugins: Iterable[str] = (),
        **extra_metadata: Any,
    ) -> None:
        # Settings the later features use are checked now, so that a wrong one fails here.
        iss_supported = authorization_response_iss_parameter_supported
        for name, value, kind in (
            ("testing", testing, bool),
            ("authorization_response_iss_parameter_supported", iss_supported, bool),
            ("dpop_bound_access_tokens", dpop_bound_access_tokens, bool),
            ("redirect_uri", redirect_uri, str),
            ("id_token_signed_response_alg", id_token_signed_response_alg, str),
            ("id_token_encrypted_response_alg", id_token_encrypted_response_alg, str),
            ("code_challenge_method", code_challenge_method, str),
            ("dpop_alg", dpop_alg, str),
            ("authorization_server_jwks", authorization_server_jwks, Mapping),
        ):  # fmt: skip
            check_type(name, value, kind)
        if dpop_key_generator is not None and not callable(dpop_key_generator):
            msg = f"dpop_key_generator must be callable, got {type(dpop_key_generator).__name__}"
            raise InvalidParam(msg)
        self.testing = testing
        checked = self._checked_endpoint("token_endpoint", token_endpoint)
        if checked is None:
            msg = "a token_endpoint is required"
            raise InvalidParam(msg)
        self.token_endpoint: str = checked
        self.revocation_endpoint = self._checked_endpoint(
            "revocation_endpoint", revocation_endpoint
        )
        self.introspection_endpoint = self._checked_endpoint(
            "introspection_endpoint", introspection_endpoint
        )
        self.userinfo_endpoint = self._checked_endpoint("userinfo_endpoint", userinfo_endpoint)
        self.authorization_endpoint = self._checked_endpoint(
            "authorization_endpoint", authorization_endpoint
        )
        self.backchannel_authentication_endpoint = self._checked_endpoint(
            "backchannel_authentication_endpoint", backchannel_authentication_endpoint
        )
        self.device_authorization_endpoint = self._checked_endpoint(
            "device_authorization_endpoint", device_authorization_endpoint
        )
        self.pushed_authorization_request_endpoint = self._checked_endpoint(
            "pushed_authorization_request_endpoint", pushed_authorization_request_endpoint
        )
        self.jwks_uri = self._checked_endpoint("jwks_uri", jwks_uri)
        for key, value in extra_metadata.items():
            if key.endswith("_endpoint"):
                self._checked_endpoint(key, value)
        self.issuer = self._checked_endpoint("issuer", issuer)
        if authorization_response_iss_parameter_supported and not issuer:
            raise MissingIssuerParam
        self.redirect_uri = redirect_uri
        self.authorization_server_jwks = authorization_server_jwks
        self.id_token_signed_response_alg = id_token_signed_response_alg
        self.id_token_encrypted_response_alg = id_token_encrypted_response_alg
        self.id_token_decryption_key = id_token_decryption_key
        self.code_challenge_method = code_challenge_method
        self.authorization_response_iss_parameter_supported = (
            authorization_response_iss_parameter_supported
        )
        check_subclass("token_class", token_class, BearerToken)
        self.token_class = token_class
        check_type("session", session, requests.Session)
        self.session = requests.Session() if session is None else session
        self.dpop_bound_access_tokens = dpop_bound_access_tokens
        self.dpop_key_generator = dpop_key_generator
        self.dpop_alg = dpop_alg
        self.timeout = checked_timeout(timeout)
        self.extra_metadata: dict[str, Any] = extra_metadata

        # The plugin machinery (pluggy, stevedore) is imported when the first client needs it.
        from oauth2kit._host import PluginHost, default_host  # noqa: PLC0415
        from oauth2kit._registry import block_patterns  # noqa: PLC0415

        check_type("plugins", plugins, PluginHost)
        self.plugins: PluginHost = default_host() if plugins is None else plugins
        self.disabled_plugins = block_patterns(disable_plugins, "disable_plugins")

        self.auth: requests.auth.AuthBase = self._resolve_auth(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            method=token_endpoint_auth_method,
        )
        self._hook("oauth2kit_configure_client", client=self)

    def _hook(self, name: str, **kwargs: Any) -> Any:
        """Call hook `name` for this client's plugins.

        The callers are asked of the host each time, so that a plugin registered later
        takes part at once. Hooks must raise oauth2kit errors; anything else a plugin lets
        escape (a KeyError, say) becomes a `PluginError` naming the hook, with the original
        as its cause, so that callers can rely on catching `OAuth2KitError`.
        """
        caller = getattr(self.plugins.hooks(self.disabled_plugins), name)
        try:
            return caller(**kwargs)
        except OAuth2KitError:
            raise
        except Exception as exc:
            msg = f"a plugin's {name} hook raised {type(exc).__name__}"
            raise PluginError(msg) from exc

    # --- construction helpers -------------------------------------------------------------

    def _checked_endpoint(self, name: str, uri: str | None) -> str | None:
        """Validate an endpoint URI (an issuer is validated with `validate_issuer_uri`)."""
        if uri is None or (self.testing and isinstance(uri, str)):
            return uri
        issuer = name == "issuer"
        try:
            return (validate_issuer_uri if issuer else validate_endpoint_uri)(uri)
        except InvalidUri as exc:
            raise (InvalidIssuer if issuer else InvalidEndpointUri)(name, uri, exc) from exc

    def _resolve_auth(
        self,
        auth: requests.auth.AuthBase | tuple[str, Any] | str | None,
        *,
        client_id: str | None,
        client_secret: str | None,
        private_key: Any,
        method: str | None,
    ) -> requests.auth.AuthBase:
        if auth is not None and (
            client_id is not None or client_secret is not None or private_key is not None
        ):
            msg = "pass either auth= or client_id/client_secret/private_key, not both"
            raise UnsupportedClientCredentials(msg)
        if isinstance(auth, requests.auth.AuthBase):
            if method is not None:
                msg = "token_endpoint_auth_method applies to credentials, not to an auth handler"
                raise UnsupportedClientCredentials(msg)
            return auth
        credential: object
        if auth is not None:
            client_id, credential = _split_auth(auth)
        elif client_secret is not None and private_key is not None:
            msg = "pass a client_secret or a private_key, not both"
            raise UnsupportedClientCredentials(msg)
        elif client_secret is not None:
            credential = _checked_credential(client_secret, secret=True, key=False)
        else:
            credential = _checked_credential(private_key, secret=False, key=True)
        if not client_id:
            msg = "A client_id must be provided."
            raise UnsupportedClientCredentials(msg)
        kind = _credential_kind(credential)
        # The upstream defaults: a secret goes in the form, a key signs an assertion.
        method = _DEFAULT_AUTH_METHODS[kind] if method is None else method
        check_type("token_endpoint_auth_method", method, str)
        factory = self.plugins.client_auth_methods.get(method, blocked=self.disabled_plugins)
        try:
            return factory(client_id) if credential is None else factory(client_id, credential)
        except OAuth2KitError:
            raise  # the method's own clear refusal (UnsupportedClientCredentials is a TypeError)
        except TypeError as exc:  # the method takes another kind of credential, or none
            msg = f"client authentication method {method!r} cannot be used with {kind}"
            raise UnsupportedClientCredentials(msg) from exc

    # --- properties -----------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The client identifier, as known by the client authentication method."""
        client_id = getattr(self.auth, "client_id", None)
        if not isinstance(client_id, str):
            msg = "This client uses a custom authentication method without client_id."
            raise MissingClientId(msg)
        return client_id

    @property
    def client_secret(self) -> str | None:
        """The client secret, if the authentication method has one."""
        secret = getattr(self.auth, "client_secret", None)
        return secret if isinstance(secret, str) else None

    def endpoint_uri(self, endpoint: str) -> str:
        """Return the URL of `endpoint` (an attribute or `extra_metadata` name), validated.

        Validated again at each use, not only by the constructor: an attribute changed
        later, or metadata whose name does not end in ``_endpoint``, gets the same checks.

        Raises:
            MissingEndpointUri: if the client has no such endpoint configured.
            InvalidEndpointUri: if it is not an acceptable endpoint URI.
        """
        check_type("endpoint", endpoint, str)
        uri = getattr(self, endpoint, None) if endpoint in _ENDPOINT_ATTRIBUTES else None
        if uri is None:
            uri = self.extra_metadata.get(endpoint)
        checked = self._checked_endpoint(endpoint, uri)
        if checked is None:
            raise MissingEndpointUri(endpoint)
        return checked

    # --- grants ---------------------------------------------------------------------------

    def grant(
        self,
        name: str,
        /,
        *,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **params: Any,
    ) -> BearerToken:
        """Obtain a token with the grant type registered as `name`.

        Args:
            name: the grant's registered name (``client_credentials``, or a custom one).
            dpop: ask for a DPoP-bound token; None follows ``dpop_bound_access_tokens``.
            dpop_key: the DPoP key to use (implies `dpop`).
            requests_kwargs: extra arguments for `requests` (``verify``, ``proxies``, ...).
            **params: the grant's parameters; those it does not know become form fields.

        Raises:
            UnknownGrantType: no plugin registered `name`.
            PluginDisabled: the plugin that provides `name` is disabled.
        """
        grant_type = self.plugins.grant_types.get(name, blocked=self.disabled_plugins)
        if "grant_type" in params:
            msg = f"grant_type is set by the {name!r} grant; pass the grant's name to grant()"
            raise InvalidParam(msg)
        try:
            fields = grant_type.build(self, params)
        except OAuth2KitError:
            raise  # a bad parameter, say
        except Exception as exc:
            msg = f"the {name!r} grant's plugin failed to build the request: {type(exc).__name__}"
            raise PluginError(msg) from exc
        data = {"grant_type": grant_type.grant_type, **fields}
        return self._send_token_request(data, name, dpop, dpop_key, requests_kwargs)

    def token_request(
        self,
        data: dict[str, Any],
        *,
        grant: str | None = None,
        dpop: bool | None = None,
        dpop_key: Any = None,
        **requests_kwargs: Any,
    ) -> BearerToken:
        """Send `data` to the token endpoint and return the token it answers with.

        Args:
            data: the form fields, ``grant_type`` included.
            grant: a grant name for the hooks to see as ``call.grant``.
            dpop: ask for a DPoP-bound token; None follows ``dpop_bound_access_tokens``.
            dpop_key: the DPoP key to use (implies `dpop`).
            **requests_kwargs: transport arguments for `requests` (``timeout``, ...).

        Raises:
            EndpointError: (a subclass per error code) for an OAuth 2.0 error response.
            InvalidTokenResponse: for a response that is neither a token nor an error.
        """
        return self._send_token_request(data, grant, dpop, dpop_key, requests_kwargs)

    def _send_token_request(
        self,
        data: dict[str, Any],
        grant: str | None,
        dpop: bool | None,
        dpop_key: Any,
        requests_kwargs: dict[str, Any] | None,
    ) -> BearerToken:
        options: dict[str, Any] = {}
        key = self._dpop_key(dpop, dpop_key)
        if key is not None:
            options["dpop_key"] = key
        call = EndpointCall(
            self, "token_endpoint", self.endpoint_uri("token_endpoint"), data=data,
            grant=grant, options=options, requests_kwargs=requests_kwargs,
        )  # fmt: skip
        token = self.send(call)
        if not isinstance(token, BearerToken):
            msg = f"the token response was parsed into a {type(token).__name__}, not a token"
            raise InvalidTokenResponse(call.last_response(), self, msg)
        self._hook("oauth2kit_token_obtained", call=call, token=token)
        return token

    def _dpop_key(self, dpop: bool | None, dpop_key: Any) -> Any:
        """The DPoP key for a token request, or None when DPoP is not asked for."""
        wanted = self.dpop_bound_access_tokens if dpop is None else dpop
        if dpop_key is None and not wanted:
            return None
        # Without a plugin that makes DPoP tokens, the key would be silently ignored.
        self.plugins.token_types.get("DPoP", blocked=self.disabled_plugins)
        if dpop_key is not None:
            return dpop_key
        generator = self.dpop_key_generator or self.plugins.dpop_key_generators.get(
            self.dpop_alg, blocked=self.disabled_plugins
        )
        return generator(self.dpop_alg)

    def client_credentials(
        self,
        scope: str | Iterable[str] | None = None,
        *,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with the client credentials grant (RFC 6749 section 4.4)."""
        return self.grant(
            "client_credentials", scope=scope, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    def authorization_code(
        self,
        code: Any,
        *,
        validate: bool = True,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange an authorization code (a str or an AuthorizationResponse) for a token."""
        return self.grant(
            "authorization_code", code=code, validate=validate, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    def refresh_token(
        self,
        refresh_token: str | BearerToken,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a fresh token with a refresh token (a str, or a token that carries one)."""
        return self.grant(
            "refresh_token", refresh_token=refresh_token, requests_kwargs=requests_kwargs,
            **token_kwargs,
        )  # fmt: skip

    def device_code(
        self,
        device_code: Any,
        *,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint with a device code (RFC 8628)."""
        return self.grant(
            "device_code", device_code=device_code, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    def ciba(
        self,
        auth_req_id: Any,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Poll the token endpoint with a CIBA auth_req_id."""
        return self.grant(
            "ciba", auth_req_id=auth_req_id, requests_kwargs=requests_kwargs, **token_kwargs
        )

    def token_exchange(
        self,
        *,
        subject_token: Any,
        subject_token_type: str | None = None,
        actor_token: Any = None,
        actor_token_type: str | None = None,
        requested_token_type: str | None = None,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Exchange a token for another one (RFC 8693)."""
        return self.grant(
            "token_exchange", subject_token=subject_token, subject_token_type=subject_token_type,
            actor_token=actor_token, actor_token_type=actor_token_type,
            requested_token_type=requested_token_type, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    def jwt_bearer(
        self,
        assertion: Any,
        *,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with a JWT assertion (RFC 7523 section 2.1)."""
        return self.grant(
            "jwt_bearer", assertion=assertion, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    def resource_owner_password(
        self,
        username: str,
        password: str,
        *,
        dpop: bool | None = None,
        dpop_key: Any = None,
        requests_kwargs: dict[str, Any] | None = None,
        **token_kwargs: Any,
    ) -> BearerToken:
        """Obtain a token with a user's name and password (RFC 6749 section 4.3)."""
        return self.grant(
            "password", username=username, password=password, dpop=dpop, dpop_key=dpop_key,
            requests_kwargs=requests_kwargs, **token_kwargs,
        )  # fmt: skip

    # --- sending --------------------------------------------------------------------------

    def request_endpoint(
        self,
        endpoint: str,
        data: dict[str, Any] | None = None,
        *,
        method: str = "POST",
        auth: requests.auth.AuthBase | bool = True,
        options: dict[str, Any] | None = None,
        **requests_kwargs: Any,
    ) -> Any:
        """Call `endpoint` and return what the parse hooks make of its response.

        This is how endpoint plugins (revocation, introspection, userinfo, ...) talk to the
        server.

        Args:
            endpoint: the endpoint's attribute or `extra_metadata` name.
            data: the form fields.
            method: the HTTP method.
            auth: True for the client's authentication, False for none, or another auth
                handler (an access token, for userinfo).
            options: what the hooks should see in ``call.options``.
            **requests_kwargs: transport arguments for `requests`.
        """
        call = EndpointCall(
            self, endpoint, self.endpoint_uri(endpoint), method=method, data=data,
            auth=auth, options=options, requests_kwargs=requests_kwargs,
        )  # fmt: skip
        return self.send(call)

    def send(self, call: EndpointCall) -> Any:
        """Send `call`, with the request, response, retry and parse hooks around it.

        Raises:
            TransportError: the server could not be reached.
            OAuth2Error: (or the subclass an error hook chose) for an error response.
        """
        while True:
            response = call.response = self._send_once(call)
            self._hook("oauth2kit_fixup_response", call=call, response=response)
            status = response.status_code
            if isinstance(status, bool) or not isinstance(status, int):
                msg = f"an oauth2kit_fixup_response hook set status_code to {status!r}"
                raise PluginError(msg)
            delay = (
                _checked_delay(self._hook("oauth2kit_retry_request", call=call, response=response))
                if call.attempt < MAX_ATTEMPTS
                else None
            )
            if delay is None or delay > MAX_RETRY_DELAY:
                return self._parsed(call, response)
            time.sleep(delay)
            call.attempt += 1

    def _send_once(self, call: EndpointCall) -> EndpointResponse:
        """Build the request, run the request hooks, and send it once."""
        extra = call.requests_kwargs
        request = requests.Request(
            call.method,
            call.url,
            data=dict(call.data),
            headers={"Accept": "application/json", **(extra.get("headers") or {})},
            params=dict(extra.get("params") or {}),
            auth=call.auth,
        )
        self._hook("oauth2kit_prepare_request", call=call, request=request)
        transport = self._transport_after_hooks(call, request)
        try:
            raw = self.session.request(
                request.method,
                request.url,
                params=request.params or None,
                data=request.data or None,
                headers=request.headers,
                auth=request.auth,
                hooks=request.hooks,
                **transport,
            )
        except OAuth2KitError:
            raise  # from an auth handler, while requests prepared the request
        except (requests.RequestException, OSError, ValueError) as exc:
            # OSError: a CA bundle or client certificate file that cannot be read;
            # ValueError: a URL that urllib3 cannot use (a DNS label over 63 characters).
            msg = f"{call.method} {redact_uri(call.url)} failed: {type(exc).__name__}"
            raise TransportError(msg, request=getattr(exc, "request", None)) from exc
        logger.debug(
            "%s %s (%s) -> %s",
            call.method,
            redact_uri(call.url),
            call.grant or "-",
            raw.status_code,
        )
        return EndpointResponse(raw)

    def _parsed(self, call: EndpointCall, response: EndpointResponse) -> Any:
        """The result of a successful response, or the exception for an error response."""
        if response.ok:
            result = self._hook("oauth2kit_parse_response", call=call, response=response)
            if result is None:
                msg = f"no plugin parses responses from {call.endpoint} ({response.describe()})"
                raise OAuth2Error(response.response, self, msg)
            return result
        error = self._hook("oauth2kit_parse_error", call=call, response=response)
        if error is None:
            described = f"{call.endpoint} answered {response.describe()}"
            error = OAuth2Error(response.response, self, described)
        elif not isinstance(error, OAuth2KitError):
            msg = (
                f"an oauth2kit_parse_error hook returned a {type(error).__name__},"
                " not an oauth2kit exception"
            )
            raise PluginError(msg)
        raise error

    def _transport_after_hooks(
        self, call: EndpointCall, request: requests.Request
    ) -> dict[str, Any]:
        """Check what the request hooks left, and return the arguments for `requests`.

        Hooks may change the URL, form, headers, query, cookies and auth, and the call's
        transport arguments (a client certificate); each is checked again here.
        """
        if request.files or request.json is not None:
            msg = "oauth2kit_prepare_request hooks send forms: a request cannot carry files or json"
            raise PluginError(msg)
        self._checked_endpoint(call.endpoint, request.url)
        transport = checked_requests_kwargs(call.requests_kwargs, self.timeout)
        transport.pop("headers", None)  # on the request already, like the params
        transport.pop("params", None)
        # Never followed: a redirect would send the form (secrets, codes, tokens) wherever
        # its Location points, unchecked. A 3xx answer is an error response instead.
        transport["allow_redirects"] = False
        if request.cookies:
            given = transport.get("cookies")
            if isinstance(given, CookieJar):
                msg = "a hook set cookies on a call whose requests_kwargs cookies are a jar"
                raise PluginError(msg)
            transport["cookies"] = {**(given or {}), **request.cookies}
        if not self.testing:
            transport["proxies"] = _no_proxy_for_plain_http(request.url, transport)
        return transport

    # --- misc -----------------------------------------------------------------------------

    def __enter__(self) -> Self:
        """Use the client as a context manager; the session is closed on exit."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session; exceptions from the block propagate (upstream swallowed them)."""
        self.session.close()

    def __repr__(self) -> str:
        """Show the endpoint and authentication method; secrets stay out."""
        client_id = getattr(self.auth, "client_id", None)
        return (
            f"{type(self).__name__}(token_endpoint={redact_uri(self.token_endpoint)!r},"
            f" client_id={client_id!r}, auth={type(self.auth).__name__})"
        )


_ENDPOINT_ATTRIBUTES = frozenset(endpoint.value for endpoint in Endpoints)


def _no_proxy_for_plain_http(url: str, transport: dict[str, Any]) -> dict[str, Any]:
    """The proxies for `url`: none at all when it is plain http (to a loopback host).

    Plain http is accepted for loopback hosts only because no network lies between; a
    proxy (from ``HTTP_PROXY``, say) would carry the secrets across one in clear text.
    """
    proxies: dict[str, Any] = dict(transport.get("proxies") or {})
    parts = urlsplit(url)
    if parts.scheme != "http":
        return proxies
    keys = ("http", "all", f"http://{parts.hostname}", f"all://{parts.hostname}")
    if any(proxies.get(key) for key in keys):
        msg = "a plain-http (loopback) endpoint cannot be reached through a proxy"
        raise InvalidParam(msg)
    # None overrides the environment's proxies for these keys, in requests.
    return {**proxies, **dict.fromkeys(keys)}


def _checked_delay(delay: object) -> float | None:
    """What an `oauth2kit_retry_request` hook returned, checked: None or seconds >= 0."""
    if delay is None:
        return None
    if is_number(delay) and delay >= 0:
        return (
            float(delay) if delay <= MAX_RETRY_DELAY else math.inf
        )  # 10**400: no overflow  # nan fails `>= 0`; inf is more than MAX_RETRY_DELAY
    msg = f"an oauth2kit_retry_request hook returned {delay!r}, not None or seconds >= 0"
    raise PluginError(msg)


def _split_auth(auth: object) -> tuple[str, object]:
    """Split the ``auth=`` shortcuts into a client_id and a credential (None for ``none``)."""
    if isinstance(auth, str):
        return auth, None
    if isinstance(auth, tuple) and len(auth) == 2 and isinstance(auth[0], str):  # noqa: PLR2004 - a pair
        client_id, credential = auth
        if credential is None:  # an unset secret, say: not a public client by accident
            msg = (
                "auth=(client_id, None) has no credential; pass auth=client_id for a public client"
            )
            raise UnsupportedClientCredentials(msg)
        return client_id, _checked_credential(credential, secret=True, key=True)
    msg = (
        f"auth of type {type(auth).__name__} is not supported: use an AuthBase, a"
        " (client_id, credential) tuple or a client_id"
    )
    raise UnsupportedClientCredentials(msg)


_DEFAULT_AUTH_METHODS = {
    "no credential": "none",
    "a client secret": "client_secret_post",
    "a private key": "private_key_jwt",
}


def _credential_kind(credential: object) -> str:
    if credential is None:
        return "no credential"
    return "a client secret" if isinstance(credential, str) else "a private key"


def _checked_credential(credential: object, *, secret: bool, key: bool) -> object:
    """Return `credential` if it is a client secret (str) or a private key, as allowed."""
    if (
        credential is None
        or (secret and isinstance(credential, str))
        or (key and _looks_like_private_key(credential))
    ):
        return credential
    kinds = [
        kind
        for kind, allowed in (
            ("a client secret (str)", secret),
            ("a private key (a JWK dict with its private members, or a cryptography key)", key),
        )
        if allowed
    ]
    kind = type(credential).__name__
    msg = f"a credential of type {kind} is not supported: use {' or '.join(kinds)}"
    raise UnsupportedClientCredentials(msg)


def _looks_like_private_key(value: object) -> bool:
    """A JWK dict with a private member, or a `cryptography` private key object."""
    if isinstance(value, dict):
        return "d" in value or "p" in value
    return hasattr(value, "private_bytes")
