"""JWT-secured authorization requests (RFC 9101): entry point ``oidc.request_objects``.

An `AuthorizationRequest`'s parameters go into a request object, a JWT signed with the
client's key (and optionally encrypted to the server's key), which the browser carries as
the ``request`` parameter, or which the client pushes (RFC 9126). The plugin exports
`RequestParameterAuthorizationRequest`; ``AuthorizationRequest.sign()`` and
``sign_and_encrypt()`` reach it through that export, so blocking the plugin blocks them.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Self, cast

import attrs

from o2k_builtins.authorization.model import (
    JSON_PARAMETERS,
    AuthorizationRequest,
    AuthorizationUrl,
    _parameter,
    checked_endpoint,
)
from oauth2kit import EndpointError, InvalidParam, hookimpl, shown
from oauth2kit.jose import (
    JoseError,
    Key,
    KeyLike,
    KeySet,
    encrypt,
    peek_header,
    sign_jwt,
    to_key,
)

if TYPE_CHECKING:
    from oauth2kit import Registry


DEFAULT_LIFETIME: Final = 300
"""Seconds a request object is valid for (its ``exp``) unless ``lifetime=`` says otherwise."""
REQUEST_OBJECT_TYP: Final = "oauth-authz-req+jwt"  # RFC 9101 section 10.8: explicit typing
# Claims the plugin sets itself, and parameters RFC 9101 section 4 forbids inside the JWT.
_RESERVED_CLAIMS: Final = frozenset({"iss", "aud", "iat", "nbf", "exp", "jti"})
_FORBIDDEN_CLAIMS: Final = frozenset({"request", "request_uri"})
# Parameters that the request object's URL carries itself.
_OUTSIDE: Final = frozenset({"client_id", "request", "request_uri"})


class InvalidRequestObject(EndpointError):
    """``invalid_request_object``: the server refused the request object (RFC 9101 6.3).

    Raised by an endpoint that receives one (PAR); at the authorization endpoint the same
    error comes back to the redirect URI, as an ``AuthorizationResponseError``.
    """


MAX_LIFETIME = 365 * 24 * 3600
"""Seconds: the longest a request object is made to live (a year; a server takes minutes)."""


def _checked_lifetime(lifetime: object) -> int:
    if lifetime is None:
        return DEFAULT_LIFETIME
    if (
        not isinstance(lifetime, int)
        or isinstance(lifetime, bool)
        or not 0 < lifetime <= MAX_LIFETIME
    ):
        msg = f"lifetime must be a whole number of seconds from 1 to {MAX_LIFETIME}"
        raise InvalidParam(f"{msg}, got {shown(lifetime)}")
    return lifetime


def _request_object_claims(azr: AuthorizationRequest, lifetime: int) -> dict[str, Any]:
    """The request object's claims: every parameter of `azr`, then the JWT claims.

    ``iss`` is the client, ``aud`` the issuer (when `azr` knows it), ``jti`` fresh.
    JSON-valued parameters (``claims``, ``authorization_details``) go in as JSON values.
    """
    params = azr.args
    if clashes := sorted(params.keys() & (_RESERVED_CLAIMS | _FORBIDDEN_CLAIMS)):
        msg = f"a request object sets {', '.join(clashes)} itself: remove them from the request"
        raise InvalidParam(msg)
    for name in JSON_PARAMETERS & params.keys():
        try:  # a str given as is was never checked to be JSON
            params[name] = json.loads(params[name])
        except (ValueError, RecursionError):
            raise InvalidParam(f"{name} must be JSON to go into a request object") from None
    now = int(time.time())
    claims = {**params, "iss": azr.client_id, "iat": now, "nbf": now, "exp": now + lifetime}
    if azr.issuer is not None:
        claims["aud"] = azr.issuer
    claims["jti"] = secrets.token_urlsafe(24)
    return claims


def _encryption_key(enc_jwk: object, enc_alg: str | None) -> Key:
    """The one key to encrypt to: `enc_jwk` itself, or the key of a set that fits `enc_alg`."""
    if isinstance(enc_jwk, KeySet) or (isinstance(enc_jwk, Mapping) and "keys" in enc_jwk):
        if enc_alg is None:
            raise InvalidParam("pass enc_alg to pick the encryption key from a JWK Set")
        if isinstance(enc_jwk, Mapping):  # a server's set: keys of unknown kinds left out
            return KeySet.from_jwks(enc_jwk, strict=False).select(enc_alg, operation="encrypt")
        return enc_jwk.select(enc_alg, operation="encrypt")
    return to_key(cast("KeyLike", enc_jwk))


@attrs.frozen(init=False, repr=False)
class RequestParameterAuthorizationRequest(AuthorizationUrl):
    """An authorization request by value: a request object in the ``request`` parameter.

    Its `uri` sends the browser to the authorization endpoint with ``client_id``, the
    ``request`` JWT and any extra parameters; ``client.pushed_authorization_request()``
    pushes the same. Build it with ``AuthorizationRequest.sign()`` or
    ``sign_and_encrypt()``, or from a request object of your own. Validate the callback
    with the original `AuthorizationRequest`, which holds the state and the code verifier.

    Raises:
        InvalidParam: `request` is not a compact JWS or JWE, or a parameter is unusable.
    """

    authorization_endpoint: str
    client_id: str
    request: str
    expires_at: datetime | None
    dpop_key: Any
    kwargs: dict[str, Any]

    def __init__(
        self, authorization_endpoint: str, client_id: str, request: str,
        expires_at: datetime | None = None, dpop_key: Any = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        if not isinstance(client_id, str) or not client_id:
            raise InvalidParam("client_id must be a non-empty str")
        try:
            peek_header(request)
        except JoseError as exc:
            raise InvalidParam(f"request must be a compact JWS or JWE: {exc}") from None
        if expires_at is not None and not isinstance(expires_at, datetime):
            raise InvalidParam(f"expires_at must be a datetime, got {type(expires_at).__name__}")
        if clashes := sorted(kwargs.keys() & _OUTSIDE):
            raise InvalidParam(f"{', '.join(clashes)} cannot be extra parameters here")
        self.__attrs_init__(
            checked_endpoint("authorization_endpoint", authorization_endpoint),
            client_id,
            request,
            expires_at,
            dpop_key,
            {name: _parameter(name, value) for name, value in kwargs.items() if value is not None},
        )

    @classmethod
    def from_request(
        cls, azr: AuthorizationRequest, sign_jwk: KeyLike, sign_alg: str | None = None, *,
        lifetime: int | None = None, enc_jwk: KeyLike | KeySet | None = None,
        enc_alg: str | None = None, enc: str = "A128CBC-HS256",
        params: Mapping[str, Any] | None = None,
    ) -> Self:  # fmt: skip
        """Sign `azr` as a request object, encrypted too when `enc_jwk` is given.

        Args:
            azr: the authorization request whose parameters the JWT carries.
            sign_jwk: the client's private key (a JWK, a `Key`, a `cryptography`
                key), or a shared secret for ``HS256``.
            sign_alg: the JWS alg; defaults to the key's ``alg``.
            lifetime: seconds until the request object expires (``exp``); 300 by default.
            enc_jwk: the server's public encryption key, or its JWK Set (then `enc_alg`
                picks the key).
            enc_alg: the JWE key management alg; defaults to the key's ``alg``.
            enc: the JWE content encryption alg.
            params: extra query parameters, sent beside the JWT.

        Raises:
            InvalidParam: an unusable lifetime, or a parameter the JWT sets itself.
            JoseError: (its subclasses) a key that cannot sign or encrypt with that alg.
        """
        lifetime = _checked_lifetime(lifetime)
        claims = _request_object_claims(azr, lifetime)
        request = sign_jwt(claims, sign_jwk, sign_alg, headers={"typ": REQUEST_OBJECT_TYP})
        if enc_jwk is not None:
            key = _encryption_key(enc_jwk, enc_alg)
            # A nested JWT (RFC 7519 section 5.2): the JWE says that it holds one.
            request = encrypt(request.encode(), key, enc_alg, enc, headers={"cty": "JWT"})
        return cls(
            azr.authorization_endpoint,
            azr.client_id,
            request,
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
            dpop_key=azr.dpop_key,
            **(params or {}),
        )

    @property
    def args(self) -> dict[str, Any]:
        """The query parameters of the request."""
        return {"client_id": self.client_id, "request": self.request, **self.kwargs}


@hookimpl
def oauth2kit_register_error_codes(registry: Registry[type[EndpointError]]) -> None:
    """Raise `InvalidRequestObject` for ``invalid_request_object``."""
    registry.add("invalid_request_object", InvalidRequestObject)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `RequestParameterAuthorizationRequest` and `InvalidRequestObject`."""
    for cls in (RequestParameterAuthorizationRequest, InvalidRequestObject):
        registry.add(cls.__name__, cls)
