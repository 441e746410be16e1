"""The Bearer token type (RFC 6750): entry point ``token.bearer``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oauth2kit import BearerToken, hookimpl

if TYPE_CHECKING:
    from oauth2kit import Registry


@hookimpl
def oauth2kit_register_token_types(registry: Registry[type[BearerToken]]) -> None:
    """Build `BearerToken` for ``token_type: Bearer`` responses."""
    registry.add(BearerToken.TOKEN_TYPE, BearerToken)
