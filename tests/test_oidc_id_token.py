"""ID token validation, check by check, with tokens this test signs with keys of its own.

Each negative case is a token the real test server would never issue (a wrong issuer, an
``alg: none`` header, a key confusion, a decompression bomb, ...), crafted with
``oauth2kit.jose`` and verified against keys given as ``authorization_server_jwks``, so no
HTTP is involved. The flows against the real server are in test_oidc_integration.py.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import time
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth2kit import (
    AuthorizationResponse,
    BearerToken,
    ExpiredIdToken,
    IdToken,
    InvalidIdToken,
    InvalidIdTokenSignature,
    InvalidParam,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MissingIdToken,
    MissingIdTokenEncryptedResponseAlgParam,
    OAuth2Client,
    OAuth2KitError,
    PluginHost,
    UnsupportedIdTokenAlg,
    hookimpl,
    jose,
)

ISSUER = "https://as.example"
CLIENT_ID = "client-1"
SECRET = "a-client-secret-of-at-least-thirty-two-bytes"
NONCE = "n-0S6_WzA2Mj"
CODE = "SplxlOBeZQQYbYS6WxSbIA"
ACCESS_TOKEN = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"

RSA = jose.generate_key("RS256", kid="rsa-1")
EC = jose.generate_key("ES256", kid="ec-1")
SERVER_JWKS = {"keys": [RSA.public_jwk(), EC.public_jwk()]}


def client(**settings: Any) -> OAuth2Client:
    """A client of the made-up server, with its keys given statically."""
    settings.setdefault("authorization_server_jwks", SERVER_JWKS)
    settings.setdefault("issuer", ISSUER)
    return OAuth2Client(f"{ISSUER}/token", auth=(CLIENT_ID, SECRET), **settings)


def claims(**changes: Any) -> dict[str, Any]:
    """Valid ID token claims, with `changes` (None removes a claim)."""
    now = int(time.time())
    base = {"iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "exp": now + 300, "iat": now}
    base["nonce"] = NONCE
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def azr(**changes: Any) -> AuthorizationResponse:
    """The authorization response the token answers."""
    fields: dict[str, Any] = {"code": CODE, "nonce": NONCE, "issuer": ISSUER, "state": "st-1"}
    fields.update(changes)
    return AuthorizationResponse(**{k: v for k, v in fields.items() if v is not None})


def bearer(id_token: str) -> BearerToken:
    """A token response carrying `id_token`."""
    return BearerToken(ACCESS_TOKEN, expires_in=300, id_token=id_token)


def validate(id_token: str, c: OAuth2Client | None = None, **kwargs: Any) -> Any:
    """Run the operation (the kernel's BearerToken.validate_id_token delegates to it).

    Typed Any: the returned token's ``id_token`` is an `IdToken`, which `BearerToken`'s
    annotation (a str) does not say.
    """
    kwargs.setdefault("azr", azr())
    validated: Any = (c or client()).run("validate_id_token", token=bearer(id_token), **kwargs)
    return validated


def signed(key: jose.Key = RSA, alg: str | None = None, **changes: Any) -> str:
    """An ID token with `claims(**changes)`, signed by `key`."""
    return jose.sign_jwt(claims(**changes), key, alg)


def forged(header: dict[str, Any], payload: bytes | str, signature: bytes = b"sig") -> str:
    """A compact JWS assembled by hand (for headers a signer refuses to write)."""
    raw = payload if isinstance(payload, bytes) else payload.encode()
    parts = (json.dumps(header).encode(), raw, signature)
    return ".".join(jose.b64encode(part) for part in parts)


# --- what passes -------------------------------------------------------------------------


def test_valid_token_returns_a_token_with_a_verified_id_token() -> None:
    token = validate(signed(at_hash=jose.token_hash(ACCESS_TOKEN, "RS256")))
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.subject == "alice"
    assert token.access_token == ACCESS_TOKEN
    assert str(token.id_token) == token.id_token  # still the compact form


def test_every_signature_alg_of_the_facade_validates() -> None:
    for alg in ("RS256", "PS256", "ES256", "ES384", "EdDSA", "ES256K"):
        key = jose.generate_key(alg, kid=f"k-{alg}")
        c = client(authorization_server_jwks=[key.public_key()], id_token_signed_response_alg=alg)
        hashed = jose.token_hash(CODE, alg)
        assert validate(signed(key, c_hash=hashed), c).id_token.alg == alg


def test_hs256_is_verified_with_the_client_secret() -> None:
    c = client(id_token_signed_response_alg="HS256")
    assert validate(signed(jose.to_key(SECRET), "HS256"), c).id_token.alg == "HS256"
    with pytest.raises(InvalidIdTokenSignature):
        validate(signed(jose.to_key(SECRET + "x"), "HS256"), c)


def test_a_token_without_kid_uses_the_one_key_that_fits() -> None:
    key = jose.Key(RSA.crypto_key)  # no kid: the header has none
    assert validate(signed(key, "RS256"), client()).id_token.kid is None


# --- each failed check, its own exception ------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"iss": "https://evil.example"}, MismatchingIdTokenIssuer),
        ({"iss": None}, MismatchingIdTokenIssuer),
        ({"aud": "someone-else"}, MismatchingIdTokenAudience),
        ({"aud": None}, MismatchingIdTokenAudience),
        ({"aud": ["someone-else", "other"]}, MismatchingIdTokenAudience),
        ({"aud": [CLIENT_ID, "other"]}, MismatchingIdTokenAzp),  # several audiences, no azp
        ({"aud": [CLIENT_ID, "other"], "azp": "other"}, MismatchingIdTokenAzp),
        ({"azp": "other"}, MismatchingIdTokenAzp),
        ({"exp": int(time.time()) - 1}, ExpiredIdToken),
        ({"exp": None}, InvalidIdToken),
        ({"iat": None}, InvalidIdToken),
        ({"iat": int(time.time()) + 120}, InvalidIdToken),
        ({"nbf": int(time.time()) + 120}, InvalidIdToken),
        ({"exp": "tomorrow"}, InvalidIdToken),
        ({"nonce": None}, MismatchingIdTokenNonce),
        ({"nonce": "another-nonce"}, MismatchingIdTokenNonce),
        ({"sub": None}, InvalidIdToken),
        ({"at_hash": jose.token_hash("another-access-token", "RS256")}, InvalidIdToken),
        ({"c_hash": jose.token_hash("another-code", "RS256")}, InvalidIdToken),
        ({"s_hash": jose.token_hash("another-state", "RS256")}, InvalidIdToken),
    ],
)
def test_failed_check_raises_its_exception(changes: dict[str, Any], expected: type) -> None:
    with pytest.raises(expected) as caught:
        validate(signed(**changes))
    assert ACCESS_TOKEN not in str(caught.value)
    assert isinstance(getattr(caught.value, "token", None), BearerToken)


def test_the_hash_checks_say_which_hash() -> None:
    with pytest.raises(InvalidIdToken, match="mismatching 'at_hash' value"):
        validate(signed(at_hash="AAAA"))
    with pytest.raises(InvalidIdToken, match="mismatching 'c_hash' value"):
        validate(signed(c_hash="AAAA"))
    with pytest.raises(InvalidIdToken, match="no state was included in the request"):
        validate(signed(s_hash=jose.token_hash("st-1", "RS256")), azr=azr(state=None))


def test_leeway_accepts_a_token_just_expired_and_the_setting_is_one_for_all() -> None:
    just_expired = signed(exp=int(time.time()) - 5)
    with pytest.raises(ExpiredIdToken):
        validate(just_expired)
    assert validate(just_expired, client(jwt_leeway=30)).id_token
    assert validate(just_expired, exp_leeway=30).id_token
    assert validate(signed(iat=int(time.time()) + 20), client(jwt_leeway=30)).id_token


def test_issuer_comes_from_the_hook_then_the_response_then_the_client() -> None:
    with pytest.raises(MismatchingIdTokenIssuer):  # the response's RFC 9207 iss wins
        validate(signed(), azr=azr(issuer="https://other.example"))
    with pytest.raises(InvalidIdToken, match="no issuer"):
        validate(signed(), client(issuer=None), azr=azr(issuer=None))
    tenant = "https://login.example/tenant-42/v2.0"

    class TenantIssuer:
        @hookimpl
        def oauth2kit_expected_issuer(self, client: OAuth2Client, received: str | None) -> Any:
            template = "https://login.example/{tenantid}/v2.0"
            if client.issuer == template and received and received.startswith(template[:21]):
                return received  # a vendor resolves its tenant template
            return None

    host = PluginHost()
    host.register(TenantIssuer(), name="vendor.tenant-issuer")
    c = client(issuer="https://login.example/{tenantid}/v2.0", plugins=host, testing=True)
    assert validate(signed(iss=tenant), c, azr=azr(issuer=None)).id_token.issuer == tenant
    with pytest.raises(MismatchingIdTokenIssuer):
        validate(signed(iss=tenant), client(issuer="https://login.example/x"), azr=azr(issuer=None))


def test_max_age_needs_a_recent_auth_time() -> None:
    now = int(time.time())
    assert validate(signed(auth_time=now - 50), azr=azr(max_age=60)).id_token.auth_time
    with pytest.raises(InvalidIdToken, match="auth_time"):
        validate(signed(auth_time=now - 100), azr=azr(max_age=60))
    with pytest.raises(InvalidIdToken, match="auth_time"):
        validate(signed(), azr=azr(max_age=60))
    # auth_time_leeway tolerates a little more
    assert validate(signed(auth_time=now - 65), azr=azr(max_age=60), auth_time_leeway=10)


def test_acr_must_be_one_of_the_requested_values() -> None:
    assert validate(signed(acr="gold"), azr=azr(acr_values="gold silver")).id_token.acr == "gold"
    with pytest.raises(MismatchingIdTokenAcr):
        validate(signed(acr="bronze"), azr=azr(acr_values="gold silver"))
    with pytest.raises(MismatchingIdTokenAcr):
        validate(signed(), azr=azr(acr_values="gold"))


def test_missing_id_token() -> None:
    with pytest.raises(MissingIdToken):
        client().run("validate_id_token", token=BearerToken(ACCESS_TOKEN), azr=azr())


# --- algorithms and keys -----------------------------------------------------------------


def test_alg_none_is_never_accepted() -> None:
    token = forged({"alg": "none"}, json.dumps(claims()), b"")
    with pytest.raises(UnsupportedIdTokenAlg):
        validate(token)
    with pytest.raises(UnsupportedIdTokenAlg):
        validate(token, client(id_token_signed_response_alg="HS256"))


def test_another_alg_than_registered_is_refused() -> None:
    with pytest.raises(MismatchingIdTokenAlg):
        validate(signed(EC))  # ES256, the client expects RS256
    with pytest.raises(InvalidParam):
        client(id_token_signed_response_alg="none")


def test_hs256_signed_with_the_servers_rsa_public_key_is_refused() -> None:
    """The classic confusion: an HMAC keyed with the RSA public key the client trusts."""
    pem = RSA.public_key().crypto_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # As an attacker would: HMAC with the PEM bytes, which the facade refuses to take as a secret.
    import hashlib
    import hmac

    header, payload = (
        jose.b64encode(b'{"alg":"HS256","kid":"rsa-1"}'),
        jose.b64encode(json.dumps(claims()).encode()),
    )
    mac = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{jose.b64encode(mac)}"
    with pytest.raises(MismatchingIdTokenAlg):  # RS256 is registered
        validate(token)
    # A client registered for HS256 verifies with its secret, never with the server's keys.
    with pytest.raises(InvalidIdTokenSignature):
        validate(token, client(id_token_signed_response_alg="HS256"))
    with pytest.raises(jose.KeyTypeMismatch):  # and the server's keys never fit HS256
        jose.verify(token, SERVER_JWKS, ["HS256"])


def test_an_ecdsa_public_key_is_never_an_hmac_secret() -> None:
    """CVE-2024-33663: python-jose once took an EC public key's PEM as an HMAC secret."""
    pem = EC.public_key().crypto_key.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(jose.InvalidKey):
        jose.to_key(pem)
    c = client(id_token_signed_response_alg="HS256", authorization_server_jwks=[EC.public_key()])
    token = forged({"alg": "HS256", "kid": "ec-1"}, json.dumps(claims()))
    with pytest.raises(InvalidIdTokenSignature):
        validate(token, c)
    with pytest.raises(jose.KeyTypeMismatch):
        jose.verify(token, [EC.public_key()], ["HS256"])


def test_several_keys_that_fit_and_no_kid_is_refused() -> None:
    other = jose.generate_key("RS256")
    c = client(authorization_server_jwks=[jose.Key(RSA.crypto_key), jose.Key(other.crypto_key)])
    with pytest.raises(InvalidIdToken, match="several keys fit"):
        validate(signed(jose.Key(RSA.crypto_key), "RS256"), c)


def test_an_unknown_kid_without_jwks_uri_is_refused() -> None:
    stranger = jose.generate_key("RS256", kid="unknown")
    with pytest.raises(InvalidIdToken, match="no key\nwith kid='unknown'"):
        validate(signed(stranger))


def test_a_signature_by_another_key_with_the_same_kid_is_refused() -> None:
    impostor = jose.generate_key("RS256", kid="rsa-1")
    with pytest.raises(InvalidIdTokenSignature):
        validate(signed(impostor))


def test_without_server_keys_validation_says_so() -> None:
    c = OAuth2Client(f"{ISSUER}/token", auth=(CLIENT_ID, SECRET), issuer=ISSUER)
    with pytest.raises(InvalidIdToken, match="Authorization Server JWKS is not available"):
        validate(signed(), c)
    no_secret = client(id_token_signed_response_alg="HS256", authorization_server_jwks=None)
    no_secret = OAuth2Client(
        f"{ISSUER}/token", auth=CLIENT_ID, issuer=ISSUER, id_token_signed_response_alg="HS256"
    )
    with pytest.raises(InvalidIdToken, match="does not have a Client Secret"):
        validate(signed(jose.to_key(SECRET), "HS256"), no_secret)


# --- malformed input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "!!!.e30.sig",  # broken base64
        forged({"alg": "RS256"}, b"{not json"),
        forged({"alg": "RS256"}, b"[1, 2]"),  # JSON, not an object
        "e30." + jose.b64encode(b"{}") + ".c2ln",  # a header without alg
        "x" * (jose.MAX_TOKEN_SIZE + 1),
    ],
)
def test_malformed_tokens_raise_invalid_id_token(token: str) -> None:
    with pytest.raises(InvalidIdToken):
        validate(token)


