"""The JOSE facade: round trips, key handling, policy and the errors of each kind of bad input."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
import math
import pickle
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from oauth2kit import OAuth2KitError, jose

KEYS = Path(__file__).resolve().parent / "as" / "keys"
SIGNATURE_ALGS = sorted(jose.SIGNATURE_ALGS)
CLAIMS = {"iss": "https://as.example", "sub": "alice", "aud": "client", "exp": 2_000_000_000}


@functools.cache
def key_for(alg: str) -> jose.Key:
    """One generated key per algorithm for the whole module (RSA generation is slow)."""
    return jose.generate_key(alg)


def verifying(key: jose.Key) -> jose.Key:
    return key if key.kty == "oct" else key.public_key()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def compact(header: Any, payload: Any, signature: bytes = b"sig") -> str:
    return f"{b64_json(header)}.{b64_json(payload)}.{b64(signature)}"


def as_jwks() -> dict[str, Any]:
    return json.loads((KEYS / "as-jwks.json").read_text())  # type: ignore[no-any-return]


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("alg", SIGNATURE_ALGS)
def test_sign_and_verify_each_alg(alg: str) -> None:
    key = key_for(alg)
    token = jose.sign_jwt(CLAIMS, key, headers={"typ": "JWT"})
    # The other algorithms' keys are in the set too: the kid picks this one.
    keys = jose.KeySet(verifying(key_for(other)) for other in SIGNATURE_ALGS)
    verified = jose.verify_jwt(token, keys, algs=[alg])
    assert CLAIMS == verified.claims
    kid = {"kid": key.kid} if key.kty != "oct" else {}  # generated secrets have no kid
    assert {"alg": alg, **kid, "typ": "JWT"} == verified.header
    assert verified.key.kid == key.kid
    header, _, signature = token.split(".")
    tampered = b64_json({**CLAIMS, "sub": "mallory"})
    with pytest.raises(jose.InvalidSignature):
        jose.verify(f"{header}.{tampered}.{signature}", keys, algs=[alg])


@pytest.mark.parametrize(
    "alg", sorted(a for a in jose.PYTHON_JOSE_ALGS if a in jose.SIGNATURE_ALGS)
)
def test_python_jose_and_cryptography_backends_agree(alg: str) -> None:
    key, data = key_for(alg), b"header.payload"
    for signer, checker in (
        (jose.PYTHON_JOSE_BACKEND, jose.CRYPTOGRAPHY_BACKEND),
        (jose.CRYPTOGRAPHY_BACKEND, jose.PYTHON_JOSE_BACKEND),
    ):
        signature = signer.sign(alg, key, data)
        assert checker.verify(alg, verifying(key), data, signature)
        assert not checker.verify(alg, verifying(key), data + b"!", signature)


def encryption_key(alg: str, enc: str) -> jose.Key:
    if alg == "dir":
        return jose.Key(key_for(enc).crypto_key, alg="dir", kid=f"dir-{enc}")
    return key_for(alg)


@pytest.mark.parametrize("enc", sorted(jose.CONTENT_ENCRYPTION_ALGS))
@pytest.mark.parametrize("alg", sorted(jose.KEY_MANAGEMENT_ALGS))
def test_encrypt_and_decrypt_each_alg_and_enc(alg: str, enc: str) -> None:
    key = encryption_key(alg, enc)
    recipient = key if key.kty == "oct" else key.public_key()
    token = jose.encrypt(b"secret message", recipient, enc=enc, headers={"cty": "text"})
    decrypted = jose.decrypt(token, key, algs=[alg], encs=[enc])
    assert b"secret message" == decrypted.plaintext
    assert (alg, enc, "text", key.kid) == tuple(
        decrypted.header.get(k) for k in ("alg", "enc", "cty", "kid")
    )
    parts = token.split(".")
    parts[3] = b64(bytes(byte ^ 1 for byte in base64.urlsafe_b64decode(parts[3] + "==")))
    with pytest.raises(jose.DecryptionFailed):
        jose.decrypt(".".join(parts), key, algs=[alg], encs=[enc])


@pytest.mark.parametrize("enc", sorted(jose.CONTENT_ENCRYPTION_ALGS))
def test_content_encryption_backends_agree(enc: str) -> None:
    cek = key_for(enc).crypto_key
    assert isinstance(cek, bytes)
    for sealer, opener in (
        (jose.PYTHON_JOSE_BACKEND, jose.CRYPTOGRAPHY_BACKEND),
        (jose.CRYPTOGRAPHY_BACKEND, jose.PYTHON_JOSE_BACKEND),
    ):
        iv, ciphertext, tag = sealer.encrypt_content(enc, cek, b"plaintext", b"aad")
        assert b"plaintext" == opener.decrypt_content(enc, cek, iv, ciphertext, tag, b"aad")
        with pytest.raises(Exception):  # noqa: B017, PT011 - each backend has its own error
            opener.decrypt_content(enc, cek, iv, ciphertext, tag, b"other aad")


def test_ecdh_es_with_x25519() -> None:
    key = jose.generate_key("ECDH-ES+A256KW", crv="X25519")
    assert ("OKP", "X25519") == (key.kty, key.crv)
    token = jose.encrypt(b"hi", key.public_key(), enc="A256GCM")
    assert {"kty", "crv", "x"} == set(jose.peek_header(token)["epk"])
    assert b"hi" == jose.decrypt(token, key, algs=["ECDH-ES+A256KW"], encs=["A256GCM"]).plaintext


def test_compressed_round_trip_and_decompression_cap() -> None:
    key = jose.generate_key("A128GCM")
    dir_key = jose.Key(key.crypto_key, alg="dir")
    plaintext = b"a" * 100_000
    token = jose.encrypt(plaintext, dir_key, enc="A128GCM", compress=True)
    assert len(token) < 1000  # it was compressed
    assert "DEF" == jose.peek_header(token)["zip"]
    opened = jose.decrypt(token, dir_key, algs=["dir"], encs=["A128GCM"])
    assert plaintext == opened.plaintext
    with pytest.raises(jose.TokenTooLarge):
        jose.decrypt(token, dir_key, algs=["dir"], encs=["A128GCM"], max_decompressed_size=99_999)


def test_decompression_bomb_is_refused() -> None:
    dir_key = jose.Key(jose.generate_key("A256GCM").crypto_key, alg="dir")
    bomb = jose.encrypt(b"\0" * 50_000_000, dir_key, enc="A256GCM", compress=True)
    assert len(bomb) < jose.MAX_TOKEN_SIZE  # small enough to pass the token cap
    with pytest.raises(jose.TokenTooLarge, match="decompresses"):
        jose.decrypt(bomb, dir_key, algs=["dir"], encs=["A256GCM"])


def test_invalid_deflate_data_fails_decryption() -> None:
    """A JWE built by hand: 'zip' announced, plaintext not DEFLATE (no real server does this)."""
    secret = secrets.token_bytes(16)
    key = jose.Key(secret, alg="dir")
    header = b64_json({"alg": "dir", "enc": "A128GCM", "zip": "DEF"})
    iv, ciphertext, tag = jose.CRYPTOGRAPHY_BACKEND.encrypt_content(
        "A128GCM", secret, b"\xff\xff not deflate", header.encode()
    )
    token = ".".join((header, "", b64(iv), b64(ciphertext), b64(tag)))
    with pytest.raises(jose.DecryptionFailed, match="DEFLATE"):
        jose.decrypt(token, key, algs=["dir"], encs=["A128GCM"])


# --- the test server's keys --------------------------------------------------------------


def test_server_signing_keys_verify_by_kid() -> None:
    private = jose.to_key_set(as_jwks())
    public = jose.to_key_set(private.public_jwks())
    assert all(not key.is_private for key in public)
    for key in private:
        if key.use == "sig":
            token = jose.sign_jwt(CLAIMS, key)
            assert CLAIMS == jose.verify_jwt(token, public, algs=jose.SIGNATURE_ALGS).claims


def test_server_encryption_keys_decrypt() -> None:
    private = jose.to_key_set(as_jwks())
    for kid in ("as-enc-rsa", "as-enc-ec"):
        key = private.get(kid)
        assert key is not None
        token = jose.encrypt(b"to the server", key.public_key(), enc="A256GCM")
        algs = jose.KEY_MANAGEMENT_ALGS
        assert b"to the server" == jose.decrypt(token, private, algs, ["A256GCM"]).plaintext


@pytest.mark.parametrize("name", ["pkjwt-es256", "pkjwt-ps256", "pkjwt-eddsa", "pkjwt-rs256"])
def test_client_keys_sign(name: str) -> None:
    jwk = json.loads((KEYS / "clients" / f"{name}.json").read_text())
    key = jose.to_key(jwk)
    token = jose.sign_jwt(CLAIMS, key)
    assert jwk["alg"] == jose.peek_header(token)["alg"]
    public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
    assert CLAIMS == jose.verify_jwt(token, {"keys": [public]}, algs=[jwk["alg"]]).claims


# --- policy ------------------------------------------------------------------------------


def test_alg_none_is_never_accepted() -> None:
    token = compact({"alg": "none"}, CLAIMS, b"")
    with pytest.raises(jose.AlgorithmNotAllowed):
        jose.verify(token, key_for("HS256"), algs=["none", "HS256"])
    with pytest.raises(jose.AlgorithmNotAllowed):
        jose.sign(b"x", key_for("HS256"), alg="none")


def test_alg_outside_the_allow_list_is_refused() -> None:
    token = jose.sign_jwt(CLAIMS, key_for("ES256"))
    with pytest.raises(jose.AlgorithmNotAllowed, match="ES256"):
        jose.verify(token, verifying(key_for("ES256")), algs=["RS256"])


@pytest.mark.parametrize("algs", ["ES256", [], ()])
def test_allow_list_must_be_a_collection_of_names(algs: Any) -> None:
    token = jose.sign_jwt(CLAIMS, key_for("ES256"))
    with pytest.raises(jose.AlgorithmNotAllowed, match="non-empty collection"):
        jose.verify(token, verifying(key_for("ES256")), algs=algs)


def test_allowed_but_unknown_alg_is_unsupported() -> None:
    token = compact({"alg": "XS256"}, CLAIMS)
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.verify(token, key_for("HS256"), algs=["XS256"])


def hs256_token(secret: bytes, kid: str | None = None) -> str:
    """An HS256 token "signed" with `secret`, as an attacker would build it."""
    header = {"alg": "HS256", **({"kid": kid} if kid else {})}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(CLAIMS).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def test_hs256_signed_with_the_rsa_public_key_is_refused() -> None:
    public = jose.to_key_set(as_jwks()).get("as-rs256")
    assert public is not None
    public = public.public_key()
    for secret in (
        json.dumps(public.public_jwk()).encode(),
        public.crypto_key.public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    ):
        for kid in (None, "as-rs256"):
            with pytest.raises(jose.KeyTypeMismatch):
                jose.verify(hs256_token(secret, kid), public, algs=["RS256", "HS256"])
            with pytest.raises(jose.KeyTypeMismatch):
                jose.verify(hs256_token(secret, kid), {"keys": [public.public_jwk()]}, ["HS256"])


def test_ec_public_key_as_hmac_secret_is_refused() -> None:
    """CVE-2024-33663: the PEM of an EC public key used as an HMAC secret."""
    ec_public = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = ec_public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = hs256_token(pem)
    with pytest.raises(jose.KeyTypeMismatch):
        jose.verify(token, jose.Key(ec_public), algs=["ES256", "HS256"])
    with pytest.raises(jose.InvalidKey, match="PEM"):
        jose.verify(token, pem, algs=["HS256"])
    with pytest.raises(jose.InvalidKey, match="PEM"):
        jose.Key(pem.decode())


def test_unknown_kid() -> None:
    token = jose.sign_jwt(CLAIMS, jose.Key(b"k" * 32, kid="other", alg="HS256"))
    with pytest.raises(jose.KeyNotFound, match="other"):
        jose.verify(token, jose.Key(b"k" * 32, kid="mine"), algs=["HS256"])


def test_no_kid_and_several_fitting_keys_is_ambiguous() -> None:
    signer = jose.Key(b"s" * 32, alg="HS256")
    token = jose.sign_jwt(CLAIMS, signer)
    assert "kid" not in jose.peek_header(token)
    two = jose.KeySet([signer, jose.Key(b"t" * 32)])
    with pytest.raises(jose.AmbiguousKey):
        jose.verify(token, two, algs=["HS256"])
    # One key that fits, among others that do not: chosen without a kid.
    mixed = jose.KeySet([signer, verifying(key_for("RS256")), jose.Key(b"t" * 32, alg="HS512")])
    assert mixed.select("HS256") is signer
    assert CLAIMS == jose.verify_jwt(token, mixed, algs=["HS256"]).claims


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (lambda: key_for("RS256"), "ES256"),  # wrong type
        (lambda: key_for("ES384"), "ES256"),  # wrong curve
        (lambda: jose.Key(b"k" * 16, alg="HS256"), "HS512"),  # its alg is another
        (lambda: jose.Key(key_for("ES256").crypto_key, use="enc"), "ES256"),  # its use
        (lambda: jose.Key(b"k" * 32, key_ops=["encrypt"]), "HS256"),  # its key_ops
        (lambda: jose.Key(b"k" * 16), "A256KW"),  # wrong size
        (lambda: key_for("RS256"), "ECDH-ES"),
        (lambda: jose.Key(key_for("RSA-OAEP").crypto_key, use="sig"), "RSA-OAEP"),
    ],
)
def test_key_that_does_not_fit_the_alg(key: Any, alg: str) -> None:
    operation = jose.sign if alg in jose.SIGNATURE_ALGS else jose.encrypt
    with pytest.raises(jose.KeyTypeMismatch):
        operation(b"x", key(), alg=alg)


def test_dir_key_of_the_wrong_size() -> None:
    key = jose.Key(b"k" * 16, alg="dir")
    with pytest.raises(jose.KeyTypeMismatch, match="32 bytes"):
        jose.encrypt(b"x", key, enc="A256GCM")


def test_wrong_key_type_on_verification() -> None:
    rsa_key = verifying(key_for("RS256"))
    for kid in (None, rsa_key.kid):  # the kid picks the RSA key, or there is only that one
        signer = jose.Key(key_for("ES256").crypto_key, kid=kid)
        token = jose.sign_jwt(CLAIMS, signer, alg="ES256")
        with pytest.raises(jose.KeyTypeMismatch, match="RSA"):
            jose.verify(token, jose.KeySet([rsa_key]), algs=["ES256"])


def test_keys_without_kid_serve_tokens_with_one() -> None:
    token = jose.sign_jwt(CLAIMS, jose.Key(b"k" * 32, kid="any"), alg="HS256")
    assert CLAIMS == jose.verify_jwt(token, b"k" * 32, algs=["HS256"]).claims
    named = jose.KeySet([jose.Key(b"k" * 32, kid="named"), jose.Key(b"k" * 32)])
    assert named.select("HS256", "any").kid is None
    assert named.select("HS256", "other").kid is None
    assert "named" == named.select("HS256", "named").kid
    with pytest.raises(jose.AmbiguousKey):
        named.select("HS256")  # no kid: both keys are candidates


def test_public_keys_neither_sign_nor_decrypt() -> None:
    with pytest.raises(jose.InvalidKey, match="public key cannot sign"):
        jose.sign(b"x", verifying(key_for("ES256")))
    key = key_for("RSA-OAEP")
    token = jose.encrypt(b"x", key.public_key())
    with pytest.raises(jose.InvalidKey, match="private"):
        jose.decrypt(token, key.public_key(), ["RSA-OAEP"], ["A128CBC-HS256"])


def test_jwe_algorithm_allow_lists() -> None:
    key = key_for("A128KW")
    token = jose.encrypt(b"x", key, enc="A256GCM")
    with pytest.raises(jose.AlgorithmNotAllowed, match="enc"):
        jose.decrypt(token, key, algs=["A128KW"], encs=["A128GCM"])
    with pytest.raises(jose.AlgorithmNotAllowed, match="alg"):
        jose.decrypt(token, key, algs=["A256KW"], encs=["A256GCM"])


def test_wrong_decryption_key_fails_like_a_bad_tag() -> None:
    key = key_for("RSA-OAEP-256")
    impostor = jose.Key(rsa.generate_private_key(65537, 2048), kid=key.kid)
    token = jose.encrypt(b"x", key.public_key(), enc="A256GCM")
    with pytest.raises(jose.DecryptionFailed, match="does not decrypt"):
        jose.decrypt(token, impostor, algs=["RSA-OAEP-256"], encs=["A256GCM"])


def test_ecdh_epk_of_another_curve_fails() -> None:
    key = key_for("ECDH-ES")
    token = jose.encrypt(b"x", key.public_key(), enc="A128GCM")
    parts = token.split(".")
    header = jose.peek_header(token)
    header["epk"] = jose.generate_key("ES384").public_jwk(minimal=True)
    forged = ".".join([b64(json.dumps(header).encode()), *parts[1:]])
    with pytest.raises(jose.DecryptionFailed):
        jose.decrypt(forged, key, algs=["ECDH-ES"], encs=["A128GCM"])


def test_critical_header_extensions_are_refused() -> None:
    token = jose.sign(b"x", key_for("HS256"), headers={"crit": ["b64"], "b64": False})
    with pytest.raises(jose.UnsupportedAlgorithm, match="critical"):
        jose.verify(token, key_for("HS256"), algs=["HS256"])


def test_unknown_zip_is_refused() -> None:
    key = jose.Key(key_for("A128GCM").crypto_key, alg="dir")
    token = jose.encrypt(b"x", key, enc="A128GCM", headers={"zip": "LZW"})
    with pytest.raises(jose.UnsupportedAlgorithm, match="zip"):
        jose.decrypt(token, key, algs=["dir"], encs=["A128GCM"])


def test_headers_cannot_override_alg() -> None:
    with pytest.raises(jose.MalformedToken, match="alg="):
        jose.sign(b"x", key_for("HS256"), headers={"alg": "none"})


# --- bad input ---------------------------------------------------------------------------


def test_token_size_cap() -> None:
    key = key_for("HS256")
    big = jose.sign(b"x" * jose.MAX_TOKEN_SIZE, key)
    with pytest.raises(jose.TokenTooLarge):
        jose.verify(big, key, algs=["HS256"])
    assert (
        jose.verify(big, key, algs=["HS256"], max_size=len(big)).payload
        == b"x" * jose.MAX_TOKEN_SIZE
    )
    small = jose.sign(b"x", key)
    with pytest.raises(jose.TokenTooLarge):
        jose.verify(small, key, algs=["HS256"], max_size=len(small) - 1)
    with pytest.raises(jose.TokenTooLarge):
        jose.peek_header(small, max_size=10)


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e.f",
        "",
    ],
)
def test_wrong_segment_count(token: str) -> None:
    with pytest.raises(jose.InvalidSegments):
        jose.verify(token, key_for("HS256"), algs=["HS256"])


def test_jwe_segment_count() -> None:
    with pytest.raises(jose.InvalidSegments, match="JWE"):
        jose.decrypt(jose.sign(b"x", key_for("HS256")), key_for("A128KW"), ["A128KW"], ["A128GCM"])


def test_broken_base64_in_each_segment() -> None:
    key = key_for("HS256")
    header, payload, signature = jose.sign(b"payload", key).split(".")
    for bad, part in (
        (f"{header}=.{payload}.{signature}", "header"),
        (f"{header}.{payload}!.{signature}", "payload"),
        (f"{header}.{payload}.{signature}é", "signature"),
        (f"{header}.{payload}.a", "signature"),  # an impossible length
        (f"{header[:-1]}+.{payload}.{signature}", "header"),  # the standard alphabet
    ):
        with pytest.raises(jose.InvalidBase64, match=part):
            jose.verify(bad, key, algs=["HS256"])


@pytest.mark.parametrize("header", [b"not json", b"[1, 2]", b'"alg"', b"\xff\xfe", b"[" * 5000])
def test_broken_json_header(header: bytes) -> None:
    token = f"{b64(header)}.{b64(b'{}')}.{b64(b'sig')}"
    with pytest.raises(jose.InvalidJson):
        jose.verify(token, key_for("HS256"), algs=["HS256"])


def test_jwt_payload_must_be_a_json_object() -> None:
    key = key_for("HS256")
    for payload in (b"[1]", b"nope", b"\xff"):
        with pytest.raises(jose.InvalidJson, match="payload"):
            jose.verify_jwt(jose.sign(payload, key), key, algs=["HS256"])
    with pytest.raises(jose.InvalidJson):
        jose.unverified_claims(jose.sign(b"[1]", key))


@pytest.mark.parametrize("header", [{"alg": 256}, {}, {"alg": "HS256", "kid": 7}])
def test_header_members_of_the_wrong_type(header: dict[str, Any]) -> None:
    with pytest.raises(jose.MalformedToken):
        jose.verify(compact(header, CLAIMS), key_for("HS256"), algs=["HS256"])


@pytest.mark.parametrize("token", [None, 42, b"\xff.\xff.\xff", ["a", "b", "c"]])
def test_token_of_the_wrong_type(token: Any) -> None:
    with pytest.raises(jose.MalformedToken):
        jose.verify(token, key_for("HS256"), algs=["HS256"])


def test_bytes_tokens_are_accepted() -> None:
    key = key_for("HS256")
    token = jose.sign(b"x", key).encode()
    assert b"x" == jose.verify(token, key, algs=["HS256"]).payload
    assert "HS256" == jose.peek_header(token)["alg"]


def test_unverified_views() -> None:
    token = jose.sign_jwt(CLAIMS, key_for("ES256"), headers={"typ": "JWT"})
    assert "JWT" == jose.peek_header(token)["typ"]
    assert CLAIMS == jose.unverified_claims(token)
    jwe = jose.encrypt(b"x", key_for("A128KW"))
    assert "A128KW" == jose.peek_header(jwe)["alg"]


def test_claims_and_headers_must_be_json() -> None:
    with pytest.raises(jose.InvalidJson):
        jose.sign_jwt({"when": object()}, key_for("HS256"))
    with pytest.raises(jose.InvalidJson):
        jose.sign_jwt(["not", "a", "mapping"], key_for("HS256"))  # type: ignore[arg-type]
    with pytest.raises(jose.InvalidJson):
        jose.sign(b"x", key_for("HS256"), headers={"x": {1, 2}})
    with pytest.raises(jose.MalformedToken):
        jose.sign("text", key_for("HS256"))  # type: ignore[arg-type]


# --- keys --------------------------------------------------------------------------------

RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
    "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu"
    "0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)


def test_rfc7638_thumbprint_known_answer() -> None:
    key = jose.to_key(
        {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    )
    assert "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" == key.thumbprint()


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256", "HS256"])
def test_thumbprint_definition(alg: str) -> None:
    key = key_for(alg)
    jwk = key.private_jwk() if key.kty == "oct" else key.public_jwk()
    required = {
        "RSA": ["e", "kty", "n"],
        "EC": ["crv", "kty", "x", "y"],
        "OKP": ["crv", "kty", "x"],
    }
    members = {name: jwk[name] for name in required.get(key.kty, ["k", "kty"])}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    assert b64(hashlib.sha256(canonical).digest()) == key.thumbprint()
    assert b64(hashlib.sha512(canonical).digest()) == key.thumbprint("sha512")
    with pytest.raises(jose.UnsupportedAlgorithm):
        key.thumbprint("md5")


def test_generated_keys_carry_alg_and_thumbprint_kid() -> None:
    key = jose.generate_key("ES256")
    with pytest.raises(AttributeError, match="immutable"):
        key.kid = "changed"
    assert ("ES256", key.thumbprint(), "EC", "P-256") == (key.alg, key.kid, key.kty, key.crv)
    assert 3072 == jose.generate_key("PS256", rsa_bits=3072).crypto_key.key_size  # type: ignore[union-attr]
    with pytest.raises(jose.InvalidKey):
        jose.generate_key("RS256", rsa_bits=1024)
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.generate_key("none")
    with pytest.raises(jose.UnsupportedAlgorithm, match="enc"):
        jose.generate_key("dir")
    with pytest.raises(jose.InvalidKey, match="key_ops"):
        jose.Key(b"k", key_ops=5)  # type: ignore[arg-type]
    with pytest.raises(jose.InvalidKey):
        jose.generate_key("ECDH-ES", crv="secp256k1")


def test_public_and_private_jwk_export() -> None:
    key = key_for("ES256")
    assert {"kty", "crv", "x", "y"} == set(key.public_jwk(minimal=True))
    assert {"kty", "crv", "x", "y", "kid", "alg"} == set(key.public_jwk())
    private = key.private_jwk()
    again = jose.Key.from_jwk(private)
    assert again.is_private
    assert key.thumbprint() == again.thumbprint()
    token = jose.sign_jwt(CLAIMS, again)
    assert CLAIMS == jose.verify_jwt(token, key.public_key(), algs=["ES256"]).claims
    for alg in ("RS256", "EdDSA", "HS256"):
        original = key_for(alg)
        assert original.private_jwk() == jose.Key.from_jwk(original.private_jwk()).private_jwk()
    with pytest.raises(jose.InvalidKey, match="symmetric"):
        key_for("HS256").public_jwk()


def test_extra_public_members_are_kept_and_private_ones_are_not() -> None:
    jwk = {**key_for("ES256").private_jwk(), "x5t#S256": "abc", "use": "sig"}
    key = jose.to_key(jwk)
    assert "abc" == key.public_jwk()["x5t#S256"]
    assert "d" not in key.public_jwk()
    assert "x5t#S256" not in key.public_jwk(minimal=True)


def test_decrypted_plaintext_is_not_in_the_repr() -> None:
    key = key_for("A256KW")
    opened = jose.decrypt(jose.encrypt(b"top secret", key), key, ["A256KW"], ["A128CBC-HS256"])
    assert "top secret" not in repr(opened)
    assert "<10 bytes>" in repr(opened)


def test_repr_never_shows_key_material() -> None:
    secret = jose.Key(b"super-secret-value-0123456789abcdef", kid="s")
    assert "super-secret" not in repr(secret)
    for alg in ("RS256", "ES256", "EdDSA"):
        key = key_for(alg)
        shown = repr(key) + repr(jose.KeySet([key]))
        assert key.private_jwk()["d"] not in shown
        assert key.public_jwk()["kty"] in shown


def test_rsa_private_jwk_without_crt_members_loads() -> None:
    full = key_for("RS256").private_jwk()
    minimal = {name: full[name] for name in ("kty", "n", "e", "d")}
    key = jose.Key.from_jwk(minimal)
    token = jose.sign_jwt(CLAIMS, key, alg="RS256")
    assert CLAIMS == jose.verify_jwt(token, key_for("RS256").public_key(), ["RS256"]).claims


def test_parsed_jwks_are_cached_by_content() -> None:
    jwk = key_for("ES256").public_jwk()
    reordered = dict(reversed(list(jwk.items())))
    assert jose.to_key(jwk) is jose.to_key(reordered)
    jwks = {"keys": [jwk]}
    assert jose.to_key_set(jwks) is jose.to_key_set(copy.deepcopy(jwks))
    key = jose.to_key(jwk)
    assert jose.to_key_set(key) is jose.to_key_set(key)


def test_key_from_pem_and_cryptography_objects() -> None:
    private = key_for("RS256").crypto_key
    assert isinstance(private, rsa.RSAPrivateKey)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = jose.Key.from_pem(pem, kid="pem", alg="RS256")
    assert key.is_private
    assert key.thumbprint() == key_for("RS256").thumbprint()
    token = jose.sign_jwt(CLAIMS, key)
    assert CLAIMS == jose.verify_jwt(token, private.public_key(), ["RS256"]).claims
    with pytest.raises(jose.InvalidKey):
        jose.Key.from_pem(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


def good_ec() -> dict[str, Any]:
    return key_for("ES256").public_jwk(minimal=True)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": RFC7638_N[:171], "e": "AQAB"},  # 1024 bits
        {**good_ec(), "y": good_ec()["x"]},  # not on the curve
        {**good_ec(), "x": "AAAA"},  # wrong length
        {**good_ec(), "crv": "P-192"},
        {"kty": "EC", "crv": "P-256"},
        {"kty": "OKP", "crv": "Ed448", "x": "AAAA"},
        {
            **key_for("EdDSA").private_jwk(),
            "x": key_for("ES256K").public_jwk()["x"],
        },  # x is not d's
        {"kty": "oct", "k": ""},
        {"kty": "oct", "k": "not base64!"},
        {"kty": "oct", "k": 12},
        {"kty": "XYZ"},
        {"kty": "oct", "k": "AAAA", "kid": 3},
        {"kty": "oct", "k": "AAAA", "key_ops": "sign"},
        {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "d": "AQAB", "oth": []},
        {"keys": []},
        {"kty": "oct", "k": "AAAA", "when": object()},
    ],
)
def test_invalid_jwks_are_refused(jwk: dict[str, Any]) -> None:
    with pytest.raises(jose.InvalidKey):
        jose.to_key(jwk)


@pytest.mark.parametrize("value", [42, None, object(), "", b""])
def test_non_keys_are_refused(value: Any) -> None:
    with pytest.raises(jose.InvalidKey):
        jose.to_key(value)


def test_key_set_strict_and_lenient() -> None:
    jwks = {"keys": [good_ec(), {"kty": "OKP", "crv": "Ed448", "x": "AAAA"}]}
    with pytest.raises(jose.InvalidKey, match="#1"):
        jose.KeySet.from_jwks(jwks)
    lenient = jose.KeySet.from_jwks(jwks, strict=False)
    assert 1 == len(lenient)
    assert ["key #1"] == [reason.split(":")[0] for reason in lenient.skipped]
    bad_sets: list[Any] = [{"keys": "nope"}, {"no": "keys"}, []]
    for bad in bad_sets:
        with pytest.raises(jose.InvalidKey):
            jose.KeySet.from_jwks(bad)
    with pytest.raises(jose.InvalidKey):
        jose.KeySet(["not a key"])  # type: ignore[list-item]
    assert not jose.KeySet()
    with pytest.raises(jose.KeyNotFound, match="empty"):
        jose.KeySet().select("HS256")


def test_public_jwks_leaves_out_secrets() -> None:
    keys = jose.KeySet([key_for("HS256"), key_for("ES256")])
    assert [key_for("ES256").public_jwk()] == keys.public_jwks()["keys"]


# --- hashes and claims -------------------------------------------------------------------


def test_token_hash_known_answer() -> None:
    """The at_hash of the OpenID Connect Core 1.0 example ID token (appendix A.3)."""
    assert "77QmUPtjPfzWtF2AnpK9RQ" == jose.token_hash(
        "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256"
    )


@pytest.mark.parametrize(
    ("alg", "digest"),
    [("HS384", hashlib.sha384), ("ES512", hashlib.sha512), ("PS256", hashlib.sha256),
     ("ES256K", hashlib.sha256), ("EdDSA", hashlib.sha512)],
)  # fmt: skip
def test_token_hash_uses_the_algs_hash(alg: str, digest: Any) -> None:
    value = "an access token"
    full = digest(value.encode()).digest()
    assert b64(full[: len(full) // 2]) == jose.token_hash(value, alg)


def test_token_hash_of_unknown_alg() -> None:
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.token_hash("x", "none")


def test_time_claims() -> None:
    now = 1_000_000.0
    jose.check_time_claims({"exp": now + 1, "nbf": now, "iat": now}, now=now)
    jose.check_time_claims({"exp": now - 5}, now=now, leeway=10)
    with pytest.raises(jose.TokenExpired):
        jose.check_time_claims({"exp": now}, now=now)
    with pytest.raises(jose.TokenExpired):
        jose.check_time_claims({"exp": now - 11}, now=now, leeway=10)
    with pytest.raises(jose.TokenNotYetValid):
        jose.check_time_claims({"nbf": now + 1}, now=now)
    jose.check_time_claims({"nbf": now + 1}, now=now, leeway=1)
    for claims in ({"exp": "soon"}, {"iat": True}, {"nbf": [1]}):
        with pytest.raises(jose.ClaimsError, match="not a finite number"):
            jose.check_time_claims(claims, now=now)
    with pytest.raises(jose.TokenNotYetValid, match="issued in the future"):
        jose.check_time_claims({"iat": now + 11}, now=now, leeway=10)
    jose.check_time_claims({"iat": now + 10}, now=now, leeway=10)
    with pytest.raises(jose.ClaimsError, match="'exp'"):
        jose.check_time_claims({}, required=["exp"])


# --- errors and sharing ------------------------------------------------------------------


def test_errors_belong_to_the_project_hierarchy_and_pickle() -> None:
    for name in jose.__all__:
        value = getattr(jose, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, jose.JoseError)
            assert issubclass(value, OAuth2KitError)
            error = value("message")
            assert "message" == str(pickle.loads(pickle.dumps(error)))


def test_verification_is_safe_to_share_between_threads() -> None:
    keys = jose.to_key_set(as_jwks())
    public = jose.to_key_set(keys.public_jwks())
    tokens = [
        jose.sign_jwt({**CLAIMS, "n": n}, key) for n, key in enumerate(keys) if key.use == "sig"
    ]
    with ThreadPoolExecutor(8) as pool:
        results = list(
            pool.map(
                lambda t: jose.verify_jwt(t, public, jose.SIGNATURE_ALGS).claims["n"], tokens * 25
            )
        )
    assert list(range(len(tokens))) * 25 == results


def test_b64_helpers() -> None:
    assert b"\xfb\xff" == jose.b64decode(jose.b64encode(b"\xfb\xff"))
    assert "-_8" == jose.b64encode(b"\xfb\xff")
    for bad in ("-_8=", "a", "ab+c", "é"):
        with pytest.raises(jose.InvalidBase64):
            jose.b64decode(bad)


def test_nan_and_infinity_are_neither_written_nor_read() -> None:
    """JSON has no NaN or Infinity: signing claims with one, or reading one, is InvalidJson."""
    with pytest.raises(jose.InvalidJson):
        jose.sign_jwt({"exp": math.inf}, key_for("HS256"), "HS256")
    forged = jose.sign(b'{"exp": NaN}', key_for("HS256"), "HS256")
    with pytest.raises(jose.InvalidJson):
        jose.verify_jwt(forged, key_for("HS256"), ["HS256"])
