"""The resource owner password credentials grant (RFC 6749 section 4.3): ``grant.password``.

RFC 9700 (OAuth 2.0 Security Best Current Practice) says this grant MUST NOT be used: it
hands the user's password to the client. It is here for the legacy systems that still need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from oauth2kit import InvalidParam, hookimpl, normalize_scope

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType


def checked_credentials(username: object, password: object) -> tuple[str, str]:
    """Return `username` and `password` if they are strs, the username non-empty.

    Raises:
        InvalidParam: otherwise; the message names types only, never the values.
    """
    if not isinstance(username, str) or not username:
        raise InvalidParam(f"username must be a non-empty str, got {type(username).__name__}")
    if not isinstance(password, str):
        raise InvalidParam(f"password must be a str, got {type(password).__name__}")
    return username, password


class PasswordGrant:
    """Builds password grant requests: ``username``, ``password``, ``scope`` and extra fields."""

    grant_type: Final = "password"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`.

        Raises:
            InvalidParam: the username or the password is missing or not a str.
        """
        username, password = checked_credentials(
            params.pop("username", None), params.pop("password", None)
        )
        if "scope" in params:
            params["scope"] = normalize_scope(params["scope"])
        return {"username": username, "password": password, **params}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``password``."""
    registry.add("password", PasswordGrant())
