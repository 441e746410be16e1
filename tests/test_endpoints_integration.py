"""Revocation, introspection and userinfo end to end against the real test server.

Tokens come from the real server: client credentials tokens of ``cc-basic``, and a user's
tokens from an authorization code flow driven with plain `requests` and exchanged with
`OAuth2Client.token_request` (these plugins need no authorization code plugin). The
resource server ``rs-introspector`` introspects; a token is revoked by the client it was
issued to, as the server requires.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from as_server import REDIRECT_URI, AuthServer

from oauth2kit import (
    BearerToken,
    EndpointCall,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    OAuth2Client,
    PluginHost,
    UnsupportedIntrospectionResponse,
    UnsupportedUserinfoResponse,
    UserinfoError,
    hookimpl,
)

pytestmark = pytest.mark.integration

SECRETS = {
    "cc-basic": "cc-basic-secret",
    "web-basic": "web-basic-secret",
    "jwt-userinfo": "jwt-userinfo-secret",
    "rs-introspector": "rs-introspector-secret",
    "rs-introspector-jwt": "rs-introspector-jwt-secret",
}


class Recorder:
    """Records each call as the request hooks see it (the form and headers that are sent)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []

    @hookimpl
    def oauth2kit_prepare_request(self, call: EndpointCall) -> None:
        self.calls.append((call.endpoint, call.method, dict(call.form), dict(call.headers)))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def host(recorder: Recorder) -> PluginHost:
    host = PluginHost()
    host.register(recorder, name="test.recorder")
    return host


def client(server: AuthServer, client_id: str, host: PluginHost | None = None) -> OAuth2Client:
    """A client of `server` with the three endpoints from its discovery document."""
    return OAuth2Client(
        server.token_endpoint,
        auth=(client_id, SECRETS[client_id]),
        revocation_endpoint=server.discovery["revocation_endpoint"],
        introspection_endpoint=server.discovery["introspection_endpoint"],
        userinfo_endpoint=server.discovery["userinfo_endpoint"],
        plugins=host,
    )


