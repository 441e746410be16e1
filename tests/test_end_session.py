"""RP-initiated logout: the logout URL, built by oauth2kit and followed at the real test server.

The ID token comes from an authorization code flow driven with plain `requests` (the
authorization code plugin is not needed for logout); the end-user's browser session is a
`requests.Session`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
import requests
from as_server import REDIRECT_URI, AuthServer

from oauth2kit import (
    BearerToken,
    InvalidEndSessionParam,
    MissingEndpointUri,
    OAuth2Client,
)

LOGGED_OUT = "http://127.0.0.1/logged-out"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(
        "https://as.example/token",
        auth=("rp", "secret"),
        end_session_endpoint="https://as.example/logout?tenant=t1",
        post_logout_redirect_uri="https://rp.example/bye",
    )


def test_the_logout_url_carries_every_parameter(client: OAuth2Client) -> None:
    url = client.run(
        "end_session_url",
        id_token_hint=BearerToken("at", id_token=ID_TOKEN),
        state="st-1",
        ui_locales=["fr-CA", "en"],
        logout_hint="alice@example.com",
        custom=["a", "b"],
    )
    assert url.startswith("https://as.example/logout?")
    assert {
        "tenant": ["t1"],  # the endpoint's own query is kept
        "id_token_hint": [ID_TOKEN],
        "post_logout_redirect_uri": ["https://rp.example/bye"],  # the setting's
        "state": ["st-1"],
        "client_id": ["rp"],
        "ui_locales": ["fr-CA en"],
        "logout_hint": ["alice@example.com"],
        "custom": ["a", "b"],
    } == parse_qs(urlsplit(url).query)


def test_defaults_can_be_overridden_or_left_out(client: OAuth2Client) -> None:
    query = _query(
        client.run("end_session_url", client_id=None, post_logout_redirect_uri="app:/bye")
    )
    assert {"tenant": "t1", "post_logout_redirect_uri": "app:/bye"} == query
    query = _query(client.run("end_session_url", id_token_hint=ID_TOKEN, tenant="t2"))
    assert ("t2", ID_TOKEN) == (query["tenant"], query["id_token_hint"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"id_token_hint": "opaque-access-token"}, "id_token_hint must be a compact JWT"),
        ({"id_token_hint": BearerToken("at")}, "does not contain an id_token"),
        ({"post_logout_redirect_uri": "/relative"}, "absolute URI without a fragment"),
        ({"post_logout_redirect_uri": "https://rp.example/#f"}, "absolute URI without a fragment"),
        ({"ui_locales": ["fr", ""]}, "ui_locales must be"),
        ({"state": ""}, "state must be a non-empty str"),
        ({"custom": object()}, "unusable logout parameter"),
    ],
)
def test_bad_parameters_are_refused(
    client: OAuth2Client, params: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidEndSessionParam, match=message):
        client.run("end_session_url", **params)


def test_settings_are_checked_once_and_the_endpoint_is_needed() -> None:
    with pytest.raises(InvalidEndSessionParam, match="post_logout_redirect_uri"):
        OAuth2Client("https://as.example/token", auth="rp", post_logout_redirect_uri="bye")
    with pytest.raises(MissingEndpointUri, match="end_session_endpoint"):
        OAuth2Client("https://as.example/token", auth="rp").run("end_session_url")


def _log_in(server: AuthServer, browser: requests.Session) -> BearerToken:
    query = urlencode(
        {"client_id": "logout-client", "response_type": "code", "redirect_uri": REDIRECT_URI,
         "scope": "openid", "nonce": "n-1"}
    )  # fmt: skip
    final = server.authorize(
        f"{server.discovery['authorization_endpoint']}?{query}", session=browser
    )
    code = _query(final)["code"]
    client = OAuth2Client(server.token_endpoint, auth=("logout-client", "logout-client-secret"))
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    return client.token_request(data)


@pytest.mark.integration
def test_the_server_accepts_the_logout_url(auth_server: AuthServer) -> None:
    browser = requests.Session()
    token = _log_in(auth_server, browser)
    assert token.id_token
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=("logout-client", "logout-client-secret"),
        end_session_endpoint=auth_server.discovery["end_session_endpoint"],
    )
    logouts = len(auth_server.backchannel_logout_tokens())
    url = client.run(
        "end_session_url", id_token_hint=token, post_logout_redirect_uri=LOGGED_OUT, state="st-9"
    )
    final = auth_server.logout(url, browser)
    assert LOGGED_OUT == final.split("?")[0]
    assert {"state": "st-9"} == _query(final)
    # The server ended the session: it told the client so on the back channel.
    assert logouts + 1 == len(auth_server.backchannel_logout_tokens())
