"""Back-channel logout tokens and RFC 9068 JWT access tokens, validated.

The real thing first: a logout token the test server POSTs to ``logout-client`` when the
end-user logs out, and a JWT access token it issues for its ``urn:oauth2kit:rs:jwt``
resource, with the server's keys from its ``jwks_uri`` (given, or through a client's
``authorization_server_keys``). Then one crafted token per check, signed with
`oauth2kit.jose` and keys the tests make, each refused with the helper's exception and the
claim at fault.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import pickle
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from as_server import REDIRECT_URI, AuthServer
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth2kit import (
    InvalidJwtAccessToken,
    InvalidLogoutToken,
    InvalidParam,
    OAuth2Client,
    jose,
    validate_jwt_access_token,
    validate_logout_token,
)

ISSUER = "https://as.example"
CLIENT_ID = "rp"
RESOURCE = "https://api.example"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
KEY = jose.generate_key("RS256", kid="as-1")
JWKS = jose.KeySet([KEY]).public_jwks()


def b64json(value: object) -> str:
    return jose.b64encode(json.dumps(value).encode())


def sign(claims: dict[str, Any], key: jose.Key = KEY, typ: str | None = None) -> str:
    present = {name: value for name, value in claims.items() if value is not None}
    return jose.sign_jwt(present, key, headers={"typ": typ} if typ else None)


def logout_token(key: jose.Key = KEY, typ: str | None = "logout+jwt", **changes: Any) -> str:
    """A logout token as the spec has it; a claim given as None is left out."""
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 120, "jti": "j-1",
        "sub": "alice", "sid": "s-1", "events": {EVENT: {}}, **changes,
    }  # fmt: skip
    return sign(claims, key, typ)


def access_token(typ: str | None = "at+jwt", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": RESOURCE, "iat": now, "exp": now + 300, "jti": "at-1",
        "sub": "alice", "client_id": CLIENT_ID, "scope": "read", **changes,
    }  # fmt: skip
    return sign(claims, typ=typ)


def check_logout(token: Any, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"issuer": ISSUER, "client_id": CLIENT_ID, "keys": JWKS, **kwargs}
    claims: dict[str, Any] = validate_logout_token(token, **options)
    return claims


def check_access(token: Any, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"issuer": ISSUER, "audience": RESOURCE, "keys": JWKS, **kwargs}
    claims: dict[str, Any] = validate_jwt_access_token(token, **options)
    return claims


# --- against the test server ------------------------------------------------------------------


def server_jwks(server: AuthServer) -> dict[str, Any]:
    response = requests.get(server.discovery["jwks_uri"], timeout=10)
    response.raise_for_status()
    jwks: dict[str, Any] = response.json()
    return jwks


def keys_client(server: AuthServer, client_id: str, secret: str) -> OAuth2Client:
    """A client that knows the server's issuer and ``jwks_uri``."""
    return OAuth2Client(
        server.token_endpoint,
        auth=(client_id, secret),
        issuer=server.issuer,
        jwks_uri=server.discovery["jwks_uri"],
    )


@pytest.mark.integration
def test_a_real_logout_token(auth_server: AuthServer) -> None:
    browser = requests.Session()  # the end-user's, whose session the logout ends
    query = urlencode(
        {"client_id": "logout-client", "response_type": "code", "redirect_uri": REDIRECT_URI,
         "scope": "openid", "nonce": "n-1"}
    )  # fmt: skip
    callback = auth_server.authorize(
        f"{auth_server.discovery['authorization_endpoint']}?{query}", session=browser
    )
    client = keys_client(auth_server, "logout-client", "logout-client-secret")
    data = {
        "grant_type": "authorization_code",
        "code": dict(parse_qsl(urlsplit(callback).query))["code"],
        "redirect_uri": REDIRECT_URI,
    }
    id_token = str(client.token_request(data).id_token)
    end_session = auth_server.discovery["end_session_endpoint"]
    sent = len(auth_server.backchannel_logout_tokens())
    auth_server.logout(f"{end_session}?{urlencode({'id_token_hint': id_token})}", browser)
    tokens = auth_server.backchannel_logout_tokens()
    assert sent + 1 == len(tokens)

    claims = validate_logout_token(
        tokens[-1], issuer=auth_server.issuer, client_id="logout-client",
        keys=server_jwks(auth_server),
    )  # fmt: skip
    session = jose.unverified_claims(id_token)
    assert (session["sub"], session["sid"]) == (claims["sub"], claims["sid"])
    assert {} == claims["events"][EVENT]
    # The same, with the client's issuer, id and keys.
    assert claims == validate_logout_token(tokens[-1], client=client)
    # An ID token is no logout token, although the same server signed it.
    with pytest.raises(InvalidLogoutToken) as caught:
        validate_logout_token(id_token, client=client)
    assert caught.value.claim in {"jti", "events"}


