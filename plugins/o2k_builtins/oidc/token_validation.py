"""Validating the JWTs a server sends: entry point ``oidc.token_validation``.

Two helpers, exported from the package root:

- `validate_logout_token`, for a client's back-channel logout endpoint (OpenID Connect
  Back-Channel Logout 1.0, section 2.6);
- `validate_jwt_access_token`, for a resource server that receives RFC 9068 JWT access
  tokens (section 4).

Both verify the signature through `oauth2kit.jose`, with explicit keys or with a client's
``authorization_server_keys`` operation (the ``oidc.jwks`` plugin: the server's cached JWKS,
refetched once for an unknown ``kid``), then check the claims, and return them. Each
failed check raises the helper's exception, whose `claim` names the claim at fault.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from oauth2kit import InvalidParam, OAuth2KitError, hookimpl
from oauth2kit.jose import (
    JoseError,
    KeySet,
    KeySetLike,
    TokenExpired,
    TokenNotYetValid,
    check_time_claims,
    peek_header,
    to_key_set,
    verify_jwt,
)

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry


BACKCHANNEL_LOGOUT_EVENT: Final = "http://schemas.openid.net/event/backchannel-logout"
ASYMMETRIC_ALGS: Final = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
"""The algorithms accepted unless ``algs=`` says otherwise (HMAC needs a shared secret)."""
DEFAULT_LEEWAY: Final = 60
"""Seconds of clock difference tolerated on ``exp``, ``nbf`` and ``iat``."""

_LOGOUT_TYPS: Final = frozenset({"logout+jwt", "application/logout+jwt", "jwt"})
_ACCESS_TOKEN_TYPS: Final = frozenset({"at+jwt", "application/at+jwt"})
_LOGOUT_CLAIMS: Final = ("iss", "aud", "iat", "exp", "jti", "events")
_STRING_CLAIMS: Final = ("iss", "sub", "sid", "client_id", "jti")
_ACCESS_TOKEN_CLAIMS: Final = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")


class _InvalidJwt(OAuth2KitError, ValueError):
    """A JWT failed validation; `claim` is the claim at fault (None: signature or format)."""

    def __init__(self, message: str, claim: str | None = None) -> None:
        super().__init__(message)
        self.claim = claim


class InvalidLogoutToken(_InvalidJwt):
    """A back-channel logout token failed validation: do not log anyone out.

    The logout endpoint answers HTTP 400 (Back-Channel Logout 1.0 section 2.8).

    Attributes:
        claim: the claim at fault (``iss``, ``aud``, ``events``, ...), or None for the
            signature, the algorithm or the token's format.
    """


class InvalidJwtAccessToken(_InvalidJwt):
    """An RFC 9068 JWT access token failed validation: refuse the request.

    The resource server answers HTTP 401 with ``error="invalid_token"`` (RFC 6750).

    Attributes:
        claim: the claim at fault (``iss``, ``aud``, ``exp``, ...), or None for the
            signature, the algorithm, the ``typ`` header or the token's format.
    """


def _checked_algs(algs: object) -> tuple[str, ...]:
    if isinstance(algs, str) or not isinstance(algs, Iterable):
        raise InvalidParam("algs must be a collection of JWS algorithm names, not a str")
    checked = tuple(algs)
    if not checked or not all(isinstance(alg, str) and alg != "none" for alg in checked):
        raise InvalidParam("algs must name at least one JWS algorithm, and never 'none'")
    return checked


def _checked_leeway(leeway: object) -> float:
    if isinstance(leeway, bool) or not isinstance(leeway, int | float) or not leeway >= 0:
        raise InvalidParam(f"leeway must be a number of seconds >= 0, got {leeway!r}")
    return leeway


def _key_source(keys: KeySetLike | None, client: OAuth2Client | None) -> KeySet | OAuth2Client:
    """The keys as a `KeySet`, or the client that supplies them per token."""
    if (keys is None) == (client is None):
        raise InvalidParam("pass the server's keys, or a client that knows them: one of the two")
    if client is not None:
        return client
    try:
        return to_key_set(keys)  # type: ignore[arg-type] # not None here
    except JoseError as exc:
        raise InvalidParam(f"keys must be a JWK Set, a JWK or a key: {exc}") from None


def _verified(
    token: object, source: KeySet | OAuth2Client, algs: Collection[str],
    error: type[_InvalidJwt],
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The header and claims of `token`, once its signature verifies with a key of `source`."""
    if not isinstance(token, str | bytes):
        raise error(f"the token must be a compact JWS (a str), got {type(token).__name__}")
    try:
        if isinstance(source, KeySet):
            keys = source
        else:
            kid = peek_header(token).get("kid")
            keys = source.run(
                "authorization_server_keys", kid=kid if isinstance(kid, str) else None
            )
        header, claims, _ = verify_jwt(token, keys, algs)
    except JoseError as exc:
        raise error(f"the token does not verify: {exc}") from exc
    return header, claims


