"""The refresh token grant (RFC 6749 section 6): entry point ``grant.refresh_token``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.shared_errors import MissingRefreshToken
from oauth2kit import BearerToken, InvalidParam, hookimpl, normalize_scope

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, EndpointResponse, OAuth2Client, Registry
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
        if "scope" in params:
            params["scope"] = normalize_scope(params["scope"])
        return {"refresh_token": refresh_token, **params}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``refresh_token``."""
    registry.add("refresh_token", RefreshTokenGrant())


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `MissingRefreshToken` from the package root."""
    registry.add("MissingRefreshToken", MissingRefreshToken)


@hookimpl(tryfirst=True)
def oauth2kit_fixup_response(call: EndpointCall, response: EndpointResponse) -> None:
    """Keep the refresh token that was used when the server sends no new one.

    A server that does not rotate refresh tokens may leave it out (RFC 6749 section 6); the
    token is then built with the one that was sent, so that whoever stores it can refresh
    it again. ``tryfirst``, so that other fix-ups see the complete answer.
    """
    data = response.data
    if call.grant != "refresh_token" or not response.ok or not data or "access_token" not in data:
        return
    if not data.get("refresh_token"):
        data["refresh_token"] = call.form["refresh_token"]
