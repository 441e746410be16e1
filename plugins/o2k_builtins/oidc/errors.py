"""The exceptions of the OpenID Connect plugins (not a plugin itself).

ID token failures keep the seed's classes and constructor arguments: `InvalidIdToken` and
its subclasses, one per check. Their messages never contain a token; the token and the ID
token are attributes, left out when the exception is pickled.
"""

from __future__ import annotations

from typing import Any

from o2k_builtins.authorization.errors import InvalidAuthResponse
from oauth2kit import InvalidParam, OAuth2Error, OAuth2KitError


class InvalidIdToken(OAuth2KitError, ValueError):
    """An ID token failed validation (OpenID Connect Core 3.1.3.7).

    Attributes:
        id_token: the ID token (an `IdToken`, or the compact JWE it came in).
        token: the token response (a `BearerToken`) that carried it; ``token_resp`` too.
    """

    def __init__(self, message: str, id_token: Any = None, token: Any = None) -> None:
        super().__init__(message)
        self.id_token = id_token
        self.token = token

    @property
    def token_resp(self) -> Any:
        """The token response, under the seed's name."""
        return self.token

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle without the ID token, as the kernel leaves the token out."""
        rebuild, args, state = super().__reduce__()
        return rebuild, args, {**state, "id_token": None}


class MissingIdToken(InvalidIdToken):
    """The token response has no ``id_token``."""

    def __init__(self, token: Any) -> None:
        super().__init__("the token response has no id_token", None, token)


class InvalidIdTokenSignature(InvalidIdToken):
    """The ID token's signature does not verify with the key chosen for it."""


class UnsupportedIdTokenAlg(InvalidIdToken):
    """The ID token is signed with an algorithm that is never accepted (``none``, unknown)."""

    def __init__(self, token: Any, id_token: Any, alg: object) -> None:
        super().__init__(f"the ID token's alg {alg!r} is not supported", id_token, token)
        self.alg = alg


class ExpiredIdToken(InvalidIdToken):
    """The ID token has expired (its ``exp``, beyond the leeway)."""

    def __init__(
        self, token: Any, id_token: Any, message: str = "the ID token has expired"
    ) -> None:
        super().__init__(message, id_token, token)


class _Mismatching(InvalidIdToken):
    """A claim (or the alg) differs from what the client expects."""

    what = "claim"

    def __init__(self, received: object, expected: object, token: Any, id_token: Any) -> None:
        super().__init__(
            f"mismatching {self.what}: received {received!r}, expected {expected!r}",
            id_token,
            token,
        )
        self.received = received
        self.expected = expected


class MismatchingIdTokenIssuer(_Mismatching):
    """The ID token's ``iss`` is not the expected issuer."""

    what = "'iss'"


class MismatchingIdTokenAudience(_Mismatching):
    """The ID token's ``aud`` is missing, or does not contain the client_id."""

    what = "'aud'"


class MismatchingIdTokenAzp(_Mismatching):
    """The ID token's ``azp`` is missing (several audiences) or is not the client_id."""

    what = "'azp'"


class MismatchingIdTokenNonce(_Mismatching):
    """The ID token's ``nonce`` is missing or differs from the authorization request's."""

    what = "'nonce'"

    def __init__(self, received: object, expected: object, token: Any, id_token: Any) -> None:
        # A nonce is single-use, but no need to echo it into logs either.
        InvalidIdToken.__init__(
            self,
            "the ID token has no 'nonce'"
            if received is None
            else "mismatching 'nonce': the ID token's differs from the request's",
            id_token,
            token,
        )
        self.received = received
        self.expected = expected


class MismatchingIdTokenAcr(_Mismatching):
    """The ID token's ``acr`` is not one of the requested ``acr_values``."""

    what = "'acr'"


class MismatchingIdTokenAlg(_Mismatching):
    """The ID token is signed (or encrypted) with another alg than the client registered."""

    what = "alg"


class MissingIdTokenEncryptedResponseAlgParam(InvalidParam):
    """An ``id_token_decryption_key`` without an algorithm, in the key or the settings."""

    def __init__(self) -> None:
        super().__init__(
            "id_token_decryption_key has no 'alg' and no decryption algorithm is defined:"
            " pass id_token_encrypted_response_alg"
        )


class InvalidJwks(OAuth2Error):
    """The ``jwks_uri`` answered something that is not a JWK Set."""


class InvalidSignedResponse(OAuth2Error):
    """A signed (or encrypted) response (userinfo, introspection) failed validation."""


class InvalidJarmResponse(InvalidAuthResponse):
    """A JWT-secured authorization response (JARM) failed validation.

    Attributes:
        request: the `AuthorizationRequest` it answers, if known.
        response: the callback URL (or query string) as received, if known.
    """