@pytest.mark.integration
def test_a_real_jwt_access_token(auth_server: AuthServer) -> None:
    client = keys_client(auth_server, "cc-basic", "cc-basic-secret")
    token = client.client_credentials(scope="api:read", resource="urn:oauth2kit:rs:jwt")
    resource = "urn:oauth2kit:rs:jwt"
    claims = validate_jwt_access_token(
        token.access_token, issuer=auth_server.issuer, audience=resource,
        keys=jose.to_key_set(server_jwks(auth_server)),
    )  # fmt: skip
    assert ("cc-basic", "cc-basic", "api:read") == (
        claims["sub"], claims["client_id"], claims["scope"],
    )  # fmt: skip
    assert claims == validate_jwt_access_token(token.access_token, audience=resource, client=client)
    with pytest.raises(InvalidJwtAccessToken) as caught:
        validate_jwt_access_token(
            token.access_token, audience="urn:oauth2kit:rs:opaque", client=client
        )
    assert "aud" == caught.value.claim
    with pytest.raises(InvalidJwtAccessToken) as caught:
        validate_jwt_access_token(
            token.access_token, audience=resource, client=client, issuer="https://other.example"
        )
    assert "iss" == caught.value.claim
    # An opaque access token is not a JWT at all.
    opaque = client.client_credentials(scope="api:read", resource="urn:oauth2kit:rs:opaque")
    with pytest.raises(InvalidJwtAccessToken, match="does not verify") as caught:
        validate_jwt_access_token(opaque.access_token, audience=resource, client=client)
    assert None is caught.value.claim


# --- logout tokens, one check at a time ---------------------------------------------------


def test_a_logout_token_with_sub_or_sid_or_both() -> None:
    assert "s-1" == check_logout(logout_token())["sid"]
    assert "sid" not in check_logout(logout_token(sid=None))
    assert "sub" not in check_logout(logout_token(sub=None))
    assert CLIENT_ID in check_logout(logout_token(aud=["other", CLIENT_ID]))["aud"]
    check_logout(logout_token(typ=None))  # explicit typing is recommended, not required
    check_logout(logout_token(typ="JWT"))
    check_logout(logout_token().encode())


@pytest.mark.parametrize(
    ("changes", "claim"),
    [
        ({"iss": "https://evil.example"}, "iss"),
        ({"iss": None}, "iss"),
        ({"aud": "someone-else"}, "aud"),
        ({"aud": ["a", "b"]}, "aud"),
        ({"aud": None}, "aud"),
        ({"exp": int(time.time()) - 3600}, "exp"),
        ({"exp": None}, "exp"),
        ({"exp": "soon"}, "exp"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"iat": None}, "iat"),
        ({"jti": None}, "jti"),
        ({"events": None}, "events"),
        ({"events": {"http://schemas.openid.net/event/other": {}}}, "events"),
        ({"events": {EVENT: "yes"}}, "events"),
        ({"events": [EVENT]}, "events"),
        ({"nonce": "n-1"}, "nonce"),
        ({"sub": None, "sid": None}, "sid"),
        ({"sub": 42}, "sub"),
        ({"sid": ""}, "sid"),
        ({"nbf": int(time.time()) + 3600}, "nbf"),
    ],
)
def test_each_claim_check_refuses_a_logout_token(changes: dict[str, Any], claim: str) -> None:
    with pytest.raises(InvalidLogoutToken) as caught:
        check_logout(logout_token(**changes))
    assert claim == caught.value.claim


