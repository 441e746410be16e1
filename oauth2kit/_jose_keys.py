"""Keys for the JOSE facade: the algorithm table, base64url, `Key`, `KeySet` and their cache."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, TypeAlias, final

from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

from oauth2kit._jose_errors import (
    AmbiguousKey,
    InvalidBase64,
    InvalidKey,
    KeyNotFound,
    KeyTypeMismatch,
    UnsupportedAlgorithm,
)

__all__ = [
    "CONTENT_ENCRYPTION_ALGS", "KEY_MANAGEMENT_ALGS", "MIN_RSA_BITS", "SIGNATURE_ALGS",
    "CryptoKey", "Key", "KeyLike", "KeySet", "KeySetLike", "b64decode", "b64encode",
    "generate_key", "to_key", "to_key_set",
]  # fmt: skip

MIN_RSA_BITS = 2048
"""RSA keys shorter than this are refused wherever they enter."""

CryptoKey: TypeAlias = (
    rsa.RSAPrivateKey
    | rsa.RSAPublicKey
    | ec.EllipticCurvePrivateKey
    | ec.EllipticCurvePublicKey
    | ed25519.Ed25519PrivateKey
    | ed25519.Ed25519PublicKey
    | x25519.X25519PrivateKey
    | x25519.X25519PublicKey
    | bytes
)
"""What a `Key` wraps: a `cryptography` key object, or the bytes of a symmetric key."""


class _Fit(NamedTuple):
    use: str  # the JWK "use" a key must have (or lack) for it
    ktys: frozenset[str]
    curves: frozenset[str]  # EC and OKP only
    size: int  # exact byte length of a symmetric key; 0 = any non-empty


def _fit(use: str, *ktys: str, curves: Iterable[str] = (), size: int = 0) -> _Fit:
    return _Fit(use, frozenset(ktys), frozenset(curves), size)


_ECDH_CURVES = ("P-256", "P-384", "P-521", "X25519")
SIGNATURE_ALGS: Mapping[str, _Fit] = {
    **{f"HS{bits}": _fit("sig", "oct") for bits in (256, 384, 512)},
    **{f"{kind}{bits}": _fit("sig", "RSA") for kind in ("RS", "PS") for bits in (256, 384, 512)},
    "ES256": _fit("sig", "EC", curves=("P-256",)),
    "ES384": _fit("sig", "EC", curves=("P-384",)),
    "ES512": _fit("sig", "EC", curves=("P-521",)),
    "ES256K": _fit("sig", "EC", curves=("secp256k1",)),
    "EdDSA": _fit("sig", "OKP", curves=("Ed25519",)),
}
"""The JWS algorithms, with the keys that fit them."""
KEY_MANAGEMENT_ALGS: Mapping[str, _Fit] = {
    "RSA-OAEP": _fit("enc", "RSA"),
    "RSA-OAEP-256": _fit("enc", "RSA"),
    "ECDH-ES": _fit("enc", "EC", "OKP", curves=_ECDH_CURVES),
    **{
        f"ECDH-ES+A{bits}KW": _fit("enc", "EC", "OKP", curves=_ECDH_CURVES)
        for bits in (128, 192, 256)
    },
    **{f"A{bits}KW": _fit("enc", "oct", size=bits // 8) for bits in (128, 192, 256)},
    "dir": _fit("enc", "oct"),
}
"""The JWE key management algorithms (``alg``), with the keys that fit them."""
CONTENT_ENCRYPTION_ALGS: Mapping[str, int] = {
    "A128GCM": 16, "A192GCM": 24, "A256GCM": 32,
    "A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64,
}  # fmt: skip
"""The JWE content encryption algorithms (``enc``), with their key size in bytes."""
_FITS = {**SIGNATURE_ALGS, **KEY_MANAGEMENT_ALGS}

# --- base64url ---------------------------------------------------------------------------

_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_B64URL_VALUES = {
    char: value
    for value, char in enumerate(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
}


def b64encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(data: str | bytes) -> bytes:
    """Decode unpadded base64url strictly.

    Raises:
        InvalidBase64: padding, a character outside the alphabet, or an impossible length.
    """
    try:
        raw = data.encode("ascii") if isinstance(data, str) else data
    except UnicodeEncodeError:
        raw = None
    # Padding and "+/" (the standard alphabet's) are not base64url; strict binascii refuses
    # every other stray character (whitespace, ...) once "-_" are translated.
    if not isinstance(raw, bytes) or len(raw) % 4 == 1 or b"=" in raw or b"+" in raw or b"/" in raw:
        raise InvalidBase64("not unpadded base64url")
    try:
        decoded = binascii.a2b_base64(
            raw.translate(_TO_STANDARD) + b"=" * (-len(raw) % 4), strict_mode=True
        )
    except binascii.Error:
        raise InvalidBase64("not unpadded base64url") from None
    # The last character of a partial group has unused bits, which must be 0: otherwise
    # several strings decode alike, and a token could be changed and still verify.
    partial = len(raw) % 4
    if partial and _B64URL_VALUES[raw[-1]] & (0b1111 if partial == 2 else 0b11):  # noqa: PLR2004
        raise InvalidBase64("not canonical base64url (unused bits are set)")
    return decoded


def _int_to_b64(value: int, size: int = 0) -> str:
    return b64encode(value.to_bytes(size or max(1, (value.bit_length() + 7) // 8), "big"))


# --- JWK members -------------------------------------------------------------------------

_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1,
    "secp256k1": ec.SECP256K1,
}  # fmt: skip
_CURVE_NAMES = {
    "secp256r1": "P-256",
    "secp384r1": "P-384",
    "secp521r1": "P-521",
    "secp256k1": "secp256k1",
}
_CURVE_SIZES = {"P-256": 32, "P-384": 48, "P-521": 66, "secp256k1": 32}
_OKP: dict[str, tuple[Any, Any]] = {
    "Ed25519": (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey),
    "X25519": (x25519.X25519PrivateKey, x25519.X25519PublicKey),
}
_REQUIRED = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_PARAMS = ("kid", "use", "alg", "key_ops")
_KEY_OPS = {
    "sig": frozenset({"sign", "verify"}),
    "enc": frozenset({"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"}),
}
# An operation of the facade -> the RFC 7517 key_ops values that allow it.
_OPERATION_KEY_OPS = {
    "sign": frozenset({"sign"}),
    "verify": frozenset({"verify"}),
    "encrypt": frozenset({"encrypt", "wrapKey", "deriveKey", "deriveBits"}),
    "decrypt": frozenset({"decrypt", "unwrapKey", "deriveKey", "deriveBits"}),
}
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def _member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} is missing or not a string")
    try:
        return b64decode(value)
    except InvalidBase64:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from None


def _int(jwk: Mapping[str, Any], name: str) -> int:
    return int.from_bytes(_member(jwk, name), "big")


def _rsa_from_jwk(jwk: Mapping[str, Any]) -> CryptoKey:
    public = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
    if "d" not in jwk:
        return public.public_key()
    if "oth" in jwk:
        raise InvalidKey("multi-prime RSA keys ('oth') are not supported")
    d = _int(jwk, "d")
    if "p" in jwk:
        p, q = _int(jwk, "p"), _int(jwk, "q")
        dp, dq, qi = _int(jwk, "dp"), _int(jwk, "dq"), _int(jwk, "qi")
    else:  # only d: recover the primes (RFC 7518 section 6.3.2 makes them optional)
        p, q = rsa.rsa_recover_prime_factors(public.n, public.e, d)
        dp, dq, qi = rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q)
    return rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, public).private_key()


def _ec_from_jwk(jwk: Mapping[str, Any]) -> CryptoKey:
    crv = jwk.get("crv")
    if crv not in _CURVES:
        raise InvalidKey(f"unsupported EC curve {crv!r}")
    size = _CURVE_SIZES[crv]
    x, y = _member(jwk, "x"), _member(jwk, "y")
    if len(x) != size or len(y) != size:
        raise InvalidKey(f"EC key coordinates must be {size} bytes for {crv}")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), _CURVES[crv]()
    )
    if "d" not in jwk:
        return numbers.public_key()
    return ec.EllipticCurvePrivateNumbers(_int(jwk, "d"), numbers).private_key()


def _okp_from_jwk(jwk: Mapping[str, Any]) -> CryptoKey:
    crv = jwk.get("crv")
    if crv not in _OKP:
        raise InvalidKey(f"unsupported OKP curve {crv!r}")
    private_type, public_type = _OKP[crv]
    x = _member(jwk, "x")
    if "d" not in jwk:
        return public_type.from_public_bytes(x)  # type: ignore[no-any-return]
    private = private_type.from_private_bytes(_member(jwk, "d"))
    if private.public_key().public_bytes(*_RAW) != x:
        raise InvalidKey("OKP key: 'x' is not the public key of 'd'")
    return private  # type: ignore[no-any-return]


_PARSERS = {
    "oct": lambda jwk: _member(jwk, "k"),
    "RSA": _rsa_from_jwk,
    "EC": _ec_from_jwk,
    "OKP": _okp_from_jwk,
}


def _crypto_from_jwk(jwk: Mapping[str, Any]) -> CryptoKey:
    parse = _PARSERS.get(jwk.get("kty"))  # type: ignore[arg-type]
    if parse is None:
        raise InvalidKey(f"unsupported JWK key type {jwk.get('kty')!r}")
    return parse(jwk)


def _kind(crypto: object) -> tuple[str, str | None, bool]:
    """(kty, crv, is_private) of a key object, or InvalidKey."""
    if isinstance(crypto, bytes):
        return "oct", None, True
    if isinstance(crypto, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if crypto.key_size < MIN_RSA_BITS:
            raise InvalidKey(f"RSA keys shorter than {MIN_RSA_BITS} bits are refused")
        return "RSA", None, isinstance(crypto, rsa.RSAPrivateKey)
    if isinstance(crypto, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        crv = _CURVE_NAMES.get(crypto.curve.name)
        if crv is None:
            raise InvalidKey(f"unsupported EC curve {crypto.curve.name!r}")
        return "EC", crv, isinstance(crypto, ec.EllipticCurvePrivateKey)
    for crv, (private_type, public_type) in _OKP.items():
        if isinstance(crypto, private_type | public_type):
            return "OKP", crv, isinstance(crypto, private_type)
    raise InvalidKey(f"not a key: {type(crypto).__name__}")


def _looks_asymmetric(secret: bytes) -> bool:
    """True for PEM and OpenSSH text: an asymmetric key passed where a secret goes."""
    head = secret.lstrip()[:16]
    return head.startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-"))


# --- Key ---------------------------------------------------------------------------------


@final
class Key:
    """One parsed key, asymmetric or symmetric, with its JWK parameters.

    A `cryptography` key object or a secret's bytes, with ``kid``, ``use``, ``alg`` and
    ``key_ops``. Keys are immutable and safe to share between threads; build them once (`from_jwk`,
    `generate`, or ``Key(cryptography_key)``) and reuse them: parsing an RSA key costs
    milliseconds. The repr never shows key material.

    Args:
        crypto_key: a `cryptography` RSA, EC (P-256, P-384, P-521, secp256k1), Ed25519 or
            X25519 key object, or the bytes (or UTF-8 text) of a symmetric secret.
        kid, use, alg, key_ops: the JWK parameters of the same names.
        extra: other public JWK members to keep (``x5c``, ...).

    Raises:
        InvalidKey: an unsupported key, an RSA key shorter than 2048 bits, an empty
            secret, or PEM or OpenSSH text given as a secret (CVE-2024-33663).
    """

    __slots__ = (
        "_crypto", "_extra", "_memo", "alg", "crv", "is_private", "key_ops", "kid", "kty", "use",
    )  # fmt: skip

    kty: str
    crv: str | None
    kid: str | None
    use: str | None
    alg: str | None
    key_ops: tuple[str, ...] | None
    is_private: bool
    """True for private and symmetric keys: keys that can sign and decrypt."""

    def __init__(
        self,
        crypto_key: CryptoKey | str,
        *,
        kid: str | None = None,
        use: str | None = None,
        alg: str | None = None,
        key_ops: Iterable[str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(crypto_key, str):
            crypto_key = crypto_key.encode("utf-8")
        if isinstance(crypto_key, bytes):
            if not crypto_key:
                raise InvalidKey("a symmetric key must not be empty")
            if _looks_asymmetric(crypto_key):
                raise InvalidKey(
                    "this secret is PEM or OpenSSH text: load the key it holds"
                    " (Key.from_pem, Key.from_jwk) instead of using it as an HMAC secret"
                )
        self.kty, self.crv, self.is_private = _kind(crypto_key)
        for name, value in (("kid", kid), ("use", use), ("alg", alg)):
            if value is not None and not isinstance(value, str):
                raise InvalidKey(f"JWK parameter {name!r} must be a string")
        if key_ops is not None:
            if not isinstance(key_ops, list | tuple | frozenset | set) or not all(
                isinstance(op, str) for op in key_ops
            ):
                raise InvalidKey("JWK parameter 'key_ops' must be a list of strings")
            key_ops = tuple(key_ops)
        self._crypto = crypto_key
        self.kid, self.use, self.alg, self.key_ops = kid, use, alg, key_ops
        self._extra = {name: value for name, value in (extra or {}).items() if name not in _PRIVATE}
        # Derived values (JWK members, public half, backend key objects) on first use.
        self._memo: dict[Any, Any] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_memo"):  # set last by __init__: the key is complete
            raise AttributeError(f"Key is immutable: cannot set {name!r}")
        object.__setattr__(self, name, value)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> Key:
        """Parse a JWK (a dict). Prefer `to_key`, which caches by the JWK's content."""
        if not isinstance(jwk, Mapping):
            raise InvalidKey(f"a JWK must be a JSON object, got {type(jwk).__name__}")
        try:
            crypto = _crypto_from_jwk(jwk)
        except (ValueError, TypeError, _CryptoUnsupported) as exc:
            if isinstance(exc, InvalidKey):
                raise
            raise InvalidKey(f"invalid {jwk.get('kty')} JWK: {exc}") from None
        known = {*_REQUIRED.get(str(jwk.get("kty")), ("kty",)), *_PARAMS, "k"}
        return cls(
            crypto,
            kid=jwk.get("kid"),
            use=jwk.get("use"),
            alg=jwk.get("alg"),
            key_ops=jwk.get("key_ops"),
            extra={name: value for name, value in jwk.items() if name not in known},
        )

    @classmethod
    def from_pem(cls, data: bytes | str, password: bytes | None = None, **params: Any) -> Key:
        """Load a PEM public or private key (or certificate's key); `params` as for `Key`."""
        raw = data.encode("ascii") if isinstance(data, str) else data
        try:
            if b"CERTIFICATE" in raw[:64]:
                from cryptography import x509  # noqa: PLC0415 - rare

                crypto: Any = x509.load_pem_x509_certificate(raw).public_key()
            elif b"PRIVATE" in raw[:64]:
                crypto = serialization.load_pem_private_key(raw, password)
            else:
                crypto = serialization.load_pem_public_key(raw)
        except (ValueError, TypeError, _CryptoUnsupported) as exc:
            raise InvalidKey(f"not a usable PEM key: {exc}") from None
        return cls(crypto, **params)

    @classmethod
    def generate(
        cls,
        alg: str,
        *,
        kid: str | None = None,
        use: str | None = None,
        rsa_bits: int = MIN_RSA_BITS,
        crv: str = "P-256",
    ) -> Key:
        """Generate a key for `alg`.

        `alg` is a JWS or JWE ``alg`` (the key carries it), or a JWE ``enc`` (a symmetric
        key of that size, for ``dir``).
        `rsa_bits` sizes RSA keys; `crv` picks the curve for ECDH-ES (``P-256``, ``P-384``,
        ``P-521`` or ``X25519``). The ``kid`` defaults to the RFC 7638 thumbprint.
        """
        if alg in CONTENT_ENCRYPTION_ALGS:
            crypto: CryptoKey = secrets.token_bytes(CONTENT_ENCRYPTION_ALGS[alg])
            key_alg: str | None = None
        else:
            fit = _FITS.get(alg)
            if fit is None:
                raise UnsupportedAlgorithm(f"cannot generate a key for {alg!r}")
            key_alg = alg
            if "RSA" in fit.ktys:
                if not isinstance(rsa_bits, int) or rsa_bits < MIN_RSA_BITS:
                    raise InvalidKey(f"rsa_bits must be an int >= {MIN_RSA_BITS}")
                crypto = rsa.generate_private_key(65537, rsa_bits)
            elif alg == "dir":
                raise UnsupportedAlgorithm("for 'dir', generate a key for the enc: 'A256GCM', ...")
            elif "oct" in fit.ktys:
                crypto = secrets.token_bytes(fit.size or int(alg[2:]) // 8)
            else:
                curve = crv if alg.startswith("ECDH-ES") else next(iter(fit.curves))
                if curve not in fit.curves:
                    raise InvalidKey(f"curve {curve!r} does not fit {alg}")
                if curve in _CURVES:
                    crypto = ec.generate_private_key(_CURVES[curve]())
                else:
                    crypto = _OKP[curve][0].generate()
        if kid is None and not isinstance(crypto, bytes):  # secrets get no kid from their hash
            kid = cls(crypto).thumbprint()
        return cls(crypto, kid=kid, use=use, alg=key_alg)

    @property
    def crypto_key(self) -> CryptoKey:
        """The `cryptography` key object, or the secret's bytes for a symmetric key."""
        return self._crypto

    def _public_members(self) -> dict[str, str]:
        members: dict[str, str] | None = self._memo.get("public")
        if members is None:
            crypto: Any = self._crypto
            if self.kty == "oct":
                raise InvalidKey("a symmetric key has no public form")
            public = crypto if not self.is_private else crypto.public_key()
            if self.kty == "RSA":
                numbers = public.public_numbers()
                members = {"kty": "RSA", "n": _int_to_b64(numbers.n), "e": _int_to_b64(numbers.e)}
            elif self.kty == "EC":
                numbers, size = public.public_numbers(), _CURVE_SIZES[str(self.crv)]
                members = {"kty": "EC", "crv": str(self.crv), "x": _int_to_b64(numbers.x, size)}
                members["y"] = _int_to_b64(numbers.y, size)
            else:
                members = {"kty": "OKP", "crv": str(self.crv)}
                members["x"] = b64encode(public.public_bytes(*_RAW))
            self._memo["public"] = members
        return members

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            name: value for name in _PARAMS if (value := getattr(self, name)) is not None
        }
        if self.key_ops is not None:
            params["key_ops"] = list(self.key_ops)
        return {**params, **self._extra}

    def public_jwk(self, *, minimal: bool = False) -> dict[str, Any]:
        """The public JWK, as a dict.

        The key's members, then ``kid``, ``use``, ``alg``, ``key_ops`` and other public
        members unless `minimal` (a DPoP proof's ``jwk`` header wants it minimal).

        Raises:
            InvalidKey: for a symmetric key.
        """
        members = dict(self._public_members())
        return members if minimal else {**members, **self._params()}

    def private_jwk(self) -> dict[str, Any]:
        """The full JWK, private members included (for a symmetric key, ``k``). A secret."""
        crypto: Any = self._crypto
        if self.kty == "oct":
            return {"kty": "oct", "k": b64encode(crypto), **self._params()}
        members = dict(self._public_members())
        if self.is_private:
            if self.kty == "RSA":
                numbers = crypto.private_numbers()
                for name, value in (
                    ("d", numbers.d), ("p", numbers.p), ("q", numbers.q),
                    ("dp", numbers.dmp1), ("dq", numbers.dmq1), ("qi", numbers.iqmp),
                ):  # fmt: skip
                    members[name] = _int_to_b64(value)
            elif self.kty == "EC":
                size = _CURVE_SIZES[str(self.crv)]
                members["d"] = _int_to_b64(crypto.private_numbers().private_value, size)
            else:
                raw = crypto.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
                members["d"] = b64encode(raw)
        return {**members, **self._params()}

    def public_key(self) -> Key:
        """This key's public half, with the same parameters (itself if already public)."""
        if not self.is_private:
            return self
        public: Key | None = self._memo.get("public_key")
        if public is None:
            if self.kty == "oct":
                raise InvalidKey("a symmetric key has no public form")
            crypto: Any = self._crypto
            public = Key(
                crypto.public_key(), kid=self.kid, use=self.use, alg=self.alg,
                key_ops=self.key_ops, extra=self._extra,
            )  # fmt: skip
            public._memo["public"] = self._public_members()
            self._memo["public_key"] = public
        return public

    def thumbprint(self, hash_name: str = "sha256") -> str:
        """The RFC 7638 JWK thumbprint, base64url (``sha256``, ``sha384`` or ``sha512``)."""
        if hash_name not in ("sha256", "sha384", "sha512"):
            raise UnsupportedAlgorithm(f"unsupported thumbprint hash {hash_name!r}")
        if self.kty == "oct":
            members = {"k": b64encode(self._crypto), "kty": "oct"}  # type: ignore[arg-type]
        else:
            members = self._public_members()
        text = json.dumps(members, sort_keys=True, separators=(",", ":"))
        return b64encode(hashlib.new(hash_name, text.encode("utf-8")).digest())

    def fits(self, alg: str, operation: str | None = None) -> bool:
        """Whether this key may be used with `alg` (a JWS or JWE ``alg``), for `operation`.

        Its type, curve and size must fit, and its ``use``, ``alg`` and ``key_ops``, when
        set, must allow it: ``key_ops`` the `operation` itself (``sign``, ``verify``,
        ``encrypt``, ``decrypt``), or with None any operation of the algorithm's use.
        """
        verdict: bool | None = self._memo.get(("fits", alg, operation))
        if verdict is None:
            verdict = self._memo[("fits", alg, operation)] = self._check_fit(alg, operation)
        return verdict

    def _check_fit(self, alg: str, operation: str | None) -> bool:
        fit = _FITS.get(alg)
        if fit is None or self.kty not in fit.ktys or (fit.curves and self.crv not in fit.curves):
            return False
        if fit.size and len(self._crypto) != fit.size:  # type: ignore[arg-type]
            return False
        if self.alg is not None and self.alg != alg:
            return False
        if self.use is not None and self.use != fit.use:
            return False
        allowed = _KEY_OPS[fit.use] if operation is None else _OPERATION_KEY_OPS[operation]
        return self.key_ops is None or any(op in allowed for op in self.key_ops)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={value!r}"
            for name in ("kty", "crv", "kid", "alg", "use")
            if (value := getattr(self, name)) is not None
        )
        return f"Key({shown}, private={self.is_private})"


