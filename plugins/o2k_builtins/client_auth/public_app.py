"""``none``: a public client that only identifies itself (RFC 6749 section 2.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oauth2kit import BaseClientAuthenticationMethod, hookimpl

if TYPE_CHECKING:
    from oauth2kit import Form, Headers, Registry
    from oauth2kit.hookspecs import ClientAuthFactory


class PublicApp(BaseClientAuthenticationMethod):
    """Send only the ``client_id`` form field: for clients that cannot keep a secret."""

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:  # noqa: ARG002 - the method's signature
        """Add the client_id to the form."""
        self.set_form_fields(form, client_id=self.client_id)


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``none``."""
    registry.add("none", PublicApp)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export `PublicApp` from the package root."""
    registry.add("PublicApp", PublicApp)
