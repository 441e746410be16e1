"""The request hook is enough for mutual TLS (RFC 8705), shown against the real mTLS listener.

This plugin, registered at run time, does the transport part the way the built-in
``auth.tls_client_auth`` plugin does (tests/test_mtls_client_auth.py tests that one): it
presents the client certificate through ``call.transport`` and sends the request to the
server's ``mtls_endpoint_aliases``.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
import requests
from as_server import AuthServer

from oauth2kit import EndpointCall, InvalidClient, OAuth2Client, PluginHost, hookimpl

pytestmark = pytest.mark.integration


class ClientCertificate:
    """Present the mtls-client certificate, on the server's mTLS endpoint aliases."""

    def __init__(self, server: AuthServer) -> None:
        self.server = server
        self.cert = (server.tls_file("mtls-client.pem"), server.tls_file("mtls-client.key"))

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        aliases: dict[str, str] = self.server.discovery["mtls_endpoint_aliases"]
        call.url = aliases.get(call.endpoint, call.url)
        call.transport = attrs.evolve(
            call.transport, cert=self.cert, verify=self.server.tls_file("ca.pem")
        )


def _client(server: AuthServer, host: PluginHost) -> OAuth2Client:
    # tls_client_auth sends only the client_id in the form, like a public client.
    return OAuth2Client(server.token_endpoint, auth="mtls-client", plugins=host)


def test_a_certificate_from_the_hook_authenticates_the_client(auth_server: AuthServer) -> None:
    host = PluginHost()
    assert host.register(ClientCertificate(auth_server), name="test.mtls").status == "loaded"

    token = _client(auth_server, host).client_credentials(scope="api:read")

    # The token is bound to the certificate: the resource accepts it with the certificate.
    plugin = ClientCertificate(auth_server)
    answer = requests.get(
        auth_server.mtls_url("/test/protected"),
        auth=token,
        cert=plugin.cert,
        verify=auth_server.tls_file("ca.pem"),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["client_id"] == "mtls-client"
    assert body["x5t"]


def test_without_the_certificate_the_client_is_refused(auth_server: AuthServer) -> None:
    with pytest.raises(InvalidClient):
        _client(auth_server, PluginHost()).client_credentials(scope="api:read")
