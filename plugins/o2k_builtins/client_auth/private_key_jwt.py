"""``private_key_jwt``: a JWT signed with the client's private key authenticates the client.

OpenID Connect Core section 9 and RFC 7523 section 2.2. This plugin also exports the base
class and the exceptions that ``client_secret_jwt`` shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.client_auth._assertions import (
    DEFAULT_LIFETIME,
    BaseClientAssertionAuthenticationMethod,
    InvalidClientAssertionSigningKeyOrAlg,
    MissingClientAssertionAudience,
    bind_issuer_audience,
    check_issuer_known,
    default_jti,
)
from oauth2kit import hookimpl
from oauth2kit.jose import SIGNATURE_ALGS, JoseError, Key, KeyLike, to_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from oauth2kit import EndpointCall, OAuth2Client, Registry
    from oauth2kit.hookspecs import ClientAuthFactory

# The algorithm a key implies when neither the caller nor the JWK names one: the curve
# decides for EC and OKP keys; RSA keys get RS256, the algorithm every OpenID Provider has.
_DEFAULT_ALGS = {
    "RSA": "RS256", "P-256": "ES256", "P-384": "ES384", "P-521": "ES512",
    "secp256k1": "ES256K", "Ed25519": "EdDSA",
}  # fmt: skip


def _refused(reason: str) -> InvalidClientAssertionSigningKeyOrAlg:
    return InvalidClientAssertionSigningKeyOrAlg(
        f"private_key_jwt needs an asymmetric private signing key: {reason}"
    )


def signing_key(private_jwk: object, alg: object, kid: object) -> tuple[Key, str]:
    """The key and algorithm that sign the assertions, once checked.

    Raises:
        InvalidClientAssertionSigningKeyOrAlg: see `PrivateKeyJwt`.
    """
    try:
        key = to_key(private_jwk)  # type: ignore[arg-type] # anything: checked there
    except JoseError as exc:
        raise _refused(str(exc)) from None
    if key.kty == "oct":
        raise _refused("this is a symmetric key (use ClientSecretJwt for a client secret)")
    if not key.is_private:
        raise _refused(f"this is a public key ({key!r})")
    chosen = _alg(key, alg)
    if not key.fits(chosen):
        raise _refused(f"{key!r} does not fit alg {chosen!r}")
    return _with_kid(key, kid), chosen


def _alg(key: Key, alg: object) -> str:
    if alg is None:
        alg = key.alg or _DEFAULT_ALGS.get(key.crv or key.kty)
        if alg is None:
            raise _refused(f"a {key.crv or key.kty} key cannot sign")
    elif not isinstance(alg, str):
        raise _refused(f"alg must be a str, got {type(alg).__name__}")
    elif key.alg is not None and key.alg != alg:
        raise _refused(f"the key is for alg {key.alg!r}, not {alg!r}")
    if alg not in SIGNATURE_ALGS or alg.startswith("HS"):
        raise _refused(f"unknown or unsuitable signature alg {alg!r}")
    return alg


def _with_kid(key: Key, kid: object) -> Key:
    if kid is None:
        if key.kid is None:
            raise _refused("it must carry a Key ID: give the JWK a 'kid', or pass kid=")
        return key
    if not isinstance(kid, str) or not kid:
        raise _refused(f"kid must be a non-empty str, got {kid!r}")
    if key.kid is None:
        crypto: Any = key.crypto_key
        return Key(crypto, kid=kid, use=key.use, alg=key.alg, key_ops=key.key_ops)
    if key.kid != kid:
        raise _refused(f"the key's kid is {key.kid!r}, not {kid!r}")
    return key


class PrivateKeyJwt(BaseClientAssertionAuthenticationMethod):
    """Authenticate with a fresh JWT assertion signed with the client's private key.

    The key is parsed and checked once, here; the public half must be registered for the
    client at the authorization server (`public_jwk` gives it).

    Args:
        client_id: the client identifier.
        private_jwk: the private key: a JWK dict, a `cryptography` private key object, or an
            `oauth2kit.jose.Key` (``Key.from_pem`` loads PEM).
        alg: the JWS algorithm. Defaults to the JWK's ``alg``, else to the key type's:
            RS256 for RSA, ES256/ES384/ES512 for P-256/P-384/P-521, ES256K for secp256k1,
            EdDSA for Ed25519. HMAC algorithms are refused.
        lifetime: seconds from ``iat`` to ``exp`` (60).
        jti_gen: makes each assertion's ``jti`` (128 random bits by default).
        aud: the audience; by default the URL the assertion is sent to (the token endpoint).
        kid: the Key ID to send, for a key that has none (a `cryptography` key object).
        issuer_as_audience: send the rfc7523bis form: ``aud`` = the issuer (`aud`, or the
            client's ``issuer``) and ``typ: client-authentication+jwt``.

    Raises:
        InvalidClientAssertionSigningKeyOrAlg: the key is not an asymmetric private key
            that can sign with `alg`, `alg` contradicts the JWK's ``alg``, `alg` is unknown,
            or the key has no Key ID.
        InvalidParam: `lifetime`, `jti_gen` or `aud` is unusable.
    """

    method_name = "private_key_jwt"

    def __init__(
        self,
        client_id: str,
        private_jwk: KeyLike,
        *,
        alg: str | None = None,
        lifetime: int = DEFAULT_LIFETIME,
        jti_gen: Callable[[], str] = default_jti,
        aud: str | None = None,
        kid: str | None = None,
        issuer_as_audience: bool = False,
    ) -> None:
        key, chosen_alg = signing_key(private_jwk, alg, kid)
        super().__init__(
            client_id,
            key=key,
            alg=chosen_alg,
            lifetime=lifetime,
            jti_gen=jti_gen,
            aud=aud,
            issuer_as_audience=issuer_as_audience,
        )
        self.private_jwk = key
        self.kid: str = key.kid  # type: ignore[assignment] # signing_key made sure it has one

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK to register for the client, with ``kid``, ``alg`` and ``use``.

        Without the private key's ``key_ops`` (``sign``, which would keep the public key
        from verifying), as RFC 7517 section 4.3 advises beside ``use``.
        """
        public = {k: v for k, v in self.private_jwk.public_jwk().items() if k != "key_ops"}
        return {**public, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def _identity(self) -> tuple[object, ...]:
        return (*super()._identity(), self.kid, self.private_jwk.thumbprint())


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``private_key_jwt``."""
    registry.add("private_key_jwt", PrivateKeyJwt)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `PrivateKeyJwt`, the assertion methods' base class and their exceptions."""
    registry.add("PrivateKeyJwt", PrivateKeyJwt)
    registry.add("BaseClientAssertionAuthenticationMethod", BaseClientAssertionAuthenticationMethod)
    registry.add("InvalidClientAssertionSigningKeyOrAlg", InvalidClientAssertionSigningKeyOrAlg)
    registry.add("MissingClientAssertionAudience", MissingClientAssertionAudience)


@hookimpl
def oauth2kit_configure_client(client: OAuth2Client) -> None:
    """Refuse a rfc7523bis `PrivateKeyJwt` on a client that has no issuer to send as aud."""
    check_issuer_known(client, PrivateKeyJwt)


@hookimpl
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Give a rfc7523bis `PrivateKeyJwt` the client's issuer as its audience."""
    bind_issuer_audience(call, PrivateKeyJwt)
