"""`OAuth2ClientCredentialsAuth`: entry point ``handler.client_credentials``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.handlers.access_token import OAuth2AccessTokenAuth
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, OAuth2Client, Registry


class OAuth2ClientCredentialsAuth(OAuth2AccessTokenAuth):
    """A requests auth handler that obtains tokens with the client credentials grant.

    The first request obtains a token; later ones reuse it until it expires within `leeway`
    seconds, then one request renews it for all threads.

    Args:
        client: the client that obtains tokens.
        leeway: seconds before expiry at which the token is renewed.
        token: an initial token, if one is at hand.
        **token_kwargs: parameters of every token request: ``scope``, ``resource``,
            ``audience``, ...
    """

    def __init__(
        self,
        client: OAuth2Client,
        *,
        leeway: float = 20,
        token: str | BearerToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        super().__init__(client, token, leeway=leeway, **token_kwargs)

    def renew_token(self) -> None:
        """Obtain a new token with the client credentials grant."""
        self._store_obtained(self.client.client_credentials(**self.token_kwargs))


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2ClientCredentialsAuth` from the package root."""
    registry.add("OAuth2ClientCredentialsAuth", OAuth2ClientCredentialsAuth)
