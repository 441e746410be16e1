"""The CIBA grant's token request (CIBA Core section 10.1): entry point ``grant.ciba``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.ciba.backchannel_authentication import MissingAuthRequestId, checked_auth_req_id
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType


class CibaGrant:
    """Builds CIBA token requests from an ``auth_req_id`` or a `BackChannelAuthenticationResponse`.

    Other parameters are sent as form fields.
    """

    grant_type: Final = "urn:openid:params:grant-type:ciba"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`.

        Raises:
            MissingAuthRequestId: no ``auth_req_id``, or one that is neither a non-empty str
                nor a `BackChannelAuthenticationResponse`.
        """
        return {"auth_req_id": checked_auth_req_id(params.pop("auth_req_id", None)), **params}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``ciba``."""
    registry.add("ciba", CibaGrant())


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `MissingAuthRequestId` from the package root."""
    registry.add("MissingAuthRequestId", MissingAuthRequestId)
