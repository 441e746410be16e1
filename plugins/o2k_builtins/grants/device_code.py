"""The device authorization grant's token request (RFC 8628 section 3.4): ``grant.device_code``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from o2k_builtins.device.device_authorization import MissingDeviceCode, checked_device_code
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import OAuth2Client, Registry
    from oauth2kit.hookspecs import GrantType


class DeviceCodeGrant:
    """Builds device code token requests from a device code or a `DeviceAuthorizationResponse`.

    Other parameters are sent as form fields. A public client is identified by its
    ``client_id``, which its client authentication adds.
    """

    grant_type: Final = "urn:ietf:params:oauth:grant-type:device_code"

    def build(self, client: OAuth2Client, params: dict[str, Any]) -> dict[str, Any]:  # noqa: ARG002 - part of the GrantType protocol
        """Return the form fields for `params`.

        Raises:
            MissingDeviceCode: no device code, or one that is neither a non-empty str nor a
                `DeviceAuthorizationResponse`.
        """
        return {"device_code": checked_device_code(params.pop("device_code", None)), **params}


@hookimpl
def oauth2kit_register_grant_types(registry: Registry[GrantType]) -> None:
    """Register ``device_code``."""
    registry.add("device_code", DeviceCodeGrant())


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `MissingDeviceCode` from the package root."""
    registry.add("MissingDeviceCode", MissingDeviceCode)
