"""PKCE (RFC 7636): code verifiers and the challenges derived from them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from enum import StrEnum
from typing import Final

from oauth2kit import InvalidParam


class CodeChallengeMethods(StrEnum):
    """The PKCE code challenge methods of RFC 7636 section 4.2."""

    S256 = "S256"
    plain = "plain"


class InvalidCodeVerifierParam(InvalidParam):
    """A code verifier does not follow RFC 7636 section 4.1 (43 to 128 unreserved characters)."""

    def __init__(self, code_verifier: object) -> None:
        # The verifier itself is a secret: its length only.
        size = len(code_verifier) if isinstance(code_verifier, str | bytes) else None
        what = f"{size} characters" if size is not None else type(code_verifier).__name__
        super().__init__(
            "Invalid 'code_verifier': it must be 43 to 128 characters from [A-Za-z0-9-._~],"
            f" got {what}"
        )
        self.code_verifier = code_verifier


class UnsupportedCodeChallengeMethod(InvalidParam):
    """A code challenge method other than ``S256`` or ``plain``."""

    def __init__(self, method: object) -> None:
        super().__init__(f"Unsupported code_challenge_method {method!r}: use 'S256' or 'plain'")
        self.method = method


def checked_method(method: object) -> CodeChallengeMethods:
    """`method` as a `CodeChallengeMethods` member.

    Raises:
        UnsupportedCodeChallengeMethod: for anything else.
    """
    try:
        return CodeChallengeMethods(method)  # type: ignore[arg-type] # refused if not a member
    except ValueError:
        raise UnsupportedCodeChallengeMethod(method) from None


class PkceUtils:
    """Generate code verifiers, derive and check their challenges."""

    code_verifier_pattern: Final = re.compile(r"^[a-zA-Z0-9_\-~.]{43,128}$")

    @classmethod
    def generate_code_verifier(cls) -> str:
        """A new random code verifier of 128 characters (the most RFC 7636 allows)."""
        return secrets.token_urlsafe(96)

    @classmethod
    def checked_verifier(cls, verifier: object) -> str:
        """`verifier` (a str, or ASCII bytes) if it is a valid code verifier.

        Raises:
            InvalidCodeVerifierParam: otherwise.
        """
        if isinstance(verifier, bytes):
            try:
                verifier = verifier.decode("ascii")
            except UnicodeDecodeError:
                raise InvalidCodeVerifierParam(verifier) from None
        if not isinstance(verifier, str) or not cls.code_verifier_pattern.fullmatch(verifier):
            raise InvalidCodeVerifierParam(verifier)
        return verifier

    @classmethod
    def derive_challenge(
        cls, verifier: str | bytes, method: str = CodeChallengeMethods.S256
    ) -> str:
        """The code challenge of `verifier` with `method`.

        Raises:
            InvalidCodeVerifierParam: `verifier` is not a valid code verifier.
            UnsupportedCodeChallengeMethod: `method` is neither ``S256`` nor ``plain``.
        """
        method = checked_method(method)
        verifier = cls.checked_verifier(verifier)
        if method is CodeChallengeMethods.plain:
            return verifier
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    @classmethod
    def generate_code_verifier_and_challenge(
        cls, method: str = CodeChallengeMethods.S256
    ) -> tuple[str, str]:
        """A new code verifier and its challenge with `method`."""
        verifier = cls.generate_code_verifier()
        return verifier, cls.derive_challenge(verifier, method)

    @classmethod
    def validate_code_verifier(
        cls, verifier: str, challenge: object, method: str = CodeChallengeMethods.S256
    ) -> bool:
        """Tell whether `verifier` matches `challenge` (compared in constant time)."""
        if not isinstance(challenge, str):
            return False
        derived = cls.derive_challenge(verifier, method)
        return hmac.compare_digest(derived.encode(), challenge.encode("utf-8", "replace"))
