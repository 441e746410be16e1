"""`AuthorizationRequestSerializer`: keep an authorization request between redirect and callback."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import TYPE_CHECKING, Final

from o2k_builtins.authorization.model import AuthorizationRequest
from oauth2kit import InvalidParam

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_SERIALIZED_BYTES: Final = 64 * 1024  # inflated: far more than any real request needs


class AuthorizationRequestSerializer:
    """Turn an `AuthorizationRequest` into a compact str and back (JSON, deflated, base64url).

    The str holds the code verifier, a secret: keep it where only your application can
    read it (a server-side session, or a signed and encrypted cookie). A request bound to a
    DPoP key cannot be serialized by the default dumper, which has no way to keep the key.

    Args:
        dumper: replaces the default dumper.
        loader: replaces the default loader.
    """

    def __init__(
        self,
        dumper: Callable[[AuthorizationRequest], str] | None = None,
        loader: Callable[[str], AuthorizationRequest] | None = None,
    ) -> None:
        self.dumper = dumper or self.default_dumper
        self.loader = loader or self.default_loader

    @staticmethod
    def default_dumper(azr: AuthorizationRequest) -> str:
        """Serialize `azr`.

        Raises:
            InvalidParam: `azr` is not an `AuthorizationRequest`, or is bound to a DPoP key.
        """
        if not isinstance(azr, AuthorizationRequest):
            raise InvalidParam(f"expected an AuthorizationRequest, got {type(azr).__name__}")
        # None stays: a state, nonce or PKCE left out must not be generated anew when loaded.
        fields = azr.as_dict()
        if fields.pop("dpop_key") is not None:
            raise InvalidParam("the default serializer cannot keep a request's DPoP key")
        data = json.dumps(fields, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(zlib.compress(data)).rstrip(b"=").decode("ascii")

    @staticmethod
    def default_loader(
        serialized: str, azr_class: type[AuthorizationRequest] = AuthorizationRequest
    ) -> AuthorizationRequest:
        """Rebuild an authorization request from `serialized`.

        Raises:
            InvalidParam: `serialized` is not what `default_dumper` makes.
        """
        if not isinstance(serialized, str):
            raise InvalidParam(
                f"expected a serialized request str, got {type(serialized).__name__}"
            )
        try:
            packed = base64.urlsafe_b64decode(serialized + "=" * (-len(serialized) % 4))
            inflater = zlib.decompressobj()
            # Bounded: the str may come from a cookie, and a small one can inflate to gigabytes.
            data = inflater.decompress(packed, MAX_SERIALIZED_BYTES)
            if inflater.unconsumed_tail or not inflater.eof:
                raise InvalidParam("the serialized authorization request is truncated or too large")
            fields = json.loads(data)
        except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as exc:
            if isinstance(exc, InvalidParam):
                raise
            raise InvalidParam("not a serialized authorization request") from None
        if not isinstance(fields, dict) or "authorization_endpoint" not in fields:
            raise InvalidParam("not a serialized authorization request")
        endpoint = fields.pop("authorization_endpoint")
        try:
            return azr_class(endpoint, **fields)
        except TypeError:  # a field the class does not take, or a missing client_id
            raise InvalidParam("not a serialized authorization request") from None

    def dumps(self, azr: AuthorizationRequest) -> str:
        """Serialize `azr`."""
        return self.dumper(azr)

    def loads(self, serialized: str) -> AuthorizationRequest:
        """Rebuild an authorization request."""
        return self.loader(serialized)
