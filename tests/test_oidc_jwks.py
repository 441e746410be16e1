"""The JWKS cache: max age, refetch on an unknown kid with a cooldown, threads, export.

Key rotation, ``Cache-Control`` headers and a clock that moves on demand are cases the real
test server cannot produce, so the unit tests here serve a JWK Set of the test's own with
the `responses` library, and give the cache a clock of their own (nothing is timed). The
fetch from the real server's ``jwks_uri`` is tested at the end, against it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
import responses
from as_server import AuthServer

from oauth2kit import (
    AuthorizationResponse,
    BearerToken,
    InvalidIdToken,
    InvalidJwks,
    InvalidParam,
    JwksCache,
    MissingEndpointUri,
    OAuth2Client,
    OAuth2Error,
    jose,
)

ISSUER = "https://as.example"
JWKS_URI = f"{ISSUER}/jwks"
CLIENT_ID = "client-1"
OLD = jose.generate_key("RS256", kid="old")
NEW = jose.generate_key("RS256", kid="new")


class Clock:
    """A wall clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def client(cache: JwksCache | None = None, **settings: Any) -> OAuth2Client:
    if cache is not None:
        settings["jwks_cache"] = cache
    return OAuth2Client(
        f"{ISSUER}/token", auth=(CLIENT_ID, "secret"), issuer=ISSUER, jwks_uri=JWKS_URI, **settings
    )


def serve(rsps: responses.RequestsMock, *keys: jose.Key, **headers: str) -> None:
    rsps.get(JWKS_URI, json={"keys": [key.public_jwk() for key in keys]}, headers=headers)


def id_token(key: jose.Key) -> BearerToken:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "u", "aud": CLIENT_ID, "exp": now + 60, "iat": now}
    return BearerToken("at", id_token=jose.sign_jwt(claims, key))


def validate(c: OAuth2Client, key: jose.Key) -> Any:
    return c.run("validate_id_token", token=id_token(key), azr=AuthorizationResponse(code="c"))


def test_keys_are_fetched_once_and_kept_for_their_max_age() -> None:
    clock = Clock()
    cache = JwksCache(clock=clock)
    c = client(cache)
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD, **{"Cache-Control": "public, max-age=600"})
        for _ in range(3):
            assert validate(c, OLD).id_token.kid == "old"
        assert len(rsps.calls) == 1
        assert rsps.calls[0].request.method == "GET"
        assert "Authorization" not in rsps.calls[0].request.headers
        clock.now += 599
        validate(c, OLD)
        assert len(rsps.calls) == 1
        clock.now += 2  # past max-age: fetched again
        validate(c, OLD)
        assert len(rsps.calls) == 2


def test_without_max_age_the_default_applies_and_no_cache_means_the_cooldown() -> None:
    clock = Clock()
    cache = JwksCache(max_age=100, refetch_cooldown=30, clock=clock)
    c = client(cache)
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD)
        validate(c, OLD)
        clock.now += 99
        validate(c, OLD)
        assert cache.fetches == 1
        clock.now += 1
        validate(c, OLD)
        assert cache.fetches == 2
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD, **{"Cache-Control": "no-store"})
        cache.refresh(c)
        clock.now += 29
        validate(c, OLD)  # "no-store" does not mean a fetch per token
        assert cache.fetches == 3
        clock.now += 1
        validate(c, OLD)
        assert cache.fetches == 4


def test_an_unknown_kid_refetches_once_then_waits_for_the_cooldown() -> None:
    clock = Clock()
    cache = JwksCache(refetch_cooldown=60, clock=clock)
    c = client(cache)
    stranger = jose.generate_key("RS256", kid="stranger")
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD)
        validate(c, OLD)
        clock.now += 61
        with pytest.raises(InvalidIdToken, match=r"no key\nwith kid='stranger'"):
            validate(c, stranger)  # unknown before and after the refetch
        assert cache.fetches == 2
        for _ in range(5):  # inside the cooldown: no more fetches, however many tokens
            with pytest.raises(InvalidIdToken, match="no key"):
                validate(c, stranger)
        assert cache.fetches == 2
        assert len(rsps.calls) == 2


def test_a_rotated_key_is_found_by_the_refetch() -> None:
    clock = Clock()
    cache = JwksCache(refetch_cooldown=60, clock=clock)
    c = client(cache)
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD)
        validate(c, OLD)
    clock.now += 60
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD, NEW)  # the server rotated NEW in
        assert validate(c, NEW).id_token.kid == "new"
        assert validate(c, OLD).id_token.kid == "old"
        assert len(rsps.calls) == 1


def test_concurrent_validations_make_one_fetch() -> None:
    cache = JwksCache()
    c = client(cache)
    started = threading.Barrier(8)
    errors: list[BaseException] = []

    def work() -> None:
        started.wait()
        try:
            validate(c, OLD)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with responses.RequestsMock() as rsps:
        serve(rsps, OLD)
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(rsps.calls) == 1


