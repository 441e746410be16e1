"""``client_secret_jwt``: a JWT signed with the client secret (HMAC) authenticates the client.

OpenID Connect Core section 9 and RFC 7523 section 2.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from o2k_builtins.client_auth._assertions import (
    DEFAULT_LIFETIME,
    BaseClientAssertionAuthenticationMethod,
    InvalidClientAssertionSigningKeyOrAlg,
    bind_issuer_audience,
    check_issuer_known,
    default_jti,
)
from oauth2kit import hookimpl
from oauth2kit.jose import JoseError, Key

if TYPE_CHECKING:
    from collections.abc import Callable

    from oauth2kit import EndpointCall, OAuth2Client, Registry
    from oauth2kit.hookspecs import ClientAuthFactory

HMAC_ALGS = ("HS256", "HS384", "HS512")


class ClientSecretJwt(BaseClientAssertionAuthenticationMethod):
    """Authenticate with a fresh JWT assertion signed with the client secret.

    Args:
        client_id: the client identifier.
        client_secret: the client secret; its UTF-8 bytes are the HMAC key.
        lifetime: seconds from ``iat`` to ``exp`` (60).
        alg: ``HS256`` (the default), ``HS384`` or ``HS512``.
        jti_gen: makes each assertion's ``jti`` (128 random bits by default).
        aud: the audience; by default the URL the assertion is sent to (the token endpoint).
        issuer_as_audience: send the rfc7523bis form: ``aud`` = the issuer (`aud`, or the
            client's ``issuer``) and ``typ: client-authentication+jwt``.

    Raises:
        UnsupportedClientCredentials: the secret is not a non-empty str.
        InvalidClientAssertionSigningKeyOrAlg: `alg` is not an HMAC algorithm, or the
            secret is a PEM or OpenSSH key (an asymmetric key is never an HMAC secret).
        InvalidParam: `lifetime`, `jti_gen` or `aud` is unusable.
    """

    method_name = "client_secret_jwt"

    def __init__(  # noqa: PLR0917 - the seed's signature
        self,
        client_id: str,
        client_secret: str,
        lifetime: int = DEFAULT_LIFETIME,
        alg: str = "HS256",
        jti_gen: Callable[[], str] = default_jti,
        aud: str | None = None,
        *,
        issuer_as_audience: bool = False,
    ) -> None:
        secret = self.checked_secret(client_secret)
        if alg not in HMAC_ALGS:
            msg = f"client_secret_jwt signs with one of {', '.join(HMAC_ALGS)}, not {alg!r}"
            raise InvalidClientAssertionSigningKeyOrAlg(msg)
        try:
            key = Key(secret)
        except JoseError as exc:
            raise InvalidClientAssertionSigningKeyOrAlg(f"unusable client secret: {exc}") from None
        super().__init__(
            client_id,
            key=key,
            alg=alg,
            lifetime=lifetime,
            jti_gen=jti_gen,
            aud=aud,
            issuer_as_audience=issuer_as_audience,
        )
        self.client_secret = secret

    def _identity(self) -> tuple[object, ...]:
        return (*super()._identity(), self.client_secret)


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``client_secret_jwt``."""
    registry.add("client_secret_jwt", ClientSecretJwt)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `ClientSecretJwt` from the package root."""
    registry.add("ClientSecretJwt", ClientSecretJwt)


@hookimpl
def oauth2kit_configure_client(client: OAuth2Client) -> None:
    """Refuse a rfc7523bis `ClientSecretJwt` on a client that has no issuer to send as aud."""
    check_issuer_known(client, ClientSecretJwt)


@hookimpl
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Give a rfc7523bis `ClientSecretJwt` the client's issuer as its audience."""
    bind_issuer_audience(call, ClientSecretJwt)
