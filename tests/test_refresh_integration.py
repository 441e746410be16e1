"""The refresh token grant and OAuth2AccessTokenAuth, against the real test server.

The first token comes from an authorization code flow driven with plain `requests`
(the authorization code grant plugin is a later piece of work); everything after that goes
through oauth2kit.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from as_server import REDIRECT_URI, AuthServer
from concurrency import statuses_from_threads

from oauth2kit import (
    BearerToken,
    InvalidGrant,
    InvalidParam,
    MissingRefreshToken,
    OAuth2AccessTokenAuth,
    OAuth2Client,
)

pytestmark = pytest.mark.integration


def first_token(server: AuthServer, client_id: str, secret: str | None = None) -> BearerToken:
    """Log a user in with PKCE and exchange the code, without oauth2kit."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT_URI,
            "scope": "openid api:read", "code_challenge": challenge, "code_challenge_method": "S256",
        }
    )  # fmt: skip
    final = server.authorize(f"{server.discovery['authorization_endpoint']}?{query}")
    code = parse_qs(urlsplit(final).query)["code"][0]
    response = requests.post(
        server.token_endpoint,
        data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier, "client_id": client_id,
        },
        auth=(client_id, secret) if secret else None,
        timeout=10,
    )  # fmt: skip
    response.raise_for_status()
    return BearerToken.from_response(response.json())


def test_refresh_with_a_rotating_refresh_token(auth_server: AuthServer) -> None:
    client = OAuth2Client(auth_server.token_endpoint, auth="public-app")
    token = first_token(auth_server, "public-app")
    assert token.refresh_token

    refreshed = client.refresh_token(token)
    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token not in (None, token.refresh_token)  # public clients rotate
    assert requests.get(auth_server.url("/test/protected"), auth=refreshed, timeout=10).ok
    with pytest.raises(InvalidGrant):
        client.refresh_token(token.refresh_token)  # the rotated-out one is refused


def test_refresh_needs_a_refresh_token() -> None:
    client = OAuth2Client("https://as.example/token", auth="public-app")
    with pytest.raises(MissingRefreshToken):
        client.refresh_token(BearerToken("at"))
    with pytest.raises(InvalidParam):
        client.refresh_token(42)  # type: ignore[arg-type]


def test_access_token_auth_refreshes_once_for_32_threads(auth_server: AuthServer) -> None:
    # web-short's access tokens live 2 seconds; after expiry, 32 threads at once must cause
    # exactly one refresh, and the handler keeps working on the next expiry too.
    client = OAuth2Client(
        auth_server.token_endpoint, auth=("web-short", "web-short-secret"),
        token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip
    auth = OAuth2AccessTokenAuth(
        client, first_token(auth_server, "web-short", "web-short-secret"), leeway=0
    )
    for _ in range(2):
        time.sleep(2.2)
        auth_server.reset_counters()
        statuses = statuses_from_threads(auth_server.url("/test/protected"), auth)
        assert statuses == [200] * 32
        assert auth_server.token_requests("web-short") == 1
        assert auth.token is not None
        assert auth.token.refresh_token  # kept for the next renewal
