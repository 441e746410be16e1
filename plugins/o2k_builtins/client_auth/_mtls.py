"""Mutual TLS (RFC 8705): the client certificate, the methods' base, and calls sent with it.

Shared by the ``auth.tls_client_auth`` and ``auth.self_signed_tls_client_auth`` plugins, and
not a plugin itself: each of the two presents the certificate of its own method, and
``auth.tls_client_auth`` owns the ``mtls_endpoint_aliases`` setting.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, TypeAlias
from urllib.parse import urlsplit

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from oauth2kit import (
    BaseClientAuthenticationMethod,
    InvalidParam,
    PluginNotAvailable,
    UnsupportedClientCredentials,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

    from oauth2kit import EndpointCall, Form, Headers, OAuth2Client, Transport

ClientCertificate: TypeAlias = str | tuple[str, str]
"""What `requests` takes as ``cert=``: one PEM file with both parts, or (certificate, key)."""

ALIASES = "mtls_endpoint_aliases"
MAX_PEM_BYTES = 1024 * 1024  # a certificate chain and a key are a few kB; refuse to slurp more


class InvalidClientCertificate(UnsupportedClientCredentials):
    """The mutual-TLS client certificate is missing, unreadable, or not one `requests` can use."""


class InvalidMtlsEndpointAliases(InvalidParam):
    """``mtls_endpoint_aliases`` is not a mapping of endpoint names to https URLs."""


# --- the certificate ---------------------------------------------------------------------


def checked_certificate(cert: object) -> ClientCertificate:
    """Return `cert` as `requests` takes it, with absolute paths, once its files are checked.

    Args:
        cert: the path of one PEM file holding the certificate and its private key, or a
            ``(certificate path, key path)`` pair. Paths may be `os.PathLike`.

    Raises:
        InvalidClientCertificate: a file is missing or unreadable, holds no PEM certificate or
            private key, the key is encrypted (`requests` cannot take a password), or the key
            does not belong to the certificate.
    """
    if isinstance(cert, str | os.PathLike):
        path = _path(cert)
        data = _read(path)
        _check_pair(_certificate(data, path), _private_key(data, path), path)
        return path
    if isinstance(cert, tuple | list) and len(cert) == 2:  # noqa: PLR2004 - a pair
        cert_path, key_path = _path(cert[0]), _path(cert[1])
        certificate = _certificate(_read(cert_path), cert_path)
        _check_pair(certificate, _private_key(_read(key_path), key_path), key_path)
        return cert_path, key_path
    msg = (
        "cert must be the path of a PEM file holding the client certificate and its key,"
        f" or a (certificate path, key path) pair; got {type(cert).__name__}"
    )
    raise InvalidClientCertificate(msg)


def _path(value: object) -> str:
    path = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(path, str) or not path:
        kind = type(value).__name__
        raise InvalidClientCertificate(f"certificate and key paths are non-empty strs, got {kind}")
    return _absolute(path)  # what was checked is what is sent, whatever the cwd is then


def _absolute(path: str) -> str:
    return str(Path(path).resolve())


def _read(path: str) -> bytes:
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_PEM_BYTES + 1)
    except OSError as exc:
        # Not the path itself: a client secret passed where a path goes would show.
        reason = exc.strerror or type(exc).__name__
        raise InvalidClientCertificate(
            f"cannot read the client certificate file: {reason}"
        ) from None
    if len(data) > MAX_PEM_BYTES:
        raise InvalidClientCertificate(
            "the client certificate file is larger than a PEM file can be"
        )
    return data


def _certificate(data: bytes, path: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise InvalidClientCertificate(f"{path!r} holds no PEM certificate") from None


def _private_key(data: bytes, path: str) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:  # cryptography's way of saying "encrypted, and no password given"
        msg = f"the private key in {path!r} is encrypted: requests needs it unencrypted"
        raise InvalidClientCertificate(msg) from None
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidClientCertificate(f"{path!r} holds no usable PEM private key") from None


def _check_pair(certificate: x509.Certificate, key: PrivateKeyTypes, key_path: str) -> None:
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != certificate.public_key().public_bytes(der, spki):
        msg = f"the private key in {key_path!r} does not belong to the client certificate"
        raise InvalidClientCertificate(msg)


def _normalized(cert: ClientCertificate) -> ClientCertificate:
    if isinstance(cert, str):
        return _absolute(cert)
    return _absolute(cert[0]), _absolute(cert[1])


# --- the methods -------------------------------------------------------------------------


class MutualTlsClientAuth(BaseClientAuthenticationMethod):
    """The base of the mutual-TLS methods: the certificate authenticates the client.

    The form carries only the ``client_id`` (RFC 8705 section 2); the plugin of the method
    presents the certificate on every request the client sends to its server. Used as a
    plain `requests` auth handler, the method adds the ``client_id`` only: pass
    ``cert=method.cert`` to `requests` too.

    Args:
        client_id: the client identifier.
        cert: the client certificate, as `checked_certificate` takes it; checked here.

    Raises:
        InvalidClientCertificate: see `checked_certificate`.
    """

    method_name: ClassVar[str]
    """The method's registered name; its plugin is ``auth.<method_name>``."""

    def __init__(self, client_id: str, cert: ClientCertificate) -> None:
        super().__init__(client_id)
        self.cert: ClientCertificate = checked_certificate(cert)

    def authenticate(self, url: str, form: Form, headers: Headers) -> None:  # noqa: ARG002 - the method's signature
        """Add the client_id to the form: the TLS handshake carries the proof.

        As a plain `requests` auth handler, the request presents the certificate given to
        `requests` (``cert=``).
        """
        self.set_form_fields(form, client_id=self.client_id)

    def authenticate_call(self, call: EndpointCall) -> None:
        """Authenticate `call`, once its plugin's request hook presented the certificate.

        Raises:
            PluginNotAvailable: the call does not present the certificate, because the
                method's plugin is not loaded, or is disabled, for the client.
        """
        given = call.transport.cert
        if given is None or _normalized(given) != self.cert:
            # Without its plugin's request hook the request would go out without the
            # certificate, and the server's answer would not say why.
            plugin = f"auth.{self.method_name}"
            msg = (
                f"the client certificate was not presented: plugin {plugin!r} is not loaded"
                " (or is disabled) in this client's plugin host; pass the certificate as the"
                f" client's credential with token_endpoint_auth_method={self.method_name!r},"
                f" or load the plugin first: host.client_auth_methods.get({self.method_name!r})"
            )
            raise PluginNotAvailable("client_auth_methods", self.method_name, msg)
        self.authenticate(call.url, call.form, call.headers)

    def __repr__(self) -> str:
        """Name the client and the certificate's files (paths, never their contents)."""
        return f"{type(self).__name__}(client_id={self.client_id!r}, cert={self.cert!r})"


