"""The endpoint plugins at their edges: hostile answers, odd arguments, what must never leak.

Hostile discovery documents and registration answers come from a loopback HTTP server of
the test's own (`Loopback`); the flows the real server can run go to the test server. One
test stubs HTTP (``responses``) for a challenge the real server never sends; its docstring
says so.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from as_server import AuthServer
from code_flow import code_client

from oauth2kit import (
    ClientRegistration,
    InvalidEndpointUri,
    InvalidIssuer,
    InvalidMtlsEndpointAliases,
    InvalidParam,
    OAuth2Client,
    OAuth2KitError,
    UserinfoError,
    register_client,
    well_known_uri,
)


class Loopback:
    """A loopback HTTP server answering each path with a fixed (status, JSON body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, Any]] = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                status, body = routes.get(urlsplit(self.path).path, (404, {"error": "x"}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._answer()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        """The URL of `path` on this server."""
        return f"{self.base}{path}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    try:
        yield server
    finally:
        server.close()


def _par_client() -> OAuth2Client:
    return OAuth2Client(
        "https://as.example/token",
        auth=("app", "app-secret"),
        authorization_endpoint="https://as.example/authorize",
        pushed_authorization_request_endpoint="https://as.example/par",
        redirect_uri="https://app.example/cb",
    )


# --- PAR: requests_kwargs -----------------------------------------------------------------


@pytest.mark.integration
def test_par_requests_kwargs_cannot_switch_off_client_authentication(
    auth_server: AuthServer,
) -> None:
    """PAR refuses ``requests_kwargs={"auth": False}`` as every other operation does."""
    client = code_client(auth_server, "par-client")
    request = client.authorization_request(scope="openid")
    with pytest.raises(InvalidParam, match="cannot be passed here"):
        client.pushed_authorization_request(request, requests_kwargs={"auth": False})


@pytest.mark.parametrize("kwargs", [{"options": {}}, {"data": {}}, [("timeout", 3)]])
def test_par_unusable_requests_kwargs_raise_invalid_param(kwargs: Any) -> None:
    """Unusable PAR ``requests_kwargs`` raise InvalidParam, never a TypeError."""
    client = _par_client()
    request = client.authorization_request(scope="openid")
    with pytest.raises(InvalidParam):
        client.pushed_authorization_request(request, requests_kwargs=kwargs)


# --- registration -------------------------------------------------------------------------


def test_a_huge_client_secret_expires_at_is_no_stray_overflow(loopback: Loopback) -> None:
    """A huge ``client_secret_expires_at`` from the server does not raise OverflowError."""
    loopback.routes["/reg"] = (201, {"client_id": "c1", "client_secret_expires_at": 10**400})
    registration = register_client(loopback.url("/reg"), {"client_name": "x"})
    expires = registration.client_secret_expires_at
    assert expires is None or expires > 0


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (
            lambda: ClientRegistration(
                {
                    "client_id": "c1",
                    "registration_access_token": "rat",
                    "registration_client_uri": "http://as.example/reg/c1",
                }
            ),
            "registration_client_uri",
        ),
        (lambda: register_client("http://as.example/reg", {}), "registration_endpoint"),
    ],
)
def test_a_refused_registration_uri_is_named_as_such(build: Any, name: str) -> None:
    """A refused registration URI is reported under its own name, not as the token endpoint."""
    with pytest.raises(InvalidEndpointUri) as caught:
        build()
    assert name == caught.value.endpoint
    assert "token_endpoint" not in str(caught.value)


@pytest.mark.parametrize("token", ["rat\x00x", "rat\r\nX-Injected: 1", "two words"])
def test_a_registration_access_token_that_no_header_can_carry_is_refused(token: str) -> None:
    """A registration access token with control characters or spaces is refused on entry."""
    stored = {
        "client_id": "c1",
        "registration_access_token": token,
        "registration_client_uri": "https://as.example/reg/c1",
    }
    with pytest.raises(InvalidParam):
        ClientRegistration(stored)


def test_an_initial_access_token_with_a_control_character_is_refused(loopback: Loopback) -> None:
    """An initial access token with a NUL is refused before it is sent in a header."""
    loopback.routes["/reg"] = (201, {"client_id": "c1"})
    with pytest.raises(InvalidParam):
        register_client(loopback.url("/reg"), {}, initial_access_token="iat\x00x")


