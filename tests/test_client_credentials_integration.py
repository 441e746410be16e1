"""Client credentials end to end, against the real test authorization server (tests/as/)."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import requests
from as_server import AuthServer
from concurrency import statuses_from_threads

from oauth2kit import (
    BearerToken,
    ClientSecretBasic,
    ClientSecretPost,
    EndpointCall,
    InvalidClient,
    InvalidScope,
    InvalidTarget,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PluginHost,
    UnauthorizedClient,
    hookimpl,
)

pytestmark = pytest.mark.integration

OPAQUE_RESOURCE = "urn:oauth2kit:rs:opaque"
JWT_RESOURCE = "urn:oauth2kit:rs:jwt"


def client_for(server: AuthServer, client_id: str, **kwargs: object) -> OAuth2Client:
    return OAuth2Client(
        server.token_endpoint,
        client_id=client_id,
        client_secret=f"{client_id}-secret",
        issuer=server.issuer,
        **kwargs,  # type: ignore[arg-type]
    )


class SentTokenRequests:
    """Keeps each successful token request as it went on the wire.

    oidc-provider takes client_secret_basic and client_secret_post alike, so a token does
    not prove which method was used; the request does.
    """

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []

    @hookimpl
    def oauth2kit_token_obtained(self, call: EndpointCall, token: BearerToken) -> None:
        self.requests.append(call.last_response().request)

    def host(self) -> PluginHost:
        host = PluginHost()
        host.register(self, name="test.sent")
        return host

    def method_used(self) -> str:
        """Name the secret method the last request used, from its header and body."""
        request = self.requests[-1]
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        basic = request.headers.get("Authorization", "").startswith("Basic ")
        post = "client_secret=" in body
        assert basic != post, "exactly one way of sending the secret"
        return "client_secret_basic" if basic else "client_secret_post"


def whoami(server: AuthServer, auth: requests.auth.AuthBase) -> requests.Response:
    return requests.get(server.url("/test/protected"), auth=auth, timeout=10)


@pytest.mark.parametrize(
    ("client_id", "method", "auth_class"),
    [
        ("cc-basic", "client_secret_basic", ClientSecretBasic),
        ("cc-post", "client_secret_post", ClientSecretPost),
    ],
)
def test_client_credentials_with_each_secret_method(
    auth_server: AuthServer, client_id: str, method: str, auth_class: type
) -> None:
    sent = SentTokenRequests()
    client = client_for(
        auth_server, client_id, token_endpoint_auth_method=method, plugins=sent.host()
    )
    assert isinstance(client.auth, auth_class)

    token = client.client_credentials(scope="api:read")

    assert sent.method_used() == method

    assert isinstance(token, BearerToken)
    assert token.scope == "api:read"
    assert token.expires_in is not None
    assert 0 < token.expires_in <= 3600
    resource = whoami(auth_server, token)
    assert resource.status_code == 200
    assert resource.json()["client_id"] == client_id


def test_default_method_is_client_secret_post(auth_server: AuthServer) -> None:
    sent = SentTokenRequests()
    client = client_for(auth_server, "cc-post", plugins=sent.host())
    assert isinstance(client.auth, ClientSecretPost)
    assert client.client_credentials(scope=["api:read", "api:write"]).scope == "api:read api:write"
    assert sent.method_used() == "client_secret_post"


def test_tuple_auth_shortcut(auth_server: AuthServer) -> None:
    client = OAuth2Client(auth_server.token_endpoint, auth=("cc-post", "cc-post-secret"))
    assert str(client.client_credentials(scope="api:write"))


def test_wrong_secret_is_invalid_client(auth_server: AuthServer) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="cc-basic", client_secret="not-the-secret",
        token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip
    with pytest.raises(InvalidClient) as caught:
        client.client_credentials(scope="api:read")
    assert caught.value.error == "invalid_client"
    assert caught.value.description
    assert caught.value.response.status_code == 401


def test_public_client_is_refused_client_credentials(auth_server: AuthServer) -> None:
    client = OAuth2Client(auth_server.token_endpoint, auth="public-app")
    with pytest.raises(UnauthorizedClient) as caught:
        client.client_credentials()
    assert caught.value.error == "unauthorized_client"


def test_scope_outside_the_client_is_invalid_scope(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-post")
    with pytest.raises(InvalidScope) as caught:
        client.client_credentials(scope="api:admin")
    assert caught.value.error == "invalid_scope"
    assert caught.value.description
    assert client.client_credentials(scope="api:read").scope == "api:read"


def test_unknown_resource_is_invalid_target(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-post")
    with pytest.raises(InvalidTarget) as caught:
        client.client_credentials(scope="api:read", resource="urn:nowhere")
    assert caught.value.error == "invalid_target"


@pytest.mark.parametrize(
    ("resource", "token_format"), [(OPAQUE_RESOURCE, "opaque"), (JWT_RESOURCE, "jwt")]
)
def test_resource_indicator_reaches_the_server(
    auth_server: AuthServer, resource: str, token_format: str
) -> None:
    client = client_for(auth_server, "cc-post")
    token = client.client_credentials(scope="api:read", resource=resource)
    # An RFC 9068 JWT access token has three dot-separated parts; an opaque one has none.
    assert (token.access_token.count(".") == 2) == (token_format == "jwt")
    seen = whoami(auth_server, token).json()
    assert seen["format"] == token_format
    assert seen["aud"] == resource


def test_auth_handler_calls_a_protected_endpoint(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-basic", token_endpoint_auth_method="client_secret_basic")
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read")
    auth_server.reset_counters()
    with requests.Session() as session:
        session.auth = auth
        for _ in range(3):
            response = session.get(auth_server.url("/test/protected"), timeout=10)
            assert response.status_code == 200
            assert response.json()["scope"] == "api:read"
    assert auth_server.token_requests("cc-basic") == 1  # cached after the first request


def test_auth_handler_renews_after_expiry(auth_server: AuthServer) -> None:
    # cc-short's tokens live 2 seconds; with no leeway the handler must renew on expiry.
    client = client_for(auth_server, "cc-short", token_endpoint_auth_method="client_secret_basic")
    auth = OAuth2ClientCredentialsAuth(client, leeway=0, scope="api:read")
    auth_server.reset_counters()
    first = whoami(auth_server, auth)
    assert first.status_code == 200
    old_token = auth.token
    assert old_token is not None
    time.sleep(2.2)
    assert old_token.is_expired()
    assert whoami(auth_server, old_token.__class__(old_token.access_token)).status_code == 401
    second = whoami(auth_server, auth)
    assert second.status_code == 200
    assert auth.token is not old_token
    assert auth_server.token_requests("cc-short") == 2


def test_a_leeway_longer_than_the_token_life_renews_halfway(auth_server: AuthServer) -> None:
    # cc-short's tokens live 2 s (to the microsecond), so the
    # 10 s leeway means "halfway": not at every request, but after at most one second.
    client = client_for(auth_server, "cc-short", token_endpoint_auth_method="client_secret_basic")
    auth = OAuth2ClientCredentialsAuth(client, leeway=10, scope="api:read")
    auth_server.reset_counters()
    for _ in range(3):
        assert whoami(auth_server, auth).status_code == 200
    assert auth_server.token_requests("cc-short") == 1
    time.sleep(1.1)
    assert whoami(auth_server, auth).status_code == 200
    assert auth_server.token_requests("cc-short") == 2


def test_single_flight_renewal_with_32_threads(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-post")
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read")
    auth_server.reset_counters()
    statuses = statuses_from_threads(auth_server.url("/test/protected"), auth)

    assert statuses == [200] * 32
    assert auth_server.token_requests("cc-post") == 1


def test_single_flight_renewal_after_expiry(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-short", token_endpoint_auth_method="client_secret_basic")
    auth = OAuth2ClientCredentialsAuth(client, leeway=0, scope="api:read")
    assert whoami(auth_server, auth).status_code == 200
    time.sleep(2.2)
    auth_server.reset_counters()
    results = statuses_from_threads(auth_server.url("/test/protected"), auth)
    assert results.count(200) == 32
    assert auth_server.token_requests("cc-short") == 1


def test_token_repr_hides_secrets(auth_server: AuthServer) -> None:
    client = client_for(auth_server, "cc-post")
    token = client.client_credentials(scope="api:read")
    auth = OAuth2ClientCredentialsAuth(client, token=token)
    for text in (repr(token), repr(client), repr(client.auth), repr(auth)):
        assert token.access_token not in text
        assert "cc-post-secret" not in text


def test_debug_logs_carry_no_secrets(
    auth_server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(auth_server, "cc-basic", token_endpoint_auth_method="client_secret_basic")
    with caplog.at_level(logging.DEBUG):
        token = client.client_credentials(scope="api:read")
        auth = OAuth2ClientCredentialsAuth(client, scope="api:read")
        whoami(auth_server, auth)
    assert "token_endpoint" in caplog.text or "/token" in caplog.text  # something was logged
    for secret in ("cc-basic-secret", token.access_token, str(auth.token)):
        assert secret not in caplog.text


def test_plain_http_to_loopback_ignores_proxies_from_the_environment(
    auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would carry the secret across a network in clear text: it is bypassed (here
    # nothing listens on the proxy's port, so going through it would fail).
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = client_for(auth_server, "cc-post")
    assert client.client_credentials(scope="api:read").scope == "api:read"


def test_a_session_subclass_is_sent_through_its_own_request_method(
    auth_server: AuthServer,
) -> None:
    # A plain Session is sent prepared requests (its environment merged once); a subclass,
    # which may change request(), goes through it for every call, and still gets tokens.
    seen: list[str] = []

    class Recording(requests.Session):
        def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
            seen.append(str(url))
            return super().request(method, url, *args, **kwargs)

    client = client_for(auth_server, "cc-post", session=Recording())
    tokens = [client.client_credentials(scope="api:read") for _ in range(2)]
    assert [auth_server.token_endpoint] * 2 == seen
    assert all(token.scope == "api:read" for token in tokens)
