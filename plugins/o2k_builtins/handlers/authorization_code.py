"""`OAuth2AuthorizationCodeAuth`: entry point ``handler.authorization_code``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.authorization.model import AuthorizationResponse
from o2k_builtins.handlers.access_token import OAuth2AccessTokenAuth
from oauth2kit import InvalidParam, hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, OAuth2Client, Registry

# Parameters of the code exchange alone: a refresh must not send them.
EXCHANGE_ONLY: Final = frozenset({"code_verifier", "redirect_uri", "validate", "dpop", "dpop_key"})


class OAuth2AuthorizationCodeAuth(OAuth2AccessTokenAuth):
    """A requests auth handler that exchanges an authorization code, then refreshes the token.

    The first request exchanges the code (once: the code is forgotten after it succeeded);
    later ones reuse the token until it expires within `leeway` seconds, then one request
    refreshes it for all threads with its refresh token. The other `token_kwargs` (such as
    ``resource``) are sent with the exchange and with every refresh, so renewed tokens are
    for what the original request asked; the exchange's own (``code_verifier``,
    ``redirect_uri``, ``validate``, ``dpop``, ``dpop_key``) with the exchange only.

    Args:
        client: the client that exchanges the code and refreshes tokens.
        code: the authorization code, as a str or the `AuthorizationResponse` of the
            callback (which brings its PKCE code verifier); None when `token` is given.
        leeway: seconds before expiry at which the token is renewed.
        token: an initial token, if one is at hand.
        **token_kwargs: extra parameters of the token requests; those of the exchange
            alone are kept apart, in `exchange_kwargs`.

    Raises:
        InvalidParam: the code is neither a non-empty str, an `AuthorizationResponse`, nor None.
    """

    def __init__(
        self,
        client: OAuth2Client,
        code: str | AuthorizationResponse | None,
        *,
        leeway: float = 20,
        token: str | BearerToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        if not (code is None or isinstance(code, AuthorizationResponse)) and not (
            isinstance(code, str) and code
        ):
            kind = type(code).__name__
            msg = f"code must be a non-empty str, an AuthorizationResponse or None, got {kind}"
            raise InvalidParam(msg)
        exchange_kwargs = {k: v for k, v in token_kwargs.items() if k in EXCHANGE_ONLY}
        shared = {k: v for k, v in token_kwargs.items() if k not in EXCHANGE_ONLY}
        super().__init__(client, token, leeway=leeway, **shared)  # refreshes send these
        self.exchange_kwargs = exchange_kwargs
        self.code = code

    def renew_token(self) -> None:
        """Exchange the code if it has not been yet; otherwise refresh the token."""
        if self.code is not None:
            self.exchange_code_for_token()
        else:
            super().renew_token()

    def exchange_code_for_token(self) -> None:
        """Exchange the code for a token now, then forget the code (it works only once)."""
        code = self.code
        if code is None:
            return
        kwargs = {**self.token_kwargs, **self.exchange_kwargs}
        self._store_obtained(self.client.authorization_code(code, **kwargs))
        self.code = None


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2AuthorizationCodeAuth` from the package root."""
    registry.add("OAuth2AuthorizationCodeAuth", OAuth2AuthorizationCodeAuth)
