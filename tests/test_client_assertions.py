"""client_secret_jwt and private_key_jwt: the assertions, their checks, and the real server."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
import requests
from as_server import AuthServer
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from oauth2kit import (
    BaseClientAssertionAuthenticationMethod,
    ClientSecretJwt,
    InvalidClient,
    InvalidClientAssertionSigningKeyOrAlg,
    InvalidParam,
    MissingClientAssertionAudience,
    OAuth2Client,
    PrivateKeyJwt,
    UnsupportedClientCredentials,
    jose,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_URL = "https://as.example/oauth/token"
PKJWT_CLIENTS = {
    "pkjwt-rs256": "RS256",
    "pkjwt-ps256": "PS256",
    "pkjwt-es256": "ES256",
    "pkjwt-eddsa": "EdDSA",
}
JWT_SECRET_CLIENT = ("cc-jwt-secret", "cc-jwt-secret-0123456789abcdef0123456789abcdef")


def jwk(name: str) -> dict[str, Any]:
    return AuthServer.client_jwk(name)


def public_of(name: str) -> jose.Key:
    return jose.to_key(jwk(name)).public_key()


def sent_form(method: requests.auth.AuthBase, url: str = TOKEN_URL) -> dict[str, str]:
    """The form a method adds to a plain requests form POST (outside OAuth2Client)."""
    prepared = requests.Request("POST", url, data={"grant_type": "client_credentials"}).prepare()
    body = method(prepared).body
    assert isinstance(body, str)
    return {name: values[0] for name, values in parse_qs(body).items()}


def claims_of(assertion: str, key: jose.KeyLike, alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, claims, _ = jose.verify_jwt(assertion, key, [alg])
    return header, claims


class RecordedForms:
    """The token request forms a client sent, taken from its session's responses."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.forms: list[dict[str, str]] = []
        self.session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, **_: Any) -> None:
        body = response.request.body
        text = body.decode() if isinstance(body, bytes) else body or ""
        self.forms.append({name: values[0] for name, values in parse_qs(text).items()})

    def assertion(self, index: int = -1) -> str:
        return self.forms[index]["client_assertion"]


@pytest.fixture
def recorded() -> Iterator[RecordedForms]:
    forms = RecordedForms()
    yield forms
    forms.session.close()


# --- the assertion ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PKJWT_CLIENTS))
def test_private_key_jwt_form_and_claims(name: str) -> None:
    method = PrivateKeyJwt(name, jwk(name))
    form = sent_form(method)
    assert form["client_id"] == name
    assert form["client_assertion_type"] == ASSERTION_TYPE
    assert form["grant_type"] == "client_credentials"  # what was there stays
    header, claims = claims_of(form["client_assertion"], public_of(name), PKJWT_CLIENTS[name])
    assert header == {"alg": PKJWT_CLIENTS[name], "kid": name}
    assert claims["iss"] == claims["sub"] == name
    assert claims["aud"] == TOKEN_URL  # the URL it is sent to
    assert claims["exp"] - claims["iat"] == 60
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 22


def test_each_assertion_has_a_fresh_jti() -> None:
    method = PrivateKeyJwt("pkjwt-es256", jwk("pkjwt-es256"))
    jtis = {jose.unverified_claims(method.client_assertion(TOKEN_URL))["jti"] for _ in range(50)}
    assert len(jtis) == 50


def test_lifetime_aud_and_jti_gen_are_used() -> None:
    counter = iter(range(1000))
    method = PrivateKeyJwt(
        "pkjwt-es256",
        jwk("pkjwt-es256"),
        lifetime=300,
        aud="https://as.example",
        jti_gen=lambda: f"id-{next(counter)}",
    )
    claims = [claims_of(sent_form(method)["client_assertion"], public_of("pkjwt-es256"), "ES256")[1]
              for _ in range(2)]  # fmt: skip
    assert [c["jti"] for c in claims] == ["id-0", "id-1"]
    assert all(c["aud"] == "https://as.example" for c in claims)
    assert all(c["exp"] - c["iat"] == 300 for c in claims)


