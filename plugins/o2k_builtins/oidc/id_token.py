"""ID tokens and their validation (OpenID Connect Core 3.1.3.7): entry point ``oidc.id_token``.

`IdToken` is the compact ID token (a `str`) with its header and claims, not verified. The
operation ``validate_id_token(token=, azr=)``, behind ``BearerToken.validate_id_token()``
and run by the authorization code grant for every `AuthorizationResponse`, checks, in order:

1. encryption as registered (``id_token_encrypted_response_alg``), then decryption with
   ``id_token_decryption_key``;
2. the alg, which must be ``id_token_signed_response_alg`` (RS256 by default; ``none`` is
   never accepted), and the signature: with the server's keys (operation
   ``authorization_server_keys``, chosen by ``kid``, fetched again once for an unknown one)
   or, for HS256/384/512, with the client secret;
3. ``iss``: equal to the expected issuer, from the ``oauth2kit_expected_issuer`` hook, else
   the authorization response's (RFC 9207), else the client's ``issuer``; there must be one;
4. ``sub`` present; ``aud`` contains the client_id; ``azp`` is the client_id, and required
   when there are several audiences;
5. ``exp`` and ``iat`` present, ``exp``, ``nbf`` and ``iat`` against the clock, with the
   ``jwt_leeway`` setting (or the call's ``exp_leeway``, whichever is larger) for clock skew;
6. with an authorization response: ``nonce`` equal to the request's, ``acr`` among the
   requested ``acr_values``, ``auth_time`` within ``max_age`` (+ ``auth_time_leeway``);
7. ``at_hash``, ``c_hash`` and ``s_hash`` when present;
8. the ``oauth2kit_validate_id_token`` hook, for other plugins' own checks.

Each failure raises its own `InvalidIdToken` subclass. The result is the token with its ID
token as a verified (and decrypted) `IdToken`.
"""

from __future__ import annotations

import threading
import time
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Self

from o2k_builtins.authorization.model import AuthorizationResponse
from o2k_builtins.oidc.errors import (
    ExpiredIdToken,
    InvalidIdToken,
    InvalidIdTokenSignature,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MissingIdToken,
    MissingIdTokenEncryptedResponseAlgParam,
    UnsupportedIdTokenAlg,
)
from o2k_builtins.oidc.jwks import verified_by_server
from oauth2kit import BearerToken, InvalidParam, MissingEndpointUri, Setting, hookimpl, jose

if TYPE_CHECKING:
    from collections.abc import Mapping

    from oauth2kit import OAuth2Client, Registry

DEFAULT_SIGNING_ALG: Final = "RS256"  # OpenID Connect Registration's default
DEFAULT_ENC: Final = "A128CBC-HS256"  # ditto, for id_token_encrypted_response_enc
_JWS_DOTS, _JWE_DOTS = 2, 4


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


