"""``client_secret_basic``: the client secret in an HTTP Basic header (RFC 6749 section 2.3.1)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from oauth2kit import BaseClientAuthenticationMethod, hookimpl

if TYPE_CHECKING:
    from oauth2kit import Form, Headers, Registry
    from oauth2kit.hookspecs import ClientAuthFactory


class ClientSecretBasic(BaseClientAuthenticationMethod):
    """Authenticate with ``Authorization: Basic`` built from the client_id and secret.

    Args:
        client_id: the client identifier.
        client_secret: the client secret.
        urlencode: form-urlencode both values before joining them, as RFC 6749 section
            2.3.1 requires. Some servers expect the raw values; pass False for those.
    """

    def __init__(self, client_id: str, client_secret: str, *, urlencode: bool = True) -> None:
        super().__init__(client_id)
        self.client_secret = self.checked_secret(client_secret)
        self.urlencode = urlencode
        user, password = client_id, self.client_secret
        if urlencode:
            user, password = quote_plus(user, safe=""), quote_plus(password, safe="")
        # Built once: the header is the same for every request.
        self._header = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:  # noqa: ARG002 - the method's signature
        """Set the Basic Authorization header."""
        headers["Authorization"] = self._header


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``client_secret_basic``."""
    registry.add("client_secret_basic", ClientSecretBasic)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `ClientSecretBasic` from the package root."""
    registry.add("ClientSecretBasic", ClientSecretBasic)
