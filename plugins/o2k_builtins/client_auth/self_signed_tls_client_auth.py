"""``self_signed_tls_client_auth``: a self-signed, registered client certificate (RFC 8705 2.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.client_auth._mtls import MutualTlsClientAuth, present_certificate
from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, Registry
    from oauth2kit.hookspecs import ClientAuthFactory


class SelfSignedTlsClientAuth(MutualTlsClientAuth):
    """Authenticate with a self-signed client certificate, without a PKI.

    The server knows the certificate from the client's registered ``jwks`` (or
    ``jwks_uri``): a key whose ``x5c`` holds it. The form carries only the ``client_id``;
    the certificate is presented on every request the client sends to its server, at the
    ``mtls_endpoint_aliases`` when the client has them.

    Args:
        client_id: the client identifier.
        cert: the path of one PEM file holding the certificate and its unencrypted key, or
            a ``(certificate path, key path)`` pair; checked here.

    Raises:
        InvalidClientCertificate: a file is missing or unreadable, or does not hold what it
            should.
    """

    method_name = "self_signed_tls_client_auth"


@hookimpl
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Present a ``self_signed_tls_client_auth`` client's certificate on each of its requests."""
    auth = call.client.auth
    if isinstance(auth, SelfSignedTlsClientAuth):
        present_certificate(call, auth.cert)


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``self_signed_tls_client_auth``."""
    registry.add("self_signed_tls_client_auth", SelfSignedTlsClientAuth)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[Any]) -> None:
    """Export `SelfSignedTlsClientAuth` from the package root."""
    registry.add("SelfSignedTlsClientAuth", SelfSignedTlsClientAuth)