class IdToken(str):  # noqa: SLOT000 - its header and claims live in its __dict__
    """An ID token: its compact JWS (this `str`), with its header and claims, NOT verified.

    Built from a compact JWS; validation (``validate_id_token``) returns tokens whose
    ``id_token`` is a verified `IdToken`. Standard claims are properties (None when
    absent); any other claim reads as an attribute, or with `get_claim`. `repr()` never
    shows the token.

    Raises:
        InvalidIdToken: the value is not a compact JWS with a JSON object header and claims
            (an encrypted ID token is decrypted by validation, not here).
    """

    claims: Mapping[str, Any]
    headers: Mapping[str, Any]

    def __new__(cls, value: str | bytes, *, max_size: int = jose.MAX_TOKEN_SIZE) -> Self:  # noqa: D102 - the class says it
        if isinstance(value, bytes):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                raise InvalidIdToken("token is neither a JWT or a JWE: not ASCII") from None
        if not isinstance(value, str):
            raise InvalidIdToken(f"an ID token is a str, got {type(value).__name__}")
        if value.count(".") != _JWS_DOTS:
            kind = "an encrypted (JWE) one" if value.count(".") == _JWE_DOTS else "neither"
            raise InvalidIdToken(f"token is not a signed JWT ({kind}): it needs validation")
        try:
            headers = jose.peek_header(value, max_size=max_size)
            claims = jose.unverified_claims(value, max_size=max_size)
        except jose.JoseError as exc:
            raise InvalidIdToken(f"token is neither a JWT or a JWE: {exc}") from None
        return cls._parsed(value, headers, claims)

    @classmethod
    def _parsed(cls, value: str, headers: dict[str, Any], claims: dict[str, Any]) -> Self:
        self = str.__new__(cls, value)
        # Plain dicts, typed read-only: they are built for this token and shared with no one.
        self.__dict__["headers"] = headers
        self.__dict__["claims"] = claims
        return self

    # --- header ---------------------------------------------------------------------------

    @property
    def alg(self) -> str | None:
        """The signature algorithm (header ``alg``)."""
        return self.headers.get("alg")

    @property
    def kid(self) -> str | None:
        """The signing key's id (header ``kid``)."""
        return self.headers.get("kid")

    def get_header(self, name: str, default: Any = None) -> Any:
        """Header member `name`, or `default`."""
        return self.headers.get(name, default)

    # --- claims ---------------------------------------------------------------------------

    def get_claim(self, name: str, default: Any = None) -> Any:
        """Claim `name`, or `default`."""
        return self.claims.get(name, default)

    @property
    def issuer(self) -> str | None:
        """``iss``."""
        return self.claims.get("iss")

    iss = issuer

    @property
    def subject(self) -> str | None:
        """``sub``."""
        return self.claims.get("sub")

    sub = subject

    @property
    def audiences(self) -> list[str]:
        """``aud`` as a list (empty when absent)."""
        aud = self.claims.get("aud")
        return [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []

    @property
    def aud(self) -> Any:
        """``aud`` as sent: a str or a list."""
        return self.claims.get("aud")

    @property
    def nonce(self) -> str | None:
        """``nonce``."""
        return self.claims.get("nonce")

    @property
    def acr(self) -> str | None:
        """``acr``: the authentication context class reference."""
        return self.claims.get("acr")

    @property
    def amr(self) -> list[str] | None:
        """``amr``: the authentication methods references."""
        return self.claims.get("amr")

    @property
    def azp(self) -> str | None:
        """``azp``: the authorized party."""
        return self.claims.get("azp")

    authorized_party = azp

    @property
    def jwt_token_id(self) -> str | None:
        """``jti``."""
        return self.claims.get("jti")

    jti = jwt_token_id

    @property
    def exp(self) -> Any:
        """``exp``, as sent (seconds since the epoch)."""
        return self.claims.get("exp")

    @property
    def iat(self) -> Any:
        """``iat``, as sent."""
        return self.claims.get("iat")

    @property
    def nbf(self) -> Any:
        """``nbf``, as sent."""
        return self.claims.get("nbf")

    @property
    def auth_time(self) -> Any:
        """``auth_time``, as sent."""
        return self.claims.get("auth_time")

    @property
    def expires_at(self) -> datetime | None:
        """``exp`` as an aware datetime."""
        return _epoch(self.exp)

    @property
    def issued_at(self) -> datetime | None:
        """``iat`` as an aware datetime."""
        return _epoch(self.iat)

    @property
    def not_before(self) -> datetime | None:
        """``nbf`` as an aware datetime."""
        return _epoch(self.nbf)

    @property
    def auth_datetime(self) -> datetime | None:
        """``auth_time`` as an aware datetime."""
        return _epoch(self.auth_time)

    @property
    def value(self) -> bytes:
        """The compact form as bytes."""
        return self.encode("ascii")

    def is_expired(self, leeway: float = 0) -> bool | None:
        """Whether ``exp`` is past, `leeway` seconds tolerated; None without a usable ``exp``."""
        exp = self.exp
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return None
        return time.time() >= exp + leeway

    def __getattr__(self, name: str) -> Any:
        """Any other claim, as an attribute."""
        if name.startswith("_") or name in ("claims", "headers"):
            raise AttributeError(name)
        try:
            return self.claims[name]
        except KeyError:
            raise AttributeError(f"the ID token has no {name!r} claim") from None

    def __repr__(self) -> str:
        """The token's alg, kid and issuer, never the token."""
        return f"IdToken(alg={self.alg!r}, kid={self.kid!r}, iss={self.issuer!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the compact form, parsed again when loaded."""
        return (type(self), (str(self),))


# --- configuration, checked once per client ----------------------------------------------


class _Config(NamedTuple):
    alg: str
    enc_alg: str | None
    enc: str
    decryption_key: jose.Key | None
    leeway: float


_configs: weakref.WeakKeyDictionary[OAuth2Client, _Config] = weakref.WeakKeyDictionary()
_configs_lock = threading.Lock()


def _config(client: OAuth2Client) -> _Config:
    config = _configs.get(client)
    if config is None:
        key: jose.Key | None = client.setting("id_token_decryption_key")
        enc_alg = client.setting("id_token_encrypted_response_alg")
        if enc_alg is None and key is not None:
            enc_alg = key.alg
        config = _Config(
            client.setting("id_token_signed_response_alg"),
            enc_alg,
            client.setting("id_token_encrypted_response_enc"),
            key,
            client.setting("jwt_leeway"),
        )
        with _configs_lock:
            _configs[client] = config
    return config


def client_secret_key(client: OAuth2Client, jws: str) -> jose.Key | None:
    """The client secret as the HMAC key of HS256/384/512 tokens, or None without one.

    It carries the token's ``kid``, if any: the secret is the one key, whatever a server
    names it.
    """
    secret = client.client_secret
    if secret is None:
        return None
    try:
        kid = jose.peek_header(jws).get("kid")
    except jose.JoseError:
        kid = None
    return jose.Key(secret, kid=kid if isinstance(kid, str) else None)


# --- validation ----------------------------------------------------------------------------


def _decrypted(config: _Config, raw: str, token: BearerToken) -> str:
    if config.decryption_key is None or config.enc_alg is None:
        raise InvalidIdToken("the client does not have a decryption key", raw, token)
    try:
        header, plaintext, _ = jose.decrypt(
            raw, config.decryption_key, (config.enc_alg,), (config.enc,)
        )
    except jose.AlgorithmNotAllowed:
        header = _header_or_none(raw)
        received = (header.get("alg"), header.get("enc"))
        raise MismatchingIdTokenAlg(received, (config.enc_alg, config.enc), token, raw) from None
    except jose.JoseError as exc:
        raise InvalidIdToken(
            f"the encrypted ID token does not decrypt: {exc}", raw, token
        ) from None
    try:
        return plaintext.decode("ascii")
    except UnicodeDecodeError:
        msg = f"the encrypted ID token holds no signed JWT ({header.get('cty')!r})"
        raise InvalidIdToken(msg, raw, token) from None


def _header_or_none(raw: str) -> dict[str, Any]:
    try:
        return jose.peek_header(raw)
    except jose.JoseError:
        return {}


def _verified(client: OAuth2Client, config: _Config, jws: str, token: BearerToken) -> IdToken:
    """Verify the signature (with the right key) and return the verified `IdToken`."""
    alg = config.alg
    keys = None
    if alg.startswith("HS"):
        try:
            keys = client_secret_key(client, jws)
        except jose.JoseError as exc:
            msg = f"the client secret is not an HMAC key: {exc}"
            raise InvalidIdToken(msg, jws, token) from None
        if keys is None:
            msg = "the ID token is signed with HS*, but the client does not have a Client Secret"
            raise InvalidIdToken(msg, jws, token)
    try:
        header, claims, _ = verified_by_server(client, jws, (alg,), keys)
    except MissingEndpointUri:
        msg = (
            "Authorization Server JWKS is not available: set jwks_uri or authorization_server_jwks"
        )
        raise InvalidIdToken(msg, jws, token) from None
    except jose.JoseError as exc:
        raise _signature_error(exc, alg, jws, token) from None
    return IdToken._parsed(jws, header, claims)  # noqa: SLF001 - this module's own class


def _signature_error(exc: jose.JoseError, alg: str, jws: str, token: BearerToken) -> InvalidIdToken:
    """The seed's exception for what the facade refused."""
    if isinstance(exc, jose.AlgorithmNotAllowed):
        received = _header_or_none(jws).get("alg")
        if received == "none" or received not in jose.SIGNATURE_ALGS:
            return UnsupportedIdTokenAlg(token, jws, received)
        return MismatchingIdTokenAlg(received, alg, token, jws)
    if isinstance(exc, jose.UnsupportedAlgorithm):
        return UnsupportedIdTokenAlg(token, jws, str(exc))
    if isinstance(exc, jose.InvalidSegments) and jws.count(".") == _JWE_DOTS:
        return InvalidIdToken("token is encrypted while it should be clear-text", jws, token)
    if isinstance(exc, jose.InvalidSignature):
        return InvalidIdTokenSignature(f"the ID token's signature is invalid: {exc}", jws, token)
    if isinstance(exc, jose.AmbiguousKey):
        msg = f"the ID token does not contain a Key ID, and several keys fit: {exc}"
    elif isinstance(exc, jose.KeyNotFound):
        kid = _header_or_none(jws).get("kid")
        msg = f"no key\nwith kid={kid!r} in the Authorization Server JWKS"
    elif isinstance(exc, jose.KeyTypeMismatch):
        msg = f"the ID token's algorithm is not supported by the verification key: {exc}"
    else:
        msg = f"token is neither a JWT or a JWE: {exc}"
    return InvalidIdToken(msg, jws, token)


def _check_claims(
    client: OAuth2Client,
    id_token: IdToken,
    token: BearerToken,
    azr: AuthorizationResponse | None,
    leeway: float,
) -> None:
    """Steps 3 to 5: who issued the ID token, to whom, about whom, and when (`_check_times`)."""
    claims = id_token.claims
    received = claims.get("iss")
    expected: str | None = client.plugins.call(
        "oauth2kit_expected_issuer",
        client.disabled_plugins,
        client=client,
        received=received if type(received) is str else None,
    )
    if expected is None:
        expected = (azr.issuer if azr is not None else None) or client.issuer
        if expected is None:
            msg = "no issuer to check the ID token's 'iss' against: configure the client's issuer"
            raise InvalidIdToken(msg, id_token, token)
    if received != expected:
        raise MismatchingIdTokenIssuer(received, expected, token, id_token)
    sub = claims.get("sub")
    if type(sub) is not str or not sub:
        raise InvalidIdToken("the ID token has no 'sub' claim", id_token, token)
    client_id = client.client_id
    aud = claims.get("aud")
    if aud != client_id:  # the common case: one audience, the client
        audiences = aud if type(aud) is list else ()
        if client_id not in audiences:
            raise MismatchingIdTokenAudience(aud, client_id, token, id_token)
        if claims.get("azp") is None and len(audiences) > 1:
            raise MismatchingIdTokenAzp(None, client_id, token, id_token)
    azp = claims.get("azp")
    if azp is not None and azp != client_id:
        raise MismatchingIdTokenAzp(azp, client_id, token, id_token)
    _check_times(claims, id_token, token, leeway)


def _check_times(
    claims: Mapping[str, Any], id_token: IdToken, token: BearerToken, leeway: float
) -> None:
    # Any: each is checked to be a number before it is compared.
    exp: Any = claims.get("exp")
    iat: Any = claims.get("iat")
    nbf: Any = claims.get("nbf")
    if type(exp) not in _NUMBERS or type(iat) not in _NUMBERS:
        msg = "the ID token's 'exp' and 'iat' claims must be present, as numbers"
        raise InvalidIdToken(msg, id_token, token)
    now = time.time()
    if now >= exp + leeway:
        raise ExpiredIdToken(token, id_token)
    if iat > now + leeway:
        raise InvalidIdToken("the ID token's 'iat' is in the future", id_token, token)
    if nbf is not None and (type(nbf) not in _NUMBERS or now < nbf - leeway):
        raise InvalidIdToken("the ID token is not valid yet ('nbf')", id_token, token)


_NUMBERS: Final = (int, float)  # types exactly: a bool is no timestamp


def _check_request(
    id_token: IdToken, token: BearerToken, azr: AuthorizationResponse, auth_time_leeway: float
) -> None:
    """Step 6: what the authorization request asked for."""
    claims = id_token.claims
    if azr.nonce is not None and claims.get("nonce") != azr.nonce:
        raise MismatchingIdTokenNonce(claims.get("nonce"), azr.nonce, token, id_token)
    if azr.acr_values is not None and claims.get("acr") not in azr.acr_values:
        raise MismatchingIdTokenAcr(claims.get("acr"), azr.acr_values, token, id_token)
    if azr.max_age is not None:
        auth_time: Any = claims.get("auth_time")
        if type(auth_time) not in _NUMBERS:
            msg = "max_age was requested, but the ID token does not contain an `auth_time` claim"
            raise InvalidIdToken(msg, id_token, token)
        if time.time() > auth_time + azr.max_age + auth_time_leeway:
            msg = f"the user authenticated longer than max_age={azr.max_age}s ago (auth_time)"
            raise InvalidIdToken(msg, id_token, token)


def _check_hashes(id_token: IdToken, token: BearerToken, azr: AuthorizationResponse | None) -> None:
    """Step 7: the hashes of the access token, the code and the state, when present."""
    claims = id_token.claims
    if "at_hash" in claims:
        _check_hash(id_token, token, "at_hash", token.access_token)
    if "c_hash" in claims:
        _check_hash(id_token, token, "c_hash", None if azr is None else azr.code)
    if "s_hash" in claims:
        if azr is None or azr.state is None:
            msg = "the ID token has an 's_hash', but no state was included in the request"
            raise InvalidIdToken(msg, id_token, token)
        _check_hash(id_token, token, "s_hash", azr.state)


def _check_hash(id_token: IdToken, token: BearerToken, name: str, value: str | None) -> None:
    received = id_token.claims.get(name)
    if received is None:
        return
    if value is None:
        raise InvalidIdToken(
            f"the ID token has a {name!r}, but nothing to check it on", id_token, token
        )
    if received != jose.token_hash(value, str(id_token.alg)):
        raise InvalidIdToken(f"mismatching {name!r} value", id_token, token)


def _with_id_token(token: BearerToken, id_token: IdToken) -> BearerToken:
    """`token` with its ID token replaced by `id_token` (the same token type, DPoP too)."""
    if token.id_token is id_token:
        return token
    # Tokens are immutable to users; a copy that differs only by the parsed (or decrypted)
    # ID token keeps every subclass's own state (a DPoP key) without knowing about it. Set
    # one attribute at a time, in the original's order: a copy made through its __dict__
    # would read its attributes slower ever after, on the per-request path.
    validated = object.__new__(type(token))
    for name, value in vars(token).items():
        object.__setattr__(validated, name, id_token if name == "id_token" else value)
    return validated


def _check_seconds(**values: object) -> None:
    for name, value in values.items():
        if type(value) not in _NUMBERS or value < 0:  # type: ignore[operator] # a number here
            raise InvalidParam(f"{name} must be a number of seconds >= 0, got {value!r}")


def validate_id_token(
    client: OAuth2Client,
    token: BearerToken,
    azr: AuthorizationResponse | None = None,
    exp_leeway: float = 0,
    auth_time_leeway: float = 10,
) -> BearerToken:
    """The operation: validate `token`'s ID token; return the token with it as an `IdToken`.

    Args:
        client: the client the ID token was issued to.
        token: the token response that carries the ID token.
        azr: the authorization response the token was obtained with, for the checks of
            the request's ``nonce``, ``acr_values``, ``max_age``, code and state.
        exp_leeway: seconds of clock skew to tolerate, if more than the ``jwt_leeway``
            setting.
        auth_time_leeway: seconds to tolerate beyond ``max_age``.

    Raises:
        InvalidIdToken: (or the subclass of the failed check) the ID token is not valid.
        InvalidParam: the arguments are of the wrong types.
    """
    if not isinstance(token, BearerToken):
        raise InvalidParam(f"token must be a BearerToken, got {type(token).__name__}")
    if azr is not None and not isinstance(azr, AuthorizationResponse):
        raise InvalidParam(f"azr must be an AuthorizationResponse, got {type(azr).__name__}")
    if exp_leeway != 0 or auth_time_leeway != 10:  # noqa: PLR2004 - the defaults need no check
        _check_seconds(exp_leeway=exp_leeway, auth_time_leeway=auth_time_leeway)
    raw = token.id_token
    if raw is None:
        raise MissingIdToken(token)
    config = _configs.get(client) or _config(client)
    if config.enc_alg is None:
        jws = raw  # a JWE is refused by the signature check, which parses it anyway
    elif raw.count(".") == _JWE_DOTS:
        jws = _decrypted(config, raw, token)
    else:
        raise InvalidIdToken("token is clear-text while it should be encrypted", raw, token)
    id_token = _verified(client, config, jws, token)
    leeway = max(config.leeway, exp_leeway)
    _check_claims(client, id_token, token, azr, leeway)
    if azr is not None:
        _check_request(id_token, token, azr, auth_time_leeway)
    _check_hashes(id_token, token, azr)
    client.plugins.call(
        "oauth2kit_validate_id_token",
        client.disabled_plugins,
        client=client,
        claims=id_token.claims,
        headers=id_token.headers,
        token=token,
    )
    return _with_id_token(token, id_token)


# --- settings --------------------------------------------------------------------------


def checked_signing_alg(client: OAuth2Client, alg: object) -> str:  # noqa: ARG001 - a Setting converter
    """Check ``id_token_signed_response_alg``: a JWS algorithm, never ``none``."""
    if not isinstance(alg, str) or alg not in jose.SIGNATURE_ALGS:
        known = ", ".join(jose.SIGNATURE_ALGS)
        raise InvalidParam(f"id_token_signed_response_alg must be one of {known}, got {alg!r}")
    return alg


def checked_key_management_alg(client: OAuth2Client, alg: object) -> str:  # noqa: ARG001 - a Setting converter
    """Check ``id_token_encrypted_response_alg``: a JWE key management algorithm."""
    if not isinstance(alg, str) or alg not in jose.KEY_MANAGEMENT_ALGS:
        known = ", ".join(jose.KEY_MANAGEMENT_ALGS)
        raise InvalidParam(f"id_token_encrypted_response_alg must be one of {known}, got {alg!r}")
    return alg


def checked_enc(client: OAuth2Client, enc: object) -> str:  # noqa: ARG001 - a Setting converter
    """Check ``id_token_encrypted_response_enc``: a JWE content encryption algorithm."""
    if not isinstance(enc, str) or enc not in jose.CONTENT_ENCRYPTION_ALGS:
        known = ", ".join(jose.CONTENT_ENCRYPTION_ALGS)
        raise InvalidParam(f"id_token_encrypted_response_enc must be one of {known}, got {enc!r}")
    return enc


def checked_decryption_key(client: OAuth2Client, key: object) -> jose.Key:  # noqa: ARG001 - a Setting converter
    """Check ``id_token_decryption_key``: a private (or symmetric) key, parsed once."""
    try:
        parsed = jose.to_key(key)  # type: ignore[arg-type] # checked there
    except jose.JoseError as exc:
        raise InvalidParam(f"id_token_decryption_key is not usable: {exc}") from None
    if not parsed.is_private:
        raise InvalidParam("id_token_decryption_key must be a private key, not a public one")
    return parsed


def checked_leeway(client: OAuth2Client, leeway: object) -> float:  # noqa: ARG001 - a Setting converter
    """Check ``jwt_leeway``: seconds >= 0."""
    if isinstance(leeway, bool) or not isinstance(leeway, int | float) or not 0 <= leeway < 3600:  # noqa: PLR2004
        raise InvalidParam(f"jwt_leeway must be seconds, >= 0 and under an hour, got {leeway!r}")
    return float(leeway)


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The ID token settings, named as in OpenID Connect Dynamic Client Registration."""
    registry.add(
        "id_token_signed_response_alg",
        Setting(default=DEFAULT_SIGNING_ALG, convert=checked_signing_alg),
    )
    registry.add("id_token_encrypted_response_alg", Setting(convert=checked_key_management_alg))
    registry.add(
        "id_token_encrypted_response_enc", Setting(default=DEFAULT_ENC, convert=checked_enc)
    )
    registry.add("id_token_decryption_key", Setting(convert=checked_decryption_key))
    registry.add("jwt_leeway", Setting(default=0.0, convert=checked_leeway))


@hookimpl
def oauth2kit_configure_client(client: OAuth2Client) -> None:
    """Check that the encryption settings fit together, once the client has them all."""
    settings = client.settings
    key: jose.Key | None = settings.get("id_token_decryption_key")
    alg = settings.get("id_token_encrypted_response_alg")
    if key is None:
        if alg is not None or "id_token_encrypted_response_enc" in settings:
            msg = "encrypted ID tokens need an id_token_decryption_key to decrypt them"
            raise InvalidParam(msg)
        return
    alg = alg or key.alg
    if alg is None:
        raise MissingIdTokenEncryptedResponseAlgParam
    if alg not in jose.KEY_MANAGEMENT_ALGS or not key.fits(alg):
        raise InvalidParam(f"id_token_decryption_key does not fit {alg!r}")


@hookimpl
def oauth2kit_register_operations(registry: Registry[Any]) -> None:
    """Register ``validate_id_token``."""
    registry.add("validate_id_token", validate_id_token)


EXPORTS: tuple[type, ...] = (
    IdToken,
    InvalidIdToken,
    MissingIdToken,
    InvalidIdTokenSignature,
    UnsupportedIdTokenAlg,
    ExpiredIdToken,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenNonce,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MissingIdTokenEncryptedResponseAlgParam,
)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `IdToken` and the ID token exceptions."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)
