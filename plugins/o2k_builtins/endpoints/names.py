"""The names of the endpoints that the seed API knows: entry point ``endpoint.names``.

The values are the client setting names (``token_endpoint``, ``jwks_uri``, ...) that
`OAuth2Client.endpoint_uri` and `OAuth2Client.request_endpoint` take. A plugin of its own,
since the endpoints belong to several plugins and one of them, the token endpoint, to the
kernel.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import Registry


class Endpoints(StrEnum):
    """Endpoint setting names; each member is a str (``Endpoints.TOKEN == "token_endpoint"``)."""

    TOKEN = "token_endpoint"  # noqa: S105 - a setting name, not a secret
    AUTHORIZATION = "authorization_endpoint"
    BACKCHANNEL_AUTHENTICATION = "backchannel_authentication_endpoint"
    DEVICE_AUTHORIZATION = "device_authorization_endpoint"
    INTROSPECTION = "introspection_endpoint"
    REVOCATION = "revocation_endpoint"
    PUSHED_AUTHORIZATION_REQUEST = "pushed_authorization_request_endpoint"
    JWKS = "jwks_uri"
    USER_INFO = "userinfo_endpoint"


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export ``Endpoints``."""
    registry.add("Endpoints", Endpoints)
