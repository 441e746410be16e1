"""The authorization code grant (RFC 6749 section 4.1.3): entry point ``grant.authorization_code``.

``OAuth2Client.authorization_code(code)`` takes the code as a str, or as the
`AuthorizationResponse` that ``validate_callback()`` returned, which also brings the PKCE
code verifier, the redirect URI and any DPoP key the code is bound to.

ID token validation: when ``validate`` is not False, the code came as an
`AuthorizationResponse` and the token response has an ``id_token``, the token is passed
to the ``validate_id_token`` operation, ``client.run("validate_id_token", token=token,
azr=response)``, which raises to reject it and returns the validated token (its ID token
decrypted, if it was encrypted), which the grant returns. That operation belongs to the
OpenID Connect plugin: without it (or with it disabled for the client) the ID token is not
validated here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.authorization.model import AuthorizationResponse
from oauth2kit import InvalidParam, PluginNotAvailable, hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType

GRANT: Final = "authorization_code"


class AuthorizationCodeGrant:
    """Builds authorization code token requests.

    With an `AuthorizationResponse`, its ``code_verifier`` and ``redirect_uri`` are sent
    unless given; with a str code, the client's ``redirect_uri`` setting is. Other
    parameters are sent as form fields.
    """

    grant_type: Final = GRANT

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:
        """Return the form fields for `params`.

        Raises:
            InvalidParam: the code is neither a non-empty str nor an `AuthorizationResponse`,
                or ``validate`` is not a bool.
        """
        code = params.pop("code", None)
        validate = params.pop("validate", True)
        if not isinstance(validate, bool):
            raise InvalidParam(f"validate must be a bool, got {type(validate).__name__}")
        if isinstance(code, AuthorizationResponse):
            for name in ("code_verifier", "redirect_uri"):
                if getattr(code, name) is not None:
                    params.setdefault(name, getattr(code, name))
            code = code.code
        elif isinstance(code, str) and code:
            redirect_uri = _redirect_uri(client)
            if redirect_uri is not None:
                # RFC 6749 section 4.1.3: required when the request had one, as the client's do.
                params.setdefault("redirect_uri", redirect_uri)
        else:
            msg = "code must be a non-empty str or an AuthorizationResponse"
            raise InvalidParam(msg)
        return {"code": code, **params}

    def options(
        self,
        client: OAuth2Client,  # noqa: ARG002 - the grant protocol's signature
        given: dict[str, Any],
    ) -> dict[str, Any]:
        """The token request's options: the DPoP key the code is bound to, if any.

        The key comes from the authorization request (``dpop=True``); it reaches the DPoP
        plugin as the call's ``dpop_key`` option, which that plugin's setting checks. A
        ``dpop_key`` the caller gives wins.
        """
        response = given.get("code")
        key = response.dpop_key if isinstance(response, AuthorizationResponse) else None
        return {} if key is None else {"dpop_key": key}

    def finish(
        self, client: OAuth2Client, token: BearerToken, given: dict[str, Any]
    ) -> BearerToken:
        """Validate the ID token of a code exchanged from an `AuthorizationResponse`.

        Returns the validated token (its ID token decrypted, if it was encrypted), or the
        token as issued when there is nothing to validate or no OpenID Connect plugin.
        """
        response = given.get("code")
        skip = given.get("validate") is False or token.id_token is None
        if skip or not isinstance(response, AuthorizationResponse):
            return token
        try:
            client.lookup(client.plugins.operations, "validate_id_token")
        except PluginNotAvailable:  # no OpenID Connect plugin, or disabled for this client
            return token
        validated: BearerToken = client.run("validate_id_token", token=token, azr=response)
        return validated


def _redirect_uri(client: OAuth2Client) -> str | None:
    try:
        return client.setting("redirect_uri")  # type: ignore[no-any-return] # checked when given
    except PluginNotAvailable:  # the authorization request plugin is blocked
        return None


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``authorization_code``."""
    registry.add(GRANT, AuthorizationCodeGrant())