def test_an_oversized_token_is_refused_before_any_parsing() -> None:
    huge = signed(padding="p" * jose.MAX_TOKEN_SIZE)
    with pytest.raises(InvalidIdToken, match="over the cap"):
        validate(huge)
    with pytest.raises(InvalidIdToken, match="over the cap"):
        IdToken(huge)


@given(st.text(max_size=300) | st.binary(max_size=300).map(jose.b64encode))
@settings(max_examples=300, deadline=None)
def test_the_parser_raises_only_oauth2kit_errors(text: str) -> None:
    for candidate in (text, f"{text}.{text}.{text}", f"e30.{text}.sig", f"{text}.e30.sig"):
        with contextlib.suppress(OAuth2KitError):
            IdToken(candidate)
        with contextlib.suppress(OAuth2KitError):
            validate(candidate)


# --- encrypted ID tokens -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("alg", "enc", "crv"),
    [
        ("RSA-OAEP", "A128CBC-HS256", None),
        ("RSA-OAEP-256", "A256GCM", None),
        ("ECDH-ES", "A128GCM", "P-256"),
        ("ECDH-ES+A128KW", "A192CBC-HS384", "P-384"),
        ("ECDH-ES+A192KW", "A256CBC-HS512", "P-521"),
        ("ECDH-ES+A256KW", "A192GCM", "X25519"),
    ],
)
def test_encrypted_id_tokens_are_decrypted_then_validated(
    alg: str, enc: str, crv: str | None
) -> None:
    key = jose.generate_key(alg, kid="enc-1", **({"crv": crv} if crv else {}))
    c = client(
        id_token_decryption_key=key.private_jwk(), id_token_encrypted_response_enc=enc
    )  # the alg comes from the key
    jwe = jose.encrypt(signed().encode(), key.public_key(), alg, enc, headers={"cty": "JWT"})
    token = validate(jwe, c)
    assert token.id_token.count(".") == 2
    assert token.id_token.subject == "alice"