# --- KeySet ------------------------------------------------------------------------------

_UNKNOWN_KID = object()


@final
class KeySet:
    """Parsed keys, looked up by ``kid``: a JWK Set. Immutable and thread-safe.

    `select` applies the facade's key choice rule (see there). An empty set is falsy.
    """

    __slots__ = ("_by_kid", "_chosen", "keys", "skipped")

    keys: tuple[Key, ...]
    skipped: tuple[str, ...]
    """Why each JWK left out by ``from_jwks(..., strict=False)`` was left out."""

    def __init__(self, keys: Iterable[Key] = (), *, skipped: Iterable[str] = ()) -> None:
        self.keys = tuple(keys)
        if not all(isinstance(key, Key) for key in self.keys):
            raise InvalidKey("a KeySet holds Key objects (use to_key_set for JWKs)")
        self.skipped = tuple(skipped)
        self._by_kid: dict[str | None, tuple[Key, ...]] = {}
        for key in self.keys:
            self._by_kid[key.kid] = (*self._by_kid.get(key.kid, ()), key)
        self._chosen: dict[tuple[str, object, str | None], Key] = {}

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any], *, strict: bool = True) -> KeySet:
        """Parse a JWK Set (``{"keys": [...]}``). Prefer `to_key_set`, which caches.

        With ``strict=False`` keys that cannot be used (an unknown ``kty`` or curve, a
        missing member) are left out, as RFC 7517 section 5 advises for fetched sets,
        and their reasons kept in `skipped`; otherwise they raise `InvalidKey`.
        """
        entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
        if not isinstance(entries, list):
            raise InvalidKey("a JWK Set is a JSON object with a 'keys' list")
        keys, skipped = [], []
        for index, jwk in enumerate(entries):
            try:
                keys.append(to_key(_jwk_object(jwk)))
            except InvalidKey as exc:
                if strict:
                    raise InvalidKey(f"key #{index} of the JWK Set: {exc}") from None
                skipped.append(f"key #{index}: {exc}")
        return cls(keys, skipped=skipped)

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, kid: str) -> Key | None:
        """The first key with `kid`, or None."""
        found = self._by_kid.get(kid)
        return found[0] if found else None

    def select(self, alg: str, kid: str | None = None, operation: str | None = None) -> Key:
        """The one key to use for `alg` and a token's `kid`.

        The rule: with a `kid`, the keys with that kid are the candidates, or if there
        are none, the keys without a kid (a key that names no kid serves any; no key at
        all: `KeyNotFound`); without a `kid`, every key is. Of the candidates, those that fit the
        algorithm (`Key.fits`: type, curve, size, ``use``, ``alg``, ``key_ops``) remain:
        none is `KeyTypeMismatch` (this is what refuses HS256 "signed" with an RSA or EC
        public key), several is `AmbiguousKey` (no trial of each key: one verification
        per token, and no key chosen by luck), exactly one is the answer.
        """
        # An unknown kid shares one cache slot: a stream of made-up kids cannot grow it.
        slot = (alg, kid if kid is None or kid in self._by_kid else _UNKNOWN_KID, operation)
        chosen = self._chosen.get(slot)
        if chosen is not None:
            return chosen
        if kid is None:
            pool = self.keys
        elif not (pool := self._by_kid.get(kid) or self._by_kid.get(None, ())):
            raise KeyNotFound(f"no key with kid {kid!r} in the key set")
        if not pool:
            raise KeyNotFound("the key set is empty")
        fitting = [key for key in pool if key.fits(alg, operation)]
        if not fitting:
            kinds = ", ".join(sorted({key.crv or key.kty for key in pool}))
            raise KeyTypeMismatch(f"no key fits {alg} (the candidates are {kinds})")
        if len(fitting) > 1:
            which = f"kid {kid!r}" if kid is not None else "no kid"
            raise AmbiguousKey(f"the token has {which} and {len(fitting)} keys fit {alg}")
        chosen = self._chosen[slot] = fitting[0]
        return chosen

    def public_jwks(self) -> dict[str, Any]:
        """The public JWK Set of the asymmetric keys (symmetric keys are left out)."""
        return {"keys": [key.public_jwk() for key in self.keys if key.kty != "oct"]}

    def __repr__(self) -> str:
        return f"KeySet({list(self.keys)!r})"