def _check_types(
    claims: Mapping[str, Any], required: Iterable[str], error: type[_InvalidJwt]
) -> None:
    """The `required` claims are there, and the registered claims have their JSON types."""
    for name in required:
        if claims.get(name) is None:
            raise error(f"the {name!r} claim is missing", name)
    for name in _STRING_CLAIMS:
        if name in claims and (not isinstance(claims[name], str) or not claims[name]):
            raise error(f"the {name!r} claim is not a non-empty string", name)
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise error(f"the {name!r} claim is not a number", name)


def _check_claims(
    claims: Mapping[str, Any], *, required: Iterable[str], issuer: str,
    audiences: Collection[str], leeway: float, error: type[_InvalidJwt],
) -> None:  # fmt: skip
    """The checks both tokens share: presence, ``iss``, ``aud`` and the time claims."""
    _check_types(claims, required, error)
    if claims["iss"] != issuer:
        raise error(f"mismatching 'iss': received {claims['iss']!r}, expected {issuer!r}", "iss")
    aud = claims["aud"]
    received = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(audience in received for audience in audiences):
        expected = ", ".join(repr(audience) for audience in audiences)
        raise error(f"mismatching 'aud': received {aud!r}, expected {expected}", "aud")
    now = time.time()
    # iat first, so that the facade's own iat check (a TokenNotYetValid too) never fires
    # here and the error names the claim that failed.
    if isinstance(claims["iat"], int | float) and claims["iat"] > now + leeway:
        raise error(f"the token was issued in the future (iat {claims['iat']})", "iat")
    try:
        check_time_claims(claims, leeway=leeway, now=now)
    except TokenExpired as exc:
        raise error(str(exc), "exp") from None
    except TokenNotYetValid as exc:
        raise error(str(exc), "nbf") from None


def validate_logout_token(
    token: str | bytes, *, issuer: str | None = None, client_id: str | None = None,
    keys: KeySetLike | None = None, client: OAuth2Client | None = None,
    algs: Iterable[str] = ASYMMETRIC_ALGS, leeway: float = DEFAULT_LEEWAY,
) -> dict[str, Any]:  # fmt: skip
    """Validate a back-channel logout token and return its claims.

    The checks of Back-Channel Logout 1.0 section 2.6: the signature (with an alg of
    `algs`, by a key of the server), ``typ`` (``logout+jwt`` when present), ``iss``,
    ``aud`` (contains `client_id`), ``iat``, ``exp``, a ``jti``, the back-channel logout
    event in ``events``, a ``sub`` or a ``sid``, and no ``nonce`` (so that an ID token is
    never taken for a logout token). Log out the sessions of the returned ``sid`` (or of
    ``sub``), and refuse a ``jti`` seen before to stop replays.

    Args:
        token: the ``logout_token`` form field the server POSTed.
        issuer: the expected issuer; defaults to the client's.
        client_id: this client's id; defaults to the client's.
        keys: the server's keys (a JWK Set dict, a `KeySet`, a JWK, ...).
        client: instead of `keys`, a client whose ``authorization_server_keys``
            operation supplies them.
        algs: the JWS algorithms accepted.
        leeway: seconds of clock difference tolerated.

    Raises:
        InvalidLogoutToken: a check failed; its `claim` says which.
        InvalidParam: the arguments are unusable (no keys, no issuer, ...).
        OAuth2KitError: (a subclass) with `client`, what its ``authorization_server_keys``
            raises: no ``jwks_uri``, a failed fetch, ...
    """
    algs = _checked_algs(algs)
    leeway = _checked_leeway(leeway)
    source = _key_source(keys, client)
    issuer = issuer if issuer is not None else getattr(client, "issuer", None)
    client_id = client_id if client_id is not None else getattr(client, "client_id", None)
    if not isinstance(issuer, str) or not isinstance(client_id, str):
        raise InvalidParam("pass issuer= and client_id=, or a client that has both")
    header, claims = _verified(token, source, algs, InvalidLogoutToken)
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _LOGOUT_TYPS):
        raise InvalidLogoutToken(f"a logout token is typed logout+jwt, this one {typ!r}")
    _check_claims(
        claims, required=_LOGOUT_CLAIMS, issuer=issuer, audiences=(client_id,),
        leeway=leeway, error=InvalidLogoutToken,
    )  # fmt: skip
    events = claims["events"]
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        msg = f"the 'events' claim has no {BACKCHANNEL_LOGOUT_EVENT!r} member with an object"
        raise InvalidLogoutToken(msg, "events")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token must not have a 'nonce' claim", "nonce")
    if "sub" not in claims and "sid" not in claims:
        raise InvalidLogoutToken("a logout token has a 'sub' or a 'sid' claim", "sid")
    return claims


