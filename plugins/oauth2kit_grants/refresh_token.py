"""The refresh token grant (RFC 6749 section 6): entry point ``grant.refresh_token``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from oauth2kit import BearerToken, EndpointCall, InvalidParam, MissingRefreshToken, normalize_scope
from oauth2kit.hookspecs import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType


class RefreshTokenGrant:
    """Builds refresh token requests from a refresh token string or a token that carries one.

    ``scope`` may narrow the original grant's scope; other parameters (``resource``, ...)
    are sent as form fields.
    """

    grant_type: Final = "refresh_token"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`.

        Raises:
            MissingRefreshToken: a token without a refresh token was given.
            InvalidParam: the refresh token is neither a non-empty str nor a token.
        """
        refresh_token = params.pop("refresh_token", None)
        if isinstance(refresh_token, BearerToken):
            if refresh_token.refresh_token is None:
                raise MissingRefreshToken(refresh_token)
            refresh_token = refresh_token.refresh_token
        if not isinstance(refresh_token, str) or not refresh_token:
            msg = "refresh_token must be a non-empty str or a token that carries one"
            raise InvalidParam(msg)
        scope = normalize_scope(params.pop("scope", None))
        fields = {"refresh_token": refresh_token, "scope": scope, **params}
        return {name: value for name, value in fields.items() if value is not None}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``refresh_token``."""
    registry.add("refresh_token", RefreshTokenGrant())


@hookimpl(tryfirst=True)
def oauth2kit_token_obtained(call: EndpointCall, token: BearerToken) -> None:
    """Keep the refresh token that was used when the server sends no new one.

    A server that does not rotate refresh tokens may leave it out (RFC 6749 section 6).
    ``tryfirst``, so that the hooks that store tokens see the one that can be refreshed.
    """
    if call.grant == "refresh_token" and token.refresh_token is None:
        token.refresh_token = call.data["refresh_token"]
