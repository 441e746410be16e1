"""``client_secret_post``: the client secret in the form body (RFC 6749 section 2.3.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oauth2kit import BaseClientAuthenticationMethod, hookimpl

if TYPE_CHECKING:
    from oauth2kit import Form, Headers, Registry
    from oauth2kit.hookspecs import ClientAuthFactory


class ClientSecretPost(BaseClientAuthenticationMethod):
    """Authenticate with ``client_id`` and ``client_secret`` form fields.

    Args:
        client_id: the client identifier.
        client_secret: the client secret.
    """

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__(client_id)
        self.client_secret = self.checked_secret(client_secret)

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:  # noqa: ARG002 - the method's signature
        """Add the credentials to the form."""
        self.set_form_fields(form, client_id=self.client_id, client_secret=self.client_secret)


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``client_secret_post``."""
    registry.add("client_secret_post", ClientSecretPost)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `ClientSecretPost` from the package root."""
    registry.add("ClientSecretPost", ClientSecretPost)
