"""The client credentials grant (RFC 6749 section 4.4): entry point ``grant.client_credentials``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from oauth2kit import hookimpl, normalize_scope

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType


class ClientCredentialsGrant:
    """Builds client credentials token requests: ``scope`` plus any extra fields.

    Extra parameters (``resource``, ``audience``, ``authorization_details``, ...) are sent as
    form fields; a list value is sent as repeated fields, as RFC 8707 does with ``resource``.
    """

    grant_type: Final = "client_credentials"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`."""
        if "scope" in params:
            params["scope"] = normalize_scope(params["scope"])
        return params


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``client_credentials``."""
    registry.add("client_credentials", ClientCredentialsGrant())
