"""Smoke tests of the test authorization server itself, with plain requests (no oauth2kit).

If these fail, every integration test fails for a reason that is not oauth2kit's.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from as_server import REDIRECT_URI

if TYPE_CHECKING:
    from as_server import AuthServer

pytestmark = pytest.mark.integration

TIMEOUT = 10
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CIBA_GRANT = "urn:openid:params:grant-type:ciba"


def client_credentials(server: AuthServer, **data: str) -> requests.Response:
    return requests.post(
        server.token_endpoint,
        auth=("cc-basic", "cc-basic-secret"),
        data={"grant_type": "client_credentials", **data},
        timeout=TIMEOUT,
    )


def protected(server: AuthServer, token: str) -> requests.Response:
    return requests.get(
        server.url("/test/protected"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_discovery_lists_the_endpoints(auth_server: AuthServer) -> None:
    doc = auth_server.discovery
    assert doc["issuer"] == auth_server.issuer
    assert auth_server.issuer.startswith("http://127.0.0.1:")
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "registration_endpoint",
        "end_session_endpoint",
        "pushed_authorization_request_endpoint",
        "device_authorization_endpoint",
        "backchannel_authentication_endpoint",
    ):
        assert doc[name].startswith(auth_server.issuer + "/"), name
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "urn:ietf:params:oauth:grant-type:token-exchange" in doc["grant_types_supported"]
    assert "tls_client_auth" in doc["token_endpoint_auth_methods_supported"]
    assert doc["mtls_endpoint_aliases"]["token_endpoint"].startswith("https://127.0.0.1:")


def test_client_credentials_basic_and_post(auth_server: AuthServer) -> None:
    basic = client_credentials(auth_server, scope="api:read")
    assert basic.status_code == 200, basic.text
    assert basic.json()["token_type"] == "Bearer"
    assert basic.json()["scope"] == "api:read"

    post = requests.post(
        auth_server.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": "cc-post",
            "client_secret": "cc-post-secret",
            "scope": "api:read api:write",
        },
        timeout=TIMEOUT,
    )
    assert post.status_code == 200, post.text
    assert post.json()["scope"] == "api:read api:write"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"scope": "api:admin"}, "invalid_scope"),  # a known scope the client may not have
        ({"scope": "no-such-scope"}, "invalid_scope"),  # a scope unknown to the server
        ({"resource": "urn:oauth2kit:rs:unknown"}, "invalid_target"),
    ],
)
def test_client_credentials_errors(
    auth_server: AuthServer, data: dict[str, str], error: str
) -> None:
    response = client_credentials(auth_server, **data)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_wrong_secret_and_public_client_are_refused(auth_server: AuthServer) -> None:
    wrong = requests.post(
        auth_server.token_endpoint,
        auth=("cc-basic", "wrong"),
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT,
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"

    public = requests.post(
        auth_server.token_endpoint,
        data={"grant_type": "client_credentials", "client_id": "public-app"},
        timeout=TIMEOUT,
    )
    assert public.status_code == 400
    assert public.json()["error"] == "unauthorized_client"


def test_counters_count_token_requests(auth_server: AuthServer) -> None:
    auth_server.reset_counters()
    assert auth_server.token_requests() == 0
    client_credentials(auth_server)
    client_credentials(auth_server)
    requests.post(
        auth_server.token_endpoint,
        auth=("cc-post", "wrong"),  # failures count too
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT,
    )
    assert auth_server.token_requests("cc-basic") == 2
    assert auth_server.token_requests("cc-post") == 1
    assert auth_server.token_requests() == 3
    auth_server.reset_counters()
    assert auth_server.token_requests("cc-basic") == 0


def test_protected_resource_checks_the_token(auth_server: AuthServer) -> None:
    token = client_credentials(auth_server, scope="api:read").json()["access_token"]
    ok = protected(auth_server, token)
    assert ok.status_code == 200
    assert ok.json()["client_id"] == "cc-basic"
    assert ok.json()["scope"] == "api:read"

    bad = protected(auth_server, "not-a-token")
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_resources_opaque_and_jwt(auth_server: AuthServer) -> None:
    opaque = client_credentials(auth_server, resource="urn:oauth2kit:rs:opaque", scope="api:read")
    jwt = client_credentials(auth_server, resource="urn:oauth2kit:rs:jwt", scope="api:read")
    assert opaque.status_code == jwt.status_code == 200
    assert protected(auth_server, opaque.json()["access_token"]).json()["format"] == "opaque"
    header = jwt.json()["access_token"].split(".")[0]
    assert b'"at+jwt"' in base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    introspected = protected(auth_server, jwt.json()["access_token"]).json()
    assert introspected["aud"] == "urn:oauth2kit:rs:jwt"


def test_short_lived_client_credentials_token_expires(auth_server: AuthServer) -> None:
    response = requests.post(
        auth_server.token_endpoint,
        auth=("cc-short", "cc-short-secret"),
        data={"grant_type": "client_credentials"},
        timeout=TIMEOUT,
    )
    body = response.json()
    assert body["expires_in"] == 2
    assert protected(auth_server, body["access_token"]).status_code == 200
    time.sleep(2.5)
    assert protected(auth_server, body["access_token"]).status_code == 401


@pytest.mark.parametrize("use_forms", [False, True], ids=["auto", "forms"])
def test_authorization_code_with_pkce(auth_server: AuthServer, use_forms: bool) -> None:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    params = {
        "client_id": "public-app",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile api:read",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    url = f"{auth_server.discovery['authorization_endpoint']}?{urlencode(params)}"
    final = auth_server.authorize(url, "bob", use_forms=use_forms)
    assert final.startswith(REDIRECT_URI + "?")
    result = query_of(final)
    assert result["state"] == "state-1"
    assert result["iss"] == auth_server.issuer  # RFC 9207

    tokens = requests.post(
        auth_server.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "client_id": "public-app",
            "code": result["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        timeout=TIMEOUT,
    )
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert {"access_token", "id_token", "refresh_token"} <= body.keys()
    userinfo = requests.get(
        auth_server.discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=TIMEOUT,
    )
    assert userinfo.json()["sub"] == "bob"


def test_device_flow_approval_route(auth_server: AuthServer) -> None:
    started = requests.post(
        auth_server.discovery["device_authorization_endpoint"],
        data={"client_id": "device-client", "scope": "openid api:read"},
        timeout=TIMEOUT,
    ).json()
    poll = {"grant_type": DEVICE_GRANT, "client_id": "device-client"}
    poll["device_code"] = started["device_code"]
    pending = requests.post(auth_server.token_endpoint, data=poll, timeout=TIMEOUT)
    assert pending.json()["error"] == "authorization_pending"

    auth_server.approve_device(started["user_code"], "dave")
    tokens = requests.post(auth_server.token_endpoint, data=poll, timeout=TIMEOUT)
    assert tokens.status_code == 200, tokens.text
    assert "id_token" in tokens.json()
    assert protected(auth_server, tokens.json()["access_token"]).json()["sub"] == "dave"


def test_ciba_approval_route(auth_server: AuthServer) -> None:
    auth = ("ciba-client", "ciba-client-secret")
    started = requests.post(
        auth_server.discovery["backchannel_authentication_endpoint"],
        auth=auth,
        data={"scope": "openid api:read", "login_hint": "erin", "binding_message": "W4-SCT"},
        timeout=TIMEOUT,
    ).json()
    poll = {"grant_type": CIBA_GRANT, "auth_req_id": started["auth_req_id"]}
    pending = requests.post(auth_server.token_endpoint, auth=auth, data=poll, timeout=TIMEOUT)
    assert pending.json()["error"] == "authorization_pending"

    assert started["auth_req_id"] in auth_server.ciba_requests()
    auth_server.approve_ciba(started["auth_req_id"])
    tokens = requests.post(auth_server.token_endpoint, auth=auth, data=poll, timeout=TIMEOUT)
    assert tokens.status_code == 200, tokens.text
    assert protected(auth_server, tokens.json()["access_token"]).json()["sub"] == "erin"


def test_logout_notifies_the_backchannel(auth_server: AuthServer) -> None:
    browser = requests.Session()
    params = {
        "client_id": "logout-client",
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
    }
    url = f"{auth_server.discovery['authorization_endpoint']}?{urlencode(params)}"
    code = query_of(auth_server.authorize(url, session=browser))["code"]
    tokens = requests.post(
        auth_server.token_endpoint,
        auth=("logout-client", "logout-client-secret"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        timeout=TIMEOUT,
    ).json()
    before = len(auth_server.backchannel_logout_tokens())
    end = {
        "id_token_hint": tokens["id_token"],
        "post_logout_redirect_uri": "http://127.0.0.1/logged-out",
        "state": "bye",
    }
    final = auth_server.logout(
        f"{auth_server.discovery['end_session_endpoint']}?{urlencode(end)}", browser
    )
    assert final == "http://127.0.0.1/logged-out?state=bye"
    deadline = time.monotonic() + 5
    while len(auth_server.backchannel_logout_tokens()) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(auth_server.backchannel_logout_tokens()) == before + 1
