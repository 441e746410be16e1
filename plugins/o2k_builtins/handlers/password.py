"""`OAuth2ResourceOwnerPasswordAuth`: entry point ``handler.password``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.grants.password import checked_credentials
from o2k_builtins.handlers.access_token import OAuth2AccessTokenAuth
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import BearerToken, OAuth2Client, Registry


class OAuth2ResourceOwnerPasswordAuth(OAuth2AccessTokenAuth):
    """A requests auth handler that obtains tokens with the resource owner password grant.

    The first request obtains a token; later ones reuse it until it expires within `leeway`
    seconds, then one request obtains a new one for all threads, with the same username,
    password and `token_kwargs` every time. The password never shows in `repr()`.

    Args:
        client: the client that obtains tokens.
        username: the resource owner's username.
        password: the resource owner's password.
        leeway: seconds before expiry at which the token is renewed.
        token: an initial token, if one is at hand.
        **token_kwargs: parameters of every token request: ``scope``, ``resource``, ...

    Raises:
        InvalidParam: the username or password is not a str, or another argument is unusable.
    """

    def __init__(
        self,
        client: OAuth2Client,
        *,
        username: str,
        password: str,
        leeway: float = 20,
        token: str | BearerToken | None = None,
        **token_kwargs: Any,
    ) -> None:
        self.username, self._password = checked_credentials(username, password)
        super().__init__(client, token, leeway=leeway, **token_kwargs)

    @property
    def password(self) -> str:
        """The resource owner's password."""
        return self._password

    def renew_token(self) -> None:
        """Obtain a new token with the resource owner password grant."""
        self._store_obtained(
            self.client.resource_owner_password(self.username, self._password, **self.token_kwargs)
        )

    def __repr__(self) -> str:
        """Name the client and the username; the password and the token stay out."""
        return (
            f"{type(self).__name__}(client={self.client!r}, username={self.username!r},"
            f" token={self.token!r})"
        )


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `OAuth2ResourceOwnerPasswordAuth` from the package root."""
    registry.add("OAuth2ResourceOwnerPasswordAuth", OAuth2ResourceOwnerPasswordAuth)
