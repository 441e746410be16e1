"""Names of the JOSE algorithms that oauth2kit supports: entry point ``oidc.algorithms``.

The seed API re-exported its JOSE library's ``SignatureAlgs``, ``KeyManagementAlgs`` and
``EncryptionAlgs``. These classes keep their member names for the algorithms that the JOSE
facade (`oauth2kit.jose`) implements, and leave out those it refuses (``RSA1_5``, AES-GCM
key wrap, PBES2), so that a constant that exists is one that works. The values are
written out rather than read from the facade, so that importing these names does not
import the cryptography backends; a test keeps them equal to the facade's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from oauth2kit import hookimpl

if TYPE_CHECKING:
    from oauth2kit import Registry


class SignatureAlgs:
    """JWS algorithms (``alg``), as str constants; `ALL` is the set the facade supports.

    ``ES256k`` keeps the seed's member name, with the value RFC 8812 registers, ``ES256K``.
    """

    HS256: Final = "HS256"
    HS384: Final = "HS384"
    HS512: Final = "HS512"
    RS256: Final = "RS256"
    RS384: Final = "RS384"
    RS512: Final = "RS512"
    PS256: Final = "PS256"
    PS384: Final = "PS384"
    PS512: Final = "PS512"
    ES256: Final = "ES256"
    ES384: Final = "ES384"
    ES512: Final = "ES512"
    ES256k: Final = "ES256K"  # the seed's name; RFC 8812's value
    EdDSA: Final = "EdDSA"

    ALL_SYMMETRIC: Final = frozenset({HS256, HS384, HS512})
    ALL_ASYMMETRIC: Final = frozenset(
        {RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256k, EdDSA}
    )
    ALL: Final = ALL_SYMMETRIC | ALL_ASYMMETRIC


class KeyManagementAlgs:
    """JWE key management algorithms (``alg``), as str constants; `ALL` is the supported set."""

    RSA_OAEP: Final = "RSA-OAEP"
    RSA_OAEP_256: Final = "RSA-OAEP-256"
    ECDH_ES: Final = "ECDH-ES"
    ECDH_ES_A128KW: Final = "ECDH-ES+A128KW"
    ECDH_ES_A192KW: Final = "ECDH-ES+A192KW"
    ECDH_ES_A256KW: Final = "ECDH-ES+A256KW"
    A128KW: Final = "A128KW"
    A192KW: Final = "A192KW"
    A256KW: Final = "A256KW"
    dir: Final = "dir"  # the seed's name: the value itself

    ALL_AES: Final = frozenset({A128KW, A192KW, A256KW})
    ALL_SYMMETRIC: Final = ALL_AES | {dir}  # noqa: A003 - the class attribute above
    ALL_ASYMMETRIC: Final = frozenset(
        {RSA_OAEP, RSA_OAEP_256, ECDH_ES, ECDH_ES_A128KW, ECDH_ES_A192KW, ECDH_ES_A256KW}
    )
    ALL_KEY_BASED: Final = ALL_SYMMETRIC | ALL_ASYMMETRIC
    ALL: Final = ALL_KEY_BASED


class EncryptionAlgs:
    """JWE content encryption algorithms (``enc``), as str constants; `ALL` is the supported set."""

    A128CBC_HS256: Final = "A128CBC-HS256"
    A192CBC_HS384: Final = "A192CBC-HS384"
    A256CBC_HS512: Final = "A256CBC-HS512"
    A128GCM: Final = "A128GCM"
    A192GCM: Final = "A192GCM"
    A256GCM: Final = "A256GCM"

    ALL_AESCBC_HMAC: Final = frozenset({A128CBC_HS256, A192CBC_HS384, A256CBC_HS512})
    ALL_AESGCM: Final = frozenset({A128GCM, A192GCM, A256GCM})
    ALL: Final = ALL_AESCBC_HMAC | ALL_AESGCM


EXPORTS: tuple[type, ...] = (SignatureAlgs, KeyManagementAlgs, EncryptionAlgs)


@hookimpl
def oauth2kit_register_extensions(registry: Registry[object]) -> None:
    """Export the three classes of algorithm names."""
    for cls in EXPORTS:
        registry.add(cls.__name__, cls)
