"""Signed responses: JARM callbacks, JWT userinfo, RFC 9701 introspection.

End to end against the real test server (``jarm-client``, ``jwt-userinfo``, ``enc-client``,
``rs-introspector-jwt``). Responses the server never sends (a wrong audience, an expired
JARM response, an impostor's signature) are JWTs this test signs with a key of its own and
checks against that key, given as ``authorization_server_jwks``: no HTTP is involved there.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from as_server import REDIRECT_URI, AuthServer

from oauth2kit import (
    AuthorizationRequest,
    AuthorizationResponseError,
    BearerToken,
    InvalidAuthResponse,
    InvalidJarmResponse,
    InvalidParam,
    InvalidSignedResponse,
    OAuth2Client,
    PluginHost,
    hookimpl,
    jose,
)

SECRETS = {
    "jarm-client": "jarm-client-secret",
    "jwt-userinfo": "jwt-userinfo-secret",
    "enc-client": "enc-client-secret",
    "rs-introspector-jwt": "rs-introspector-jwt-secret",
}


def server_client(server: AuthServer, client_id: str, **settings: Any) -> OAuth2Client:
    d = server.discovery
    return OAuth2Client(
        server.token_endpoint,
        auth=(client_id, SECRETS[client_id]),
        token_endpoint_auth_method="client_secret_basic",
        authorization_endpoint=d["authorization_endpoint"],
        userinfo_endpoint=d["userinfo_endpoint"],
        introspection_endpoint=d["introspection_endpoint"],
        redirect_uri=REDIRECT_URI,
        issuer=server.issuer,
        jwks_uri=d["jwks_uri"],
        **settings,
    )


def replaced(callback: str, **params: str) -> str:
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    return parts._replace(query=urlencode(query)).geturl()


# --- JARM against the server ---------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["jwt", "query.jwt", "form_post.jwt"])
def test_jarm_callbacks_are_verified_then_exchanged(auth_server: AuthServer, mode: str) -> None:
    client = server_client(auth_server, "jarm-client")
    request = client.authorization_request(scope="openid", response_mode=mode)
    callback = auth_server.authorize(str(request))
    assert set(dict(parse_qsl(urlsplit(callback).query))) == {"response"}
    azr = request.validate_callback(callback)
    assert azr.state == request.state
    assert azr.issuer == auth_server.issuer
    token = client.authorization_code(azr)  # the ID token is validated too
    assert token.id_token is not None


@pytest.mark.integration
def test_a_tampered_or_misrouted_jarm_response_is_refused(auth_server: AuthServer) -> None:
    client = server_client(auth_server, "jarm-client")
    request = client.authorization_request(scope="openid", response_mode="jwt")
    callback = auth_server.authorize(str(request))
    jwt = dict(parse_qsl(urlsplit(callback).query))["response"]
    head, payload, signature = jwt.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    with pytest.raises(InvalidJarmResponse, match="signature"):
        request.validate_callback(replaced(callback, response=f"{head}.{payload}.{flipped}"))

    class OtherIssuer:
        @hookimpl
        def oauth2kit_expected_issuer(self) -> str:
            return "https://other.example"

    host = PluginHost()
    host.register(OtherIssuer(), name="example.other-issuer")
    other = server_client(auth_server, "jarm-client", plugins=host)
    request = other.authorization_request(scope="openid", response_mode="jwt")
    with pytest.raises(InvalidJarmResponse, match="mismatching 'iss'"):
        request.validate_callback(auth_server.authorize(str(request)))
    # A request that no client built cannot verify a JARM response: refused, not trusted.
    bare = AuthorizationRequest(request.authorization_endpoint, client_id="jarm-client")
    with pytest.raises(InvalidAuthResponse, match="JWT-secured"):
        bare.validate_callback(replaced(callback))


@pytest.mark.integration
def test_a_jarm_error_response_raises_its_error(auth_server: AuthServer) -> None:
    client = server_client(auth_server, "jarm-client")
    request = client.authorization_request(scope="openid", response_mode="jwt")
    callback = auth_server.authorize(str(request), deny=True)
    with pytest.raises(AuthorizationResponseError) as caught:
        request.validate_callback(callback)
    assert caught.value.error == "access_denied"


# --- JARM claims the server never sends --------------------------------------------------

ISSUER = "https://as.example"
KEY = jose.generate_key("ES256", kid="jarm-test")


def jarm_request(**settings: Any) -> AuthorizationRequest:
    client = OAuth2Client(
        f"{ISSUER}/token",
        auth=("c1", "s1"),
        issuer=ISSUER,
        authorization_endpoint=f"{ISSUER}/authorize",
        redirect_uri=REDIRECT_URI,
        authorization_server_jwks=[KEY.public_key()],
        **settings,
    )
    request: AuthorizationRequest = client.authorization_request(response_mode="jwt")
    return request


def jarm_callback(request: AuthorizationRequest, key: jose.Key = KEY, **changes: Any) -> str:
    claims = {"iss": ISSUER, "aud": "c1", "exp": int(time.time()) + 60, "code": "abc"}
    claims["state"] = request.state
    claims.update(changes)
    jwt = jose.sign_jwt({k: v for k, v in claims.items() if v is not None}, key)
    return f"{REDIRECT_URI}?{urlencode({'response': jwt})}"


def test_jarm_checks_aud_exp_and_the_key() -> None:
    request = jarm_request()
    assert request.validate_callback(jarm_callback(request)).code == "abc"
    for changes, message in (
        ({"aud": "someone-else"}, "mismatching 'aud'"),
        ({"aud": None}, "mismatching 'aud'"),
        ({"exp": int(time.time()) - 1}, "expired"),
        ({"exp": None}, "'exp' claim is missing"),
        ({"iss": "https://evil.example"}, "mismatching 'iss'"),
    ):
        with pytest.raises(InvalidJarmResponse, match=message):
            request.validate_callback(jarm_callback(request, **changes))
    impostor = jose.generate_key("ES256", kid="jarm-test")
    with pytest.raises(InvalidJarmResponse, match="signature"):
        request.validate_callback(jarm_callback(request, impostor))
    with pytest.raises(InvalidJarmResponse, match="not allowed"):
        jarm_request(authorization_signed_response_alg="RS256").validate_callback(
            jarm_callback(request)
        )
    with pytest.raises(InvalidJarmResponse):
        request.validate_callback(f"{REDIRECT_URI}?response=not.a.jwt")


def test_jarm_state_and_code_are_still_checked_after_decoding() -> None:
    request = jarm_request()
    with pytest.raises(InvalidAuthResponse, match="state"):
        request.validate_callback(jarm_callback(request, state="forged"))
    with pytest.raises(InvalidAuthResponse):
        request.validate_callback(jarm_callback(request, code=None))


def test_signing_settings_are_checked() -> None:
    with pytest.raises(InvalidParam):
        jarm_request(authorization_signed_response_alg="none")
    with pytest.raises(InvalidParam):
        jarm_request(userinfo_encrypted_response_enc="A1GCM")


# --- userinfo and introspection against the server --------------------------------------


def code_flow(server: AuthServer, client: OAuth2Client) -> BearerToken:
    request = client.authorization_request(scope="openid profile")
    azr = request.validate_callback(server.authorize(str(request)))
    return client.authorization_code(azr)  # validated by the code flow itself


@pytest.mark.integration
def test_signed_userinfo_is_verified(auth_server: AuthServer) -> None:
    client = server_client(auth_server, "jwt-userinfo", userinfo_signed_response_alg="ES256")
    token = code_flow(auth_server, client)
    claims = client.userinfo(token)
    assert claims["sub"] == "alice"
    assert claims["aud"] == "jwt-userinfo"
    assert claims["name"] == "Test User alice"
    # Any asymmetric alg is accepted when none is registered; HS256 would need the secret.
    assert server_client(auth_server, "jwt-userinfo").userinfo(token.access_token)["sub"] == "alice"
    wrong_alg = server_client(auth_server, "jwt-userinfo", userinfo_signed_response_alg="RS256")
    with pytest.raises(InvalidSignedResponse, match="not allowed"):
        wrong_alg.userinfo(token)


@pytest.mark.integration
def test_signed_userinfo_sub_must_be_the_id_tokens(auth_server: AuthServer) -> None:
    client = server_client(auth_server, "jwt-userinfo")
    token = code_flow(auth_server, client)
    someone = jose.sign_jwt({"sub": "mallory"}, jose.generate_key("ES256"))
    other = BearerToken(token.access_token, id_token=someone)
    with pytest.raises(InvalidSignedResponse, match="'sub' is not the ID token's"):
        client.userinfo(other)


@pytest.mark.integration
def test_encrypted_userinfo_is_decrypted(auth_server: AuthServer) -> None:
    client = server_client(
        auth_server,
        "enc-client",
        id_token_decryption_key=auth_server.client_jwk("enc-client"),
        id_token_encrypted_response_enc="A256GCM",
        userinfo_signed_response_alg="RS256",
        userinfo_encrypted_response_alg="RSA-OAEP-256",
        userinfo_encrypted_response_enc="A256GCM",
    )
    token = code_flow(auth_server, client)
    assert client.userinfo(token)["sub"] == "alice"
    unregistered = server_client(
        auth_server,
        "enc-client",
        id_token_decryption_key=auth_server.client_jwk("enc-client"),
        id_token_encrypted_response_enc="A256GCM",
    )
    with pytest.raises(InvalidSignedResponse, match="no encryption is registered"):
        unregistered.userinfo(token)


@pytest.mark.integration
def test_jwt_introspection_responses_are_verified(auth_server: AuthServer) -> None:
    user = server_client(auth_server, "jwt-userinfo")
    token = code_flow(auth_server, user)
    rs = server_client(
        auth_server, "rs-introspector-jwt", introspection_signed_response_alg="RS256"
    )
    answer = rs.introspect_token(token)
    assert answer["active"] is True
    assert answer["client_id"] == "jwt-userinfo"
    assert answer["sub"] == "alice"
    assert rs.introspect_token("not-a-token") == {"active": False}
    plain = server_client(auth_server, "rs-introspector-jwt")
    assert plain.introspect_token(token)["active"] is True  # JSON, as before
