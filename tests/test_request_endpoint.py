"""`OAuth2Client.request_endpoint`, the way endpoint plugins call the server.

A userinfo-style call is authenticated by an access token instead of the client's
credentials; this test plugin parses the answers of the test server's protected resource.
"""

from __future__ import annotations

from typing import Any

import pytest
from as_server import AuthServer

from oauth2kit import (
    EndpointCall,
    EndpointResponse,
    OAuth2Client,
    OAuth2Error,
    PluginHost,
    hookimpl,
)

pytestmark = pytest.mark.integration


class ProtectedResource:
    @hookimpl
    def oauth2kit_parse_response(
        self, call: EndpointCall, response: EndpointResponse
    ) -> dict[str, Any] | None:
        return response.data if call.endpoint == "protected_endpoint" else None


@pytest.fixture
def client(auth_server: AuthServer) -> OAuth2Client:
    host = PluginHost()
    host.register(ProtectedResource(), name="test.protected")
    return OAuth2Client(
        auth_server.token_endpoint,
        client_id="cc-basic",
        client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic",
        protected_endpoint=auth_server.url("/test/protected"),
        plugins=host,
    )


def test_an_access_token_can_authenticate_an_endpoint_call(client: OAuth2Client) -> None:
    token = client.client_credentials(scope="api:read")
    answer = client.request_endpoint("protected_endpoint", method="GET", auth=token)
    assert (answer["client_id"], answer["scope"]) == ("cc-basic", "api:read")


@pytest.mark.parametrize("auth", [True, False], ids=["client credentials", "no auth"])
def test_without_the_token_the_resource_refuses(client: OAuth2Client, auth: bool) -> None:
    with pytest.raises(OAuth2Error) as caught:
        client.request_endpoint("protected_endpoint", auth=auth)
    assert caught.value.response.status_code == 401
    sent = caught.value.request.headers.get("Authorization", "")
    assert sent.startswith("Basic ") if auth else sent == ""
