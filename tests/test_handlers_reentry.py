"""A plugin hook that sends a request with the handler that is renewing: an error, not a hang.

Against the real test authorization server: the hook runs inside the client's token request,
on the thread that renews, and calls the protected resource with that same handler.
"""

from __future__ import annotations

import threading

import pytest
import requests
from as_server import AuthServer

from oauth2kit import (
    BearerToken,
    EndpointCall,
    NonRenewableTokenError,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PluginHost,
    hookimpl,
)

pytestmark = pytest.mark.integration


class TokenChecker:
    """Tries every new token at the resource server, through the handler it belongs to."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.auth: requests.auth.AuthBase | None = None

    @hookimpl
    def oauth2kit_token_obtained(self, call: EndpointCall, token: BearerToken) -> None:
        if self.auth is not None:
            requests.get(self.url, auth=self.auth, timeout=10)


def test_a_hook_that_reenters_the_renewing_handler_gets_an_error(auth_server: AuthServer) -> None:
    checker = TokenChecker(auth_server.url("/test/protected"))
    host = PluginHost()
    host.register(checker, name="test.token_checker")
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-basic", client_secret="cc-basic-secret",
        token_endpoint_auth_method="client_secret_basic", plugins=host,
    )  # fmt: skip
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read")
    checker.auth = auth
    outcome: list[object] = []

    def send() -> None:
        try:
            outcome.append(requests.get(checker.url, auth=auth, timeout=10).status_code)
        except Exception as exc:  # noqa: BLE001 - kept for the assertions
            outcome.append(exc)

    # A daemon joined with a timeout: waiting for itself, as it did, must fail the test.
    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    thread.join(timeout=15)
    assert not thread.is_alive(), "the renewal waited for itself"

    [raised] = outcome
    assert NonRenewableTokenError is type(raised)
    assert "called by the thread that is renewing its token" in str(raised)
    # Nothing is left stuck: without the re-entering hook, the handler renews and works.
    checker.auth = None
    assert 200 == requests.get(checker.url, auth=auth, timeout=10).status_code
