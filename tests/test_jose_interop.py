"""The JOSE facade against the real test authorization server (oidc-provider, on panva/jose).

The server accepts client assertions the facade signs (each private_key_jwt algorithm and
client_secret_jwt), and the facade verifies what the server signs (RFC 9068 access tokens,
ID tokens) and decrypts what it encrypts (an RSA-OAEP-256/A256GCM ID token). The requests
are sent by hand so that these tests depend on the facade alone.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from as_server import REDIRECT_URI, AuthServer

from oauth2kit import jose

pytestmark = pytest.mark.integration
TIMEOUT = 10
JWT_RESOURCE = "urn:oauth2kit:rs:jwt"


def server_keys(server: AuthServer) -> jose.KeySet:
    """The server's published JWKS, fetched from its jwks_uri."""
    response = requests.get(server.discovery["jwks_uri"], timeout=TIMEOUT)
    response.raise_for_status()
    keys = jose.KeySet.from_jwks(response.json(), strict=False)
    assert all(not key.is_private for key in keys)
    return keys


def assertion(server: AuthServer, client_id: str, key: jose.KeyLike) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id, "sub": client_id, "aud": server.token_endpoint,
        "jti": str(uuid.uuid4()), "iat": now, "exp": now + 60,
    }  # fmt: skip
    return jose.sign_jwt(claims, key)


def client_credentials(server: AuthServer, client_id: str, token: str, **extra: str) -> Any:
    response = requests.post(
        server.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token,
            **extra,
        },
        timeout=TIMEOUT,
    )
    assert 200 == response.status_code, response.text
    return response.json()


@pytest.mark.parametrize("client_id", ["pkjwt-es256", "pkjwt-rs256", "pkjwt-ps256", "pkjwt-eddsa"])
def test_server_accepts_private_key_jwt_assertions(auth_server: AuthServer, client_id: str) -> None:
    key = jose.to_key(auth_server.client_jwk(client_id))
    answer = client_credentials(auth_server, client_id, assertion(auth_server, client_id, key))
    assert "Bearer" == answer["token_type"]


def test_server_refuses_an_assertion_signed_by_another_key(auth_server: AuthServer) -> None:
    impostor = jose.generate_key("ES256", kid=auth_server.client_jwk("pkjwt-es256")["kid"])
    response = requests.post(
        auth_server.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": "pkjwt-es256",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion(auth_server, "pkjwt-es256", impostor),
        },
        timeout=TIMEOUT,
    )
    assert "invalid_client" == response.json()["error"]


def test_server_accepts_client_secret_jwt(auth_server: AuthServer) -> None:
    secret = jose.Key("cc-jwt-secret-0123456789abcdef0123456789abcdef", alg="HS256")
    answer = client_credentials(
        auth_server, "cc-jwt-secret", assertion(auth_server, "cc-jwt-secret", secret)
    )
    assert answer["access_token"]


def test_verify_a_jwt_access_token_from_the_server(auth_server: AuthServer) -> None:
    key = jose.to_key(auth_server.client_jwk("pkjwt-es256"))
    answer = client_credentials(
        auth_server,
        "pkjwt-es256",
        assertion(auth_server, "pkjwt-es256", key),
        resource=JWT_RESOURCE,
    )
    token = answer["access_token"]
    header, claims, used = jose.verify_jwt(token, server_keys(auth_server), algs=["RS256"])
    assert ("at+jwt", used.kid) == (header["typ"], header["kid"])
    assert (auth_server.issuer, JWT_RESOURCE, "pkjwt-es256") == (
        claims["iss"],
        claims["aud"],
        claims["client_id"],
    )
    jose.check_time_claims(claims, required=["exp", "iat"])
    with pytest.raises(jose.AlgorithmNotAllowed):
        jose.verify_jwt(token, server_keys(auth_server), algs=["ES256"])


def test_decrypt_and_verify_an_encrypted_id_token(auth_server: AuthServer) -> None:
    """enc-client's ID tokens are RS256 JWSs inside RSA-OAEP-256 / A256GCM JWEs."""
    nonce, state = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    query = urlencode({
        "client_id": "enc-client", "response_type": "code", "scope": "openid",
        "redirect_uri": REDIRECT_URI, "nonce": nonce, "state": state,
    })  # fmt: skip
    redirect = auth_server.authorize(f"{auth_server.discovery['authorization_endpoint']}?{query}")
    params = parse_qs(urlsplit(redirect).query)
    assert [state] == params["state"]
    response = requests.post(
        auth_server.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT_URI,
        },
        auth=("enc-client", "enc-client-secret"),
        timeout=TIMEOUT,
    )
    assert 200 == response.status_code, response.text
    answer = response.json()
    client_key = jose.to_key(auth_server.client_jwk("enc-client"))
    header = jose.peek_header(answer["id_token"])
    assert ("RSA-OAEP-256", "A256GCM") == (header["alg"], header["enc"])
    nested = jose.decrypt(answer["id_token"], client_key, algs=["RSA-OAEP-256"], encs=["A256GCM"])
    assert nested.key is client_key
    signed = jose.verify_jwt(nested.plaintext, server_keys(auth_server), algs=["RS256"])
    claims = signed.claims
    assert (auth_server.issuer, "enc-client", nonce) == (
        claims["iss"],
        claims["aud"],
        claims["nonce"],
    )
    with pytest.raises(jose.AlgorithmNotAllowed):
        jose.decrypt(answer["id_token"], client_key, algs=["RSA-OAEP"], encs=["A256GCM"])