def user_token(server: AuthServer, client_id: str = "web-basic") -> BearerToken:
    """Alice's tokens (access, refresh and ID token) from a headless code flow."""
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid profile email offline_access",
        "redirect_uri": REDIRECT_URI,
        "prompt": "consent",
    }
    final = server.authorize(f"{server.discovery['authorization_endpoint']}?{urlencode(query)}")
    code = parse_qs(urlsplit(final).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    return client(server, client_id).token_request(form)


# --- revocation and introspection --------------------------------------------------------


def test_a_revoked_access_token_introspects_inactive(
    auth_server: AuthServer, host: PluginHost, recorder: Recorder
) -> None:
    owner = client(auth_server, "cc-basic", host)
    token = owner.client_credentials(scope="api:read")
    resource_server = client(auth_server, "rs-introspector")

    before = resource_server.introspect_token(token)
    assert before["active"] is True
    assert ("cc-basic", "api:read") == (before["client_id"], before["scope"])

    assert owner.revoke_access_token(token, reason="test") is True
    endpoint, method, form, headers = recorder.calls[-1]
    assert ("revocation_endpoint", "POST") == (endpoint, method)
    assert {
        "token": token.access_token,
        "token_type_hint": "access_token",
        "reason": "test",
    } == form
    assert "application/json" == headers["Accept"]

    assert {"active": False} == resource_server.introspect_token(token.access_token)


def test_a_revoked_refresh_token_introspects_inactive(
    auth_server: AuthServer, host: PluginHost, recorder: Recorder
) -> None:
    token = user_token(auth_server)
    assert token.refresh_token is not None
    resource_server = client(auth_server, "rs-introspector", host)

    answer = resource_server.introspect_token(token, token_type_hint="refresh_token")
    assert answer["active"] is True
    assert ("alice", "web-basic") == (answer["sub"], answer["client_id"])
    sent = recorder.calls[-1][2]
    assert {"token": token.refresh_token, "token_type_hint": "refresh_token"} == sent

    assert client(auth_server, "web-basic").revoke_refresh_token(token) is True
    answer = resource_server.introspect_token(token.refresh_token, "refresh_token")
    assert {"active": False} == answer
    # The token can no longer be refreshed either.
    with pytest.raises(InvalidGrant):
        client(auth_server, "web-basic").refresh_token(token)


def test_revoking_an_unknown_token_succeeds(auth_server: AuthServer) -> None:
    # RFC 7009 section 2.2: invalid tokens do not cause an error.
    assert client(auth_server, "cc-basic").revoke_token("no-such-token") is True


def test_a_server_refusal_raises_its_error(auth_server: AuthServer) -> None:
    token = client(auth_server, "cc-basic").client_credentials()
    # Only the client a token was issued to may revoke it.
    with pytest.raises(InvalidRequest, match="not authorized to revoke") as caught:
        client(auth_server, "rs-introspector").revoke_token(token)
    assert "invalid_request" == caught.value.error
    assert 400 == caught.value.response.status_code


def test_introspection_with_a_wrong_secret_raises_invalid_client(auth_server: AuthServer) -> None:
    intruder = OAuth2Client(
        auth_server.token_endpoint,
        auth=("rs-introspector", "wrong"),
        introspection_endpoint=auth_server.discovery["introspection_endpoint"],
    )
    with pytest.raises(InvalidClient):
        intruder.introspect_token("any-token")


def test_a_jwt_introspection_answer_is_refused_without_the_plugin_that_verifies_it(
    auth_server: AuthServer,
) -> None:
    token = client(auth_server, "cc-basic").client_credentials()
    unverified = PluginHost(disable=["oidc.signed_responses"])
    resource_server = client(auth_server, "rs-introspector-jwt", unverified)
    accept = {"headers": {"Accept": "application/token-introspection+jwt"}}
    with pytest.raises(UnsupportedIntrospectionResponse, match="RFC 9701") as caught:
        resource_server.introspect_token(token, requests_kwargs=accept)
    assert caught.value.response.headers["Content-Type"].startswith(
        "application/token-introspection+jwt"
    )
    # Without that Accept header, the same client gets JSON.
    assert resource_server.introspect_token(token)["active"] is True


# --- userinfo ----------------------------------------------------------------------------


def test_userinfo_returns_the_users_claims(
    auth_server: AuthServer, host: PluginHost, recorder: Recorder
) -> None:
    token = user_token(auth_server)
    web = client(auth_server, "web-basic", host)

    claims = web.userinfo(token)
    assert ("alice", "alice@example.test") == (claims["sub"], claims["email"])
    endpoint, method, form, headers = recorder.calls[-1]
    assert ("userinfo_endpoint", "POST", {}) == (endpoint, method, form)  # POST, as upstream
    assert "application/json" == headers["Accept"]
    # A str access token works the same.
    assert claims == web.userinfo(token.access_token)


def test_userinfo_with_a_bad_token_raises_the_challenges_error(auth_server: AuthServer) -> None:
    with pytest.raises(UserinfoError) as caught:
        client(auth_server, "web-basic").userinfo("not-a-token")
    assert "invalid_token" == caught.value.error
    assert 401 == caught.value.response.status_code


def test_userinfo_after_revocation_is_refused(auth_server: AuthServer) -> None:
    token = user_token(auth_server)
    web = client(auth_server, "web-basic")
    assert web.userinfo(token)["sub"] == "alice"
    assert web.revoke_access_token(token) is True
    with pytest.raises(UserinfoError, match="invalid_token"):
        web.userinfo(token)


def test_signed_userinfo_is_refused_without_the_plugin_that_verifies_it(
    auth_server: AuthServer,
) -> None:
    token = user_token(auth_server, "jwt-userinfo")
    unverified = PluginHost(disable=["oidc.signed_responses"])
    with pytest.raises(UnsupportedUserinfoResponse, match="application/jwt") as caught:
        client(auth_server, "jwt-userinfo", unverified).userinfo(token)
    assert 200 == caught.value.response.status_code
