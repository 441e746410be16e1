"""JWT client authentication, request objects (JAR) and token response parsing at their edges.

Also the client authentication methods as plain requests auth handlers, on odd form bodies.
"""

from __future__ import annotations

import io
import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from as_server import AuthServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from oauth2kit import (
    AuthorizationRequest,
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    OAuth2Client,
    OAuth2KitError,
    PrivateKeyJwt,
    jose,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from oauth2kit import BaseClientAuthenticationMethod

TOKEN_URL = "https://as.example/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CLIENT_KEY = jose.generate_key("ES256", kid="rp-es256")


def authorization_request(**kwargs: Any) -> AuthorizationRequest:
    """A request with the usual parameters, for request-object tests."""
    return AuthorizationRequest(
        "https://as.example/authorize",
        client_id="rp",
        redirect_uri="https://rp.example/cb",
        scope="openid",
        issuer="https://as.example",
        **kwargs,
    )


class Recorder:
    """A session that records the form of each request it sends, with the URL."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, **_: Any) -> None:
        body = response.request.body
        text = body.decode() if isinstance(body, bytes) else body or ""
        form = {name: values[0] for name, values in parse_qs(text).items()}
        self.sent.append((str(response.request.url), form))


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A recording session, closed afterwards."""
    rec = Recorder()
    yield rec
    rec.session.close()


# --- client assertions ------------------------------------------------------------------------


def test_public_jwk_of_a_key_with_key_ops_verifies_the_assertions() -> None:
    """The JWK that public_jwk() gives to register verifies the method's assertions."""
    private = {**jose.generate_key("ES256", kid="k1").private_jwk(), "key_ops": ["sign"]}
    method = PrivateKeyJwt("rp", private)
    assertion = method.client_assertion("https://as.example/token")
    claims = jose.verify_jwt(assertion, method.public_jwk(), algs=["ES256"]).claims
    assert "rp" == claims["iss"]


@pytest.mark.integration
def test_a_password_protected_pem_key_authenticates_at_the_server(auth_server: AuthServer) -> None:
    """A PEM private key with a password, loaded with Key.from_pem, signs accepted assertions."""
    crypto_key = jose.to_key(AuthServer.client_jwk("pkjwt-es256")).crypto_key
    assert isinstance(crypto_key, ec.EllipticCurvePrivateKey)
    pem = crypto_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass phrase"),
    )
    key = jose.Key.from_pem(pem, password=b"pass phrase", kid="pkjwt-es256")
    client = OAuth2Client(auth_server.token_endpoint, auth=PrivateKeyJwt("pkjwt-es256", key))
    assert client.client_credentials().access_token


@pytest.mark.integration
@pytest.mark.parametrize("issuer_as_audience", [False, True], ids=["endpoint-aud", "issuer-aud"])
def test_each_endpoint_gets_its_own_audience_and_the_server_accepts_it(
    auth_server: AuthServer, recorder: Recorder, *, issuer_as_audience: bool
) -> None:
    """Introspection, revocation and PAR assertions carry their endpoint's URL (or the issuer)."""
    issuer = auth_server.issuer
    method = PrivateKeyJwt(
        "pkjwt-es256",
        AuthServer.client_jwk("pkjwt-es256"),
        issuer_as_audience=issuer_as_audience,
    )
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=method,
        issuer=issuer,
        introspection_endpoint=f"{issuer}/token/introspection",
        revocation_endpoint=f"{issuer}/token/revocation",
        pushed_authorization_request_endpoint=f"{issuer}/request",
        authorization_endpoint=f"{issuer}/auth",
        redirect_uri="http://127.0.0.1/callback",
        session=recorder.session,
    )
    token = client.client_credentials(scope="api:read")
    assert True is client.introspect_token(token.access_token)["active"]
    assert client.revoke_access_token(token.access_token)
    pushed = client.pushed_authorization_request(client.authorization_request(scope="openid"))
    assert "request_uri" in pushed.args
    audiences = {
        url: jose.unverified_claims(form["client_assertion"])["aud"] for url, form in recorder.sent
    }
    expected = {url: issuer if issuer_as_audience else url for url in audiences}
    assert expected == audiences
    assert {f"{issuer}/token/introspection", f"{issuer}/token/revocation", f"{issuer}/request"} < (
        audiences.keys()
    )


def test_assertions_made_on_many_threads_are_distinct_and_well_formed() -> None:
    """Concurrent assertions, to several audiences, each have a fresh jti and their own aud."""
    method = ClientSecretJwt("rp", "k" * 32)
    made: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for turn in range(40):
            audience = f"https://as.example/endpoint/{(index + turn) % 20}"
            assertion = method.client_assertion(audience)
            with lock:
                made.append((audience, assertion))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claims = [(aud, jose.verify_jwt(a, "k" * 32, algs=["HS256"]).claims) for aud, a in made]
    assert all(aud == c["aud"] and c["exp"] - c["iat"] == 60 for aud, c in claims)
    assert len(made) == len({c["jti"] for _, c in claims})


# --- client authentication as a plain requests auth handler ----------------------------------

HANDLERS = [ClientSecretPost("rp", "s3cr3t"), ClientSecretBasic("rp", "s3cr3t")]
HANDLER_IDS = ["client_secret_post", "client_secret_basic"]