def test_encryption_must_be_as_registered() -> None:
    key = jose.generate_key("RSA-OAEP-256")
    c = client(id_token_decryption_key=key, id_token_encrypted_response_enc="A256GCM")
    with pytest.raises(InvalidIdToken, match="clear-text while it should be encrypted"):
        validate(signed(), c)
    jwe = jose.encrypt(signed().encode(), key.public_key(), "RSA-OAEP-256", "A256GCM")
    with pytest.raises(InvalidIdToken, match="encrypted while it should be clear-text"):
        validate(jwe)
    other_enc = jose.encrypt(signed().encode(), key.public_key(), "RSA-OAEP-256", "A128GCM")
    with pytest.raises(MismatchingIdTokenAlg):
        validate(other_enc, c)
    stranger = jose.generate_key("RSA-OAEP-256", kid=key.kid)
    with pytest.raises(InvalidIdToken, match="does not decrypt"):
        validate(jose.encrypt(signed().encode(), stranger.public_key(), enc="A256GCM"), c)


def test_a_jwe_decompression_bomb_is_refused() -> None:
    key = jose.generate_key("RSA-OAEP-256")
    c = client(id_token_decryption_key=key, id_token_encrypted_response_enc="A256GCM")
    bomb = b"{" + b" " * (jose.MAX_DECOMPRESSED_SIZE * 4) + b"}"
    assert len(zlib.compress(bomb)) < jose.MAX_TOKEN_SIZE
    jwe = jose.encrypt(bomb, key.public_key(), enc="A256GCM", compress=True)
    with pytest.raises(InvalidIdToken, match="decompresses to more than"):
        validate(jwe, c)


