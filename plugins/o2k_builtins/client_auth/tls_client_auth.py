"""``tls_client_auth``: a CA-issued client certificate authenticates the client (RFC 8705 2.1).

This plugin also owns the ``mtls_endpoint_aliases`` setting (RFC 8705 section 5): a client that
presents a certificate sends its requests to those aliases. That covers the clients of both
mutual-TLS methods, and clients that authenticate otherwise but present a certificate
(through their session's ``cert``) for certificate-bound access tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from o2k_builtins.client_auth._mtls import (
    ALIASES,
    InvalidClientCertificate,
    InvalidMtlsEndpointAliases,
    MutualTlsClientAuth,
    checked_aliases,
    present_certificate,
    use_alias,
)
from oauth2kit import Setting, hookimpl

if TYPE_CHECKING:
    from oauth2kit import EndpointCall, Registry
    from oauth2kit.hookspecs import ClientAuthFactory


class TlsClientAuth(MutualTlsClientAuth):
    """Authenticate with a client certificate that a CA issued (PKI mutual TLS).

    The server matches the certificate against the subject (DN or SAN) the client
    registered; the form carries only the ``client_id``. The certificate is presented on
    every request the client sends to its server, at the ``mtls_endpoint_aliases``.

    Args:
        client_id: the client identifier.
        cert: the path of one PEM file holding the certificate and its unencrypted key, or
            a ``(certificate path, key path)`` pair; checked here.

    Raises:
        InvalidClientCertificate: a file is missing or unreadable, or does not hold what it
            should.
    """

    method_name = "tls_client_auth"


@hookimpl
def oauth2kit_prepare_request(call: EndpointCall) -> None:
    """Present a ``tls_client_auth`` client's certificate; send mTLS clients to the aliases."""
    auth = call.client.auth
    if isinstance(auth, TlsClientAuth):
        present_certificate(call, auth.cert)
    elif not isinstance(auth, MutualTlsClientAuth) and (
        call.transport.cert or call.client.session.cert
    ):
        use_alias(call)  # a certificate for certificate-bound tokens, not for authentication
    # The other mutual-TLS methods' plugins present their own certificates.


@hookimpl
def oauth2kit_register_client_auth_methods(registry: Registry[ClientAuthFactory]) -> None:
    """Register ``tls_client_auth``."""
    registry.add("tls_client_auth", TlsClientAuth)


@hookimpl
def oauth2kit_register_settings(registry: Registry[Setting]) -> None:
    """The server's ``mtls_endpoint_aliases``: endpoint names to the URLs that take certificates."""
    registry.add(ALIASES, Setting(convert=checked_aliases))


@hookimpl
def oauth2kit_register_extensions(registry: Registry[Any]) -> None:
    """Export `TlsClientAuth` and the mutual-TLS exceptions from the package root."""
    registry.add("TlsClientAuth", TlsClientAuth)
    registry.add("InvalidClientCertificate", InvalidClientCertificate)
    registry.add("InvalidMtlsEndpointAliases", InvalidMtlsEndpointAliases)