def test_claims_are_valid_json_for_any_client_id_and_audience() -> None:
    client_id = 'odd "client"\\\u00fc\u2603\n'
    audience = 'https://as.example/t\u00f6ken?x="1"'
    method = ClientSecretJwt(client_id, "s" * 32, jti_gen=lambda: 'j"\u00e9\\')
    claims = claims_of(method.client_assertion(audience), "s" * 32, "HS256")[1]
    assert claims["iss"] == claims["sub"] == client_id
    assert claims["aud"] == audience
    assert claims["jti"] == 'j"\u00e9\\'


def test_client_secret_jwt_signs_with_the_secret() -> None:
    client_id, secret = JWT_SECRET_CLIENT
    for alg in ("HS256", "HS384", "HS512"):
        method = ClientSecretJwt(client_id, secret, alg=alg)
        header, claims = claims_of(sent_form(method)["client_assertion"], secret, alg)
        assert header == {"alg": alg}
        assert claims["iss"] == claims["sub"] == client_id
        assert claims["aud"] == TOKEN_URL
        with pytest.raises(jose.InvalidSignature):
            claims_of(sent_form(method)["client_assertion"], secret + "x", alg)


def test_rfc7523bis_form_with_an_explicit_audience() -> None:
    method = PrivateKeyJwt(
        "pkjwt-es256", jwk("pkjwt-es256"), aud="https://as.example", issuer_as_audience=True
    )
    header, claims = claims_of(
        sent_form(method)["client_assertion"], public_of("pkjwt-es256"), "ES256"
    )
    assert header["typ"] == "client-authentication+jwt"
    assert claims["aud"] == "https://as.example"
    assert "issuer_as_audience=True" in repr(method)


def test_rfc7523bis_form_needs_an_issuer() -> None:
    """Outside a client, and on a client without an issuer, the audience is unknown."""
    method = ClientSecretJwt(*JWT_SECRET_CLIENT, issuer_as_audience=True)
    with pytest.raises(MissingClientAssertionAudience, match="aud="):
        sent_form(method)
    with pytest.raises(MissingClientAssertionAudience, match="issuer="):
        OAuth2Client(TOKEN_URL, auth=method)
    pk_method = PrivateKeyJwt("pkjwt-es256", jwk("pkjwt-es256"), issuer_as_audience=True)
    with pytest.raises(MissingClientAssertionAudience):
        OAuth2Client(TOKEN_URL, auth=pk_method)


def test_with_audience_keeps_one_copy_per_audience() -> None:
    method = ClientSecretJwt(*JWT_SECRET_CLIENT, issuer_as_audience=True)
    bound = method.with_audience("https://as.example")
    assert bound is method.with_audience("https://as.example")
    assert bound.aud == "https://as.example"
    assert method.aud is None  # the original is unchanged
    assert bound != method


def test_equality_follows_the_settings() -> None:
    key = jwk("pkjwt-es256")
    method = PrivateKeyJwt("pkjwt-es256", key)
    method.client_assertion(TOKEN_URL)  # fills a cache: not a setting
    assert method == PrivateKeyJwt("pkjwt-es256", dict(key))
    assert hash(method) == hash(PrivateKeyJwt("pkjwt-es256", dict(key)))
    assert method != PrivateKeyJwt("pkjwt-es256", key, lifetime=30)
    assert method != PrivateKeyJwt("pkjwt-es256", key, aud="https://as.example")
    assert ClientSecretJwt("c", "secret-1") != ClientSecretJwt("c", "secret-2")
    assert ClientSecretJwt("c", "secret-1") == ClientSecretJwt("c", "secret-1")


def test_repr_shows_no_secret() -> None:
    secret = "top-secret-value-0123456789"
    key = jwk("pkjwt-rs256")
    shown = repr(ClientSecretJwt("c", secret)) + repr(PrivateKeyJwt("c", key))
    shown += repr(OAuth2Client(TOKEN_URL, client_id="c", private_key=key))
    assert secret not in shown
    for member in ("d", "p", "q", "dp", "dq", "qi"):
        assert key[member] not in shown
    assert "kid='pkjwt-rs256'" in shown


def test_public_jwk_is_what_to_register() -> None:
    method = PrivateKeyJwt("c", jwk("pkjwt-eddsa"))
    public = method.public_jwk()
    assert "d" not in public
    assert public["kid"] == "pkjwt-eddsa"
    assert public["alg"] == "EdDSA"
    assert public["use"] == "sig"
    claims_of(method.client_assertion(TOKEN_URL), public, "EdDSA")


