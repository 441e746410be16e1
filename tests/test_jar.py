"""JWT-secured authorization requests (RFC 9101): request objects, signed and encrypted.

What a request object holds and how it is built, checked here with `oauth2kit.jose` and
keys the tests make; then end to end at the real test server: ``jar-client`` (which must
send ES256 request objects), request objects encrypted to the server's keys, HS256 ones
over a client secret with the code exchanged, and request objects pushed (RFC 9126).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from as_server import AuthServer
from code_flow import code_client

from oauth2kit import (
    AuthorizationRequest,
    AuthorizationResponseError,
    ExportNotAvailable,
    InvalidParam,
    InvalidRequestObject,
    OAuth2Client,
    PluginHost,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
    jose,
    set_default_host,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

ENDPOINT = "https://as.example/authorize"
ISSUER = "https://as.example"
CLIENT_KEY = jose.generate_key("ES256", kid="client-es256")


def request(**kwargs: Any) -> AuthorizationRequest:
    defaults: dict[str, Any] = {
        "client_id": "rp",
        "redirect_uri": "https://rp.example/cb",
        "scope": "openid email",
        "issuer": ISSUER,
    }
    return AuthorizationRequest(ENDPOINT, **{**defaults, **kwargs})


def verified_claims(jws: str, key: jose.Key = CLIENT_KEY) -> dict[str, Any]:
    return jose.verify_jwt(jws, key.public_key(), algs=["ES256"]).claims


# --- the request object ---------------------------------------------------------------------


def test_the_request_object_carries_every_parameter_and_the_jwt_claims() -> None:
    azr = request(acr_values="gold silver", max_age=60, resource=["urn:a", "urn:b"])
    before = int(time.time())
    signed = azr.sign(CLIENT_KEY)
    header = jose.peek_header(signed.request)
    assert {"alg": "ES256", "kid": "client-es256", "typ": "oauth-authz-req+jwt"} == header
    claims = verified_claims(signed.request)
    jwt_claims = {name: claims.pop(name) for name in ("iss", "aud", "iat", "nbf", "exp", "jti")}
    assert azr.args == {**claims, "resource": ["urn:a", "urn:b"]}
    assert 60 == claims["max_age"]  # a number stays a number
    assert ("rp", ISSUER) == (jwt_claims["iss"], jwt_claims["aud"])
    assert before <= jwt_claims["iat"] == jwt_claims["nbf"] <= int(time.time())
    assert jwt_claims["iat"] + 300 == jwt_claims["exp"]
    assert datetime.fromtimestamp(jwt_claims["exp"], tz=UTC) == signed.expires_at
    assert verified_claims(azr.sign(CLIENT_KEY).request)["jti"] != jwt_claims["jti"]


def test_json_parameters_go_in_as_json_values() -> None:
    details = [
        {"type": "payment_initiation", "instructedAmount": {"amount": "1", "currency": "EUR"}}
    ]
    userinfo = {"userinfo": {"email": {"essential": True}}}
    claims = verified_claims(
        request(authorization_details=details, claims=userinfo).sign(CLIENT_KEY).request
    )
    assert (details, userinfo) == (claims["authorization_details"], claims["claims"])


def test_lifetime_and_issuer() -> None:
    claims = verified_claims(request().sign(CLIENT_KEY, lifetime=30).request)
    assert claims["iat"] + 30 == claims["exp"]
    # Without an issuer there is no audience to name (the seed never sends one).
    assert "aud" not in verified_claims(request(issuer=None).sign(CLIENT_KEY).request)
    bad_lifetimes: tuple[Any, ...] = (0, -5, True, 1.5, "60")
    for bad in bad_lifetimes:
        with pytest.raises(InvalidParam, match="lifetime"):
            request().sign(CLIENT_KEY, lifetime=bad)


def test_the_url_carries_client_id_the_jwt_and_the_extra_parameters_only() -> None:
    signed = request().sign(CLIENT_KEY, prompt="login", ui_locales=["fr", "en"])
    assert isinstance(signed, RequestParameterAuthorizationRequest)
    query = parse_qs(urlsplit(signed.uri).query)
    assert {
        "client_id": ["rp"],
        "request": [signed.request],
        "prompt": ["login"],
        "ui_locales": ["fr en"],
    } == query
    assert signed.uri.startswith(f"{ENDPOINT}?")
    assert signed.uri == str(signed) == repr(signed)
    assert "login" == signed.prompt
    with pytest.raises(AttributeError, match="nonce"):
        _ = signed.nonce  # inside the JWT, not an outside parameter
    assert "prompt" not in verified_claims(signed.request)


def test_the_request_jwt_methods_return_the_compact_token() -> None:
    azr = request()
    jws = azr.sign_request_jwt(CLIENT_KEY, alg="ES256", lifetime=10)
    assert 3 == len(jws.split("."))
    assert azr.state == verified_claims(jws)["state"]
    enc_key = jose.generate_key("RSA-OAEP-256", kid="as-enc")
    jwe = azr.sign_and_encrypt_request_jwt(CLIENT_KEY, enc_key.public_key())
    assert 5 == len(jwe.split("."))
    nested = jose.decrypt(jwe, enc_key, algs=["RSA-OAEP-256"], encs=["A128CBC-HS256"])
    assert azr.state == verified_claims(nested.plaintext.decode())["state"]


@pytest.mark.parametrize(
    ("alg", "enc"),
    [("RSA-OAEP-256", "A256GCM"), ("ECDH-ES", "A128CBC-HS256"), ("ECDH-ES+A128KW", "A128GCM")],
)
def test_signed_then_encrypted_to_the_servers_key(alg: str, enc: str) -> None:
    server_key = jose.generate_key(alg, kid="as-enc")
    azr = request()
    sealed = azr.sign_and_encrypt(CLIENT_KEY, server_key.public_key(), enc=enc, prompt="login")
    header = jose.peek_header(sealed.request)
    assert (alg, enc, "as-enc", "JWT") == (
        header["alg"],
        header["enc"],
        header["kid"],
        header["cty"],
    )
    assert "login" == sealed.prompt
    opened = jose.decrypt(sealed.request, server_key, algs=[alg], encs=[enc])
    assert azr.nonce == verified_claims(opened.plaintext.decode())["nonce"]


def test_the_encryption_key_is_picked_from_the_servers_jwks() -> None:
    rsa, ec = jose.generate_key("RSA-OAEP-256", kid="rsa"), jose.generate_key("ECDH-ES", kid="ec")
    signing = jose.generate_key("RS256", kid="sig")
    jwks = jose.KeySet([signing, rsa, ec]).public_jwks()
    sealed = request().sign_and_encrypt(CLIENT_KEY, jwks, enc_alg="ECDH-ES")
    assert "ec" == jose.peek_header(sealed.request)["kid"]
    with pytest.raises(InvalidParam, match="enc_alg"):
        request().sign_and_encrypt(CLIENT_KEY, jwks)


def test_keys_that_cannot_do_the_job_are_refused() -> None:
    with pytest.raises(jose.InvalidKey, match="public key"):
        request().sign(CLIENT_KEY.public_key())
    with pytest.raises(jose.UnsupportedAlgorithm, match="alg"):
        request().sign(jose.Key(CLIENT_KEY.crypto_key))  # no alg anywhere
    with pytest.raises(jose.KeyTypeMismatch):
        request().sign(CLIENT_KEY, alg="RS256")
    with pytest.raises(jose.AlgorithmNotAllowed):
        request().sign(CLIENT_KEY, alg="none")
    signing_only = jose.Key(jose.generate_key("RS256").public_key().crypto_key, use="sig")
    with pytest.raises(jose.KeyTypeMismatch):  # a signing key is no encryption key
        request().sign_and_encrypt(CLIENT_KEY, signing_only, enc_alg="RSA-OAEP-256")


def test_parameters_the_request_object_sets_itself_are_refused() -> None:
    for name in ("exp", "iss", "jti", "request_uri"):
        with pytest.raises(InvalidParam, match=name):
            request(**{name: "x"}).sign(CLIENT_KEY)


def test_a_request_parameter_request_of_your_own() -> None:
    jws = request().sign_request_jwt(CLIENT_KEY)
    own = RequestParameterAuthorizationRequest(ENDPOINT, "rp", jws, display="page")
    assert {"client_id": ["rp"], "request": [jws], "display": ["page"]} == parse_qs(
        urlsplit(own.uri).query
    )
    assert None is own.expires_at
    bad_requests: tuple[Any, ...] = ("not-a-jwt", "a.b", "", 42)
    for bad in bad_requests:
        with pytest.raises(InvalidParam, match="compact JWS or JWE"):
            RequestParameterAuthorizationRequest(ENDPOINT, "rp", bad)
    with pytest.raises(InvalidParam, match="request_uri"):
        RequestParameterAuthorizationRequest(ENDPOINT, "rp", jws, request_uri="urn:x")
    with pytest.raises(InvalidParam, match="client_id"):
        RequestParameterAuthorizationRequest(ENDPOINT, "", jws)
    with pytest.raises(InvalidParam, match="authorization_endpoint"):
        RequestParameterAuthorizationRequest("/authorize", "rp", jws)
    not_a_datetime: Any = 5
    with pytest.raises(InvalidParam, match="expires_at"):
        RequestParameterAuthorizationRequest(ENDPOINT, "rp", jws, expires_at=not_a_datetime)


def test_only_authorization_requests_are_pushed() -> None:
    client = OAuth2Client(
        "https://as.example/token",
        auth=("rp", "secret"),
        pushed_authorization_request_endpoint="https://as.example/par",
    )
    not_a_request: Any = "https://as.example/authorize?x=1"
    with pytest.raises(InvalidParam, match="RequestParameterAuthorizationRequest"):
        client.pushed_authorization_request(not_a_request)


@pytest.fixture
def blocked_jar() -> Iterator[None]:
    set_default_host(PluginHost(disable=["oidc.request_objects"]))
    yield
    set_default_host(None)


@pytest.mark.usefixtures("blocked_jar")
def test_blocking_the_plugin_blocks_signing() -> None:
    with pytest.raises(ExportNotAvailable, match="RequestParameterAuthorizationRequest"):
        request().sign(CLIENT_KEY)


# --- against the test server ------------------------------------------------------------------


def server_jwks(server: AuthServer) -> dict[str, Any]:
    response = requests.get(server.discovery["jwks_uri"], timeout=10)
    response.raise_for_status()
    jwks: dict[str, Any] = response.json()
    return jwks


def protected(server: AuthServer, access_token: object) -> dict[str, Any]:
    response = requests.get(
        server.url("/test/protected"),
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    response.raise_for_status()
    info: dict[str, Any] = response.json()
    return info


@pytest.mark.integration
def test_the_server_takes_an_es256_request_object(auth_server: AuthServer) -> None:
    """``jar-client`` must sign its requests with its registered ES256 key."""
    client = code_client(auth_server, "jar-client")
    # The server reads parameters from the request object only: test_login goes inside.
    azr = client.authorization_request(scope="openid", test_login="alice")
    signed = azr.sign(auth_server.client_jwk("pkjwt-es256"))
    response = azr.validate_callback(auth_server.authorize(signed.uri))
    assert response.code
    assert (azr.state, auth_server.issuer) == (response.state, response.issuer)

    # Without a request object, or with one the client's key did not sign, it refuses.
    plain = client.authorization_request(scope="openid")
    with pytest.raises(AuthorizationResponseError) as caught:
        plain.validate_callback(auth_server.authorize(plain.uri))
    assert "invalid_request" == caught.value.error
    azr = client.authorization_request(scope="openid", test_login="alice")
    forged = azr.sign(jose.generate_key("ES256", kid="pkjwt-es256"))
    with pytest.raises(AuthorizationResponseError) as caught:
        azr.validate_callback(auth_server.authorize(forged.uri))
    assert "invalid_request_object" == caught.value.error


@pytest.mark.integration
@pytest.mark.parametrize("alg", ["RSA-OAEP-256", "ECDH-ES"])
def test_the_server_decrypts_a_request_object_encrypted_to_its_key(
    auth_server: AuthServer, alg: str
) -> None:
    client = code_client(auth_server, "jar-client")
    azr = client.authorization_request(scope="openid", test_login="alice")
    sealed = azr.sign_and_encrypt(
        auth_server.client_jwk("pkjwt-es256"), server_jwks(auth_server), enc_alg=alg, enc="A256GCM"
    )
    assert 5 == len(sealed.request.split("."))
    response = azr.validate_callback(auth_server.authorize(sealed.uri))
    assert azr.state == response.state


@pytest.mark.integration
def test_an_hs256_request_object_and_the_code_exchange(auth_server: AuthServer) -> None:
    """HS256 over the client secret; the scope reaches the server inside the JWT only."""
    client = code_client(auth_server, "web-basic")
    azr = client.authorization_request(scope="api:read", test_login="alice")
    signed = azr.sign(jose.Key("web-basic-secret", alg="HS256"))
    assert "scope" not in parse_qs(urlsplit(signed.uri).query)
    token = client.authorization_code(azr.validate_callback(auth_server.authorize(signed.uri)))
    assert "api:read" == token.scope
    assert "web-basic" == protected(auth_server, token.access_token)["client_id"]


@pytest.mark.integration
@pytest.mark.parametrize("encrypted", [False, True])
def test_a_request_object_through_par(auth_server: AuthServer, *, encrypted: bool) -> None:
    client = code_client(auth_server, "par-client")
    azr = client.authorization_request(scope="api:read", test_login="alice")
    secret = jose.Key("par-client-secret", alg="HS256")
    signed = (
        azr.sign_and_encrypt(secret, server_jwks(auth_server), enc_alg="RSA-OAEP-256")
        if encrypted
        else azr.sign(secret)
    )
    pushed = client.pushed_authorization_request(signed)
    assert isinstance(pushed, RequestUriParameterAuthorizationRequest)
    assert {"client_id", "request_uri"} == set(parse_qs(urlsplit(pushed.uri).query))
    response = azr.validate_callback(auth_server.authorize(pushed.uri))
    token = client.authorization_code(response)
    assert "api:read" == token.scope  # sent inside the request object only
    assert "par-client" == protected(auth_server, token.access_token)["client_id"]


@pytest.mark.integration
def test_par_refuses_a_request_object_signed_with_another_secret(auth_server: AuthServer) -> None:
    client = code_client(auth_server, "par-client")
    azr = client.authorization_request(scope="api:read")
    with pytest.raises(InvalidRequestObject) as caught:
        client.pushed_authorization_request(azr.sign(jose.Key("not-the-secret", alg="HS256")))
    assert "invalid_request_object" == caught.value.error


DOC = Path(__file__).resolve().parent.parent / "docs" / "flows" / "jar.md"


@pytest.mark.integration
def test_the_example_of_the_docs_runs(
    auth_server: AuthServer, capsys: pytest.CaptureFixture[str]
) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert example is not None
    # The same code, pointed at this run's server and keys instead of the fixed port it shows.
    keys = Path(__file__).resolve().parent / "as" / "keys" / "clients"
    replacements = {
        "ISSUER": f"ISSUER = {auth_server.issuer!r}",
        "KEYS": f"KEYS = Path({str(keys)!r})",
    }
    code, count = re.subn(
        r"^(ISSUER|KEYS) = .*$", lambda line: replacements[line.group(1)], example.group(1),
        flags=re.MULTILINE,
    )  # fmt: skip
    assert 2 == count
    exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - the documentation's own code
    signed_url, pushed_url = capsys.readouterr().out.split()
    assert {"client_id", "request"} == set(parse_qs(urlsplit(signed_url).query))
    assert {"client_id", "request_uri"} == set(parse_qs(urlsplit(pushed_url).query))
