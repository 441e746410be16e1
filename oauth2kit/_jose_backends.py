"""The JOSE backends: the protocol a backend implements, and the two built-in ones.

A backend does the cryptography of one step and nothing else: the facade (`oauth2kit.jose`)
has already parsed the token, applied the allow-lists and size caps, and chosen a key that
fits the algorithm.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from oauth2kit._jose_errors import DecryptionFailed, InvalidKey, KeyTypeMismatch
from oauth2kit._jose_keys import CONTENT_ENCRYPTION_ALGS, Key, b64decode

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hashes import HashAlgorithm

__all__ = [
    "CRYPTOGRAPHY_BACKEND", "PYTHON_JOSE_ALGS", "PYTHON_JOSE_BACKEND", "CryptographyBackend",
    "JoseBackend", "PythonJoseBackend",
]  # fmt: skip


class JoseBackend(Protocol):
    """What a JOSE backend provides.

    The hook ``oauth2kit_jose_backend(alg, operation)`` returns one; it must implement the
    methods of the operations it is returned for:

    - ``sign`` / ``verify`` with a JWS ``alg``: `sign` and `verify`;
    - ``encrypt`` / ``decrypt`` with a JWE ``alg``: `encrypt_key` and `decrypt_key`;
    - ``encrypt`` / ``decrypt`` with a JWE ``enc``: `encrypt_content` and `decrypt_content`.

    The key always fits the algorithm (`Key.fits`), and is public for `verify`. Raise
    any exception on failure: the facade turns it into its own (`InvalidSignature`,
    `DecryptionFailed`, ...).
    """

    def sign(self, alg: str, key: Key, data: bytes) -> bytes:
        """The JWS signature of `data` (the signing input), in JWS form (raw R||S for EC)."""
        ...

    def verify(self, alg: str, key: Key, data: bytes, signature: bytes) -> bool:
        """Whether `signature` is valid for `data`."""
        ...

    def encrypt_key(
        self, alg: str, enc: str, key: Key, header: dict[str, Any]
    ) -> tuple[bytes, bytes]:
        """A fresh content encryption key for `enc` and its JWE Encrypted Key.

        May add members to the protected `header` (ECDH-ES adds ``epk``).
        """
        ...

    def decrypt_key(
        self, alg: str, enc: str, key: Key, header: Mapping[str, Any], encrypted_key: bytes
    ) -> bytes:
        """The content encryption key, from the JWE Encrypted Key and the header."""
        ...

    def encrypt_content(
        self, enc: str, cek: bytes, plaintext: bytes, aad: bytes
    ) -> tuple[bytes, bytes, bytes]:
        """(iv, ciphertext, tag) of `plaintext` under `cek`, authenticating `aad`."""
        ...

    def decrypt_content(  # noqa: PLR0917 - the parts of a JWE, in their order
        self, enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes
    ) -> bytes:
        """The plaintext; raises if the tag does not authenticate `aad`, iv and ciphertext."""
        ...


_HASHES: dict[str, type[HashAlgorithm]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512,
}  # fmt: skip
_OAEP = {
    "RSA-OAEP": asym_padding.OAEP(asym_padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),  # noqa: S303 - RFC 7518 RSA-OAEP is SHA-1 by definition
    "RSA-OAEP-256": asym_padding.OAEP(asym_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
}
_PKCS1 = asym_padding.PKCS1v15()
_HMAC_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def _hash_of(alg: str) -> HashAlgorithm:
    return _HASHES[alg[-3:]]() if alg[-3:] in _HASHES else hashes.SHA256()


def _crypto(key: Key) -> Any:
    return key.crypto_key


def _random_cek(enc: str) -> bytes:
    return secrets.token_bytes(CONTENT_ENCRYPTION_ALGS[enc])


def _cbc_hs_tag(mac_key: bytes, aad: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """RFC 7518 section 5.2.2.1: the first half of HMAC(aad || iv || ciphertext || AL)."""
    digest = {16: hashlib.sha256, 24: hashlib.sha384, 32: hashlib.sha512}[len(mac_key)]
    message = b"".join((aad, iv, ciphertext, struct.pack(">Q", len(aad) * 8)))
    return hmac.new(mac_key, message, digest).digest()[: len(mac_key)]


def _check_cbc_hs_tag(cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
    """The encryption half of `cek`, once the tag is checked (before any decryption)."""
    half = len(cek) // 2
    if not hmac.compare_digest(_cbc_hs_tag(cek[:half], aad, iv, ciphertext), tag):
        raise DecryptionFailed("the JWE authentication tag does not match")
    return cek[half:]


def _concat_kdf(z: bytes, size: int, algorithm_id: str, header: Mapping[str, Any]) -> bytes:
    """RFC 7518 section 4.6.2: the ECDH-ES key derivation."""

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    party = [b64decode(header[name]) if name in header else b"" for name in ("apu", "apv")]
    other = b"".join(
        (
            field(algorithm_id.encode()),
            field(party[0]),
            field(party[1]),
            struct.pack(">I", size * 8),
        )
    )
    return ConcatKDFHash(hashes.SHA256(), size, other).derive(z)


def _ecdh(private: Any, public: Any) -> bytes:
    if isinstance(private, x25519.X25519PrivateKey):
        return private.exchange(public)
    return private.exchange(ec.ECDH(), public)  # type: ignore[no-any-return]


class CryptographyBackend:
    """Every algorithm of the facade, on `cryptography` directly.

    The default for PS256/384/512, EdDSA, ES256K and the ECDH-ES family; a plugin may
    return it for the others too (`CRYPTOGRAPHY_BACKEND`).
    """

    def sign(self, alg: str, key: Key, data: bytes) -> bytes:
        crypto = _crypto(key)
        family = alg[:2]
        if family == "HS":
            return hmac.new(crypto, data, _HMAC_HASHES[alg[2:]]).digest()
        if family == "RS":
            return crypto.sign(data, _PKCS1, _hash_of(alg))  # type: ignore[no-any-return]
        if family == "PS":
            chosen = _hash_of(alg)
            pss = asym_padding.PSS(asym_padding.MGF1(chosen), chosen.digest_size)
            return crypto.sign(data, pss, chosen)  # type: ignore[no-any-return]
        if family == "ES":
            r, s = decode_dss_signature(crypto.sign(data, ec.ECDSA(_hash_of(alg))))
            size = (crypto.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return crypto.sign(data)  # type: ignore[no-any-return] # EdDSA

    def verify(self, alg: str, key: Key, data: bytes, signature: bytes) -> bool:
        crypto = _crypto(key)
        family = alg[:2]
        if family == "HS":
            expected = hmac.new(crypto, data, _HMAC_HASHES[alg[2:]]).digest()
            return hmac.compare_digest(expected, signature)
        try:
            if family == "RS":
                crypto.verify(signature, data, _PKCS1, _hash_of(alg))
            elif family == "PS":
                chosen = _hash_of(alg)
                pss = asym_padding.PSS(asym_padding.MGF1(chosen), chosen.digest_size)
                crypto.verify(signature, data, pss, chosen)
            elif family == "ES":
                size = (crypto.curve.key_size + 7) // 8
                if len(signature) != 2 * size:
                    return False
                r, s = (
                    int.from_bytes(part, "big") for part in (signature[:size], signature[size:])
                )
                crypto.verify(encode_dss_signature(r, s), data, ec.ECDSA(_hash_of(alg)))
            else:
                crypto.verify(signature, data)
        except _CryptoInvalidSignature:
            return False
        return True

    def encrypt_key(
        self, alg: str, enc: str, key: Key, header: dict[str, Any]
    ) -> tuple[bytes, bytes]:
        crypto = _crypto(key)
        if alg == "dir":
            return _direct_key(enc, key), b""
        if alg in _OAEP:
            public = crypto.public_key() if isinstance(crypto, rsa.RSAPrivateKey) else crypto
            cek = _random_cek(enc)
            return cek, public.encrypt(cek, _OAEP[alg])
        if alg.startswith("ECDH-ES"):
            recipient = key.public_key()
            ephemeral = Key.generate(alg, crv=str(recipient.crv))
            header["epk"] = ephemeral.public_jwk(minimal=True)
            z = _ecdh(_crypto(ephemeral), _crypto(recipient))
            if alg == "ECDH-ES":
                return _concat_kdf(z, CONTENT_ENCRYPTION_ALGS[enc], enc, header), b""
            kek = _concat_kdf(z, int(alg[9:12]) // 8, alg, header)
            cek = _random_cek(enc)
            return cek, aes_key_wrap(kek, cek)
        cek = _random_cek(enc)  # A128KW, A192KW, A256KW
        return cek, aes_key_wrap(crypto, cek)

    def decrypt_key(
        self, alg: str, enc: str, key: Key, header: Mapping[str, Any], encrypted_key: bytes
    ) -> bytes:
        crypto = _crypto(key)
        if alg in {"dir", "ECDH-ES"}:
            if encrypted_key:
                raise DecryptionFailed(f"a JWE with alg {alg} has an empty encrypted key")
            if alg == "dir":
                return _direct_key(enc, key)
        if alg in _OAEP:
            return crypto.decrypt(encrypted_key, _OAEP[alg])  # type: ignore[no-any-return]
        if alg.startswith("ECDH-ES"):
            epk = Key.from_jwk(header["epk"]) if isinstance(header.get("epk"), Mapping) else None
            if epk is None or epk.is_private or (epk.kty, epk.crv) != (key.kty, key.crv):
                raise DecryptionFailed("the 'epk' header is not a public key of the key's curve")
            z = _ecdh(crypto, _crypto(epk))
            if alg == "ECDH-ES":
                return _concat_kdf(z, CONTENT_ENCRYPTION_ALGS[enc], enc, header)
            return aes_key_unwrap(_concat_kdf(z, int(alg[9:12]) // 8, alg, header), encrypted_key)
        return aes_key_unwrap(crypto, encrypted_key)

    def encrypt_content(
        self, enc: str, cek: bytes, plaintext: bytes, aad: bytes
    ) -> tuple[bytes, bytes, bytes]:
        if enc.endswith("GCM"):
            iv = secrets.token_bytes(12)
            sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
            return iv, sealed[:-16], sealed[-16:]
        half = len(cek) // 2
        iv = secrets.token_bytes(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        return iv, ciphertext, _cbc_hs_tag(cek[:half], aad, iv, ciphertext)

    def decrypt_content(  # noqa: PLR0917 - the parts of a JWE, in their order
        self, enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes
    ) -> bytes:
        if enc.endswith("GCM"):
            return AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
        enc_key = _check_cbc_hs_tag(cek, iv, ciphertext, tag, aad)
        decryptor = Cipher(algorithms.AES(enc_key), modes.CBC(iv)).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        return unpadder.update(padded) + unpadder.finalize()


def _direct_key(enc: str, key: Key) -> bytes:
    secret = _crypto(key)
    if len(secret) != CONTENT_ENCRYPTION_ALGS[enc]:
        raise KeyTypeMismatch(f"a 'dir' key for {enc} must be {CONTENT_ENCRYPTION_ALGS[enc]} bytes")
    return secret  # type: ignore[no-any-return]


PYTHON_JOSE_ALGS = frozenset(
    {
        *(f"{family}{bits}" for family in ("HS", "RS", "ES") for bits in (256, 384, 512)),
        "RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW", "dir",
        *CONTENT_ENCRYPTION_ALGS,
    }
)  # fmt: skip
"""The algorithms for which python-jose is the default backend."""


class PythonJoseBackend:
    """python-jose's key objects (``jose.jwk.construct``), built once per key and algorithm.

    Covers the algorithms of `PYTHON_JOSE_ALGS`. For A*CBC-HS* python-jose does the AES-CBC
    part (its ``A128CBC``... keys) and this class the HMAC of RFC 7518 section 5.2.
    """

    @staticmethod
    def _jose_key(key: Key, alg: str) -> Any:
        # Kept on the Key (`_memo` is the kernel's own cache slot): no construction per call.
        memo = key._memo  # noqa: SLF001 - the kernel's JOSE modules share Key's cache
        found = memo.get(("python-jose", alg))
        if found is None:
            from jose import jwk  # noqa: PLC0415 - imported on first use only

            try:
                found = memo["python-jose", alg] = jwk.construct(_crypto(key), alg)
            except Exception as exc:  # noqa: BLE001 - python-jose raises JWKError, TypeError, ...
                # Its messages may quote the key: only the error's type is shown.
                raise InvalidKey(
                    f"python-jose refused the key for {alg}: {type(exc).__name__}"
                ) from None
        return found

    def sign(self, alg: str, key: Key, data: bytes) -> bytes:
        return self._jose_key(key, alg).sign(data)  # type: ignore[no-any-return]

    def verify(self, alg: str, key: Key, data: bytes, signature: bytes) -> bool:
        return self._jose_key(key, alg).verify(data, signature) is True

    def encrypt_key(
        self,
        alg: str,
        enc: str,
        key: Key,
        header: dict[str, Any],  # noqa: ARG002 - no header member for these algs
    ) -> tuple[bytes, bytes]:
        if alg == "dir":
            return _direct_key(enc, key), b""
        wrapping = key.public_key() if alg in _OAEP else key
        cek = _random_cek(enc)
        return cek, self._jose_key(wrapping, alg).wrap_key(cek)

    def decrypt_key(
        self,
        alg: str,
        enc: str,
        key: Key,
        header: Mapping[str, Any],  # noqa: ARG002 - no header member for these algs
        encrypted_key: bytes,
    ) -> bytes:
        if alg == "dir":
            if encrypted_key:
                raise DecryptionFailed("a JWE with alg dir has an empty encrypted key")
            return _direct_key(enc, key)
        return self._jose_key(key, alg).unwrap_key(encrypted_key)  # type: ignore[no-any-return]

    def encrypt_content(
        self, enc: str, cek: bytes, plaintext: bytes, aad: bytes
    ) -> tuple[bytes, bytes, bytes]:
        from jose import jwk  # noqa: PLC0415 - imported on first use only

        if enc.endswith("GCM"):
            iv, ciphertext, tag = jwk.construct(cek, enc).encrypt(plaintext, aad)
            return iv, ciphertext, tag or b""
        half = len(cek) // 2
        iv, ciphertext, _ = jwk.construct(cek[half:], enc[:7]).encrypt(plaintext)
        return iv, ciphertext, _cbc_hs_tag(cek[:half], aad, iv, ciphertext)

    def decrypt_content(  # noqa: PLR0917 - the parts of a JWE, in their order
        self, enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes
    ) -> bytes:
        from jose import jwk  # noqa: PLC0415 - imported on first use only

        if enc.endswith("GCM"):
            return jwk.construct(cek, enc).decrypt(ciphertext, iv, aad, tag)
        enc_key = _check_cbc_hs_tag(cek, iv, ciphertext, tag, aad)
        return jwk.construct(enc_key, enc[:7]).decrypt(ciphertext, iv)


CRYPTOGRAPHY_BACKEND = CryptographyBackend()
"""The shared `CryptographyBackend`."""
PYTHON_JOSE_BACKEND = PythonJoseBackend()
"""The shared `PythonJoseBackend`."""
