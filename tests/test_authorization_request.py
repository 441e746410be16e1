"""Authorization requests, callbacks, PKCE, the serializer and the code flow's settings.

No server here: these are the checks made before anything is sent, and the parsing of
callbacks, which are plain strings. The flows themselves are tested end to end in
test_authorization_code_integration.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import oauth2kit
from oauth2kit import (
    AccountSelectionRequired,
    AuthorizationRequest,
    AuthorizationRequestSerializer,
    AuthorizationResponse,
    AuthorizationResponseError,
    CodeChallengeMethods,
    ConsentRequired,
    InteractionRequired,
    InvalidAuthResponse,
    InvalidCodeVerifierParam,
    InvalidEndpointUri,
    InvalidMaxAgeParam,
    InvalidParam,
    InvalidPushedAuthorizationResponse,
    InvalidScopeParam,
    MismatchingIssuer,
    MismatchingState,
    MissingEndpointUri,
    MissingIssuer,
    MissingIssuerParam,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    PkceUtils,
    PluginHost,
    Setting,
    UnsupportedCodeChallengeMethod,
    UnsupportedResponseTypeParam,
    hookimpl,
)

ENDPOINT = "https://as.example/authorize"
ISSUER = "https://as.example"
REDIRECT = "https://app.example/cb"


def request(**kwargs: Any) -> AuthorizationRequest:
    return AuthorizationRequest(ENDPOINT, client_id="app", redirect_uri=REDIRECT, **kwargs)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def client(**settings: Any) -> OAuth2Client:
    settings.setdefault("authorization_endpoint", ENDPOINT)
    return OAuth2Client("https://as.example/token", auth=("app", "secret"), **settings)


# --- PKCE ----------------------------------------------------------------------------------


def test_s256_and_plain() -> None:
    verifier = "abc-DEF_123.~" * 4
    digest = hashlib.sha256(verifier.encode()).digest()  # RFC 7636 section 4.2, by hand
    expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert PkceUtils.derive_challenge(verifier) == expected
    assert PkceUtils.derive_challenge(verifier.encode(), "plain") == verifier
    assert PkceUtils.validate_code_verifier(verifier, expected)
    assert not PkceUtils.validate_code_verifier(verifier, verifier)
    assert PkceUtils.validate_code_verifier(verifier, verifier, CodeChallengeMethods.plain)


def test_generated_verifiers() -> None:
    verifier, challenge = PkceUtils.generate_code_verifier_and_challenge()
    assert PkceUtils.code_verifier_pattern.match(verifier)
    assert len(verifier) == 128
    assert PkceUtils.validate_code_verifier(verifier, challenge)
    assert verifier != PkceUtils.generate_code_verifier()


@pytest.mark.parametrize("verifier", ["short", "x" * 129, "é" * 50, b"\xff" * 50, 42])
def test_bad_verifiers(verifier: Any) -> None:
    with pytest.raises(InvalidCodeVerifierParam) as caught:
        PkceUtils.derive_challenge(verifier)
    if isinstance(verifier, str):
        assert verifier not in str(caught.value)  # a secret: never in the message


@pytest.mark.parametrize("method", ["S512", "", None, []])
def test_bad_methods(method: Any) -> None:
    with pytest.raises(UnsupportedCodeChallengeMethod):
        PkceUtils.derive_challenge("a" * 43, method)


# --- building requests ---------------------------------------------------------------------


def test_defaults() -> None:
    first, second = request(), request()
    sent = query(first.uri)
    assert sent["response_type"] == ["code"]
    assert sent["scope"] == ["openid"]
    assert sent["state"] == [first.state]
    assert sent["nonce"] == [first.nonce]
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["code_challenge"] == [PkceUtils.derive_challenge(first.code_verifier or "")]
    assert "code_verifier" not in sent
    assert first.state != second.state
    assert first.nonce != second.nonce
    assert first.code_verifier != second.code_verifier
    assert str(first) == repr(first) == first.uri
    assert first.code_verifier is not None
    assert first.code_verifier not in repr(first)


def test_values_left_out() -> None:
    azr = request(scope="api:read", state=None, code_challenge_method=None)
    sent = query(azr.uri)
    assert "state" not in sent
    assert "nonce" not in sent  # no openid scope, no nonce
    assert "code_challenge" not in sent
    assert azr.code_verifier is None
    assert "scope" not in query(request(scope=[]).uri)


def test_own_values() -> None:
    verifier = "v" * 43
    azr = request(state="s1", nonce="n1", code_verifier=verifier, code_challenge_method="plain")
    sent = query(azr.uri)
    assert (sent["state"], sent["nonce"], sent["code_challenge"]) == (["s1"], ["n1"], [verifier])


def test_space_separated_lists() -> None:
    azr = request(
        scope=("openid", "email"), acr_values=["gold", "silver"], prompt=["login", "consent"]
    )
    sent = query(azr.uri)
    assert azr.scope == ("openid", "email")
    assert azr.acr_values == ("gold", "silver")
    # One parameter each, space-separated (not repeated, as upstream 1.7 sent acr_values).
    assert sent["scope"] == ["openid email"]
    assert sent["acr_values"] == ["gold silver"]
    assert sent["prompt"] == ["login consent"]
    assert request(acr_values="gold  silver").acr_values == ("gold", "silver")


def test_extra_parameters_are_kept() -> None:
    details = [{"type": "payment_initiation", "amount": 1}]
    azr = request(
        resource=["urn:a", "urn:b"], login_hint="alice", max_age=0, authorization_details=details,
        response_mode="query", ui_locales=["fr", "en"],
    )  # fmt: skip
    sent = query(azr.uri)
    assert sent["resource"] == ["urn:a", "urn:b"]
    assert sent["login_hint"] == ["alice"]
    assert sent["max_age"] == ["0"]
    assert sent["response_mode"] == ["query"]
    assert sent["ui_locales"] == ["fr en"]
    assert json.loads(sent["authorization_details"][0]) == details
    assert azr.login_hint == "alice"
    assert azr.resource == ["urn:a", "urn:b"]
    with pytest.raises(AttributeError):
        _ = azr.nothing_like_that
    assert not hasattr(azr, "nothing_like_that")


def test_an_endpoint_query_is_kept() -> None:
    azr = AuthorizationRequest(f"{ENDPOINT}?tenant=t1", client_id="app")
    assert azr.uri.startswith(f"{ENDPOINT}?tenant=t1&client_id=app&")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"response_type": "token"}, UnsupportedResponseTypeParam),
        ({"response_type": "code id_token"}, UnsupportedResponseTypeParam),
        ({"code_challenge": "c"}, InvalidParam),
        ({"code_challenge_method": None, "code_verifier": "v" * 43}, InvalidParam),
        ({"code_challenge_method": "S512"}, UnsupportedCodeChallengeMethod),
        ({"code_verifier": "short"}, InvalidCodeVerifierParam),
        ({"max_age": -1}, InvalidMaxAgeParam),
        ({"max_age": True}, InvalidMaxAgeParam),
        ({"max_age": "60"}, InvalidMaxAgeParam),
        ({"acr_values": 42}, oauth2kit.InvalidParam),
        ({"scope": 42}, InvalidScopeParam),
        ({"authorization_response_iss_parameter_supported": True}, MissingIssuerParam),
        ({"authorization_response_iss_parameter_supported": "yes"}, InvalidParam),
        ({"state": 42}, InvalidParam),
        ({"login_hint": {"a": 1}}, InvalidParam),
        ({"display": True}, InvalidParam),
        ({"authorization_details": {1j}}, InvalidParam),
        ({"dpop_key": object()}, InvalidParam),
    ],
)
def test_refused_values(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        request(**kwargs)


@pytest.mark.parametrize("endpoint", ["", "/authorize", "ftp://as.example/a", f"{ENDPOINT}#x", 42])
def test_refused_endpoints(endpoint: Any) -> None:
    with pytest.raises(InvalidParam):
        AuthorizationRequest(endpoint, client_id="app")


def test_a_dpop_key_is_sent_as_its_thumbprint() -> None:
    class Key:
        dpop_jkt = "thumbprint-of-the-key"

    azr = request(dpop_key=Key())
    assert query(azr.uri)["dpop_jkt"] == ["thumbprint-of-the-key"]
    callback = f"{REDIRECT}?code=c&state={azr.state}"
    assert azr.validate_callback(callback).dpop_key is azr.dpop_key


# --- callbacks -----------------------------------------------------------------------------


def test_callback_forms() -> None:
    azr = request(issuer=ISSUER)
    for callback in (
        f"{REDIRECT}?code=c1&state={azr.state}&iss={ISSUER}&extra=x",
        f"code=c1&state={azr.state}&iss={ISSUER}&extra=x",
        f"?code=c1&state={azr.state}&iss={ISSUER}&extra=x",
        f"{REDIRECT}#code=c1&state={azr.state}&iss={ISSUER}&extra=x",  # response_mode=fragment
    ):
        response = azr.validate_callback(callback)
        assert response.code == "c1"
        assert response.state == azr.state
        assert response.issuer == ISSUER
        assert response.extra == "x"
        assert response.nothing is None  # as upstream
        assert response.nonce == azr.nonce
        assert response.redirect_uri == REDIRECT
        assert response.code_verifier == azr.code_verifier


def test_unusable_callbacks() -> None:
    azr = request()
    with pytest.raises(InvalidAuthResponse, match="repeats"):
        azr.validate_callback(f"code=a&code=b&state={azr.state}")
    with pytest.raises(InvalidAuthResponse, match="too many"):
        azr.validate_callback("&".join(f"p{i}=x" for i in range(200)))
    with pytest.raises(InvalidParam):
        azr.validate_callback(42)  # type: ignore[arg-type, unused-ignore]
    for name in ("code_verifier", "redirect_uri", "nonce", "issuer", "max_age"):
        with pytest.raises(InvalidAuthResponse, match=name):
            azr.validate_callback(f"code=c&state={azr.state}&{name}=x")


def test_the_issuer_is_checked_when_sent() -> None:
    azr = request(issuer=ISSUER)  # the server is not known to send iss: checked if present
    assert azr.validate_callback(f"code=c&state={azr.state}").issuer == ISSUER
    with pytest.raises(MismatchingIssuer):
        azr.validate_callback(f"code=c&state={azr.state}&iss=https://evil.example")
    # Errors are checked too: a mixed-up server's error is not this server's.
    with pytest.raises(MismatchingIssuer):
        azr.validate_callback(f"error=access_denied&state={azr.state}&iss=https://evil.example")
    strict = request(issuer=ISSUER, authorization_response_iss_parameter_supported=True)
    with pytest.raises(MissingIssuer):
        strict.validate_callback(f"code=c&state={strict.state}")
    # Without an expected issuer, the received one is kept for the ID token check.
    unknown = request()
    assert unknown.validate_callback(f"code=c&state={unknown.state}&iss={ISSUER}").issuer == ISSUER


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("interaction_required", InteractionRequired),
        ("account_selection_required", AccountSelectionRequired),
        ("consent_required", ConsentRequired),
        ("temporarily_unavailable", AuthorizationResponseError),
    ],
)
def test_error_callbacks(code: str, error: type[Exception]) -> None:
    azr = request()
    with pytest.raises(error) as caught:
        azr.validate_callback(
            f"error={code}&error_description=why&error_uri=https://x&state={azr.state}"
        )
    assert type(caught.value) is error
    assert isinstance(caught.value, AuthorizationResponseError)
    assert (caught.value.error, caught.value.description, caught.value.uri) == (
        code,
        "why",
        "https://x",
    )


def test_error_callbacks_and_state() -> None:
    azr = request()
    # An error without state is still the error (upstream raised MismatchingState).
    with pytest.raises(ConsentRequired):
        azr.validate_callback("error=consent_required")
    with pytest.raises(MismatchingState) as caught:
        azr.validate_callback("error=consent_required&state=forged")
    assert (caught.value.received, caught.value.expected) == ("forged", azr.state)


def test_messages_hold_no_code() -> None:
    azr = request()
    with pytest.raises(MismatchingState) as caught:
        azr.validate_callback("code=the-secret-code&state=forged")
    assert "the-secret-code" not in str(caught.value)
    response = azr.validate_callback(f"code=the-secret-code&state={azr.state}")
    assert "the-secret-code" not in repr(response)
    assert azr.code_verifier is not None
    assert azr.code_verifier not in repr(response)


def test_subclasses_choose_their_own_values() -> None:
    class Mine(AuthorizationRequest):  # type: ignore[misc, unused-ignore]
        exception_classes: ClassVar[dict[str, type[AuthorizationResponseError]]] = {
            **AuthorizationRequest.exception_classes,
            "access_denied": ConsentRequired,
        }

        @classmethod
        def generate_state(cls) -> str:
            return "my-state"

    azr = Mine(ENDPOINT, client_id="app")
    assert azr.state == "my-state"
    with pytest.raises(ConsentRequired):
        azr.validate_callback("error=access_denied&state=my-state")


def test_authorization_responses_are_checked() -> None:
    assert AuthorizationResponse(code="c", acr_values="a b").acr_values == ("a", "b")
    with pytest.raises(InvalidParam):
        AuthorizationResponse(code="")
    with pytest.raises(InvalidCodeVerifierParam):
        AuthorizationResponse(code="c", code_verifier="short")


# --- serializer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"state": None, "nonce": None, "code_challenge_method": None},
        {"scope": None, "acr_values": "a b", "max_age": 5, "resource": ["urn:a", "urn:b"]},
        {"issuer": ISSUER, "authorization_response_iss_parameter_supported": True},
        {"authorization_details": [{"type": "t"}], "code_challenge_method": "plain"},
    ],
)
def test_serializer_round_trip(kwargs: dict[str, Any]) -> None:
    serializer = AuthorizationRequestSerializer()
    azr = request(**kwargs)
    loaded = serializer.loads(serializer.dumps(azr))
    assert loaded == azr
    assert loaded.uri == azr.uri
    assert loaded.code_verifier == azr.code_verifier


def test_serializer_refuses_what_it_did_not_make() -> None:
    serializer = AuthorizationRequestSerializer()
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 10_000_000 + b"]")).decode()
    not_a_request = base64.urlsafe_b64encode(zlib.compress(b'{"client_id": "x"}')).decode()
    unknown_field = base64.urlsafe_b64encode(
        zlib.compress(json.dumps({"authorization_endpoint": ENDPOINT, "nope": 1}).encode())
    ).decode()
    for bad in ("", "!!!", "aGVsbG8", bomb, not_a_request, unknown_field):
        with pytest.raises(InvalidParam):
            serializer.loads(bad)
    with pytest.raises(InvalidParam):
        serializer.loads(42)  # type: ignore[arg-type, unused-ignore]

    class Key:
        dpop_jkt = "jkt"

    with pytest.raises(InvalidParam, match="DPoP"):
        serializer.dumps(request(dpop_key=Key()))


def test_serializer_with_own_functions() -> None:
    stored: list[AuthorizationRequest] = []

    def dumper(azr: AuthorizationRequest) -> str:
        stored.append(azr)
        return str(len(stored) - 1)

    serializer = AuthorizationRequestSerializer(dumper, lambda key: stored[int(key)])
    azr = request()
    assert serializer.loads(serializer.dumps(azr)) is azr


# --- the client's settings and operation ---------------------------------------------------


def test_the_client_settings_reach_the_request() -> None:
    c = client(
        redirect_uri=REDIRECT, issuer=ISSUER, authorization_response_iss_parameter_supported=True
    )
    azr = c.authorization_request(scope="openid email", login_hint="bob")
    assert azr.client_id == "app"
    assert azr.redirect_uri == REDIRECT
    assert azr.issuer == ISSUER
    assert azr.authorization_response_iss_parameter_supported  # passed on (upstream did not)
    assert azr.login_hint == "bob"
    assert c.authorization_request(redirect_uri="https://app.example/other").redirect_uri == (
        "https://app.example/other"
    )
    assert c.code_challenge_method == "S256"


def test_pkce_off_for_a_client_or_a_request() -> None:
    assert client(code_challenge_method=False).authorization_request().code_challenge is None
    assert client().authorization_request(code_challenge_method=None).code_challenge is None
    plain = client(code_challenge_method=CodeChallengeMethods.plain).authorization_request()
    assert plain.code_challenge == plain.code_verifier


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"authorization_response_iss_parameter_supported": True}, MissingIssuerParam),
        ({"authorization_response_iss_parameter_supported": 1}, InvalidParam),
        ({"code_challenge_method": "S512"}, UnsupportedCodeChallengeMethod),
        ({"redirect_uri": "https://app.example/cb#frag"}, InvalidParam),
        ({"redirect_uri": "relative/path"}, InvalidParam),
        ({"authorization_endpoint": "http://as.example/authorize"}, InvalidEndpointUri),
        ({"pushed_authorization_request_endpoint": "ftp://as.example/par"}, InvalidEndpointUri),
    ],
)
def test_refused_settings(settings: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        client(**settings)


def test_native_redirect_uris() -> None:
    assert (
        client(redirect_uri="com.example.app:/callback").redirect_uri == "com.example.app:/callback"
    )


@pytest.mark.parametrize(
    "name",
    [
        "authorization_endpoint",
        "client_id",
        "issuer",
        "authorization_response_iss_parameter_supported",
    ],
)
def test_what_the_client_sets(name: str) -> None:
    with pytest.raises(InvalidParam, match=name):
        client().authorization_request(**{name: "x"})


def test_no_authorization_endpoint() -> None:
    c = OAuth2Client("https://as.example/token", auth="app")
    with pytest.raises(MissingEndpointUri):
        c.authorization_request()


# --- the grant, the handler and PAR, before anything is sent ------------------------------


@pytest.mark.parametrize("code", ["", 42, None, b"code"])
def test_the_grant_refuses_unusable_codes(code: Any) -> None:
    with pytest.raises(InvalidParam):
        client().authorization_code(code)


def test_the_grant_refuses_a_non_bool_validate() -> None:
    with pytest.raises(InvalidParam):
        client().authorization_code("c", validate="no")  # type: ignore[arg-type, unused-ignore]


def test_the_handler() -> None:
    c = client()
    for bad in ("", 42):
        with pytest.raises(InvalidParam):
            OAuth2AuthorizationCodeAuth(c, bad)  # type: ignore[arg-type, unused-ignore]
    handler = OAuth2AuthorizationCodeAuth(
        c, "the-secret-code", code_verifier="v" * 43, resource="urn:a", leeway=5
    )
    assert "the-secret-code" not in repr(handler)
    assert handler.token_kwargs == {"resource": "urn:a"}  # refreshes send it
    assert handler.exchange_kwargs == {"code_verifier": "v" * 43}  # the exchange alone


def test_par_needs_an_authorization_request() -> None:
    c = client(pushed_authorization_request_endpoint="https://as.example/par")
    with pytest.raises(InvalidParam):
        c.pushed_authorization_request("https://as.example/authorize?client_id=app")


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in": 60},
        {"request_uri": 42},
        {"request_uri": "urn:x", "expires_in": [1]},
        "not json",
    ],
)
def test_unusable_par_answers(body: Any) -> None:
    """Stubbed: the real server never answers success without a usable request_uri."""
    c = client(pushed_authorization_request_endpoint="https://as.example/par")
    with responses.RequestsMock() as rsps:
        if isinstance(body, dict):
            rsps.post("https://as.example/par", json=body, status=201)
        else:
            rsps.post("https://as.example/par", body=body, status=201)
        with pytest.raises(InvalidPushedAuthorizationResponse):
            c.pushed_authorization_request(c.authorization_request())


class _DPoPStandIn:
    """A stand-in for the DPoP plugin: owns the ``dpop_key`` option, records what calls get."""

    def __init__(self) -> None:
        self.keys: list[object] = []

    @hookimpl
    def oauth2kit_register_settings(self, registry: Any) -> None:
        registry.add("dpop_key", Setting(), replace=True)

    @hookimpl
    def oauth2kit_prepare_request(self, call: Any) -> None:
        self.keys.append(call.options.get("dpop_key"))


def test_the_code_exchange_uses_the_requests_dpop_key() -> None:
    """Stubbed token endpoint: the DPoP plugin that would sign real proofs is not written yet."""

    class Key:
        dpop_jkt = "jkt"

    host = PluginHost()
    dpop = _DPoPStandIn()
    assert host.register(dpop, name="test.dpop").status == "loaded"
    c = client(plugins=host)
    azr = c.authorization_request(dpop_key=Key())
    response = azr.validate_callback(f"code=c&state={azr.state}")
    mine = Key()
    with responses.RequestsMock() as rsps:
        rsps.post("https://as.example/token", json={"access_token": "at", "token_type": "Bearer"})
        c.authorization_code(response)
        c.authorization_code(response, dpop_key=mine)  # a key given wins (upstream: replaced)
        c.authorization_code("c")
    assert dpop.keys == [response.dpop_key, mine, None]


def test_the_exports() -> None:
    assert oauth2kit.AuthorizationRequest is AuthorizationRequest
    for name in (
        "RequestUriParameterAuthorizationRequest", "ResponseTypes", "LoginRequired",
        "SessionSelectionRequired", "MissingAuthCode", "InvalidPushedAuthorizationResponse",
    ):  # fmt: skip
        assert isinstance(getattr(oauth2kit, name), type)
