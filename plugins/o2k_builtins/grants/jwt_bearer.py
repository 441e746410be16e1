"""The JWT bearer grant (RFC 7523 section 2.1): entry point ``grant.jwt_bearer``."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any, Final

from oauth2kit import InvalidParam, hookimpl, normalize_scope

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_JWS_PARTS, _JWE_PARTS = 3, 5


class InvalidJwtAssertion(InvalidParam):
    """The ``assertion`` of a JWT bearer grant is not a compact JWT (JWS or JWE)."""


def _header(segment: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def compact_jwt(
    assertion: object, what: str = "the assertion",
    error: type[InvalidParam] = InvalidJwtAssertion,
) -> str:  # fmt: skip
    """Return `assertion` as a compact JWT, checked for its form (not its signature or claims).

    `assertion` is a str, ASCII bytes, or an object whose ``str()`` is a compact JWT (a JWT
    object of a JOSE library, such as the JOSE facade's). The signature and claims are the
    authorization server's to verify: the client usually cannot.

    Raises:
        InvalidJwtAssertion: (or `error`, whose message names `what`) it is not three (JWS)
            or five (JWE) base64url segments with a JSON object header that names its
            ``alg`` (and ``enc``, for a JWE).
    """
    if isinstance(assertion, bytes):
        value = assertion.decode("ascii", "replace")
    elif isinstance(assertion, str):
        value = assertion
    elif assertion is None or isinstance(assertion, int | float | list | dict | tuple):
        value = ""  # str() of these is never a JWT; say so by type, below
    else:
        value = str(assertion)
    parts = value.split(".")
    fits = len(parts) in (_JWS_PARTS, _JWE_PARTS) and all(_SEGMENT.fullmatch(p) for p in parts)
    header = _header(parts[0]) if fits and parts[0] else None
    required = ("alg",) if len(parts) == _JWS_PARTS else ("alg", "enc")
    if isinstance(header, dict) and all(isinstance(header.get(k), str) for k in required):
        return value
    # The type only: an assertion is a credential, which stays out of messages.
    kind = type(assertion).__name__
    raise error(f"{what} must be a compact JWT (JWS or JWE); this {kind} is not")


class JwtBearerGrant:
    """Builds JWT bearer token requests: the ``assertion``, ``scope``, and any extra fields."""

    grant_type: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`.

        Raises:
            InvalidJwtAssertion: the assertion is missing or not a compact JWT.
        """
        assertion = compact_jwt(params.pop("assertion", None))
        if "scope" in params:
            params["scope"] = normalize_scope(params["scope"])
        return {"assertion": assertion, **params}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``jwt_bearer``."""
    registry.add("jwt_bearer", JwtBearerGrant())


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `InvalidJwtAssertion` from the package root."""
    registry.add("InvalidJwtAssertion", InvalidJwtAssertion)