# --- sending a call with the certificate -------------------------------------------------


def present_certificate(call: EndpointCall, cert: ClientCertificate) -> None:
    """Send `call` with `cert`, to the mTLS alias of its endpoint if the server has one.

    Raises:
        InvalidClientCertificate: the call was given another certificate (``requests_kwargs``).
    """
    given = call.transport.cert
    if given is None:
        call.transport = _with_cert(call.transport, cert)
    elif _normalized(given) != cert:
        msg = "this call was given another certificate than the one the client authenticates with"
        raise InvalidClientCertificate(msg)
    use_alias(call)


@functools.lru_cache(maxsize=64)
def _with_cert(transport: Transport, cert: ClientCertificate) -> Transport:
    # One transport per (client transport, certificate), not one per request: the pipeline
    # caches what it derives from a transport by identity.
    return attrs.evolve(transport, cert=cert)


def use_alias(call: EndpointCall) -> None:
    """Point `call` at its endpoint's ``mtls_endpoint_aliases`` entry, keeping its query.

    Left alone: an endpoint without an alias, and a URL that another plugin changed.
    """
    aliases: Mapping[str, str] | None = call.client.settings.get(ALIASES)
    alias = aliases.get(call.endpoint) if aliases else None
    if alias is None:
        return
    plain = call.client.endpoint_uri(call.endpoint)
    if not call.url.startswith(plain):
        return  # already the alias (a retry), or another plugin's choice
    rest = call.url[len(plain) :]
    if rest and rest[0] not in "?&":
        return  # a longer URL, of another plugin's
    query = rest[1:]
    call.url = f"{alias}{'&' if '?' in alias else '?'}{query}" if query else alias


def checked_aliases(client: OAuth2Client, value: object) -> Mapping[str, str]:
    """Check the ``mtls_endpoint_aliases`` setting: endpoint names to https URLs.

    Each URL goes through the client's URI policy, and must use https: a client certificate
    is presented in the TLS handshake. The names are the server metadata's (``token_endpoint``,
    ``revocation_endpoint``, ...); names this client has no endpoint for are kept unused,
    as a discovery document may list them.

    Raises:
        InvalidMtlsEndpointAliases: not a mapping, a name that is not a str, or a plain-http URL.
        InvalidEndpointUri: a URL that the client's URI policy refuses.
    """
    if not isinstance(value, Mapping):
        msg = f"{ALIASES} must map endpoint names to URLs, got {type(value).__name__}"
        raise InvalidMtlsEndpointAliases(msg)
    aliases: dict[str, str] = {}
    for name, uri in value.items():
        if not isinstance(name, str) or not name:
            msg = f"{ALIASES} names must be non-empty strs, got {name!r}"
            raise InvalidMtlsEndpointAliases(msg)
        checked = client.checked_endpoint(f"{ALIASES}[{name!r}]", uri)
        if urlsplit(checked).scheme != "https":
            msg = f"{ALIASES}[{name!r}] must use https: a client certificate needs TLS"
            raise InvalidMtlsEndpointAliases(msg)
        aliases[name] = checked
    return MappingProxyType(aliases)  # read-only: checked once, trusted after