@pytest.mark.integration
def test_concurrent_updates_keep_the_rotated_registration_access_token(
    auth_server: AuthServer,
) -> None:
    """Updates from several threads each send the newest (rotated) registration access token."""
    registration = register_client(
        auth_server.discovery["registration_endpoint"],
        {
            "grant_types": ["client_credentials"],
            "response_types": [],
            "redirect_uris": [],
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )
    first = registration.registration_access_token
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for step in range(3):
                registration.update(registration.metadata, client_name=f"t{index}-{step}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [] == errors
    assert first != registration.registration_access_token  # rotated on every PUT
    assert registration.read()["client_name"].startswith("t")
    registration.delete()


# --- end session --------------------------------------------------------------------------


def test_the_end_session_endpoints_own_query_is_kept_whole() -> None:
    """The end_session_endpoint's own query parameters survive, blank ones included."""
    client = OAuth2Client(
        "https://as.example/token",
        auth=("rp", "secret"),
        end_session_endpoint="https://as.example/logout?tenant=&x=1",
    )
    query = parse_qsl(urlsplit(client.run("end_session_url")).query, keep_blank_values=True)
    assert ("tenant", "") in query
    assert ("x", "1") in query


def test_an_empty_post_logout_redirect_uri_is_refused_not_replaced() -> None:
    """An explicit empty post_logout_redirect_uri is refused, not swapped for the setting."""
    client = OAuth2Client(
        "https://as.example/token",
        auth=("rp", "secret"),
        end_session_endpoint="https://as.example/logout",
        post_logout_redirect_uri="https://rp.example/bye",
    )
    with pytest.raises(InvalidParam):
        client.run("end_session_url", post_logout_redirect_uri="")


# --- discovery ----------------------------------------------------------------------------


def test_well_known_uri_keeps_credentials_out_of_its_message() -> None:
    """An origin's password never appears in well_known_uri's error message."""
    with pytest.raises(InvalidParam) as caught:
        well_known_uri("https://user:s3cret@as.example/?tenant=1", "openid-configuration")
    assert "s3cret" not in str(caught.value)


def test_an_issuer_with_a_query_is_an_invalid_issuer() -> None:
    """An issuer with a query is refused as InvalidIssuer, as the discovery docs promise."""
    with pytest.raises(InvalidIssuer):
        OAuth2Client.from_discovery_endpoint(issuer="https://as.example/?tenant=1")


def test_a_document_whose_issuer_has_a_query_is_refused() -> None:
    """A discovery document naming an issuer with a query component is refused."""
    document = {"issuer": "https://as.example/?tenant=1", "token_endpoint": "https://as.example/t"}
    with pytest.raises(InvalidIssuer):
        OAuth2Client.from_discovery_document(document, auth=("a", "b"))


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ({"mtls_endpoint_aliases": ["https://mtls.as.example/token"]}, InvalidMtlsEndpointAliases),
        ({"mtls_endpoint_aliases": {"token_endpoint": 5}}, InvalidEndpointUri),
        (
            {"mtls_endpoint_aliases": {"token_endpoint": "http://evil.example/t"}},
            InvalidEndpointUri,
        ),
        ({"revocation_endpoint": ["http://127.0.0.1/revoke"]}, InvalidEndpointUri),
        ({"userinfo_endpoint": "http://evil.example/me"}, InvalidEndpointUri),
        ({"end_session_endpoint": "https://as.example/logout#frag"}, InvalidEndpointUri),
        ({"issuer": 5}, InvalidIssuer),
    ],
)
def test_hostile_members_of_a_fetched_document_raise_oauth2kit_errors(
    loopback: Loopback, member: dict[str, Any], expected: type[OAuth2KitError]
) -> None:
    """Members of unusable types or URIs in a fetched document raise the documented errors."""
    loopback.routes["/doc"] = (
        200,
        {"issuer": loopback.base, "token_endpoint": loopback.url("/token"), **member},
    )
    with pytest.raises(expected):
        OAuth2Client.from_discovery_endpoint(loopback.url("/doc"), auth=("a", "b"))


# --- userinfo -----------------------------------------------------------------------------


@responses.activate
def test_a_challenge_error_param_is_read_whatever_its_case() -> None:
    """An ``Error=`` auth-param (names are case-insensitive, RFC 9110) gives a UserinfoError.

    Stubbed: the test server always writes its challenge parameters in lower case.
    """
    responses.add(
        responses.POST,
        "https://as.example/me",
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="as", Error="invalid_token"'},
    )
    client = OAuth2Client(
        "https://as.example/token", auth=("a", "b"), userinfo_endpoint="https://as.example/me"
    )
    with pytest.raises(UserinfoError) as caught:
        client.userinfo("an-access-token")
    assert "invalid_token" == caught.value.error
