"""The JOSE facade: every signature, verification, encryption and key operation of oauth2kit.

Compact JWS and JWE, JWTs, keys and key sets, RFC 7638 thumbprints and the OpenID Connect
token hashes. The facade applies the policy itself, whatever the backend:

- every verification and decryption takes an allow-list of algorithms; ``none`` is never
  accepted;
- the key is chosen by the token's ``kid``, then by type, curve, ``use`` and ``alg``
  (`KeySet.select`), and a key that does not fit the algorithm is refused (so an RSA or EC
  public key never serves as an HMAC secret);
- compact tokens are capped in size (`MAX_TOKEN_SIZE`), and so is a JWE's decompressed
  plaintext (`MAX_DECOMPRESSED_SIZE`);
- malformed input raises this module's exceptions, all subclasses of `JoseError`.

python-jose does the cryptography where it covers the algorithm (`PYTHON_JOSE_ALGS`);
`cryptography` does the rest. A plugin may choose another backend for an algorithm and an
operation with the hook ``oauth2kit_jose_backend`` (see `JoseBackend`).

    from oauth2kit import jose

    key = jose.generate_key("ES256")
    token = jose.sign_jwt({"sub": "alice"}, key)
    claims = jose.verify_jwt(token, key.public_key(), algs=["ES256"]).claims
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import sys
import time
import zlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from oauth2kit._exceptions import PluginError

if TYPE_CHECKING:
    from oauth2kit._host import PluginHost
from oauth2kit._jose_backends import (
    CRYPTOGRAPHY_BACKEND,
    PYTHON_JOSE_ALGS,
    PYTHON_JOSE_BACKEND,
    CryptographyBackend,
    JoseBackend,
    PythonJoseBackend,
)
from oauth2kit._jose_errors import (
    AlgorithmNotAllowed,
    AmbiguousKey,
    ClaimsError,
    DecryptionFailed,
    InvalidBase64,
    InvalidJson,
    InvalidKey,
    InvalidSegments,
    InvalidSignature,
    JoseError,
    KeyNotFound,
    KeyTypeMismatch,
    MalformedToken,
    TokenExpired,
    TokenNotYetValid,
    TokenTooLarge,
    UnsupportedAlgorithm,
)
from oauth2kit._jose_keys import (
    CONTENT_ENCRYPTION_ALGS,
    KEY_MANAGEMENT_ALGS,
    MIN_RSA_BITS,
    SIGNATURE_ALGS,
    CryptoKey,
    Key,
    KeyLike,
    KeySet,
    KeySetLike,
    b64decode,
    b64encode,
    generate_key,
    to_key,
    to_key_set,
)

__all__ = [
    "CONTENT_ENCRYPTION_ALGS",
    "CRYPTOGRAPHY_BACKEND",
    "KEY_MANAGEMENT_ALGS",
    "MAX_DECOMPRESSED_SIZE",
    "MAX_TOKEN_SIZE",
    "MIN_RSA_BITS",
    "PYTHON_JOSE_ALGS",
    "PYTHON_JOSE_BACKEND",
    "SIGNATURE_ALGS",
    "AlgorithmNotAllowed",
    "AmbiguousKey",
    "ClaimsError",
    "CryptoKey",
    "CryptographyBackend",
    "DecryptedJwe",
    "DecryptionFailed",
    "InvalidBase64",
    "InvalidJson",
    "InvalidKey",
    "InvalidSegments",
    "InvalidSignature",
    "JoseBackend",
    "JoseError",
    "Key",
    "KeyLike",
    "KeyNotFound",
    "KeySet",
    "KeySetLike",
    "KeyTypeMismatch",
    "MalformedToken",
    "Operation",
    "PythonJoseBackend",
    "TokenExpired",
    "TokenNotYetValid",
    "TokenTooLarge",
    "UnsupportedAlgorithm",
    "VerifiedJws",
    "VerifiedJwt",
    "b64decode",
    "b64encode",
    "check_time_claims",
    "decrypt",
    "encrypt",
    "generate_key",
    "get_backend",
    "peek_header",
    "sign",
    "sign_jwt",
    "to_key",
    "to_key_set",
    "token_hash",
    "unverified_claims",
    "verify",
    "verify_jwt",
]  # fmt: skip

MAX_TOKEN_SIZE = 64 * 1024
"""Default cap on the length of a compact token, in characters (``max_size=``)."""
MAX_DECOMPRESSED_SIZE = 256 * 1024
"""Default cap on a JWE's plaintext after ``"zip": "DEF"`` decompression, in bytes."""


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity: no claim compares with NaN