def test_leeway_applies_to_the_time_claims() -> None:
    late = logout_token(exp=int(time.time()) - 30)
    check_logout(late)  # within the default 60 s
    with pytest.raises(InvalidLogoutToken) as caught:
        check_logout(late, leeway=0)
    assert "exp" == caught.value.claim


def hs256_with_the_rsa_public_key(secret: bytes) -> str:
    """An HS256 token whose "secret" is the server's public key (the HS/RS confusion)."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 60, "jti": "j",
              "sub": "alice", "events": {EVENT: {}}}  # fmt: skip
    signing_input = f"{b64json({'alg': 'HS256', 'kid': 'as-1'})}.{b64json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jose.b64encode(mac)}"


def test_signature_and_algorithm_attacks_are_refused() -> None:
    pem = KEY.public_key().crypto_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    unsigned = f"{b64json({'alg': 'none'})}.{b64json({'iss': ISSUER, 'iat': now})}."
    attacks = {
        "alg none": (unsigned, jose.AlgorithmNotAllowed),
        "HS256 over the public key": (hs256_with_the_rsa_public_key(pem), jose.KeyTypeMismatch),
        "HS256 over its JWK": (
            hs256_with_the_rsa_public_key(json.dumps(JWKS["keys"][0]).encode()),
            jose.KeyTypeMismatch,
        ),
        "another key, same kid": (
            logout_token(key=jose.generate_key("RS256", kid="as-1")),
            jose.InvalidSignature,
        ),
        "an unknown kid": (logout_token(key=jose.generate_key("RS256", kid="x")), jose.KeyNotFound),
        "a tampered payload": (
            ".".join(
                (part if i != 1 else b64json({"iss": ISSUER}))
                for i, part in enumerate(logout_token().split("."))
            ),
            jose.InvalidSignature,
        ),
    }
    for name, (token, cause) in attacks.items():
        # Even with HS256 allowed (an HMAC secret could be among the keys), each is refused.
        with pytest.raises(InvalidLogoutToken) as caught:
            check_logout(token, algs=["RS256", "HS256"])
        assert isinstance(caught.value.__cause__, cause), name
        assert None is caught.value.claim, name
    # By default HMAC is not even allowed: there is no shared secret with the server.
    with pytest.raises(InvalidLogoutToken) as caught:
        check_logout(hs256_with_the_rsa_public_key(pem))
    assert isinstance(caught.value.__cause__, jose.AlgorithmNotAllowed)


def test_only_the_allowed_algorithms_and_keys() -> None:
    with pytest.raises(InvalidLogoutToken) as caught:
        check_logout(logout_token(), algs=["ES256"])
    assert isinstance(caught.value.__cause__, jose.AlgorithmNotAllowed)
    ec = jose.generate_key("ES256", kid="ec-1")
    both = jose.KeySet([KEY.public_key(), ec.public_key()])
    assert "alice" == check_logout(logout_token(key=ec), keys=both)["sub"]
    # Several keys fit a token without a kid: none is chosen.
    ec_no_kid = jose.Key(ec.crypto_key, alg="ES256")
    other = jose.Key(jose.generate_key("ES256").public_key().crypto_key, alg="ES256")
    with pytest.raises(InvalidLogoutToken) as caught:
        check_logout(logout_token(key=ec_no_kid), keys=[ec_no_kid.public_key(), other])
    assert isinstance(caught.value.__cause__, jose.AmbiguousKey)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b.c", "a.b", b"\xff.\xfe.\xfd", 42, None, "x" * 70_000, logout_token() + "x"],
)
def test_malformed_tokens_are_refused(token: object) -> None:
    with pytest.raises(InvalidLogoutToken):
        check_logout(token)
    with pytest.raises(InvalidJwtAccessToken):
        check_access(token)


def test_a_token_of_another_type_is_refused() -> None:
    with pytest.raises(InvalidLogoutToken, match="logout\\+jwt") as caught:
        check_logout(logout_token(typ="at+jwt"))
    assert None is caught.value.claim


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keys": None}, "one of the two"),
        ({"client": OAuth2Client("https://as.example/token", auth=("rp", "s"))}, "one of the two"),
        ({"keys": {"keys": "nope"}}, "keys must be"),
        ({"issuer": None}, "issuer"),
        ({"client_id": None}, "client_id"),
        ({"algs": "RS256"}, "algs"),
        ({"algs": []}, "algs"),
        ({"algs": ["RS256", "none"]}, "none"),
        ({"leeway": -1}, "leeway"),
        ({"leeway": True}, "leeway"),
    ],
)
def test_unusable_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParam, match=message):
        check_logout(logout_token(), **kwargs)


# --- JWT access tokens --------------------------------------------------------------------


def test_a_jwt_access_token() -> None:
    claims = check_access(access_token())
    assert ("alice", CLIENT_ID, "read") == (claims["sub"], claims["client_id"], claims["scope"])
    check_access(access_token(typ="application/at+jwt"))
    check_access(access_token(typ="AT+JWT"))  # media types are case-insensitive
    check_access(access_token(aud=["https://other.example", RESOURCE]))
    check_access(access_token(), audience=["https://old.example", RESOURCE])


@pytest.mark.parametrize("typ", [None, "JWT", "logout+jwt", "at+jwe"])
def test_an_access_token_must_be_typed_at_jwt(typ: str | None) -> None:
    with pytest.raises(InvalidJwtAccessToken, match="at\\+jwt") as caught:
        check_access(access_token(typ=typ))
    assert None is caught.value.claim


@pytest.mark.parametrize("claim", ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"])
def test_every_required_claim_is_required(claim: str) -> None:
    with pytest.raises(InvalidJwtAccessToken, match="missing") as caught:
        check_access(access_token(**{claim: None}))
    assert claim == caught.value.claim


@pytest.mark.parametrize(
    ("changes", "claim"),
    [
        ({"iss": "https://evil.example"}, "iss"),
        ({"aud": "https://other.example"}, "aud"),
        ({"aud": 7}, "aud"),
        ({"exp": int(time.time()) - 3600}, "exp"),
        ({"exp": True}, "exp"),
        ({"nbf": int(time.time()) + 3600}, "nbf"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"client_id": ["rp"]}, "client_id"),
    ],
)
def test_each_claim_check_refuses_an_access_token(changes: dict[str, Any], claim: str) -> None:
    with pytest.raises(InvalidJwtAccessToken) as caught:
        check_access(access_token(**changes))
    assert claim == caught.value.claim


@pytest.mark.parametrize("audience", ["", [], [""], [7]])
def test_the_audience_argument_is_checked(audience: object) -> None:
    with pytest.raises(InvalidParam, match="audience"):
        check_access(access_token(), audience=audience)


@pytest.mark.parametrize("cls", [InvalidLogoutToken, InvalidJwtAccessToken])
def test_the_exceptions_survive_copy_and_pickle(cls: type[InvalidLogoutToken]) -> None:
    error = cls("mismatching 'iss'", "iss")
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert (type(error), str(error), "iss") == (type(clone), str(clone), clone.claim)
    assert isinstance(error, ValueError)


DOC = Path(__file__).resolve().parent.parent / "docs" / "flows" / "resource_server.md"


@pytest.mark.integration
def test_the_example_of_the_docs_runs(auth_server: AuthServer) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert example is not None
    # The same code, pointed at this run's server instead of the fixed port it shows.
    code, count = re.subn(
        r"^ISSUER = .*$", f"ISSUER = {auth_server.issuer!r}", example.group(1), flags=re.MULTILINE
    )
    assert 1 == count
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - the documentation's own code
    assert "cc-basic" == namespace["claims"]["client_id"]


segments = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.", max_size=60
)
json_segments = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
).map(b64json)


@settings(max_examples=200, deadline=None)
@given(
    header=st.one_of(json_segments, segments),
    payload=st.one_of(json_segments, segments),
    signature=segments,
)
def test_only_the_helpers_exceptions_come_out(header: str, payload: str, signature: str) -> None:
    token = f"{header}.{payload}.{signature}"
    with pytest.raises(InvalidLogoutToken):
        check_logout(token)
    with pytest.raises(InvalidJwtAccessToken):
        check_access(token)
