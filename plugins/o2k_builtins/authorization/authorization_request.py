"""Authorization requests (RFC 6749 4.1, PKCE, RFC 9207): entry point ``endpoint.authorization``.

The plugin owns the client settings of the authorization code flow's front channel
(``authorization_endpoint``, ``redirect_uri``, ``code_challenge_method``,
``authorization_response_iss_parameter_supported``), the ``authorization_request``
operation behind ``OAuth2Client.authorization_request()``, and the public names of
authorization requests and responses, PKCE and their exceptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from o2k_builtins.authorization.errors import (
    AccountSelectionRequired,
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidMaxAgeParam,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    MissingIssuerParam,
    SessionSelectionRequired,
    UnsupportedResponseTypeParam,
)
from o2k_builtins.authorization.model import (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestUriParameterAuthorizationRequest,
    ResponseTypes,
)
from o2k_builtins.authorization.pkce import (
    CodeChallengeMethods,
    InvalidCodeVerifierParam,
    PkceUtils,
    UnsupportedCodeChallengeMethod,
    checked_method,
)
from o2k_builtins.authorization.serializer import AuthorizationRequestSerializer
from oauth2kit import InvalidParam, PluginNotAvailable, Setting, hookimpl

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import EllipsisType

    from oauth2kit import OAuth2Client, Registry


def optional_setting(client: OAuth2Client, name: str, default: Any = None) -> Any:
    """Setting `name` of `client`, or `default` when no plugin (such as DPoP's) provides it."""
    try:
        return client.setting(name)
    except PluginNotAvailable:
        return default


def checked_redirect_uri(client: OAuth2Client, uri: object) -> str:  # noqa: ARG001 - a Setting converter
    """Check the ``redirect_uri`` setting: an absolute URI without a fragment (RFC 6749 3.1.2).

    Any scheme: native apps use their own (``com.example.app:/callback``, RFC 8252).
    """
    if not isinstance(uri, str) or not uri:
        raise InvalidParam(f"redirect_uri must be a non-empty str, got {type(uri).__name__}")
    parts = urlsplit(uri)
    if not parts.scheme or "#" in uri or any(ch.isspace() for ch in uri):
        raise InvalidParam("redirect_uri must be an absolute URI without a fragment")
    return uri


def checked_code_challenge_method(client: OAuth2Client, method: object) -> str | None:  # noqa: ARG001 - a Setting converter
    """Check ``code_challenge_method``: ``S256``, ``plain``, or False for no PKCE.

    False, because the client leaves out arguments given as None: ``None`` cannot switch
    PKCE off client-wide. It does for one request:
    ``authorization_request(code_challenge_method=None)``.
    """
    if method is False:
        return None
    return checked_method(method).value


def checked_iss_parameter_supported(client: OAuth2Client, supported: object) -> bool:
    """Check ``authorization_response_iss_parameter_supported``: True needs an issuer."""
    if not isinstance(supported, bool):
        msg = "authorization_response_iss_parameter_supported must be a bool"
        raise InvalidParam(msg)
    if supported and client.issuer is None:
        raise MissingIssuerParam
    return supported


_SET_BY_THE_CLIENT = frozenset(
    {
        "authorization_endpoint",
        "client_id",
        "issuer",
        "authorization_response_iss_parameter_supported",
    }
)


def authorization_request(
    client: OAuth2Client, *, scope: str | Iterable[str] | None = "openid",
    response_type: str = ResponseTypes.CODE, redirect_uri: str | None = None,
    state: str | EllipsisType | None = ..., nonce: str | EllipsisType | None = ...,
    code_verifier: str | None = None, dpop: bool | None = None, dpop_key: Any = None,
    dpop_alg: str | None = None, **kwargs: Any,
) -> AuthorizationRequest:  # fmt: skip
    """The operation: an `AuthorizationRequest` to this client's authorization endpoint.

    The client's ``redirect_uri``, ``code_challenge_method``, issuer and
    ``authorization_response_iss_parameter_supported`` apply unless given here
    (``code_challenge_method=`` among the `kwargs`). With DPoP (``dpop=True``, or the DPoP
    plugin's ``dpop_bound_access_tokens`` setting) the code is bound to a key from the DPoP
    plugin's ``dpop_key_generator``.

    Raises:
        MissingEndpointUri: the client has no ``authorization_endpoint``.
    """
    if clashes := sorted(kwargs.keys() & _SET_BY_THE_CLIENT):
        msg = f"{', '.join(clashes)} come from the client's configuration; build another client"
        raise InvalidParam(msg)
    endpoint = client.endpoint_uri("authorization_endpoint")
    if dpop is None:
        dpop = optional_setting(client, "dpop_bound_access_tokens", default=False)
    if dpop and dpop_key is None:
        alg = dpop_alg or optional_setting(client, "dpop_alg") or "ES256"
        generator = optional_setting(client, "dpop_key_generator")
        if generator is not None:
            dpop_key = generator(alg)
        dpop_alg = alg
    kwargs.setdefault("code_challenge_method", client.setting("code_challenge_method"))
    return AuthorizationRequest(
        endpoint,
        client_id=client.client_id,
        redirect_uri=redirect_uri or client.setting("redirect_uri"),
        scope=scope,
        response_type=response_type,
        state=state,
        nonce=nonce,
        code_verifier=code_verifier,
        issuer=client.issuer,
        authorization_response_iss_parameter_supported=client.setting(
            "authorization_response_iss_parameter_supported"
        ),
        dpop=bool(dpop),
        dpop_alg=dpop_alg or "ES256",
        dpop_key=dpop_key,
        response_decoder=_jarm_decoder(client),
        **kwargs,
    )


def _jarm_decoder(client: OAuth2Client) -> Any:
    """The OpenID Connect plugin's JARM verification for `client`'s callbacks, if installed."""
    try:
        client.lookup(client.plugins.operations, "decode_jarm_response")
    except PluginNotAvailable:
        return None

    def decode(jwt: str, **context: Any) -> Any:
        return client.run("decode_jarm_response", response=jwt, **context)

    return decode


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The front-channel settings of the authorization code flow."""
    registry.add("authorization_endpoint", Setting(endpoint=True))
    registry.add("redirect_uri", Setting(convert=checked_redirect_uri))
    registry.add(
        "code_challenge_method",
        Setting(default=CodeChallengeMethods.S256.value, convert=checked_code_challenge_method),
    )
    registry.add(
        "authorization_response_iss_parameter_supported",
        Setting(default=False, convert=checked_iss_parameter_supported),
    )


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Make ``client.authorization_request()`` available."""
    registry.add("authorization_request", authorization_request)


EXPORTS: tuple[type, ...] = (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestUriParameterAuthorizationRequest,
    AuthorizationRequestSerializer,
    PkceUtils,
    CodeChallengeMethods,
    ResponseTypes,
    AuthorizationResponseError,
    InteractionRequired,
    LoginRequired,
    AccountSelectionRequired,
    SessionSelectionRequired,
    ConsentRequired,
    InvalidAuthResponse,
    MissingAuthCode,
    MissingIssuer,
    MismatchingState,
    MismatchingIssuer,
    InvalidMaxAgeParam,
    InvalidAcrValuesParam,
    MissingIssuerParam,
    UnsupportedResponseTypeParam,
    InvalidCodeVerifierParam,
    UnsupportedCodeChallengeMethod,
)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export authorization requests and responses, PKCE and their exceptions."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)