_JSON = json.JSONDecoder(parse_constant=_not_json)  # json.loads without its encoding detection
Operation = Literal["sign", "verify", "encrypt", "decrypt"]


class VerifiedJws(NamedTuple):
    """A verified JWS: its protected header, its payload, and the key that verified it."""

    header: dict[str, Any]
    payload: bytes
    key: Key


class VerifiedJwt(NamedTuple):
    """A verified JWT: its header, its claims (a JSON object), and the key that verified it."""

    header: dict[str, Any]
    claims: dict[str, Any]
    key: Key


class DecryptedJwe(NamedTuple):
    """A decrypted JWE: its protected header, its plaintext, and the key that decrypted it."""

    header: dict[str, Any]
    plaintext: bytes
    key: Key

    def __repr__(self) -> str:
        """The header and key, and only the plaintext's size: it was encrypted for a reason."""
        shown = f"<{len(self.plaintext)} bytes>"
        return f"DecryptedJwe(header={self.header!r}, plaintext={shown}, key={self.key!r})"


# --- backends ----------------------------------------------------------------------------

_METHODS = {
    ("sign", "sig"): ("sign",), ("verify", "sig"): ("verify",),
    ("encrypt", "alg"): ("encrypt_key",), ("decrypt", "alg"): ("decrypt_key",),
    ("encrypt", "enc"): ("encrypt_content",), ("decrypt", "enc"): ("decrypt_content",),
}  # fmt: skip
# (host, the host's hook snapshot dict, the choices made with it): the host replaces that
# dict on every plugin (un)registration, which makes it a registration generation.
_choices: tuple[object, object, dict[tuple[str, str], JoseBackend]] = (None, None, {})


_OPERATIONS = frozenset({"sign", "verify", "encrypt", "decrypt"})
_KNOWN_ALGS = frozenset({*SIGNATURE_ALGS, *KEY_MANAGEMENT_ALGS, *CONTENT_ENCRYPTION_ALGS})


def _builtin_backend(alg: str) -> JoseBackend:
    return PYTHON_JOSE_BACKEND if alg in PYTHON_JOSE_ALGS else CRYPTOGRAPHY_BACKEND


def get_backend(alg: str, operation: Operation) -> JoseBackend:
    """The backend for `operation` with `alg` (a JWS ``alg``, a JWE ``alg`` or ``enc``).

    Plugins answer through the hook ``oauth2kit_jose_backend`` of the default plugin host,
    if one exists already (the facade never starts plugin discovery); the answer is kept
    per (alg, operation) until a plugin is registered or unregistered. Otherwise the
    built-in choice: python-jose for `PYTHON_JOSE_ALGS`, `cryptography` for the rest.
    """
    global _choices  # noqa: PLW0603 - the one cache of hook answers
    if operation not in _OPERATIONS or alg not in _KNOWN_ALGS:
        raise UnsupportedAlgorithm(f"no JOSE backend for {operation!r} with {alg!r}")
    host_module = sys.modules.get("oauth2kit._host")  # not imported: no host exists
    host: PluginHost | None = None if host_module is None else host_module.existing_default_host()
    if host is None:
        return _builtin_backend(alg)
    state = _choices
    # The host replaces its hook snapshots on every (un)registration: their identity tells
    # whether plugins changed since the answers were kept.
    generation = host._callers  # noqa: SLF001 - kernel code
    if state[0] is not host or state[1] is not generation:
        state = _choices = (host, generation, {})
    chosen = state[2].get((alg, operation))
    if chosen is None:
        chosen = host.call("oauth2kit_jose_backend", alg=alg, operation=operation)
        if chosen is None:
            chosen = _builtin_backend(alg)
        else:
            kind = (
                "sig" if alg in SIGNATURE_ALGS else "alg" if alg in KEY_MANAGEMENT_ALGS else "enc"
            )
            missing = [
                m for m in _METHODS[operation, kind] if not callable(getattr(chosen, m, None))
            ]
            if missing:
                msg = f"the JOSE backend a plugin chose for {operation} {alg} lacks {missing}"
                raise PluginError(msg)
        state[2][alg, operation] = chosen
    return chosen