def validate_jwt_access_token(
    token: str | bytes, *, audience: str | Iterable[str], issuer: str | None = None,
    keys: KeySetLike | None = None, client: OAuth2Client | None = None,
    algs: Iterable[str] = ASYMMETRIC_ALGS, leeway: float = DEFAULT_LEEWAY,
) -> dict[str, Any]:  # fmt: skip
    """Validate an RFC 9068 JWT access token and return its claims.

    The checks of RFC 9068 section 4: the ``typ`` header (``at+jwt``), the signature
    (with an alg of `algs`, by a key of the server), ``iss``, ``aud`` (contains
    `audience`), ``exp``, ``iat`` and ``nbf``, and the claims the profile requires
    (``sub``, ``client_id``, ``jti``). The scope, roles and other authorization claims
    are in the returned claims, for the resource server to check against the request.

    Args:
        token: the access token from the ``Authorization`` header.
        audience: this resource server's identifier, or several (any one will do).
        issuer: the expected issuer; defaults to the client's.
        keys: the server's keys (a JWK Set dict, a `KeySet`, a JWK, ...).
        client: instead of `keys`, a client whose ``authorization_server_keys``
            operation supplies them.
        algs: the JWS algorithms accepted.
        leeway: seconds of clock difference tolerated.

    Raises:
        InvalidJwtAccessToken: a check failed; its `claim` says which.
        InvalidParam: the arguments are unusable (no keys, no issuer, ...).
        OAuth2KitError: (a subclass) with `client`, what its ``authorization_server_keys``
            raises: no ``jwks_uri``, a failed fetch, ...
    """
    audiences = (audience,) if isinstance(audience, str) else tuple(audience)
    if not audiences or not all(isinstance(item, str) and item for item in audiences):
        raise InvalidParam("audience must be a non-empty str, or several")
    algs = _checked_algs(algs)
    leeway = _checked_leeway(leeway)
    source = _key_source(keys, client)
    issuer = issuer if issuer is not None else getattr(client, "issuer", None)
    if not isinstance(issuer, str):
        raise InvalidParam("pass issuer=, or a client that has one")
    header, claims = _verified(token, source, algs, InvalidJwtAccessToken)
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in _ACCESS_TOKEN_TYPS:
        raise InvalidJwtAccessToken(f"an RFC 9068 access token is typed at+jwt, this one {typ!r}")
    _check_claims(
        claims, required=_ACCESS_TOKEN_CLAIMS, issuer=issuer, audiences=audiences,
        leeway=leeway, error=InvalidJwtAccessToken,
    )  # fmt: skip
    return claims


EXPORTS: Final = (
    InvalidLogoutToken, InvalidJwtAccessToken, validate_logout_token, validate_jwt_access_token,
)  # fmt: skip


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the two helpers and their exceptions from the package root."""
    for value in EXPORTS:
        registry.add(value.__name__, value)