def test_export_and_import_keep_the_keys_across_restarts() -> None:
    clock = Clock()
    cache = JwksCache(clock=clock)
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD, **{"Cache-Control": "max-age=3600"})
        validate(client(cache), OLD)
    exported = cache.export()
    assert "d" not in exported["entries"][0]["jwks"]["keys"][0]  # public keys only
    restarted = JwksCache(clock=clock)
    restarted.import_(exported)
    with responses.RequestsMock():  # no fetch registered: any fetch would fail the test
        assert validate(client(restarted), OLD).id_token.kid == "old"
    assert restarted.fetches == 0
    with pytest.raises(InvalidParam):
        restarted.import_({"format": "something else"})
    with pytest.raises(InvalidParam):
        restarted.import_({**exported, "entries": [{"jwks_uri": JWKS_URI}]})


def test_one_cache_serves_several_clients_and_each_client_has_its_own_by_default() -> None:
    shared = JwksCache()
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD)
        for _ in range(3):
            validate(client(shared), OLD)
        assert len(rsps.calls) == 1
        for _ in range(2):
            validate(client(), OLD)
        assert len(rsps.calls) == 3


def test_bad_jwks_answers_raise_clear_errors() -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URI, body="<html>", content_type="text/html")
        with pytest.raises(InvalidJwks):
            client().run("authorization_server_keys")
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URI, json={"not": "a jwks"})
        with pytest.raises(InvalidJwks):
            client().run("authorization_server_keys")
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URI, json={"error": "server_error"}, status=500)
        with pytest.raises(OAuth2Error):
            client().run("authorization_server_keys")
    with responses.RequestsMock() as rsps:  # unusable keys are skipped, not fatal
        rsps.get(JWKS_URI, json={"keys": [{"kty": "XYZ"}, OLD.public_jwk()]})
        assert [key.kid for key in client().run("authorization_server_keys")] == ["old"]


def test_a_failed_fetch_is_not_tried_again_until_the_failure_cooldown() -> None:
    clock = Clock()
    cache = JwksCache(failure_cooldown=5, clock=clock)
    c = client(cache)
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URI, json={"error": "server_error"}, status=500)
        for _ in range(3):  # one request; the others get its failure again
            with pytest.raises(OAuth2Error, match="server_error"):
                c.run("authorization_server_keys")
        assert len(rsps.calls) == 1
        with pytest.raises(OAuth2Error, match=r"tried again in 5\.0 s"):
            c.run("authorization_server_keys")
        clock.now += 5  # the cooldown is over: fetched again, and now it works
        rsps.replace(responses.GET, JWKS_URI, json={"keys": [OLD.public_jwk()]})
        assert [key.kid for key in c.run("authorization_server_keys")] == ["old"]
        assert len(rsps.calls) == 2
    with pytest.raises(InvalidParam, match="failure_cooldown"):
        JwksCache(failure_cooldown=-1)


def test_static_keys_and_the_seed_methods() -> None:
    static = jose.to_key_set({"keys": [OLD.public_jwk()]})
    c = OAuth2Client(f"{ISSUER}/token", auth=(CLIENT_ID, "s"), authorization_server_jwks=static)
    assert c.run("authorization_server_keys") is static
    assert c.authorization_server_jwks is static
    with pytest.raises(MissingEndpointUri):
        c.update_authorization_server_public_keys()
    with pytest.raises(MissingEndpointUri):
        OAuth2Client(f"{ISSUER}/token", auth=(CLIENT_ID, "s")).run("authorization_server_keys")
    with pytest.raises(InvalidParam):
        OAuth2Client(f"{ISSUER}/token", auth=(CLIENT_ID, "s"), authorization_server_jwks=[1])
    with pytest.raises(InvalidParam):
        client(jwks_cache={})
    with pytest.raises(InvalidParam):
        JwksCache(refetch_cooldown=-1)
    both = client(authorization_server_jwks=static)
    with responses.RequestsMock() as rsps:
        serve(rsps, OLD, NEW)
        assert both.run("authorization_server_keys", kid="old") is static  # no fetch
        assert both.run("authorization_server_keys", kid="new").get("new") is not None
        assert len(both.update_authorization_server_public_keys()) == 2
        assert len(rsps.calls) == 2


def test_client_jwks_holds_the_public_halves_with_their_use() -> None:
    enc = jose.generate_key("RSA-OAEP-256", kid="enc")
    sign = jose.generate_key("ES256", kid="sig")

    class KeyAuth(requests.auth.AuthBase):
        client_id = CLIENT_ID
        private_key = sign.private_jwk()

        def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
            return r

    c = OAuth2Client(f"{ISSUER}/token", auth=KeyAuth(), id_token_decryption_key=enc)
    jwks = c.client_jwks.public_jwks()
    assert [(k["kid"], k["use"]) for k in jwks["keys"]] == [("sig", "sig"), ("enc", "enc")]
    assert all("d" not in key for key in jwks["keys"])
    assert len(client().client_jwks) == 0


@pytest.mark.integration
def test_the_real_servers_jwks_uri(auth_server: AuthServer) -> None:
    c = OAuth2Client(
        auth_server.token_endpoint,
        auth=("web-basic", "web-basic-secret"),
        jwks_uri=auth_server.discovery["jwks_uri"],
    )
    keys = c.update_authorization_server_public_keys()
    assert {key.kid for key in keys} >= {"as-rs256", "as-ps256", "as-es256", "as-eddsa"}
    assert all(not key.is_private for key in keys)
    assert c.run("authorization_server_keys", kid="as-es256").get("as-es256") is not None