def test_the_base_class_is_exported() -> None:
    assert issubclass(PrivateKeyJwt, BaseClientAssertionAuthenticationMethod)
    assert issubclass(ClientSecretJwt, BaseClientAssertionAuthenticationMethod)
    assert issubclass(InvalidClientAssertionSigningKeyOrAlg, ValueError)


# --- keys and algorithms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crypto_key", "alg"),
    [
        (rsa.generate_private_key(65537, 2048), "RS256"),
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (ec.generate_private_key(ec.SECP384R1()), "ES384"),
        (ec.generate_private_key(ec.SECP521R1()), "ES512"),
        (ed25519.Ed25519PrivateKey.generate(), "EdDSA"),
    ],
    ids=["rsa", "p256", "p384", "p521", "ed25519"],
)
def test_a_cryptography_key_gets_its_type_s_default_alg(crypto_key: Any, alg: str) -> None:
    method = PrivateKeyJwt("c", crypto_key, kid="k1")
    assert method.alg == alg
    header, _ = claims_of(method.client_assertion(TOKEN_URL), crypto_key.public_key(), alg)
    assert header == {"alg": alg, "kid": "k1"}


def test_the_alg_argument_chooses_among_the_key_s_algs() -> None:
    key = {k: v for k, v in jwk("pkjwt-rs256").items() if k != "alg"}
    method = PrivateKeyJwt("c", key, alg="PS384")
    assert jose.peek_header(method.client_assertion(TOKEN_URL))["alg"] == "PS384"


def test_a_jose_key_is_accepted() -> None:
    key = jose.generate_key("ES256", kid="generated")
    method = PrivateKeyJwt("c", key)
    assert jose.peek_header(method.client_assertion(TOKEN_URL))["kid"] == "generated"


@pytest.mark.parametrize(
    ("key", "alg", "kid", "reason"),
    [
        (public_of("pkjwt-es256").public_jwk(), None, None, "public key"),
        (ec.generate_private_key(ec.SECP256R1()).public_key(), None, "k", "public key"),
        ({"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQ", "kid": "k"}, None, None, "symmetric"),
        ("a-client-secret", None, "k", "symmetric"),
        (jwk("pkjwt-es256"), "XS256", None, "for alg 'ES256'"),
        ({**jwk("pkjwt-es256"), "alg": None}, "XS256", None, "unknown"),
        ({**jwk("pkjwt-es256"), "alg": None}, "none", None, "unknown"),
        ({**jwk("pkjwt-es256"), "alg": None}, "HS256", None, "unsuitable"),
        ({**jwk("pkjwt-es256"), "alg": None}, "RS256", None, "does not fit"),
        ({**jwk("pkjwt-es256"), "alg": None}, 256, None, "must be a str"),
        ({**jwk("pkjwt-es256"), "use": "enc"}, None, None, "does not fit"),
        (x25519.X25519PrivateKey.generate(), None, "k", "cannot sign"),
        ({**jwk("pkjwt-es256"), "kid": None}, None, None, "Key ID"),
        (ec.generate_private_key(ec.SECP256R1()), None, None, "Key ID"),
        (jwk("pkjwt-es256"), None, "other", "kid is 'pkjwt-es256'"),
        (jwk("pkjwt-es256"), None, "", "kid must be"),
        (
            {"kty": "EC", "crv": "P-256", "x": "!!", "y": "??", "d": "xx", "kid": "k"},
            None,
            None,
            "base64",
        ),
        ({"kty": "RSA", "kid": "k"}, None, None, "missing"),
        (rsa.generate_private_key(65537, 1024), None, "k", "2048"),  # noqa: S505 - refused
        (object(), None, "k", "not a key"),
    ],
)
def test_unusable_keys_and_algs_are_refused_where_they_enter(
    key: Any, alg: Any, kid: Any, reason: str
) -> None:
    if isinstance(key, dict):
        key = {name: value for name, value in key.items() if value is not None}
    with pytest.raises(
        InvalidClientAssertionSigningKeyOrAlg, match="asymmetric private signing key"
    ) as info:
        PrivateKeyJwt("c", key, alg=alg, kid=kid)
    assert reason in str(info.value)