# --- parsing -----------------------------------------------------------------------------


_JWS_SEGMENTS, _JWE_SEGMENTS = 3, 5


def _segments(token: object, count: int, max_size: int) -> list[str]:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedToken("a compact token is ASCII text") from None
    if not isinstance(token, str):
        raise MalformedToken(f"a compact token is a str, got {type(token).__name__}")
    if len(token) > max_size:
        raise TokenTooLarge(f"the token is {len(token)} characters, over the cap of {max_size}")
    segments = token.split(".")
    if len(segments) != count:
        kind = "JWS" if count == _JWS_SEGMENTS else "JWE"
        raise InvalidSegments(f"a compact {kind} has {count} segments, this has {len(segments)}")
    return segments


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = _JSON.decode(b64decode(segment).decode())
    except MalformedToken as exc:
        raise type(exc)(f"the {what} is not unpadded base64url") from None
    except (ValueError, RecursionError):
        raise InvalidJson(f"the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidJson(f"the {what} is not a JSON object")
    return value


def _decode(segment: str, what: str) -> bytes:
    try:
        return b64decode(segment)
    except MalformedToken as exc:
        raise type(exc)(f"the {what} is not unpadded base64url") from None


def _check_alg(
    value: object, allowed: Collection[str], known: Mapping[str, object], name: str
) -> str:
    if not isinstance(value, str):
        raise MalformedToken(f"the header's {name!r} is missing or not a string")
    if isinstance(allowed, str) or not allowed:
        raise AlgorithmNotAllowed(f"the allowed {name}s must be a non-empty collection of names")
    if value == "none" or value not in allowed:
        raise AlgorithmNotAllowed(f"{name} {value!r} is not allowed here")
    if value not in known:
        raise UnsupportedAlgorithm(f"{name} {value!r} is not supported")
    return value


def _check_header(header: Mapping[str, Any]) -> str | None:
    if "crit" in header:
        raise UnsupportedAlgorithm(
            f"critical header extensions {header['crit']!r} are not supported"
        )
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise MalformedToken("the header's 'kid' is not a string")
    return kid


def peek_header(token: str | bytes, *, max_size: int = MAX_TOKEN_SIZE) -> dict[str, Any]:
    """The protected header of a compact JWS or JWE, NOT verified (to route or pick keys)."""
    dots = token.count(".") if isinstance(token, str) else -1
    if isinstance(token, bytes):
        dots = token.count(b".")
    count = _JWE_SEGMENTS if dots == _JWE_SEGMENTS - 1 else _JWS_SEGMENTS
    return _json_object(_segments(token, count, max_size)[0], "header")


def unverified_claims(token: str | bytes, *, max_size: int = MAX_TOKEN_SIZE) -> dict[str, Any]:
    """The claims of a compact JWT, NOT verified (to find its issuer before its keys)."""
    return _json_object(_segments(token, _JWS_SEGMENTS, max_size)[1], "JWT payload")


# --- JWS ---------------------------------------------------------------------------------


def _key_and_alg(
    key: KeyLike, alg: str | None, table: Mapping[str, object], operation: str
) -> tuple[Key, str]:
    key = to_key(key)
    alg = key.alg if alg is None else alg
    if alg is None:
        raise UnsupportedAlgorithm("no algorithm: pass alg= or use a key with an 'alg'")
    if alg == "none":
        raise AlgorithmNotAllowed("alg 'none' is never used")
    if alg not in table:
        raise UnsupportedAlgorithm(f"alg {alg!r} is not supported here")
    if not key.fits(alg, operation):
        raise KeyTypeMismatch(f"{key!r} does not fit {alg} to {operation}")
    return key, alg


def _protected(key: Key, header: dict[str, Any], headers: Mapping[str, Any] | None) -> str:
    if key.kid is not None:
        header["kid"] = key.kid
    if headers:
        if not isinstance(headers, Mapping) or "alg" in headers or "enc" in headers:
            raise MalformedToken(
                "headers= must be a mapping without 'alg' or 'enc' (use alg=, enc=)"
            )
        header.update(headers)
    try:
        return b64encode(json.dumps(header, separators=(",", ":"), allow_nan=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidJson(f"the header is not JSON data: {exc}") from None


def sign(
    payload: bytes,
    key: KeyLike,
    alg: str | None = None,
    *,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign `payload` as a compact JWS.

    Args:
        payload: the bytes to sign.
        key: a private (or symmetric) key; its ``kid`` goes into the header.
        alg: the JWS algorithm; defaults to the key's ``alg``.
        headers: more protected header members (``typ``, ``jwk``, ...).

    Raises:
        UnsupportedAlgorithm: no or an unknown alg. KeyTypeMismatch: the key does not fit
        it. InvalidKey: a public key.
    """
    key, alg = _key_and_alg(key, alg, SIGNATURE_ALGS, "sign")
    if not key.is_private:
        raise InvalidKey("a public key cannot sign")
    if headers is None:  # the common case: the header is the same on every call
        protected = key._memo.get(("jws-header", alg))  # noqa: SLF001 - kernel code
        if protected is None:
            protected = key._memo["jws-header", alg] = _protected(key, {"alg": alg}, None)  # noqa: SLF001
    else:
        protected = _protected(key, {"alg": alg}, headers)
    if not isinstance(payload, bytes):
        raise MalformedToken(f"a JWS payload is bytes, got {type(payload).__name__}")
    signing_input = f"{protected}.{b64encode(payload)}"
    try:
        signature = get_backend(alg, "sign").sign(alg, key, signing_input.encode("ascii"))
    except JoseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a backend's own error, made ours
        raise InvalidKey(f"signing with {alg} failed: {type(exc).__name__}") from None
    return f"{signing_input}.{b64encode(signature)}"


def sign_jwt(
    claims: Mapping[str, Any],
    key: KeyLike,
    alg: str | None = None,
    *,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign a JWT: `claims` as compact JSON, then `sign`."""
    if not isinstance(claims, Mapping):
        raise InvalidJson(f"JWT claims are a mapping, got {type(claims).__name__}")
    try:
        payload = json.dumps(claims, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidJson(f"the claims are not JSON data: {exc}") from None
    return sign(payload, key, alg, headers=headers)


def verify(
    token: str | bytes,
    keys: KeySetLike,
    algs: Collection[str],
    *,
    max_size: int = MAX_TOKEN_SIZE,
) -> VerifiedJws:
    """Verify a compact JWS.

    Args:
        token: the compact JWS.
        keys: the candidate keys (a `KeySet` or `Key` is fastest; dicts are cached).
        algs: the algorithms accepted (required; ``none`` is never accepted).
        max_size: the cap on the token's length.

    Raises:
        TokenTooLarge, InvalidSegments, InvalidBase64, InvalidJson, MalformedToken: bad
        input. AlgorithmNotAllowed, UnsupportedAlgorithm: the alg. KeyNotFound,
        AmbiguousKey, KeyTypeMismatch: no key chosen (`KeySet.select`). InvalidSignature.
    """
    protected, encoded_payload, encoded_signature = _segments(token, _JWS_SEGMENTS, max_size)
    header = _json_object(protected, "JWS header")
    alg = _check_alg(header.get("alg"), algs, SIGNATURE_ALGS, "alg")
    key = to_key_set(keys).select(alg, _check_header(header), "verify")
    if key.is_private and key.kty != "oct":
        key = key.public_key()
    payload = _decode(encoded_payload, "JWS payload")
    signature = _decode(encoded_signature, "JWS signature")
    signing_input = f"{protected}.{encoded_payload}".encode("ascii")
    try:
        valid = get_backend(alg, "verify").verify(alg, key, signing_input, signature)
    except JoseError:
        raise
    except Exception:  # noqa: BLE001 - a backend that raises instead of answering False
        valid = False
    if not valid:
        raise InvalidSignature(f"the {alg} signature does not verify")
    return VerifiedJws(header, payload, key)


def verify_jwt(
    token: str | bytes,
    keys: KeySetLike,
    algs: Collection[str],
    *,
    max_size: int = MAX_TOKEN_SIZE,
) -> VerifiedJwt:
    """`verify`, then parse the payload as a JSON object (claims are not validated)."""
    header, payload, key = verify(token, keys, algs, max_size=max_size)
    try:
        claims = _JSON.decode(payload.decode())
    except (ValueError, RecursionError):
        raise InvalidJson("the JWT payload is not JSON") from None
    if not isinstance(claims, dict):
        raise InvalidJson("the JWT payload is not a JSON object")
    return VerifiedJwt(header, claims, key)


# --- JWE ---------------------------------------------------------------------------------


def encrypt(
    plaintext: bytes,
    key: KeyLike,
    alg: str | None = None,
    enc: str = "A128CBC-HS256",
    *,
    headers: Mapping[str, Any] | None = None,
    compress: bool = False,
) -> str:
    """Encrypt `plaintext` as a compact JWE.

    Args:
        plaintext: the bytes to encrypt.
        key: the recipient's public key, or a shared symmetric key.
        alg: the key management algorithm; defaults to the key's ``alg``.
        enc: the content encryption algorithm.
        headers: more protected header members (``cty``, ``typ``, ...).
        compress: deflate the plaintext first (``"zip": "DEF"``).
    """
    key, alg = _key_and_alg(key, alg, KEY_MANAGEMENT_ALGS, "encrypt")
    if enc not in CONTENT_ENCRYPTION_ALGS:
        raise UnsupportedAlgorithm(f"enc {enc!r} is not supported")
    if not isinstance(plaintext, bytes):
        raise MalformedToken(f"a JWE plaintext is bytes, got {type(plaintext).__name__}")
    header: dict[str, Any] = {"alg": alg, "enc": enc}
    if compress:
        header["zip"] = "DEF"
        deflate = zlib.compressobj(wbits=-15)
        plaintext = deflate.compress(plaintext) + deflate.flush()
    try:
        cek, encrypted_key = get_backend(alg, "encrypt").encrypt_key(alg, enc, key, header)
        protected = _protected(key, header, headers)
        iv, ciphertext, tag = get_backend(enc, "encrypt").encrypt_content(
            enc, cek, plaintext, protected.encode("ascii")
        )
    except JoseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a backend's own error, made ours
        raise InvalidKey(f"encrypting with {alg} {enc} failed: {type(exc).__name__}") from None
    return ".".join(
        (protected, *(b64encode(part) for part in (encrypted_key, iv, ciphertext, tag)))
    )


def decrypt(
    token: str | bytes,
    keys: KeySetLike,
    algs: Collection[str],
    encs: Collection[str],
    *,
    max_size: int = MAX_TOKEN_SIZE,
    max_decompressed_size: int = MAX_DECOMPRESSED_SIZE,
) -> DecryptedJwe:
    """Decrypt a compact JWE.

    Args:
        token: the compact JWE.
        keys: the candidate private or symmetric keys.
        algs: the key management algorithms accepted.
        encs: the content encryption algorithms accepted.
        max_size: the cap on the token's length.
        max_decompressed_size: the cap on the plaintext after ``"zip": "DEF"``.

    Raises:
        The parse, algorithm and key errors of `verify`; InvalidKey: a public key;
        DecryptionFailed: a wrong key or tampered token (one error for both);
        TokenTooLarge: the decompressed plaintext exceeds its cap.
    """
    segments = _segments(token, _JWE_SEGMENTS, max_size)
    header = _json_object(segments[0], "JWE header")
    alg = _check_alg(header.get("alg"), algs, KEY_MANAGEMENT_ALGS, "alg")
    enc = _check_alg(header.get("enc"), encs, CONTENT_ENCRYPTION_ALGS, "enc")
    if header.get("zip", "DEF") != "DEF":
        raise UnsupportedAlgorithm(f"zip {header['zip']!r} is not supported")
    key = to_key_set(keys).select(alg, _check_header(header), "decrypt")
    if not key.is_private:
        raise InvalidKey("decryption needs a private or symmetric key")
    encrypted_key, iv, ciphertext, tag = (
        _decode(segment, what)
        for segment, what in zip(
            segments[1:], ("encrypted key", "IV", "ciphertext", "tag"), strict=True
        )
    )
    # Public sizes, checked first: a backend that decrypts ciphertext + tag would otherwise
    # take any split of the two.
    iv_size, tag_size = (12, 16) if enc.endswith("GCM") else (16, CONTENT_ENCRYPTION_ALGS[enc] // 2)
    if (len(iv), len(tag)) != (iv_size, tag_size):
        raise DecryptionFailed(f"the JWE's IV or tag is not the size {enc} has")
    try:
        cek = get_backend(alg, "decrypt").decrypt_key(alg, enc, key, header, encrypted_key)
    except KeyTypeMismatch:
        raise
    except Exception:  # noqa: BLE001 - RFC 7516 section 11.5: a bad key fails like a bad tag
        cek = b""
    if len(cek) != CONTENT_ENCRYPTION_ALGS[enc]:
        cek = secrets.token_bytes(CONTENT_ENCRYPTION_ALGS[enc])
    try:
        plaintext = get_backend(enc, "decrypt").decrypt_content(
            enc, cek, iv, ciphertext, tag, segments[0].encode("ascii")
        )
    except Exception:  # noqa: BLE001 - whatever failed, the answer is the same
        raise DecryptionFailed("the JWE does not decrypt with the chosen key") from None
    if "zip" in header:
        plaintext = _inflate(plaintext, max_decompressed_size)
    return DecryptedJwe(header, plaintext, key)


def _inflate(data: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj(wbits=-15)
    try:
        plaintext = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise DecryptionFailed("the JWE plaintext is not DEFLATE data") from None
    if len(plaintext) > cap:
        raise TokenTooLarge(f"the JWE plaintext decompresses to more than {cap} bytes")
    if not inflater.eof:
        raise DecryptionFailed("the JWE plaintext is truncated DEFLATE data")
    return plaintext


# --- hashes and claims -------------------------------------------------------------------


def token_hash(value: str, alg: str) -> str:
    """The OpenID Connect ``at_hash``, ``c_hash`` or ``s_hash`` of `value` for JWS `alg`.

    The left half of its hash (the alg's SHA-2 size; SHA-512 for EdDSA), base64url.
    """
    if alg == "EdDSA":
        name = "sha512"
    elif alg in SIGNATURE_ALGS:
        name = "sha256" if alg == "ES256K" else f"sha{alg[2:]}"
    else:
        raise UnsupportedAlgorithm(f"no token hash for alg {alg!r}")
    digest = hashlib.new(name, value.encode()).digest()
    return b64encode(digest[: len(digest) // 2])


def _finite(value: object) -> bool:
    """An int or a float other than NaN and the infinities (never a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def check_time_claims(
    claims: Mapping[str, Any],
    *,
    leeway: float = 0,
    now: float | None = None,
    required: Collection[str] = (),
) -> None:
    """Check ``exp``, ``nbf`` and ``iat`` against the clock, `leeway` seconds tolerated.

    A token issued (``iat``) later than now, beyond the leeway, is not yet valid either.

    Raises:
        ClaimsError: a claim of `required` is missing, or ``exp``/``nbf``/``iat`` is not
        a finite number. TokenExpired, TokenNotYetValid.
    """
    for name in required:
        if name not in claims:
            raise ClaimsError(f"the {name!r} claim is missing")
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is not None and not _finite(value):
            raise ClaimsError(f"the {name!r} claim is not a finite number")
    now = time.time() if now is None else now
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if exp is not None and now >= exp + leeway:
        raise TokenExpired(f"the token expired at {exp}")
    if nbf is not None and now < nbf - leeway:
        raise TokenNotYetValid(f"the token is not valid before {nbf}")
    if iat is not None and iat > now + leeway:
        raise TokenNotYetValid(f"the token was issued in the future, at {iat}")