def test_decryption_settings_are_checked_when_the_client_is_built() -> None:
    rsa = jose.generate_key("RSA-OAEP-256").private_jwk()
    del rsa["alg"]
    with pytest.raises(MissingIdTokenEncryptedResponseAlgParam, match="no decryption algorithm"):
        client(id_token_decryption_key=rsa)
    with pytest.raises(InvalidParam, match="need an id_token_decryption_key"):
        client(id_token_encrypted_response_alg="RSA-OAEP")
    with pytest.raises(InvalidParam, match="private key"):
        client(id_token_decryption_key=RSA.public_jwk(), id_token_encrypted_response_alg="RSA-OAEP")
    with pytest.raises(InvalidParam, match="does not fit"):
        client(id_token_decryption_key=rsa, id_token_encrypted_response_alg="ECDH-ES")
    with pytest.raises(InvalidParam):
        client(id_token_encrypted_response_enc="A1GCM", id_token_decryption_key=RSA)


# --- other plugins' checks, and the IdToken type ----------------------------------------


def test_the_validate_hook_sees_verified_claims_and_can_reject() -> None:
    seen: list[dict[str, Any]] = []

    class RequireEmail:
        @hookimpl
        def oauth2kit_validate_id_token(self, claims: Any, headers: Any) -> None:
            seen.append({"claims": dict(claims), "alg": headers["alg"]})
            if "email" not in claims:
                raise InvalidIdToken("an email is required here")

    host = PluginHost()
    host.register(RequireEmail(), name="example.require-email")
    c = client(plugins=host)
    assert validate(signed(email="a@example.com"), c).id_token.email == "a@example.com"
    with pytest.raises(InvalidIdToken, match="email is required"):
        validate(signed(), c)
    assert [entry["alg"] for entry in seen] == ["RS256", "RS256"]


