"""The JOSE facade's exceptions (re-exported by `oauth2kit.jose`)."""

from __future__ import annotations

from oauth2kit._exceptions import OAuth2KitError

__all__ = [
    "AlgorithmNotAllowed", "AmbiguousKey", "ClaimsError", "DecryptionFailed", "InvalidBase64",
    "InvalidJson", "InvalidKey", "InvalidSegments", "InvalidSignature", "JoseError",
    "KeyNotFound", "KeyTypeMismatch", "MalformedToken", "TokenExpired", "TokenNotYetValid",
    "TokenTooLarge", "UnsupportedAlgorithm",
]  # fmt: skip


class JoseError(OAuth2KitError, ValueError):
    """Base class of every error of the JOSE facade."""


class MalformedToken(JoseError):
    """A compact token, or one of its parts, is not well formed."""


class InvalidSegments(MalformedToken):
    """A compact token is not a string of 3 (JWS) or 5 (JWE) dot-separated segments."""


class InvalidBase64(MalformedToken):
    """A segment is not unpadded base64url."""


class InvalidJson(MalformedToken):
    """A header or a JWT payload is not a JSON object."""


class TokenTooLarge(JoseError):
    """A token, or a JWE's decompressed plaintext, exceeds its size cap."""


class UnsupportedAlgorithm(JoseError):
    """The facade does not implement an algorithm, or a header asks for an unknown feature."""


class AlgorithmNotAllowed(JoseError):
    """A token's algorithm is not in the caller's allow-list (``none`` never is)."""


class InvalidKey(JoseError):
    """A key cannot be parsed, or cannot do what is asked (a public key cannot sign)."""


class KeyTypeMismatch(InvalidKey):
    """The key's type, curve, size, ``use`` or ``alg`` does not fit the algorithm."""


class KeyNotFound(JoseError, LookupError):
    """No key of the key set has the token's ``kid``, or the key set is empty."""


class AmbiguousKey(KeyNotFound):
    """A token without a ``kid`` fits several keys of the key set: none is chosen."""


class InvalidSignature(JoseError):
    """A JWS signature does not verify."""


class DecryptionFailed(JoseError):
    """A JWE does not decrypt: wrong key, tampered parts, or an invalid tag."""


class ClaimsError(JoseError):
    """A JWT's claims fail a check of `oauth2kit.jose.check_time_claims`."""


class TokenExpired(ClaimsError):
    """The ``exp`` claim is in the past (leeway included)."""


class TokenNotYetValid(ClaimsError):
    """The ``nbf`` claim is in the future (leeway included)."""
