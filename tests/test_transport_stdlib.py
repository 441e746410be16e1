"""Another HTTP stack under unchanged flows: a transport plugin on the standard library.

`HttpClientTransport` answers `oauth2kit_transmit` before the built-in and sends every call
with `http.client`; requests only holds what came back, in the `requests.Response` that
the hook returns. The client's session refuses to send anything, so a call that reached
requests would fail. Against the real test server, the flows run as they do over
requests: client credentials, introspection and revocation, the authorization code flow
with its ID token (the server's keys are fetched the same way), refresh, userinfo (whose
access token comes as the hook's `auth`), and error responses.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
import requests.adapters
from as_server import AuthServer
from code_flow import code_client
from requests.structures import CaseInsensitiveDict

from oauth2kit import (
    EndpointCall,
    IdToken,
    InvalidClient,
    OAuth2Client,
    PluginHost,
    ResponseTooLarge,
    Transport,
    TransportError,
    hookimpl,
)

pytestmark = pytest.mark.integration


class HttpClientTransport:
    """Sends calls with `http.client` (plain http: the test server is on loopback)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, int]] = []

    @hookimpl
    def oauth2kit_transmit(
        self, call: EndpointCall, transport: Transport, auth: requests.auth.AuthBase | None
    ) -> requests.Response:
        headers = dict(call.headers.plain)
        body = None
        if call.form:
            body = urlencode(_pairs(call.form.plain)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if auth is not None:  # a requests auth handler: it writes to a prepared request
            prepared = requests.Request(call.method, call.url, headers=headers).prepare()
            headers = dict(auth(prepared).headers)
        url = urlsplit(call.url)
        assert url.scheme == "http", "this transport speaks plain http only"
        timeout = transport.timeout if isinstance(transport.timeout, float) else None
        connection = http.client.HTTPConnection(url.netloc, timeout=timeout)
        try:
            path = f"{url.path}?{url.query}" if url.query else url.path
            connection.request(call.method, path, body=body, headers=headers)
            raw = connection.getresponse()
            content = raw.read(transport.max_response_bytes + 1)
        except OSError as exc:
            raise TransportError(f"{call.endpoint} could not be reached: {exc}") from exc
        finally:
            connection.close()
        if len(content) > transport.max_response_bytes:
            raise ResponseTooLarge(f"{call.endpoint} answered more than the cap")
        self.sent.append((call.endpoint, call.method, raw.status))
        response = requests.Response()
        response.status_code, response.reason, response.url = raw.status, raw.reason, call.url
        response.headers = CaseInsensitiveDict(raw.getheaders())
        response._content = content
        response.request = requests.Request(call.method, call.url, headers=headers).prepare()
        return response


def _pairs(form: Any) -> list[tuple[str, Any]]:
    """The form's fields as pairs: a list repeats its field, None is not sent."""
    return [
        (name, item)
        for name, value in form.items()
        for item in (value if isinstance(value, list | tuple) else [value])
        if item is not None
    ]


class Refuses(requests.adapters.BaseAdapter):
    """A session adapter that fails the test if requests is ever asked to send."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"requests was asked to send {request.method} {request.url}")

    def close(self) -> None:
        pass


@pytest.fixture
def stack() -> HttpClientTransport:
    return HttpClientTransport()


@pytest.fixture
def over_stdlib(stack: HttpClientTransport) -> dict[str, Any]:
    """A plugin host with the stdlib transport, and a session that refuses to send."""
    host = PluginHost()
    assert "loaded" == host.register(stack, name="test.http_client").status
    session = requests.Session()
    session.mount("http://", Refuses())
    session.mount("https://", Refuses())
    return {"plugins": host, "session": session}


def test_client_credentials_introspection_and_revocation(
    auth_server: AuthServer, stack: HttpClientTransport, over_stdlib: dict[str, Any]
) -> None:
    endpoints = {
        "introspection_endpoint": auth_server.discovery["introspection_endpoint"],
        "revocation_endpoint": auth_server.discovery["revocation_endpoint"],
    }
    issuer = OAuth2Client(
        auth_server.token_endpoint, auth=("cc-basic", "cc-basic-secret"), **endpoints,
        **over_stdlib,
    )  # fmt: skip
    resource_server = OAuth2Client(
        auth_server.token_endpoint, auth=("rs-introspector", "rs-introspector-secret"),
        **endpoints, **over_stdlib,
    )  # fmt: skip
    token = issuer.client_credentials(scope="api:read", resource="urn:oauth2kit:rs:opaque")
    assert resource_server.introspect_token(token)["active"] is True
    assert issuer.revoke_access_token(token) is True
    assert resource_server.introspect_token(token)["active"] is False
    assert [
        ("token_endpoint", "POST", 200),
        ("introspection_endpoint", "POST", 200),
        ("revocation_endpoint", "POST", 200),
        ("introspection_endpoint", "POST", 200),
    ] == stack.sent


def test_the_code_flow_refresh_and_userinfo(
    auth_server: AuthServer, stack: HttpClientTransport, over_stdlib: dict[str, Any]
) -> None:
    client = code_client(
        auth_server, "web-basic", userinfo_endpoint=auth_server.discovery["userinfo_endpoint"],
        **over_stdlib,
    )  # fmt: skip
    request = client.authorization_request(scope="openid profile")
    response = request.validate_callback(auth_server.authorize(request.uri))
    token = client.authorization_code(response)
    assert isinstance(token.id_token, IdToken)  # validated, with the keys fetched here
    assert "alice" == token.id_token.claims["sub"]
    assert "alice" == client.userinfo(token)["sub"]
    refreshed = client.refresh_token(token)
    assert refreshed.access_token != token.access_token
    sent = [endpoint for endpoint, _, _ in stack.sent]
    assert ["token_endpoint", "jwks_uri", "userinfo_endpoint", "token_endpoint"] == sent
    assert ("userinfo_endpoint", "POST", 200) == stack.sent[2]  # the token as `auth`


def test_an_error_response_is_parsed_as_over_requests(
    auth_server: AuthServer, stack: HttpClientTransport, over_stdlib: dict[str, Any]
) -> None:
    client = OAuth2Client(auth_server.token_endpoint, auth=("cc-basic", "wrong"), **over_stdlib)
    with pytest.raises(InvalidClient) as caught:
        client.client_credentials()
    assert 401 == caught.value.response.status_code
    assert [("token_endpoint", "POST", 401)] == stack.sent


def test_the_stacks_cap_and_failures_are_the_usual_errors(
    auth_server: AuthServer, stack: HttpClientTransport, over_stdlib: dict[str, Any]
) -> None:
    capped = OAuth2Client(
        auth_server.token_endpoint, auth=("cc-basic", "cc-basic-secret"), max_response_bytes=64,
        **over_stdlib,
    )  # fmt: skip
    with pytest.raises(ResponseTooLarge):
        capped.client_credentials()
    closed = OAuth2Client("http://127.0.0.1:1/token", auth=("c", "s"), **over_stdlib)
    with pytest.raises(TransportError, match="could not be reached"):
        closed.client_credentials()
    assert [] == stack.sent  # neither got a response to record