def test_client_secret_jwt_refuses_other_algs_and_unusable_secrets() -> None:
    for alg in ("RS256", "none", "HS1024", ""):
        with pytest.raises(InvalidClientAssertionSigningKeyOrAlg, match="HS256"):
            ClientSecretJwt("c", "secret", alg=alg)
    secrets: list[Any] = ["", None, 42]
    for secret in secrets:
        with pytest.raises(UnsupportedClientCredentials):
            ClientSecretJwt("c", secret)
    pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg, match="PEM"):
        ClientSecretJwt("c", pem)


@pytest.mark.parametrize(
    "options",
    [
        {"lifetime": 0},
        {"lifetime": -5},
        {"lifetime": True},
        {"lifetime": "60"},
        {"lifetime": 1.5},
        {"aud": ""},
        {"aud": 42},
        {"jti_gen": "uuid"},
        {"issuer_as_audience": "yes"},
    ],
)
def test_bad_options_are_refused_where_they_enter(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidParam):
        PrivateKeyJwt("c", jwk("pkjwt-es256"), **options)
    with pytest.raises(InvalidParam):
        ClientSecretJwt("c", "secret", **options)


@pytest.mark.parametrize("bad_jti", [None, "", 42, b"bytes"])
def test_a_jti_generator_that_returns_no_str_is_a_clear_error(bad_jti: Any) -> None:
    def jti_gen() -> str:
        return bad_jti  # type: ignore[no-any-return] # the point of the test

    method = ClientSecretJwt("c", "secret", jti_gen=jti_gen)
    with pytest.raises(InvalidParam, match="jti_gen"):
        method.client_assertion(TOKEN_URL)


def test_a_bad_client_id_is_refused() -> None:
    with pytest.raises(UnsupportedClientCredentials):
        PrivateKeyJwt("", jwk("pkjwt-es256"))


# --- the client's credential shortcuts -----------------------------------------------------


def test_the_client_shortcuts_build_the_methods() -> None:
    key = jwk("pkjwt-es256")
    assert OAuth2Client(TOKEN_URL, client_id="c", private_key=key).auth == PrivateKeyJwt("c", key)
    assert OAuth2Client(TOKEN_URL, auth=("c", key)).auth == PrivateKeyJwt("c", key)
    by_name = OAuth2Client(
        TOKEN_URL,
        client_id="c",
        client_secret="secret",
        token_endpoint_auth_method="client_secret_jwt",
    )
    assert by_name.auth == ClientSecretJwt("c", "secret")
    assert by_name.client_secret == "secret"
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg):
        OAuth2Client(TOKEN_URL, client_id="c", private_key=public_of("pkjwt-es256").public_jwk())


# --- against the test authorization server -------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(PKJWT_CLIENTS))
def test_private_key_jwt_against_the_server(
    auth_server: AuthServer, recorded: RecordedForms, name: str
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, auth=PrivateKeyJwt(name, jwk(name)), session=recorded.session
    )
    first, second = client.client_credentials(), client.client_credentials()
    assert first.access_token != second.access_token  # the second assertion was not a replay
    header, claims = claims_of(recorded.assertion(), public_of(name), PKJWT_CLIENTS[name])
    assert header["alg"] == PKJWT_CLIENTS[name]
    assert claims["aud"] == auth_server.token_endpoint
    assert recorded.forms[0]["client_assertion"] != recorded.forms[1]["client_assertion"]


@pytest.mark.integration
def test_the_private_key_shortcut_against_the_server(auth_server: AuthServer) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, client_id="pkjwt-es256", private_key=jwk("pkjwt-es256")
    )
    assert client.client_credentials().access_token


@pytest.mark.integration
def test_a_cryptography_key_with_a_kid_against_the_server(auth_server: AuthServer) -> None:
    crypto_key = jose.to_key(jwk("pkjwt-ps256")).crypto_key
    method = PrivateKeyJwt("pkjwt-ps256", crypto_key, alg="PS256", kid="pkjwt-ps256")
    assert OAuth2Client(auth_server.token_endpoint, auth=method).client_credentials().access_token


