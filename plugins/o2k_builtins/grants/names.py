"""The ``grant_type`` values of the built-in grants: entry point ``grant.names``.

A plugin of its own, rather than a part of one grant, so that the enum says what the whole
family provides and blocking one grant leaves it in place. The grants keep their own
``grant_type`` strings (importing this module from each of them would cost every first
token request an import); a test keeps the two equal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import Registry


class GrantTypes(StrEnum):
    """The ``grant_type`` values that the built-in grants send (RFC 6749 and extensions).

    Each member is a str: ``GrantTypes.CLIENT_CREDENTIALS == "client_credentials"``. These
    are wire values, not the names that `OAuth2Client.grant` takes (``"ciba"``,
    ``"token_exchange"``, ...).
    """

    CLIENT_CREDENTIALS = "client_credentials"
    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type, not a secret
    RESOURCE_OWNER_PASSWORD = "password"  # noqa: S105 - a grant type, not a secret
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type
    JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    CLIENT_INITIATED_BACKCHANNEL_AUTHENTICATION = "urn:openid:params:grant-type:ciba"
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export ``GrantTypes``."""
    registry.add("GrantTypes", GrantTypes)
