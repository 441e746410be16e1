"""The authorization code flow end to end against the real test server.

Authorization requests (state, nonce, PKCE, RFC 9207 ``iss``), callbacks (forged, mixed up,
incomplete, refused), the code exchange, pushed authorization requests (RFC 9126), rich
authorization requests and resource indicators, the serializer between redirect and
callback, and `OAuth2AuthorizationCodeAuth`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from as_server import AuthServer
from code_flow import code_client

from oauth2kit import (
    AuthorizationRequest,
    AuthorizationRequestSerializer,
    AuthorizationResponse,
    AuthorizationResponseError,
    BearerToken,
    InteractionRequired,
    InvalidGrant,
    InvalidRequest,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    PluginHost,
    RequestUriParameterAuthorizationRequest,
    hookimpl,
)

pytestmark = pytest.mark.integration


def protected(server: AuthServer, token: BearerToken) -> dict[str, Any]:
    """What the test server's protected resource says about `token`."""
    response = requests.get(server.url("/test/protected"), auth=token, timeout=10)
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


def with_params(url: str, **changes: str | None) -> str:
    """`url` with query parameters replaced (or removed, for None)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize("client_id", ["web-basic", "public-app"])
def test_code_flow_with_pkce_s256(auth_server: AuthServer, client_id: str) -> None:
    client = code_client(auth_server, client_id)
    request = client.authorization_request(scope=["openid", "api:read"])
    sent = parse_qs(urlsplit(str(request)).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["state"] == [request.state]
    assert sent["nonce"] == [request.nonce]
    assert "code_verifier" not in sent

    callback = auth_server.authorize(request.uri)
    response = request.validate_callback(callback)
    assert response.issuer == auth_server.issuer  # the received iss (RFC 9207), kept
    assert response.code_verifier == request.code_verifier

    token = client.authorization_code(response)
    assert token.id_token is not None
    assert token.refresh_token is not None
    info = protected(auth_server, token)
    assert info["client_id"] == client_id
    assert info["sub"] == "alice"


def test_the_server_checks_the_code_verifier(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "public-app")
    request = client.authorization_request(scope="openid")
    response = request.validate_callback(auth_server.authorize(request.uri))
    other_verifier = AuthorizationRequest(
        request.authorization_endpoint, client_id="public-app"
    ).code_verifier
    with pytest.raises(InvalidGrant):  # the verifier given wins over the response's
        client.authorization_code(response, code_verifier=other_verifier)


def test_a_str_code_with_the_clients_redirect_uri(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid api:read")
    response = request.validate_callback(auth_server.authorize(request.uri))
    # As a str the code carries nothing else: the client's redirect_uri is sent by itself.
    token = client.authorization_code(response.code, code_verifier=request.code_verifier)
    assert protected(auth_server, token)["client_id"] == "web-basic"


def test_plain_pkce_reaches_the_server(auth_server: AuthServer) -> None:
    """This server allows S256 only: it refuses plain, which shows that plain was sent."""
    client = code_client(auth_server, "web-basic", code_challenge_method="plain")
    request = client.authorization_request(scope="openid")
    assert request.code_challenge == request.code_verifier
    with pytest.raises(AuthorizationResponseError) as caught:
        request.validate_callback(auth_server.authorize(request.uri))
    assert caught.value.error == "invalid_request"
    assert "code_challenge_method" in (caught.value.description or "")


def test_no_pkce_for_a_confidential_client(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic", code_challenge_method=False)
    request = client.authorization_request(scope="openid api:read")
    assert "code_challenge" not in request.args
    token = client.authorization_code(request.validate_callback(auth_server.authorize(request.uri)))
    assert protected(auth_server, token)["client_id"] == "web-basic"


def test_a_forged_state_is_refused(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid")
    callback = auth_server.authorize(request.uri)
    with pytest.raises(MismatchingState) as caught:
        request.validate_callback(with_params(callback, state="forged"))
    assert (caught.value.received, caught.value.expected) == ("forged", request.state)
    with pytest.raises(MismatchingState):
        request.validate_callback(with_params(callback, state=None))
    # A callback for another request of the same client is refused too.
    other = client.authorization_request(scope="openid")
    with pytest.raises(MismatchingState):
        other.validate_callback(callback)


def test_a_mixed_up_issuer_is_refused(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid")
    callback = auth_server.authorize(request.uri)
    with pytest.raises(MismatchingIssuer) as caught:
        request.validate_callback(with_params(callback, iss="https://attacker.example"))
    assert caught.value.received == "https://attacker.example"
    assert caught.value.expected == auth_server.issuer
    # The server advertises RFC 9207, so a callback without iss is refused as well.
    with pytest.raises(MissingIssuer):
        request.validate_callback(with_params(callback, iss=None))
    assert request.validate_callback(callback).issuer == auth_server.issuer


def test_a_callback_without_code(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid")
    callback = auth_server.authorize(request.uri)
    with pytest.raises(MissingAuthCode):
        request.validate_callback(with_params(callback, code=None))


def test_a_refused_request(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid")
    with pytest.raises(AuthorizationResponseError) as caught:
        request.validate_callback(auth_server.authorize(request.uri, deny=True))
    assert type(caught.value) is AuthorizationResponseError
    assert caught.value.error == "access_denied"
    assert caught.value.description == "End-User refused (test_deny)"
    assert caught.value.request is request


def test_prompt_none_without_a_session(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid", prompt="none")
    with pytest.raises(LoginRequired) as caught:
        request.validate_callback(auth_server.authorize(request.uri))
    assert isinstance(caught.value, InteractionRequired)
    assert caught.value.error == "login_required"


def test_pushed_authorization_request(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "par-client")
    # This client must push its requests (and authenticates with HTTP Basic).
    direct = client.authorization_request(scope="openid")
    with pytest.raises(AuthorizationResponseError):
        direct.validate_callback(auth_server.authorize(direct.uri))

    # test_login travels in the pushed request, where the server reads its parameters.
    request = client.authorization_request(scope="openid api:read", test_login="alice")
    pushed = client.pushed_authorization_request(request)
    assert isinstance(pushed, RequestUriParameterAuthorizationRequest)
    assert pushed.request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    assert pushed.expires_at is not None
    assert set(parse_qs(urlsplit(pushed.uri).query)) == {"client_id", "request_uri"}

    response = request.validate_callback(auth_server.authorize(pushed.uri, use_forms=True))
    token = client.authorization_code(response)
    assert protected(auth_server, token)["client_id"] == "par-client"


def test_pushed_authorization_request_errors(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "par-client")
    request = client.authorization_request(scope="openid", redirect_uri="http://127.0.0.1/other")
    with pytest.raises(InvalidRequest) as caught:  # the kernel's class for invalid_request
        client.pushed_authorization_request(request)
    assert "redirect_uri" in (caught.value.description or "")


def test_authorization_details_and_resource_reach_the_server(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "rar-client")
    details = [
        {"type": "payment_initiation", "instructedAmount": {"amount": "12.50", "currency": "EUR"}}
    ]
    request = client.authorization_request(
        scope="openid api:read", authorization_details=details, resource="urn:oauth2kit:rs:jwt"
    )
    assert json.loads(request.authorization_details) == details
    response = request.validate_callback(auth_server.authorize(request.uri))
    token = client.authorization_code(response, resource="urn:oauth2kit:rs:jwt")
    info = protected(auth_server, token)
    assert info["format"] == "jwt"
    assert info["aud"] == "urn:oauth2kit:rs:jwt"
    assert info["authorization_details"] == details


def test_the_request_survives_serialization(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "public-app")
    serializer = AuthorizationRequestSerializer()
    stored = serializer.dumps(client.authorization_request(scope="openid api:read"))
    request = serializer.loads(stored)  # as a new process would, at the callback
    assert request.issuer == auth_server.issuer
    token = client.authorization_code(request.validate_callback(auth_server.authorize(request.uri)))
    assert protected(auth_server, token)["client_id"] == "public-app"


def test_the_handler_exchanges_the_code_then_refreshes(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-basic")
    request = client.authorization_request(scope="openid api:read", resource="urn:oauth2kit:rs:jwt")
    response = request.validate_callback(auth_server.authorize(request.uri))
    handler = OAuth2AuthorizationCodeAuth(client, response, resource="urn:oauth2kit:rs:jwt")
    auth_server.reset_counters()

    first = requests.get(auth_server.url("/test/protected"), auth=handler, timeout=10)
    assert first.ok
    assert first.json()["aud"] == "urn:oauth2kit:rs:jwt"
    assert handler.code is None  # used once
    exchanged = handler.token
    assert exchanged is not None
    assert requests.get(auth_server.url("/test/protected"), auth=handler, timeout=10).ok
    assert auth_server.token_requests("web-basic") == 1  # the token is reused

    handler.forget_token()
    renewed = requests.get(auth_server.url("/test/protected"), auth=handler, timeout=10)
    assert renewed.ok
    # The refresh keeps the original request's resource, and sends no code verifier.
    assert renewed.json()["aud"] == "urn:oauth2kit:rs:jwt"
    assert handler.token is not None
    assert handler.token.access_token != exchanged.access_token
    assert auth_server.token_requests("web-basic") == 2  # the exchange, then the refresh


def test_the_handler_refreshes_an_expired_token(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "web-short")
    request = client.authorization_request(scope="openid api:read")
    handler = OAuth2AuthorizationCodeAuth(
        client, request.validate_callback(auth_server.authorize(request.uri)).code,
        code_verifier=request.code_verifier,
    )  # fmt: skip
    assert requests.get(auth_server.url("/test/protected"), auth=handler, timeout=10).ok
    first = handler.token
    assert first is not None
    assert first.expires_in is not None
    assert first.expires_in <= 2  # this client's tokens live 2 seconds
    handler.token = BearerToken(
        first.access_token, expires_in=-1, refresh_token=first.refresh_token
    )  # expired: due at once
    assert requests.get(auth_server.url("/test/protected"), auth=handler, timeout=10).ok
    assert handler.token is not None
    assert handler.token.access_token != first.access_token


class _RecordingOidc:
    """A stand-in for the OpenID Connect plugin: records what it is asked to validate."""

    def __init__(self, *, reject: bool = False) -> None:
        self.calls: list[tuple[BearerToken, AuthorizationResponse]] = []
        self.reject = reject

    def validate(self, client: OAuth2Client, *, token: BearerToken, azr: Any) -> BearerToken:
        self.calls.append((token, azr))
        if self.reject:
            raise InvalidGrant(requests.Response(), client, "invalid_grant", "rejected")
        return token

    @hookimpl
    def oauth2kit_register_operations(self, registry: Any) -> None:
        registry.add("validate_id_token", self.validate, replace=True)


@pytest.fixture
def oidc_host() -> tuple[PluginHost, _RecordingOidc]:
    host = PluginHost()
    oidc = _RecordingOidc()
    assert host.register(oidc, name="test.oidc").status == "loaded"
    return host, oidc


def test_the_id_token_goes_to_the_oidc_plugin(
    auth_server: AuthServer, oidc_host: tuple[PluginHost, _RecordingOidc]
) -> None:
    host, oidc = oidc_host
    client = code_client(auth_server, "web-basic", plugins=host)
    request = client.authorization_request(scope="openid")
    response = request.validate_callback(auth_server.authorize(request.uri))
    token = client.authorization_code(response)
    assert len(oidc.calls) == 1
    assert oidc.calls[0][0] is token
    assert oidc.calls[0][1] is response

    # Not with validate=False, nor for a str code (which has no nonce to check against).
    again = client.authorization_request(scope="openid")
    client.authorization_code(
        again.validate_callback(auth_server.authorize(again.uri)), validate=False
    )
    again = client.authorization_request(scope="openid")
    code = again.validate_callback(auth_server.authorize(again.uri)).code
    client.authorization_code(code, code_verifier=again.code_verifier)
    assert len(oidc.calls) == 1


def test_a_rejected_id_token_fails_the_exchange(auth_server: AuthServer) -> None:
    host = PluginHost()
    host.register(_RecordingOidc(reject=True), name="test.oidc")
    client = code_client(auth_server, "web-basic", plugins=host)
    request = client.authorization_request(scope="openid")
    response = request.validate_callback(auth_server.authorize(request.uri))
    with pytest.raises(InvalidGrant, match="rejected"):
        client.authorization_code(response)


def test_without_an_oidc_plugin_the_exchange_works(auth_server: AuthServer) -> None:
    host = PluginHost(disable=["oidc.*"])
    client = code_client(auth_server, "web-basic", plugins=host, jwks_uri=None)
    request = client.authorization_request(scope="openid")
    token = client.authorization_code(request.validate_callback(auth_server.authorize(request.uri)))
    assert token.id_token is not None