@pytest.mark.integration
def test_client_secret_jwt_against_the_server(
    auth_server: AuthServer, recorded: RecordedForms
) -> None:
    client_id, secret = JWT_SECRET_CLIENT
    client = OAuth2Client(
        auth_server.token_endpoint,
        client_id=client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_jwt",
        session=recorded.session,
    )
    assert client.client_credentials().access_token
    assert "client_secret" not in recorded.forms[-1]
    header, claims = claims_of(recorded.assertion(), secret, "HS256")
    assert header == {"alg": "HS256"}
    assert claims["iss"] == client_id


@pytest.mark.integration
@pytest.mark.parametrize(
    "method",
    [
        PrivateKeyJwt("pkjwt-es256", jwk("pkjwt-es256"), issuer_as_audience=True),
        ClientSecretJwt(*JWT_SECRET_CLIENT, issuer_as_audience=True),
    ],
    ids=["private_key_jwt", "client_secret_jwt"],
)
def test_the_rfc7523bis_form_against_the_server(
    auth_server: AuthServer,
    recorded: RecordedForms,
    method: BaseClientAssertionAuthenticationMethod,
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, auth=method, issuer=auth_server.issuer, session=recorded.session
    )
    assert client.client_credentials().access_token
    header = jose.peek_header(recorded.assertion())
    claims = jose.unverified_claims(recorded.assertion())
    assert header["typ"] == "client-authentication+jwt"
    assert claims["aud"] == auth_server.issuer
    assert method.aud is None  # the user's method is left as it was


@pytest.mark.integration
def test_a_wrong_key_is_refused_by_the_server(auth_server: AuthServer) -> None:
    impostor = jose.generate_key("ES256", kid="pkjwt-es256")
    client = OAuth2Client(auth_server.token_endpoint, auth=PrivateKeyJwt("pkjwt-es256", impostor))
    with pytest.raises(InvalidClient):
        client.client_credentials()


@pytest.mark.integration
def test_an_alg_the_client_did_not_register_is_refused_by_the_server(
    auth_server: AuthServer,
) -> None:
    """pkjwt-rs256 registered RS256; a PS256 assertion with the same key is refused."""
    key = {k: v for k, v in jwk("pkjwt-rs256").items() if k != "alg"}
    client = OAuth2Client(
        auth_server.token_endpoint, auth=PrivateKeyJwt("pkjwt-rs256", key, alg="PS256")
    )
    with pytest.raises(InvalidClient):
        client.client_credentials()


@pytest.mark.integration
def test_a_wrong_secret_is_refused_by_the_server(auth_server: AuthServer) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint, auth=ClientSecretJwt(JWT_SECRET_CLIENT[0], "not-the-secret")
    )
    with pytest.raises(InvalidClient):
        client.client_credentials()


@pytest.mark.integration
def test_the_assertion_is_never_logged(
    auth_server: AuthServer, recorded: RecordedForms, caplog: pytest.LogCaptureFixture
) -> None:
    client = OAuth2Client(
        auth_server.token_endpoint,
        auth=PrivateKeyJwt("pkjwt-es256", jwk("pkjwt-es256")),
        session=recorded.session,
    )
    with caplog.at_level(logging.DEBUG):
        client.client_credentials()
    assertion = recorded.assertion()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records  # the request itself was logged
    assert assertion not in logged
    assert assertion.rsplit(".", 1)[1] not in logged


DOC = Path(__file__).resolve().parent.parent / "docs" / "flows" / "client_assertions.md"


@pytest.mark.integration
def test_the_example_of_the_docs_runs(auth_server: AuthServer) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert example is not None
    assert f"{auth_server.issuer}/token" == auth_server.token_endpoint  # as the example says
    # The same code, pointed at this run's server and keys instead of the fixed port it shows.
    keys = Path(__file__).resolve().parent / "as" / "keys" / "clients"
    code, count = re.subn(
        r"^(ISSUER|KEYS) = .*$",
        lambda line: {
            "ISSUER": f"ISSUER = {auth_server.issuer!r}",
            "KEYS": f"KEYS = Path({str(keys)!r})",
        }[line.group(1)],
        example.group(1),
        flags=re.MULTILINE,
    )
    assert count == 2
    exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - the documentation's own code