@pytest.mark.parametrize("method", HANDLERS, ids=HANDLER_IDS)
def test_a_form_body_that_is_not_utf8_is_an_oauth2kit_error(
    method: BaseClientAuthenticationMethod,
) -> None:
    """A form POST whose body is not UTF-8 raises an oauth2kit error, not UnicodeDecodeError."""
    prepared = requests.Request("POST", TOKEN_URL, data=b"x=\xff", headers=FORM).prepare()
    with pytest.raises(OAuth2KitError):
        method(prepared)


@pytest.mark.parametrize("method", HANDLERS, ids=HANDLER_IDS)
def test_a_streamed_form_body_is_an_oauth2kit_error(method: BaseClientAuthenticationMethod) -> None:
    """A form POST with a file-like body raises an oauth2kit error, not AttributeError."""
    prepared = requests.Request("POST", TOKEN_URL, data=io.BytesIO(b"x=1"), headers=FORM).prepare()
    with pytest.raises(OAuth2KitError):
        method(prepared)


@pytest.mark.parametrize("method", HANDLERS, ids=HANDLER_IDS)
def test_the_callers_form_fields_are_sent_unchanged(method: BaseClientAuthenticationMethod) -> None:
    """Percent-encoded bytes of the caller's form reach the server as the caller wrote them."""
    prepared = requests.Request(
        "POST", TOKEN_URL, data="blob=%FF%00&grant_type=x", headers=FORM
    ).prepare()
    body = method(prepared).body
    text = body.decode() if isinstance(body, bytes) else str(body)
    assert "blob=%FF%00" in text.split("&")


# --- request objects (RFC 9101) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"claims": "{not json"},
        {"authorization_details": "["},
        {"claims": "[" * 100_000 + "]" * 100_000},
        {"claims": "1" * 5000},
    ],
    ids=["claims-not-json", "authorization_details-cut", "too-deep", "too-many-digits"],
)
def test_a_json_parameter_that_is_not_json_is_an_oauth2kit_error(params: dict[str, str]) -> None:
    """A claims or authorization_details str that is not JSON fails as an oauth2kit error."""
    with pytest.raises(OAuth2KitError):
        authorization_request(**params).sign(CLIENT_KEY)


def test_a_lifetime_past_the_datetime_range_is_an_oauth2kit_error() -> None:
    """A request object lifetime that no datetime can hold fails as an oauth2kit error."""
    with pytest.raises(OAuth2KitError):
        authorization_request().sign(CLIENT_KEY, lifetime=10**20)


@pytest.mark.parametrize(
    "unusable",
    [
        {"kty": "OKP", "crv": "Ed448", "x": "A" * 76, "kid": "ed448", "use": "sig"},
        {"kty": "AKP", "alg": "ML-DSA-44", "pub": "AAAA", "kid": "pq", "use": "sig"},
    ],
    ids=["Ed448", "unknown-kty"],
)
def test_a_request_object_is_encrypted_to_a_jwks_that_holds_an_unusable_key(
    unusable: dict[str, str],
) -> None:
    """sign_and_encrypt picks the server's enc key from a JWK Set with keys it cannot use."""
    server_key = jose.generate_key("RSA-OAEP-256", kid="as-enc-rsa")
    signing = jose.generate_key("RS256", kid="as-rs256")
    jwks = jose.KeySet([signing, server_key]).public_jwks()
    jwks["keys"].append(unusable)
    sealed = authorization_request().sign_and_encrypt(CLIENT_KEY, jwks, enc_alg="RSA-OAEP-256")
    assert "as-enc-rsa" == jose.peek_header(sealed.request)["kid"]


# --- secrets in messages ----------------------------------------------------------------------


def test_a_client_secret_is_never_quoted_by_a_method_that_cannot_use_it() -> None:
    """A client secret given to a method that takes no secret stays out of the error."""
    secret = "Zq7-very-secret-client-secret-value"
    with pytest.raises(OAuth2KitError) as caught:
        OAuth2Client(
            TOKEN_URL,
            client_id="rp",
            client_secret=secret,
            token_endpoint_auth_method="tls_client_auth",
        )
    assert secret not in f"{caught.value} {caught.value!r} {caught.value.args}"


# --- token responses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expires_in", "token_type"),
    [
        (b'\xef\xbb\xbf{"access_token": "a", "token_type": "bearer"}', None, "bearer"),
        (json.dumps({"access_token": "a", "expires_in": "3600.5"}).encode(), 3600, "Bearer"),
        (json.dumps({"access_token": "a", "expires_in": "1e3"}).encode(), 1000, "Bearer"),
        (json.dumps({"access_token": "a", "expires_in": 10**30}).encode(), None, "Bearer"),
        (json.dumps({"access_token": "a", "token_type": "BEARER"}).encode(), None, "BEARER"),
    ],
    ids=["utf8-bom", "fractional-str", "exponent-str", "huge", "upper-case-type"],
)
def test_token_responses_real_servers_do_not_send(
    body: bytes, expires_in: int | None, token_type: str
) -> None:
    """Stubbed (the test server sends none of these): BOM, odd expires_in, token_type case."""
    client = OAuth2Client(TOKEN_URL, client_id="rp", client_secret="s")
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, body=body, content_type="application/json")
        token = client.client_credentials()
    assert (token.access_token, token.token_type) == ("a", token_type)
    got = token.expires_in
    assert got == expires_in or (
        expires_in is not None and got is not None and 0 <= expires_in - got <= 1
    )
