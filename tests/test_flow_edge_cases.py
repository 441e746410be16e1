"""The flow and client authentication plugins at their edges: callbacks, PKCE, server values.

Callback parsing and PKCE need no server; the few tests that answer for the server stub it,
and say why in their docstring.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import responses
from o2k_builtins.ciba.backchannel_authentication import InvalidBackChannelAuthenticationResponse
from o2k_builtins.device.device_authorization import InvalidDeviceAuthorizationResponse
from o2k_builtins.grants.token_exchange import expand_token_type

from oauth2kit import (
    AuthorizationRequest,
    AuthorizationResponse,
    InvalidCodeVerifierParam,
    InvalidParam,
    MismatchingIssuer,
    OAuth2Client,
    OAuth2KitError,
    PkceUtils,
)

ENDPOINT = "https://as.example/authorize"
ISSUER = "https://as.example"
REDIRECT = "https://app.example/cb"
STUB_TOKEN = "https://as.example/token"
STUB_DEVICE = "https://as.example/device"
STUB_CIBA = "https://as.example/backchannel"


def _request(**kwargs: Any) -> AuthorizationRequest:
    kwargs.setdefault("redirect_uri", REDIRECT)
    return AuthorizationRequest(ENDPOINT, client_id="app", **kwargs)


class _Key:
    """A stand-in DPoP key: all an authorization request reads of one is its thumbprint."""

    dpop_jkt = "jkt-of-the-key"


# --- callbacks -------------------------------------------------------------------------------


def test_a_callback_parameter_named_self_is_no_stray_type_error() -> None:
    """A callback with an extra ``self`` parameter is accepted or refused, never a TypeError."""
    azr = _request()
    with contextlib.suppress(OAuth2KitError):
        response = azr.validate_callback(f"{REDIRECT}?code=c&state={azr.state}&self=x")
        assert response.code == "c"


def test_a_fragment_response_to_a_redirect_uri_with_a_query_is_read() -> None:
    """response_mode=fragment to ``cb?tenant=a`` puts code and state in the fragment."""
    redirect = f"{REDIRECT}?tenant=a"
    azr = _request(redirect_uri=redirect, response_mode="fragment")
    response = azr.validate_callback(f"{redirect}#code=c1&state={azr.state}")
    assert (response.code, response.state) == ("c1", azr.state)


def test_the_issuer_is_compared_exactly() -> None:
    """RFC 9207: ``iss`` with another case or a trailing slash is another issuer."""
    azr = _request(issuer=ISSUER)
    for iss in (f"{ISSUER}/", ISSUER.upper(), "https://AS.example", f"{ISSUER}%20"):
        with pytest.raises(MismatchingIssuer):
            azr.validate_callback(f"code=c&state={azr.state}&iss={iss}")


# --- PKCE ------------------------------------------------------------------------------------


def test_a_code_verifier_with_a_trailing_newline_is_refused() -> None:
    """RFC 7636 4.1: a verifier of 43 unreserved characters plus ``\\n`` is not a verifier."""
    verifier = "a" * 43 + "\n"
    with pytest.raises(InvalidCodeVerifierParam):
        PkceUtils.checked_verifier(verifier)
    with pytest.raises(InvalidCodeVerifierParam):
        _request(code_verifier=verifier)
    with pytest.raises(InvalidCodeVerifierParam):
        AuthorizationResponse(code="c", code_verifier=verifier)


def test_a_non_ascii_challenge_does_not_match() -> None:
    """Checking a verifier against a challenge with non-ASCII characters says False."""
    assert PkceUtils.validate_code_verifier("a" * 43, "é" * 43) is False


# --- authorization request parameters --------------------------------------------------------


def test_a_dpop_jkt_that_contradicts_the_dpop_key_is_refused() -> None:
    """A ``dpop_jkt`` extra parameter other than the key's thumbprint is refused."""
    with pytest.raises(InvalidParam):
        _request(dpop_key=_Key(), dpop_jkt="another-thumbprint")


# --- polling intervals -----------------------------------------------------------------------


def test_a_device_interval_that_cannot_be_waited_is_refused() -> None:
    """Stubbed: the test server always answers a sane interval."""
    client = OAuth2Client(STUB_TOKEN, client_id="c", device_authorization_endpoint=STUB_DEVICE)
    answer = {
        "device_code": "d",
        "user_code": "u",
        "verification_uri": "https://v",
        "interval": 1e19,
    }
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_DEVICE, json=answer)
        with pytest.raises(InvalidDeviceAuthorizationResponse):
            client.authorize_device()


def test_a_ciba_interval_that_cannot_be_waited_is_refused() -> None:
    """Stubbed: the test server always answers a sane interval."""
    client = OAuth2Client(
        STUB_TOKEN, auth=("c", "s"), backchannel_authentication_endpoint=STUB_CIBA
    )
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_CIBA, json={"auth_req_id": "r", "expires_in": 60, "interval": 1e19})
        with pytest.raises(InvalidBackChannelAuthenticationResponse):
            client.backchannel_authentication_request(login_hint="carol")


# --- error responses -------------------------------------------------------------------------


def test_control_characters_of_an_error_answer_stay_out_of_the_message() -> None:
    """Stubbed: RFC 6749 5.2 forbids these characters, so a conforming server sends none."""
    client = OAuth2Client(STUB_TOKEN, auth=("c", "s"))
    body = {"error": "invalid_grant", "error_description": "bad\r\nFAKE LOG LINE \x1b[2J"}
    with responses.RequestsMock() as rsps:
        rsps.post(STUB_TOKEN, status=400, json=body)
        with pytest.raises(OAuth2KitError) as raised:
            client.client_credentials()
    message = str(raised.value)
    assert not any(ch in message for ch in "\r\n\x1b")


def test_a_token_type_uri_with_a_space_is_refused() -> None:
    """``urn:x y`` is not an absolute URI: refused before it reaches the server."""
    with pytest.raises(OAuth2KitError, match="unknown token type"):
        expand_token_type("urn:x y")
    assert "urn:x:y" == expand_token_type("urn:x:y")
