"""The JWT bearer (RFC 7523) and password (RFC 6749 section 4.3) grants and the password auth handler.

End to end against the test server's custom grants: ``ropc-client`` (any username, password
``<username>-password``) and ``jwt-bearer-client`` (self-issued assertions signed ES256 with
the pkjwt-es256 key).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests
from as_server import AuthServer
from jose import jwt

from oauth2kit import (
    BearerToken,
    InvalidGrant,
    InvalidJwtAssertion,
    InvalidParam,
    OAuth2Client,
    OAuth2ResourceOwnerPasswordAuth,
)

JWS = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


def _protected(server: AuthServer, auth: Any) -> dict[str, Any]:
    response = requests.get(server.url("/test/protected"), auth=auth, timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


# --- JWT bearer ----------------------------------------------------------------------------


def _assertion(server: AuthServer, sub: str, key: str = "pkjwt-es256", **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": "jwt-bearer-client", "sub": sub, "aud": server.issuer, "iat": now,
        "exp": now + 60, "jti": str(uuid.uuid4()), **claims,
    }  # fmt: skip
    jwk = server.client_jwk(key)
    return jwt.encode(payload, jwk, algorithm=jwk["alg"], headers={"kid": jwk["kid"]})


class JwtObject:
    """Like a JWT object of a JOSE library: its str() is the compact serialization."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return self.value


@pytest.fixture
def bearer_client(auth_server: AuthServer) -> OAuth2Client:
    return OAuth2Client(
        auth_server.token_endpoint, auth=("jwt-bearer-client", "jwt-bearer-client-secret")
    )


@pytest.mark.integration
def test_jwt_bearer_end_to_end(auth_server: AuthServer, bearer_client: OAuth2Client) -> None:
    token = bearer_client.jwt_bearer(_assertion(auth_server, "frank"), scope=["api:read"])
    assert "api:read" == token.scope
    assert "frank" == _protected(auth_server, token)["sub"]

    from_object = bearer_client.jwt_bearer(JwtObject(_assertion(auth_server, "gina")))
    assert "gina" == _protected(auth_server, from_object)["sub"]


@pytest.mark.integration
def test_jwt_bearer_assertions_the_server_refuses(
    auth_server: AuthServer, bearer_client: OAuth2Client
) -> None:
    with pytest.raises(InvalidGrant):  # signed with a key the server does not trust for it
        bearer_client.jwt_bearer(_assertion(auth_server, "frank", key="pkjwt-rs256"))
    with pytest.raises(InvalidGrant):  # expired
        bearer_client.jwt_bearer(_assertion(auth_server, "frank", exp=int(time.time()) - 600))


@pytest.mark.parametrize(
    "assertion",
    [
        "not a jwt",
        "a.b",
        "e30.e30.c2ln",
        "!!.e30.c2ln",
        "",
        None,
        42,
        b"\xff.a.b",
        JwtObject("x.y"),
    ],
)
def test_a_malformed_assertion_is_refused_before_sending(assertion: Any) -> None:
    client = OAuth2Client("https://as.example/token", auth=("c", "s"))
    with pytest.raises(InvalidJwtAssertion, match="must be a compact JWT") as caught:
        client.jwt_bearer(assertion)
    assert isinstance(caught.value, InvalidParam)
    if isinstance(assertion, str) and assertion:
        assert assertion not in str(caught.value)  # a credential: never in the message


def test_well_formed_jws_and_jwe_assertions_are_accepted() -> None:
    from o2k_builtins.grants.jwt_bearer import JwtBearerGrant

    client = OAuth2Client("https://as.example/token", auth=("c", "s"))
    jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"
    for value in (JWS, jwe, JWS.encode()):
        fields = JwtBearerGrant().build(client, {"assertion": value, "scope": ("a", "b")})
        assert {"assertion": JWS if value == JWS.encode() else value, "scope": "a b"} == fields


# --- password ------------------------------------------------------------------------------


@pytest.fixture
def ropc(auth_server: AuthServer) -> OAuth2Client:
    return OAuth2Client(auth_server.token_endpoint, auth=("ropc-client", "ropc-client-secret"))


@pytest.mark.integration
def test_password_grant_end_to_end(auth_server: AuthServer, ropc: OAuth2Client) -> None:
    token = ropc.resource_owner_password("hank", "hank-password", scope=["api:write"])
    assert "api:write" == token.scope
    assert "hank" == _protected(auth_server, token)["sub"]
    with pytest.raises(InvalidGrant):
        ropc.resource_owner_password("hank", "wrong")


def test_password_grant_arguments_are_checked_without_showing_them() -> None:
    client = OAuth2Client("https://as.example/token", auth=("c", "s"))
    with pytest.raises(InvalidParam, match="username must be a non-empty str, got str"):
        client.resource_owner_password("", "hunter2")
    password: Any = b"hunter2"
    with pytest.raises(InvalidParam, match="password must be a str, got bytes") as caught:
        client.resource_owner_password("u", password)
    assert "hunter2" not in str(caught.value)


@pytest.mark.integration
def test_the_password_handler_renews_with_its_original_parameters(
    auth_server: AuthServer, ropc: OAuth2Client
) -> None:
    # An initial token that is due at once (it expires within the leeway): the first request
    # renews it, with the handler's username, password and scope.
    handler = OAuth2ResourceOwnerPasswordAuth(
        ropc, username="ivy", password="ivy-password", scope="api:read",
        token=BearerToken("stale", expires_in=5), leeway=20,
    )  # fmt: skip
    before = auth_server.token_requests("ropc-client")
    info = _protected(auth_server, handler)
    assert ("ivy", "api:read") == (info["sub"], info["scope"])
    first = handler.token
    assert first is not None
    assert first.access_token != "stale"
    assert before + 1 == auth_server.token_requests("ropc-client")

    _protected(auth_server, handler)  # still valid: no new request
    assert before + 1 == auth_server.token_requests("ropc-client")

    handler.forget_token()
    info = _protected(auth_server, handler)
    assert ("ivy", "api:read") == (info["sub"], info["scope"])
    assert handler.token is not None
    assert first.access_token != handler.token.access_token
    assert before + 2 == auth_server.token_requests("ropc-client")


def test_the_password_handler_keeps_the_password_out_of_sight() -> None:
    client = OAuth2Client("https://as.example/token", auth=("c", "s"))
    handler = OAuth2ResourceOwnerPasswordAuth(client, username="ivy", password="hunter2")
    assert "hunter2" not in repr(handler)
    assert "ivy" in repr(handler)
    assert "hunter2" == handler.password
    no_password: Any = None
    with pytest.raises(InvalidParam, match="password must be a str"):
        OAuth2ResourceOwnerPasswordAuth(client, username="ivy", password=no_password)