def _jwk_object(jwk: object) -> Mapping[str, Any]:
    """`jwk` if it is a JSON object: a str in a JWK Set would be taken for a shared secret."""
    if not isinstance(jwk, Mapping):
        raise InvalidKey(f"a JWK is a JSON object, got {type(jwk).__name__}")
    return jwk


# --- conversion and cache ----------------------------------------------------------------

KeyLike: TypeAlias = "Key | Mapping[str, Any] | CryptoKey | str"
"""A `Key`, a JWK dict, a `cryptography` key object, or a secret (bytes or text)."""
KeySetLike: TypeAlias = "KeySet | KeyLike | Iterable[KeyLike]"
"""A `KeySet`, a JWK Set dict, one key-like, or a list of them."""

_CACHE_SIZE = 512
_cache: dict[str, Key | KeySet] = {}
_cache_lock = threading.Lock()


def _cached(value: Mapping[str, Any], parse: Any) -> Any:
    try:
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidKey(f"a JWK must be JSON data: {exc}") from None
    found = _cache.get(canonical)
    if found is None:
        found = parse(value)
        with _cache_lock:
            while len(_cache) >= _CACHE_SIZE:
                del _cache[next(iter(_cache))]  # the oldest entry
            _cache[canonical] = found
    return found


def to_key(value: KeyLike) -> Key:
    """A `Key` from any key-like value; JWK dicts are parsed once and cached by content."""
    if isinstance(value, Key):
        return value
    if isinstance(value, Mapping):
        if "keys" in value:
            raise InvalidKey("expected one key, got a JWK Set")
        return _cached(value, Key.from_jwk)  # type: ignore[no-any-return]
    return Key(value)


def to_key_set(value: KeySetLike) -> KeySet:
    """A `KeySet` from any key-set-like value; JWK Sets are parsed once and cached."""
    if isinstance(value, KeySet):
        return value
    if isinstance(value, Mapping) and "keys" in value:
        return _cached(value, KeySet.from_jwks)  # type: ignore[no-any-return]
    if isinstance(value, list | tuple):
        return KeySet(to_key(item) for item in value)
    key = to_key(value)  # type: ignore[arg-type]
    single: KeySet | None = key._memo.get("set")  # noqa: SLF001 - this module's own class
    if single is None:
        single = key._memo["set"] = KeySet((key,))  # noqa: SLF001
    return single


def generate_key(alg: str, **options: Any) -> Key:
    """Generate a key for `alg`; `options` as for `Key.generate`."""
    return Key.generate(alg, **options)