def test_id_token_reads_its_claims_and_hides_itself() -> None:
    now = int(time.time())
    raw = signed(auth_time=now - 5, acr="gold", amr=["pwd"], azp=CLIENT_ID, jti="j-1", nbf=now)
    id_token = IdToken(raw)
    assert id_token == raw
    assert (id_token.alg, id_token.kid, id_token.issuer, id_token.subject) == (
        "RS256", "rsa-1", ISSUER, "alice"
    )  # fmt: skip
    assert id_token.audiences == [CLIENT_ID]
    assert (id_token.nonce, id_token.acr, id_token.amr, id_token.azp) == (
        NONCE, "gold", ["pwd"], CLIENT_ID
    )  # fmt: skip
    assert id_token.jwt_token_id == "j-1"
    assert id_token.expires_at is not None
    assert id_token.expires_at.timestamp() == id_token.exp
    assert id_token.issued_at is not None
    assert id_token.auth_datetime is not None
    assert id_token.is_expired() is False
    assert id_token.is_expired(leeway=-600) is True
    assert id_token.get_claim("missing", "d") == "d"
    with pytest.raises(AttributeError):
        _ = id_token.missing_claim
    assert raw not in repr(id_token)
    assert pickle.loads(pickle.dumps(id_token)) == raw
    with pytest.raises(InvalidIdToken, match="encrypted"):
        IdToken("a.b.c.d.e")


