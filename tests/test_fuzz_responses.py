"""Whatever a token endpoint answers, the caller gets a token or an oauth2kit exception.

HTTP is stubbed with `responses`: the point is arbitrary bodies no real server sends.
"""

from __future__ import annotations

import json
from typing import Any

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oauth2kit import BearerToken, OAuth2Client, OAuth2KitError

TOKEN_ENDPOINT = "https://as.example/token"
CLIENT = OAuth2Client(TOKEN_ENDPOINT, client_id="c", client_secret="s")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
standard_keys = st.sampled_from(
    ["access_token", "token_type", "expires_in", "expires_at", "scope", "refresh_token",
     "id_token", "error", "error_description", "error_uri", "kwargs", "self"]
)  # fmt: skip
bodies = st.dictionaries(standard_keys | st.text(max_size=10), json_values, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=st.sampled_from([200, 201, 400, 401, 500, 503]))
def test_any_json_object(body: dict[str, Any], status: int) -> None:
    with responses.RequestsMock() as mock:
        mock.post(
            TOKEN_ENDPOINT, body=json.dumps(body), status=status, content_type="application/json"
        )
        try:
            token = CLIENT.client_credentials()
        except OAuth2KitError:
            return
    assert isinstance(token, BearerToken)
    assert 200 <= status < 300
    assert isinstance(token.access_token, str)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=200), status=st.sampled_from([200, 400, 502]))
def test_any_bytes(body: bytes, status: int) -> None:
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_ENDPOINT, body=body, status=status)
        try:
            CLIENT.client_credentials()
        except OAuth2KitError:
            return
    raise AssertionError("raw bytes are never a token response")
