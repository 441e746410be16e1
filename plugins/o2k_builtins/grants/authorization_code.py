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

import threading
from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.authorization.model import AuthorizationResponse
from oauth2kit import InvalidParam, PluginNotAvailable, hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, EndpointCall, OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType

GRANT: Final = "authorization_code"


class _Exchange:
    """The `AuthorizationResponse` behind the code exchange under way in this thread.

    ``build()`` only returns a form, so what the token hooks need to know about the
    response (its DPoP key, whether to validate the ID token) waits here, matched by
    client and code: the request and its hooks run in the thread that built it. A failed
    exchange leaves its entry behind, which the thread's next exchange replaces.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def start(self, client: OAuth2Client, response: AuthorizationResponse, validate: bool) -> None:
        self._local.pending = (client, response, validate)

    def find(self, call: EndpointCall) -> tuple[AuthorizationResponse, bool] | None:
        pending = getattr(self._local, "pending", None)
        if pending is None or call.grant != GRANT:
            return None
        client, response, validate = pending
        if client is not call.client or call.form.get("code") != response.code:
            return None
        return response, validate

    def finish(self) -> None:
        self._local.pending = None


_EXCHANGES = _Exchange()


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
            _EXCHANGES.start(client, code, validate)
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

    def finish(
        self, client: OAuth2Client, token: BearerToken, given: dict[str, Any]
    ) -> BearerToken:
        """Validate the ID token of a code exchanged from an `AuthorizationResponse`.

        Returns the validated token (its ID token decrypted, if it was encrypted), or the
        token as issued when there is nothing to validate or no OpenID Connect plugin.
        """
        _EXCHANGES.finish()
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


@hookimpl(tryfirst=True)
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Prove possession of the DPoP key the code is bound to, unless a key was given.

    The key comes from the authorization request (``dpop=True``); it reaches the DPoP
    plugin as the call's ``dpop_key`` option, checked by that plugin's setting. ``tryfirst``,
    so that the DPoP plugin's own hook finds it.
    """
    found = _EXCHANGES.find(call)
    if found is None or found[0].dpop_key is None or "dpop_key" in call.options:
        return
    client = call.client
    setting = client.lookup(client.plugins.settings, "dpop_key")
    key = found[0].dpop_key
    call.options["dpop_key"] = key if setting.convert is None else setting.convert(client, key)
