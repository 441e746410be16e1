"""The JOSE backend hook: a plugin's backend is used, its answer cached, and never a discovery."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from oauth2kit import PluginError, PluginHost, hookimpl, jose, set_default_host
from oauth2kit._host import existing_default_host


class RecordingBackend(jose.CryptographyBackend):
    """The cryptography backend, noting each call it serves."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def sign(self, alg: str, key: jose.Key, data: bytes) -> bytes:
        self.calls.append(("sign", alg))
        return super().sign(alg, key, data)

    def decrypt_content(  # noqa: PLR0917 - the backend protocol's signature
        self, enc: str, cek: bytes, iv: bytes, ciphertext: bytes, tag: bytes, aad: bytes
    ) -> bytes:
        self.calls.append(("decrypt", enc))
        return super().decrypt_content(enc, cek, iv, ciphertext, tag, aad)


class BackendPlugin:
    """Chooses `backend` for the (alg, operation) pairs in `wanted`; counts hook calls."""

    def __init__(self, backend: object, *wanted: tuple[str, str]) -> None:
        self.backend, self.wanted, self.asked = backend, set(wanted), 0

    @hookimpl
    def oauth2kit_jose_backend(self, alg: str, operation: str) -> Any:
        self.asked += 1
        return self.backend if (alg, operation) in self.wanted else None


@pytest.fixture
def host() -> Iterator[PluginHost]:
    """An empty default host for this test; the next user rediscovers plugins."""
    host = PluginHost(load_entry_points=False)
    set_default_host(host)
    yield host
    set_default_host(None)


def test_a_plugin_backend_is_used_and_asked_once(host: PluginHost) -> None:
    backend = RecordingBackend()
    plugin = BackendPlugin(backend, ("ES256", "sign"), ("A256GCM", "decrypt"))
    host.register(plugin, "jose.recording")
    key = jose.generate_key("ES256")
    tokens = [jose.sign_jwt({"n": n}, key) for n in range(3)]
    assert [("sign", "ES256")] * 3 == backend.calls
    assert 1 == plugin.asked  # the answer is kept per (alg, operation)
    for token in tokens:  # verification is not the plugin's: the built-in backend answers
        jose.verify_jwt(token, key.public_key(), algs=["ES256"])
    assert jose.PYTHON_JOSE_BACKEND is jose.get_backend("ES256", "verify")
    secret = jose.Key(jose.generate_key("A256GCM").crypto_key, alg="dir")
    jwe = jose.encrypt(b"x", secret, enc="A256GCM")
    assert b"x" == jose.decrypt(jwe, secret, ["dir"], ["A256GCM"]).plaintext
    assert ("decrypt", "A256GCM") == backend.calls[-1]


def test_registration_changes_invalidate_the_cached_answers(host: PluginHost) -> None:
    assert jose.PYTHON_JOSE_BACKEND is jose.get_backend("RS256", "sign")
    backend = RecordingBackend()
    host.register(BackendPlugin(backend, ("RS256", "sign")), "jose.late")
    assert backend is jose.get_backend("RS256", "sign")
    host.unregister("jose.late")
    assert jose.PYTHON_JOSE_BACKEND is jose.get_backend("RS256", "sign")


def test_a_backend_without_the_needed_method_is_a_plugin_error(host: PluginHost) -> None:
    host.register(BackendPlugin(object(), ("HS256", "verify")), "jose.broken")
    with pytest.raises(PluginError, match="lacks"):
        jose.get_backend("HS256", "verify")


def test_backend_failures_become_facade_errors(host: PluginHost) -> None:
    """A backend that raises where it should answer: no real backend here does."""

    class Raising(jose.CryptographyBackend):
        def verify(self, alg: str, key: jose.Key, data: bytes, signature: bytes) -> bool:
            raise RuntimeError("boom")

        def sign(self, alg: str, key: jose.Key, data: bytes) -> bytes:
            raise RuntimeError("boom")

    host.register(BackendPlugin(Raising(), ("HS384", "verify"), ("HS512", "sign")), "jose.raising")
    key = jose.Key(b"k" * 48)
    with pytest.raises(jose.InvalidSignature):
        jose.verify(jose.sign(b"x", key, alg="HS384"), key, algs=["HS384"])
    with pytest.raises(jose.InvalidKey, match="RuntimeError"):
        jose.sign(b"x", key, alg="HS512")


def test_no_host_means_the_built_in_choice_and_no_discovery() -> None:
    set_default_host(None)
    try:
        assert jose.CRYPTOGRAPHY_BACKEND is jose.get_backend("EdDSA", "sign")
        assert jose.PYTHON_JOSE_BACKEND is jose.get_backend("RSA-OAEP", "encrypt")
        assert jose.CRYPTOGRAPHY_BACKEND is jose.get_backend("ECDH-ES+A128KW", "decrypt")
        jose.sign_jwt({}, jose.generate_key("EdDSA"))
        assert existing_default_host() is None
    finally:
        set_default_host(None)


@pytest.mark.parametrize(("alg", "operation"), [("XS256", "sign"), ("HS256", "wrap")])
def test_unknown_algorithm_or_operation(alg: str, operation: Any) -> None:
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.get_backend(alg, operation)