def test_invalid_id_token_errors_pickle_without_the_tokens() -> None:
    with pytest.raises(InvalidIdToken) as caught:
        validate(signed(iss="https://evil.example"))
    clone = pickle.loads(pickle.dumps(caught.value))
    assert type(clone) is MismatchingIdTokenIssuer
    assert clone.id_token is None
    assert clone.token is None
    assert clone.received == "https://evil.example"


def test_arguments_are_checked() -> None:
    with pytest.raises(InvalidParam):
        client().run("validate_id_token", token="not a token", azr=azr())
    with pytest.raises(InvalidParam):
        client().run("validate_id_token", token=bearer(signed()), azr={"code": CODE})
    with pytest.raises(InvalidParam):
        validate(signed(), exp_leeway=-1)
    with pytest.raises(InvalidParam):
        client(jwt_leeway="30")


def test_validation_keeps_the_token_type_and_its_own_state() -> None:
    """Seed defect: validate_id_token failed on DPoPToken; any subclass keeps its state."""

    class KeyBoundToken(BearerToken):
        TOKEN_TYPE = AUTHORIZATION_SCHEME = "DPoP"

        def __init__(self, access_token: str, *, dpop_key: object, **kwargs: Any) -> None:
            super().__init__(access_token, **kwargs)
            self.__dict__["dpop_key"] = dpop_key

    key = object()
    token = KeyBoundToken(ACCESS_TOKEN, dpop_key=key, token_type="DPoP", id_token=signed())
    validated = client().run("validate_id_token", token=token, azr=azr())
    assert type(validated) is KeyBoundToken
    assert validated.dpop_key is key
    assert validated.authorization_header() == f"DPoP {ACCESS_TOKEN}"
    assert isinstance(validated.id_token, IdToken)
    assert not isinstance(token.id_token, IdToken)  # the original is unchanged
